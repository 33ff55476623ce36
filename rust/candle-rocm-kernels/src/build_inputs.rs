//! build_inputs.rs: what build.rs reads besides the bundle's bytes, each
//! checked, with an error (never a panic) that says what is wrong:
//! - the manifest make writes beside the bundle (mk/kernels-amd.mk), which
//!   says what the bundle holds, and is tied to it by size and checksum;
//! - the table of generic targets in format/target_pick.c (the one the C
//!   loader picks code objects with), for the crate's copy of that rule.
//!
//! A separate file (not inside build.rs) so that the tests can feed it
//! hostile input: tests/hostile.rs includes it, as build.rs does.
//!
//! Manifest format: text, one `KEY VALUE` per line; `#` lines and blank
//! lines are skipped.
//! ```text
//!   bytes 8392704          the bundle's size
//!   cksum 3080452196       the bundle's POSIX cksum (CRC-32, as `cksum` prints it)
//!   arch gfx1100           one line per code object: its target ID
//!   kernel quantize_q8_1   one line per kernel every code object holds
//! ```

use crate::offload;
use crate::target::parse_target_id;
use std::collections::BTreeSet;

/// The most bytes a manifest may have: one of 142 kernels and 30 archs is
/// about 5 KiB. More is not a manifest (or /dev/zero).
pub const MANIFEST_MAX_BYTES: u64 = 1 << 20;

/// What the generated quantized.rs says about the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description {
    pub bundle_len: usize,
    /// Target ID, offset and size of each code object, in bundle order.
    pub code_objects: Vec<(String, usize, usize)>,
    /// Sorted, unique.
    pub kernels: Vec<String>,
}

/// The manifest's lines, parsed but not yet compared with a bundle.
#[derive(Debug, Default)]
struct Manifest {
    bytes: Option<u64>,
    cksum: Option<u32>,
    archs: Vec<String>,
    kernels: BTreeSet<String>,
}

fn is_identifier(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn parse_manifest(text: &str) -> Result<Manifest, String> {
    let mut m = Manifest::default();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once(' ').map_or((line, ""), |(k, v)| (k, v.trim()));
        let number =
            || value.parse::<u64>().map_err(|_| format!("line {n}: {key} '{value}' is not a number"));
        match key {
            "bytes" if m.bytes.is_none() => m.bytes = Some(number()?),
            "cksum" if m.cksum.is_none() => {
                let v = number()?;
                m.cksum = Some(u32::try_from(v).map_err(|_| format!("line {n}: cksum {v} exceeds 32 bits"))?);
            }
            "bytes" | "cksum" => return Err(format!("line {n}: a second '{key}' line")),
            "arch" => {
                parse_target_id(value).map_err(|e| format!("line {n}: {e}"))?;
                if m.archs.iter().any(|a| a == value) {
                    return Err(format!("line {n}: arch {value} listed twice"));
                }
                m.archs.push(value.to_owned());
            }
            "kernel" => {
                if !is_identifier(value) {
                    return Err(format!(
                        "line {n}: kernel name '{}' is not an identifier",
                        value.escape_debug()
                    ));
                }
                if !m.kernels.insert(value.to_owned()) {
                    return Err(format!("line {n}: kernel {value} listed twice"));
                }
            }
            _ => return Err(format!("line {n}: unknown line '{}'", line.escape_debug())),
        }
    }
    Ok(m)
}

/// The POSIX `cksum` of `data`: CRC-32 (polynomial 0x04C11DB7, most
/// significant bit first) over the bytes, then over their count (least
/// significant byte first, no trailing zero bytes), inverted.
pub fn posix_cksum(data: &[u8]) -> u32 {
    let mut table = [0u32; 256];
    for (i, slot) in table.iter_mut().enumerate() {
        let mut c = (i as u32) << 24;
        for _ in 0..8 {
            c = if c & 0x8000_0000 != 0 { (c << 1) ^ 0x04C1_1DB7 } else { c << 1 };
        }
        *slot = c;
    }
    let mut crc = 0u32;
    let mut feed = |byte: u8| crc = (crc << 8) ^ table[usize::from((crc >> 24) as u8 ^ byte)];
    data.iter().for_each(|&b| feed(b));
    let mut len = data.len() as u64;
    while len != 0 {
        feed(len as u8);
        len >>= 8;
    }
    !crc
}

/// Checks the manifest against the bundle it describes and returns what
/// the crate embeds: the bundle's own index of code objects, the kernel
/// names from the manifest. Errors start with `bundle_name` or
/// `manifest_name`, whichever file is wrong (both for a mismatch).
pub fn describe(
    bundle: &[u8],
    bundle_name: &str,
    manifest_text: &str,
    manifest_name: &str,
) -> Result<Description, String> {
    let m = parse_manifest(manifest_text).map_err(|e| format!("{manifest_name}: {e}"))?;
    let entries = offload::parse_bundle(bundle).map_err(|e| format!("{bundle_name}: {e}"))?;
    let mismatch = |what: String| format!("{manifest_name} does not describe {bundle_name}: {what}");

    let (Some(bytes), Some(cksum)) = (m.bytes, m.cksum) else {
        return Err(format!("{manifest_name}: no 'bytes' or no 'cksum' line: it cannot be tied to a bundle"));
    };
    if usize::try_from(bytes).ok() != Some(bundle.len()) {
        return Err(mismatch(format!("it says {bytes} bytes, the bundle has {}", bundle.len())));
    }
    let actual = posix_cksum(bundle);
    if cksum != actual {
        return Err(mismatch(format!("it says cksum {cksum}, the bundle's is {actual}")));
    }
    if m.kernels.is_empty() {
        return Err(format!("{manifest_name}: no 'kernel' line"));
    }

    let mut code_objects = Vec::new();
    for e in entries.iter().filter(|e| !e.is_host()) {
        let target = e.target();
        parse_target_id(target)
            .map_err(|err| format!("{bundle_name}: entry {}: {err}", e.id.escape_debug()))?;
        if code_objects.iter().any(|(t, _, _)| t == target) {
            return Err(format!("{bundle_name}: two code objects for {target}"));
        }
        code_objects.push((target.to_owned(), e.offset, e.size));
    }
    if code_objects.is_empty() {
        return Err(format!("{bundle_name}: the bundle holds no device code object"));
    }
    let in_bundle: BTreeSet<&str> = code_objects.iter().map(|(t, _, _)| t.as_str()).collect();
    let in_manifest: BTreeSet<&str> = m.archs.iter().map(String::as_str).collect();
    if in_bundle != in_manifest {
        return Err(mismatch(format!("it lists archs {in_manifest:?}, the bundle holds {in_bundle:?}")));
    }
    Ok(Description { bundle_len: bundle.len(), code_objects, kernels: m.kernels.into_iter().collect() })
}

/// The rows (processor, its generic target) of the processor table in
/// target_pick.c's text: each `{"gfx1103", "gfx11-generic", group,
/// features}` of its `procs[]` initializer; rows whose generic target is
/// NULL are left out. An error when the table is not found or a row does
/// not read so: the C side's table changed shape, and this reader must
/// follow it.
pub fn generic_targets(c_source: &str) -> Result<Vec<(String, String)>, String> {
    let start = c_source.find("procs[] = {").ok_or("no 'procs[] = {' table")?;
    let body = &c_source[start + "procs[] = {".len()..];
    let body = &body[..body.find("\n};").ok_or("the procs[] table does not end with '};'")?];
    let mut rows = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').ok_or("a row of procs[] has no '}'")?;
        let row = &rest[open + 1..open + close];
        rest = &rest[open + close + 1..];
        let fields: Vec<&str> = row.split(',').map(str::trim).collect();
        let quoted = |s: &str| s.strip_prefix('"').and_then(|s| s.strip_suffix('"')).map(str::to_owned);
        let (Some(processor), Some(generic)) = (fields.first().and_then(|f| quoted(f)), fields.get(1)) else {
            return Err(format!(
                "procs[] row '{{{row}}}' does not start with a quoted processor and its generic target"
            ));
        };
        match quoted(generic) {
            Some(g) => rows.push((processor, g)),
            None if *generic == "NULL" => {}
            None => {
                return Err(format!(
                    "procs[] row '{{{row}}}': generic target {generic} is neither quoted nor NULL"
                ))
            }
        }
    }
    if rows.is_empty() {
        return Err("the procs[] table has no row with a generic target".into());
    }
    Ok(rows)
}
