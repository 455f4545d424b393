#!/usr/bin/env bash
# Builds scatkit without Python, installs it into a temporary prefix, moves that prefix (the
# package must be relocatable), then builds and runs against it:
#   - tests/cmake_consume (find_package + scatkit::scatkit, from C++ and from C),
#   - the same sources through pkg-config (scatkit.pc) when pkg-config exists,
#   - examples/native_app on generated PGM/PPM files, good and bad.
# Usage: tests/cmake_consume/run.sh [--shared]   (static library by default)
# Environment: SCATKIT_CONSUME_JOBS (default 2), SCATKIT_CONSUME_KEEP=1 keeps the work folder.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SHARED=OFF
for arg in "$@"; do
  case "$arg" in
    --shared) SHARED=ON ;;
    *) echo "usage: $0 [--shared]" >&2; exit 2 ;;
  esac
done
JOBS="${SCATKIT_CONSUME_JOBS:-2}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/scatkit-consume.XXXXXX")"
if [[ "${SCATKIT_CONSUME_KEEP:-0}" == 1 ]]; then
  echo "work folder kept: $WORK"
else
  trap 'rm -rf "$WORK"' EXIT
fi
# Handed to every configure, so that no CMake step picks an interpreter of its own.
PYARG="-DPython3_EXECUTABLE=$(bash "$ROOT/scripts/python.sh")"
GEN=()
if command -v ninja >/dev/null 2>&1; then GEN=(-G Ninja); fi
export SCATKIT_FFTW_WISDOM=0  # never write FFTW wisdom into the user's cache
START=$SECONDS
FAILED=0

step() { echo "== cmake_consume: $*"; }
fail() { echo "FAILED: $*" >&2; FAILED=1; }
quiet() {  # runs a command, showing its output only when it fails
  local log="$WORK/last.log"
  if ! "$@" >"$log" 2>&1; then cat "$log" >&2; echo "FAILED: $*" >&2; exit 1; fi
}

step "build and install scatkit (BUILD_SHARED_LIBS=$SHARED, no Python, no CUDA)"
quiet cmake -S "$ROOT" -B "$WORK/build" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DSCATKIT_PYTHON=OFF -DSCATKIT_TESTS=OFF -DSCATKIT_CUDA=OFF -DBUILD_SHARED_LIBS="$SHARED" "$PYARG"
quiet cmake --build "$WORK/build" -j "$JOBS"
quiet cmake --install "$WORK/build" --prefix "$WORK/staging"
mv "$WORK/staging" "$WORK/prefix"  # relocated after installation
PREFIX="$WORK/prefix"

for f in include/scatkit/scatkit.h include/scatkit/scattering2d.hpp include/scatkit/errors.hpp \
         include/scatkit/version.hpp include/scatkit/detail/elementwise.hpp; do
  [[ -f "$PREFIX/$f" ]] || fail "$f is not installed"
done
CONFIG="$(find "$PREFIX" -name scatkitConfig.cmake | head -n1)"
PC="$(find "$PREFIX" -name scatkit.pc | head -n1)"
LIB="$(find "$PREFIX" \( -name 'libscatkit.a' -o -name 'libscatkit.so.*.*' \) | head -n1)"
[[ -n "$CONFIG" && -f "$(dirname "$CONFIG")/scatkitConfigVersion.cmake" ]] || fail "CMake package"
[[ -n "$PC" ]] || fail "scatkit.pc is not installed"
[[ -n "$LIB" ]] || fail "libscatkit is not installed"
if [[ "$SHARED" == ON ]]; then [[ "$LIB" == *.so.* ]] || fail "expected a shared library"
else [[ "$LIB" == *.a ]] || fail "expected a static library"; fi
echo "installed $(basename "$LIB"): $(wc -c <"$LIB") bytes"

step "find_package consumer (C++ and C)"
quiet cmake -S "$ROOT/tests/cmake_consume" -B "$WORK/consume" "${GEN[@]}" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$PREFIX" "$PYARG"
quiet cmake --build "$WORK/consume" -j "$JOBS"
"$WORK/consume/consume" || fail "consume (C++)"
"$WORK/consume/consume_c" || fail "consume_c (C)"

if command -v pkg-config >/dev/null 2>&1; then
  step "pkg-config consumer"
  export PKG_CONFIG_PATH="$(dirname "$PC")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
  PCFLAGS=(--cflags --libs)
  [[ "$SHARED" == OFF ]] && PCFLAGS+=(--static)
  read -r -a FLAGS <<<"$(pkg-config "${PCFLAGS[@]}" scatkit)"
  [[ "$(pkg-config --modversion scatkit)" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "pc version"
  RPATH=()
  [[ "$SHARED" == ON ]] && RPATH=("-Wl,-rpath,$(dirname "$LIB")")
  quiet "${CXX:-c++}" -std=c++17 -O1 "$ROOT/tests/cmake_consume/consume.cpp" "${FLAGS[@]}" \
    "${RPATH[@]}" -o "$WORK/consume_pc"
  quiet "${CC:-cc}" -std=c99 -O1 "$ROOT/tests/cmake_consume/consume_c.c" "${FLAGS[@]}" \
    "${RPATH[@]}" -lm -o "$WORK/consume_c_pc"
  "$WORK/consume_pc" || fail "consume through pkg-config (C++)"
  "$WORK/consume_c_pc" || fail "consume through pkg-config (C)"
else
  echo "pkg-config not found: skipping the pkg-config consumer"
fi

step "examples/native_app"
quiet cmake -S "$ROOT/examples/native_app" -B "$WORK/app" "${GEN[@]}" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$PREFIX" "$PYARG"
quiet cmake --build "$WORK/app" -j "$JOBS"
APP="$WORK/app/scatkit_image"
IMG="$WORK/images"
mkdir -p "$IMG"
"$WORK/consume/make_images" "$IMG"

# K, and the output side padded/2^J - 2, from the SPEC's formulas.
channels() { local J=$1 L=$2; echo $((1 + J * L + L * L * J * (J - 1) / 2)); }
side() { local n=$1 J=$2 s=$((1 << $2)); echo $(( ((n + s) / s + 1) * s / s - 2 )); }

# 8-bit PGM (48 wide, 40 high) to text: 3 header lines + one line per channel.
"$APP" "$IMG/gradient8.pgm" -J 2 -L 8 -o "$WORK/g8.txt" || fail "native_app on an 8-bit PGM"
K=$(channels 2 8)
[[ "$(wc -l <"$WORK/g8.txt")" -eq $((3 + K)) ]] || fail "text output has $((3 + K)) lines"
NV=$(awk 'NR == 4 { print NF - 7 }' "$WORK/g8.txt")
[[ "$NV" -eq $(( $(side 40 2) * $(side 48 2) )) ]] || fail "values per text line"

# 16-bit PGM to binary: 32-byte header then float32 values.
"$APP" "$IMG/gradient16.pgm" -J 3 -L 4 --threads 1 -o "$WORK/g16.bin" \
  || fail "native_app on a 16-bit PGM"
SIZE=$((32 + 4 * $(channels 3 4) * $(side 40 3) * $(side 48 3)))
[[ "$(wc -c <"$WORK/g16.bin")" -eq $SIZE ]] || fail "binary output size is $SIZE bytes"
[[ "$(head -c 7 "$WORK/g16.bin")" == SCATKIT ]] || fail "binary magic"

# 8-bit PPM: three colour channels, metadata table printed.
"$APP" "$IMG/colour.ppm" -J 2 -L 4 --meta -o "$WORK/rgb.bin" >"$WORK/rgb.out" \
  || fail "native_app on a PPM"
SIZE=$((32 + 4 * 3 * $(channels 2 4) * $(side 40 2) * $(side 48 2)))
[[ "$(wc -c <"$WORK/rgb.bin")" -eq $SIZE ]] || fail "PPM binary output size is $SIZE bytes"
grep -q "^k order j1 theta1 j2 theta2" "$WORK/rgb.out" || fail "--meta prints the table"
[[ "$(grep -c '^[0-9]* 2 ' "$WORK/rgb.out")" -eq 16 ]] || fail "--meta lists 16 order-2 rows"

# A constant image 191/255: order 0 is 191/255 * pi / 3.1415 at every pixel.
"$APP" "$IMG/flat.pgm" -J 2 -L 4 -o "$WORK/flat.txt" >/dev/null || fail "native_app on flat.pgm"
awk 'NR == 4 {
  e = 191 / 255 * 3.14159265358979 / 3.1415; bad = 0
  for (i = 8; i <= NF; ++i) { d = $i - e; if (d < 0) d = -d; if (d > 2e-6) bad = 1 }
  exit bad }' "$WORK/flat.txt" || fail "order-0 output of a constant image"

# Separate processes, 1 and 2 threads, with FFTW's deterministic planner: identical bytes.
for t in 1 2; do
  SCATKIT_FFTW_PLANNER=estimate "$APP" "$IMG/colour.ppm" -J 2 -L 4 --threads $t \
    -o "$WORK/det$t.bin" >/dev/null || fail "native_app with --threads $t"
done
cmp -s "$WORK/det1.bin" "$WORK/det2.bin" || fail "output differs between 1 and 2 threads"

# Bad input: exit status 1 and a message naming the problem; bad usage: exit status 2.
expect_error() {
  local code=$1 word=$2; shift 2
  local rc=0
  "$APP" "$@" >/dev/null 2>"$WORK/err.txt" || rc=$?
  if [[ $rc -ne $code ]] || ! grep -q -- "$word" "$WORK/err.txt"; then
    fail "scatkit_image $* should exit $code mentioning '$word' (exit $rc: $(cat "$WORK/err.txt"))"
  fi
}
expect_error 1 "truncated" "$IMG/truncated.pgm"
expect_error 1 "P2" "$IMG/ascii.pgm"
expect_error 1 "not a PGM" "$IMG/garbage.pgm"
expect_error 1 "2^J" "$IMG/small.pgm" -J 2
expect_error 1 "cannot open" "$IMG/missing.pgm"
expect_error 2 ".txt or .bin" "$IMG/gradient8.pgm" -o "$WORK/out.png"
expect_error 2 "integer" "$IMG/gradient8.pgm" -J two
expect_error 2 "no input" -J 2

if [[ $FAILED -ne 0 ]]; then
  echo "== cmake_consume: FAILED ($((SECONDS - START)) s)"
  exit 1
fi
echo "== cmake_consume: all checks passed ($((SECONDS - START)) s)"
