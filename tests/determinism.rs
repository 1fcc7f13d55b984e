//! The native half of the determinism check: the fixture's digest is the recorded one.
//! (`tests/browser.rs` checks the same digest in headless Chromium.)
#![cfg(not(target_arch = "wasm32"))]

#[path = "common/determinism.rs"]
mod determinism;

#[test]
fn native_run_matches_the_recorded_digest() {
    let got = determinism::digest();
    if std::env::var_os("SPILLWAY_WRITE_DIGEST").is_some() {
        std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/determinism/digest.txt"), &got).unwrap();
    }
    assert_eq!(got, determinism::DIGEST.trim(), "engine output changed; if on purpose, rerun with SPILLWAY_WRITE_DIGEST=1");
}

#[test]
fn same_scenario_twice_gives_the_same_digest() {
    assert_eq!(determinism::digest(), determinism::digest());
}

#[path = "common/options_determinism.rs"]
mod options_determinism;

#[test]
fn option_models_match_the_recorded_digest() {
    let got = options_determinism::digest();
    if std::env::var_os("SPILLWAY_WRITE_DIGEST").is_some() {
        std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/determinism/options_digest.txt"), &got).unwrap();
    }
    assert_eq!(got, options_determinism::DIGEST.trim(), "option model output changed; if on purpose, rerun with SPILLWAY_WRITE_DIGEST=1");
}
