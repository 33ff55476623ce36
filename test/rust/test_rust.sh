#!/bin/sh
# test_rust.sh: the Rust crate's tests, as test/run-tests.sh lines.
#
# Runs `cargo test --offline` on rust/candle-rocm-kernels and prints one
# `ok - ` / `FAIL - ` / `SKIP - ` line per cargo test, for two builds:
#   rust/prebuilt  embeds the bundle this make build already made
#                  ($CRK_BUILD/quantized.hsaco with its quantized.manifest,
#                  archs from its archs.list),
#                  so no kernel is compiled twice;
#   rust/make      lets build.rs run the Makefile itself, as a fresh checkout
#                  does, for one arch ($CRK_RUST_ARCH; default gfx1100 when
#                  the make build has it, else its first arch);
# then checks of build.rs: an unchanged tree reruns no build script,
# a missing compiler fails with the Makefile's message of what to install
# (Debian packages, not the repository's install script), a hostile
# prebuilt bundle fails with an error, not a panic, and one without its
# manifest (quantized.manifest, which make writes beside it) fails naming
# the file; which archs it builds without CANDLE_ROCM_ARCH (those of the
# GPUs a fake amdgpu-arch on PATH reports; none: the default list) and
# that it says so before building; a CANDLE_ROCM_ARCH make refuses is
# named as CANDLE_ROCM_ARCH.
# Cargo's outputs go under $CRK_BUILD/rust/. SKIP lines when cargo is absent
# or the build is not the AMD one.
#
# Env: CRK_BUILD (the build's $(OUT); make test sets it; default build/amd),
#      CRK_DATA (the folder holding spec/, for the spec's kernel list;
#      default the repository), CRK_RUST_ARCH.
set -u

. "$(dirname "$0")/../testlib.sh"
crate=$root/rust/candle-rocm-kernels
case ${CRK_DATA:-$root} in /*) data=${CRK_DATA:-$root} ;; *) data=$(pwd)/$CRK_DATA ;; esac
targets=$build/rust

if ! find_cargo; then
  echo "SKIP - rust: $cargo_why"
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

log=$tmp/log

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
    CANDLE_ROCM_KERNELS_SOURCES="$root/hip" CRK_DATA="$data"
fi

# 2. build.rs running the Makefile, as from a fresh checkout, for one arch.
cargo_tests make CANDLE_ROCM_ARCH="$arch" CRK_DATA="$data"

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
if [ "$rc" -ne 0 ] && grep -q "missing tool(s): $missing\. To fix: install the Debian packages clang-[0-9]* " "$log" &&
   grep -q 'CANDLE_ROCM_KERNELS_BUNDLE' "$log" && ! grep -q 'install-deps' "$log"; then
  echo "ok - rust/notools: a missing compiler fails the build with the Makefile's install hint (Debian packages)"
else
  echo "FAIL - rust/notools: CLANG=$missing gave status $rc without the Makefile's 'missing tool(s)' hint"
  sed 's/^/# /' "$log" | tail -20
  fails=$((fails + 1))
fi

# 5. A hostile prebuilt bundle, with a manifest that matches its bytes: its
# code object's entry lies at 2^64-1. build.rs (a debug build: overflow
# checks on) must fail with an error naming the bundle, not panic on an
# overflowing addition. 6. The same bundle without its manifest: an error
# naming the file it looked for.
# le64 N: N as 8 little-endian bytes (N < 2^63).
le64() { i=0; while [ $i -lt 8 ]; do printf "\\$(printf %03o $(( ($1 >> (8 * i)) & 255 )))"; i=$((i + 1)); done; }
hostile=$targets/hostile.hsaco
mkdir -p "$targets"
{
  printf '__CLANG_OFFLOAD_BUNDLE__'; le64 2
  # host entry: empty, at 142 (= 32 + 24 + 30 + 24 + 32); device entry: 64 bytes at 2^64-1.
  le64 142; le64 0; le64 30; printf 'host-x86_64-unknown-linux-gnu-'
  printf '\377\377\377\377\377\377\377\377'; le64 64; le64 32; printf 'hipv4-amdgcn-amd-amdhsa--gfx1100'
  printf '%064d' 0
} > "$hostile"
cksum < "$hostile" | awk '{ print "bytes " $2; print "cksum " $1; print "arch gfx1100"; print "kernel quantize_q8_1" }' \
  > "$targets/hostile.manifest"
env CARGO_TARGET_DIR="$targets/hostile" CANDLE_ROCM_KERNELS_BUNDLE="$hostile" CANDLE_ROCM_ARCH=gfx1100 \
  "$cargo" build --offline --locked --manifest-path "$crate/Cargo.toml" > "$log" 2>&1
rc=$?
if [ "$(wc -c < "$hostile")" -eq 206 ] && [ "$rc" -ne 0 ] &&
   grep -q 'hostile.hsaco: bundle entry 1 (hipv4-amdgcn-amd-amdhsa--gfx1100): bytes 18446744073709551615+64 lie outside' "$log" &&
   ! grep -q 'panicked' "$log"; then
  echo "ok - rust/hostile: a prebuilt bundle with an entry at 2^64-1 fails the build with an error, no panic"
else
  echo "FAIL - rust/hostile: CANDLE_ROCM_KERNELS_BUNDLE with an entry at 2^64-1 gave status $rc without the error (or with a panic)"
  sed 's/^/# /' "$log" | tail -20
  fails=$((fails + 1))
fi
env CARGO_TARGET_DIR="$targets/hostile" CANDLE_ROCM_KERNELS_BUNDLE="$hostile" \
  CANDLE_ROCM_KERNELS_MANIFEST="$targets/no-such.manifest" \
  "$cargo" build --offline --locked --manifest-path "$crate/Cargo.toml" > "$log" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && grep -q "cannot read the manifest $targets/no-such.manifest .*CANDLE_ROCM_KERNELS_MANIFEST" "$log"; then
  echo "ok - rust/nomanifest: a prebuilt bundle without its manifest fails the build naming the file"
else
  echo "FAIL - rust/nomanifest: a missing manifest gave status $rc without an error naming it"
  sed 's/^/# /' "$log" | tail -20
  fails=$((fails + 1))
fi

# 7. Which archs without CANDLE_ROCM_ARCH: a fake amdgpu-arch first on PATH
# stands for the machine's GPUs. The compiler is missing, so each build
# stops at once, after build.rs said what it was about to compile.
fake=$targets/fake-bin
mkdir -p "$fake"
# detect LABEL WANT [VAR=VALUE...]: build.rs's line before building must hold WANT.
detect() {
  label=$1 want=$2
  shift 2
  env -u CANDLE_ROCM_KERNELS_BUNDLE -u CANDLE_ROCM_ARCH CARGO_TARGET_DIR="$targets/detect" PATH="$fake:$PATH" \
    CLANG=crk-no-such-clang "$@" "$cargo" build --offline --locked --manifest-path "$crate/Cargo.toml" > "$log" 2>&1
  if grep -qF "candle-rocm-kernels: compiling the QUANTIZED kernels for $want" "$log"; then
    echo "ok - rust/detect: $label: compiling the QUANTIZED kernels for $want"
  else
    echo "FAIL - rust/detect: $label: no line 'compiling the QUANTIZED kernels for $want'"
    sed 's/^/# /' "$log" | grep 'candle-rocm-kernels:\|error' | tail -5
    fails=$((fails + 1))
  fi
}
printf '#!/bin/sh\nprintf "gfx1100\\ngfx90a:xnack+\\ngfx1100\\n"\n' > "$fake/amdgpu-arch"
chmod +x "$fake/amdgpu-arch"
detect "two GPUs found" "gfx1100 gfx90a (the AMD GPU(s) amdgpu-arch found here); for GPUs other than this machine's"
detect "CANDLE_ROCM_ARCH wins" "gfx942 (CANDLE_ROCM_ARCH)" CANDLE_ROCM_ARCH=gfx942
detect "CANDLE_ROCM_ARCH=default" "every default arch (CANDLE_ROCM_ARCH=default)" CANDLE_ROCM_ARCH=default
printf '#!/bin/sh\nexit 0\n' > "$fake/amdgpu-arch"
detect "no GPU" "every default arch (no AMD GPU found here); to build only your GPU's, set CANDLE_ROCM_ARCH"

# 8. make's complaint about the archs names CANDLE_ROCM_ARCH, not ARCH=.
env -u CANDLE_ROCM_KERNELS_BUNDLE CARGO_TARGET_DIR="$targets/detect" CANDLE_ROCM_ARCH="gfx1100,gfx90a" \
  "$cargo" build --offline --locked --manifest-path "$crate/Cargo.toml" > "$log" 2>&1
if grep -q "CANDLE_ROCM_ARCH='gfx1100,gfx90a': separate archs with spaces, not commas: CANDLE_ROCM_ARCH=\"gfx1100 gfx90a\"" "$log"; then
  echo "ok - rust/archerror: a comma in CANDLE_ROCM_ARCH is an error naming CANDLE_ROCM_ARCH"
else
  echo "FAIL - rust/archerror: CANDLE_ROCM_ARCH=gfx1100,gfx90a: no error naming CANDLE_ROCM_ARCH"
  sed 's/^/# /' "$log" | tail -8
  fails=$((fails + 1))
fi

[ "$fails" -eq 0 ]
