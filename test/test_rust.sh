#!/bin/sh
# test_rust.sh: the Rust crate's tests, as test/run-tests.sh lines.
#
# Runs `cargo test --offline` on rust/candle-rocm-kernels and prints one
# `ok - ` / `FAIL - ` / `SKIP - ` line per cargo test, for two builds:
#   rust/prebuilt  embeds the bundle this make build already made
#                  ($CRK_BUILD/quantized.hsaco, archs from its archs.list),
#                  so no kernel is compiled twice;
#   rust/make      lets build.rs run the Makefile itself, as a fresh checkout
#                  does, for one arch ($CRK_RUST_ARCH; default gfx1100 when
#                  the make build has it, else its first arch);
# then two checks of build.rs: an unchanged tree reruns no build script, and
# a missing compiler fails with the Makefile's message of what to install.
# Cargo's outputs go under $CRK_BUILD/rust/. SKIP lines when cargo is absent
# or the build is not the AMD one.
#
# Env: CRK_BUILD (the build's $(OUT); make test sets it; default build/amd),
#      CRK_SHARED (shared/, for the spec's kernel list), CRK_RUST_ARCH.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
crate=$root/rust/candle-rocm-kernels
abspath() { case $1 in /*) echo "$1" ;; *) echo "$(pwd)/$1" ;; esac; }
build=$(abspath "${CRK_BUILD:-build/amd}")
shared=$(abspath "${CRK_SHARED:-../shared}")
targets=$build/rust
fails=0

cargo=$(command -v cargo || true)
[ -n "$cargo" ] || { [ -x "${CARGO_HOME:-${HOME:-/nonexistent}/.cargo}/bin/cargo" ] &&
  cargo=${CARGO_HOME:-$HOME/.cargo}/bin/cargo; }
if [ -z "$cargo" ]; then
  echo "SKIP - rust: cargo not found (PATH, \$CARGO_HOME/bin, ~/.cargo/bin): install Rust (cargo) to test rust/candle-rocm-kernels"
  exit 0
fi
if [ ! -f "$build/quantized.hsaco" ]; then
  echo "SKIP - rust: $build has no quantized.hsaco: the crate embeds the AMD bundle (PLATFORM=amd)"
  exit 0
fi

archs=$(cat "$build/archs.list" 2>/dev/null)
case " $archs " in
  *" gfx1100 "*) arch=${CRK_RUST_ARCH:-gfx1100} ;;
  *) arch=${CRK_RUST_ARCH:-${archs%% *}} ;;
esac
[ -n "$arch" ] || arch=gfx1100

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# cargo_tests LABEL [VAR=VALUE...]: cargo test with that environment; one
# line per test, the panic message as the reason of a failure.
cargo_tests() {
  label=$1
  shift
  env -u CANDLE_ROCM_KERNELS_BUNDLE -u CANDLE_ROCM_ARCH -u CANDLE_ROCM_KERNELS_SOURCES \
    CARGO_TARGET_DIR="$targets/$label" RUST_BACKTRACE=0 "$@" \
    "$cargo" test --offline --locked --no-fail-fast --manifest-path "$crate/Cargo.toml" > "$log" 2>&1
  rc=$?
  awk -v label="rust/$label" '
    # "---- NAME stdout ----" opens a failed test'"'"'s output; its panic
    # message is the first line after "panicked at".
    /^---- .* stdout ----$/ { name = substr($0, 6, length($0) - 17); grab = 0; next }
    name != "" && /panicked at/ { grab = 1; next }
    grab && NF { if (!(name in why)) why[name] = $0; grab = 0 }
    /^test .* \.\.\. / {
      i = index($0, " ... "); t = substr($0, 6, i - 6); r = substr($0, i + 5)
      order[++n] = t; result[t] = r
    }
    END {
      for (k = 1; k <= n; k++) {
        t = order[k]; r = result[t]
        if (r == "ok") print "ok - " label ": " t
        else if (r ~ /^ignored/) print "SKIP - " label ": " t ": " r
        else { print "FAIL - " label ": " t ": " (t in why ? why[t] : r); bad++ }
      }
      if (n == 0) print "FAIL - " label ": no test ran"
      exit (n == 0 || bad > 0)
    }' "$log"
  parsed=$?
  if [ "$rc" -ne 0 ] || [ "$parsed" -ne 0 ]; then
    fails=$((fails + 1))
    if [ "$parsed" -eq 0 ]; then   # every test passed, yet cargo failed
      echo "FAIL - rust/$label: cargo test exited with status $rc"
    fi
    sed 's/^/# /' "$log" | tail -40
  fi
}

# 1. The bundle make already built, embedded (no second kernel compile);
#    not when it is compressed (COMPRESS=1): the crate reads the entries of
#    an uncompressed one, which step 2 builds.
if [ "$(head -c 4 "$build/quantized.hsaco")" = CCOB ]; then
  echo "SKIP - rust/prebuilt: $build/quantized.hsaco is compressed (COMPRESS=1); the crate embeds uncompressed bundles (rust/make covers it)"
else
  cargo_tests prebuilt \
    CANDLE_ROCM_KERNELS_BUNDLE="$build/quantized.hsaco" \
    CANDLE_ROCM_ARCH="$archs" \
    CANDLE_ROCM_KERNELS_SOURCES="$root/hip" CRK_SHARED="$shared"
fi

# 2. build.rs running the Makefile, as from a fresh checkout, for one arch.
cargo_tests make CANDLE_ROCM_ARCH="$arch" CRK_SHARED="$shared"

# 3. Nothing changed since step 2: cargo reruns no build script.
env -u CANDLE_ROCM_KERNELS_BUNDLE CARGO_TARGET_DIR="$targets/make" CANDLE_ROCM_ARCH="$arch" \
  "$cargo" test --offline --locked --no-run -v --manifest-path "$crate/Cargo.toml" > "$log" 2>&1
if grep -q '^ *Fresh candle-rocm-kernels' "$log" && ! grep -q 'build-script-build`' "$log"; then
  echo "ok - rust/make: an unchanged tree reruns no build script"
else
  echo "FAIL - rust/make: an unchanged tree reran the build script (or did not build)"
  sed 's/^/# /' "$log" | tail -20
  fails=$((fails + 1))
fi

# 4. No compiler: build.rs fails with the Makefile's message of what to install.
missing=crk-no-such-clang
env -u CANDLE_ROCM_KERNELS_BUNDLE CARGO_TARGET_DIR="$targets/notools" CANDLE_ROCM_ARCH="$arch" \
  CLANG=$missing "$cargo" build --offline --locked --manifest-path "$crate/Cargo.toml" > "$log" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && grep -q "missing tool(s): $missing\. To fix: " "$log" &&
   grep -q 'CANDLE_ROCM_KERNELS_BUNDLE' "$log"; then
  echo "ok - rust/notools: a missing compiler fails the build with the Makefile's install hint"
else
  echo "FAIL - rust/notools: CLANG=$missing gave status $rc without the Makefile's 'missing tool(s)' hint"
  sed 's/^/# /' "$log" | tail -20
  fails=$((fails + 1))
fi

[ "$fails" -eq 0 ]
