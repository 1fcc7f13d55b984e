#![cfg(not(target_arch = "wasm32"))]
//! `spillway stress`: JSON out, every analysis present, the same numbers on 1 and 2 threads.

use serde_json::Value;
use std::process::Command;

fn stress(args: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_spillway")).arg("stress").args(args).output().unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), v)
}

#[test]
fn all_analyses_as_json_and_thread_independent() {
    let (code, one) = stress(&["preset:exhausts-waterfall", "--paths", "30", "--seed", "4", "--threads", "1"]);
    assert_eq!(code, 0, "{one}");
    for key in ["cover", "monte_carlo", "reverse", "sweep"] {
        assert!(one.get(key).is_some_and(|v| v.get("error").is_none()), "{key}: {one}");
    }
    assert_eq!(one["monte_carlo"]["paths_run"], 30);
    assert!(one["cover"]["summary"].as_str().unwrap().contains("Cover-2"));
    // Issue 20: the EMIR Art. 42(3) figure beside Cover-2, at least Cover-1, at most Cover-2.
    let amount = |k: &str| one["cover"][k]["amount"].as_str().unwrap().parse::<f64>().unwrap();
    assert!(amount("emir_fund_minimum") >= amount("cover1") && amount("emir_fund_minimum") <= amount("cover2"), "{}", one["cover"]);
    let (_, two) = stress(&["preset:exhausts-waterfall", "--paths", "30", "--seed", "4", "--threads", "2", "--analysis", "monte-carlo"]);
    assert_eq!(one["monte_carlo"], two["monte_carlo"]);
    assert!(two.get("cover").is_none());
}

#[test]
fn bad_usage_exits_2() {
    assert_eq!(stress(&["preset:nope"]).0, 2);
    assert_eq!(stress(&["preset:margin-covers", "--analysis", "everything"]).0, 2);
    assert_eq!(stress(&["preset:margin-covers", "--paths", "many"]).0, 2);
}

/// `spillway simulate … | head` ends quietly when the reader goes away (no broken-pipe panic).
#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_spillway"))
        .args(["simulate", concat!(env!("CARGO_MANIFEST_DIR"), "/examples/cohort-10k.json")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap(); // dropped here: the pipe closes
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && !err.contains("panicked"), "{:?} {err}", out.status);
}

fn stress_err(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_spillway")).arg("stress").args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Issue 14: `--paths 18446744073709551615` aborted (capacity overflow), `--threads 1000000`
/// aborted (spawn failure), `--paths 1000000000` ran without a cap. Now each is refused up front.
#[test]
fn paths_and_threads_over_the_caps_exit_2_with_the_cap_named() {
    for args in [
        &["preset:margin-covers", "--paths", "18446744073709551615"][..],
        &["preset:margin-covers", "--paths", "1000000000"],
        &["preset:margin-covers", "--paths", "1000001"],
        &["--bench", "--paths", "18446744073709551615"],
    ] {
        let (code, err) = stress_err(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("1000000 one analysis may run") && !err.contains("panicked"), "{args:?}: {err}");
    }
    for t in ["1000000", "257", "0"] {
        let (code, err) = stress_err(&["preset:margin-covers", "--threads", t]);
        assert_eq!(code, 2, "--threads {t}: {err}");
        assert!(err.contains("threads: ") && err.contains("between 1 and 256"), "--threads {t}: {err}");
    }
    // At the caps, the run is allowed (a small analysis, so the test stays quick).
    let (code, v) = stress(&["preset:margin-covers", "--paths", "3", "--threads", "256", "--analysis", "monte-carlo"]);
    assert_eq!((code, &v["monte_carlo"]["paths_run"]), (0, &Value::from(3)), "{v}");
}

/// The `--input` file is checked the same way, and read strictly (a key twice, unknown fields).
#[test]
fn stress_input_files_are_capped_and_strict() {
    let dir = std::env::temp_dir().join(format!("spillway-stress-input-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |name: &str, json: &str| {
        let p = dir.join(name);
        std::fs::write(&p, json).unwrap();
        stress_err(&["preset:margin-covers", "--analysis", "cover", "--input", p.to_str().unwrap()])
    };
    let (code, err) = run("paths.json", r#"{"monte_carlo":{"paths":5000000}}"#);
    assert!(code == 2 && err.contains("monte_carlo.paths: 5000000 paths"), "{err}");
    let many = format!(r#"{{"strategies":[{}]}}"#, vec![r#"{"label":"x","layers":[]}"#; 65].join(","));
    let (code, err) = run("strategies.json", &many);
    assert!(code == 2 && err.contains("strategies: 65"), "{err}");
    let (code, err) = run("twice.json", r#"{"monte_carlo":{"paths":5,"paths":6}}"#);
    assert!(code == 2 && err.contains("monte_carlo.paths: this key appears twice"), "{err}");
    let (code, err) = run("layer.json", r#"{"strategies":[{"label":"x","layers":[{"kind":"tear_up","share":"1"}]}]}"#);
    assert!(code == 2 && err.contains("strategies[0].layers[0]: unknown field `share`"), "{err}");
    let (code, err) = run("ok.json", r#"{"monte_carlo":{"paths":5}}"#);
    assert_eq!(code, 0, "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A fresh folder under the system's temp dir for one test's files.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("spillway-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run_text(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_spillway")).arg("stress").args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Issue 20: `--shard K/M` partials merge into the single run's Monte Carlo result, byte for
/// byte (quantiles and expected shortfall included), whatever the split and the threads.
#[test]
fn shards_merge_into_the_single_run_byte_for_byte() {
    let dir = scratch("shards");
    let file = "preset:exhausts-waterfall";
    let (code, single, err) = run_text(&[file, "--paths", "37", "--seed", "11", "--threads", "1", "--analysis", "monte-carlo"]);
    assert_eq!(code, 0, "{err}");
    let single: Value = serde_json::from_str(&single).unwrap();
    let mut merged_texts = Vec::new();
    for (m, threads) in [(1usize, "2"), (3, "1"), (5, "2")] {
        let mut parts = Vec::new();
        for k in (0..m).rev() {
            let part = dir.join(format!("m{m}-{k}.json")).to_string_lossy().into_owned();
            let shard = format!("{k}/{m}");
            let (code, _, err) = run_text(&[file, "--paths", "37", "--seed", "11", "--threads", threads, "--shard", &shard, "--out", &part]);
            assert_eq!(code, 0, "{err}");
            parts.push(part);
        }
        let mut args = vec!["merge"];
        args.extend(parts.iter().map(|p| p.as_str()));
        let (code, text, err) = run_text(&args);
        assert_eq!(code, 0, "{err}");
        let merged: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(serde_json::to_string_pretty(&merged["monte_carlo"]).unwrap(), serde_json::to_string_pretty(&single["monte_carlo"]).unwrap(), "M = {m}");
        assert_eq!(merged["scenario"], single["scenario"]);
        merged_texts.push(text);
    }
    assert!(merged_texts.windows(2).all(|w| w[0] == w[1]), "merged outputs differ between splits");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 20 ("open stress result"): the single run's document and `merge --scenario` are the same
/// result file (format, version, digest, config, the scenario's link), which
/// `stress::ResultDocument` reads back and finds its scenario in; a scenario file other than the
/// shards' is refused.
#[test]
fn a_merged_result_with_its_scenario_is_the_single_runs_result_file() {
    let dir = scratch("resultfile");
    let file = "preset:venue-insurance-adl";
    let (code, single, err) = run_text(&[file, "--paths", "12", "--seed", "5", "--threads", "1", "--analysis", "monte-carlo"]);
    assert_eq!(code, 0, "{err}");
    let mut parts = Vec::new();
    for k in 0..3 {
        let part = dir.join(format!("p{k}.json")).to_string_lossy().into_owned();
        let (code, _, err) = run_text(&[file, "--paths", "12", "--seed", "5", "--shard", &format!("{k}/3"), "--out", &part]);
        assert_eq!(code, 0, "{err}");
        parts.push(part);
    }
    let mut args = vec!["merge", "--scenario", file];
    args.extend(parts.iter().map(|p| p.as_str()));
    let (code, merged, err) = run_text(&args);
    assert_eq!(code, 0, "{err}");
    let mut single: Value = serde_json::from_str(&single).unwrap();
    let obj = single.as_object_mut().unwrap();
    obj.remove("threads");
    obj.remove("seconds");
    assert_eq!(serde_json::to_string_pretty(&single).unwrap(), merged.trim_end());
    let doc = spillway::stress::ResultDocument::from_json(&merged).unwrap();
    assert_eq!(doc.monte_carlo_config.seed, 5);
    let s = spillway::scenario::presets::by_id("venue-insurance-adl").unwrap().scenario;
    let other = spillway::scenario::presets::by_id("margin-covers").unwrap().scenario;
    assert_eq!(doc.scenario(&other).unwrap(), s, "the link's scenario, whatever is on screen");
    // Another scenario than the shards ran: refused.
    let mut args = vec!["merge", "--scenario", "preset:margin-covers"];
    args.extend(parts.iter().map(|p| p.as_str()));
    let (code, _, err) = run_text(&args);
    assert_eq!(code, 2);
    assert!(err.contains("--scenario preset:margin-covers: its digest is") && err.contains("not the scenario the shards ran"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A shard missing, a shard twice, partials of another seed: exit 2 naming the shard.
#[test]
fn merge_refuses_incomplete_or_mixed_partials() {
    let dir = scratch("badmerge");
    let part = |name: &str, seed: &str, shard: &str| {
        let p = dir.join(name).to_string_lossy().into_owned();
        let (code, _, err) = run_text(&["preset:margin-covers", "--paths", "6", "--seed", seed, "--shard", shard, "--out", &p]);
        assert_eq!(code, 0, "{err}");
        p
    };
    let (a, b, c) = (part("a.json", "1", "0/3"), part("b.json", "1", "1/3"), part("c.json", "1", "2/3"));
    let other = part("other.json", "2", "1/3");
    let (code, _, err) = run_text(&["merge", &a, &c]);
    assert_eq!((code, err.trim()), (2, "invalid input: shard 1/3 is missing (merge needs all 3)"));
    let (code, _, err) = run_text(&["merge", &a, &b, &b, &c]);
    assert_eq!(code, 2);
    assert!(err.contains("shard 1/3 is given twice"), "{err}");
    let (code, _, err) = run_text(&["merge", &a, &other, &c]);
    assert_eq!(code, 2);
    assert!(err.contains("other.json (shard 1/3): seed 2") && err.contains("seed 1"), "{err}");
    let (code, _, err) = run_text(&["preset:margin-covers", "--shard", "3/3"]);
    assert_eq!(code, 2);
    assert!(err.contains("numbered 0 to 2"), "{err}");
    let (code, _, err) = run_text(&["merge", &format!("{}", dir.join("nope.json").display())]);
    assert_eq!(code, 2, "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 20: shards run through a batch engine people already run (GNU parallel, installed
/// with `apt-get install parallel`), as docs/stress-shards.md shows, merge into the single run.
#[test]
fn shards_run_on_gnu_parallel_and_merge() {
    let has_parallel = Command::new("parallel").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(has_parallel, "this test drives GNU parallel: install it (apt-get install parallel)");
    let dir = scratch("parallel");
    let bin = env!("CARGO_BIN_EXE_spillway");
    let m = 4;
    let script = format!(
        "seq 0 {last} | parallel --will-cite -j 2 '{bin}' stress preset:exhausts-waterfall --paths 41 --seed 5 --threads 1 --shard {{}}/{m} --out '{dir}/part-{{}}.json' 2>/dev/null",
        last = m - 1,
        dir = dir.display()
    );
    let out = Command::new("sh").arg("-c").arg(&script).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let parts: Vec<String> = (0..m).map(|k| dir.join(format!("part-{k}.json")).to_string_lossy().into_owned()).collect();
    let mut args = vec!["merge"];
    args.extend(parts.iter().map(|p| p.as_str()));
    let (code, merged, err) = run_text(&args);
    assert_eq!(code, 0, "{err}");
    let (_, single, _) = run_text(&["preset:exhausts-waterfall", "--paths", "41", "--seed", "5", "--analysis", "monte-carlo"]);
    let (merged, single): (Value, Value) = (serde_json::from_str(&merged).unwrap(), serde_json::from_str(&single).unwrap());
    assert_eq!(serde_json::to_string_pretty(&merged["monte_carlo"]).unwrap(), serde_json::to_string_pretty(&single["monte_carlo"]).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The strategy sweep shards the same way: every strategy on each shard's paths.
#[test]
fn sweep_shards_merge_into_the_single_sweep() {
    let dir = scratch("sweepshards");
    let common = ["--paths", "9", "--seed", "2", "--analysis", "sweep", "--threads", "1"];
    let (code, single, err) = run_text(&[&["preset:venue-insurance-adl"][..], &common[..]].concat());
    assert_eq!(code, 0, "{err}");
    let mut args = vec!["merge".to_string()];
    for k in 0..2 {
        let part = dir.join(format!("s{k}.json")).to_string_lossy().into_owned();
        let shard = format!("{k}/2");
        let (code, _, err) = run_text(&[&["preset:venue-insurance-adl"][..], &common[..], &["--shard", &shard, "--out", &part][..]].concat());
        assert_eq!(code, 0, "{err}");
        args.push(part);
    }
    let args: Vec<&str> = args.iter().map(|a| a.as_str()).collect();
    let (code, merged, err) = run_text(&args);
    assert_eq!(code, 0, "{err}");
    let (merged, single): (Value, Value) = (serde_json::from_str(&merged).unwrap(), serde_json::from_str(&single).unwrap());
    assert_eq!(serde_json::to_string_pretty(&merged["sweep"]).unwrap(), serde_json::to_string_pretty(&single["sweep"]).unwrap());
    let (code, _, err) = run_text(&["preset:venue-insurance-adl", "--shard", "0/2", "--analysis", "cover"]);
    assert_eq!(code, 2, "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 20: reverse stress shards by layer (`--analysis reverse --shard K/M`); `merge` gives the
/// single search's `reverse` byte for byte, shards beyond the layer count included (empty).
#[test]
fn reverse_shards_merge_into_the_single_search() {
    let dir = scratch("reverseshards");
    let file = "preset:exhausts-waterfall";
    let (code, single, err) = run_text(&[file, "--analysis", "reverse"]);
    assert_eq!(code, 0, "{err}");
    let single: Value = serde_json::from_str(&single).unwrap();
    let layers = single["reverse"]["layers"].as_array().unwrap().len();
    for m in [2, layers + 2] {
        let mut args = vec!["merge".to_string()];
        for k in 0..m {
            let part = dir.join(format!("r{m}-{k}.json")).to_string_lossy().into_owned();
            let (code, _, err) = run_text(&[file, "--analysis", "reverse", "--shard", &format!("{k}/{m}"), "--out", &part]);
            assert_eq!(code, 0, "{err}");
            args.push(part);
        }
        let refs: Vec<&str> = args.iter().map(|a| a.as_str()).collect();
        let (code, merged, err) = run_text(&refs);
        assert_eq!(code, 0, "{err}");
        let merged: Value = serde_json::from_str(&merged).unwrap();
        assert_eq!(serde_json::to_string_pretty(&merged["reverse"]).unwrap(), serde_json::to_string_pretty(&single["reverse"]).unwrap(), "M = {m}");
        assert_eq!(merged["scenario"], single["scenario"]);
    }
    let (code, err) = stress_err(&[file, "--analysis", "cover", "--shard", "0/2"]);
    assert_eq!(code, 2);
    assert!(err.contains("reverse stress (--analysis reverse)"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
