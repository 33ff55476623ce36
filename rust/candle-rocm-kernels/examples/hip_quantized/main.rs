//! hip_quantized: the path candle's ROCm backend takes, end to end. For one
//! q4_0 and one q4_K weight matrix it quantizes activations to q8_1, runs
//! the batch-1 and batch-4 mat-vec, the many-column mul_mat,
//! dequantize_mul_mat_vec and a dequantize, each launched through HIP as
//! candle's CUDA backend launches it (ops.rs), and compares every output
//! with a CPU computation (blocks.rs): q8_1 byte for byte, dequantized
//! values within 4 ulp of their block's largest, products within a bound
//! derived from float rounding and the q8_1 block sums.
//!
//!     cargo run --release --example hip_quantized            # on an AMD GPU
//!     cargo run --example hip_quantized -- --small           # emulator-sized shapes
//!
//! Shapes keep every edge: odd row counts, q4_0 rows of 19 blocks (K not a
//! multiple of 256), q4_K rows of 3 or 17 super-blocks (K a multiple of 256
//! but not of 512, so the q8_1 rows carry padding), a mul_mat whose row and
//! column tiles are both partial. The weights' slack past the last row (the
//! host pads each allocation, as candle does) and every output's tail are
//! NaN bytes: no result may read the one or write the other.
//!
//! Prints `ok - ` / `FAIL - ` lines; exits 1 when a check failed or nothing
//! could run (no HIP runtime, no device, or no code object for it).

mod blocks;
mod check;
mod hip;
mod ops;

use blocks::{QType, Term};
use candle_rocm_kernels::{ARCHS, QUANTIZED};
use check::{bytes_of, within, Tally, GUARD_FLOATS, POISON};
use hip::Hip;
use ops::{pad, Gpu, MATRIX_ROW_PADDING, Q8_1_BYTES};

/// One weight matrix and the activations it is multiplied with.
struct Shape {
    t: QType,
    rows: usize,
    k: usize,
    /// mul_mat's activation rows (its output's columns).
    y_cols: usize,
}

/// On a GPU: candle-sized mul_mat (512 columns) and rows past a 128-row tile.
const FULL: [Shape; 2] = [
    Shape { t: QType::Q4_0, rows: 257, k: 4128, y_cols: 512 },
    Shape { t: QType::Q4K, rows: 257, k: 4352, y_cols: 512 },
];
/// In the ISA emulator (seconds, not hours): the same edges, smaller.
/// 70 columns: one full 64-column tile and a partial one.
const SMALL: [Shape; 2] = [
    Shape { t: QType::Q4_0, rows: 17, k: 608, y_cols: 70 },
    Shape { t: QType::Q4K, rows: 17, k: 768, y_cols: 70 },
];

/// A small deterministic generator (xorshift64*): the same inputs every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 40;
        bits as f32 / (1u64 << 24) as f32 * 2.0 - 1.0 // in [-1, 1)
    }
    /// `rows` rows of `cols` values, each row with a scale of its own.
    fn matrix(&mut self, rows: usize, cols: usize) -> Vec<f32> {
        let mut out = Vec::with_capacity(rows * cols);
        for _ in 0..rows {
            let scale = 0.25 + 2.0 * (self.next() + 1.0);
            out.extend((0..cols).map(|_| scale * self.next()));
        }
        out
    }
}

fn main() {
    let small = std::env::args().skip(1).any(|a| a == "--small");
    let hip = Hip::open().unwrap_or_else(|e| die(&e));
    let device = hip.init().unwrap_or_else(|e| die(&e));
    let arch = hip.device_arch(device).unwrap_or_else(|e| die(&e));

    // Before hipModuleLoadData: does the bundle hold code for this device?
    // The runtime would only say hipErrorNoBinaryForGpu; this names the arch.
    match QUANTIZED.pick(&arch) {
        Some((target, how)) => {
            println!("# device {device}: {arch} ({}), code object {target} ({how:?})", hip.lib_name())
        }
        None => die(&format!(
            "device {device} is {arch}, but QUANTIZED holds code only for {}: rebuild the crate with \
             CANDLE_ROCM_ARCH naming {}",
            ARCHS.join(" "),
            arch.split(':').next().unwrap_or(&arch)
        )),
    }
    // Once per device, as candle loads candle_kernels::QUANTIZED: the whole
    // bundle, from which the runtime takes the device's code object.
    let module = hip.load_module(QUANTIZED.hsaco()).unwrap_or_else(|e| die(&e));
    let gpu = Gpu { hip: &hip, module };

    let mut tally = Tally::default();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for shape in if small { &SMALL } else { &FULL } {
        let what = format!("rust example: {} {}x{}", shape.t.name(), shape.rows, shape.k);
        if let Err(e) = run_shape(&gpu, shape, &mut rng, &mut tally, &what) {
            tally.error(&what, &e);
        }
    }
    println!("# rust example: {} passed, {} failed", tally.passed, tally.failed);
    std::process::exit(if tally.failed == 0 { 0 } else { 1 });
}

fn die(msg: &str) -> ! {
    eprintln!("hip_quantized: {msg}");
    std::process::exit(1);
}

/// A device buffer of `floats` outputs and the guard, all poison.
fn output<'h>(gpu: &Gpu<'h>, floats: usize) -> Result<hip::DeviceBuffer<'h>, String> {
    gpu.hip.upload(&[], (floats + GUARD_FLOATS) * 4, POISON)
}

fn run_shape(gpu: &Gpu<'_>, s: &Shape, rng: &mut Rng, tally: &mut Tally, what: &str) -> Result<(), String> {
    let (t, rows, k) = (s.t, s.rows, s.k);
    let hip = gpu.hip;
    let weights = blocks::quantize(t, &rng.matrix(rows, k));
    let row_bytes = k / t.block_elems() * t.block_bytes();
    let terms: Vec<Vec<Term>> = weights.chunks_exact(row_bytes).map(|r| blocks::decode(t, r, k)).collect();
    // The slack candle allocates past the weights (PaddedCudaSlice), left as
    // garbage: here NaN bytes.
    let slack = MATRIX_ROW_PADDING * t.block_bytes() / t.block_elems();
    let w = hip.upload(&weights, slack, POISON)?;

    // dequantize: the whole matrix to floats.
    {
        let n = rows * k;
        let y = output(gpu, n)?;
        ops::dequantize_f32(gpu, t, &w, &y, n)?;
        let want: Vec<f64> = terms.iter().flatten().map(|w| f64::from(w.value())).collect();
        let tol = block_ulps(&want, t.block_elems());
        within(tally, &format!("{what}: dequantize_block_{}_f32", t.name()), &hip.download(&y)?, &want, &tol);
    }

    // dequantize_mul_mat_vec: float activations.
    {
        let y = rng.matrix(1, k);
        let dy = hip.upload(&bytes_of(&y), 0, 0)?;
        let dst = output(gpu, rows)?;
        ops::dequantize_mul_mat_vec(gpu, t, &w, &dy, &dst, k, rows)?;
        let (want, tol): (Vec<f64>, Vec<f64>) =
            terms.iter().map(|r| blocks::dot_with_bound(t, r, &y, None)).unzip();
        within(tally, &format!("{what}: dequantize_mul_mat_vec"), &hip.download(&dst)?, &want, &tol);
    }

    // mul_mat_vec, batch 1 and 4, and mul_mat: quantize_q8_1, then the product.
    for (op, b, mat) in [("mul_mat_vec", 1, false), ("mul_mat_vec", 4, false), ("mul_mat", s.y_cols, true)] {
        let x = rng.matrix(b, k);
        let dx = hip.upload(&bytes_of(&x), 0, 0)?;
        let q8_bytes = b * pad(k) / 32 * Q8_1_BYTES;
        let vy = hip.upload(&[], q8_bytes, POISON)?;
        ops::quantize_q8_1(gpu, &dx, &vy, k, b)?;
        let got_q8 = hip.download(&vy)?;
        let want_q8 = blocks::quantize_q8_1(&x, k, pad(k), b);
        let differ = got_q8.iter().zip(&want_q8).filter(|(g, w)| g != w).count();
        tally.line(
            differ == 0,
            &format!("{what}: quantize_q8_1 {b}x{k} (rows padded to {})", pad(k)),
            &if differ == 0 {
                format!("{q8_bytes} bytes, exact")
            } else {
                format!("{differ} of {q8_bytes} bytes differ")
            },
        );

        let dst = output(gpu, rows * b)?;
        if mat {
            ops::mul_mat_q8_1(gpu, t, &w, &vy, &dst, rows, k, b)?;
        } else {
            ops::mul_mat_vec_q8_1(gpu, t, &w, &vy, &dst, k, rows, b)?;
        }
        // The reference multiplies what the kernel got: the device's q8_1.
        let mut want = vec![0f64; rows * b];
        let mut tol = vec![0f64; rows * b];
        for (j, q8_row) in got_q8.chunks_exact(pad(k) / 32 * Q8_1_BYTES).enumerate() {
            let (yq, sums) = blocks::decode_q8_1(q8_row, k);
            for (r, wr) in terms.iter().enumerate() {
                (want[j * rows + r], tol[j * rows + r]) = blocks::dot_with_bound(t, wr, &yq, Some(&sums));
            }
        }
        let rows_said = if b == 1 { "1 activation row".to_owned() } else { format!("{b} activation rows") };
        within(tally, &format!("{what}: {op}, {rows_said}"), &hip.download(&dst)?, &want, &tol);
    }
    Ok(())
}

/// 4 ulp of the largest magnitude in each block of `want`: what a
/// dequantizer computing w = a*v - b with other roundings (an fma) may be off.
fn block_ulps(want: &[f64], block: usize) -> Vec<f64> {
    let mut tol = Vec::with_capacity(want.len());
    for b in want.chunks(block) {
        let max = b.iter().fold(0f64, |m, v| m.max(v.abs())) as f32;
        let ulp = if max == 0.0 {
            2f64.powi(-149)
        } else {
            f64::from(f32::from_bits(max.to_bits() & 0x7f80_0000)) * 2f64.powi(-23)
        };
        tol.extend(std::iter::repeat_n(4.0 * ulp.max(2f64.powi(-149)), b.len()));
    }
    tol
}
