# emu-ready.sh: sourced by the emulator's `make test` checks (emu-smoke.sh,
# profile-smoke.sh): is the emulator at TINYGRAD there and patched? Without
# TINYGRAD, one SKIP line and exit 0 (CI has no emulator); a checkout that
# apply-patches.sh cannot make ready, one FAIL line and exit 1.
#   emu_ready NAME WHAT   NAME: the run-tests.sh line's subject; WHAT: what
#                         the full make target does, for the SKIP line
# Sets `here` to test/emu/.
emu_ready() {
  if [ -z "${TINYGRAD:-}" ]; then
    echo "SKIP - $1: TINYGRAD is not set (no ISA emulator here); $2"
    exit 0
  fi
  here=$(cd "$(dirname "$0")" && pwd)
  if ! why=$("$here/apply-patches.sh" "$TINYGRAD" 2>&1 >/dev/null); then
    echo "FAIL - $1: TINYGRAD=$TINYGRAD is not usable: $why"
    exit 1
  fi
}
