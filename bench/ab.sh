#!/bin/sh
# ab.sh: A/B builds of the NVIDIA blob, on the GPU machine. For each variant
# (a name and extra nvcc flags: -D values of the kernels' A/B knobs, the
# macros a kernel source defines only #ifndef, today DMMV_RUN and
# DMMV_UNROLL of hip/dmmv.hip, or any other nvcc flag), build the library,
# harness and benchmark into a build directory of its own, check the kernels
# matching TESTPAT with gpu_test, and time the benchmark families FAMILIES
# (bench --only). Each variant's tables go to LOGDIR/ab.md, its test summary
# and timings to LOGDIR/ab.log; a compact table of every variant's ratios
# (mat-vec B=1, B=8 and dmmv; mul_mat TOPS) closes the run.
#
#   bench/ab.sh SRC LOGDIR FAMILIES TESTPAT DEADLINE name=flags...
#
# SRC: a clean export of the tree (spec/ and testdata/ included), FAMILIES: e.g. mmvq or
# mmvq,mmq, TESTPAT: gpu_test patterns ("" for none), DEADLINE: a time (date
# +%s) after which no further variant is started. A flag list uses ',' for
# spaces: "r4u1=-DDMMV_RUN=4,-DDMMV_UNROLL=1"; "plan=" is the sources as they
# are.
set -u
SRC=$1 LOGDIR=$2 FAMILIES=$3 TESTPAT=$4 DEADLINE=$5
shift 5
mkdir -p "$LOGDIR"
LOGDIR=$(cd "$LOGDIR" && pwd)
MAKE=${MAKE:-make}
command -v "$MAKE" >/dev/null 2>&1 || MAKE=$(pwd)/.gpu-run/bin/make
for v in "$@"; do
  name=${v%%=*} flags=$(echo "${v#*=}" | tr ',' ' ')
  if [ "$(date +%s)" -ge "$DEADLINE" ]; then
    echo "=== $name: not run (deadline)" | tee -a "$LOGDIR/ab.log"
    continue
  fi
  b=/tmp/crk-ab-$name
  t0=$(date +%s)
  echo "=== $name: NVCC_FLAGS=-O3 $flags" | tee -a "$LOGDIR/ab.log"
  if ! $MAKE -C "$SRC" -s PLATFORM=nvidia ARCH=sm_90 BUILD="$b" \
      NVCC_FLAGS="-O3 $flags" -j"$(nproc)" gpu-build >"$b.build.log" 2>&1; then
    tail -n 20 "$b.build.log" >>"$LOGDIR/ab.log"
    echo "=== $name: build failed" | tee -a "$LOGDIR/ab.log"
    continue
  fi
  if [ -n "$TESTPAT" ]; then
    # shellcheck disable=SC2086
    timeout 120 "$b/nvidia/gpu/gpu_test" $TESTPAT > "$b/test.log" 2>&1
    grep -E '^FAIL' "$b/test.log" | head -n 5 | tee -a "$LOGDIR/ab.log"
    echo "$name test: $(tail -n 1 "$b/test.log")" | tee -a "$LOGDIR/ab.log"
  fi
  timeout 200 "$b/nvidia/gpu/bench" --only "$FAMILIES" --commit "$name: $flags" \
    --out "$b/bench.md" >/dev/null 2>"$b.bench.log" || tail -n 5 "$b.bench.log" >>"$LOGDIR/ab.log"
  { echo; echo "# variant $name ($flags)"; cat "$b/bench.md" 2>/dev/null; } >> "$LOGDIR/ab.md"
  echo "=== $name: $(($(date +%s) - t0)) s" | tee -a "$LOGDIR/ab.log"
done
# Compact: per variant, type and shape, the ratios of bench's mat-vec table
# (the ratio columns of B=1, B=8 and dmmv) and the TOPS of its mul_mat table.
awk -F'|' 'function f(i) { gsub(/^ +| +$/, "", $i); return $i }
     /^# variant/ { split($0, w, " "); v = w[3] }
     /^## / { sec = /^## mul_mat_vec/ ? "mv" : /^## mul_mat at/ ? "mmq" : "" }
     /^\| q[0-9]_[0-9K] / && sec == "mv" { printf "%-10s %-5s %-11s B1 %s B8 %s dmmv %s\n", v, f(2), f(3), f(6), f(9), f(12) }
     /^\| q[0-9]_[0-9K] / && sec == "mmq" { printf "%-10s %-5s %-11s mmq %s TOPS\n", v, f(2), f(3), f(5) }' \
  "$LOGDIR/ab.md" | tee -a "$LOGDIR/ab.log"
