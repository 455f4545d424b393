#!/usr/bin/env bash
# Short fuzzing runs on the kept seed corpora (tests/fuzz/corpus/*): the atheris harnesses of
# the Python front end and the image loaders, FUZZ_SECONDS (default 30) each. New inputs go to
# a temporary folder so the kept corpus only changes by hand. Usage: run_fuzz.sh [PYTHON]
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${1:-python3}
SECONDS_EACH=${FUZZ_SECONDS:-30}
if ! "$PY" -c "import atheris" 2>/dev/null; then
  if [[ -n "${CI:-}" && "${CI}" != "false" && "${CI}" != "0" ]]; then
    echo "atheris is not installed (scripts/setup.sh test installs it)" >&2
    exit 1
  fi
  echo "atheris is not installed: Python fuzzing skipped"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
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
