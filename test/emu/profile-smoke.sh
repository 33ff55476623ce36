#!/bin/sh
# profile-smoke.sh: `make test`'s look at `make emu-profile`, as run-tests.sh
# lines. With TINYGRAD (a patched tinygrad checkout: test/emu/README.md) it
# profiles one kernel on one arch (mul_mat_vec_q4_0_q8_1_cuda1 on gfx1100,
# size L) and checks its instructions per unit against the baseline, through
# the same driver, counter and report as the full target; without it, one
# SKIP line that says why.
#
# Env: CRK_BUILD (the build's $(OUT)), TINYGRAD, CRK_DATA.
set -u
B=${CRK_BUILD:-build/amd}
arch=gfx1100
kernel=mul_mat_vec_q4_0_q8_1_cuda1
. "$(dirname "$0")/emu-ready.sh"
emu_ready emu-profile "make emu-profile TINYGRAD=... profiles the AMD code objects"
if ! grep -qw "$arch" "$B/archs.list" 2>/dev/null; then
  echo "SKIP - emu-profile: this build has no $arch (the arch of the quick profile)"
  exit 0
fi
runs=$(mktemp -d)
trap 'rm -rf "$runs"' EXIT
export LD_LIBRARY_PATH="$B/emu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" CRK_EMU_GLUE_DIR="$here"
if ! CRK_EMU_ARCH=$arch CRK_EMU_PROFILE="$runs/$arch.L.jsonl" "$B/emu/profile_driver" --size L "$kernel" \
     > "$runs/$arch.L.units" 2> "$runs/log"; then
  echo "FAIL - emu-profile: $kernel on $arch did not run: $(tail -3 "$runs/log" | tr '\n' ' ')"
  exit 1
fi
python3 "$here/profile_report.py" --runs "$runs" --archs "$arch" --sizes L \
  --baseline "$here/amd-model.baseline" --check-only
