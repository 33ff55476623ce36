//! build.rs: get the QUANTIZED offload bundle into OUT_DIR, and describe it.
//!
//! Where the bundle comes from:
//! - CANDLE_ROCM_KERNELS_BUNDLE=PATH: that prebuilt bundle (for machines
//!   without the compiler; a relative PATH is taken from this crate's folder);
//! - otherwise the Makefile in csrc/ builds it into OUT_DIR:
//!   `make -C csrc PLATFORM=amd BUILD=$OUT_DIR/make ARCH=... kernels`, with
//!   ARCH=$CANDLE_ROCM_ARCH when set ("default": the Makefile's default
//!   list); else the archs of the AMD GPUs of this machine, when amdgpu-arch
//!   or rocminfo finds any (`detect` below); else the default
//!   list; ROCM_PATH passed on. When the toolchain is missing, make's own
//!   message (what to install, as Debian packages) is the build error.
//!
//! csrc/ holds what that make needs: the Makefile, VERSION, mk/, hip/ and
//! the makefile fragments it includes, and the processor table read below
//! (format/amdgpu_processors.def). In the repository its entries
//! are links to the repository's own files (one copy of each); `cargo
//! package` follows the links, so the published crate carries the files
//! and builds anywhere, outside the repository too.
//!
//! It says what it is about to build, and how to build less, before it
//! starts, and reports each arch as it is done: cargo shows a build
//! script's output only when it fails (or with -vv), and its warnings only
//! once it has finished, so these lines also go straight to the terminal
//! when there is one (/dev/tty). At the end a cargo warning says what was
//! built and how long it took.
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
//! wrong, never a panic (build/build_inputs.rs, which build/test_hostile.rs
//! feeds hostile input).
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
//! the build naming the line (build/build_inputs.rs).
//!
//! What it writes to OUT_DIR: quantized.hsaco (the bundle the crate embeds)
//! and quantized.rs (its length, archs, code object table, kernel names and
//! the generic-target table).
//!
//! Rerun triggers are exact: the kernel sources (hip/), the makefiles the
//! `kernels` target reads (Makefile, mk/), spec/kernels.txt, VERSION,
//! amdgpu_processors.def, the prebuilt bundle and its manifest, and the environment
//! variables below. Nothing else reruns it: not a GPU added to the machine
//! (`cargo clean -p candle-rocm-kernels`, or CANDLE_ROCM_ARCH, decides anew).
//!
//! Cargo.toml's version must be the VERSION file's (the project's one
//! copy, which Cargo.toml cannot read): a mismatch fails the build.

// What this script reads with lives in build/, beside the tests that feed
// it (build/test_*.rs, crate roots there, which reach these modules by a
// plain `mod`).
#[path = "build/build_inputs.rs"]
mod build_inputs;
#[path = "build/offload.rs"]
mod offload;
// The library's device-matching rule, of which only the target-ID parser is
// used here: the one file both compile (the library is not a dependency of
// its own build script).
#[allow(dead_code)]
#[path = "src/target.rs"]
mod target;

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
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
    // CANDLE_ROCM_ARCH=default asks for the default list: nothing specific.
    let asked: Vec<String> = non_empty("CANDLE_ROCM_ARCH")
        .map(|a| a.split_whitespace().map(str::to_owned).collect())
        .filter(|a: &Vec<String>| a != &["default"])
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
            let choice = choose_archs(&asked);
            let started = Instant::now();
            let (path, built) = build_with_make(&csrc, &out_dir, &choice);
            say_what_was_built(&built, &choice, started.elapsed().as_secs_f64());
            let manifest = path.with_extension("manifest");
            (path, manifest, "make", built)
        }
    };

    let bundle = build_inputs::read_regular(&bundle_path, build_inputs::BUNDLE_MAX_BYTES, "the bundle")
        .unwrap_or_else(|e| fail(&e));
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
    // Control characters escaped (a path or file may hold them), lines kept.
    let shown: Vec<String> = msg
        .lines()
        .map(|l| {
            l.chars()
                .map(|c| if c.is_control() { c.escape_debug().to_string() } else { c.to_string() })
                .collect()
        })
        .collect();
    eprintln!("error: {}", shown.join("\n"));
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

/// Why these archs are built.
enum Why {
    /// CANDLE_ROCM_ARCH names them.
    Asked,
    /// CANDLE_ROCM_ARCH=default.
    AskedDefault,
    /// The AMD GPUs of this machine, as the named tool reports them.
    Found(String),
    /// No AMD GPU found: the default list.
    NoGpu,
}

/// The archs to build (the Makefile's ARCH value) and why.
struct Choice {
    arch: String,
    why: Why,
}

impl Choice {
    fn because(&self) -> String {
        match &self.why {
            Why::Asked => "CANDLE_ROCM_ARCH".into(),
            Why::AskedDefault => "CANDLE_ROCM_ARCH=default".into(),
            Why::Found(tool) => format!("the AMD GPU(s) {tool} found here"),
            Why::NoGpu => "no AMD GPU found here".into(),
        }
    }

    /// How to build other archs than these.
    fn hint(&self) -> &'static str {
        match self.why {
            Why::Asked => "",
            Why::Found(_) => "; for GPUs other than this machine's (a binary to ship), set CANDLE_ROCM_ARCH=default (every default arch) or a list",
            Why::AskedDefault | Why::NoGpu => "; to build only your GPU's, set CANDLE_ROCM_ARCH, e.g. CANDLE_ROCM_ARCH=gfx1100 (amdgpu-arch or rocminfo names your GPU's gfx arch)",
        }
    }
}

/// CANDLE_ROCM_ARCH's archs; else those of this machine's AMD GPUs; else
/// the default list. Without CANDLE_ROCM_ARCH a build follows the machine
/// it runs on, as candle-kernels follows the local GPU's compute capability.
fn choose_archs(asked: &[String]) -> Choice {
    if !asked.is_empty() {
        return Choice { arch: asked.join(" "), why: Why::Asked };
    }
    if non_empty("CANDLE_ROCM_ARCH").is_some() {
        return Choice { arch: "default".into(), why: Why::AskedDefault };
    }
    match detect::local_gpu_archs() {
        Some((archs, tool)) if !archs.is_empty() => Choice { arch: archs.join(" "), why: Why::Found(tool) },
        _ => Choice { arch: "default".into(), why: Why::NoGpu },
    }
}

/// The cargo warning: which archs were compiled, and how to compile others.
fn say_what_was_built(archs: &[String], choice: &Choice, secs: f64) {
    let list = archs.join(" ");
    let count = if archs.len() == 1 { String::new() } else { format!("{} archs: ", archs.len()) };
    println!(
        "cargo:warning=built the QUANTIZED kernels for {count}{list} ({}) in {secs:.0} s{}",
        choice.because(),
        choice.hint()
    );
}

/// Progress for the person waiting: cargo keeps a build script's stderr
/// until it fails (or shows it with -vv), so each line also goes to the
/// terminal, when cargo runs in one.
struct Progress {
    tty: Option<fs::File>,
}

impl Progress {
    fn new() -> Progress {
        Progress { tty: fs::OpenOptions::new().write(true).open("/dev/tty").ok() }
    }

    fn say(&mut self, msg: &str) {
        eprintln!("candle-rocm-kernels: {msg}");
        if let Some(tty) = &mut self.tty {
            // Over cargo's progress bar: clear its line first.
            let _ = write!(tty, "\r\x1b[2K   candle-rocm-kernels: {msg}\n");
        }
    }
}

/// What to install for the kernel build, as Debian packages (the crate has
/// no scripts/install-deps.sh): make expands $(LLVM_VER).
const INSTALL_HINT: &str = "install the Debian packages clang-$(LLVM_VER) lld-$(LLVM_VER) llvm-$(LLVM_VER) \
     clang-tools-$(LLVM_VER) rocm-device-libs (apt-get install ...), or set ROCM_PATH to a ROCm install";

/// A make of csrc/ into `build` for `choice`, with the caller's make
/// variables scrubbed.
fn make_command(csrc: &Path, build: &Path, choice: &Choice, goal: &str) -> Command {
    let mut make = Command::new("make");
    make.current_dir(csrc).arg("PLATFORM=amd").arg(format!("BUILD={}", build.display()));
    // Always an ARCH: without one, the build dir would keep the archs of its
    // last build (mk/archs.mk), not follow CANDLE_ROCM_ARCH being unset.
    make.arg(format!("ARCH={}", choice.arch));
    // The Makefile's messages, in the crate's words: the variable a crate
    // user sets, and packages rather than the repository's install script.
    if matches!(choice.why, Why::Asked) {
        make.arg("ARCH_FROM=CANDLE_ROCM_ARCH");
    }
    make.arg(format!("INSTALL_HINT={INSTALL_HINT}"));
    if let Some(rocm) = non_empty("ROCM_PATH") {
        make.arg(format!("ROCM_PATH={rocm}"));
    }
    make.arg(goal);
    for v in SCRUBBED_ENV {
        make.env_remove(v);
    }
    make
}

/// The archs `make kernels` would build (`make toolchain`'s list: the asked
/// ones less those the compiler cannot target), or None when make cannot
/// say (no toolchain: the build itself then fails with what to install).
fn planned_archs(csrc: &Path, build: &Path, choice: &Choice) -> Option<Vec<String>> {
    let out = make_command(csrc, build, choice, "toolchain").arg("-s").stderr(Stdio::null()).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find_map(|l| l.strip_prefix("archs:"))?;
    Some(line.split_whitespace().map(str::to_owned).collect()).filter(|_| out.status.success())
}

/// Runs the Makefile's `kernels` target (in csrc/) into OUT_DIR, saying
/// before it starts what it builds and how to build less, and as it goes
/// each arch done. Returns the bundle's path and the archs the Makefile
/// built (its archs.list).
fn build_with_make(csrc: &Path, out_dir: &Path, choice: &Choice) -> (PathBuf, Vec<String>) {
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
    let mut progress = Progress::new();
    let planned = planned_archs(csrc, &build, choice);
    let what = match &planned {
        Some(a) if a.len() == 1 => a[0].clone(),
        Some(a) => format!("{} archs ({})", a.len(), a.join(" ")),
        None if choice.arch == "default" => "every default arch".to_owned(),
        None => choice.arch.clone(),
    };
    // About 10 s of one core per arch (README's table: 23 archs, 3 min 45 s of CPU).
    let minutes = planned.as_ref().map_or(0, |a| a.len()) * 10 / 60;
    let long = if minutes >= 1 { format!(", some {minutes} min of CPU") } else { String::new() };
    progress.say(&format!(
        "compiling the QUANTIZED kernels for {what} ({}){long}{}",
        choice.because(),
        choice.hint()
    ));

    let mut make = make_command(csrc, &build, choice, "kernels");
    // Share cargo's jobserver: make runs as many jobs as cargo allows us.
    if let Some(flags) = env::var_os("CARGO_MAKEFLAGS") {
        make.env("MAKEFLAGS", flags);
    }
    let mut child = make.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap_or_else(|e| {
        fail(&format!(
            "cannot run make ({e}): install GNU make, or set CANDLE_ROCM_KERNELS_BUNDLE to a prebuilt bundle"
        ))
    });
    // stderr is gathered aside (its `***` lines are the reason of a
    // failure); stdout is read line by line for the progress: make prints
    // `LINK .../ARCH.hsaco` once per arch. Everything make says goes to our
    // stderr (shown on failure, or with -vv): our stdout is cargo's.
    let stderr = child.stderr.take().expect("piped");
    let gather = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = BufReader::new(stderr).read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    let total = planned.as_ref().map_or(0, Vec::len);
    let mut done = 0;
    for line in BufReader::new(child.stdout.take().expect("piped")).lines().map_while(Result::ok) {
        eprintln!("{line}");
        let linked = line.trim_start().strip_prefix("LINK").and_then(|r| r.trim().strip_suffix(".hsaco"));
        if let Some(arch) = linked.and_then(|p| p.rsplit('/').next()) {
            done += 1;
            let of = if total > 0 { format!(" of {total}") } else { String::new() };
            progress.say(&format!("{arch} done ({done}{of}, {:.0} s)", started.elapsed().as_secs_f64()));
        }
    }
    let status = child.wait().unwrap_or_else(|e| fail(&format!("make: {e}")));
    let stderr = gather.join().unwrap_or_default();
    eprint!("{stderr}");
    if !status.success() {
        // make's `$(error ...)` lines say what is missing and what to install.
        let reasons: Vec<&str> = stderr.lines().filter(|l| l.contains("***")).collect();
        let reason = if reasons.is_empty() {
            stderr.trim_end().lines().last().unwrap_or("").to_owned()
        } else {
            reasons.join("\n")
        };
        fail(&format!(
            "building the kernels with make failed ({status}):\n{}\n\
             (or set CANDLE_ROCM_KERNELS_BUNDLE to a prebuilt quantized.hsaco to embed instead)",
            in_crate_words(&reason)
        ));
    }

    let amd = build.join("amd");
    let archs = fs::read_to_string(amd.join("archs.list"))
        .unwrap_or_else(|e| fail(&format!("make left no {}: {e}", amd.join("archs.list").display())));
    (amd.join("quantized.hsaco"), archs.split_whitespace().map(str::to_owned).collect())
}

/// make's message as a crate user reads it: the archs are CANDLE_ROCM_ARCH
/// (make's ARCH=), and the crate's own folder is csrc/.
fn in_crate_words(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(i) = rest.find("ARCH=") {
        let before = &rest[..i];
        out.push_str(before);
        let joined = before.chars().last().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        out.push_str(if joined { "ARCH=" } else { "CANDLE_ROCM_ARCH=" });
        rest = &rest[i + 5..];
    }
    out.push_str(rest);
    out
}

/// The manifest's text, at most build_inputs::MANIFEST_MAX_BYTES of it,
/// from a regular file.
fn read_manifest(path: &Path, origin: &str) -> String {
    let how = if origin == "make" {
        "make's `kernels` target writes it beside the bundle"
    } else {
        "a prebuilt bundle needs the manifest make wrote beside it (quantized.manifest beside \
         quantized.hsaco); copy it along, or name it with CANDLE_ROCM_KERNELS_MANIFEST"
    };
    let bytes = build_inputs::read_regular(path, build_inputs::MANIFEST_MAX_BYTES, "the manifest")
        .unwrap_or_else(|e| fail(&format!("{e}: {how}")));
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

/// Which AMD GPUs this machine has, asked of the tools that know: clang's
/// amdgpu-arch, then ROCm's rocminfo.
mod detect {
    use std::path::PathBuf;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    /// The gfx processors of this machine's AMD GPUs, each once, and the
    /// tool that named them. The first tool that runs and succeeds decides
    /// (an empty list: no AMD GPU); one that is absent or fails (as
    /// amdgpu-arch does without a GPU driver) passes to the next. None when
    /// no tool could tell.
    pub fn local_gpu_archs() -> Option<(Vec<String>, String)> {
        let rocm = super::non_empty("ROCM_PATH").unwrap_or_else(|| "/opt/rocm".into());
        let mut amdgpu_arch: Vec<PathBuf> =
            vec!["amdgpu-arch".into(), format!("{rocm}/llvm/bin/amdgpu-arch").into()];
        amdgpu_arch.extend(["amdgpu-arch-20", "amdgpu-arch-19", "amdgpu-arch-18"].map(PathBuf::from));
        for tool in &amdgpu_arch {
            if let Some(out) = run(tool) {
                // One processor per line, one line per GPU.
                return Some((processors(out.lines().map(str::trim)), tool.display().to_string()));
            }
        }
        for tool in [PathBuf::from("rocminfo"), format!("{rocm}/bin/rocminfo").into()] {
            if let Some(out) = run(&tool) {
                // "  Name:  gfx1100" for each GPU agent (CPU agents have other names).
                let names = out.lines().filter_map(|l| l.trim().strip_prefix("Name:")).map(str::trim);
                return Some((processors(names), tool.display().to_string()));
            }
        }
        None
    }

    /// The gfx processor names among `names` (features dropped: the build
    /// makes feature-neutral code objects), each once, in order.
    fn processors<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for name in names {
            let p = name.split(':').next().unwrap_or("");
            let is_gfx =
                p.len() > 3 && p.starts_with("gfx") && p[3..].bytes().all(|b| b.is_ascii_alphanumeric());
            if is_gfx && !out.iter().any(|o| o == p) {
                out.push(p.to_owned());
            }
        }
        out
    }

    /// The tool's stdout when it ran and succeeded within 20 s.
    fn run(tool: &PathBuf) -> Option<String> {
        let mut child = Command::new(tool)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        // Read as it comes (rocminfo says a lot: a full pipe would stall it).
        let mut stdout = child.stdout.take()?;
        let reader = std::thread::spawn(move || {
            let mut out = String::new();
            std::io::Read::read_to_string(&mut stdout, &mut out).ok().map(|_| out)
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        let succeeded = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status.success(),
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break false;
                }
            }
        };
        let out = reader.join().ok().flatten();
        out.filter(|_| succeeded)
    }
}
