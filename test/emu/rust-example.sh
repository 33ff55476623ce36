#!/bin/sh
# rust-example.sh BUILD: builds the crate's HIP example
# (rust/candle-rocm-kernels/examples/hip_quantized, which launches the
# kernels through HIP as candle does and checks them against the CPU) for
# the emulator runs, embedding the bundle make built in BUILD (the build's
# $(OUT), e.g. build/amd: no kernel is compiled twice).
#
# Prints the example's path and exits 0; or prints why it cannot be built
# here and exits 2 (no cargo new enough, a compressed bundle: the caller
# reports a SKIP); or prints the end of cargo's log and exits 1. Cargo's
# outputs go under BUILD/rust/example.
set -u
CRK_BUILD=${1:?usage: rust-example.sh BUILD}
. "$(dirname "$0")/../testlib.sh"
# testlib.sh takes the repository as the folder above this script's.
root=$(cd "$here/../.." && pwd)

if ! find_cargo; then
  echo "$cargo_why"
  exit 2
fi
if [ ! -f "$build/quantized.hsaco" ]; then
  echo "$build has no quantized.hsaco: the example embeds the AMD bundle"
  exit 2
fi
if [ "$(head -c 4 "$build/quantized.hsaco")" = CCOB ]; then
  echo "$build/quantized.hsaco is compressed (COMPRESS=1); the crate embeds uncompressed bundles"
  exit 2
fi
target=$build/rust/example
if ! env -u CANDLE_ROCM_ARCH -u CANDLE_ROCM_KERNELS_MANIFEST CARGO_TARGET_DIR="$target" \
    CANDLE_ROCM_KERNELS_BUNDLE="$build/quantized.hsaco" \
    "$cargo" build --offline --locked --example hip_quantized \
    --manifest-path "$root/rust/candle-rocm-kernels/Cargo.toml" > "$tmp/log" 2>&1; then
  echo "cargo build --example hip_quantized failed:"
  tail -20 "$tmp/log"
  exit 1
fi
echo "$target/debug/examples/hip_quantized"
