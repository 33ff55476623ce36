#!/usr/bin/env python3
# profile_report.py: `make emu-profile`'s report. Reads the runs of
# test/emu/emu-profile.sh (per arch and size: ARCH.SIZE.units from
# profile_driver, ARCH.SIZE.jsonl from emu_profile.py), turns the executed
# instructions into figures per unit of work, puts them through the
# roofline of each GPU (amd_gpus.py), writes docs/AMD-MODEL.md, and checks
# the figures against the baseline:
#
#   profile_report.py --runs DIR --archs "gfx942 ..." --baseline FILE --out FILE.md
#                     [--update] [--commit ID] [--host TEXT] [--emulator TEXT]
#                     [--bench docs/runs/BENCHMARKS-h200-a5af0c8.md] [--notes FILE.md]
#   profile_report.py --runs DIR --archs gfx1100 --sizes L --baseline FILE --check-only
#
# The check: a kernel fails when its VALU instructions (all kinds) or its
# memory instructions (vector, scalar and LDS) per unit grew more than
# TOLERANCE over the baseline's, or when the baseline lacks it; --update
# rewrites the baseline from this run instead. --check-only (make test's
# quick look) writes nothing and prints run-tests.sh lines.
import argparse
import json
import os
import re
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from amd_gpus import GPUS, H200  # noqa: E402

TOLERANCE = 0.05
VALU = ("valu", "valu_dot", "valu_cvt", "valu_matrix")
MEM = ("vmem_load", "vmem_store", "smem", "lds")
FAMILY = [  # kernel name prefix -> family label, rate the doc gives
  ("quantize_q8_1", "quantize", "bytes"),
  ("dequantize_block_", "dequantize", "bytes"),
  ("get_rows_", "get_rows", "bytes"),
  ("dequantize_mul_mat_vec_", "dmmv", "weights"),
  ("mul_mat_vec_", "mul_mat_vec", "weights"),
  ("mul_mat_", "mul_mat", "macs"),
  ("indexed_moe_forward_", "moe", "weights"),
]


def family(kernel):
  for prefix, fam, rate in FAMILY:
    if kernel.startswith(prefix): return fam, rate
  raise SystemExit(f"profile_report: {kernel}: no family")


def die(msg):
  print(f"profile_report: {msg}", file=sys.stderr)
  sys.exit(2)


def load_run(runs, arch, size):
  """{kernel: figures} of one run: counts per unit and the driver's units."""
  units_path, counts_path = f"{runs}/{arch}.{size}.units", f"{runs}/{arch}.{size}.jsonl"
  for p in (units_path, counts_path):
    if not os.path.exists(p): die(f"{p} is missing: the {arch} {size} run did not finish")
  units = {}
  for line in open(units_path):
    f = line.rstrip("\n").split("\t")
    if len(f) != 6 or f[0] != "unit": die(f"{units_path}: not a unit line: {line!r}")
    units[f[1]] = {"units": float(f[2]), "unit": f[3], "dram": float(f[4]), "shape": f[5]}
  counts = {}
  for line in open(counts_path):
    r = json.loads(line)
    k = counts.setdefault(r["kernel"], {"classes": {}, "ops": {}, "wave": r["wave"], "dispatches": 0,
                                        "grid": r["grid"], "block": r["block"]})
    k["dispatches"] += 1
    for c, v in r["classes"].items():
      acc = k["classes"].setdefault(c, [0, 0, 0])
      for i in range(3): acc[i] += v[i]
    for op, n in r["ops"].items(): k["ops"][op] = k["ops"].get(op, 0) + n
  out = {}
  for name, u in units.items():
    if name not in counts: die(f"{arch} {size}: {name} ran no dispatch under the counter")
    c = counts[name]
    per = {cls: v[0] / u["units"] for cls, v in c["classes"].items()}
    lanes = sum(c["classes"][cls][1] for cls in VALU)
    nvalu = sum(c["classes"][cls][0] for cls in VALU)
    out[name] = {
      **u, "wave": c["wave"], "grid": c["grid"], "block": c["block"], "per": per,
      "valu": sum(per[x] for x in VALU), "mem": sum(per[x] for x in MEM),
      "total": sum(per.values()),
      "lane_share": lanes / (nvalu * c["wave"]) if nvalu else 0.0,
      "vmem_bytes": (c["classes"]["vmem_load"][2] + c["classes"]["vmem_store"][2]) / u["units"],
      "lds_bytes": c["classes"]["lds"][2] / u["units"],
      "dram": u["dram"] / u["units"],
      "matrix_macs": sum(n * _macs(op) for op, n in c["ops"].items() if _macs(op)) / u["units"],
      "ops": c["ops"],
    }
  return out


def _macs(op):
  """Multiply-adds of one MFMA/WMMA wave instruction, from its MxNxK."""
  if "mfma" not in op and "wmma" not in op: return 0
  m = re.search(r"(\d+)x(\d+)x(\d+)", op)
  return int(m.group(1)) * int(m.group(2)) * int(m.group(3)) if m else 0


def model(k, g):
  """Seconds per unit: memory, issue (its busiest pipe), and the bound."""
  simd_clk = g["cus"] * g["simds"] * g["ghz"] * 1e9  # SIMD clocks per second
  cu_clk = g["cus"] * g["ghz"] * 1e9
  cyc, p = g["cycles"], k["per"]
  macs_per_clk_simd = g["int8_tops"] * 1e12 / 2 / simd_clk
  matrix_cycles = k["matrix_macs"] / macs_per_clk_simd
  valu_cycles = (k["valu"] - p["valu_matrix"]) * cyc["valu"] + (matrix_cycles if g["matrix_on_valu"] else 0)
  pipes = {
    "VALU": valu_cycles / simd_clk,
    "matrix": 0.0 if g["matrix_on_valu"] else matrix_cycles / simd_clk,
    "SALU": p["salu"] * cyc["salu"] / simd_clk,
    "branch": p["branch"] * cyc["branch"] / simd_clk,
    "SMEM": p["smem"] * cyc["smem"] / simd_clk,
    "VMEM issue": (p["vmem_load"] + p["vmem_store"]) * cyc["vmem"] / simd_clk,
    "VMEM data": k["vmem_bytes"] / (g["l1_bytes_clk"] * cu_clk),
    "LDS": p["lds"] * cyc["lds"] / simd_clk,
    "LDS data": k["lds_bytes"] / (g["lds_bytes_clk"] * cu_clk),
  }
  pipe = max(pipes, key=pipes.get)
  mem = k["dram"] / (g["bw_gbs"] * 1e9)
  issue = pipes[pipe]
  return {"mem": mem, "issue": issue, "pipe": pipe, "bound": max(mem, issue),
          "binds": "memory" if mem >= issue else pipe}


def rate(kernel, k, t):
  """The family's rate at time t per unit, and its unit: weight GB/s
  (mat-vec, dmmv, moe), bytes read + written GB/s (dequantize, get_rows,
  quantize), TOPS (mul_mat)."""
  _, r = family(kernel)
  if r == "weights": return 1024 / t / 1e9, "GB/s of weights"
  if r == "bytes": return k["dram"] / t / 1e9, "GB/s read + written"
  return 2 * 1000 / t / 1e12, "TOPS"


def h200_model(k):
  """The same method on the H200 with gfx1100's wave32 counts as warp instructions."""
  p = k["per"]
  warp_instr = sum(v for c, v in p.items() if c != "wait")
  issue = warp_instr / (H200["sms"] * H200["schedulers"] * H200["ghz"] * 1e9)
  mem = k["dram"] / (H200["bw_gbs"] * 1e9)
  return {"mem": mem, "issue": issue, "bound": max(mem, issue), "binds": "memory" if mem >= issue else "issue"}


# ---- the measured H200 figures (a BENCHMARKS.md that make bench wrote on an H200:
# docs/runs/BENCHMARKS-h200-a5af0c8.md; docs/BENCHMARKS.md is the latest run, on whichever card) ----

def bench_figures(path):
  """{kernel: (rate, ratio)} at 16384x14336 from BENCHMARKS.md's tables
  (GB/s and the ratio to the copy rate; mul_mat: TOPS, no ratio); the
  commit it measured."""
  if not path or not os.path.exists(path): return {}, None
  text = open(path).read()
  commit = re.search(r"^\| commit \| (\S+) \|", text, re.M)
  out, section = {}, None
  for line in text.splitlines():
    if line.startswith("## "): section = line[3:]
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) < 6 or cells[1] != "16384x14336": continue
    t = cells[0]
    num = lambda s: float(s) if re.fullmatch(r"[0-9.]+", s) else None  # noqa: E731
    if section and section.startswith("mul_mat_vec"):
      out[f"mul_mat_vec_{t}_q8_1_cuda1"] = (num(cells[3]), num(cells[4]))
      out[f"mul_mat_vec_{t}_q8_1_cuda8"] = (num(cells[6]), num(cells[7]))
      dm = f"dequantize_mul_mat_vec_q{t[1]}_k" if t.endswith("_K") else f"dequantize_mul_mat_vec_{t}_cuda"
      out[dm] = (num(cells[9]), num(cells[10]))
    elif section and section.startswith("mul_mat at"):
      out[f"mul_mat_{t}"] = (num(cells[3]), None)  # TOPS; its ratio there is of weight bytes, not comparable
    elif section and section.startswith("dequantize"):
      out[f"dequantize_block_{t}_f32"] = (num(cells[2]), num(cells[3]))
      out[f"dequantize_block_{t}_f16"] = (num(cells[4]), num(cells[5]))
  return {k: v for k, v in out.items() if v[0] is not None}, commit.group(1) if commit else None


def spearman(pairs):
  """Rank correlation of (x, y) pairs (ties ranked in input order: rates rarely tie)."""
  n = len(pairs)
  if n < 2: return float("nan")
  rank = lambda v: {i: r for r, i in enumerate(sorted(range(n), key=lambda i: v[i]))}  # noqa: E731
  rx, ry = rank([p[0] for p in pairs]), rank([p[1] for p in pairs])
  return 1 - 6 * sum((rx[i] - ry[i]) ** 2 for i in range(n)) / (n * (n * n - 1))


# ---- baseline ----

def read_baseline(path):
  base = {}
  if not os.path.exists(path): return base
  for n, line in enumerate(open(path), 1):
    if line.startswith("#") or not line.strip(): continue
    f = line.split()
    if len(f) != 5: die(f"{path}:{n}: want ARCH KERNEL UNIT VALU MEM, got {line!r}")
    base[(f[0], f[1])] = (float(f[3]), float(f[4]))
  return base


def write_baseline(path, runs, commit, toolchain):
  tmp = path + ".tmp"
  with open(tmp, "w") as f:
    f.write(f"# make emu-profile's baseline (UPDATE=1 rewrites it), commit {commit}, code objects of\n"
            f"# {toolchain} (another compiler gives other code: rewrite it with the one the project uses).\n"
            "# Per arch and kernel,"
            " the unit of work and the VALU (all kinds) and memory (vector, scalar, LDS)\n"
            f"# wave instructions per unit at size L. The check fails on either growing more than {TOLERANCE:.0%}.\n")
    for arch in sorted(runs):
      for name, k in runs[arch].items():
        f.write(f"{arch}\t{name}\t{k['unit']}\t{k['valu']:.4f}\t{k['mem']:.4f}\n")
  os.replace(tmp, path)


def compare(runs, base):
  """[(arch, kernel, what, old, new)] of the kernels past the tolerance or not in the baseline;
  and every kernel's (valu, mem) change."""
  bad, deltas = [], {}
  for arch, ks in runs.items():
    for name, k in ks.items():
      b = base.get((arch, name))
      if b is None:
        bad.append((arch, name, "not in the baseline", None, None))
        continue
      dv = k["valu"] / b[0] - 1 if b[0] else 0.0
      dm = k["mem"] / b[1] - 1 if b[1] else 0.0
      deltas[(arch, name)] = (dv, dm)
      if dv > TOLERANCE: bad.append((arch, name, "VALU instructions per unit", b[0], k["valu"]))
      if dm > TOLERANCE: bad.append((arch, name, "memory instructions per unit", b[1], k["mem"]))
  return bad, deltas


def describe(bad, baseline):
  """One line per kernel past the tolerance; the kernels the baseline lacks in one line."""
  missing = [f"{arch} {name}" for arch, name, what, old, _ in bad if old is None]
  lines = [f"{arch} {name}: {what} {old:.2f} -> {new:.2f} ({new / old - 1:+.1%})"
           for arch, name, what, old, new in bad if old is not None]
  if missing:
    lines.append(f"{len(missing)} kernel run(s) not in {baseline} ({', '.join(missing[:3])}"
                 f"{', ...' if len(missing) > 3 else ''}): UPDATE=1 records them")
  return lines


# ---- the document ----

def fmt(x, nd=1):
  if x == 0: return "0"
  if abs(x) >= 100: return f"{x:.0f}"
  return f"{x:.{nd}f}"


def shapes_text(ks):
  """Each family's shapes in words, once each (one run's kernels)."""
  fams = {}
  for name, k in ks.items():
    shape = re.sub(r" \([^)]*\)$", "", k["shape"])
    fams.setdefault(family(name)[0], [])
    if shape not in fams[family(name)[0]]: fams[family(name)[0]].append(shape)
  return "; ".join(f"{f} {' or '.join(v)}" for f, v in fams.items())


def write_doc(path, a, runs, small, bad, deltas, bench, bench_commit):
  L = []
  w = L.append
  w("This is a model, not a measurement: executed instruction counts from an ISA emulator, put through "
    "spec-sheet peak rates; no AMD GPU ran anything for it.")
  w("")
  w("# AMD cost model of the kernels (`make emu-profile`)")
  w("")
  w("Written by `make emu-profile` (test/emu/profile_report.py); do not edit by hand.")
  w("")
  w("| | |\n|---|---|")
  w(f"| date | {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} |")
  w(f"| commit | {a.commit} |")
  w(f"| kernel compiler | {a.toolchain} |")
  w(f"| emulator | {a.emulator} |")
  w(f"| host | {a.host} |")
  w(f"| archs | {' '.join(runs)} |")
  w(f"| baseline | {a.baseline}: {'rewritten by this run (UPDATE=1)' if a.update else ('no kernel grew more than %d%%' % (TOLERANCE * 100) if not bad else '**%d kernel(s) past it**' % len(bad))} |")
  w("")
  w("## What is counted")
  w("")
  w("Each profiled kernel (every type of every family; mul_mat_vec at B = 1 and B = 8) runs once per arch in "
    "tinygrad's AMD ISA emulator, from the code objects that `make` builds, launched with the grid and workgroup "
    "a host picks (test/gpu/kernels.c), on real quantized data. The emulator's per-instruction hook counts the "
    "executed wave instructions per instruction address and EXEC mask (test/emu/emu_profile.py); each address is "
    "classified once from its decoded instruction:")
  w("")
  w("- **VALU**: vector ALU, with **dot** (v_dot4 / v_dot2 and other int8 and packed dot products), **cvt** (conversions, "
    "e.g. v_cvt_f32_ubyteN) and **mat** (MFMA / WMMA) apart; a VOPD dual-issue pair (RDNA) is one instruction. "
    "**lanes**: the share of the wave's lanes active over the VALU instructions (a 32-thread workgroup on wave64 "
    "shows as 50%).")
  w("- **SALU** (scalar ALU), **SMEM** (scalar memory loads), **branch** (s_branch, s_cbranch_*, s_setpc, ...).")
  w("- **VMEM ld / st**: vector memory (global, buffer, flat) loads and stores; **VMEM B** the bytes they move: "
    "the access width times the active lanes (cache traffic, not DRAM traffic). **LDS**: ds_* instructions.")
  w("- **wait**: s_waitcnt / s_wait_*, s_nop, s_delay_alu, barriers, cache invalidations: counted, given no issue cost.")
  w("")
  w("Units: per KiB of weights for mul_mat_vec, dmmv, moe (weights multiplied) and dequantize (weights read); per "
    "KiB of rows read for get_rows; per KiB of input floats for quantize_q8_1; per 1000 int8 multiply-adds (kMAC) "
    "for mul_mat. Shapes (size L; size S halves it): " + shapes_text(next(iter(runs.values()))) + ".")
  w("")
  w("## The model")
  w("")
  w("Per GPU, a kernel's time per unit is bounded by **memory** (the bytes it must move at least: inputs read "
    "once, outputs written once, over the DRAM bandwidth) and by **issue**: its wave instructions spread over "
    "every SIMD of the GPU, each kind on its own pipe, the busiest pipe setting the time. Bound = max(memory, "
    "issue); the tables say which one binds (and which pipe). Assumptions:")
  w("")
  w("- every SIMD has enough waves that its pipes overlap (so the bound is optimistic: latency, occupancy, "
    "tails and launch costs are not in it);")
  w("- CDNA3 (wave64 on 16-lane SIMDs): each SIMD gets an issue slot every 4 clocks, one instruction of each "
    "kind per slot, so every wave instruction costs its pipe 4 clocks; MFMA runs on the matrix core beside the "
    "VALU at the spec sheet's int8 rate;")
  w("- RDNA3 / RDNA4 (wave32 on 32-lane SIMDs): one instruction per pipe per clock, dual-issue VOPD pairs "
    "counted once; WMMA runs on the VALU at the spec sheet's int8 rate;")
  w("- int8 dot4 and byte conversions are full-rate VALU instructions on all three; vector memory also passes its "
    "lane bytes through the CU's vector L1 (64 B/clock on CDNA3, 128 on RDNA), LDS data at 128 B/clock per CU;")
  w("- clocks are the spec sheets' peak (boost) clocks; bandwidths their peak DRAM bandwidths;")
  w("- mul_mat runs one whole tile, whose operands no other tile shares; its memory time is that of the "
    "bench's product (16384x14336 weights by 512 columns, each operand read once) per multiply-add.")
  w("")
  w("| arch | GPU | CUs | SIMDs/CU | wave | clock GHz | DRAM GB/s | int8 TOPS (matrix) | clocks per VALU / SALU / VMEM / LDS instruction |")
  w("|---|---|---|---|---|---|---|---|---|")
  for arch in runs:
    g = GPUS[arch]
    c = g["cycles"]
    w(f"| {arch} | {g['name']} ({g['isa']}) | {g['cus']} | {g['simds']} | {g['wave']} | {g['ghz']:.2f} | "
      f"{g['bw_gbs']:.0f} | {g['int8_tops']:.1f} | {c['valu']} / {c['salu']} / {c['vmem']} / {c['lds']} |")
  w("")
  w("Sources:")
  w("")
  for arch in runs: w(f"- {arch}: {GPUS[arch]['src']}.")
  w(f"- H200 (cross-check below): {H200['src']}.")
  w("")

  # steadiness
  w("## Are the shapes large enough? Size S against size L")
  w("")
  if small:
    worst = []
    for arch in runs:
      for name, k in runs[arch].items():
        s = small[arch].get(name)
        if not s: continue
        for what in ("valu", "mem", "total"):
          if k[what]: worst.append((abs(s[what] / k[what] - 1), arch, name, what, s[what], k[what]))
    worst.sort(reverse=True)
    n = len({(x[1], x[2]) for x in worst})
    within = lambda lim: sum(1 for x in worst if x[3] == "total" and x[0] <= lim)  # noqa: E731
    w(f"Each kernel also ran at size S (half of L along the dimension that sets the work of a workgroup, or the "
      f"number of workgroups). Of {n} kernel runs, the total instructions per unit of S and L agree within 1% for "
      f"{within(0.01)}, within 3% for {within(0.03)}, within 5% for {within(0.05)}. The largest differences "
      "(VALU, memory or total instructions per unit):")
    w("")
    w("| arch | kernel | figure | S | L | S/L - 1 |\n|---|---|---|---|---|---|")
    for d, arch, name, what, s, l in worst[:6]:
      w(f"| {arch} | {name} | {what} | {s:.2f} | {l:.2f} | {d * (1 if s >= l else -1):+.1%} |")
    w("")
    w("")
    w("Sizes: quantize_q8_1, dequantize and get_rows double the values; mul_mat doubles K within one whole "
      "tile; mul_mat_vec, dmmv and moe double the rows at K = 14336 (the bench's large shape). Their K stays: "
      "a mat-vec row has a fixed cost (the reduction across the workgroup, the store) that K amortizes, so "
      "their figures per unit are those of rows of 14336 columns, not a limit that a longer K would reach "
      "(amd-model-notes.md gives how much K = 4096 and 8192 differ). The figures below are size L's.")
  else:
    w("(Size S was not run.)")
  w("")

  # baseline
  w("## Against the baseline")
  w("")
  if a.update:
    w(f"This run rewrote {a.baseline}.")
  if bad:
    w("Past the tolerance (+%d%%):" % (TOLERANCE * 100))
    w("")
    for line in describe(bad, a.baseline): w(f"- {line}")
  changed = [(arch, name, dv, dm) for (arch, name), (dv, dm) in sorted(deltas.items()) if abs(dv) > 0.001 or abs(dm) > 0.001]
  if changed and not a.update:
    w("")
    w("Changed against the baseline (VALU, memory instructions per unit):")
    w("")
    for arch, name, dv, dm in changed: w(f"- {arch} {name}: VALU {dv:+.1%}, memory {dm:+.1%}")
  if not bad and not changed and not a.update:
    w("Every kernel's VALU and memory instructions per unit are the baseline's.")
  w("")

  # per arch tables
  for arch in runs:
    g = GPUS[arch]
    w(f"## {arch}: {g['name']}, wave{g['wave']}")
    w("")
    w("Instructions per unit (wave instructions), then the model: memory and issue time as rates "
      "(the unit's rate if only that limit held), the bound, which limit binds, and the bound as a share of "
      "the DRAM bandwidth (mul_mat: of the int8 matrix peak).")
    w("")
    w("| kernel | unit | VALU | dot | cvt | mat | lanes | SALU | SMEM | VMEM ld | VMEM st | VMEM B | LDS | wait | branch "
      "| memory limit | issue limit | bound | binds | ratio |")
    w("|" + "---|" * 20)
    for name, k in runs[arch].items():
      p = k["per"]
      m = model(k, g)
      rm, ru = rate(name, k, m["mem"])
      ri, _ = rate(name, k, m["issue"])
      rb, _ = rate(name, k, m["bound"])
      ratio = rb / g["int8_tops"] if ru == "TOPS" else m["mem"] / m["bound"]
      unitname = {"GB/s of weights": "GB/s", "GB/s read + written": "GB/s rw", "TOPS": "TOPS"}[ru]
      w(f"| {name} | {k['unit']} | {fmt(k['valu'])} | {fmt(p['valu_dot'])} | {fmt(p['valu_cvt'])} | "
        f"{fmt(p['valu_matrix'], 2)} | {k['lane_share']:.0%} | {fmt(p['salu'])} | {fmt(p['smem'], 2)} | "
        f"{fmt(p['vmem_load'])} | {fmt(p['vmem_store'], 2)} | {fmt(k['vmem_bytes'])} | {fmt(p['lds'])} | {fmt(p['wait'])} | "
        f"{fmt(p['branch'])} | {fmt(rm)} {unitname} | {fmt(ri)} {unitname} | {fmt(rb)} {unitname} | {m['binds']} | {ratio:.2f} |")
    w("")

  # cross-check with the H200
  w("## Cross-check: the same method on the H200 against `make bench`")
  w("")
  if not bench:
    w(f"No measured figures: {a.bench or '(none given)'} has no 16384x14336 rows to compare with.")
  else:
    w(f"The method applied to the NVIDIA proxy (H200: {H200['sms']} SMs x {H200['schedulers']} schedulers at "
      f"{H200['ghz']:.2f} GHz, {H200['bw_gbs']:.0f} GB/s), with gfx1100's wave32 instruction counts standing in "
      "for warp instructions (same source, same 32-wide groups; the AMD-only wait kind dropped; every instruction "
      "one issue clock; so for mul_mat it stands for NVIDIA's dot4 code only while gfx1100's mul_mat is dot4 "
      "too, not once it uses WMMA), against the rates that `make bench` measured on 16384x14336 "
      f"({a.bench}, commit {bench_commit}; ratios there are to the measured copy bandwidth). "
      "measured / model is how much of the model's bound the real kernel reaches.")
    w("")
    w("| kernel | model | binds | measured | measured / model |\n|---|---|---|---|---|")
    ref = runs.get("gfx1100") or next(iter(runs.values()))
    shares, pairs = [], []
    for name, k in ref.items():
      if name not in bench: continue
      m = h200_model(k)
      pr, ru = rate(name, k, m["bound"])
      meas = bench[name][0]
      shares.append((meas / pr, name))
      if ru != "TOPS": pairs.append((pr, meas))
      unit = "TOPS" if ru == "TOPS" else "GB/s"
      w(f"| {name} | {fmt(pr)} {unit} | {m['binds']} | {fmt(meas)} {unit} | {meas / pr:.2f} |")
    w("")
    if shares:
      shares.sort()
      mid = shares[len(shares) // 2][0]
      rho = spearman(pairs)
      w(f"Over these {len(shares)} kernels the measured rate is {shares[0][0]:.2f} to {shares[-1][0]:.2f} of the "
        f"model's bound (median {mid:.2f}); the rank correlation of model and measured rates is {rho:.2f} "
        "(Spearman, over the byte rates). The model is an upper bound: it orders the kernels much as the GPU does, but no kernel "
        "reaches it, and the H200 profile (bench/notes.md) found latency with few waves in flight, which the "
        "model leaves out, binding before issue or DRAM.")
    w("")

  # worst AMD bound relative to the NVIDIA ratio
  w("## Where AMD differs most from what the proxy times")
  w("")
  w("For every kernel: its ratio (memory time over bound: 1.00 = memory-bound, lower = issue-bound) on the "
    "AMD GPU where it is lowest, against the same ratio of the H200 model above (the NVIDIA ratio of the same "
    "method; the measured H200 ratio to the copy rate beside it where `make bench` has one). The smallest "
    "quotients are where the AMD code is issue-bound well before the code the proxy times:")
  w("")
  ref = runs.get("gfx1100") or next(iter(runs.values()))
  rows = []
  for name in ref:
    worst = None
    for arch in runs:
      m = model(runs[arch][name], GPUS[arch])
      r = m["mem"] / m["bound"]
      if worst is None or r < worst[0]: worst = (r, arch, m["binds"])
    h = h200_model(ref[name])
    hr = h["mem"] / h["bound"]
    rows.append((worst[0] / hr, name, worst, hr, bench.get(name, (None, None))[1]))
  rows.sort()
  w("| kernel | lowest AMD ratio (arch, binds) | H200 model ratio | H200 measured ratio | quotient |\n|---|---|---|---|---|")
  for q, name, (r, arch, binds), hr, meas in rows[:10]:
    w(f"| {name} | {r:.2f} ({arch}, {binds}) | {hr:.2f} | {'%.2f' % meas if meas is not None else '-'} | {q:.2f} |")
  w("")
  w("The three worst: " + ", ".join(f"**{n}** ({arch}: {r:.2f} against {hr:.2f})"
                                    for _, n, (r, arch, _), hr, _ in rows[:3]) + ".")
  w("")
  if a.notes and os.path.exists(a.notes):
    w(open(a.notes).read().rstrip("\n"))
    w("")
  tmp = path + ".tmp"
  with open(tmp, "w") as f: f.write("\n".join(L))
  os.replace(tmp, path)


def main():
  ap = argparse.ArgumentParser(description=__doc__)
  ap.add_argument("--runs", required=True)
  ap.add_argument("--archs", required=True)
  ap.add_argument("--sizes", default="S L")
  ap.add_argument("--baseline", required=True)
  ap.add_argument("--out")
  ap.add_argument("--update", action="store_true")
  ap.add_argument("--check-only", action="store_true")
  ap.add_argument("--commit", default="unknown")
  ap.add_argument("--host", default="")
  ap.add_argument("--emulator", default="")
  ap.add_argument("--toolchain", default="unknown")
  ap.add_argument("--bench", default="docs/runs/BENCHMARKS-h200-a5af0c8.md")
  ap.add_argument("--notes", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "amd-model-notes.md"))
  a = ap.parse_args()
  archs, sizes = a.archs.split(), a.sizes.split()
  for arch in archs:
    if arch not in GPUS: die(f"no GPU model for {arch} (amd_gpus.py knows {' '.join(GPUS)})")
  runs = {arch: load_run(a.runs, arch, "L") for arch in archs}
  small = {arch: load_run(a.runs, arch, "S") for arch in archs} if "S" in sizes else None
  base = read_baseline(a.baseline)
  if a.check_only:
    bad, deltas = compare(runs, base)
    for arch, ks in runs.items():
      for name, k in ks.items():
        mine = [b for b in bad if b[0] == arch and b[1] == name]
        if mine:
          for _, _, what, old, new in mine:
            print(f"FAIL - emu-profile: {arch} {name}: {what}" +
                  (f" {old:.2f} -> {new:.2f} ({new / old - 1:+.1%}, over +{TOLERANCE:.0%}; UPDATE=1 make emu-profile "
                   "records a change on purpose)" if old else f" ({a.baseline})"))
        else:
          dv, dm = deltas[(arch, name)]
          print(f"ok - emu-profile: {arch} {name}: {k['valu']:.1f} VALU, {k['mem']:.1f} memory instructions per "
                f"{k['unit']} (baseline {dv:+.1%}, {dm:+.1%})")
    return 1 if bad else 0
  if not a.out: die("--out is needed unless --check-only")
  bench, bench_commit = bench_figures(a.bench)
  if a.update:
    write_baseline(a.baseline, runs, a.commit, a.toolchain)
    base = read_baseline(a.baseline)
  bad, deltas = compare(runs, base)
  write_doc(a.out, a, runs, small, bad, deltas, bench, bench_commit)
  n = sum(len(ks) for ks in runs.values())
  print(f"emu-profile: {n} kernel runs on {' '.join(archs)}; wrote {a.out}" +
        (f" and {a.baseline}" if a.update else ""))
  for line in describe(bad, a.baseline): print(f"FAIL - emu-profile: {line}")
  if bad: print(f"emu-profile: {len(bad)} past the baseline (+{TOLERANCE:.0%}); UPDATE=1 rewrites it on purpose")
  return 1 if bad else 0


if __name__ == "__main__":
  sys.exit(main())
