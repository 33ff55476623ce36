#!/bin/sh
# apply-patches.sh TINYGRAD: make the emulator checkout at TINYGRAD ready for
# the stand-in runtime. It must carry the base patch (tinygrad-emu.patch of
# the project's emulator notes: test/emu/README.md), which adds TRACE_HOOK,
# in its revision with the int8 MFMA fixes;
# ours (test/emu/patches/*.patch) go on top of it, in order, each once: a
# patch whose first added line is already a whole line of emu.py is there
# (later patches may have changed its context, so a reverse check would not
# say). Whole lines: 0001's first added line is a prefix of the line it
# replaces, so a substring match took it as applied when it was not.
# Exit 0 when ready, 2 with the reason on stderr.
set -u
TINYGRAD=$1
here=$(cd "$(dirname "$0")" && pwd)
emu_py=$TINYGRAD/test/mockgpu/amd/emu.py
if [ ! -f "$emu_py" ]; then
  echo "emu: TINYGRAD=$TINYGRAD has no test/mockgpu/amd/emu.py: not a tinygrad checkout" >&2
  exit 2
fi
if ! grep -q '^TRACE_HOOK' "$emu_py"; then
  echo "emu: $TINYGRAD lacks the base emulator patch (tinygrad-emu.patch, see test/emu/README.md): apply it first" >&2
  exit 2
fi
# The base patch's revision with int8 MFMA (its fixes 7 and 8): one line that
# only it adds, whole. A checkout with the older base patch runs the mul_mat
# kernels of gfx942 wrongly, so it is refused rather than patched further.
mfma_fix='      m_base = c_grp * UOp.const(4, dtypes.int) + UOp.const((out_reg // 4) * 8 + out_reg % 4, dtypes.int)'
if ! grep -qxF -- "$mfma_fix" "$emu_py"; then
  echo "emu: $TINYGRAD has an older base emulator patch (without its int8 MFMA fixes 7 and 8): start from a clean checkout and apply the current tinygrad-emu.patch (test/emu/README.md)" >&2
  exit 2
fi
for p in "$here"/patches/*.patch; do
  mark=$(grep -m1 '^+[^+]' "$p" | cut -c2-)
  if grep -qxF -- "$mark" "$emu_py"; then continue; fi
  if ! (cd "$TINYGRAD" && git apply "$p"); then
    echo "emu: cannot apply $(basename "$p") to $TINYGRAD (another tinygrad commit?)" >&2
    exit 2
  fi
  echo "# applied $(basename "$p") to $TINYGRAD"
done
