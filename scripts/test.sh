#!/usr/bin/env bash
# Sets up (as scripts/setup.sh test) and runs every check: style (scripts/lint.sh), C++ (ctest,
# with GCC and with Clang), the find_package consumer project, the CUDA compile check (skipped
# without nvcc, except in CI or with SCATKIT_EXPECT_CUDA=1) and Python (pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
# The interpreter setup installed into, for pytest and for every CMake configure below.
PY="$(bash scripts/python.sh)"
export PATH="$(dirname "$PY"):$PATH"
echo "== Python: $PY"

echo "== Style (ruff, clang-format)"
bash scripts/lint.sh

echo "== C++ unit tests (ctest)"
cmake -S . -B build/ctest -G Ninja -DSCATKIT_TESTS=ON -DSCATKIT_PYTHON=OFF -DSCATKIT_CUDA=OFF \
  -DSCATKIT_WERROR=ON "-DPython3_EXECUTABLE=$PY" >/dev/null
cmake --build build/ctest -j2
ctest --test-dir build/ctest --output-on-failure

echo "== C++ unit tests built with Clang (-Werror)"
cmake -S . -B build/clang -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
  -DSCATKIT_TESTS=ON -DSCATKIT_PYTHON=OFF -DSCATKIT_CUDA=OFF -DSCATKIT_WERROR=ON \
  "-DPython3_EXECUTABLE=$PY" >/dev/null
cmake --build build/clang -j2
ctest --test-dir build/clang --output-on-failure

echo "== Single-precision-only build (SCATKIT_FLOAT_ONLY)"
cmake -S . -B build/float-only -G Ninja -DSCATKIT_FLOAT_ONLY=ON -DSCATKIT_TESTS=ON \
  -DSCATKIT_PYTHON=OFF -DSCATKIT_CUDA=OFF -DSCATKIT_WERROR=ON "-DPython3_EXECUTABLE=$PY" >/dev/null
cmake --build build/float-only -j2 --target test_float_only
ctest --test-dir build/float-only -R float_only --output-on-failure

echo "== CMake package consumer, pkg-config consumer and native example"
bash tests/cmake_consume/run.sh

echo "== CUDA backend compile check (-Werror) and CPU emulation of its pipeline"
bash cuda/check_build.sh

echo "== C++ and C API tests under AddressSanitizer + UBSan, LeakSanitizer on (preset sanitize)"
cmake --preset sanitize -DPython3_EXECUTABLE="$PY"
cmake --build build/sanitize -j2
ctest --preset sanitize

echo "== Concurrency tests under ThreadSanitizer (preset tsan)"
cmake --preset tsan -DPython3_EXECUTABLE="$PY"
cmake --build build/tsan -j2 --target test_concurrency
ctest --preset tsan

echo "== Fuzzing: libFuzzer on the C API (60 s), atheris on the Python front end and images (30 s each)"
tests/fuzz/run_fuzz.sh "$PY"

echo "== Python tests (pytest)"
"$PY" -m pytest -q -p no:cacheprovider tests/python
