//! Each loss-allocation strategy's full output (events, ledger, summary, account states) on small
//! books, digested and compared with the digests recorded before issue 14 made the layers cheaper
//! per default: the speed-ups must not change a single unit or entry.
#![cfg(not(target_arch = "wasm32"))]

use spillway::scenario::bench::{strategy_book, Strategy};
use spillway::scenario::Scenario;

const DIGESTS: &str = include_str!("golden/allocation/digests.txt");

fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

fn digest(s: &Scenario) -> String {
    let t = spillway::engine::simulate(s).expect("book runs");
    let states: Vec<_> = (0..t.accounts.len()).map(|a| format!("{:?}", t.account_at(a, t.steps))).collect();
    let json = serde_json::to_string(&(&t.events, &t.ledger, &t.summary)).expect("serializes");
    format!("{:016x} {:016x} {} entries, {} defaults, allocated {}", fnv(json.as_bytes()), fnv(states.join("\n").as_bytes()), t.ledger.len(), t.summary.defaults, t.summary.allocated)
}

fn cases() -> Vec<(String, Scenario)> {
    let mut out = Vec::new();
    for st in Strategy::ALL {
        for (n, steps) in [(300u32, 120u32), (1_200, 200)] {
            out.push((format!("{} {n}x{steps}", st.id()), strategy_book(n, steps, st).expect("valid")));
        }
    }
    for ex in ["okx-2018.json", "five-strategies.json", "exhausts-waterfall.json"] {
        let text = std::fs::read_to_string(format!("{}/examples/{ex}", env!("CARGO_MANIFEST_DIR"))).expect("example");
        let s = spillway::scenario::from_json(&text).expect("valid example");
        for (k, (_, _, w)) in spillway::engine::waterfall::rule_presets().into_iter().enumerate() {
            let mut v = s.clone();
            v.waterfall = w;
            if spillway::scenario::validate(&v).is_ok() && spillway::engine::simulate(&v).is_ok() {
                out.push((format!("{ex} preset {k}"), v));
            }
        }
    }
    out
}

#[test]
fn allocation_output_is_unchanged() {
    let got: Vec<String> = cases().iter().map(|(name, s)| format!("{name}: {}", digest(s))).collect();
    if std::env::var_os("SPILLWAY_WRITE_DIGEST").is_some() {
        std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/allocation/digests.txt"), got.join("\n") + "\n").unwrap();
    }
    let want: Vec<&str> = DIGESTS.lines().collect();
    assert_eq!(got.len(), want.len(), "cases changed; rerun with SPILLWAY_WRITE_DIGEST=1 only if on purpose");
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g, w);
    }
}
