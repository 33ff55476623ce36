//! test_bundle.rs: QUANTIZED is a valid offload bundle with the archs asked for,
//! its kernel list (from the manifest) is what every code object defines,
//! and a device finds its code object. Read on the host, from the bundle's
//! index: no GPU, no runtime, no external tool.

#[allow(dead_code)]
mod offload;
use candle_rocm_kernels::target;

use candle_rocm_kernels::{Id, Match, ALL_IDS, ARCHS, KERNELS, QUANTIZED};
use offload::Entry;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use target::Feature;

/// How build.rs got the bundle: "make" (built from this repository's
/// sources) or "prebuilt" (CANDLE_ROCM_KERNELS_BUNDLE).
const ORIGIN: &str = env!("CANDLE_ROCM_KERNELS_ORIGIN");

fn requested_archs() -> Vec<&'static str> {
    env!("CANDLE_ROCM_KERNELS_REQUESTED_ARCHS").split_whitespace().collect()
}

fn bundle() -> &'static [u8] {
    QUANTIZED.hsaco()
}

/// A code object's bytes in QUANTIZED (parse_bundle checked they lie in it).
fn code_of(e: &Entry<'_>) -> &'static [u8] {
    &bundle()[e.offset..e.offset + e.size]
}

fn device_entries() -> Vec<Entry<'static>> {
    let entries = offload::parse_bundle(bundle()).unwrap_or_else(|e| panic!("QUANTIZED: {e}"));
    entries.into_iter().filter(|e| !e.is_host()).collect()
}

#[test]
fn quantized_holds_the_bundle_build_rs_made() {
    let path = Path::new(env!("OUT_DIR")).join("quantized.hsaco");
    let file = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(bundle() == file.as_slice(), "QUANTIZED differs from {}", path.display());
    // A prebuilt bundle named at test time too (test/rust/test_rust.sh does).
    if let Some(p) = std::env::var_os("CANDLE_ROCM_KERNELS_BUNDLE").filter(|_| ORIGIN == "prebuilt") {
        let prebuilt = std::fs::read(&p).unwrap_or_else(|e| panic!("{p:?}: {e}"));
        assert!(bundle() == prebuilt.as_slice(), "QUANTIZED differs from {p:?}");
    }
    assert_eq!(QUANTIZED.as_ref().as_ptr(), bundle().as_ptr());
    assert_eq!(ALL_IDS[QUANTIZED.index()], Id::Quantized);
}

#[test]
fn quantized_starts_on_a_page_boundary() {
    let at = bundle().as_ptr() as usize;
    assert_eq!(at % 4096, 0, "QUANTIZED at {at:#x} is not 4096-byte aligned");
}

#[test]
fn quantized_is_a_valid_offload_bundle() {
    let b = bundle();
    let entries = offload::parse_bundle(b).unwrap_or_else(|e| panic!("QUANTIZED: {e}"));
    let hosts = entries.iter().filter(|e| e.is_host()).count();
    assert!(hosts <= 1, "{hosts} host entries");
    let devices: Vec<_> = entries.iter().filter(|e| !e.is_host()).collect();
    assert!(!devices.is_empty(), "no device code object");

    // The header ends where the first entry's id ends; no entry may overlap it.
    let header_end = 32 + entries.iter().map(|e| 24 + e.id.len()).sum::<usize>();
    let mut spans = Vec::new();
    let mut targets = BTreeSet::new();
    for e in &devices {
        assert!(
            e.kind() == "hipv4" || e.kind() == "hip",
            "entry {}: kind '{}' is not a HIP device entry",
            e.id,
            e.kind()
        );
        assert!(e.id.contains("-amdgcn-amd-amdhsa-"), "entry {}: not an amdgcn-amd-amdhsa triple", e.id);
        target::parse_target_id(e.target()).unwrap_or_else(|err| panic!("entry {}: {err}", e.id));
        assert!(targets.insert(e.target()), "target {} appears twice", e.target());
        assert!(e.size > 0, "entry {}: empty code object", e.id);
        assert!(e.offset >= header_end, "entry {}: bytes at {} overlap the header", e.id, e.offset);
        assert_eq!(e.offset % 4096, 0, "entry {}: code object at {} is not page-aligned", e.id, e.offset);
        spans.push((e.offset, e.offset + e.size, e.id));
    }
    spans.sort();
    for w in spans.windows(2) {
        assert!(w[0].1 <= w[1].0, "entries {} and {} overlap", w[0].2, w[1].2);
    }
}

#[test]
fn bundle_holds_the_archs_asked_for() {
    let in_bundle: Vec<&str> = device_entries().iter().map(|e| e.target()).collect();
    assert_eq!(ARCHS, in_bundle.as_slice(), "ARCHS is not the bundle's list");
    assert_eq!(QUANTIZED.archs(), ARCHS);
    let have: BTreeSet<&str> = in_bundle.iter().copied().collect();
    let asked: BTreeSet<&str> = requested_archs().into_iter().collect();
    let missing: Vec<_> = asked.difference(&have).collect();
    assert!(missing.is_empty(), "asked for {missing:?}, bundle holds {have:?}");
    if ORIGIN == "make" {
        // The Makefile bundles exactly the archs it built (its archs.list).
        assert!(!asked.is_empty(), "build.rs passed on no arch list");
        assert_eq!(have, asked, "make built {asked:?} but bundled {have:?}");
    }
}

/// The names NAME of every string "NAME.kd" in a code object: the kernel
/// descriptors' symbol names, as they lie in its string tables. Not an ELF
/// reader (the crate has none): a scan for NUL-terminated strings, enough
/// to hold the manifest's list against the code the bundle really holds.
fn kernel_descriptor_names(code: &[u8]) -> BTreeSet<&str> {
    code.split(|&b| b == 0)
        .filter_map(|s| std::str::from_utf8(s).ok()?.strip_suffix(".kd"))
        .filter(|name| !name.is_empty())
        .collect()
}

#[test]
fn every_exported_kernel_is_in_every_code_object() {
    assert!(!KERNELS.is_empty(), "no kernel exported");
    assert!(KERNELS.windows(2).all(|w| w[0] < w[1]), "KERNELS is not sorted and unique");
    assert_eq!(QUANTIZED.kernels(), KERNELS);
    assert!(QUANTIZED.has_kernel("quantize_q8_1"));
    assert!(!QUANTIZED.has_kernel("quantize_q8_2"));
    let listed: BTreeSet<&str> = KERNELS.iter().copied().collect();
    for e in device_entries() {
        let code = code_of(&e);
        assert!(code.starts_with(b"\x7fELF"), "{}: not an ELF code object", e.target());
        assert_eq!(kernel_descriptor_names(code), listed, "{}: kernels differ from KERNELS", e.target());
    }
}

#[test]
fn code_object_lookup_follows_target_id_rules() {
    for e in device_entries() {
        let t = e.target();
        let want = code_of(&e);
        assert_eq!(QUANTIZED.code_object(t).map(<[u8]>::as_ptr), Some(want.as_ptr()), "{t}");
        assert_eq!(QUANTIZED.pick(t), Some((t, Match::Exact)), "{t}");
        let id = target::parse_target_id(t).unwrap();
        // A device reports its features; a code object built for "any" runs there.
        let device = format!(
            "{}:sramecc{}:xnack{}",
            id.processor,
            if id.sramecc == Feature::Off { '-' } else { '+' },
            if id.xnack == Feature::Off { '-' } else { '+' }
        );
        assert_eq!(QUANTIZED.code_object(&device).map(<[u8]>::as_ptr), Some(want.as_ptr()), "{device}");
    }
    for bad in ["", "gfx9999", ":xnack+", "gfx1100:bogus+", "gfx1100:xnack"] {
        assert!(QUANTIZED.code_object(bad).is_none(), "'{bad}' matched a code object");
    }
}

/// The spec's kernel list: spec/kernels.txt under $CRK_DATA (make test sets
/// it), else under the repository around the crate. None in a packaged crate
/// (the spec is not shipped with it).
fn spec_kernels() -> Option<Vec<String>> {
    let data = std::env::var_os("CRK_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."));
    let text = std::fs::read_to_string(data.join("spec/kernels.txt")).ok()?;
    Some(
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect(),
    )
}

#[test]
fn exported_kernels_are_named_in_the_spec() {
    let Some(spec) = spec_kernels() else {
        eprintln!("no spec/kernels.txt (not inside the repository): nothing to compare with");
        return;
    };
    let unknown: Vec<_> = KERNELS.iter().filter(|k| !spec.iter().any(|s| s == *k)).collect();
    assert!(unknown.is_empty(), "kernels not in spec/kernels.txt: {unknown:?}");
}

/// Kernel definitions written out in a source: the name after each
/// `CRK_KERNEL ... [__launch_bounds__(...)]`, outside comments and
/// preprocessor lines (a kernel stamped out by a macro is not seen here;
/// the code objects are the authority, this only catches omissions).
fn kernels_in_source(text: &str) -> Vec<String> {
    let mut code = String::new();
    let (mut in_block, mut continued) = (false, false);
    for line in text.lines() {
        let directive = continued || (!in_block && line.trim_start().starts_with('#'));
        continued = line.trim_end().ends_with('\\');
        let mut rest = line;
        let mut kept = String::new();
        while !rest.is_empty() {
            if in_block {
                match rest.find("*/") {
                    Some(i) => {
                        in_block = false;
                        rest = &rest[i + 2..];
                    }
                    None => rest = "",
                }
            } else {
                let (b, l) = (rest.find("/*"), rest.find("//"));
                match (b, l) {
                    (Some(b), l) if l.is_none_or(|l| b < l) => {
                        kept.push_str(&rest[..b]);
                        in_block = true;
                        rest = &rest[b + 2..];
                    }
                    (_, Some(l)) => {
                        kept.push_str(&rest[..l]);
                        rest = "";
                    }
                    _ => {
                        kept.push_str(rest);
                        rest = "";
                    }
                }
            }
        }
        if !directive {
            code.push_str(&kept);
            code.push('\n');
        }
    }

    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut names = Vec::new();
    for (at, _) in code.match_indices("CRK_KERNEL") {
        let before_ok = code[..at].chars().next_back().is_none_or(|c| !is_ident(c));
        let tail = &code[at + "CRK_KERNEL".len()..];
        if !before_ok || tail.chars().next().is_some_and(is_ident) {
            continue;
        }
        let (mut last_ident, mut depth, mut ident) = (String::new(), 0, String::new());
        for c in tail.chars() {
            if is_ident(c) {
                ident.push(c);
                continue;
            }
            if !ident.is_empty() {
                if depth == 0 {
                    last_ident = std::mem::take(&mut ident);
                } else {
                    ident.clear();
                }
            }
            match c {
                '(' if depth == 0 && (last_ident == "__launch_bounds__" || last_ident == "__attribute__") => {
                    depth = 1
                }
                '(' if depth > 0 => depth += 1,
                ')' if depth > 0 => depth -= 1,
                '(' => {
                    names.push(last_ident.clone());
                    break;
                }
                ';' | '{' if depth == 0 => break,
                _ => {}
            }
        }
    }
    names
}

#[test]
fn source_scanner_finds_written_out_kernels() {
    let src = "// CRK_KERNEL void commented(int)\n/* CRK_KERNEL void blocked(int) */\n\
               #define STAMP(T) \\\n  CRK_KERNEL void stamped_##T(int x)\n\
               CRK_KERNEL void __launch_bounds__(256)\nfirst(const float *x, int n) {}\n\
               CRK_KERNEL void second(int n) {}\nint NOT_CRK_KERNEL(int);\n";
    assert_eq!(kernels_in_source(src), ["first", "second"]);
}

#[test]
fn kernels_written_in_the_sources_are_exported() {
    // Only where the bundle was built from these sources: build.rs's make
    // run, or a prebuilt one that test/rust/test_rust.sh names the sources of.
    let dir = std::env::var("CANDLE_ROCM_KERNELS_SOURCES").ok().filter(|d| !d.is_empty());
    let dir = dir.unwrap_or_else(|| env!("CANDLE_ROCM_KERNELS_MAKE_SOURCES").to_owned());
    if dir.is_empty() {
        eprintln!("prebuilt bundle of unknown sources: nothing to compare with");
        return;
    }
    let mut found = 0;
    for f in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir}: {e}")) {
        let path = f.unwrap().path();
        if !matches!(path.extension().and_then(|e| e.to_str()), Some("hip" | "h")) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for k in kernels_in_source(&text) {
            assert!(
                QUANTIZED.has_kernel(&k),
                "{}: kernel {k} is not in the bundle's code objects",
                path.display()
            );
            found += 1;
        }
    }
    assert!(found > 0, "no kernel definition found in {dir}");
    eprintln!("{found} kernels written out in {dir}, all in the bundle");
}

// The parser itself, on bundles made by hand.

fn handmade(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let header: usize = 32 + entries.iter().map(|(id, _)| 24 + id.len()).sum::<usize>();
    let mut out = Vec::from(&offload::BUNDLE_MAGIC[..]);
    out.extend((entries.len() as u64).to_le_bytes());
    let mut at = header;
    for (id, data) in entries {
        out.extend((at as u64).to_le_bytes());
        out.extend((data.len() as u64).to_le_bytes());
        out.extend((id.len() as u64).to_le_bytes());
        out.extend(id.as_bytes());
        at += data.len();
    }
    for (_, data) in entries {
        out.extend(*data);
    }
    out
}

#[test]
fn parser_reads_a_handmade_bundle() {
    let b = handmade(&[
        ("host-x86_64-unknown-linux-gnu-", b""),
        ("hipv4-amdgcn-amd-amdhsa--gfx90a:xnack-", b"CODE"),
    ]);
    let e = offload::parse_bundle(&b).unwrap();
    assert_eq!(e.len(), 2);
    assert!(e[0].is_host() && e[0].target().is_empty());
    assert_eq!((e[1].kind(), e[1].target()), ("hipv4", "gfx90a:xnack-"));
    assert_eq!(&b[e[1].offset..e[1].offset + e[1].size], b"CODE");
    // Older bundlers: a host id with four dashes.
    let old = handmade(&[("host-x86_64-unknown-linux-gnu", b"")]);
    assert!(offload::parse_bundle(&old).unwrap()[0].is_host());
}

#[test]
fn parser_rejects_malformed_bundles() {
    let good = handmade(&[("hipv4-amdgcn-amd-amdhsa--gfx1100", b"CODE")]);
    let reject = |b: &[u8], why: &str| {
        let err = offload::parse_bundle(b).expect_err(why);
        assert!(!err.is_empty(), "{why}: empty error");
    };
    reject(b"", "empty");
    reject(b"__CLANG_OFFLOAD_BUNDLX__\x01\0\0\0\0\0\0\0", "bad magic");
    reject(&good[..24], "no count");
    reject(&good[..40], "entry header truncated");
    reject(&good[..good.len() - 1], "entry data past the end");
    let mut huge = good.clone();
    huge[24..32].copy_from_slice(&u64::MAX.to_le_bytes());
    reject(&huge, "count too large");
    let mut long_id = good.clone();
    long_id[48..56].copy_from_slice(&(1u64 << 40).to_le_bytes());
    reject(&long_id, "id length past the end");
    let mut wrap = good.clone();
    wrap[32..40].copy_from_slice(&u64::MAX.to_le_bytes());
    reject(&wrap, "offset + size overflows");
    reject(&handmade(&[("hipv4-amdgcn", b"X")]), "id with too few dashes");
}

// Offsets and sizes near 2^64 made the additions overflow: a panic in a
// debug build (build.rs reading CANDLE_ROCM_KERNELS_BUNDLE), where an error
// is due.
#[test]
fn offsets_near_the_top_of_u64_give_errors_not_panics() {
    let good = handmade(&[("hipv4-amdgcn-amd-amdhsa--gfx1100", b"CODE")]);
    // Bundle entries whose offset + size wraps, or whose size alone is huge.
    for (off, size) in [(u64::MAX, 2), (8, u64::MAX), (u64::MAX - 1, u64::MAX), (1 << 63, 1 << 63)] {
        let mut bad = good.clone();
        bad[32..40].copy_from_slice(&off.to_le_bytes());
        bad[40..48].copy_from_slice(&size.to_le_bytes());
        let err = offload::parse_bundle(&bad).expect_err("entry outside");
        assert!(err.contains("outside"), "{off:#x}+{size:#x}: {err}");
    }
    // Counts and id lengths near 2^64.
    for (at, value) in [(24, u64::MAX), (24, 1 << 61), (48, u64::MAX), (48, u64::MAX - 31)] {
        let mut bad = good.clone();
        bad[at..at + 8].copy_from_slice(&value.to_le_bytes());
        assert!(offload::parse_bundle(&bad).is_err(), "field at {at} = {value:#x}");
    }
}
