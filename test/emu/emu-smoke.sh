#!/bin/sh
# emu-smoke.sh: `make test`'s look at the emulator run, as run-tests.sh lines.
#
# With TINYGRAD (a tinygrad checkout, patched: test/emu/README.md) it runs
# one kernel of each family on gfx1100 and gfx942 in the emulator, the
# loader checks and the crate's HIP example (test/emu/rust-example.sh),
# through `make emu-test`'s pieces; without it, one SKIP line that says why.
# The full run is `make emu-test`.
#
# Env: CRK_BUILD (the build's $(OUT)), TINYGRAD, CRK_DATA.
set -u
B=${CRK_BUILD:-build/amd}
. "$(dirname "$0")/emu-ready.sh"
emu_ready emulator "make emu-test TINYGRAD=... runs the AMD code objects"
archs=""
for a in gfx1100 gfx942; do grep -qw "$a" "$B/archs.list" 2>/dev/null && archs="$archs $a"; done
if [ -z "$archs" ]; then
  echo "SKIP - emulator: this build has neither gfx1100 nor gfx942"
  exit 0
fi
export LD_LIBRARY_PATH="$B/emu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" CRK_EMU_GLUE_DIR="$here"
rc=0
example=$("$here/rust-example.sh" "$B" 2>&1)
example_rc=$?
case $example_rc in
  0) ;;
  2) echo "SKIP - rust example: $example" ;;
  *) echo "FAIL - rust example: $example" | head -1; printf '%s\n' "$example" | sed 's/^/# /' ;;
esac
for a in $archs; do
  CRK_EMU_ARCH=$a "$B/emu/emu_loader" 2>&1 | sed "s/^\(ok\|FAIL\|SKIP\) - /\1 - $a: /" || rc=1
  CRK_EMU_ARCH=$a "$B/gpu/gpu_test" --small quantize_q8_1 dequantize_block_q4_K_f32 get_rows_q5_0 \
    dequantize_mul_mat_vec_q6_k mul_mat_vec_q3_K_q8_1_cuda5 mul_mat_q2_K indexed_moe_forward_q8_0_q8_1 2>&1 |
    grep -E '^(ok|FAIL|SKIP) - ' | grep -v ' - catalog' | sed "s/^\(ok\|FAIL\|SKIP\) - /\1 - $a: /"
  if [ "$example_rc" -eq 0 ]; then
    out=$(CRK_EMU_ARCH=$a "$example" --small 2>&1)
    erc=$?
    printf '%s\n' "$out" | grep -E '^(ok|FAIL|SKIP) - ' | sed "s/^\(ok\|FAIL\|SKIP\) - /\1 - $a: /"
    [ "$erc" -eq 0 ] || printf '%s\n' "$out" | grep -q '^FAIL - ' ||
      { echo "FAIL - $a: rust example exited with status $erc: $(printf '%s\n' "$out" | tail -1)"; rc=1; }
  fi
done
exit $rc
