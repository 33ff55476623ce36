#!/bin/sh
# isa-bitcode.sh ARCH OUT.bc CLANG LLVM_AS
# isa-bitcode.sh --abi VALUE OUT.bc CLANG LLVM_AS     (VALUE 600: code object v6)
# Writes the one-constant bitcode that ROCm's device libs select by, for an
# arch or code object version the packaged device libs predate (Debian's
# rocm-device-libs 5.2.3 has no ISA version for gfx942, gfx11, gfx12 or the
# generic targets, and ABI versions 400 and 500 only).
#
# ISA: @__oclc_ISA_version = major*1000 + minor*100 + stepping, read off the
# name gfx<major><minor><stepping> with minor and stepping one hex digit
# each (gfx90a -> 9010, gfx1151 -> 11501). A generic target has no
# stepping of its own: it gets the value newer device libs give it, that of
# the family member whose library code suits every member (gfx9-generic
# 9000, gfx10-1-generic 10100, gfx10-3-generic 10300, gfx11-generic 11003,
# gfx12-generic 12000).
# ABI (--abi 600 -> oclc_abi_version_600.bc): @__oclc_ABI_version = VALUE;
# the device libs only ask whether it is below 500 (the implicit-argument
# layout), and v6 keeps v5's.
set -eu
if [ "$1" = --abi ]; then
  name=__oclc_ABI_version
  case $2 in *[!0-9]* | '') echo "isa-bitcode.sh: bad ABI version '$2'" >&2; exit 1 ;; esac
  version=$2
else
  name=__oclc_ISA_version
  arch=$1
  case $arch in
    gfx9-generic) version=9000 ;;
    gfx10-1-generic) version=10100 ;;
    gfx10-3-generic) version=10300 ;;
    gfx11-generic) version=11003 ;;
    gfx12-generic) version=12000 ;;
    *)
      digits=${arch#gfx}
      case $digits in
        *[!0-9a-f]* | ? | ?? ) echo "isa-bitcode.sh: cannot read an ISA version from '$arch'" >&2; exit 1 ;;
      esac
      major=${digits%??}
      minor=$(printf '%d' "0x$(echo "$digits" | cut -c$((${#digits} - 1)))")
      step=$(printf '%d' "0x$(echo "$digits" | cut -c${#digits})")
      version=$((major * 1000 + minor * 100 + step)) ;;
  esac
fi
out=$2 clang=$3 llvm_as=$4
[ "$1" = --abi ] && out=$3 clang=$4 llvm_as=$5
# The bitcode must carry the data layout this clang uses, or linking warns.
layout=$("$clang" --target=amdgcn-amd-amdhsa -nogpulib -S -emit-llvm -x c /dev/null -o - | sed -n 's/^target datalayout = //p')
tmp="$out.tmp.ll"
cat > "$tmp" <<LL
target datalayout = $layout
target triple = "amdgcn-amd-amdhsa"
@$name = linkonce_odr protected local_unnamed_addr addrspace(4) constant i32 $version, align 4
LL
"$llvm_as" "$tmp" -o "$out.tmp"
rm -f "$tmp"
mv "$out.tmp" "$out"
