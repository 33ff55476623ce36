//! offload.rs: read clang offload bundles, AMDGPU target IDs and the ELF
//! symbol tables of AMDGPU code objects, on the host, with no GPU.
//!
//! One file, shared three ways: build.rs includes it to list the bundle's
//! archs and kernels, the library uses the target-ID rules, and the tests
//! include it to check the embedded bundle. It mirrors embed/bundle.c (the C
//! side's parser): a crate with no dependencies cannot link that one.
//!
//! Bundle layout (uncompressed; all integers little-endian u64):
//! ```text
//!   "__CLANG_OFFLOAD_BUNDLE__"   magic, 24 bytes
//!   count                        number of entries
//!   count x { offset, size, id_len, id[id_len] }
//! ```
//! An entry id is `<kind>-<arch>-<vendor>-<os>-<env>-<target id>`, e.g.
//! `hipv4-amdgcn-amd-amdhsa--gfx90a:xnack-`; the host entry's target is empty.
//!
//! Every offset and size is checked against the buffer before use, and all
//! arithmetic on them is checked (no `+` that a hostile file could
//! overflow): a bad bundle or code object gives an error that names the
//! entry or section, never a panic, in a debug build (build.rs) or not.

/// The first 24 bytes of an uncompressed offload bundle.
pub const BUNDLE_MAGIC: &[u8; 24] = b"__CLANG_OFFLOAD_BUNDLE__";

/// One entry of a bundle: its id and where its bytes lie in the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    pub id: &'a str,
    pub offset: usize,
    pub size: usize,
}

impl<'a> Entry<'a> {
    /// "hipv4", "hip", "host", ...: the text before the first '-'.
    pub fn kind(&self) -> &'a str {
        split_id(self.id).map_or("", |(kind, _)| kind)
    }

    /// The target ID ("gfx90a:xnack-"), empty for the host entry.
    pub fn target(&self) -> &'a str {
        split_id(self.id).map_or("", |(_, target)| target)
    }

    /// True for the (empty) host entry that bundlers insist on.
    pub fn is_host(&self) -> bool {
        self.kind() == "host"
    }

    /// The entry's bytes inside `bundle` (the buffer it was parsed from);
    /// None when they do not lie in it (another buffer, a made-up entry).
    pub fn bytes<'b>(&self, bundle: &'b [u8]) -> Option<&'b [u8]> {
        bundle.get(self.offset..self.offset.checked_add(self.size)?)
    }
}

/// Splits an entry id into kind and target ID (the text after the fifth
/// '-'). Older bundlers write the host entry with four dashes.
fn split_id(id: &str) -> Option<(&str, &str)> {
    let kind = &id[..id.find('-')?];
    match id.match_indices('-').nth(4) {
        Some((i, _)) => Some((kind, &id[i + 1..])),
        None if kind == "host" && id.matches('-').count() == 4 => Some((kind, "")),
        None => None,
    }
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at.checked_add(2)?)?.try_into().ok()?))
}
fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?))
}
fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at.checked_add(8)?)?.try_into().ok()?))
}

/// Parses the bundle header: every entry, host included, in file order.
pub fn parse_bundle(data: &[u8]) -> Result<Vec<Entry<'_>>, String> {
    if !data.starts_with(BUNDLE_MAGIC) {
        return Err("not a clang offload bundle (no __CLANG_OFFLOAD_BUNDLE__ magic; \
                    a compressed bundle (CCOB) is not supported)"
            .into());
    }
    let count =
        u64_at(data, 24).ok_or_else(|| format!("bundle truncated: {} bytes, no entry count", data.len()))?;
    let mut pos = 32usize;
    // Each entry header is at least 24 bytes: bound the count before looping.
    if count > (data.len().saturating_sub(pos) / 24) as u64 {
        return Err(format!("bundle claims {count} entries, but its {} bytes cannot hold them", data.len()));
    }
    let mut entries = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    let field = |at: usize, k: usize| at.checked_add(k).and_then(|p| u64_at(data, p));
    for i in 0..count {
        let (off, size, id_len) = match (field(pos, 0), field(pos, 8), field(pos, 16)) {
            (Some(o), Some(s), Some(l)) => (o, s, l),
            _ => return Err(format!("bundle entry {i}: header truncated")),
        };
        pos = pos.checked_add(24).ok_or_else(|| format!("bundle entry {i}: header truncated"))?;
        let id_bytes = usize::try_from(id_len)
            .ok()
            .and_then(|n| data.get(pos..pos.checked_add(n)?))
            .ok_or_else(|| format!("bundle entry {i}: id length {id_len} runs past the end"))?;
        pos = pos
            .checked_add(id_bytes.len())
            .ok_or_else(|| format!("bundle entry {i}: id runs past the end"))?;
        let id = std::str::from_utf8(id_bytes).map_err(|_| format!("bundle entry {i}: id is not UTF-8"))?;
        // Inside the buffer, so both fit a usize.
        let range = usize::try_from(off)
            .ok()
            .zip(usize::try_from(size).ok())
            .filter(|&(o, s)| o.checked_add(s).is_some_and(|end| end <= data.len()));
        let Some((offset, size)) = range else {
            return Err(format!(
                "bundle entry {i} ({id}): bytes {off}+{size} lie outside the {}-byte bundle",
                data.len()
            ));
        };
        if split_id(id).is_none() {
            return Err(format!("bundle entry {i}: malformed id '{id}' (fewer than five '-')"));
        }
        entries.push(Entry { id, offset, size });
    }
    Ok(entries)
}

/// A target feature (xnack, sramecc): unspecified (any), on or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    Any,
    On,
    Off,
}

/// A parsed target ID such as "gfx90a:sramecc+:xnack-".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetId<'a> {
    pub processor: &'a str,
    pub xnack: Feature,
    pub sramecc: Feature,
}

/// Parses a target ID (a bundle entry's tail, or a device's gcnArchName).
/// Errors on an empty processor, an unknown feature or a repeated one.
pub fn parse_target_id(s: &str) -> Result<TargetId<'_>, String> {
    let mut parts = s.split(':');
    let processor = parts.next().unwrap_or("");
    if processor.is_empty() {
        return Err(format!("target ID '{s}' has no processor"));
    }
    let mut t = TargetId { processor, xnack: Feature::Any, sramecc: Feature::Any };
    for f in parts {
        let (name, state) = match f.strip_suffix('+') {
            Some(n) => (n, Feature::On),
            None => match f.strip_suffix('-') {
                Some(n) => (n, Feature::Off),
                None => return Err(format!("target ID '{s}': feature '{f}' lacks + or -")),
            },
        };
        let slot = match name {
            "xnack" => &mut t.xnack,
            "sramecc" => &mut t.sramecc,
            _ => return Err(format!("target ID '{s}': unknown feature '{name}'")),
        };
        if *slot != Feature::Any {
            return Err(format!("target ID '{s}': feature '{name}' repeated"));
        }
        *slot = state;
    }
    Ok(t)
}

/// True when code built for `have` runs on a device that reports `device`:
/// the same processor, and each feature either unspecified in `have` or the
/// same as the device's (the rule the HIP runtime applies to bundles).
pub fn target_compatible(have: &TargetId<'_>, device: &TargetId<'_>) -> bool {
    let feature_ok = |h: Feature, d: Feature| h == Feature::Any || h == d;
    have.processor == device.processor
        && feature_ok(have.xnack, device.xnack)
        && feature_ok(have.sramecc, device.sramecc)
}

/// ELF constants of AMDGPU code objects (LLVM's BinaryFormat/ELF.h).
pub const EM_AMDGPU: u16 = 224;
pub const ELFOSABI_AMDGPU_HSA: u8 = 64;
pub const ET_DYN: u16 = 3;
pub const EF_AMDGPU_MACH: u32 = 0x0ff;
pub const EF_AMDGPU_FEATURE_XNACK_V4: u32 = 0x300;
pub const EF_AMDGPU_FEATURE_SRAMECC_V4: u32 = 0xc00;

/// The project's one AMDGPU processor table, embed/amdgpu_processors.def,
/// which the C loader and crk-dump read too (csrc/embed/ carries it into
/// the package): one `CRK_PROCESSOR("name", 0xNNN)` row per line, name and
/// EF_AMDGPU_MACH value, so a test can check that a bundle entry named gfxN
/// really holds gfxN code. Read as text: a crate with no dependencies has
/// no C preprocessor, and the rows are simple enough not to need one.
const PROCESSORS_DEF: &str = include_str!("../csrc/embed/amdgpu_processors.def");

/// One row of the table, or None for a line that is not a row (comments).
fn processor_row(line: &str) -> Option<(&str, u32)> {
    let args = line.trim().strip_prefix("CRK_PROCESSOR(\"")?.strip_suffix(')')?;
    let (name, mach) = args.split_once("\", ")?;
    Some((name, u32::from_str_radix(mach.strip_prefix("0x")?, 16).ok()?))
}

/// Every (processor, EF_AMDGPU_MACH value) row of the table, in its order.
pub fn processors() -> impl Iterator<Item = (&'static str, u32)> {
    PROCESSORS_DEF.lines().filter_map(processor_row)
}

/// The EF_AMDGPU_MACH value of a processor, if the table has it.
pub fn mach_of(processor: &str) -> Option<u32> {
    processors().find(|&(p, _)| p == processor).map(|(_, m)| m)
}

/// The lines of the table that look like rows but do not parse: none, or
/// [`processors`] would silently lack them (tests check).
pub fn processor_rows_malformed() -> Vec<&'static str> {
    PROCESSORS_DEF
        .lines()
        .filter(|l| l.trim_start().starts_with("CRK_PROCESSOR") && processor_row(l).is_none())
        .collect()
}

/// The ELF header fields that say what a code object is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ElfHeader {
    pub os_abi: u8,
    /// 2, 3, 4 for code object v4, v5, v6.
    pub abi_version: u8,
    pub elf_type: u16,
    pub machine: u16,
    pub flags: u32,
}

/// Reads the header of a 64-bit little-endian ELF file.
pub fn elf_header(elf: &[u8]) -> Result<ElfHeader, String> {
    if elf.len() < 64 || elf[..4] != *b"\x7fELF" {
        return Err("not an ELF file".into());
    }
    if elf[4] != 2 || elf[5] != 1 {
        return Err(format!("not ELF64 little-endian (class {}, data {})", elf[4], elf[5]));
    }
    Ok(ElfHeader {
        os_abi: elf[7],
        abi_version: elf[8],
        elf_type: u16_at(elf, 0x10).unwrap_or(0),
        machine: u16_at(elf, 0x12).unwrap_or(0),
        flags: u32_at(elf, 0x30).unwrap_or(0),
    })
}

/// An ELF symbol's name and what kind of thing it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol<'a> {
    pub name: &'a str,
    /// STT_*: 1 object, 2 function.
    pub kind: u8,
    /// STB_*: 0 local, 1 global, 2 weak.
    pub bind: u8,
    /// Section index; 0 is undefined.
    pub shndx: u16,
    pub size: u64,
}

pub const SHT_SYMTAB: u32 = 2;
pub const SHT_DYNSYM: u32 = 11;
pub const STT_OBJECT: u8 = 1;
pub const STT_FUNC: u8 = 2;
pub const STB_GLOBAL: u8 = 1;

struct Section {
    kind: u32,
    offset: usize,
    size: usize,
    link: u32,
    entsize: usize,
}

fn sections(elf: &[u8]) -> Result<Vec<Section>, String> {
    let shoff = u64_at(elf, 0x28).ok_or("ELF header truncated")?;
    let shentsize = usize::from(u16_at(elf, 0x3a).ok_or("ELF header truncated")?);
    let shnum = usize::from(u16_at(elf, 0x3c).ok_or("ELF header truncated")?);
    if shnum > 0 && shentsize < 64 {
        return Err(format!("section header size {shentsize} < 64"));
    }
    (0..shnum)
        .map(|i| {
            let at = i
                .checked_mul(shentsize)
                .and_then(|o| usize::try_from(shoff).ok()?.checked_add(o))
                .filter(|&at| at < elf.len())
                .ok_or(format!("section header {i} (table at {shoff}) lies outside the file"))?;
            let wide = |o: usize| at.checked_add(o).and_then(|p| u64_at(elf, p));
            let narrow = |o: usize| at.checked_add(o).and_then(|p| u32_at(elf, p));
            // Offsets and sizes beyond a usize cannot lie in the file.
            let field = |o: usize| wide(o).map(|v| usize::try_from(v).unwrap_or(usize::MAX));
            let s = Section {
                kind: narrow(4).ok_or(format!("section header {i} outside the file"))?,
                offset: field(24).ok_or(format!("section header {i} truncated"))?,
                size: field(32).ok_or(format!("section header {i} truncated"))?,
                link: narrow(40).ok_or(format!("section header {i} truncated"))?,
                entsize: field(56).ok_or(format!("section header {i} truncated"))?,
            };
            if s.kind != 8 /* SHT_NOBITS */ && elf.get(s.offset..s.offset.saturating_add(s.size)).is_none() {
                return Err(format!("section {i}: bytes {}+{} lie outside the file", s.offset, s.size));
            }
            Ok(s)
        })
        .collect()
}

/// The symbols of the first section of type `table` (SHT_DYNSYM: what the
/// runtime's loader looks kernels up in; SHT_SYMTAB: the full table).
/// Ok(None) when the file has no such section.
pub fn elf_symbols(elf: &[u8], table: u32) -> Result<Option<Vec<Symbol<'_>>>, String> {
    elf_header(elf)?;
    let secs = sections(elf)?;
    let Some(symtab) = secs.iter().find(|s| s.kind == table) else {
        return Ok(None);
    };
    let strtab = secs
        .get(symtab.link as usize)
        .ok_or(format!("symbol table links to missing string table {}", symtab.link))?;
    let bytes_of = |s: &Section| {
        elf.get(s.offset..s.offset.checked_add(s.size)?)
            .filter(|_| s.kind != 8 /* SHT_NOBITS: no bytes in the file */)
    };
    let strings = bytes_of(strtab).ok_or("string table has no bytes in the file")?;
    if symtab.entsize != 24 {
        return Err(format!("symbol entry size {} (expected 24)", symtab.entsize));
    }
    let syms = bytes_of(symtab).ok_or("symbol table has no bytes in the file")?;
    let mut out = Vec::with_capacity(syms.len() / 24);
    for (i, s) in syms.chunks_exact(24).enumerate() {
        let name_at = u32_at(s, 0).unwrap_or(0) as usize;
        let tail = strings.get(name_at..).ok_or(format!("symbol {i}: name outside the string table"))?;
        let end = tail.iter().position(|&c| c == 0).ok_or(format!("symbol {i}: name not terminated"))?;
        let name = std::str::from_utf8(&tail[..end]).map_err(|_| format!("symbol {i}: name not UTF-8"))?;
        out.push(Symbol {
            name,
            kind: s[4] & 0xf,
            bind: s[4] >> 4,
            shndx: u16_at(s, 6).unwrap_or(0),
            size: u64_at(s, 16).unwrap_or(0),
        });
    }
    Ok(Some(out))
}

/// The kernels of a code object, sorted: every NAME with a defined, global
/// kernel descriptor object "NAME.kd" in its dynamic symbol table (the table
/// hipModuleGetFunction resolves names through).
pub fn kernel_names(elf: &[u8]) -> Result<Vec<String>, String> {
    let syms = elf_symbols(elf, SHT_DYNSYM)?.ok_or("no dynamic symbol table (.dynsym)")?;
    let mut names: Vec<String> = syms
        .iter()
        .filter(|s| s.kind == STT_OBJECT && s.bind == STB_GLOBAL && s.shndx != 0)
        .filter_map(|s| s.name.strip_suffix(".kd"))
        .map(str::to_owned)
        .collect();
    names.sort();
    names.dedup();
    Ok(names)
}
