# testlib.sh: what the shell tests (test/SUBJECT/test_*.sh) share, sourced
# by them (". "$(dirname "$0")/../testlib.sh""). They print check.h's lines
# (ok - / FAIL - / SKIP - NAME) for test/run-tests.sh and exit non-zero when
# a check failed.
#
# Sets: root (the repository: the folder above the test's own that holds
# test/test.mk), build (the build's $(OUT): $CRK_BUILD, which make test
# sets; default build/amd), tmp (a scratch folder, removed at exit), fails.

here=$(cd "$(dirname "$0")" && pwd)
root=$here
while [ ! -f "$root/test/test.mk" ] && [ "$root" != / ]; do root=$(dirname "$root"); done
case ${CRK_BUILD:-build/amd} in
  /*) build=${CRK_BUILD} ;;
  *) build=$(pwd)/${CRK_BUILD:-build/amd} ;;
esac
fails=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/crk-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

ok() { echo "ok - $1"; }
skip() { echo "SKIP - $1: $2"; }
fail() { echo "FAIL - $1: $2"; fails=$((fails + 1)); }
# check NAME WHY CONDITION: ok when the shell CONDITION (a string, eval'd
# here, so it may hold && and ||) holds, else FAIL with WHY.
check() {
  if eval "$3"; then ok "$1"; else fail "$1" "$2"; fi
}

# A make of this repository that inherits nothing from the make running the
# tests: its MAKEFLAGS would carry command-line variables (ARCH=...) and
# jobserver descriptors along.
tmake() {
  env -u MAKEFLAGS -u MFLAGS -u MAKEOVERRIDES -u MAKELEVEL -u ARCH -u BUILD -u PLATFORM \
    make --no-print-directory "$@"
}

# The host's job count for builds the tests make themselves.
jobs=$(nproc 2>/dev/null || echo 2)

# find_cargo: sets cargo to a cargo new enough for the crate (its
# rust-version), from PATH, $CARGO_HOME/bin or ~/.cargo/bin; else leaves it
# empty and says why in cargo_why. (Debian bookworm's cargo is too old.)
find_cargo() {
  cargo="" cargo_why=""
  need=$(sed -n 's/^rust-version = "\([0-9.]*\)"/\1/p' "$root/rust/candle-rocm-kernels/Cargo.toml")
  for c in "$(command -v cargo 2>/dev/null)" "${CARGO_HOME:-${HOME:-/nonexistent}/.cargo}/bin/cargo"; do
    [ -n "$c" ] && [ -x "$c" ] || continue
    have=$("$c" --version 2>/dev/null | awk '{ print $2 }')
    if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -1)" = "$need" ]; then
      cargo=$c
      return 0
    fi
    cargo_why="$c is $have, the crate needs $need (rustup installs a newer one)"
  done
  [ -n "$cargo_why" ] || cargo_why="cargo not found (PATH, \$CARGO_HOME/bin, ~/.cargo/bin): install Rust $need or newer"
  return 1
}
