//! offload.rs: the index of a clang offload bundle (which entries it holds,
//! and where), read on the host. Nothing inside the entries is read: what a
//! code object holds comes from the manifest make writes beside the bundle
//! (see build.rs).
//!
//! Used by build.rs (the code object table it generates) and the tests
//! beside it in build/; the
//! library itself gets that table as generated constants.
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
//! Every offset, size and length is checked against the buffer before use,
//! and all arithmetic on them is checked (no `+` that a hostile file could
//! overflow): a bad bundle gives an error that names the entry, never a
//! panic, in a debug build (build.rs) or not.

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
