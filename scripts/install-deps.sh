#!/bin/sh
# install-deps.sh: install, from Debian packages, what building and testing
# candle-rocm-kernels needs. Idempotent: installs only what is missing.
#
#   clang-19 lld-19 llvm-19   the AMD device compiler, linker, bitcode tools
#   clang-tools-19            clang-offload-bundler-19
#   rocm-device-libs          ocml/ockl device bitcode (5.2.3; newer archs'
#                             ISA bitcode is generated at build time)
#   hipcc libamdhip64-dev     HIP headers and the HIP runtime the loader uses
#   make gcc pkg-config       the host side
#   python3-dev               the emulator test's stand-in HIP runtime embeds Python
#   zlib1g-dev libzstd-dev    crk-dump reads compressed offload bundles
#   libmd-dev                 and checks their MD5
#   libclang-rt-19-dev        libFuzzer, for `make fuzz` only
#
# Not installed: Rust. The crate's tests (test/rust/test_rust.sh, test_crate.sh)
# need cargo 1.83 or newer (rustup; Debian bookworm's cargo is 1.65-era and
# too old) and are skipped, with that reason, when there is none.
#
# With a ROCm install at $ROCM_PATH (default /opt/rocm) the build uses it
# instead, but these packages do no harm.
set -eu

PKGS="clang-19 lld-19 llvm-19 clang-tools-19 rocm-device-libs hipcc libamdhip64-dev
      make gcc libc6-dev pkg-config zlib1g-dev libzstd-dev libmd-dev
      libclang-rt-19-dev python3-dev"
PKGS="$PKGS ${CRK_EXTRA_PKGS:-}"

missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done

if [ -z "$missing" ]; then
  echo "install-deps: all packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "install-deps: installing$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
