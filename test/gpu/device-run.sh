#!/bin/sh
# device-run.sh: the whole GPU check of a source tree, in one go, on a
# machine with an NVIDIA GPU: build (PLATFORM=nvidia), gpu-test, the same
# under compute-sanitizer memcheck, the benchmarks, and the loader's own
# benchmark when the tree has one. Every step's output goes to LOGDIR (one
# log per step plus `log`, all of it), the benchmark table to
# LOGDIR/BENCHMARKS.md. It goes on past a failing step and ends with a
# summary of each step's status (124: killed by its time limit).
#
#   test/gpu/device-run.sh SRC LOGDIR COMMIT [ARCH] [STEPS]
#
# SRC: a clean export of the commit (git archive; it holds the spec and the
# test vectors, spec/ and testdata/), COMMIT: the id written into the benchmark table, STEPS: any of
# "build test memcheck bench loader" (default all).
set -u
SRC=$1 LOGDIR=$2 COMMIT=$3 ARCH=${4:-sm_90}
STEPS=${5:-build test memcheck bench loader}
mkdir -p "$LOGDIR"
LOGDIR=$(cd "$LOGDIR" && pwd)
BUILD=${BUILD:-/tmp/crk-build}
MAKE=${MAKE:-make}
command -v "$MAKE" >/dev/null 2>&1 || MAKE=$(pwd)/.gpu-run/bin/make
M="$MAKE -C $SRC PLATFORM=nvidia ARCH=$ARCH BUILD=$BUILD GIT_COMMIT=$COMMIT"
summary=""

step() { # step NAME SECONDS COMMAND...: run (killed after SECONDS), log, remember the status
  name=$1 secs=$2
  shift 2
  echo "=== $name: $*" | tee -a "$LOGDIR/log"
  t0=$(date +%s)
  { timeout -k 10 "$secs" "$@" 2>&1; echo "rc=$?" > "$LOGDIR/.rc"; } | tee "$LOGDIR/$name.log" | tee -a "$LOGDIR/log" | tail -n 40
  rc=$(sed 's/rc=//' "$LOGDIR/.rc")
  t1=$(date +%s)
  echo "=== $name: exit $rc after $((t1 - t0)) s" | tee -a "$LOGDIR/log"
  summary="$summary$name=$rc($((t1 - t0))s) "
}
want() { case " $STEPS " in *" $1 "*) return 0 ;; esac; return 1; }

{
  echo "=== machine"
  date -u
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv
  nvcc --version | tail -n 2
  echo "make: $MAKE; cc: $(cc --version | head -n 1)"
  echo "compute-sanitizer: $(compute-sanitizer --version 2>/dev/null | tail -n 1)"
  echo "commit: $COMMIT"
} 2>&1 | tee -a "$LOGDIR/log"

want build && step build 240 $M -j"$(nproc)" all gpu-build
want test && step gpu-test ${TEST_SECS:-240} $M gpu-test
want memcheck && step memcheck ${MEMCHECK_SECS:-300} $M gpu-memcheck
want bench && step bench ${BENCH_SECS:-240} $M bench BENCH_MD="$LOGDIR/BENCHMARKS.md"
if want loader; then
  # The loader's benchmark (first load ms, cached lookup ns), when the tree has it.
  if [ -f "$SRC/examples/loader_bench.c" ]; then
    step loader-bench 60 sh -c "$M $BUILD/nvidia/examples/loader_bench && $BUILD/nvidia/examples/loader_bench 0 quantize_q8_1 dequantize_block_q4_0_f32 get_rows_q4_K"
  else
    echo "=== loader-bench: no examples/loader_bench.c in this tree" | tee -a "$LOGDIR/log"
  fi
fi
echo "=== summary: $summary" | tee -a "$LOGDIR/log"
rm -f "$LOGDIR/.rc"
