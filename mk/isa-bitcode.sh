#!/bin/sh
# isa-bitcode.sh ARCH OUT.bc CLANG LLVM_AS
# Writes the one-constant oclc_isa_version bitcode that ROCm's device libs
# select the ISA by, for an arch the packaged device libs predate (Debian's
# rocm-device-libs 5.2.3 has none for gfx942, gfx11 or gfx12). The value is
# major*1000 + minor*100 + stepping, read off the name: gfx<major><minor><stepping>
# with minor and stepping one hex digit each (gfx90a -> 9010, gfx1151 -> 11501).
set -eu
arch=$1 out=$2 clang=$3 llvm_as=$4
digits=${arch#gfx}
case $digits in
  *[!0-9a-f]* | ? | ?? ) echo "isa-bitcode.sh: cannot read an ISA version from '$arch'" >&2; exit 1 ;;
esac
major=${digits%??}
minor=$(printf '%d' "0x$(echo "$digits" | cut -c$((${#digits} - 1)))")
step=$(printf '%d' "0x$(echo "$digits" | cut -c${#digits})")
version=$((major * 1000 + minor * 100 + step))
# The bitcode must carry the data layout this clang uses, or linking warns.
layout=$("$clang" --target=amdgcn-amd-amdhsa -nogpulib -S -emit-llvm -x c /dev/null -o - | sed -n 's/^target datalayout = //p')
tmp="$out.tmp.ll"
cat > "$tmp" <<LL
target datalayout = $layout
target triple = "amdgcn-amd-amdhsa"
@__oclc_ISA_version = linkonce_odr protected local_unnamed_addr addrspace(4) constant i32 $version, align 4
LL
"$llvm_as" "$tmp" -o "$out.tmp"
rm -f "$tmp"
mv "$out.tmp" "$out"
