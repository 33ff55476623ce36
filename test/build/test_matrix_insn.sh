#!/bin/sh
# test_matrix_insn.sh: the mul_mat_{T} kernels take the matrix path where
# hip/mma.h chooses one, and nothing else does; no mul_mat kernel of any
# built arch has scratch, spills, or fewer than 2 waves per SIMD (one known
# exception, below).
#
# Per arch of the build (archs.list), from its code object ARCH.hsaco:
#   - the ten mul_mat_{T} kernels contain the arch's int8 matrix instruction:
#     gfx940-942 v_mfma_i32_16x16x32_i8, gfx11* (RDNA3/3.5) and gfx12*
#     (RDNA4) v_wmma_i32_16x16x16_iu8; every other arch none (the dot4 path);
#   - their metadata: .private_segment_fixed_size 0, no dynamic stack, no
#     SGPR/VGPR spills, and occupancy >= 2 waves per SIMD, from the VGPRs
#     (512 unified VGPRs+AGPRs per lane on gfx90a/gfx94x/gfx950, 256 on the
#     other gfx9, 1024 per lane of a wave32 SIMD on RDNA: the smallest file
#     of those processors) and from LDS (64 KiB per gfx9 CU of 4 SIMDs, 128
#     KiB per RDNA WGP of 4 SIMDs; a workgroup is 128 threads).
# Known exception, asserted as it is: gfx900, gfx906 and gfx908 (256 VGPRs
# per lane, no unified AGPR file) run the dot4 path, which this change
# leaves byte-identical, at 150-221 VGPRs: 1 wave per SIMD. For them the
# floor is 1 (and every figure is printed); raising it means capping the
# dot4 kernels' registers, a change of those code objects to be timed first.
. "$(dirname "$0")/../testlib.sh"

if [ ! -f "$build/archs.list" ] || [ ! -f "$build/quantized.hsaco" ]; then
  skip "matrix-insn" "$build has no AMD code objects: the AMD build (PLATFORM=amd) is the one checked"
  exit 0
fi
tool() {
  for t in "$1-19" "$1"; do
    command -v "$t" >/dev/null 2>&1 && { echo "$t"; return 0; }
  done
  return 1
}
objdump=$(tool llvm-objdump) && readelf=$(tool llvm-readelf) || {
  skip "matrix-insn" "llvm-objdump/llvm-readelf (LLVM 19) not on PATH"
  exit 0
}
types="q4_0 q4_1 q5_0 q5_1 q8_0 q2_K q3_K q4_K q5_K q6_K"

for arch in $(cat "$build/archs.list"); do
  co=$build/$arch.hsaco
  case $arch in
    gfx940|gfx941|gfx942) insn=v_mfma_i32_16x16x32_i8 ;;
    gfx11*|gfx12*) insn=v_wmma_i32_16x16x16_iu8 ;;
    *) insn="" ;;
  esac
  case $arch in
    gfx90a|gfx94*|gfx950) file=512 lds_unit=65536 wave=64 ;;
    gfx9*) file=256 lds_unit=65536 wave=64 ;;
    *) file=1024 lds_unit=131072 wave=32 ;;
  esac
  min_occ=2
  case $arch in gfx900|gfx906|gfx908) min_occ=1 ;; esac

  # Matrix instructions per mul_mat kernel: "NAME COUNT" lines.
  "$objdump" -d "$co" > "$tmp/dis" 2>"$tmp/err" || { fail "matrix-insn $arch" "$objdump -d $co: $(cat "$tmp/err")"; continue; }
  awk '/^[0-9a-f]+ <[^>]*>:$/ { name = substr($2, 2, length($2) - 3); n[name] += 0; next }
       /v_mfma|v_wmma|v_swmmac|v_smfmac/ { n[name]++ }
       END { for (k in n) print k, n[k] }' "$tmp/dis" > "$tmp/counts"
  bad=""
  for t in $types; do
    c=$(awk -v k="mul_mat_$t" '$1 == k { print $2 }' "$tmp/counts")
    [ -n "$c" ] || { bad="$bad mul_mat_$t missing;"; continue; }
    if [ -n "$insn" ]; then
      m=$(awk -v k="mul_mat_$t" '/^[0-9a-f]+ <[^>]*>:$/ { on = ($2 == "<" k ">:") ; next } on && index($0, i) { c++ } END { print c + 0 }' i="$insn" "$tmp/dis")
      [ "$m" -gt 0 ] || bad="$bad mul_mat_$t has no $insn;"
    else
      [ "$c" -eq 0 ] || bad="$bad mul_mat_$t has $c matrix instructions (dot4 expected);"
    fi
  done
  if [ -n "$insn" ]; then
    check "matrix-insn $arch: the 10 mul_mat kernels use $insn" "$bad" '[ -z "$bad" ]'
  else
    check "matrix-insn $arch: the 10 mul_mat kernels keep the dot4 path (no matrix instruction)" "$bad" '[ -z "$bad" ]'
  fi

  # Metadata of the mul_mat kernels: one line per kernel.
  "$readelf" --notes "$co" > "$tmp/notes" 2>"$tmp/err" || { fail "matrix-occupancy $arch" "$readelf --notes $co: $(cat "$tmp/err")"; continue; }
  awk 'function flush() { if (name ~ /^mul_mat_q[0-9]_[0-9K]+$/) print name, v["vgpr_count"], v["private_segment_fixed_size"], v["uses_dynamic_stack"], v["sgpr_spill_count"], v["vgpr_spill_count"], v["group_segment_fixed_size"], v["wavefront_size"]; name = ""; split("", v) }
       /^  - / { flush(); sub(/^  - /, "    ") }
       /^    \.[a-z_]+:/ { k = $1; sub(/^\./, "", k); sub(/:$/, "", k); v[k] = $2; if (k == "name") name = $2 }
       END { flush() }' "$tmp/notes" > "$tmp/meta"
  bad=""
  nk=0
  while read -r name vgpr priv dyn sspill vspill lds wsize; do
    nk=$((nk + 1))
    [ "$priv" = 0 ] && [ "$dyn" = false ] || bad="$bad $name: scratch ($priv bytes, dynamic stack $dyn);"
    [ "$sspill" = 0 ] && [ "$vspill" = 0 ] || bad="$bad $name: spills ($sspill SGPRs, $vspill VGPRs);"
    [ "$wsize" = "$wave" ] || bad="$bad $name: wave$wsize, expected wave$wave;"
    granule=8
    alloc=$(( (vgpr + granule - 1) / granule * granule ))
    by_vgpr=$(( file / alloc ))
    # Workgroups of 128 threads that fit the LDS of a CU/WGP, times their
    # waves, over its 4 SIMDs.
    by_lds=$(( lds > 0 ? (lds_unit / lds) * (128 / wave) / 4 : 99 ))
    occ=$(( by_vgpr < by_lds ? by_vgpr : by_lds ))
    [ "$occ" -ge "$min_occ" ] || bad="$bad $name: $occ wave(s) per SIMD ($vgpr VGPRs, $lds bytes LDS);"
    echo "# $arch $name: $vgpr VGPRs, $lds bytes LDS, $occ waves/SIMD"
  done < "$tmp/meta"
  [ "$nk" -eq 10 ] || bad="$bad $nk mul_mat kernels in the metadata, not 10;"
  check "matrix-occupancy $arch: mul_mat kernels without scratch or spills, >= $min_occ wave(s) per SIMD" "$bad" '[ -z "$bad" ]'
done
[ "$fails" -eq 0 ]
