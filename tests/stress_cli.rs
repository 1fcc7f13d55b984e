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
