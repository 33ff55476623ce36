# amd_gpus.py: the GPUs of docs/AMD-MODEL.md's roofline, from public spec
# sheets, and the issue model of each ISA. One copy of these facts: the
# report (profile_report.py) reads them and prints them with their sources.
#
# Issue model (an assumption, stated in the doc): every SIMD of every CU is
# busy with enough waves that its pipes overlap, so a kernel's issue time is
# that of its busiest pipe; a pipe's cycles per wave instruction are
#   CDNA3 (wave64 on SIMD16): each SIMD gets an issue slot every 4 clocks, in
#     which it may issue one instruction of each kind (VALU, SALU, VMEM, LDS,
#     branch) from different waves; a VALU instruction of 64 lanes occupies the
#     16-lane SIMD 4 clocks, so every kind costs its pipe 4 clocks. MFMA runs on
#     the matrix core beside the VALU: MACs / (peak int8 MACs per clock per SIMD).
#   RDNA3 / RDNA4 (wave32 on SIMD32): each SIMD issues one instruction a clock,
#     each kind to its own pipe; VALU 1 clock (a VOPD dual-issue pair counts as
#     one), WMMA on the VALU: MACs / (peak int8 MACs per clock per SIMD).
# int8 dot4 (v_dot4_i32_i8 / v_dot4_i32_iu8) is a full-rate VALU instruction
# on all three; so are the byte conversions (v_cvt_f32_ubyteN).
# Vector memory also pays its data: lane bytes through the CU's vector L1 at
# l1_bytes_clk per CU; LDS at lds_bytes_clk per CU.

GPUS = {
  "gfx942": {
    "name": "AMD Instinct MI300X", "isa": "CDNA3", "wave": 64,
    "cus": 304, "simds": 4, "ghz": 2.100, "bw_gbs": 5300.0,
    "int8_tops": 2614.9,  # dense matrix (MFMA) int8 peak
    "cycles": {"valu": 4, "salu": 4, "smem": 4, "vmem": 4, "lds": 4, "branch": 4},
    "matrix_on_valu": False, "l1_bytes_clk": 64, "lds_bytes_clk": 128,
    "src": "AMD Instinct MI300X data sheet and product page (amd.com/en/products/accelerators/instinct/mi300/mi300x.html): "
           "304 CUs, 2100 MHz peak engine clock, 5.3 TB/s HBM3, 2614.9 TOPS int8 (dense); 4 SIMD16 per CU, wave64: "
           "CDNA3 ISA reference and the ROCm GPU specifications table (rocm.docs.amd.com/en/latest/reference/gpu-specs.html)",
  },
  "gfx1100": {
    "name": "AMD Radeon RX 7900 XTX", "isa": "RDNA3", "wave": 32,
    "cus": 96, "simds": 2, "ghz": 2.500, "bw_gbs": 960.0,
    "int8_tops": 122.8,  # WMMA iu8: 512 int8 ops per clock per CU at 2.5 GHz
    "cycles": {"valu": 1, "salu": 1, "smem": 1, "vmem": 1, "lds": 1, "branch": 1},
    "matrix_on_valu": True, "l1_bytes_clk": 128, "lds_bytes_clk": 128,
    "src": "AMD Radeon RX 7900 XTX product page (amd.com/en/products/graphics/desktops/radeon/7000-series/"
           "amd-radeon-rx-7900xtx.html): 96 CUs, 2500 MHz boost clock, 960 GB/s GDDR6; 2 SIMD32 per CU with "
           "dual issue: RDNA3 ISA reference and AMD's RDNA3 architecture presentation; WMMA int8 rate 512 ops/clock/CU "
           "(122.8 TOPS at 2.5 GHz)",
  },
  "gfx1201": {
    "name": "AMD Radeon RX 9070 XT", "isa": "RDNA4", "wave": 32,
    "cus": 64, "simds": 2, "ghz": 2.970, "bw_gbs": 644.6,
    "int8_tops": 389.3,  # WMMA iu8 dense: 2048 int8 ops per clock per CU (779 TOPS is with sparsity)
    "cycles": {"valu": 1, "salu": 1, "smem": 1, "vmem": 1, "lds": 1, "branch": 1},
    "matrix_on_valu": True, "l1_bytes_clk": 128, "lds_bytes_clk": 128,
    "src": "AMD Radeon RX 9070 XT product page (amd.com/en/products/graphics/desktops/radeon/9000-series/"
           "amd-radeon-rx-9070xt.html): 64 CUs, 2970 MHz boost clock, 644.6 GB/s GDDR6 (20 Gbps, 256-bit), "
           "779 TOPS int8 with sparsity (389 dense); 2 SIMD32 per CU with dual issue: RDNA4 ISA reference",
  },
}

# The NVIDIA proxy, for the cross-check: H200 SXM (NVIDIA H200 data sheet,
# nvidia.com/en-us/data-center/h200/): 132 SMs of 4 schedulers, each issuing
# one warp instruction a clock, 1980 MHz boost, 4.8 TB/s HBM3e. Its warp
# instruction counts are taken as gfx1100's wave32 counts (same source, same
# 32-wide groups) less the AMD-only s_waitcnt/s_delay_alu/s_nop kind, every
# instruction (scalar ones too: NVIDIA's uniform datapath shares the issue
# slot) one issue clock.
H200 = {"name": "NVIDIA H200 (proxy)", "sms": 132, "schedulers": 4, "ghz": 1.980, "bw_gbs": 4800.0,
        "src": "NVIDIA H200 data sheet (nvidia.com/en-us/data-center/h200/): 4.8 TB/s HBM3e; 132 SMs, 4 warp "
               "schedulers each, 1980 MHz boost: NVIDIA Hopper architecture whitepaper"}
