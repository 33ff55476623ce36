# emu_glue.py: the stand-in HIP runtime's side of tinygrad's AMD emulator.
#
# Imported by test/emu/emu_dispatch.c through embedded Python, with $TINYGRAD
# on sys.path. The C side has done the runtime's work (kernel arguments,
# dispatch packet, user SGPRs); this runs the waves. One fact of the hardware
# is laid out here because the emulator does not: gfx906 and gfx908 take the
# work-item ids unpacked, x, y and z in v0, v1 and v2 (gfx90a and later, and
# RDNA, pack them into v0 as x | y << 10 | z << 20, which the emulator writes).
# rsrc1 carries the kernel's denormal mode (test/emu/patches/0001-denorm-mode.patch).
# CRK_EMU_PROFILE=FILE counts each dispatch's executed instructions by class
# into FILE (emu_profile.py; make emu-profile).
import os
from test.mockgpu.amd import emu

_unpacked_ids = False
_init_wave = emu._init_wave


def _init_wave_for_arch(lib, wave_start, total_threads, lx, ly, lz, *rest, **kw):
  st = _init_wave(lib, wave_start, total_threads, lx, ly, lz, *rest, **kw)
  if _unpacked_ids:
    for lane in range(st.n_lanes):
      tid = wave_start + lane
      st._write_vgpr(0, lane, tid % lx)
      st._write_vgpr(1, lane, (tid // lx) % ly)
      st._write_vgpr(2, lane, tid // (lx * ly))
  return st


emu._init_wave = _init_wave_for_arch


_profile = None
if os.environ.get("CRK_EMU_PROFILE"):
  if os.environ.get("CRK_EMU_TRACE"):
    raise RuntimeError("CRK_EMU_PROFILE and CRK_EMU_TRACE both need the emulator's hook: set one of them")
  import sys
  sys.dont_write_bytecode = True  # no __pycache__ in the source tree
  import emu_profile as _profile
  _profile.install(emu, os.environ["CRK_EMU_PROFILE"])


def dispatch(entry, grid, block, kernarg, rsrc1, rsrc2, scratch, isa, user_sgprs, unpacked_ids, name):
  global _unpacked_ids
  _unpacked_ids = bool(unpacked_ids)
  wave = emu._wave_size(isa)
  if _profile: _profile.begin(emu, wave)
  emu.run_asm(entry, 0, grid[0], grid[1], grid[2], block[0], block[1], block[2], kernarg,
              rsrc2=rsrc2, scratch_size=scratch, arch=isa, user_data=list(user_sgprs), rsrc1=rsrc1)
  if _profile: _profile.end(emu, name, isa, wave, grid, block)
  return 0


# Debug aid: CRK_EMU_TRACE="WAVE,LANE[,NREGS]" prints, after every instruction
# of that wave of workgroup (0,0,0), its offset from the kernel entry, the
# instruction and the lane's first NREGS (16) VGPRs as hex and as floats.
def _trace_from_env():
  import os, struct
  spec = os.environ.get("CRK_EMU_TRACE")
  if not spec: return
  w, lane, *n = (int(v) for v in spec.split(","))
  nregs = n[0] if n else 16

  def hook(off, st, wave, group, inst):
    if wave != w or group != (0, 0, 0): return
    regs = [st._read_vgpr(r, lane) for r in range(nregs)]
    vals = " ".join(f"v{r}={v:08x}({struct.unpack('<f', struct.pack('<I', v))[0]:.6g})" for r, v in enumerate(regs))
    print(f"[trace] +{off:#06x} {inst!r}\n          {vals}", flush=True)

  emu.TRACE_HOOK = hook


_trace_from_env()
