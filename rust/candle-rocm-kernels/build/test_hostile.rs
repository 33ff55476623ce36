//! test_hostile.rs: what build.rs reads (build/build_inputs.rs: the manifest,
//! checked against the bundle's index) on malformed and hostile input gives
//! an error naming the file at fault, never a panic. Tests run in a debug
//! build, so an overflowing addition would panic here.

// Not every item is used here (build.rs uses the rest).
#[allow(dead_code)]
mod build_inputs;
#[allow(dead_code)]
mod offload;
use candle_rocm_kernels::target;

use build_inputs::{describe, posix_cksum};

/// A bundle of the given (id, bytes) entries, laid out as the bundler does
/// (less the page alignment).
fn bundle_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut at: usize = 32 + entries.iter().map(|(id, _)| 24 + id.len()).sum::<usize>();
    let mut out = Vec::from(&offload::BUNDLE_MAGIC[..]);
    out.extend((entries.len() as u64).to_le_bytes());
    for (id, data) in entries {
        for field in [at, data.len(), id.len()] {
            out.extend((field as u64).to_le_bytes());
        }
        out.extend(id.as_bytes());
        at += data.len();
    }
    entries.iter().for_each(|(_, data)| out.extend(*data));
    out
}

/// A gfx1100 code object's ELF header whose section table lies at 2^64-1:
/// the input that made the crate's old ELF reader overflow.
fn elf_with_shoff_at_the_top() -> Vec<u8> {
    let mut h = vec![0u8; 64];
    h[..9].copy_from_slice(b"\x7fELF\x02\x01\x01\x40\x03");
    h[0x10] = 3; // ET_DYN
    h[0x12] = 224; // EM_AMDGPU
    h[0x28..0x30].copy_from_slice(&u64::MAX.to_le_bytes());
    h[0x30] = 0x41; // gfx1100
    h[0x3a] = 64;
    h[0x3c] = 1;
    h
}

fn two_arch_bundle() -> Vec<u8> {
    bundle_of(&[
        ("host-x86_64-unknown-linux-gnu-", b""),
        ("hipv4-amdgcn-amd-amdhsa--gfx90a:xnack-", b"CODE-A"),
        ("hipv4-amdgcn-amd-amdhsa--gfx1100", &elf_with_shoff_at_the_top()),
    ])
}

/// The manifest make would write for `bundle`.
fn manifest_for(bundle: &[u8], archs: &[&str], kernels: &[&str]) -> String {
    let mut m = format!("# comment\nbytes {}\ncksum {}\n", bundle.len(), posix_cksum(bundle));
    archs.iter().for_each(|a| m += &format!("arch {a}\n"));
    kernels.iter().for_each(|k| m += &format!("kernel {k}\n"));
    m
}

fn run(bundle: &[u8], manifest: &str) -> Result<build_inputs::Description, String> {
    describe(bundle, "B.hsaco", manifest, "M.manifest")
}

/// Fails unless `describe` rejects the input with an error that names
/// `file` and contains `what`.
fn rejects(bundle: &[u8], manifest: &str, file: &str, what: &str) {
    match run(bundle, manifest) {
        Ok(d) => panic!("accepted ({what} expected): {d:?}"),
        Err(e) => assert!(e.starts_with(file) && e.contains(what), "want '{file}: ...{what}...', got: {e}"),
    }
}

#[test]
fn posix_cksum_is_the_cksum_command() {
    // `printf abc | cksum` and `cksum < /dev/null`.
    assert_eq!(posix_cksum(b"abc"), 1_219_131_554);
    assert_eq!(posix_cksum(b""), 4_294_967_295);
}

#[test]
fn a_good_manifest_describes_its_bundle() {
    let b = two_arch_bundle();
    let d = run(&b, &manifest_for(&b, &["gfx1100", "gfx90a:xnack-"], &["mul_mat_q4_0", "get_rows_q4_0"]))
        .unwrap();
    assert_eq!(d.bundle_len, b.len());
    let targets: Vec<&str> = d.code_objects.iter().map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(targets, ["gfx90a:xnack-", "gfx1100"], "bundle order, host entry left out");
    let (_, offset, size) = d.code_objects[0];
    assert_eq!(&b[offset..offset + size], b"CODE-A");
    assert_eq!(d.kernels, ["get_rows_q4_0", "mul_mat_q4_0"], "sorted");
}

#[test]
fn the_manifest_must_match_the_bundle() {
    let b = two_arch_bundle();
    let archs = ["gfx90a:xnack-", "gfx1100"];
    let good = manifest_for(&b, &archs, &["k"]);
    let wrong = |from: &str, to: &str| good.replacen(from, to, 1);
    let mismatch = "M.manifest does not describe B.hsaco";
    rejects(&b, &wrong(&format!("bytes {}", b.len()), "bytes 7"), mismatch, "7 bytes");
    let cksum = posix_cksum(&b);
    rejects(&b, &wrong(&format!("cksum {cksum}"), &format!("cksum {}", cksum ^ 1)), mismatch, "cksum");
    rejects(&b, &wrong("arch gfx1100\n", ""), mismatch, "archs");
    rejects(&b, &wrong("arch gfx1100", "arch gfx1101"), mismatch, "archs");
    rejects(&b, &format!("{good}arch gfx1200\n"), mismatch, "archs");
    // The same manifest beside another bundle (one byte changed).
    let mut other = b.clone();
    *other.last_mut().unwrap() ^= 1;
    rejects(&other, &good, mismatch, "cksum");
}

#[test]
fn malformed_manifests_are_errors_with_a_line_number() {
    let b = two_arch_bundle();
    let good = manifest_for(&b, &["gfx90a:xnack-", "gfx1100"], &["k"]);
    for (bad, what) in [
        (good.replacen("bytes", "bites", 1), "line 2: unknown line 'bites"),
        (format!("{good}bytes 1\n"), "a second 'bytes'"),
        (format!("{good}cksum 1\n"), "a second 'cksum'"),
        (good.replacen(&format!("cksum {}", posix_cksum(&b)), "cksum 4294967296", 1), "exceeds 32 bits"),
        (good.replacen("bytes ", "bytes -", 1), "is not a number"),
        (good.replacen(&format!("bytes {}", b.len()), "bytes 18446744073709551616", 1), "is not a number"),
        (format!("{good}arch gfx1100\n"), "arch gfx1100 listed twice"),
        (format!("{good}arch gfx1100:frob+\n"), "unknown feature"),
        (format!("{good}arch :xnack+\n"), "no processor"),
        (format!("{good}kernel k\n"), "kernel k listed twice"),
        (format!("{good}kernel 1k\n"), "not an identifier"),
        (format!("{good}kernel a\u{1b}[2J\n"), "not an identifier"),
        (format!("{good}kernel\n"), "not an identifier"),
        (
            good.lines().filter(|l| !l.starts_with("cksum")).map(|l| format!("{l}\n")).collect(),
            "no 'bytes' or no 'cksum'",
        ),
        (good.replace("kernel k\n", ""), "no 'kernel' line"),
        (String::new(), "no 'bytes'"),
    ] {
        rejects(&b, &bad, "M.manifest: ", what);
    }
}

#[test]
fn hostile_bundles_are_errors_naming_the_bundle() {
    let b = two_arch_bundle();
    let archs = ["gfx90a:xnack-", "gfx1100"];
    // Each bad bundle comes with a manifest that matches its bytes, so the
    // fault found is the bundle's.
    let check = |bad: &[u8], what: &str| rejects(bad, &manifest_for(bad, &archs, &["k"]), "B.hsaco: ", what);
    let set = |at: usize, value: u64| {
        let mut bad = b.clone();
        bad[at..at + 8].copy_from_slice(&value.to_le_bytes());
        bad
    };
    check(b"", "not a clang offload bundle");
    check(b"CCOB\x01\x00\x00\x00", "not a clang offload bundle");
    check(&b[..28], "truncated");
    check(&b[..100], "cannot hold them");
    check(&b[..160], "outside");
    check(&b[..b.len() - 1], "outside");
    for count in [u64::MAX, u64::MAX / 24 + 1, 1 << 32] {
        check(&set(24, count), "cannot hold them");
    }
    // One entry more than there is: its header is read from the code.
    check(&set(24, 4), "");
    // Entry 1 (gfx90a): its offset at 86, size at 94, id length at 102.
    for (off, size) in
        [(u64::MAX, 6), (u64::MAX - 5, 6), (6, u64::MAX), (1 << 63, 1 << 63), (b.len() as u64, 1)]
    {
        let mut bad = set(86, off);
        bad[94..102].copy_from_slice(&size.to_le_bytes());
        check(&bad, "outside");
    }
    for id_len in [u64::MAX, u64::MAX - 85, 1 << 40] {
        check(&set(102, id_len), "runs past the end");
    }
    // Two entries for one target, and an entry id that is not a target ID.
    let twice =
        bundle_of(&[("hipv4-amdgcn-amd-amdhsa--gfx1100", b"A"), ("hipv4-amdgcn-amd-amdhsa--gfx1100", b"B")]);
    rejects(&twice, &manifest_for(&twice, &["gfx1100"], &["k"]), "B.hsaco: ", "two code objects for gfx1100");
    let bad_id = bundle_of(&[("hipv4-amdgcn-amd-amdhsa--gfx1100:frob+", b"A")]);
    rejects(&bad_id, &manifest_for(&bad_id, &["gfx1100"], &["k"]), "B.hsaco: ", "unknown feature");
    let host_only = bundle_of(&[("host-x86_64-unknown-linux-gnu-", b"")]);
    rejects(
        &host_only,
        &manifest_for(&host_only, &["gfx1100"], &["k"]),
        "B.hsaco: ",
        "no device code object",
    );
}

#[test]
fn code_objects_are_not_read() {
    // The old ELF reader's overflow: a section table at 2^64-1. The crate no
    // longer looks inside a code object, so it is embedded as it is.
    let b = two_arch_bundle();
    let d = run(&b, &manifest_for(&b, &["gfx90a:xnack-", "gfx1100"], &["k"])).unwrap();
    let (_, offset, size) = d.code_objects[1];
    assert_eq!(b[offset..offset + size], elf_with_shoff_at_the_top());
}

#[test]
fn every_prefix_and_every_flipped_byte_is_an_answer_not_a_panic() {
    let b = two_arch_bundle();
    let m = manifest_for(&b, &["gfx90a:xnack-", "gfx1100"], &["k"]);
    for n in 0..b.len() {
        let cut = &b[..n];
        let _ = run(cut, &manifest_for(cut, &["gfx90a:xnack-", "gfx1100"], &["k"]));
    }
    for n in 0..m.len() {
        if m.is_char_boundary(n) {
            let _ = run(&b, &m[..n]);
        }
    }
    for at in 0..b.len() {
        for flip in [0x01, 0x80, 0xff] {
            let mut bad = b.clone();
            bad[at] ^= flip;
            let _ = run(&bad, &manifest_for(&bad, &["gfx90a:xnack-", "gfx1100"], &["k"]));
        }
    }
}

#[test]
fn errors_show_control_characters_escaped() {
    // A hostile manifest or bundle must not reach the terminal with escape
    // sequences (ESC [2J clears the screen) or carriage returns.
    let b = two_arch_bundle();
    let good = manifest_for(&b, &["gfx90a:xnack-", "gfx1100"], &["k"]);
    let raw = |e: &str| e.chars().any(|c| c.is_control());
    for bad in [
        format!("{good}arch gfx\u{1b}[2J1100\n"),
        format!("{good}arch gfx1100:xnack\u{1b}[2J+\n"),
        format!("{good}arch gfx90a\rgfx1201\n"),
        good.replacen("bytes ", "bytes \u{1b}]0;title\u{7}", 1),
        format!("{good}\u{1b}[2J 1\n"),
    ] {
        let e = run(&b, &bad).expect_err("a hostile manifest is refused");
        assert!(!raw(&e), "control characters in: {e:?}");
        assert!(e.contains("\\u{1b}") || e.contains("\\r"), "not shown escaped: {e}");
    }
    for id in [
        "hipv4-amdgcn-amd-amdhsa--gfx\u{1b}[2J1100",
        "hipv4\u{1b}[2J",
        "hipv4-amdgcn-amd-amdhsa--gfx1100:\rxnack+",
    ] {
        let bad = bundle_of(&[(id, b"A")]);
        let e =
            run(&bad, &manifest_for(&bad, &["gfx1100"], &["k"])).expect_err("a hostile bundle is refused");
        assert!(e.starts_with("B.hsaco: ") && !raw(&e), "control characters in: {e:?}");
    }
}

/// read_regular on `path`, which must give an error containing `what`
/// within 10 s (a FIFO opened for reading would block forever).
fn refused_in_time(path: std::path::PathBuf, cap: u64, what: &'static str) {
    let (tx, rx) = std::sync::mpsc::channel();
    let shown = path.display().to_string();
    std::thread::spawn(move || tx.send(build_inputs::read_regular(&path, cap, "the bundle")));
    match rx.recv_timeout(std::time::Duration::from_secs(10)) {
        Ok(Err(e)) => assert!(e.contains(what), "{shown}: want '{what}', got: {e}"),
        Ok(Ok(b)) => panic!("{shown}: read {} bytes, want a refusal ({what})", b.len()),
        Err(_) => panic!("{shown}: read_regular still blocked after 10 s"),
    }
}

#[test]
fn only_regular_files_within_the_cap_are_read() {
    use build_inputs::{read_regular, BUNDLE_MAX_BYTES, MANIFEST_MAX_BYTES};
    let dir = std::env::temp_dir().join(format!("crk-hostile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // A FIFO, as CANDLE_ROCM_KERNELS_MANIFEST or _BUNDLE: refused, not waited on.
    let fifo = dir.join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
    assert!(made, "mkfifo {} failed", fifo.display());
    refused_in_time(fifo, MANIFEST_MAX_BYTES, "not a regular file");
    // A device that never ends, and a folder.
    refused_in_time("/dev/zero".into(), BUNDLE_MAX_BYTES, "not a regular file");
    refused_in_time(dir.clone(), BUNDLE_MAX_BYTES, "not a regular file");
    // One byte past the cap (a sparse file: nothing is written or read).
    let big = dir.join("big.hsaco");
    std::fs::File::create(&big).unwrap().set_len(BUNDLE_MAX_BYTES + 1).unwrap();
    refused_in_time(big.clone(), BUNDLE_MAX_BYTES, "more than 268435456");
    std::fs::File::create(&big).unwrap().set_len(MANIFEST_MAX_BYTES + 1).unwrap();
    refused_in_time(big.clone(), MANIFEST_MAX_BYTES, "more than 1048576");
    // A link to a regular file is read; a missing file is named.
    std::fs::write(dir.join("ok"), b"bytes").unwrap();
    std::os::unix::fs::symlink(dir.join("ok"), dir.join("link")).unwrap();
    assert_eq!(read_regular(&dir.join("link"), 5, "the bundle").unwrap(), b"bytes");
    refused_in_time(dir.join("ok"), 4, "more than 4");
    refused_in_time(dir.join("missing"), 4, "cannot read the bundle");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A processor table of the given lines, after a header comment as the
/// real one has (so the rows start at line 3).
fn table(rows: &[&str]) -> String {
    format!("/* the processor table\n * (a comment) */\n{}\n", rows.join("\n"))
}

const GFX900: &str = r#"CRK_PROCESSOR("gfx900", 0x02c, "gfx9-generic", 1, 0, 64, CRK_DOT_SCALAR)"#;
const GFX9_GENERIC: &str = r#"CRK_PROCESSOR("gfx9-generic", 0x051, NULL, 0, 0, 64, CRK_DOT_SCALAR)"#;

#[test]
fn processor_table_reads_rows_comments_and_blank_lines() {
    let text = table(&[
        GFX900,
        "",
        r#"  CRK_PROCESSOR("gfx906", 0x02f, "gfx9-generic", 2, CRK_F_DOT | CRK_F_BVH, 64, CRK_DOT_SDOT4) /* why */"#,
        r#"CRK_PROCESSOR("gfx908", 0x030, NULL, 0, 0, 64, CRK_DOT_SCALAR)"#,
        GFX9_GENERIC,
    ]);
    assert_eq!(
        build_inputs::generic_targets(&text).unwrap(),
        [("gfx900".to_owned(), "gfx9-generic".to_owned()), ("gfx906".to_owned(), "gfx9-generic".to_owned())]
    );
}

#[test]
fn a_malformed_processor_row_is_an_error_naming_its_line() {
    // (row on line 4, after GFX900 on line 3; what the error must say)
    let cases: &[(&str, &str)] = &[
        (r#"CRK_PROCESOR("gfx906", 0x02f, "gfx9-generic", 2, 0, 64, CRK_DOT_SCALAR)"#, "not a CRK_PROCESSOR(...) row"),
        (r#"CRK_PROCESSOR("gfx906", 0x02f, "gfx9-generic", 2, 0, 64)"#, "6 columns, want 7"),
        (r#"CRK_PROCESSOR("gfx906", 0x02f, "gfx9-generic", 2, 0, 64, CRK_DOT_SDOT4, 1)"#, "8 columns"),
        (r#"CRK_PROCESSOR("gfx906", 0x02f, "gfx9-generic", 2, 0, 64, CRK_DOT_SCALAR) x"#, "not a CRK_PROCESSOR(...) row"),
        (r#"CRK_PROCESSOR("gfx906", 0x02f, "gfx9-generic", 2, 0, 64, CRK_DOT_SCALAR);"#, "not a CRK_PROCESSOR(...) row"),
        (r#"CRK_PROCESSOR(gfx906, 0x02f, "gfx9-generic", 2, 0, 64, CRK_DOT_SCALAR)"#, "name gfx906 is not a quoted"),
        (r#"CRK_PROCESSOR("", 0x02f, "gfx9-generic", 2, 0, 64, CRK_DOT_SCALAR)"#, "is not a quoted"),
        (r#"CRK_PROCESSOR("gfx906", 47, "gfx9-generic", 2, 0, 64, CRK_DOT_SCALAR)"#, "mach 47 is not a hex"),
        (r#"CRK_PROCESSOR("gfx906", 0x12f, "gfx9-generic", 2, 0, 64, CRK_DOT_SCALAR)"#, "mach 0x12f"),
        (
            r#"CRK_PROCESSOR("gfx906", 0x02f, gfx9-generic, 2, 0, 64, CRK_DOT_SCALAR)"#,
            "generic target gfx9-generic is not a quoted",
        ),
        (r#"CRK_PROCESSOR("gfx906", 0x02f, "gfx9-generic", -2, 0, 64, CRK_DOT_SCALAR)"#, "isa_group -2"),
        (r#"CRK_PROCESSOR("gfx906", 0x02f, "gfx9-generic", 2, DOT, 64, CRK_DOT_SCALAR)"#, "features DOT"),
        (r#"CRK_PROCESSOR("gfx906", 0x02f, "gfx9-generic", 2, CRK_F_DOT|, 64, CRK_DOT_SCALAR)"#, "features CRK_F_DOT|"),
        (r#"CRK_PROCESSOR("gfx906", 0x02f, "gfx9-generic", 2, 0, 48, CRK_DOT_SCALAR)"#, "wave size 48"),
        (r#"CRK_PROCESSOR("gfx906", 0x02f, "gfx906", 2, 0, 64, CRK_DOT_SCALAR)"#, "its own generic target"),
        (r#"CRK_PROCESSOR("gfx900", 0x02f, NULL, 0, 0, 64, CRK_DOT_SCALAR)"#, "gfx900 already has a row (line 3)"),
        (r#"CRK_PROCESSOR("gfx906", 0x02c, NULL, 0, 0, 64, CRK_DOT_SCALAR)"#, "already gfx900's (line 3)"),
        (r#"CRK_PROCESSOR("gfx906", 0x02f, "gfx9-generik", 2, 0, 64, CRK_DOT_SCALAR)"#, "gfx9-generik has no row"),
        (r#"CRK_PROCESSOR("gfx906", 0x02f, "gfx900", 2, 0, 64, CRK_DOT_SCALAR)"#, "a processor with a generic target"),
        ("// a C++ comment", "not a CRK_PROCESSOR(...) row"),
        // What the C compiler refuses (or reads as another value) is refused
        // here too: a sign after 0x, a group beyond an int, octal, a suffix.
        (r#"CRK_PROCESSOR("gfx906", 0x+2f, "gfx9-generic", 2, 0, 64, CRK_DOT_SDOT4)"#, "mach 0x+2f"),
        (r#"CRK_PROCESSOR("gfx906", 0x-2f, "gfx9-generic", 2, 0, 64, CRK_DOT_SDOT4)"#, "mach 0x-2f"),
        (
            r#"CRK_PROCESSOR("gfx906", 0x02f, "gfx9-generic", 99999999999999999999999, 0, 64, CRK_DOT_SDOT4)"#,
            "isa_group 99999999999999999999999",
        ),
        (r#"CRK_PROCESSOR("gfx906", 0x02f, "gfx9-generic", 2147483648, 0, 64, CRK_DOT_SDOT4)"#, "isa_group 2147483648"),
        (r#"CRK_PROCESSOR("gfx906", 0x02f, "gfx9-generic", +2, 0, 64, CRK_DOT_SDOT4)"#, "isa_group +2"),
        (r#"CRK_PROCESSOR("gfx906", 0x02f, "gfx9-generic", 010, 0, 64, CRK_DOT_SDOT4)"#, "isa_group 010"),
        (r#"CRK_PROCESSOR("gfx906", 0x02f, "gfx9-generic", 2u, 0, 64, CRK_DOT_SDOT4)"#, "isa_group 2u"),
        (r#"CRK_PROCESSOR("gfx906", 0x02f, "gfx9-generic", 2, 0, 64, SDOT4)"#, "dot path SDOT4"),
        (r#"CRK_PROCESSOR("gfx906", 0x02f, "gfx9-generic", 2, 0, 64, 1)"#, "dot path 1"),
    ];
    for (row, want) in cases {
        let err = build_inputs::generic_targets(&table(&[GFX900, row, GFX9_GENERIC])).unwrap_err();
        assert!(err.starts_with("line 4: ") && err.contains(want), "{row}: {err}");
    }
    let err = build_inputs::generic_targets(&table(&[GFX900, GFX9_GENERIC, "/* never closed"])).unwrap_err();
    assert!(err.contains("never closed"), "{err}");
    let err = build_inputs::generic_targets(&table(&[GFX9_GENERIC])).unwrap_err();
    assert!(err.contains("no row names a generic target"), "{err}");
    assert!(build_inputs::generic_targets("").is_err());
}

#[test]
fn processor_table_reader_never_panics() {
    // Every prefix and every single-byte change of the real table: an
    // answer or an error, never a panic.
    let real = include_str!("../csrc/format/amdgpu_processors.def");
    for n in (0..=real.len()).filter(|&n| real.is_char_boundary(n)) {
        let _ = build_inputs::generic_targets(&real[..n]);
    }
    let bytes = real.as_bytes();
    for at in (0..bytes.len()).step_by(7) {
        for b in [b'"', b',', b'(', b')', b'/', b'*', b'|', b'x', b'0', b' ', b'\n'] {
            let mut bad = bytes.to_vec();
            bad[at] = b;
            if let Ok(text) = String::from_utf8(bad) {
                let _ = build_inputs::generic_targets(&text);
            }
        }
    }
}
