//! The static loader in index.html (issue 16) names a preset link's scenario before the engine
//! loads, from a table of its own (the wasm is not there yet to ask). This keeps that table equal
//! to the presets the engine opens.

use spillway::scenario::presets;

/// The `var PRESET_NAMES = {...};` line of index.html's inline script, as JSON.
fn loader_table() -> serde_json::Map<String, serde_json::Value> {
    let html = include_str!("../index.html");
    let line = html.lines().map(str::trim).find_map(|l| l.strip_prefix("var PRESET_NAMES = ")).expect("index.html has a PRESET_NAMES line");
    let json = line.strip_suffix(';').expect("the PRESET_NAMES line ends with ';'");
    serde_json::from_str(json).expect("PRESET_NAMES is a JSON object")
}

#[test]
fn the_loader_names_every_preset_as_the_app_does() {
    let table = loader_table();
    let all = presets::all();
    assert_eq!(all.len(), presets::ids().len(), "every preset decodes");
    // Keyed as links name presets: a re-told preset by its new key, and its earlier content
    // (which older links still open) by the old one.
    // Each key counted once (a first re-telling is both a `-r19` key and a frozen key).
    let mut counted = std::collections::HashSet::new();
    for p in &all {
        let key = presets::link_key(p.id);
        assert_eq!(
            table.get(key).and_then(|v| v.as_str()),
            Some(p.scenario.name.as_str()),
            "index.html PRESET_NAMES[{key:?}] should be the preset's scenario name"
        );
        counted.insert(key.to_string());
        if key != p.id {
            let (_, before) = presets::by_link_key(p.id).expect("the earlier content stays");
            assert_eq!(table.get(p.id).and_then(|v| v.as_str()), Some(before.name.as_str()), "PRESET_NAMES[{:?}]: the earlier content's name", p.id);
            counted.insert(p.id.to_string());
        }
        // A preset re-told twice (nasdaq-2018): its first re-telling, frozen under `{id}-r19`.
        let mid = format!("{}-r19", p.id);
        if key != mid {
            if let Some((None, before)) = presets::by_link_key(&mid) {
                assert_eq!(table.get(&mid).and_then(|v| v.as_str()), Some(before.name.as_str()), "PRESET_NAMES[{mid:?}]: the first re-telling's name");
                counted.insert(mid);
            }
        }
    }
    // Earlier contents re-told more than once keep their own keys (e.g. `mango-2022-r19`).
    for key in presets::frozen_keys() {
        if !counted.insert(key.to_string()) {
            continue; // counted above
        }
        let (_, before) = presets::by_link_key(key).expect("frozen content");
        assert_eq!(table.get(key).and_then(|v| v.as_str()), Some(before.name.as_str()), "PRESET_NAMES[{key:?}]: the earlier content's name");
    }
    assert_eq!(table.len(), counted.len(), "index.html PRESET_NAMES names a preset that does not exist");
}
