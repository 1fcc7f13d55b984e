//! The fuzz corpus, replayed natively on stable without the fuzzer (issue 14, "Fuzzing as a
//! habit"): every crash the fuzzer found (`tests/fuzz-regressions/`, one short-named file each)
//! and every seed of the fuzz targets (`fuzz/corpus/<target>/`), through the same checks as the
//! targets (`spillway::fuzz_check`): no panic, and a run that completes conserves exactly.
//!
//! A file's kind is its extension: `.json` is a scenario file, `.link` a URL fragment. A failure
//! names every file that failed and how (the panic's message and location, or what broke).

use spillway::fuzz_check::{self, Broken, Outcome};
use std::cell::{Cell, RefCell};
use std::panic;
use std::path::{Path, PathBuf};
use std::sync::Once;

thread_local! {
    /// Where the last panic on this thread happened (the hook records it; `catch_unwind` only
    /// returns the message).
    static PANIC_AT: RefCell<Option<String>> = const { RefCell::new(None) };
    /// True while this thread replays an input: its panics are recorded, not printed.
    static REPLAYING: Cell<bool> = const { Cell::new(false) };
}

/// During a replay, record a panic's location instead of printing it (the report names the
/// file too); any other panic (a failed assertion) goes to the default hook as usual.
fn quiet_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if REPLAYING.with(Cell::get) {
                let at = info.location().map(|l| format!("{}:{}", l.file(), l.line()));
                let at = match (at, spillway_frame(&std::backtrace::Backtrace::force_capture().to_string())) {
                    (Some(at), Some(ours)) => Some(format!("{at}, in {ours}")),
                    (at, _) => at,
                };
                PANIC_AT.with(|p| *p.borrow_mut() = at);
            } else {
                default(info);
            }
        }));
    });
}

/// The innermost frame of Spillway's own code in a backtrace (`engine::… at src/…:line`): a
/// panic inside `rust_decimal` is located by the engine line that called it.
fn spillway_frame(backtrace: &str) -> Option<String> {
    let lines: Vec<&str> = backtrace.lines().map(str::trim).collect();
    lines.windows(2).find_map(|w| {
        let (func, at) = (w[0], w[1].strip_prefix("at ")?);
        let func = func.split_once(": ")?.1;
        let ours = func.starts_with("spillway::") && !func.starts_with("spillway::fuzz_check");
        ours.then(|| format!("{func} at {}", at.trim_start_matches("./")))
    })
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Json,
    Link,
}

/// One input through its target's check: `Ok` with how it ended, or `Err` saying what went wrong.
fn replay(path: &Path, kind: Kind) -> Result<Outcome, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    quiet_panics();
    REPLAYING.with(|r| r.set(true));
    let run = panic::catch_unwind(|| match kind {
        Kind::Json => fuzz_check::check_json(&bytes),
        Kind::Link => fuzz_check::check_link(&bytes),
    });
    REPLAYING.with(|r| r.set(false));
    match run {
        Ok(Ok(outcome)) => Ok(outcome),
        Ok(Err(broken)) => Err(Broken::to_string(&broken)),
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".into());
            let at = PANIC_AT.with(|p| p.borrow_mut().take()).unwrap_or_default();
            Err(format!("panicked at {at}: {msg}"))
        }
    }
}

fn files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

/// Replay every file; fail once, listing each file that failed.
fn replay_all(inputs: Vec<(PathBuf, Kind)>) -> Vec<(String, Outcome)> {
    assert!(!inputs.is_empty(), "no inputs to replay");
    let mut failures = Vec::new();
    let mut passed = Vec::new();
    for (path, kind) in inputs {
        let name = path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(&path).display().to_string();
        match replay(&path, kind) {
            Ok(outcome) => passed.push((name, outcome)),
            Err(why) => failures.push(format!("{name}: {why}")),
        }
    }
    assert!(failures.is_empty(), "{} of {} input(s) failed:\n  {}", failures.len(), failures.len() + passed.len(), failures.join("\n  "));
    passed
}

#[test]
fn every_recorded_crash_is_fixed() {
    let inputs = files("tests/fuzz-regressions")
        .into_iter()
        .filter_map(|p| match p.extension().and_then(|e| e.to_str()) {
            Some("json") => Some((p, Kind::Json)),
            Some("link") => Some((p, Kind::Link)),
            _ => None, // README.md
        })
        .collect();
    replay_all(inputs);
}

#[test]
fn every_fuzz_seed_passes_and_the_examples_run() {
    let json: Vec<_> = files("fuzz/corpus/json").into_iter().map(|p| (p, Kind::Json)).collect();
    let link: Vec<_> = files("fuzz/corpus/link").into_iter().map(|p| (p, Kind::Link)).collect();
    // The seeds are the examples and their links: each must validate (a rejected seed would
    // start the fuzzer from nothing), and all but the large ones must run.
    assert!(json.len() >= 15 && link.len() >= 15, "seeds: {} json, {} link", json.len(), link.len());
    let passed = replay_all(json.into_iter().chain(link).collect());
    let rejected: Vec<_> = passed.iter().filter(|(_, o)| *o == Outcome::Rejected).map(|(n, _)| n.as_str()).collect();
    assert!(rejected.is_empty(), "seeds rejected: {rejected:?}");
    let ran = passed.iter().filter(|(_, o)| *o == Outcome::Conserved).count();
    assert!(ran * 10 >= passed.len() * 8, "only {ran} of {} seeds ran: {passed:?}", passed.len());
}

/// Writes the seed corpus from `examples/` (each example's JSON, and its link at a middle step)
/// and the `.link` form of the JSON reproducers the issue says a link reaches. Run by hand after
/// the examples or the link format change:
/// `cargo test --test fuzz_regressions -- --ignored write_seed_corpus`
#[test]
#[ignore = "writes files: run by hand to regenerate the seed corpus"]
fn write_seed_corpus() {
    use spillway::scenario::{self, codec};
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in ["fuzz/corpus/json", "fuzz/corpus/link"] {
        std::fs::create_dir_all(root.join(dir)).expect("corpus dir");
    }
    for path in files("examples") {
        let stem = path.file_stem().and_then(|s| s.to_str()).expect("name").to_string();
        let text = std::fs::read_to_string(&path).expect("example");
        let s = scenario::from_json(&text).unwrap_or_else(|e| panic!("{stem}: {e:?}"));
        std::fs::write(root.join(format!("fuzz/corpus/json/{stem}.json")), &text).expect("write");
        let link = codec::encode(&s, Some(s.steps / 2));
        std::fs::write(root.join(format!("fuzz/corpus/link/{stem}.link")), link).expect("write");
    }
    for stem in ["scripted-path-overflow"] {
        let text = std::fs::read_to_string(root.join(format!("tests/fuzz-regressions/{stem}.json"))).expect("reproducer");
        let s = scenario::from_json(&text).unwrap_or_else(|e| panic!("{stem}: {e:?}"));
        std::fs::write(root.join(format!("tests/fuzz-regressions/{stem}.link")), codec::encode(&s, None)).expect("write");
    }
}
