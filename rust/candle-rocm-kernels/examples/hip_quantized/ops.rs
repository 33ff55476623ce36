//! ops.rs: each op as candle's CUDA backend launches it
//! (candle-core/src/quantized/cuda.rs, loading candle_kernels::QUANTIZED),
//! with HIP: the same kernel names, arguments, grid and workgroup. Each
//! op's launch shape is written here once, next to the name of the cuda.rs
//! function it mirrors; spec/kernel-abi.md is the contract they follow.
//!
//! A ROCm backend's versions of these functions differ only in how they get
//! the function (a per-device module cache) and the buffers (its storage).

use crate::blocks::QType;
use crate::hip::{Arg, DeviceBuffer, Dims, Function, Hip, Module};

/// cuda.rs: MATRIX_ROW_PADDING. q8_1 activation rows are padded to it.
pub const MATRIX_ROW_PADDING: usize = 512;
/// cuda.rs: WARP_SIZE (the kernels' logical warp, also on wave64 GPUs).
const WARP_SIZE: u32 = 32;
/// cuda.rs: CUDA_QUANTIZE_BLOCK_SIZE.
const QUANTIZE_BLOCK_SIZE: usize = 256;
/// cuda.rs: the gridDim.y limit quantize_q8_1 splits its rows by.
const QUANTIZE_MAX_ROWS: usize = 65535;
/// Bytes of one q8_1 block of 32 values.
pub const Q8_1_BYTES: usize = 36;

/// cuda.rs: pad.
pub fn pad(k: usize) -> usize {
    k.div_ceil(MATRIX_ROW_PADDING) * MATRIX_ROW_PADDING
}

/// The module and the HIP calls every op needs.
pub struct Gpu<'h> {
    pub hip: &'h Hip,
    pub module: Module,
}

impl Gpu<'_> {
    fn launch(&self, name: &str, dims: Dims, args: &[Arg]) -> Result<(), String> {
        let f: Function = self.hip.function(&self.module, name)?;
        self.hip.launch(f, name, dims, args)
    }
}

fn dims(grid: (usize, usize, usize), block: (usize, usize, usize)) -> Dims {
    let u = |v: usize| u32::try_from(v).expect("launch dimension fits u32");
    Dims { grid: (u(grid.0), u(grid.1), u(grid.2)), block: (u(block.0), u(block.1), u(block.2)) }
}

/// cuda.rs `quantize_q8_1`: `rows` rows of `k` floats in `x` to q8_1 rows of
/// pad(k)/32 blocks in `y`, at most 65535 rows per launch.
pub fn quantize_q8_1(
    gpu: &Gpu<'_>,
    x: &DeviceBuffer<'_>,
    y: &DeviceBuffer<'_>,
    k: usize,
    rows: usize,
) -> Result<(), String> {
    let kx_padded = pad(k);
    let row_bytes = kx_padded / 32 * Q8_1_BYTES;
    let mut done = 0;
    while done < rows {
        let chunk = QUANTIZE_MAX_ROWS.min(rows - done);
        let launch = dims((kx_padded.div_ceil(QUANTIZE_BLOCK_SIZE), chunk, 1), (QUANTIZE_BLOCK_SIZE, 1, 1));
        let args = [
            offset(x, done * k * 4),
            offset(y, done * row_bytes),
            Arg::I32(k as i32),
            Arg::I32(kx_padded as i32),
        ];
        gpu.launch("quantize_q8_1", launch, &args)?;
        done += chunk;
    }
    Ok(())
}

/// `buf` advanced by `bytes` (cuda.rs slices the views instead).
fn offset(buf: &DeviceBuffer<'_>, bytes: usize) -> Arg {
    match buf.arg() {
        Arg::Ptr(p) => Arg::Ptr(p.wrapping_byte_add(bytes)),
        a => a,
    }
}

/// cuda.rs `dequantize_f32`: `elems` values of `w` to floats in `y`.
pub fn dequantize_f32(
    gpu: &Gpu<'_>,
    t: QType,
    w: &DeviceBuffer<'_>,
    y: &DeviceBuffer<'_>,
    elems: usize,
) -> Result<(), String> {
    let nb = elems.div_ceil(256);
    // (kernel, workgroup, grid, the count argument the non-K types take).
    // The other types: q4_1 q8_0 as q4_0; q5_0 q5_1 ceil(elems/512)
    // workgroups of 256 with elems as the count; the other K types 64 lanes.
    let (name, block, grid, count) = match t {
        QType::Q4_0 => ("dequantize_block_q4_0_f32", 32, nb, Some(elems / 32)),
        QType::Q4K => ("dequantize_block_q4_K_f32", 32, nb, None),
    };
    let mut args = vec![w.arg(), y.arg()];
    args.extend(count.map(|c| Arg::I32(c as i32)));
    gpu.launch(name, dims((grid, 1, 1), (block, 1, 1)), &args)
}

/// cuda.rs `dequantize_mul_mat_vec`: dst[r] = W[r] . y, y `ncols` floats.
pub fn dequantize_mul_mat_vec(
    gpu: &Gpu<'_>,
    t: QType,
    w: &DeviceBuffer<'_>,
    y: &DeviceBuffer<'_>,
    dst: &DeviceBuffer<'_>,
    ncols: usize,
    nrows: usize,
) -> Result<(), String> {
    let name = match t {
        QType::Q4_0 => "dequantize_mul_mat_vec_q4_0_cuda",
        QType::Q4K => "dequantize_mul_mat_vec_q4_k",
    };
    // GGML_CUDA_MMV_Y = 1: one warp per row.
    let launch = dims((nrows, 1, 1), (WARP_SIZE as usize, 1, 1));
    gpu.launch(name, launch, &[w.arg(), y.arg(), dst.arg(), Arg::I32(ncols as i32), Arg::I32(nrows as i32)])
}

/// cuda.rs `mul_mat_vec_via_q8_1`, after its quantize_q8_1 of the `b`
/// activation rows into `vy`: dst[j*nrows + r] = W[r] . y_j, j < b (1..=8).
#[allow(clippy::too_many_arguments)]
pub fn mul_mat_vec_q8_1(
    gpu: &Gpu<'_>,
    t: QType,
    w: &DeviceBuffer<'_>,
    vy: &DeviceBuffer<'_>,
    dst: &DeviceBuffer<'_>,
    ncols: usize,
    nrows: usize,
    b: usize,
) -> Result<(), String> {
    let stem = match t {
        QType::Q4_0 => "mul_mat_vec_q4_0_q8_1_cuda",
        QType::Q4K => "mul_mat_vec_q4_K_q8_1_cuda",
    };
    let (nblocks, nwarps) = match b {
        1 => (nrows, 4),
        2..=4 => (nrows.div_ceil(2), 4),
        5..=8 => (nrows.div_ceil(2), 2),
        _ => return Err(format!("mul_mat_vec: batch {b} is not 1..=8")),
    };
    let launch = dims((nblocks, 1, 1), (WARP_SIZE as usize, nwarps, 1));
    let args = [
        w.arg(),
        vy.arg(),
        dst.arg(),
        Arg::I32(ncols as i32),      // ncols_x
        Arg::I32(nrows as i32),      // nrows_x
        Arg::I32(pad(ncols) as i32), // nrows_y
        Arg::I32(nrows as i32),      // nrows_dst
    ];
    gpu.launch(&format!("{stem}{b}"), launch, &args)
}

/// cuda.rs `mul_mat_via_q8_1`, after its quantize_q8_1 of the `y_cols`
/// activation rows (k values each) into `vy`: dst[j*x_rows + r] = W[r] . y_j.
#[allow(clippy::too_many_arguments)]
pub fn mul_mat_q8_1(
    gpu: &Gpu<'_>,
    t: QType,
    w: &DeviceBuffer<'_>,
    vy: &DeviceBuffer<'_>,
    dst: &DeviceBuffer<'_>,
    x_rows: usize,
    k: usize,
    y_cols: usize,
) -> Result<(), String> {
    let (name, mmq_x, mmq_y) = match t {
        QType::Q4_0 => ("mul_mat_q4_0", 64, 128),
        QType::Q4K => ("mul_mat_q4_K", 64, 128),
    };
    let launch = dims((x_rows.div_ceil(mmq_y), y_cols.div_ceil(mmq_x), 1), (WARP_SIZE as usize, 4, 1));
    let args = [
        w.arg(),
        vy.arg(),
        dst.arg(),
        Arg::I32(k as i32),      // ncols_x
        Arg::I32(x_rows as i32), // nrows_x
        Arg::I32(y_cols as i32), // ncols_y
        Arg::I32(pad(k) as i32), // nrows_y
        Arg::I32(x_rows as i32), // nrows_dst
    ];
    gpu.launch(name, launch, &args)
}
