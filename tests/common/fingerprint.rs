//! Everything observable about a timeline, as text, for tests that compare two runs that must be
//! the same (the indexed scan against the reference loop, a run stopped mid-step against one run
//! whole). Debug keeps decimal scales. Big books are sampled (every account at a spread of steps,
//! including every step with events).

use spillway::engine::Timeline;

pub fn fingerprint(t: &Timeline) -> Vec<String> {
    let mut out = vec![serde_json::to_string(t).unwrap_or_default()];
    let stride = ((t.accounts.len() * (t.steps as usize + 1)) / 200_000).max(1) as u32;
    for step in 0..=t.steps {
        out.push(format!("{step} {:?} {} {}", t.layer_state(step), t.unallocated_at(step), t.insurance_at(step)));
        if step % stride != 0 && step != t.steps && t.events_at(step).is_empty() {
            continue;
        }
        for a in 0..t.accounts.len() {
            out.push(format!("{step} {a} {:?} {:?}", t.account_at(a, step), t.snapshot_at(a, step)));
        }
    }
    for a in 0..t.accounts.len() {
        out.push(format!("{a} {:?}", t.change_steps(a)));
    }
    out
}
