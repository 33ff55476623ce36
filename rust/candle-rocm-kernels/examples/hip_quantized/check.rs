//! check.rs: results against the CPU, as `ok - ` / `FAIL - ` lines (the
//! project's test lines, so `make emu-test` counts them).

/// The bytes the example fills what the kernels must not read or write
/// with: a NaN in every half and float.
pub const POISON: u8 = 0xff;
/// Floats of poison after every output buffer, checked untouched.
pub const GUARD_FLOATS: usize = 16;

#[derive(Default)]
pub struct Tally {
    pub passed: usize,
    pub failed: usize,
}

impl Tally {
    pub fn line(&mut self, good: bool, what: &str, detail: &str) {
        if good {
            self.passed += 1;
            println!("ok - {what}: {detail}");
        } else {
            self.failed += 1;
            println!("FAIL - {what}: {detail}");
        }
    }

    /// A setup or launch error: the case fails, the run goes on.
    pub fn error(&mut self, what: &str, e: &str) {
        self.line(false, what, e);
    }
}

pub fn floats(bytes: &[u8]) -> Vec<f32> {
    bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}

pub fn bytes_of(floats: &[f32]) -> Vec<u8> {
    floats.iter().flat_map(|f| f.to_le_bytes()).collect()
}

/// `got` (an output buffer's bytes: values, then the guard) against `want`
/// within `tol`, value by value; the guard must still be poison.
pub fn within(t: &mut Tally, what: &str, got: &[u8], want: &[f64], tol: &[f64]) {
    let values = floats(&got[..want.len() * 4]);
    let guard_intact = got[want.len() * 4..].iter().all(|&b| b == POISON);
    let (mut bad, mut first_bad, mut worst_ratio) = (0usize, None, 0f64);
    for (i, ((&g, &w), &b)) in values.iter().zip(want).zip(tol).enumerate() {
        let err = (f64::from(g) - w).abs();
        // NaN (a poisoned output left unwritten) fails too.
        if err.is_nan() || err > b {
            bad += 1;
            first_bad.get_or_insert((i, g, w, b));
        } else if b > 0.0 {
            worst_ratio = worst_ratio.max(err / b);
        }
    }
    let detail = match first_bad {
        Some((i, g, w, b)) => {
            format!(
                "{bad} of {} values out of bound; first [{i}]: got {g:e}, want {w:e}, bound {b:.3e}",
                want.len()
            )
        }
        None if !guard_intact => "a kernel wrote past the output".to_owned(),
        None => format!("{} values, worst error {worst_ratio:.2e} of its bound", want.len()),
    };
    t.line(bad == 0 && guard_intact, what, &detail);
}
