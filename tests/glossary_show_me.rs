#![cfg(not(target_arch = "wasm32"))]
//! Every glossary term's "Show me" opens the step where the term happens: the engine's story at
//! that step (the events the narrative lists) mentions it, and no earlier step does (issue 15:
//! "write-down accounting" opened a step before the write-down, "bad-debt propagation" a step
//! whose story did not mention it).

use std::sync::Arc;

use spillway::engine::{self, Timeline};
use spillway::scenario::presets;
use spillway::teach::glossary;

/// The run of a preset's venue `venue`, as the app shows it (linked venues run together).
fn venue_run(preset: &str, venue: usize) -> Arc<Timeline> {
    let p = presets::by_id(preset).unwrap_or_else(|| panic!("no preset {preset}"));
    if p.scenario.linked_venues.is_empty() {
        assert_eq!(venue, 0, "{preset} has one venue");
        Arc::new(engine::simulate(&p.scenario).unwrap_or_else(|e| panic!("{preset}: {e}")))
    } else {
        let sys = engine::simulate_system(&p.scenario).unwrap_or_else(|e| panic!("{preset}: {e}"));
        sys.venues.get(venue).unwrap_or_else(|| panic!("{preset}: no venue {venue}")).timeline.clone()
    }
}

fn story_at(t: &Timeline, step: u32) -> String {
    t.events.at_step(step).iter().map(|e| e.text().to_lowercase()).collect::<Vec<_>>().join("\n")
}

#[test]
fn every_term_shows_the_step_whose_story_mentions_it() {
    for term in glossary::terms() {
        let show = term.show_me;
        assert!(!show.mentions.is_empty(), "{}: nothing to look for", term.term);
        let t = venue_run(show.preset, show.venue);
        assert!(show.step <= t.steps, "{}: step {} past the end ({})", term.term, show.step, t.steps);
        let story = story_at(&t, show.step);
        for m in show.mentions {
            assert_eq!(*m, m.to_lowercase(), "{}: mentions are lower case", term.term);
            assert!(story.contains(m), "{}: the story at step {} of {} does not mention `{m}`:\n{story}", term.term, show.step, show.preset);
        }
        for earlier in 0..show.step {
            let before = story_at(&t, earlier);
            assert!(
                !show.mentions.iter().all(|m| before.contains(m)),
                "{}: step {earlier} of {} already mentions it; Show me opens at {}",
                term.term,
                show.preset,
                show.step
            );
        }
    }
}

/// Some mention is a word of the term itself or of its definition: a term is not "shown" by a
/// sentence about something else.
#[test]
fn mentions_come_from_the_term_or_its_definition() {
    for term in glossary::terms() {
        let own = format!("{} {}", term.term, term.definition).to_lowercase();
        let shared = term.show_me.mentions.iter().any(|m| {
            m.split(|c: char| !c.is_alphanumeric() && c != '-').filter(|w| w.len() > 3).any(|w| own.contains(w))
        });
        assert!(shared, "{}: {:?} share no word with the term or its definition", term.term, term.show_me.mentions);
    }
}

/// Cover-1 and Cover-2 are sizing figures: their "Show me" also runs the stress lab's Cover
/// analysis on the preset, which must name the figure and, for Cover-2, set it above Cover-1 (two
/// members' losses, not one) with a fund that covers Cover-1 but not Cover-2.
#[test]
fn cover_terms_open_a_cover_analysis_that_shows_them() {
    use spillway::stress::{cover::cover, cover::CoverInput, job::JobKind};
    for name in ["Cover-1", "Cover-2"] {
        let term = glossary::find(name).unwrap();
        assert_eq!(term.show_me.stress, Some(JobKind::Cover), "{name}");
        let p = presets::by_id(term.show_me.preset).unwrap();
        let r = cover(&p.scenario, &CoverInput::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(r.summary.contains(name), "{name}: {}", r.summary);
        assert!(r.cover1.amount > rust_decimal::Decimal::ZERO, "{name}: Cover-1 is zero");
    }
    let p = presets::by_id(glossary::find("Cover-2").unwrap().show_me.preset).unwrap();
    let r = cover(&p.scenario, &CoverInput::default()).unwrap();
    // Hand figures: after the 20% gap Alpha (long 100 at 100, cash 1,200) is worth 1,200 − 2,000
    // = −800 and Bravo (long 60, cash 700) −500; the fund is 300 + 200 + 400 + 300 = 1,200.
    assert_eq!(r.default_fund, rust_decimal::Decimal::from(1200));
    assert_eq!(r.cover1.amount, rust_decimal::Decimal::from(800));
    assert_eq!(r.cover2.amount, rust_decimal::Decimal::from(1300));
    assert!(r.cover1.covered && !r.cover2.covered);
    assert!(r.summary.starts_with("The default fund (€1.2k)"), "{}", r.summary);
}
