#!/usr/bin/env bash
# Short fuzzing runs on the kept seed corpora (tests/fuzz/corpus/*): the libFuzzer target on the
# C API (FUZZ_C_API_SECONDS, default 60; needs clang with -fsanitize=fuzzer) and the atheris
# harnesses of the Python front end and the image loaders (FUZZ_SECONDS, default 30, each). New
# inputs go to a temporary folder so the kept corpus only changes by hand.
# Usage: run_fuzz.sh [PYTHON]
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${1:-python3}
SECONDS_EACH=${FUZZ_SECONDS:-30}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

c_api_seconds=${FUZZ_C_API_SECONDS:-60}
if command -v clang++ >/dev/null && [[ "$c_api_seconds" != 0 ]]; then
  echo "-- fuzz_c_api (libFuzzer, ASan+UBSan) for ${c_api_seconds}s"
  if ! { cmake -S tests/fuzz -B build/fuzz -G Ninja -DCMAKE_C_COMPILER=clang \
    -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
    cmake --build build/fuzz -j2; } >"$work/fuzz-cmake.log" 2>&1; then
    tail -40 "$work/fuzz-cmake.log" >&2
    echo "building the C API fuzz target failed" >&2
    exit 1
  fi
  mkdir -p "$work/c_api"
  # FFTW_ESTIMATE: planning effort is not under test, and measuring on a busy machine is slow.
  if ! ASAN_OPTIONS=detect_leaks=1 SCATKIT_FFTW_WISDOM=0 SCATKIT_FFTW_PLANNER=estimate \
      build/fuzz/fuzz_c_api "$work/c_api" \
      tests/fuzz/corpus/c_api -max_total_time="$c_api_seconds" -rss_limit_mb=2048 -timeout=60 \
      -print_final_stats=1 -artifact_prefix="$work/" >"$work/c_api.log" 2>&1; then
    tail -60 "$work/c_api.log" >&2
    echo "fuzz_c_api found a failure (the input is saved as $work/crash-* or similar)" >&2
    trap - EXIT
    exit 1
  fi
  grep -E "^stat::(number_of_executed_units|peak_rss_mb)" "$work/c_api.log" | sort -u
else
  echo "clang++ not found (or FUZZ_C_API_SECONDS=0): C API fuzzing skipped"
fi
if ! "$PY" -c "import atheris" 2>/dev/null; then
  if [[ -n "${CI:-}" && "${CI}" != "false" && "${CI}" != "0" ]]; then
    echo "atheris is not installed (scripts/setup.sh test installs it)" >&2
    exit 1
  fi
  echo "atheris is not installed: Python fuzzing skipped"
  exit 0
fi
for target in python images; do
  mkdir -p "$work/$target"
  echo "-- fuzz_$target.py for ${SECONDS_EACH}s"
  if ! "$PY" "tests/fuzz/fuzz_$target.py" "$work/$target" "tests/fuzz/corpus/$target" \
      -max_total_time="$SECONDS_EACH" -print_final_stats=1 -artifact_prefix="$work/" \
      >"$work/$target.log" 2>&1; then
    tail -40 "$work/$target.log" >&2
    echo "fuzz_$target.py found a failure (the input is saved as $work/crash-*)" >&2
    trap - EXIT
    exit 1
  fi
  grep -E "^stat::(number_of_executed_units|peak_rss_mb)" "$work/$target.log" | sort -u
done
