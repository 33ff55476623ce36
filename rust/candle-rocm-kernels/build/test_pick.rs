//! test_pick.rs: the crate's device-matching rule (src/target.rs) gives the C
//! loader's answers, on the cases of the C test (test/loader/test_loader_pick.c):
//! its three fixture bundles' target lists, with the generic targets read
//! from format/amdgpu_processors.def as build.rs reads them. The loader's opt-in ISA
//! fallback is not the crate's: where the C test allows it, the crate must
//! answer None, as the loader does without it.

#[allow(dead_code)]
mod build_inputs;
#[allow(dead_code)]
mod offload;
use candle_rocm_kernels::target;

use target::{Feature, Match};

const PROCESSORS_DEF: &str = include_str!("../csrc/format/amdgpu_processors.def");

/// The fixtures of test/loader/loader.mk: PICK_SPECIFIC, the five generic
/// targets (AMD_GENERIC_ARCHS), PICK_MIXED.
const SPECIFIC: &[&str] = &[
    "gfx900",
    "gfx1010",
    "gfx1011",
    "gfx1030",
    "gfx1100",
    "gfx1150",
    "gfx1200",
    "gfx90a:xnack+",
    "gfx90a:xnack-",
];
const GENERIC_ONLY: &[&str] =
    &["gfx9-generic", "gfx10-1-generic", "gfx10-3-generic", "gfx11-generic", "gfx12-generic"];
const MIXED: &[&str] = &["gfx1030", "gfx1100", "gfx10-3-generic", "gfx11-generic"];

fn generic_table() -> Vec<(String, String)> {
    build_inputs::generic_targets(PROCESSORS_DEF).unwrap_or_else(|e| panic!("amdgpu_processors.def: {e}"))
}

/// The target the rule picks for a device among `targets`, and how.
fn pick<'a>(targets: &[&'a str], device: &str) -> Option<(&'a str, Match)> {
    let table = generic_table();
    let rows: Vec<(&str, &str)> = table.iter().map(|(p, g)| (p.as_str(), g.as_str())).collect();
    target::pick(targets.iter().copied(), device, &rows).map(|(i, how)| (targets[i], how))
}

#[test]
fn generic_table_is_read_from_the_processor_table() {
    let table = generic_table();
    // The 31 processors with a generic target: gfx900-gfx950 less gfx908 and
    // gfx90a, gfx1010-gfx1201; not gfx6-8, gfx1250/1251 or the generics.
    assert_eq!(table.len(), 31, "{table:?}");
    let of = |p: &str| table.iter().find(|(q, _)| q == p).map(|(_, g)| g.as_str());
    assert_eq!(of("gfx900"), Some("gfx9-generic"));
    assert_eq!(of("gfx906"), Some("gfx9-generic"));
    assert_eq!(of("gfx942"), Some("gfx9-4-generic"));
    assert_eq!(of("gfx1013"), Some("gfx10-1-generic"));
    assert_eq!(of("gfx1036"), Some("gfx10-3-generic"));
    assert_eq!(of("gfx1153"), Some("gfx11-generic"));
    assert_eq!(of("gfx1201"), Some("gfx12-generic"));
    assert_eq!(of("gfx90a"), None);
    assert_eq!(of("gfx803"), None);
}

#[test]
fn exact_target_ids_features_included() {
    assert_eq!(pick(SPECIFIC, "gfx1100"), Some(("gfx1100", Match::Exact)));
    assert_eq!(pick(SPECIFIC, "gfx1030"), Some(("gfx1030", Match::Exact)));
    assert_eq!(pick(SPECIFIC, "gfx90a:sramecc+:xnack+"), Some(("gfx90a:xnack+", Match::Exact)));
    assert_eq!(pick(SPECIFIC, "gfx90a:sramecc+:xnack-"), Some(("gfx90a:xnack-", Match::Exact)));
    assert_eq!(pick(SPECIFIC, "gfx1200"), Some(("gfx1200", Match::Exact)));
    // A device that reports no xnack setting fits no code object that pins one.
    assert_eq!(pick(SPECIFIC, "gfx90a"), None);
}

#[test]
fn the_most_specific_exact_target_wins() {
    let any_first = ["gfx90a", "gfx90a:xnack-", "gfx90a:sramecc+:xnack-"];
    assert_eq!(pick(&any_first, "gfx90a:sramecc+:xnack-"), Some(("gfx90a:sramecc+:xnack-", Match::Exact)));
    assert_eq!(pick(&any_first, "gfx90a:sramecc-:xnack-"), Some(("gfx90a:xnack-", Match::Exact)));
    assert_eq!(pick(&any_first, "gfx90a:sramecc-:xnack+"), Some(("gfx90a", Match::Exact)));
    // Equally specific: the first in bundle order, as the loader's strict '>'.
    assert_eq!(
        pick(&["gfx90a:xnack-", "gfx90a:sramecc+"], "gfx90a:sramecc+:xnack-"),
        Some(("gfx90a:xnack-", Match::Exact))
    );
}

#[test]
fn no_isa_fallback_no_family_no_fit() {
    // The loader picks these only with its ISA fallback allowed.
    for device in [
        "gfx1031",
        "gfx1103",
        "gfx1101",
        "gfx1152",
        "gfx1012",
        "gfx1013",
        "gfx90c:xnack+",
        "gfx1201",
        "gfx1034",
    ] {
        assert_eq!(pick(SPECIFIC, device), None, "{device}");
    }
    // Never, not even with it.
    for device in ["gfx906", "gfx908", "gfx803"] {
        assert_eq!(pick(SPECIFIC, device), None, "{device}");
    }
    assert_eq!(pick(GENERIC_ONLY, "gfx90a:sramecc+:xnack-"), None, "no generic target covers gfx90a");
}

#[test]
fn a_generic_only_bundle_serves_every_family_member() {
    for (device, want) in [
        ("gfx900", "gfx9-generic"),
        ("gfx906", "gfx9-generic"),
        ("gfx1012", "gfx10-1-generic"),
        ("gfx1031", "gfx10-3-generic"),
        ("gfx1103", "gfx11-generic"),
        ("gfx1151", "gfx11-generic"),
        ("gfx1201", "gfx12-generic"),
        ("gfx1035", "gfx10-3-generic"),
        ("gfx1153", "gfx11-generic"),
    ] {
        assert_eq!(pick(GENERIC_ONLY, device), Some((want, Match::Generic)), "{device}");
    }
}

#[test]
fn exact_beats_generic() {
    assert_eq!(pick(MIXED, "gfx1030"), Some(("gfx1030", Match::Exact)));
    assert_eq!(pick(MIXED, "gfx1031"), Some(("gfx10-3-generic", Match::Generic)));
    assert_eq!(pick(MIXED, "gfx1100"), Some(("gfx1100", Match::Exact)));
    assert_eq!(pick(MIXED, "gfx1103"), Some(("gfx11-generic", Match::Generic)));
    assert_eq!(pick(MIXED, "gfx1036"), Some(("gfx10-3-generic", Match::Generic)));
    // Bundle order does not matter: the generic target listed first still loses.
    assert_eq!(pick(&["gfx11-generic", "gfx1100"], "gfx1100"), Some(("gfx1100", Match::Exact)));
}

#[test]
fn malformed_target_ids_fit_nothing() {
    for bad in ["", ":xnack+", "gfx90a:frob+", "gfx1100:xnack", "gfx90a:xnack+:xnack-"] {
        assert_eq!(pick(MIXED, bad), None, "device '{bad}'");
    }
    // A runtime's name with a newline or an escape sequence is no processor
    // (and an error shows it escaped), not a near miss of gfx1100.
    for bad in ["gfx1100\n", "gfx1100\u{1b}[2J", "GFX1100", "gfx 1100", "gfx1100\0"] {
        assert_eq!(pick(&["gfx1100"], bad), None, "device {bad:?}");
        let e = target::parse_target_id(bad).expect_err("not a target ID");
        assert!(e.contains("is not a processor name") && !e.chars().any(char::is_control), "{e:?}");
    }
    // A malformed entry in the list is skipped, not a match and not a panic.
    assert_eq!(pick(&["gfx1100:bogus+", "gfx1100"], "gfx1100"), Some(("gfx1100", Match::Exact)));
    assert_eq!(
        target::parse_target_id("gfx90a:sramecc+:xnack-"),
        Ok(target::TargetId { processor: "gfx90a", xnack: Feature::Off, sramecc: Feature::On })
    );
}
