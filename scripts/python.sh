#!/usr/bin/env bash
# Prints the absolute path of the Python interpreter that the build and test scripts use and hand
# to CMake (-DPython3_EXECUTABLE): the one scripts/setup.sh installed scatkit into (recorded in
# .scatkit-python), else $PYTHON, else python3 on PATH. Left to itself, CMake's FindPython3 may
# pick another interpreter than the one that has the packages (a venv on PATH without
# VIRTUAL_ENV set, say), and then misses the nvidia-cufft wheel.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -s "$root/.scatkit-python" ]]; then
  py="$(<"$root/.scatkit-python")"
  if [[ -x "$py" ]]; then echo "$py"; exit 0; fi
fi
# sys.executable names a venv's own interpreter, where resolving the symlink would leave it.
"${PYTHON:-python3}" -c 'import sys; print(sys.executable)'
