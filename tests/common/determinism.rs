//! Shared by the native and the in-browser determinism tests: the same scenario and seed must give
//! the same timeline, to the last digit, natively and in WebAssembly.

pub const SCENARIO: &str = include_str!("../golden/determinism/scenario.json");
/// The digest recorded natively; the browser test must reproduce it.
pub const DIGEST: &str = include_str!("../golden/determinism/digest.txt");

/// FNV-1a over the serialized marks, events, ledger and summary.
pub fn digest() -> String {
    let scenario = spillway::scenario::from_json(SCENARIO).expect("fixture is valid");
    let timeline = spillway::engine::simulate(&scenario).expect("fixture runs");
    let json = serde_json::to_string(&(&timeline.marks, &timeline.events, &timeline.ledger, &timeline.summary))
        .expect("timeline serializes");
    let mut h: u64 = 0xcbf29ce484222325;
    for b in json.as_bytes() {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016x} {} bytes", json.len())
}
