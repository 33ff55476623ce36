#!/bin/sh
# emu-test.sh: `make emu-test`. Runs, for every arch of EMU_ARCH, the loader
# checks and the GPU harness (small shapes) on the stand-in HIP runtime over
# tinygrad's ISA emulator, EMU_JOBS processes at a time, then prints each
# arch's result and time, every failing line, and the total as
# "N passed, N failed, N skipped". Exit status 0 only when nothing failed.
#
# Set by make: EMU_OUT BUILD_ARCHS EMU_ARCH EMU_JOBS TINYGRAD GPU_TEST
# EMU_LOADER CRK_DATA. TINYGRAD unset: nothing is run (exit 0).
set -u
here=$(cd "$(dirname "$0")" && pwd)

if [ -z "${TINYGRAD:-}" ]; then
  echo "emu-test: TINYGRAD is not set (a tinygrad checkout with the emulator; see test/emu/README.md): nothing run"
  exit 0
fi
emu_py=$TINYGRAD/test/mockgpu/amd/emu.py
"$here/apply-patches.sh" "$TINYGRAD" || exit 2

# What is asked but cannot run here.
runnable="" notrun=""
for a in $EMU_ARCH; do
  case " $BUILD_ARCHS " in *" $a "*) ;; *) echo "emu-test: $a is not in this build (ARCH=\"$BUILD_ARCHS\")" >&2; exit 2 ;; esac
  case $a in *generic*) notrun="$notrun $a" ;; gfx9*|gfx11*|gfx12*) runnable="$runnable $a" ;; *) notrun="$notrun $a" ;; esac
done
for a in $BUILD_ARCHS; do
  case " $EMU_ARCH " in *" $a "*) ;; *) case $a in *generic*) notrun="$notrun $a" ;; gfx9*|gfx11*|gfx12*) ;; *) notrun="$notrun $a" ;; esac ;; esac
done
[ -n "$runnable" ] || { echo "emu-test: no arch to run (EMU_ARCH=\"$EMU_ARCH\")" >&2; exit 2; }

# One arch gets the jobs as shards of the kernel list; several archs one
# process each.
set -- $runnable
narch=$#
shards=1
[ "$narch" -lt "$EMU_JOBS" ] && shards=$EMU_JOBS
logs=$EMU_OUT/logs
rm -rf "$logs" && mkdir -p "$logs"

export LD_LIBRARY_PATH="$EMU_OUT${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" TINYGRAD CRK_EMU_GLUE_DIR="$here" CRK_DATA
first_built=$(echo "$BUILD_ARCHS" | awk '{print $1}')
second_built=$(echo "$BUILD_ARCHS" | awk '{print $2}')

# The crate's HIP example (candle's launches, from Rust), run by shard 0 of
# each arch; when it cannot be built here, a SKIP line says why.
rust_example=$("$here/rust-example.sh" "$EMU_OUT/.." 2>&1)
rust_rc=$?

# run_rust_example ARCH: its lines; a run that fails without a FAIL line
# (it could not start, or crashed) is a failure too.
run_rust_example() {
  case $rust_rc in
    0) ;;
    2) echo "SKIP - rust example: $rust_example"; return ;;
    *) echo "FAIL - rust example: $rust_example" | head -1; printf '%s\n' "$rust_example" | sed 's/^/# /'; return ;;
  esac
  out=$(CRK_EMU_ARCH=$1 "$rust_example" --small 2>&1)
  rc=$?
  printf '%s\n' "$out"
  [ "$rc" -eq 0 ] || printf '%s\n' "$out" | grep -q '^FAIL - ' ||
    echo "FAIL - rust example: exited with status $rc"
}

# One unit of work: ARCH SHARD. Shard 0 also runs the loader checks and the
# Rust example.
unit() {
  a=$1 s=$2 log=$logs/$1.$2.log
  start=$(date +%s)
  {
    if [ "$s" -eq 0 ]; then
      other=$first_built
      [ "$other" = "$a" ] && other=$second_built
      CRK_EMU_ARCH=$a "$EMU_LOADER" ${other:+"$EMU_OUT/one/$other.hsaco"} 2>&1
      run_rust_example "$a"
    fi
    CRK_EMU_ARCH=$a "$GPU_TEST" --small --shard "$s/$shards" 2>&1
  } > "$log"
  echo "$(( $(date +%s) - start ))" > "$log.time"
}

t_start=$(date +%s)
running=0
for a in $runnable; do
  s=0
  while [ "$s" -lt "$shards" ]; do
    unit "$a" "$s" &
    running=$((running + 1))
    if [ "$running" -ge "$EMU_JOBS" ]; then wait; running=0; fi
    s=$((s + 1))
  done
done
wait

pass=0 fail=0 skip=0
echo "# project: $(git -C "$here" describe --always --dirty 2>/dev/null || echo 'not a git checkout')"
echo "# emulator: tinygrad at $TINYGRAD ($(cd "$TINYGRAD" && git rev-parse --short HEAD 2>/dev/null || echo 'no git history')), emu.py sha256 $(sha256sum "$emu_py" | cut -c1-16), patches: $(cd "$here/patches" && ls *.patch | tr '\n' ' ')"
echo "# host: $(nproc) cores, EMU_JOBS=$EMU_JOBS, $(date -u '+%Y-%m-%d %H:%M UTC')"
for a in $runnable; do
  ap=0 af=0 as=0 secs=0
  for log in "$logs/$a".*.log; do
    p=$(grep -c '^ok - ' "$log"); f=$(grep -c '^FAIL - ' "$log"); k=$(grep -c '^SKIP - ' "$log")
    # A run that ended without its closing line died: that is a failure too.
    grep -q '^[0-9]* passed, [0-9]* failed' "$log" || { f=$((f + 1)); echo "FAIL - $a: $(basename "$log") has no closing line (the harness died)" >> "$log"; }
    ap=$((ap + p)) af=$((af + f)) as=$((as + k))
    t=$(cat "$log.time" 2>/dev/null || echo 0)
    secs=$((secs + t))
  done
  printf '%-8s %d passed, %d failed, %d skipped  (%d s of one core, %d shard(s))\n' "$a:" "$ap" "$af" "$as" "$secs" "$shards"
  pass=$((pass + ap)) fail=$((fail + af)) skip=$((skip + as))
done
[ -n "$notrun" ] && echo "# not run (the emulator has no RDNA1/RDNA2 decoder, and runs no generic target):$notrun"
if [ "$fail" -gt 0 ]; then
  echo "# failing lines:"
  for a in $runnable; do grep -h '^FAIL - ' "$logs/$a".*.log | sed "s/^/$a: /"; done
fi
echo "# wall time: $(( $(date +%s) - t_start )) s for$runnable"
echo "# logs: $logs"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
