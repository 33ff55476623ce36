//! bundle.rs: QUANTIZED is a valid offload bundle with the archs asked for,
//! and every exported kernel is in every arch's code object. Read on the
//! host from the bytes themselves (offload bundle header, ELF headers and
//! symbol tables): no GPU, no runtime, no external tool.

#[allow(dead_code)]
#[path = "../src/offload.rs"]
mod offload;

use candle_rocm_kernels::{Id, ALL_IDS, ARCHS, KERNELS, QUANTIZED};
use offload::{Entry, Feature};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// How build.rs got the bundle: "make" (built from this repository's
/// sources) or "prebuilt" (CANDLE_ROCM_KERNELS_BUNDLE).
const ORIGIN: &str = env!("CANDLE_ROCM_KERNELS_ORIGIN");

fn requested_archs() -> Vec<&'static str> {
    env!("CANDLE_ROCM_KERNELS_REQUESTED_ARCHS").split_whitespace().collect()
}

fn bundle() -> &'static [u8] {
    QUANTIZED.hsaco()
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
    // A prebuilt bundle named at test time too (test/test_rust.sh does).
    if let Some(p) = std::env::var_os("CANDLE_ROCM_KERNELS_BUNDLE").filter(|_| ORIGIN == "prebuilt") {
        let prebuilt = std::fs::read(&p).unwrap_or_else(|e| panic!("{p:?}: {e}"));
        assert!(bundle() == prebuilt.as_slice(), "QUANTIZED differs from {p:?}");
    }
    assert_eq!(QUANTIZED.as_ref().as_ptr(), bundle().as_ptr());
    assert_eq!(ALL_IDS[QUANTIZED.index()], Id::Quantized);
}

/// The processor table is the C side's format/amdgpu_processors.def, read
/// whole: every row parses, and the rows are the ones the C loader knows.
#[test]
fn processor_table_is_the_def_file() {
    assert_eq!(offload::processor_rows_malformed(), Vec::<&str>::new(), "rows that do not parse");
    let rows: Vec<_> = offload::processors().collect();
    assert!(rows.len() >= 55, "only {} rows", rows.len());
    for (p, m) in [
        ("gfx600", 0x020),
        ("gfx90a", 0x03f),
        ("gfx1100", 0x041),
        ("gfx1251", 0x05a),
        ("gfx9-4-generic", 0x05f),
    ] {
        assert_eq!(offload::mach_of(p), Some(m), "{p}");
    }
    assert_eq!(offload::mach_of("gfx9999"), None);
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
        offload::parse_target_id(e.target()).unwrap_or_else(|err| panic!("entry {}: {err}", e.id));
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

#[test]
fn code_objects_are_amdgpu_code_for_their_arch() {
    // The code object version of the processor-specific entries: one for all.
    // Generic targets (gfx11-generic) exist only as v6, whatever that one is.
    let mut versions = BTreeSet::new();
    let mut specific = 0;
    for e in device_entries() {
        let t = e.target();
        let h = offload::elf_header(e.bytes(bundle()).unwrap()).unwrap_or_else(|err| panic!("{t}: {err}"));
        assert_eq!(h.machine, offload::EM_AMDGPU, "{t}: ELF machine {} is not EM_AMDGPU", h.machine);
        assert_eq!(h.os_abi, offload::ELFOSABI_AMDGPU_HSA, "{t}: OS ABI {} is not AMDGPU_HSA", h.os_abi);
        assert_eq!(h.elf_type, offload::ET_DYN, "{t}: ELF type {} is not a shared object", h.elf_type);
        assert!(
            (2..=4).contains(&h.abi_version),
            "{t}: ABI version {} is not code object v4..v6",
            h.abi_version
        );
        let id = offload::parse_target_id(t).unwrap();
        if id.processor.ends_with("-generic") {
            assert_eq!(
                h.abi_version, 4,
                "{t}: a generic target in ABI version {}, not code object v6",
                h.abi_version
            );
        } else {
            versions.insert(h.abi_version);
            specific += 1;
        }

        let mach = offload::mach_of(id.processor).unwrap_or_else(|| {
            panic!("{t}: no EF_AMDGPU_MACH known for {}: add it to format/amdgpu_processors.def", id.processor)
        });
        assert_eq!(
            h.flags & offload::EF_AMDGPU_MACH,
            mach,
            "{t}: code object is for mach {:#x}",
            h.flags & offload::EF_AMDGPU_MACH
        );
        // v4+ feature fields: 0 unsupported, 1 any, 2 off, 3 on.
        let field = |mask: u32| (h.flags & mask) >> mask.trailing_zeros();
        for (name, want, got) in [
            ("xnack", id.xnack, field(offload::EF_AMDGPU_FEATURE_XNACK_V4)),
            ("sramecc", id.sramecc, field(offload::EF_AMDGPU_FEATURE_SRAMECC_V4)),
        ] {
            let ok = match want {
                Feature::Any => got <= 1,
                Feature::Off => got == 2,
                Feature::On => got == 3,
            };
            assert!(ok, "{t}: {name} is {want:?} in the target ID but {got} in the ELF flags");
        }
    }
    assert_eq!(versions.len(), usize::from(specific > 0), "code objects of different versions: {versions:?}");
}

#[test]
fn every_exported_kernel_is_in_every_code_object() {
    assert!(!KERNELS.is_empty(), "no kernel exported");
    assert!(KERNELS.windows(2).all(|w| w[0] < w[1]), "KERNELS is not sorted and unique");
    assert_eq!(QUANTIZED.kernels(), KERNELS);
    assert!(QUANTIZED.has_kernel("quantize_q8_1"));
    for e in device_entries() {
        let t = e.target();
        let code = e.bytes(bundle()).unwrap();
        let dynsym =
            offload::elf_symbols(code, offload::SHT_DYNSYM).unwrap_or_else(|err| panic!("{t}: {err}"));
        let dynsym = dynsym.unwrap_or_else(|| panic!("{t}: no .dynsym"));
        let symtab =
            offload::elf_symbols(code, offload::SHT_SYMTAB).unwrap_or_else(|err| panic!("{t}: {err}"));
        for table in std::iter::once(&dynsym).chain(symtab.as_ref()) {
            for k in KERNELS {
                let defined = |name: &str, kind: u8| {
                    table.iter().find(|s| {
                        s.name == name && s.kind == kind && s.bind == offload::STB_GLOBAL && s.shndx != 0
                    })
                };
                let func = defined(k, offload::STT_FUNC);
                assert!(
                    func.is_some_and(|f| f.size > 0),
                    "{t}: kernel {k}: no global function symbol with code"
                );
                let kd = defined(&format!("{k}.kd"), offload::STT_OBJECT);
                assert!(
                    kd.is_some_and(|d| d.size == 64),
                    "{t}: kernel {k}: no 64-byte kernel descriptor {k}.kd"
                );
            }
        }
        // And nothing beyond the list: the code object's kernels are KERNELS.
        let names = offload::kernel_names(code).unwrap();
        assert_eq!(names, KERNELS, "{t}: kernels differ from KERNELS");
    }
}

#[test]
fn code_object_lookup_follows_target_id_rules() {
    for e in device_entries() {
        let t = e.target();
        let want = e.bytes(bundle()).unwrap();
        assert_eq!(QUANTIZED.code_object(t).map(<[u8]>::as_ptr), Some(want.as_ptr()), "{t}");
        let id = offload::parse_target_id(t).unwrap();
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
    // run, or a prebuilt one that test/test_rust.sh names the sources of.
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
    assert_eq!((e[1].kind(), e[1].target(), e[1].bytes(&b)), ("hipv4", "gfx90a:xnack-", Some(&b"CODE"[..])));
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

#[test]
fn target_ids_parse_and_match() {
    let p = |s| offload::parse_target_id(s).unwrap();
    assert_eq!(
        p("gfx90a:sramecc+:xnack-"),
        offload::TargetId { processor: "gfx90a", xnack: Feature::Off, sramecc: Feature::On }
    );
    for bad in ["", ":xnack+", "gfx90a:xnack", "gfx90a:foo+", "gfx90a:xnack+:xnack-"] {
        assert!(offload::parse_target_id(bad).is_err(), "'{bad}' parsed");
    }
    assert!(offload::target_compatible(&p("gfx90a"), &p("gfx90a:sramecc+:xnack-")));
    assert!(offload::target_compatible(&p("gfx90a:xnack-"), &p("gfx90a:sramecc+:xnack-")));
    assert!(!offload::target_compatible(&p("gfx90a:xnack+"), &p("gfx90a:sramecc+:xnack-")));
    assert!(!offload::target_compatible(&p("gfx90a"), &p("gfx908")));
}

#[test]
fn elf_reader_rejects_what_is_not_elf64_le() {
    assert!(offload::elf_header(b"").is_err());
    assert!(offload::elf_header(&[0u8; 64]).is_err());
    let mut elf32 = [0u8; 64];
    elf32[..6].copy_from_slice(b"\x7fELF\x01\x01");
    assert!(offload::elf_header(&elf32).is_err());
    // A header whose section table lies past the end.
    let mut cut = [0u8; 64];
    cut[..6].copy_from_slice(b"\x7fELF\x02\x01");
    cut[0x28..0x30].copy_from_slice(&4096u64.to_le_bytes());
    cut[0x3a..0x3c].copy_from_slice(&64u16.to_le_bytes());
    cut[0x3c..0x3e].copy_from_slice(&3u16.to_le_bytes());
    assert!(offload::elf_symbols(&cut, offload::SHT_DYNSYM).is_err());
}

/// A gfx1100 code object's ELF header, with a section table of `shnum`
/// entries of 64 bytes at `shoff`.
fn elf_with_sections(shoff: u64, shnum: u16) -> Vec<u8> {
    let mut h = vec![0u8; 64];
    h[..9].copy_from_slice(b"\x7fELF\x02\x01\x01\x40\x03");
    h[0x10..0x12].copy_from_slice(&offload::ET_DYN.to_le_bytes());
    h[0x12..0x14].copy_from_slice(&offload::EM_AMDGPU.to_le_bytes());
    h[0x28..0x30].copy_from_slice(&shoff.to_le_bytes());
    h[0x30..0x34].copy_from_slice(&0x41u32.to_le_bytes());
    h[0x3a..0x3c].copy_from_slice(&64u16.to_le_bytes());
    h[0x3c..0x3e].copy_from_slice(&shnum.to_le_bytes());
    h
}

// Offsets and sizes near 2^64 made the additions overflow: a panic in a
// debug build (build.rs reading CANDLE_ROCM_KERNELS_BUNDLE), where an error
// is due.
#[test]
fn offsets_near_the_top_of_u64_give_errors_not_panics() {
    for shoff in [u64::MAX, u64::MAX - 3, u64::MAX - 63, 1 << 63, usize::MAX as u64] {
        let elf = elf_with_sections(shoff, 2);
        let err = offload::kernel_names(&elf).expect_err("section table past the end");
        assert!(
            err.contains("section header 0") && err.contains("outside the file"),
            "shoff {shoff:#x}: {err}"
        );
        assert!(offload::elf_symbols(&elf, offload::SHT_SYMTAB).is_err());
    }
    // A section header inside the file whose bytes lie at 2^64 - 1.
    let mut elf = elf_with_sections(64, 1);
    let mut sh = [0u8; 64];
    sh[4..8].copy_from_slice(&offload::SHT_DYNSYM.to_le_bytes());
    sh[24..32].copy_from_slice(&u64::MAX.to_le_bytes());
    sh[32..40].copy_from_slice(&2u64.to_le_bytes());
    elf.extend(sh);
    let err = offload::kernel_names(&elf).expect_err("section bytes past the end");
    assert!(err.contains("section 0") && err.contains("outside the file"), "{err}");
    // The same in a bundle, as build.rs reads it.
    let b = handmade(&[("hipv4-amdgcn-amd-amdhsa--gfx1100", &elf)]);
    let e = offload::parse_bundle(&b).unwrap();
    assert!(offload::kernel_names(e[0].bytes(&b).unwrap()).is_err());
    // Entries that do not lie in the buffer they are asked about.
    let far = Entry { id: "x", offset: usize::MAX, size: 2 };
    assert_eq!(far.bytes(&b), None);
    assert_eq!(Entry { id: "x", offset: 1, size: b.len() }.bytes(&b), None);
    // Bundle entries whose offset + size wraps, or whose size alone is huge.
    let good = handmade(&[("hipv4-amdgcn-amd-amdhsa--gfx1100", b"CODE")]);
    for (off, size) in [(u64::MAX, 2), (8, u64::MAX), (u64::MAX - 1, u64::MAX)] {
        let mut bad = good.clone();
        bad[32..40].copy_from_slice(&off.to_le_bytes());
        bad[40..48].copy_from_slice(&size.to_le_bytes());
        let err = offload::parse_bundle(&bad).expect_err("entry outside");
        assert!(err.contains("outside"), "{off:#x}+{size:#x}: {err}");
    }
}
