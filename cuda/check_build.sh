#!/usr/bin/env bash
# CI check that the CUDA plugin compiles warning-free (-Werror) and that its GPU pipeline, run on
# the CPU, matches the CPU engine. Needs nvcc and cuFFT (toolkit or `pip install nvidia-cufft`),
# no GPU. Skips with a message (exit 0) when nvcc is absent.
#   bash cuda/check_build.sh            # build dir build/cuda-check
#   CUDA_ARCHS="90" bash cuda/check_build.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${SCATKIT_CUDA_CHECK_DIR:-build/cuda-check}"
ARCHS="${CUDA_ARCHS:-80;90}"

if ! command -v nvcc >/dev/null 2>&1 && [[ ! -x /usr/local/cuda/bin/nvcc ]] && [[ -z "${CUDACXX:-}" ]]; then
  echo "cuda/check_build.sh: skipped, no CUDA compiler (nvcc) found."
  exit 0
fi

gen=()
command -v ninja >/dev/null 2>&1 && gen=(-G Ninja)
cmake -S . -B "$BUILD" "${gen[@]}" -DSCATKIT_CUDA=ON -DSCATKIT_PYTHON=OFF -DSCATKIT_TESTS=ON \
  -DSCATKIT_WERROR=ON "-DCMAKE_CUDA_ARCHITECTURES=$ARCHS" >/dev/null
cmake --build "$BUILD" -j"${JOBS:-2}" --target scatkit_cuda cuda_emulation_test
SCATKIT_FFTW_WISDOM=0 "$BUILD/tests/cuda/cuda_emulation_test"
echo "cuda/check_build.sh: CUDA plugin builds with -Werror (architectures $ARCHS); pipeline emulation passed."
