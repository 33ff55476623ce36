//! build_inputs.rs: what build.rs reads besides the bundle's bytes, each
//! checked, with an error (never a panic) that says what is wrong:
//! - the manifest make writes beside the bundle (mk/kernels-amd.mk), which
//!   says what the bundle holds, and is tied to it by size and checksum;
//! - the processor table format/amdgpu_processors.def (the one the C loader
//!   picks code objects with), for the generic targets of the crate's copy
//!   of that rule.
//!
//! A module of its own so that the tests can feed it hostile input:
//! build/test_hostile.rs declares it, as build.rs does.
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

/// The most bytes a bundle may have: every default arch and generic
/// target is about 18 MB today; 256 MiB leaves room for many more archs
/// and kernels while a wrong file (a disk image, a device) is refused
/// before it fills the memory.
pub const BUNDLE_MAX_BYTES: u64 = 256 << 20;

/// The bytes of the regular file `path`, at most `cap` of them; `what`
/// names it in errors ("the bundle"). Anything else (a FIFO, which would
/// block the build until a writer came, /dev/zero, a folder) is refused
/// before it is read, and a file larger than `cap` (or growing past it
/// while read) is refused too.
pub fn read_regular(path: &std::path::Path, cap: u64, what: &str) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let at = control_escaped(&path.display().to_string());
    let regular = |m: std::io::Result<std::fs::Metadata>| match m {
        Ok(m) if m.is_file() && m.len() <= cap => Ok(()),
        Ok(m) if m.is_file() => Err(format!("{at}: {} bytes, more than {cap}: not {what}", m.len())),
        Ok(_) => Err(format!("{at}: not a regular file (a FIFO, a device or a folder): not {what}")),
        Err(e) => Err(format!("cannot read {what} {at} ({e})")),
    };
    // Checked by path first: opening a FIFO for reading would wait for a writer.
    regular(std::fs::metadata(path))?;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {what} {at} ({e})"))?;
    regular(file.metadata())?;
    let mut bytes = Vec::new();
    file.take(cap + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read {what} {at} ({e})"))?;
    if bytes.len() as u64 > cap {
        return Err(format!("{at}: more than {cap} bytes: not {what}"));
    }
    Ok(bytes)
}

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
///
/// Errors show control characters escaped: the files may be hostile, and
/// what they hold must not drive the terminal the message reaches.
pub fn describe(
    bundle: &[u8],
    bundle_name: &str,
    manifest_text: &str,
    manifest_name: &str,
) -> Result<Description, String> {
    describe_unescaped(bundle, bundle_name, manifest_text, manifest_name).map_err(|e| control_escaped(&e))
}

fn describe_unescaped(
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

/// The rows (processor, its generic target) of the processor table,
/// format/amdgpu_processors.def's text (the one the C loader picks code
/// objects with); rows whose generic target is NULL are left out.
///
/// Every line must be blank, a `/* */` comment, or one whole row
/// `CRK_PROCESSOR("name", 0xNNN, "generic" or NULL, isa_group, features,
/// wave, dot)`, each column as the .def's header describes it, and each generic
/// target must be a row of its own without one. Anything else is an error
/// naming the line: a row this reader skipped would silently drop a
/// processor's generic target from the crate (the C build rejects such a
/// line too, so the two cannot drift apart).
pub fn generic_targets(def_text: &str) -> Result<Vec<(String, String)>, String> {
    // (line, name, mach, generic) of each row, for the checks across rows.
    let mut rows: Vec<(usize, String, u32, Option<String>)> = Vec::new();
    let mut in_comment = false;
    for (i, raw) in def_text.lines().enumerate() {
        let n = i + 1;
        let code = strip_comments(raw, &mut in_comment);
        let code = code.trim();
        if code.is_empty() {
            continue;
        }
        let (name, mach, generic) = parse_processor_row(code)
            .map_err(|e| format!("line {n}: {e}: '{}'", control_escaped(raw.trim())))?;
        if let Some((first, ..)) = rows.iter().find(|(_, p, _, _)| *p == name) {
            return Err(format!("line {n}: processor {name} already has a row (line {first})"));
        }
        if let Some((first, p, ..)) = rows.iter().find(|(_, _, m, _)| *m == mach) {
            return Err(format!("line {n}: {name}'s value {mach:#05x} is already {p}'s (line {first})"));
        }
        rows.push((n, name, mach, generic));
    }
    if in_comment {
        return Err("a /* comment is never closed".into());
    }
    for (n, name, _, generic) in &rows {
        let Some(g) = generic else { continue };
        match rows.iter().find(|(_, p, _, _)| p == g) {
            None => return Err(format!("line {n}: {name}'s generic target {g} has no row")),
            Some((_, _, _, Some(_))) => {
                return Err(format!(
                    "line {n}: {name}'s generic target {g} is a processor with a generic target"
                ))
            }
            Some(_) => {}
        }
    }
    let pairs: Vec<(String, String)> =
        rows.into_iter().filter_map(|(_, name, _, generic)| generic.map(|g| (name, g))).collect();
    if pairs.is_empty() {
        return Err("no row names a generic target".into());
    }
    Ok(pairs)
}

/// `s` as an error may show it: control characters escaped (hostile input
/// must not drive the terminal), the quotes of a row left as they are.
fn control_escaped(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { c.escape_debug().to_string() } else { c.to_string() }).collect()
}

/// `line` less its `/* */` comments; `in_comment` carries an open comment
/// over to the next line.
fn strip_comments(line: &str, in_comment: &mut bool) -> String {
    let mut code = String::new();
    let mut rest = line;
    loop {
        if *in_comment {
            match rest.find("*/") {
                Some(end) => {
                    rest = &rest[end + 2..];
                    *in_comment = false;
                }
                None => return code,
            }
        } else {
            match rest.find("/*") {
                Some(start) => {
                    code.push_str(&rest[..start]);
                    // A space where the comment was, as in C: `a/**/b` is two tokens.
                    code.push(' ');
                    rest = &rest[start + 2..];
                    *in_comment = true;
                }
                None => {
                    code.push_str(rest);
                    return code;
                }
            }
        }
    }
}

/// The feature names the features column may join with `|` (processors.h).
const FEATURES: &[&str] = &["CRK_F_DOT", "CRK_F_BVH", "CRK_F_SFLT"];

/// The int8 dot paths of the dot column (processors.h's crk_dot_path).
const DOT_PATHS: &[&str] = &["CRK_DOT_SCALAR", "CRK_DOT_SDOT4", "CRK_DOT_SUDOT4"];

/// A C decimal constant the C compiler reads as the same `int`: digits only
/// (no sign, no suffix), no leading zero (C would read octal), at most
/// `i32::MAX` (a larger one only warns in C, and changes value).
fn c_int(s: &str) -> Option<i32> {
    let plain = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    if plain { s.parse::<i32>().ok() } else { None }
}

/// One row's name, EF_AMDGPU_MACH value and generic target, every column
/// checked as strictly as the C compiler reads it (processors.c).
fn parse_processor_row(code: &str) -> Result<(String, u32, Option<String>), String> {
    let inner = code
        .strip_prefix("CRK_PROCESSOR(")
        .and_then(|r| r.strip_suffix(')'))
        .ok_or("not a CRK_PROCESSOR(...) row alone on its line")?;
    let fields: Vec<&str> = inner.split(',').map(str::trim).collect();
    let [name, mach, generic, group, features, wave, dot] = fields[..] else {
        return Err(format!(
            "{} columns, want 7 (name, mach, generic, isa_group, features, wave, dot)",
            fields.len()
        ));
    };
    let processor_name = |column: &str, s: &str| -> Result<String, String> {
        let v = s.strip_prefix('"').and_then(|s| s.strip_suffix('"'));
        match v {
            Some(v)
                if !v.is_empty()
                    && v.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') =>
            {
                Ok(v.to_owned())
            }
            _ => Err(format!("{column} {s} is not a quoted processor name like \"gfx1100\"")),
        }
    };
    let name = processor_name("name", name)?;
    // Hex digits only: from_str_radix alone would take a sign (`0x+41`).
    let mach = mach
        .strip_prefix("0x")
        .filter(|h| !h.is_empty() && h.len() <= 3 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .and_then(|h| u32::from_str_radix(h, 16).ok())
        .filter(|&v| v <= 0xff)
        .ok_or_else(|| format!("mach {mach} is not a hex EF_AMDGPU_MACH value like 0x041"))?;
    let generic = if generic == "NULL" { None } else { Some(processor_name("generic target", generic)?) };
    if generic.as_deref() == Some(name.as_str()) {
        return Err(format!("{name} is its own generic target"));
    }
    if c_int(group).is_none() {
        return Err(format!("isa_group {group} is not a number from 0 to {} without leading zeros", i32::MAX));
    }
    if features != "0" && !features.split('|').map(str::trim).all(|f| FEATURES.contains(&f)) {
        return Err(format!("features {features} is neither 0 nor of {}, joined with |", FEATURES.join(" ")));
    }
    if wave != "32" && wave != "64" {
        return Err(format!("wave size {wave} is neither 32 nor 64"));
    }
    if !DOT_PATHS.contains(&dot) {
        return Err(format!("dot path {dot} is not one of {}", DOT_PATHS.join(" ")));
    }
    Ok((name, mach, generic))
}
