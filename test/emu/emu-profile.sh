#!/bin/bash
# emu-profile.sh: `make emu-profile`. For every arch of PROFILE_ARCH and both
# sizes (S, L), runs test/emu/profile_driver in the emulator with the
# instruction counter on (CRK_EMU_PROFILE), EMU_JOBS processes at a time,
# then test/emu/profile_report.py writes PROFILE_MD and checks the counts
# against PROFILE_BASELINE (UPDATE=1: rewrites it). Exit status 0 only when
# every run finished and no kernel grew past the baseline's tolerance.
#
# Set by make: EMU_OUT BUILD_ARCHS PROFILE_ARCH EMU_JOBS TINYGRAD PROFILE_DRIVER
# CRK_DATA UPDATE PROFILE_BASELINE PROFILE_MD PROFILE_TOOLCHAIN (the kernel
# compiler's version line: the counts are of its code). TINYGRAD unset: nothing is run (exit 0).
set -u
here=$(cd "$(dirname "$0")" && pwd)

if [ -z "${TINYGRAD:-}" ]; then
  echo "emu-profile: TINYGRAD is not set (a tinygrad checkout with the emulator; see test/emu/README.md): nothing run"
  exit 0
fi
"$here/apply-patches.sh" "$TINYGRAD" || exit 2
for a in $PROFILE_ARCH; do
  case " $BUILD_ARCHS " in *" $a "*) ;; *) echo "emu-profile: $a is not in this build (ARCH=\"$BUILD_ARCHS\")" >&2; exit 2 ;; esac
  case $a in gfx9*|gfx11*|gfx12*) ;; *) echo "emu-profile: the emulator cannot run $a (GFX9, RDNA3 and RDNA4 only)" >&2; exit 2 ;; esac
done

# An arch without a GPU in the model would fail only after the runs: say so now.
python3 - $PROFILE_ARCH <<PY || exit 2
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, "$here")
from amd_gpus import GPUS
bad = [a for a in sys.argv[1:] if a not in GPUS]
if bad: sys.exit(f"emu-profile: no GPU in the model for {' '.join(bad)} (test/emu/amd_gpus.py has {' '.join(GPUS)})")
PY

runs=$EMU_OUT/profile
rm -rf "$runs" && mkdir -p "$runs"
export LD_LIBRARY_PATH="$EMU_OUT${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" TINYGRAD CRK_EMU_GLUE_DIR="$here" CRK_DATA

# One run: ARCH SIZE. Its counts go to ARCH.SIZE.jsonl, the driver's units
# to ARCH.SIZE.units; a run that fails leaves ARCH.SIZE.failed.
run() {
  a=$1 s=$2 base=$runs/$1.$2
  start=$(date +%s)
  if ! CRK_EMU_ARCH=$a CRK_EMU_PROFILE=$base.jsonl "$PROFILE_DRIVER" --size "$s" > "$base.units" 2> "$base.log"; then
    touch "$base.failed"
  fi
  echo "$(( $(date +%s) - start ))" > "$base.time"
}

t_start=$(date +%s)
running=0
for s in L S; do            # the long runs first: the pool ends evenly
  for a in $PROFILE_ARCH; do
    if [ "$running" -ge "$EMU_JOBS" ]; then wait -n; running=$((running - 1)); fi
    run "$a" "$s" &
    running=$((running + 1))
  done
done
wait
wall=$(( $(date +%s) - t_start ))

failed=0
for f in "$runs"/*.failed; do
  [ -e "$f" ] || continue
  b=${f%.failed}
  echo "FAIL - emu-profile: $(basename "$b") did not finish; its log ($b.log) ends:"
  tail -5 "$b.log" | sed 's/^/    /'
  failed=1
done
[ "$failed" -eq 0 ] || exit 1

cpu=0
for t in "$runs"/*.time; do cpu=$((cpu + $(cat "$t"))); done
load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
# The commit measured; "-dirty" when the tree differs from it, but not for
# the two files this target writes (a rerun over its own output is clean).
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] && ! git diff --quiet HEAD -- . ":(exclude)$PROFILE_MD" ":(exclude)$PROFILE_BASELINE"; then
  commit=$commit-dirty
fi
python3 "$here/profile_report.py" --runs "$runs" --archs "$PROFILE_ARCH" \
  --commit "$commit" \
  --baseline "$PROFILE_BASELINE" --out "$PROFILE_MD" ${UPDATE:+--update} --toolchain "${PROFILE_TOOLCHAIN:-unknown}" \
  --host "$(nproc) cores, EMU_JOBS=$EMU_JOBS, load average at the end $load; $wall s wall, $cpu s of runs" \
  --emulator "tinygrad $(cd "$TINYGRAD" && git rev-parse --short HEAD 2>/dev/null || echo '(no git history)'), patches: $(cd "$here/patches" && ls *.patch | tr '\n' ' ')"
