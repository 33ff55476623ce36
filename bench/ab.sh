#!/bin/sh
# ab.sh: A/B builds of the NVIDIA blob, on the GPU machine. For each variant
# (a name and extra nvcc flags: the tuning knobs of hip/vecdot.h, mmvq.hip,
# mmq.hip), build the library, harness and benchmark into a build directory
# of its own, check the kernels matching TESTPAT with gpu_test, and time the
# benchmark families FAMILIES (bench --only). Each variant's tables go to
# LOGDIR/ab.md, its test summary and timings to LOGDIR/ab.log; a compact table
# of the mat-vec ratios of every variant closes the run.
#
#   bench/ab.sh SRC LOGDIR FAMILIES TESTPAT DEADLINE name=flags...
#
# SRC: a clean export of the tree (spec/ and testdata/ included), FAMILIES: e.g. mmvq or
# mmvq,mmq, TESTPAT: gpu_test patterns ("" for none), DEADLINE: a time (date
# +%s) after which no further variant is started. A flag list uses ',' for
# spaces: "stream=-DKV_NV_STREAM=1,-DKV_NV_LDG=0".
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
# Compact: per variant, the B=1 and B=8 ratios of each type and shape.
awk '/^# variant/ { v = $3 }
     /^\| q[0-9]_[0-9K] \|/ && NF > 20 { printf "%-10s %-5s %-11s B1 %s B8 %s\n", v, $2, $4, $10, $14 }
     /^\| q[0-9]_[0-9K] \|/ && NF > 10 && NF <= 14 { printf "%-10s %-5s %-11s mmq %s TOPS\n", v, $2, $4, $8 }' \
  "$LOGDIR/ab.md" | tee -a "$LOGDIR/ab.log"
