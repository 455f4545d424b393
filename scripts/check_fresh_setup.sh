#!/usr/bin/env bash
# Runs the README's first command (plus --quick, so the demo takes seconds) the way a newcomer
# on Debian 12 or Ubuntu 24.04 would: in a fresh copy of the repository, with only the system
# Python on PATH, marked "externally managed" (PEP 668), and no virtual environment active.
# Passes when setup made ./.venv, installed there, and the demo ran from it. CI runs it after
# scripts/test.sh; it reinstalls PyTorch and the extras into the new venv and compiles scatkit
# once more (about 4-8 minutes on 2 cores, mostly pip).
# Without such a /usr/bin/python3 it fails in CI and skips elsewhere.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SYSTEM_PY=/usr/bin/python3
START=$SECONDS

marked="$("$SYSTEM_PY" -c 'import os, sysconfig
print(os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")))' \
  2>/dev/null || true)"
if [[ "$marked" != True ]]; then
  msg="$SYSTEM_PY is missing or not marked externally managed (PEP 668)"
  case "${CI:-}" in
    "" | false | 0) echo "check_fresh_setup: skipped: $msg"; exit 0 ;;
    *) echo "check_fresh_setup: FAILED: $msg, so the PEP 668 path cannot be shown" >&2; exit 1 ;;
  esac
fi

# The README's first command, as written, less its comment.
cmd="$(awk '/^```bash/ { getline; print; exit }' "$ROOT/README.md" | sed 's/[[:space:]]*#.*$//')"
[[ "$cmd" == *"scripts/setup.sh"* ]] || {
  echo "check_fresh_setup: the README's first command does not run scripts/setup.sh: $cmd" >&2
  exit 1
}
cmd="$cmd --quick"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/scatkit-fresh.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
# The working tree's files as git sees them (tracked, and new but not ignored): no build
# folders, no .venv, no .scatkit-python.
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard \
  | tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$WORK"

echo "check_fresh_setup: in a fresh copy, with only $SYSTEM_PY: $cmd"
(cd "$WORK" && env -i PATH=/usr/bin:/bin HOME="$HOME" LANG=C.UTF-8 TERM=dumb bash -c "$cmd")

recorded="$(cat "$WORK/.scatkit-python")"
if [[ "$recorded" != "$WORK/.venv/bin/python" ]]; then
  echo "check_fresh_setup: FAILED: setup chose $recorded, not a new ./.venv" >&2
  exit 1
fi
echo "check_fresh_setup: passed: setup made ./.venv from the externally managed $SYSTEM_PY" \
  "and the demo ran ($((SECONDS - START)) s)"
