//! build.rs: get the QUANTIZED offload bundle into OUT_DIR, and describe it.
//!
//! Where the bundle comes from:
//! - CANDLE_ROCM_KERNELS_BUNDLE=PATH: that prebuilt bundle (for machines
//!   without the compiler; a relative PATH is taken from this crate's folder);
//! - otherwise the Makefile in csrc/ builds it into OUT_DIR:
//!   `make -C csrc PLATFORM=amd BUILD=$OUT_DIR/make ARCH=... kernels`, with
//!   ARCH=$CANDLE_ROCM_ARCH when set (else ARCH=default, the Makefile's
//!   default list) and ROCM_PATH passed on. When the toolchain is missing,
//!   make's own message (what to install) is the build error.
//!
//! csrc/ holds what that make needs: the Makefile, VERSION, mk/, hip/ and
//! the makefile fragments it includes, and the processor table read below
//! (format/amdgpu_processors.def). In the repository its entries
//! are links to the repository's own files (one copy of each); `cargo
//! package` follows the links, so the published crate carries the files
//! and builds anywhere, outside the repository too.
//!
//! It says what it built, and how to build less, as a cargo warning: the
//! default is every arch the compiler can target, minutes of compiling
//! that CANDLE_ROCM_ARCH=<your GPU's arch> cuts to seconds.
//!
//! What the bundle holds comes from the manifest make writes beside it
//! (quantized.manifest, mk/kernels-amd.mk: the archs, and the kernel names
//! of spec/kernels.txt, which make test checks every code object defines),
//! not from the code objects: this script reads no ELF. Only the bundle's
//! index (its trivial header: which entry lies where) is read, with every
//! offset bounds-checked, for the code object table; the manifest is held
//! to the bundle by its size, POSIX cksum and arch list. A prebuilt bundle
//! (CANDLE_ROCM_KERNELS_BUNDLE=PATH) needs its manifest too: PATH with the
//! extension .manifest (quantized.manifest beside quantized.hsaco, as make
//! writes it), or the file CANDLE_ROCM_KERNELS_MANIFEST names. Any fault in
//! either file fails the build with a message naming the file and what is
//! wrong, never a panic (src/build_inputs.rs, which tests/hostile.rs feeds
//! hostile input).
//!
//! Why this design, not a manifest alone: the offsets of the code objects
//! are the bundler's choice, which only the bundle records; reading its
//! header is a few bounds-checked fields, while a manifest that restated
//! them would need a second reader in make and a check against the bundle
//! anyway.
//!
//! The device-matching rule (src/target.rs) takes the generic target of
//! each processor from the project's one processor table
//! (format/amdgpu_processors.def, which the C loader's pick reads too),
//! read here and generated into quantized.rs; a row it cannot read fails
//! the build naming the line (src/build_inputs.rs).
//!
//! What it writes to OUT_DIR: quantized.hsaco (the bundle the crate embeds)
//! and quantized.rs (its length, archs, code object table, kernel names and
//! the generic-target table).
//!
//! Rerun triggers are exact: the kernel sources (hip/), the makefiles the
//! `kernels` target reads (Makefile, mk/), spec/kernels.txt, VERSION,
//! amdgpu_processors.def, the prebuilt bundle and its manifest, and the environment
//! variables below. Nothing else reruns it.
//!
//! Cargo.toml's version must be the VERSION file's (the project's one
//! copy, which Cargo.toml cannot read): a mismatch fails the build.

#[path = "src/build_inputs.rs"]
mod build_inputs;
#[path = "src/offload.rs"]
mod offload;
// The library's matching rule is not used here, only its target-ID parser.
#[allow(dead_code)]
#[path = "src/target.rs"]
mod target;

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Variables that change what gets built: ours, and those the Makefile's
/// toolchain discovery reads from the environment.
const TRACKED_ENV: &[&str] = &[
    "CANDLE_ROCM_KERNELS_BUNDLE",
    "CANDLE_ROCM_KERNELS_MANIFEST",
    "CANDLE_ROCM_ARCH",
    "ROCM_PATH",
    "CLANG",
    "BUNDLER",
    "LLD",
    "LLVM_AS",
    "LLVM_LINK",
    "LLVM_VER",
    "HIP_CXXFLAGS",
    "CODE_OBJECT_VERSION",
    "GENERIC",
];

/// Variables of the caller's make (or shell) that must not leak into ours:
/// we name the platform, build dir and archs ourselves, and a parent make's
/// MAKEFLAGS would carry its command-line variables (e.g. ARCH=) along.
/// COMPRESS too: the crate reads the bundle's index, so it embeds an
/// uncompressed one.
const SCRUBBED_ENV: &[&str] =
    &["ARCH", "BUILD", "OUT", "PLATFORM", "COMPRESS", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES", "MAKELEVEL"];

fn main() {
    for v in TRACKED_ENV {
        println!("cargo:rerun-if-env-changed={v}");
    }
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let manifest_dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let asked: Vec<String> = non_empty("CANDLE_ROCM_ARCH")
        .map(|a| a.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    let csrc = manifest_dir.join("csrc");
    check_version(&csrc);

    let (bundle_path, manifest_path, origin, requested) = match non_empty("CANDLE_ROCM_KERNELS_BUNDLE") {
        Some(p) => {
            let path = manifest_dir.join(p);
            let manifest = match non_empty("CANDLE_ROCM_KERNELS_MANIFEST") {
                Some(m) => manifest_dir.join(m),
                None => path.with_extension("manifest"),
            };
            println!("cargo:rerun-if-changed={}", path.display());
            println!("cargo:rerun-if-changed={}", manifest.display());
            (path, manifest, "prebuilt", asked)
        }
        None => {
            let started = Instant::now();
            let (path, built) = build_with_make(&csrc, &out_dir, &asked);
            say_what_was_built(&built, !asked.is_empty(), started.elapsed().as_secs_f64());
            let manifest = path.with_extension("manifest");
            (path, manifest, "make", built)
        }
    };

    let bundle = fs::read(&bundle_path)
        .unwrap_or_else(|e| fail(&format!("cannot read the bundle {}: {e}", bundle_path.display())));
    let manifest = read_manifest(&manifest_path, origin);
    let generic_targets = read_generic_targets(&csrc);
    let description =
        describe(&bundle, &bundle_path, &manifest, &manifest_path, &requested, &generic_targets);
    write_if_changed(&out_dir.join("quantized.hsaco"), &bundle);
    write_if_changed(&out_dir.join("quantized.rs"), description.as_bytes());

    // For the crate's tests: what was asked for, and how the bundle was made.
    println!("cargo:rustc-env=CANDLE_ROCM_KERNELS_REQUESTED_ARCHS={}", requested.join(" "));
    println!("cargo:rustc-env=CANDLE_ROCM_KERNELS_ORIGIN={origin}");
    let sources = if origin == "make" { real(&csrc.join("hip")) } else { PathBuf::new() };
    println!("cargo:rustc-env=CANDLE_ROCM_KERNELS_MAKE_SOURCES={}", sources.display());
}

fn non_empty(var: &str) -> Option<String> {
    env::var(var).ok().filter(|v| !v.trim().is_empty())
}

/// Stops the build with `msg` as the error cargo shows (no panic backtrace
/// noise around it).
fn fail(msg: &str) -> ! {
    eprintln!("error: {msg}");
    std::process::exit(1);
}

/// A path with its links resolved (csrc/'s entries are links in the
/// repository): what cargo should watch, and what tests should read.
fn real(p: &Path) -> PathBuf {
    fs::canonicalize(p).unwrap_or_else(|_| p.to_owned())
}

/// Fails the build unless Cargo.toml's version is csrc/VERSION's.
fn check_version(csrc: &Path) {
    let file = csrc.join("VERSION");
    println!("cargo:rerun-if-changed={}", real(&file).display());
    let Ok(text) = fs::read_to_string(&file) else {
        fail(&format!("cannot read {}: the crate's C sources (csrc/) are incomplete", file.display()))
    };
    let ours = env!("CARGO_PKG_VERSION");
    if text.trim() != ours {
        fail(&format!(
            "{} says {} but Cargo.toml says {ours}: the project's version is the VERSION file; \
             set Cargo.toml's version (and Cargo.lock's) to it",
            file.display(),
            text.trim()
        ));
    }
}

/// The cargo warning: which archs were compiled, and how to compile fewer.
fn say_what_was_built(archs: &[String], asked: bool, secs: f64) {
    let list = archs.join(" ");
    if asked {
        println!("cargo:warning=built the QUANTIZED kernels for {list} (CANDLE_ROCM_ARCH) in {secs:.0} s");
    } else {
        println!(
            "cargo:warning=built the QUANTIZED kernels for {} archs ({list}) in {secs:.0} s; to build \
             only your GPU's, set CANDLE_ROCM_ARCH, e.g. CANDLE_ROCM_ARCH=gfx1100 (rocminfo names \
             your GPU's gfx arch)",
            archs.len()
        );
    }
}

/// Runs the Makefile's `kernels` target (in csrc/) into OUT_DIR. Returns the
/// bundle's path and the archs the Makefile decided to build (its
/// archs.list).
fn build_with_make(csrc: &Path, out_dir: &Path, asked: &[String]) -> (PathBuf, Vec<String>) {
    if !csrc.join("Makefile").is_file() || !csrc.join("hip").is_dir() {
        fail(&format!(
            "no Makefile and hip/ in {}: the crate's C sources are missing (a crate made by \
             `cargo package` carries them; in the repository they are links). Or set \
             CANDLE_ROCM_KERNELS_BUNDLE to a prebuilt quantized.hsaco",
            csrc.display()
        ));
    }
    // hip/ and mk/ are watched as folders, so a new kernel file reruns us
    // too; through their real paths, as cargo does not follow links. The
    // kernel list goes into the manifest.
    for p in ["hip", "mk", "spec/kernels.txt", "Makefile"] {
        println!("cargo:rerun-if-changed={}", real(&csrc.join(p)).display());
    }

    let build = out_dir.join("make");
    let mut make = Command::new("make");
    make.current_dir(csrc).arg("PLATFORM=amd").arg(format!("BUILD={}", build.display()));
    // Always an ARCH: without one, the build dir would keep the archs of its
    // last build (mk/archs.mk), not follow CANDLE_ROCM_ARCH being unset.
    if asked.is_empty() {
        make.arg("ARCH=default");
    } else {
        make.arg(format!("ARCH={}", asked.join(" ")));
    }
    if let Some(rocm) = non_empty("ROCM_PATH") {
        make.arg(format!("ROCM_PATH={rocm}"));
    }
    make.arg("kernels");
    for v in SCRUBBED_ENV {
        make.env_remove(v);
    }
    // Share cargo's jobserver: make runs as many jobs as cargo allows us.
    if let Some(flags) = env::var_os("CARGO_MAKEFLAGS") {
        make.env("MAKEFLAGS", flags);
    }

    let output = make.output().unwrap_or_else(|e| {
        fail(&format!(
            "cannot run make ({e}): install GNU make, or set CANDLE_ROCM_KERNELS_BUNDLE to a prebuilt bundle"
        ))
    });
    // Everything make said goes to our stderr (shown on failure, or with -vv);
    // stdout would be read by cargo as instructions.
    eprint!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        // make's `$(error ...)` lines say what is missing and what to install.
        let reasons: Vec<&str> = stderr.lines().filter(|l| l.contains("***")).collect();
        let reason = if reasons.is_empty() {
            stderr.trim_end().lines().last().unwrap_or("")
        } else {
            &reasons.join("\n")
        };
        fail(&format!(
            "building the kernels with make failed ({}):\n{reason}\n\
             (or set CANDLE_ROCM_KERNELS_BUNDLE to a prebuilt quantized.hsaco to embed instead)",
            output.status
        ));
    }

    let amd = build.join("amd");
    let archs = fs::read_to_string(amd.join("archs.list"))
        .unwrap_or_else(|e| fail(&format!("make left no {}: {e}", amd.join("archs.list").display())));
    (amd.join("quantized.hsaco"), archs.split_whitespace().map(str::to_owned).collect())
}

/// The manifest's text, at most build_inputs::MANIFEST_MAX_BYTES of it.
fn read_manifest(path: &Path, origin: &str) -> String {
    let how = if origin == "make" {
        "make's `kernels` target writes it beside the bundle"
    } else {
        "a prebuilt bundle needs the manifest make wrote beside it (quantized.manifest beside \
         quantized.hsaco); copy it along, or name it with CANDLE_ROCM_KERNELS_MANIFEST"
    };
    let file = fs::File::open(path)
        .unwrap_or_else(|e| fail(&format!("cannot read the manifest {} ({e}): {how}", path.display())));
    let mut bytes = Vec::new();
    let cap = build_inputs::MANIFEST_MAX_BYTES;
    if let Err(e) = file.take(cap + 1).read_to_end(&mut bytes) {
        fail(&format!("cannot read the manifest {}: {e}", path.display()));
    }
    if bytes.len() as u64 > cap {
        fail(&format!("{}: more than {cap} bytes: not a manifest", path.display()));
    }
    String::from_utf8(bytes)
        .unwrap_or_else(|_| fail(&format!("{}: not UTF-8 text: not a manifest", path.display())))
}

/// The (processor, generic target) rows of the project's processor table
/// (csrc/format/amdgpu_processors.def).
fn read_generic_targets(csrc: &Path) -> Vec<(String, String)> {
    let file = csrc.join("format/amdgpu_processors.def");
    println!("cargo:rerun-if-changed={}", real(&file).display());
    let text = fs::read_to_string(&file).unwrap_or_else(|e| {
        fail(&format!("cannot read {} ({e}): the crate's C sources are incomplete", file.display()))
    });
    build_inputs::generic_targets(&text).unwrap_or_else(|e| fail(&format!("{}: {e}", file.display())))
}

/// Checks the manifest against the bundle and the archs asked for, and
/// returns the Rust source of the description.
fn describe(
    bundle: &[u8],
    bundle_path: &Path,
    manifest: &str,
    manifest_path: &Path,
    requested: &[String],
    generic_targets: &[(String, String)],
) -> String {
    let at = bundle_path.display().to_string();
    let d = build_inputs::describe(bundle, &at, manifest, &manifest_path.display().to_string())
        .unwrap_or_else(|e| fail(&e));
    let missing: Vec<&str> = requested
        .iter()
        .map(String::as_str)
        .filter(|a| !d.code_objects.iter().any(|(t, _, _)| t == a))
        .collect();
    if !missing.is_empty() {
        let targets: Vec<&str> = d.code_objects.iter().map(|(t, _, _)| t.as_str()).collect();
        fail(&format!(
            "{at}: CANDLE_ROCM_ARCH asks for {missing:?}, which the bundle lacks (it holds {targets:?})"
        ));
    }

    let mut rs =
        String::from("// Generated by build.rs from the QUANTIZED bundle and its manifest: do not edit.\n");
    let _ = writeln!(rs, "pub(crate) const BUNDLE_LEN: usize = {};", d.bundle_len);
    rs.push_str("pub(crate) const ARCHS: &[&str] = &[\n");
    for (t, _, _) in &d.code_objects {
        let _ = writeln!(rs, "    {t:?},");
    }
    rs.push_str("];\npub(crate) const CODE_OBJECTS: &[(&str, usize, usize)] = &[\n");
    for (t, offset, size) in &d.code_objects {
        let _ = writeln!(rs, "    ({t:?}, {offset}, {size}),");
    }
    rs.push_str("];\npub(crate) const KERNELS: &[&str] = &[\n");
    for k in &d.kernels {
        let _ = writeln!(rs, "    {k:?},");
    }
    rs.push_str("];\n/// (processor, its generic target), from format/amdgpu_processors.def.\n");
    rs.push_str("pub(crate) const GENERIC_TARGETS: &[(&str, &str)] = &[\n");
    for (p, g) in generic_targets {
        let _ = writeln!(rs, "    ({p:?}, {g:?}),");
    }
    rs.push_str("];\n");
    rs
}

/// Writes only when the content differs, so an unchanged bundle keeps its
/// timestamp.
fn write_if_changed(path: &Path, data: &[u8]) {
    if fs::read(path).map(|old| old == data).unwrap_or(false) {
        return;
    }
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, data)
        .and_then(|_| fs::rename(&tmp, path))
        .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", path.display())));
}
