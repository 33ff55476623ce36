#!/bin/sh
# test_crate.sh: the Rust crate as `cargo package` makes it builds and passes
# its tests on its own, outside the repository and offline.
#
# The .crate is unpacked into a scratch folder (no repository around it):
# it must carry its C sources (csrc/: Makefile, VERSION, mk/, hip/, the
# kernel list the manifest rule reads and the processor table,
# format/amdgpu_processors.def, build.rs takes generic targets from) as
# files, not links; `cargo test
# --offline` there builds the kernels for one arch through build.rs, which
# must say, as a cargo warning, what it built and that CANDLE_ROCM_ARCH
# chose it.
. "$(dirname "$0")/../testlib.sh"

crate=$root/rust/candle-rocm-kernels
if ! find_cargo; then
  skip "crate" "$cargo_why"
  exit 0
fi
if [ ! -f "$build/quantized.hsaco" ]; then
  skip "crate" "not the AMD build: the crate builds AMD kernels"
  exit 0
fi
version=$(cat "$root/VERSION")

# --allow-dirty: the tree under test may have uncommitted changes; they are
# what is packaged. --no-verify: the check below is that verification, made
# outside the repository and with the tests run.
out=$(env -u CANDLE_ROCM_KERNELS_BUNDLE CARGO_TARGET_DIR="$tmp/target" "$cargo" package --offline --locked \
  --no-verify --allow-dirty --manifest-path "$crate/Cargo.toml" 2>&1)
rc=$?
file=$tmp/target/package/candle-rocm-kernels-$version.crate
check "crate: cargo package makes candle-rocm-kernels-$version.crate" "exit $rc: $out" \
  '[ "$rc" -eq 0 ] && [ -f "$file" ]'
[ -f "$file" ] || exit 1

mkdir -p "$tmp/outside" && tar xzf "$file" -C "$tmp/outside"
pkg=$tmp/outside/candle-rocm-kernels-$version
missing=""
for f in Makefile VERSION mk/toolchain.mk mk/kernels-amd.mk hip/common.h format/format.mk lib/lib.mk \
    programs/blob2c/blob2c.mk programs/crk-dump/crk-dump.mk format/amdgpu_processors.def spec/kernels.txt; do
  [ -f "$pkg/csrc/$f" ] && [ ! -L "$pkg/csrc/$f" ] || missing="$missing csrc/$f"
done
for f in LICENSE-MIT LICENSE-APACHE README.md; do [ -f "$pkg/$f" ] || missing="$missing $f"; done
nhip=$(ls "$root"/hip/*.hip | wc -l) phip=$(ls "$pkg"/csrc/hip/*.hip 2>/dev/null | wc -l)
check "crate: it carries its C sources as files (every hip/*.hip) and the licenses" \
  "missing:$missing; $phip of $nhip .hip files" '[ -z "$missing" ] && [ "$phip" -eq "$nhip" ]'

# Built and tested where no repository is around (CRK_DATA unset: the spec
# check skips itself there), with make's variables scrubbed.
( cd "$pkg" && env -u CANDLE_ROCM_KERNELS_BUNDLE -u CRK_DATA -u MAKEFLAGS -u MFLAGS -u MAKEOVERRIDES \
    -u MAKELEVEL CANDLE_ROCM_ARCH=gfx1100 CARGO_TARGET_DIR="$tmp/outside-target" RUST_BACKTRACE=0 \
    "$cargo" test --offline --locked > "$tmp/test.log" 2>&1 )
rc=$?
passed=$(sed -n 's/^test result: ok\. \([0-9]*\) passed.*/\1/p' "$tmp/test.log" | awk '{ n += $1 } END { print n + 0 }')
check "crate: the packaged crate builds its kernels and passes its tests outside the repository" \
  "exit $rc: $(grep -E '^error|FAILED|panicked' "$tmp/test.log" | head -5)" '[ "$rc" -eq 0 ] && [ "$passed" -gt 0 ]'
check "crate: build.rs says, as a cargo warning, what it built and that CANDLE_ROCM_ARCH chose it" \
  "$(grep -i warning "$tmp/test.log" | head -3)" \
  'grep -q "^warning: candle-rocm-kernels@$version: built the QUANTIZED kernels for gfx1100 (CANDLE_ROCM_ARCH)" "$tmp/test.log"'

[ "$fails" -eq 0 ]
