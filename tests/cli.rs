#![cfg(not(target_arch = "wasm32"))]
//! The `spillway` binary's small contracts: `--help` succeeds on stdout; `simulate --summary`
//! prints amounts in the venue's currency; scenario files are read strictly.

use std::process::{Command, Output};

fn spillway(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spillway")).args(args).output().unwrap()
}

/// A preset with another quote currency, written to a temporary file.
fn preset_in(id: &str, quote: &str) -> std::path::PathBuf {
    let mut s = spillway::scenario::presets::by_id(id).unwrap().scenario;
    s.venue.quote = quote.into();
    let p = std::env::temp_dir().join(format!("spillway-cli-{id}-{quote}-{}.json", std::process::id()));
    std::fs::write(&p, spillway::scenario::to_json(&s)).unwrap();
    p
}

#[test]
fn help_exits_0_on_stdout() {
    for args in [&["--help"][..], &["-h"], &["help"], &["simulate", "--help"]] {
        let out = spillway(args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(stdout.contains("usage:") && stdout.contains("spillway simulate"), "{args:?}: {stdout}");
        assert!(out.stderr.is_empty(), "{args:?}");
    }
    // A usage error still goes to stderr with exit 2.
    let out = spillway(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty() && String::from_utf8_lossy(&out.stderr).contains("usage:"));
}

#[test]
fn the_summary_prints_the_venue_currency() {
    let eur = preset_in("exhausts-waterfall", "EUR");
    let out = spillway(&["simulate", eur.to_str().unwrap(), "--summary"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains('€') && !text.contains('$'), "{text}");
    assert!(text.lines().next().is_some_and(|l| l.ends_with("amounts in EUR")), "{text}");
    // A dollar stablecoin keeps the `$` sign (engine::money::currency_sign); the title names it.
    let usdc = preset_in("exhausts-waterfall", "USDC");
    let out = spillway(&["simulate", usdc.to_str().unwrap(), "--summary"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().next().is_some_and(|l| l.ends_with("amounts in USDC")), "{text}");
    let out = spillway(&["compare", eur.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains('€') && !text.contains('$'), "{text}");
    let _ = (std::fs::remove_file(eur), std::fs::remove_file(usdc));
}

#[test]
fn validate_reports_strict_schema_errors_with_paths() {
    let p = std::env::temp_dir().join(format!("spillway-cli-strict-{}.json", std::process::id()));
    std::fs::write(
        &p,
        r#"{"steps":5,"instruments":[{"id":"X","price":{"initial":"100"}}],"waterfall":[{"kind":"insurance_fund","amount":"999999"}]}"#,
    )
    .unwrap();
    let out = spillway(&["validate", p.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.starts_with("waterfall[0]: unknown field `amount`"), "{err}");
    std::fs::write(&p, "[1,5]").unwrap();
    let out = spillway(&["validate", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("must be a JSON object"));
    let _ = std::fs::remove_file(p);
}
