#!/usr/bin/env bash
# CI check that the CUDA plugin compiles warning-free (-Werror) and that its GPU pipeline, run on
# the CPU, matches the CPU engine. Needs nvcc and cuFFT (toolkit or `pip install nvidia-cufft`),
# no GPU. Where nvcc is expected (CI set, or SCATKIT_EXPECT_CUDA=1) its absence fails the check;
# elsewhere (or with SCATKIT_EXPECT_CUDA=0) it skips with a message (exit 0).
#   bash cuda/check_build.sh            # build dir build/cuda-check
#   CUDA_ARCHS="90" bash cuda/check_build.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${SCATKIT_CUDA_CHECK_DIR:-build/cuda-check}"
ARCHS="${CUDA_ARCHS:-80;90}"

expect="${SCATKIT_EXPECT_CUDA:-}"
if [[ -z "$expect" ]]; then
  case "${CI:-}" in "" | false | 0) expect=0 ;; *) expect=1 ;; esac
fi
if ! command -v nvcc >/dev/null 2>&1 && [[ ! -x /usr/local/cuda/bin/nvcc ]] && [[ -z "${CUDACXX:-}" ]]; then
  if [[ "$expect" == 1 ]]; then
    echo "cuda/check_build.sh: FAILED, no CUDA compiler (nvcc) found where one is expected" \
      "(CI=${CI:-} SCATKIT_EXPECT_CUDA=${SCATKIT_EXPECT_CUDA:-}): install the CUDA toolkit," \
      "or set SCATKIT_EXPECT_CUDA=0 to skip this check." >&2
    exit 1
  fi
  echo "cuda/check_build.sh: skipped, no CUDA compiler (nvcc) found."
  exit 0
fi
# The interpreter whose site-packages hold the nvidia-cufft wheel (cmake/ScatkitCUDA.cmake).
PY="$(bash scripts/python.sh)"

gen=()
command -v ninja >/dev/null 2>&1 && gen=(-G Ninja)
cmake -S . -B "$BUILD" "${gen[@]}" -DSCATKIT_CUDA=ON -DSCATKIT_PYTHON=OFF -DSCATKIT_TESTS=ON \
  -DSCATKIT_WERROR=ON "-DCMAKE_CUDA_ARCHITECTURES=$ARCHS" "-DPython3_EXECUTABLE=$PY" \
  >/dev/null
cmake --build "$BUILD" -j"${JOBS:-2}" --target scatkit_cuda cuda_emulation_test \
  cuda_plugin_create_test
SCATKIT_FFTW_WISDOM=0 "$BUILD/tests/cuda/cuda_emulation_test"
SCATKIT_FFTW_WISDOM=0 "$BUILD/tests/cuda/cuda_plugin_create_test" "$BUILD/libscatkit_cuda.so"
echo "cuda/check_build.sh: CUDA plugin builds with -Werror (architectures $ARCHS); pipeline" \
  "emulation and plugin checks passed."
