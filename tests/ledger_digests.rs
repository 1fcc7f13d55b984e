#![cfg(not(target_arch = "wasm32"))]
//! Behaviour pinned while the engine is reorganised (issue 17): what `spillway simulate --ledger
//! FILE` prints (events, ledger, summary, layers, final accounts, linked venues) for every example
//! file, every preset and every golden link's scenario, digested and compared with
//! `tests/golden/ledger/digests.txt`.
//!
//! Each line holds two digests: of the whole output, and of the output with the events' sentences
//! (`text`) left out. A change of wording moves only the first; any change of an amount, an entry,
//! a status or an event's kind, step, account or layer moves both.
//!
//! Regenerate (only on purpose, and say why in the commit):
//! `SPILLWAY_WRITE_DIGEST=1 cargo test --test ledger_digests`.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const DIGESTS: &str = include_str!("golden/ledger/digests.txt");

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// FNV-1a, 64 bits: small, stable across platforms and Rust versions (unlike `DefaultHasher`).
fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// The output with every event's sentence removed (the main venue's and each linked venue's).
fn without_sentences(mut v: Value) -> Value {
    fn strip(report: &mut Value) {
        if let Some(events) = report.get_mut("events").and_then(Value::as_array_mut) {
            for e in events {
                if let Some(o) = e.as_object_mut() {
                    o.remove("text");
                }
            }
        }
    }
    strip(&mut v);
    if let Some(linked) = v.get_mut("linked_venues").and_then(Value::as_array_mut) {
        linked.iter_mut().for_each(strip);
    }
    v
}

/// Every scenario the digests cover: (case name, argument to `spillway simulate`).
fn cases(tmp: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut examples: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .expect("examples/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    examples.sort();
    for p in examples {
        let name = p.file_name().unwrap_or_default().to_string_lossy().to_string();
        out.push((format!("example {name}"), p.to_string_lossy().to_string()));
    }
    for id in spillway::scenario::presets::ids() {
        out.push((format!("preset {id}"), format!("preset:{id}")));
    }
    // The golden links that open (those with a `.json` beside them; `.err` ones are refused).
    let dir = root().join("tests/golden/v1");
    let mut links: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/golden/v1")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt") && p.with_extension("json").exists())
        .collect();
    links.sort();
    for txt in links {
        let stem = txt.file_stem().unwrap_or_default().to_string_lossy().to_string();
        let link = std::fs::read_to_string(&txt).expect("link");
        let decoded = spillway::scenario::codec::decode(link.trim_end_matches('\n')).unwrap_or_else(|e| panic!("golden link {stem}: {e}"));
        let file = tmp.join(format!("{stem}.json"));
        std::fs::write(&file, spillway::scenario::to_json(&decoded.scenario)).expect("temp file");
        out.push((format!("link {stem}"), file.to_string_lossy().to_string()));
    }
    out
}

fn digest(arg: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_spillway")).args(["simulate", arg, "--ledger"]).output().expect("runs the binary");
    let code = out.status.code().map_or("signal".to_string(), |c| c.to_string());
    let value: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{arg}: output is not JSON ({e}); exit {code}; stderr: {}", String::from_utf8_lossy(&out.stderr))
    });
    let quiet = serde_json::to_vec(&without_sentences(value)).expect("serializes");
    format!("{:016x} {:016x} {} bytes, exit {code}", fnv(&out.stdout), fnv(&quiet), out.stdout.len())
}

#[test]
fn simulate_ledger_output_is_unchanged() {
    let tmp = std::env::temp_dir().join(format!("spillway-ledger-digests-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let cases = cases(&tmp);
    // Two workers: the binary runs are independent; the order of the lines is the cases' order.
    let half = cases.len().div_ceil(2);
    let (a, b) = cases.split_at(half);
    let run = |part: &[(String, String)]| part.iter().map(|(name, arg)| format!("{name}: {}", digest(arg))).collect::<Vec<_>>();
    let (mut got, rest) = std::thread::scope(|sc| {
        let h = sc.spawn(|| run(b));
        (run(a), h.join().expect("worker"))
    });
    got.extend(rest);
    let _ = std::fs::remove_dir_all(&tmp);
    if std::env::var_os("SPILLWAY_WRITE_DIGEST").is_some() {
        let dir = root().join("tests/golden/ledger");
        std::fs::create_dir_all(&dir).expect("golden dir");
        std::fs::write(dir.join("digests.txt"), got.join("\n") + "\n").expect("writes digests");
        return;
    }
    let want: Vec<&str> = DIGESTS.lines().collect();
    let mut diffs = Vec::new();
    for g in &got {
        let name = g.split(": ").next().unwrap_or_default();
        match want.iter().find(|w| w.split(": ").next() == Some(name)) {
            Some(w) if w == g => {}
            Some(w) => diffs.push(format!("  was {w}\n  now {g}")),
            None => diffs.push(format!("  new case {g}")),
        }
    }
    for w in &want {
        let name = w.split(": ").next().unwrap_or_default();
        if !got.iter().any(|g| g.split(": ").next() == Some(name)) {
            diffs.push(format!("  case gone: {w}"));
        }
    }
    assert!(
        diffs.is_empty(),
        "`spillway simulate --ledger` output changed (first digest: whole output; second: without the events' sentences). \
         Rerun with SPILLWAY_WRITE_DIGEST=1 only if the change is meant:\n{}",
        diffs.join("\n")
    );
}
