#!/bin/sh
# test_repro.sh: the same sources built in two folders give the same bytes.
#
# One arch (gfx1100, cheap) is built twice: from this tree, and from a copy
# of it at a deeper path, each into a BUILD dir of its own (one absolute,
# one relative). The bundle, its manifest, its C source, both libraries and
# what the Rust crate embeds (build.rs's quantized.rs and quantized.hsaco) must be
# byte-identical. What used to differ: clang's __hip_cuid_* symbol (a hash
# of the source path and command line; mk/kernels-amd.mk now names it after
# the family), host debug info (paths; -ffile-prefix-map) and blob2c's
# header comment (the input path).
. "$(dirname "$0")/../testlib.sh"

if [ ! -f "$build/quantized.hsaco" ]; then
  skip "repro" "$build has no quantized.hsaco: the AMD build (PLATFORM=amd) is the one checked"
  exit 0
fi
arch=gfx1100

# The copy: the files git knows (tracked, or new and not ignored), else
# everything but build outputs.
copy=$tmp/a/deeper/folder/src
mkdir -p "$copy"
if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
  (cd "$root" && git ls-files -co --exclude-standard -z | xargs -0 cp -P --parents -t "$copy")
else
  (cd "$root" && tar --exclude=./build --exclude=./rust/candle-rocm-kernels/target -cf - .) | (cd "$copy" && tar xf -)
fi

outs="quantized.hsaco quantized.manifest quantized_hsaco.c libcandle_rocm_kernels.a libcandle_rocm_kernels.so.$(cat "$root/VERSION")"
targets() { for f in $outs; do printf '%s ' "$1/amd/$f"; done; }
b1=$tmp/one
# shellcheck disable=SC2046
log1=$(tmake -C "$root" -j"$jobs" BUILD="$b1" ARCH=$arch $(targets "$b1") 2>&1) ||
  { fail "repro: build in $root" "$log1"; exit 1; }
# shellcheck disable=SC2046
log2=$(cd "$copy" && tmake -j"$jobs" BUILD=build ARCH=$arch $(targets build) 2>&1) ||
  { fail "repro: build in $copy" "$log2"; exit 1; }

for f in $outs; do
  check "repro: $f is byte-identical from two source folders and BUILD dirs" \
    "$(cmp "$b1/amd/$f" "$copy/build/amd/$f" 2>&1)" 'cmp -s "$b1/amd/$f" "$copy/build/amd/$f"'
done

# The Rust constant: what build.rs writes for the crate to embed, from each
# bundle (cargo builds no kernel here).
if find_cargo; then
  for side in one two; do
    if [ $side = one ]; then src=$root bundle=$b1/amd/quantized.hsaco; else src=$copy bundle=$copy/build/amd/quantized.hsaco; fi
    env -u CANDLE_ROCM_ARCH CANDLE_ROCM_KERNELS_BUNDLE="$bundle" CARGO_TARGET_DIR="$tmp/cargo-$side" \
      "$cargo" build --offline --locked --manifest-path "$src/rust/candle-rocm-kernels/Cargo.toml" \
      > "$tmp/cargo-$side.log" 2>&1 || { fail "repro: cargo build ($side)" "$(tail -5 "$tmp/cargo-$side.log")"; exit 1; }
  done
  for f in quantized.rs quantized.hsaco; do
    a=$(ls "$tmp"/cargo-one/debug/build/candle-rocm-kernels-*/out/$f 2>/dev/null | head -1)
    z=$(ls "$tmp"/cargo-two/debug/build/candle-rocm-kernels-*/out/$f 2>/dev/null | head -1)
    check "repro: the Rust crate's $f is byte-identical from both" "'$a' vs '$z'" \
      '[ -n "$a" ] && [ -n "$z" ] && cmp -s "$a" "$z"'
  done
else
  skip "repro: the Rust crate's constant" "$cargo_why"
fi

[ "$fails" -eq 0 ]
