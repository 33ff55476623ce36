# emu_profile.py: executed wave instructions by class, per dispatch (make emu-profile).
#
# emu_glue.py installs this when CRK_EMU_PROFILE names a file: the emulator's
# per-instruction hook (emu.TRACE_HOOK) counts executions per (instruction
# offset, EXEC mask) -- one dict increment, so a profiled run costs little
# more than a plain one -- and after each dispatch the counts are classified
# once per distinct offset and appended to the file as one JSON line:
#
#   {"kernel", "isa", "wave", "grid", "block", "waves", "classes": {CLASS: [instructions,
#    lane-instructions, bytes]}, "ops": {OP: instructions}}
#
# CLASS is one of CLASSES below. lane-instructions are the instructions times
# the lanes active (EXEC after the instruction; only VALU, LDS and vector
# memory have per-lane work), bytes the bytes moved: for vector memory and LDS
# the access width times the active lanes, for scalar memory the width once.
import json
import re
from collections import defaultdict

CLASSES = ("valu", "valu_dot", "valu_cvt", "valu_matrix", "salu", "smem", "vmem_load", "vmem_store",
           "lds", "wait", "branch", "other")

_counts = defaultdict(int)  # (offset, exec mask) -> executions
_insts = {}                 # offset -> the decoded instruction


def _hook32(exec_lo):
  def hook(off, st, wave, group, inst):
    _counts[(off, st._sgpr_mv[exec_lo])] += 1
    if off not in _insts: _insts[off] = inst
  return hook


def _hook64(exec_lo):
  def hook(off, st, wave, group, inst):
    mv = st._sgpr_mv
    _counts[(off, mv[exec_lo] | mv[exec_lo + 1] << 32)] += 1
    if off not in _insts: _insts[off] = inst
  return hook


def _op_name(inst):
  if hasattr(inst, "opx"): return f"{inst.opx.name}+{inst.opy.name}".lower()  # RDNA VOPD: two VALU ops, one issue
  op = inst.op
  return (op.name if hasattr(op, "name") else str(op)).lower()


def _format(inst):
  """The encoding family of an instruction: the first base class the ISA
  tables define (VOP3_LIT -> VOP3, RDNA4's VGLOBAL -> VGLOBAL)."""
  for cls in type(inst).__mro__:
    if cls.__name__ in _FORMATS: return cls.__name__
  return type(inst).__name__


_VECTOR_MEM = {"GLOBAL", "FLAT", "SCRATCH", "MUBUF", "MTBUF", "MIMG", "VGLOBAL", "VFLAT", "VSCRATCH", "VBUFFER",
               "VIMAGE", "VSAMPLE"}
_VALU = {"VOP1", "VOP2", "VOP3", "VOP3P", "VOP3SD", "VOPC", "VOPD", "VOP3PX2", "VINTERP"}
_SALU = {"SOP1", "SOP2", "SOPC", "SOPK"}
_FORMATS = _VECTOR_MEM | _VALU | _SALU | {"SMEM", "SOPP", "DS", "LDSDIR", "VDSDIR", "EXP", "VEXPORT"}

_WAIT = re.compile(r"^s_(waitcnt|wait_|nop|barrier|sleep|delay_alu|clause|sethalt|setprio|icache|ttracedata|"
                   r"code_end|version)")
_BRANCH = re.compile(r"^s_(branch|cbranch|setpc|swappc|getpc|call|rfe|trap)")


def _access_bytes(op):
  """Bytes one lane (vector) or the wave (scalar) moves: from the width in
  the opcode's name. ds_read2/load_2addr move two of their width."""
  m = re.search(r"dwordx(\d+)", op)
  if m: n = 4 * int(m.group(1))
  elif "dword" in op: n = 4
  elif (m := re.search(r"_b(\d+)$", op)) or (m := re.search(r"_[biu](\d+)(_|$)", op)): n = int(m.group(1)) // 8
  elif re.search(r"(ubyte|sbyte|_u8|_i8|byte)", op): n = 1
  elif re.search(r"(ushort|sshort|short|_u16|_i16|d16)", op): n = 2
  else: n = 4
  if re.search(r"(read2|load_2addr|write2|store_2addr)", op): n *= 2
  return max(n, 1)


def classify(inst):
  """(class, op name, bytes per access)."""
  fmt, op = _format(inst), _op_name(inst)
  if fmt in _VALU:
    if "mfma" in op or "wmma" in op or "smfmac" in op or "swmmac" in op: return "valu_matrix", op, 0
    if "dot" in op: return "valu_dot", op, 0
    if "cvt" in op: return "valu_cvt", op, 0
    return "valu", op, 0
  if fmt in _SALU or fmt == "SOPP":
    if _WAIT.match(op): return "wait", op, 0
    if _BRANCH.match(op): return "branch", op, 0
    if fmt == "SOPP": return "other", op, 0  # s_endpgm and friends
    return "salu", op, 0
  if fmt == "SMEM": return "smem", op, _access_bytes(op) if ("load" in op or "buffer" in op) else 0
  if fmt in _VECTOR_MEM:
    if "inv" in op or "wb" in op.split("_")[-1:]: return "wait", op, 0  # cache control
    kind = "vmem_store" if ("store" in op or "atomic" in op) else "vmem_load"
    return kind, op, _access_bytes(op)
  if fmt in ("DS", "LDSDIR", "VDSDIR"):
    if "barrier" in op or "nop" in op: return "wait", op, 0
    return "lds", op, _access_bytes(op)
  return "other", op, 0


def install(emu, path):
  from tinygrad.renderer.amd.dsl import EXEC_LO
  global _path, _hooks
  _path = path
  open(path, "a").close()  # fail at start, not after the first kernel, when the file cannot be written
  _hooks = {32: _hook32(EXEC_LO.offset), 64: _hook64(EXEC_LO.offset)}


def begin(emu, wave_size):
  _counts.clear()
  _insts.clear()
  emu.TRACE_HOOK = _hooks[wave_size]


def end(emu, kernel, isa, wave_size, grid, block):
  emu.TRACE_HOOK = None
  classes = {c: [0, 0, 0] for c in CLASSES}
  ops = defaultdict(int)
  kinds = {off: classify(inst) for off, inst in _insts.items()}
  for (off, mask), n in _counts.items():
    cls, op, width = kinds[off]
    lanes = bin(mask).count("1")
    c = classes[cls]
    c[0] += n
    c[1] += n * lanes
    c[2] += n * (width if cls == "smem" else width * lanes)
    ops[op] += n
  threads = block[0] * block[1] * block[2]
  rec = {"kernel": kernel, "isa": isa, "wave": wave_size, "grid": list(grid), "block": list(block),
         "waves": grid[0] * grid[1] * grid[2] * -(-threads // wave_size), "classes": classes,
         "ops": dict(sorted(ops.items(), key=lambda kv: -kv[1]))}
  with open(_path, "a") as f:
    f.write(json.dumps(rec) + "\n")
