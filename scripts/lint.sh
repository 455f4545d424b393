#!/usr/bin/env bash
# Style checks that CI runs (through scripts/test.sh): ruff's lint and formatter over the Python
# code, clang-format over the C, C++ and CUDA sources (.clang-format). Changes nothing: to fix,
# run `ruff check --fix`, `ruff format` and `clang-format -i` on the files named.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="$(bash scripts/python.sh)"
# The tools scripts/setup.sh test pins, from that interpreter's environment.
export PATH="$(dirname "$PY"):$PATH"
for tool in ruff clang-format; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "lint: $tool is missing: run 'bash scripts/setup.sh test'" >&2
    exit 1
  fi
done
python_dirs=(python tests bench scripts)
ruff check "${python_dirs[@]}"
ruff format --check "${python_dirs[@]}"
mapfile -d '' sources < <(find cpp cuda python tests examples bench -type f \
  \( -name '*.c' -o -name '*.h' -o -name '*.cc' -o -name '*.cpp' -o -name '*.hpp' \
  -o -name '*.cu' -o -name '*.cuh' \) -print0 | sort -z)
clang-format --dry-run -Werror "${sources[@]}"
echo "lint: clean under ruff check, ruff format and clang-format (${#sources[@]} C/C++/CUDA files)"
