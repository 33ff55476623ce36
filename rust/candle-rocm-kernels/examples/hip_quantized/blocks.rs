//! blocks.rs: the block formats on the CPU (spec/kernel-abi.md sections 1
//! and 2): half floats, q8_1 as the kernel quantizes it, and q4_0 and q4_K
//! with a simple quantizer of this example's own (any valid block is a fair
//! test: the references decode the stored bytes) and their decoding.

/// The two weight types the example runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QType {
    Q4_0,
    Q4K,
}

impl QType {
    pub fn name(self) -> &'static str {
        match self {
            QType::Q4_0 => "q4_0",
            QType::Q4K => "q4_K",
        }
    }
    /// Values per block.
    pub fn block_elems(self) -> usize {
        match self {
            QType::Q4_0 => 32,
            QType::Q4K => 256,
        }
    }
    /// Bytes per block.
    pub fn block_bytes(self) -> usize {
        match self {
            QType::Q4_0 => 18,
            QType::Q4K => 144,
        }
    }
    /// What a weight s offset is folded in a q8_1 kernel that reads the
    /// block sum s: q4_0's -8 (in units of its scale), none for q4_K, whose
    /// min is its b.
    fn s_offset_units(self) -> f64 {
        match self {
            QType::Q4_0 => 8.0,
            QType::Q4K => 0.0,
        }
    }
}

// ---- half floats -------------------------------------------------------------

/// f32 to IEEE binary16, rounding to nearest even (as the GPU's conversion).
pub fn f32_to_f16(x: f32) -> u16 {
    let bits = x.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    let exp = ((bits >> 23) & 0xff) as i32;
    let man = bits & 0x7f_ffff;
    if exp == 0xff {
        return sign | 0x7c00 | if man != 0 { 0x200 } else { 0 };
    }
    let e = exp - 127 + 15;
    if e >= 0x1f {
        return sign | 0x7c00;
    }
    // The value's significand with its implicit bit, and how far to shift it
    // to the half's unit in the last place (more for subnormal halves).
    let (sig, shift) = if e <= 0 {
        if e < -10 {
            return sign;
        }
        (man | 0x80_0000, (14 - e) as u32)
    } else {
        (man | 0x80_0000, 13)
    };
    let mut h = sig >> shift;
    let rest = sig & ((1 << shift) - 1);
    let half = 1 << (shift - 1);
    if rest > half || (rest == half && h & 1 == 1) {
        h += 1;
    }
    // A normal half: its exponent field on top of the 10 fraction bits (a
    // carry out of the fraction rolls into the exponent, as it should).
    let h = if e <= 0 { h } else { ((e as u32) << 10) + (h - 0x400) };
    sign | h as u16
}

pub fn f16_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0f32 } else { 1.0 };
    let exp = i32::from((h >> 10) & 0x1f);
    let man = f32::from(h & 0x3ff);
    match exp {
        0 => sign * man * 2f32.powi(-24),
        0x1f if man == 0.0 => sign * f32::INFINITY,
        0x1f => f32::NAN,
        _ => sign * (1.0 + man / 1024.0) * 2f32.powi(exp - 15),
    }
}

fn ld16(b: &[u8], at: usize) -> f32 {
    f16_to_f32(u16::from_le_bytes([b[at], b[at + 1]]))
}

// ---- q8_1 --------------------------------------------------------------------

/// quantize_q8_1's output for `rows` rows of `k` floats, rows padded to
/// `kx_padded` with zeros: per 32 values d = amax/127 and q = round(x/d), and
/// s the sum of the 32 floats, taken as the kernel's 32-lane butterfly adds
/// them (pairs 16 apart, then 8, 4, 2, 1), so the bytes agree exactly.
pub fn quantize_q8_1(x: &[f32], k: usize, kx_padded: usize, rows: usize) -> Vec<u8> {
    let blocks = kx_padded / 32;
    let mut out = vec![0u8; rows * blocks * 36];
    for r in 0..rows {
        for b in 0..blocks {
            let mut v = [0f32; 32];
            for (i, slot) in v.iter_mut().enumerate() {
                let c = b * 32 + i;
                *slot = if c < k { x[r * k + c] } else { 0.0 };
            }
            let amax = v.iter().fold(0f32, |m, x| m.max(x.abs()));
            let d = amax / 127.0;
            let p = &mut out[(r * blocks + b) * 36..][..36];
            for i in 0..32 {
                let q = if d == 0.0 { 0 } else { (v[i] / d).round() as i8 };
                p[4 + i] = q as u8;
            }
            let mut t = v;
            let mut m = 16;
            while m > 0 {
                for i in 0..m {
                    t[i] += t[i + m];
                }
                m /= 2;
            }
            p[..2].copy_from_slice(&f32_to_f16(d).to_le_bytes());
            p[2..4].copy_from_slice(&f32_to_f16(t[0]).to_le_bytes());
        }
    }
    out
}

/// One q8_1 row's values (d*q, exact in f32) and, per block, (d, s, sum q).
pub fn decode_q8_1(row: &[u8], k: usize) -> (Vec<f32>, Vec<(f64, f64, f64)>) {
    let mut y = Vec::with_capacity(k);
    let mut blocks = Vec::new();
    for p in row.chunks_exact(36).take(k / 32) {
        let (d, s) = (ld16(p, 0), ld16(p, 2));
        let sumq: i32 = p[4..].iter().map(|&q| i32::from(q as i8)).sum();
        y.extend(p[4..].iter().map(|&q| d * f32::from(q as i8)));
        blocks.push((f64::from(d), f64::from(s), f64::from(sumq)));
    }
    (y, blocks)
}

// ---- weights -----------------------------------------------------------------

/// A weight value as the kernels compute it: w = a*v - b, a and b the float
/// scale and min of its (sub-)block, v the stored code (q-8 for q4_0).
#[derive(Debug, Clone, Copy)]
pub struct Term {
    pub a: f32,
    pub v: f32,
    pub b: f32,
}

impl Term {
    pub fn value(self) -> f32 {
        self.a * self.v - self.b
    }
}

/// Quantizes `x` (a multiple of the block size) to `t`'s blocks.
pub fn quantize(t: QType, x: &[f32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(x.len() / t.block_elems() * t.block_bytes());
    for block in x.chunks_exact(t.block_elems()) {
        match t {
            QType::Q4_0 => quantize_q4_0_block(block, &mut out),
            QType::Q4K => quantize_q4_k_block(block, &mut out),
        }
    }
    out
}

/// q4_0: d = amax/7 (codes 1..15 around 8), stored as half; q = round(x/d)+8.
fn quantize_q4_0_block(x: &[f32], out: &mut Vec<u8>) {
    let amax = x.iter().fold(0f32, |m, v| m.max(v.abs()));
    let dh = f32_to_f16(amax / 7.0);
    let d = f16_to_f32(dh);
    let code = |v: f32| if d == 0.0 { 8 } else { ((v / d).round() + 8.0).clamp(0.0, 15.0) as u8 };
    out.extend(dh.to_le_bytes());
    out.extend((0..16).map(|j| code(x[j]) | code(x[j + 16]) << 4));
}

/// q4_K: eight sub-blocks of 32, each with a 6-bit scale and min under the
/// block's half d and dmin: value = d*sc*q - dmin*m, q in 0..15.
fn quantize_q4_k_block(x: &[f32], out: &mut Vec<u8>) {
    let mut scale = [0f32; 8];
    let mut min = [0f32; 8];
    for (j, sub) in x.chunks_exact(32).enumerate() {
        let lo = sub.iter().fold(0f32, |m, &v| m.min(v));
        let hi = sub.iter().fold(lo, |m, &v| m.max(v));
        scale[j] = (hi - lo) / 15.0;
        min[j] = -lo;
    }
    let dh = f32_to_f16(scale.iter().fold(0f32, |m, &v| m.max(v)) / 63.0);
    let mh = f32_to_f16(min.iter().fold(0f32, |m, &v| m.max(v)) / 63.0);
    let (d, dmin) = (f16_to_f32(dh), f16_to_f32(mh));
    let six = |v: f32, unit: f32| if unit == 0.0 { 0 } else { (v / unit).round().clamp(0.0, 63.0) as u8 };
    let sc: Vec<u8> = scale.iter().map(|&s| six(s, d)).collect();
    let m: Vec<u8> = min.iter().map(|&s| six(s, dmin)).collect();
    out.extend(dh.to_le_bytes());
    out.extend(mh.to_le_bytes());
    // The 12 scale bytes (GGML's packing): bytes 0-3 and 4-7 hold the 6-bit
    // scales and mins of sub-blocks 0-3 with the top two bits of those of
    // 4-7 above them; bytes 8-11 the low four bits of sub-blocks 4-7's.
    let mut packed = [0u8; 12];
    for j in 0..4 {
        packed[j] = sc[j] | (sc[j + 4] >> 4) << 6;
        packed[j + 4] = m[j] | (m[j + 4] >> 4) << 6;
        packed[j + 8] = (sc[j + 4] & 15) | (m[j + 4] & 15) << 4;
    }
    out.extend(packed);
    let code = |j: usize, v: f32| {
        let a = d * f32::from(sc[j]);
        if a == 0.0 {
            0
        } else {
            ((v + dmin * f32::from(m[j])) / a).round().clamp(0.0, 15.0) as u8
        }
    };
    // 32 bytes per pair of sub-blocks: low nibbles the first, high the second.
    for c in 0..4 {
        out.extend((0..32).map(|l| code(2 * c, x[64 * c + l]) | code(2 * c + 1, x[64 * c + 32 + l]) << 4));
    }
}

/// The 6-bit scale and min of q4_K sub-block j (the packing above, read).
fn q4_k_scale_min(scales: &[u8], j: usize) -> (u8, u8) {
    if j < 4 {
        (scales[j] & 63, scales[j + 4] & 63)
    } else {
        ((scales[j + 4] & 15) | (scales[j - 4] >> 6) << 4, (scales[j + 4] >> 4) | (scales[j] >> 6) << 4)
    }
}

/// Every value of `ncols` (a multiple of the block size) stored in `row`.
pub fn decode(t: QType, row: &[u8], ncols: usize) -> Vec<Term> {
    let mut terms = Vec::with_capacity(ncols);
    for p in row.chunks_exact(t.block_bytes()).take(ncols / t.block_elems()) {
        match t {
            QType::Q4_0 => {
                let d = ld16(p, 0);
                let nib = |j: usize| if j < 16 { p[2 + j] & 15 } else { p[2 + j - 16] >> 4 };
                terms.extend((0..32).map(|j| Term { a: d, v: f32::from(nib(j)) - 8.0, b: 0.0 }));
            }
            QType::Q4K => {
                let (d, dmin) = (ld16(p, 0), ld16(p, 2));
                for j in 0..8 {
                    let (sc, m) = q4_k_scale_min(&p[4..16], j);
                    let (a, b) = (d * f32::from(sc), dmin * f32::from(m));
                    let qs = &p[16 + 32 * (j / 2)..][..32];
                    terms.extend(qs.iter().map(|&q| Term {
                        a,
                        v: f32::from(if j % 2 == 0 { q & 15 } else { q >> 4 }),
                        b,
                    }));
                }
            }
        }
    }
    terms
}

// ---- references --------------------------------------------------------------

const U: f64 = 1.0 / (1u64 << 24) as f64; // float unit roundoff

fn gamma(n: f64) -> f64 {
    n * U / (1.0 - n * U)
}

/// W[r] . y in double, and how far a correct float kernel may be from it.
///
/// The kernels sum, in float and in an order of their own, the terms of
/// sum (a v - b) y over the row (q4_0's -8 possibly split off, as a*8*y);
/// with q8_1 activations a kernel may take each block's sum from its stored
/// s (the sum of the ORIGINAL floats) instead of d * sum q, which moves the
/// result by o * (s - d sum q) per block (o what the block's weights
/// subtract). So the bound is the standard one for a float sum of n terms,
/// gamma(n) * sum |terms|, plus three roundings per weight value, plus that
/// s difference: the C reference's bound (test/ref/tolerance.c), written
/// again for this example's two types.
pub fn dot_with_bound(t: QType, w: &[Term], y: &[f32], q8: Option<&[(f64, f64, f64)]>) -> (f64, f64) {
    let (mut r, mut m) = (0f64, 0f64);
    let units = t.s_offset_units();
    for (wt, &yc) in w.iter().zip(y) {
        r += f64::from(wt.value()) * f64::from(yc);
        let (a, b) = (f64::from(wt.a), f64::from(wt.b));
        m += f64::from(yc).abs() * ((a * f64::from(wt.v)).abs() + b.abs() + units * a.abs());
    }
    let (mut s_abs, mut s_diff) = (0f64, 0f64);
    if let Some(blocks) = q8 {
        let mut o_delta = 0f64;
        for (i, &(d, s, sumq)) in blocks.iter().enumerate() {
            // Within a q8_1 block every weight has the same a and b in both types.
            let wt = w[i * 32];
            let o = f64::from(wt.b) + units * f64::from(wt.a);
            let delta = s - d * sumq;
            s_abs += o.abs() * s.abs();
            s_diff += o * delta;
            o_delta += o.abs() * delta.abs();
        }
        s_diff = s_diff.abs() + 2.0 * U * o_delta;
    }
    let n = w.len() as f64 + 16.0;
    let tol = (gamma(n) + 3.0 * U + w.len() as f64 * 2f64.powi(-53)) * m
        + gamma(n) * s_abs
        + s_diff
        + U * r.abs()
        + n * 2f64.powi(-149);
    (r, tol * (1.0 + 2f64.powi(-20)))
}
