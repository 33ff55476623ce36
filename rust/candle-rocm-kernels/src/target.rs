//! target.rs: AMDGPU target IDs, and which code object of a bundle a device
//! gets.
//!
//! The rule is the C loader's (format/target_pick.c), minus its opt-in ISA
//! fallback, in the same order, most specific first:
//! 1. exact: the device's own processor, each feature (xnack, sramecc)
//!    either unpinned in the code object or equal to the device's; among
//!    those, the one pinning the most features;
//! 2. else the generic target of the device's family (gfx11-generic for a
//!    gfx1103), by the same feature rule.
//!
//! Ties go to the first in bundle order, as in the loader. The ISA fallback
//! is left out: it works only on a copy whose ELF header names the device's
//! processor (the loader makes one), never on the bundle's own bytes, which
//! is all this crate hands out. Which processor has which generic target is
//! not written here: build.rs reads it from the project's one processor
//! table, format/amdgpu_processors.def (the one the loader uses), and
//! passes it in.
//!
//! Shared by the library and build.rs (which checks the manifest's target
//! IDs with [`parse_target_id`]); public, hidden from the docs, for the
//! tests in build/.

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

impl TargetId<'_> {
    /// How many features this target pins (a more specific code object).
    fn pinned(&self) -> u8 {
        u8::from(self.xnack != Feature::Any) + u8::from(self.sramecc != Feature::Any)
    }
}

/// Parses a target ID (a bundle entry's tail, or a device's gcnArchName).
/// Errors on an empty processor, one with characters no processor name
/// has, an unknown feature or a repeated one.
pub fn parse_target_id(s: &str) -> Result<TargetId<'_>, String> {
    let mut parts = s.split(':');
    let processor = parts.next().unwrap_or("");
    if processor.is_empty() {
        return Err(format!("target ID '{s}' has no processor"));
    }
    // Processor names are lower-case letters, digits and '-' (gfx1100,
    // gfx11-generic): anything else (a newline, an escape sequence) is no
    // processor, and is shown escaped.
    if !processor.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        return Err(format!(
            "target ID '{}': '{}' is not a processor name",
            s.escape_debug(),
            processor.escape_debug()
        ));
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

/// Which rule picked a code object for a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Match {
    /// The family's generic target (gfx11-generic for a gfx1103).
    Generic,
    /// The device's own processor.
    Exact,
}

/// The generic target of `processor` in `generic_targets` (rows of
/// processor and generic target), if it has one.
pub fn generic_target_of<'t>(processor: &str, generic_targets: &[(&str, &'t str)]) -> Option<&'t str> {
    generic_targets.iter().find(|&&(p, _)| p == processor).map(|&(_, g)| g)
}

/// The code object a device gets among `targets` (bundle order): its index
/// and the rule that picked it, or None when none fits (or `device_arch`
/// is not a target ID). A target that does not parse never fits.
pub fn pick<'a>(
    targets: impl IntoIterator<Item = &'a str>,
    device_arch: &str,
    generic_targets: &[(&str, &str)],
) -> Option<(usize, Match)> {
    let device = parse_target_id(device_arch).ok()?;
    let generic = generic_target_of(device.processor, generic_targets);
    let features_fit = |have: &TargetId<'_>| {
        let fits = |h: Feature, d: Feature| h == Feature::Any || h == d;
        fits(have.xnack, device.xnack) && fits(have.sramecc, device.sramecc)
    };
    let mut best: Option<(usize, (Match, u8))> = None;
    for (i, target) in targets.into_iter().enumerate() {
        let Ok(have) = parse_target_id(target) else { continue };
        let rule = if have.processor == device.processor {
            Match::Exact
        } else if Some(have.processor) == generic {
            Match::Generic
        } else {
            continue;
        };
        let rank = (rule, have.pinned());
        if features_fit(&have) && best.is_none_or(|(_, r)| rank > r) {
            best = Some((i, rank));
        }
    }
    best.map(|(i, (rule, _))| (i, rule))
}
