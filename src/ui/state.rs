//! The app's state: the scenario is the single source of truth; the timeline is derived from it by
//! the engine; the player only moves a cursor (`step`). Every field is a signal (Copy), handed down
//! through context so components read what they need.

use std::sync::Arc;

use leptos::prelude::*;

use crate::engine::{self, Timeline};
use crate::scenario::{Scenario, ValidationError};

#[derive(Clone, Copy)]
pub struct AppState {
    /// The last valid scenario: what the engine runs and the URL encodes.
    pub scenario: RwSignal<Scenario>,
    /// The preset the scenario started from, if any (links then carry only the overrides).
    pub preset_id: RwSignal<Option<String>>,
    /// The last successful run; kept on screen when a later edit fails.
    pub timeline: RwSignal<Option<Arc<Timeline>>>,
    /// Why the latest scenario could not run, in plain words.
    pub run_error: RwSignal<Option<String>>,
    /// A message for the user (a damaged link, an import that failed), dismissible.
    pub notice: RwSignal<Option<String>>,
    pub step: RwSignal<u32>,
    pub playing: RwSignal<bool>,
    /// Playback speed multiplier (0.5×–8×).
    pub speed: RwSignal<f64>,
    /// Milliseconds the last engine run took in this browser (performance.now around `simulate`).
    pub last_run_ms: RwSignal<f64>,
    /// `?embed=1`: the editor is hidden, for slides and web pages.
    pub embed: bool,
    /// The account whose rows and ledger entries are highlighted (index into `Timeline::accounts`).
    pub selected_account: RwSignal<Option<usize>>,
}

impl AppState {
    pub fn new(scenario: Scenario, preset_id: Option<String>, step: u32) -> Self {
        AppState {
            scenario: RwSignal::new(scenario),
            preset_id: RwSignal::new(preset_id),
            timeline: RwSignal::new(None),
            run_error: RwSignal::new(None),
            notice: RwSignal::new(None),
            step: RwSignal::new(step),
            playing: RwSignal::new(false),
            speed: RwSignal::new(1.0),
            selected_account: RwSignal::new(None),
            last_run_ms: RwSignal::new(0.0),
            embed: embed_mode(),
        }
    }

    /// Runs the engine on the current scenario. On failure the previous timeline stays on screen.
    pub fn rerun(&self) {
        let scenario = self.scenario.get_untracked();
        let started = now_ms();
        let result = engine::simulate(&scenario);
        self.last_run_ms.set(now_ms() - started);
        match result {
            Ok(t) => {
                let last = t.steps;
                // The views format this run's money in its own currency.
                engine::money::set_display_currency(&scenario.venue.quote);
                self.timeline.set(Some(Arc::new(t)));
                self.run_error.set(None);
                if self.step.get_untracked() > last {
                    self.step.set(last);
                }
            }
            Err(e) => self.run_error.set(Some(e.to_string())),
        }
    }

    /// Takes an edited scenario if it validates; otherwise returns the errors (with field paths)
    /// and keeps the current scenario on screen.
    pub fn apply(&self, next: Scenario) -> Result<(), Vec<ValidationError>> {
        crate::scenario::validate(&next)?;
        self.scenario.set(next);
        Ok(())
    }

    /// Edits a copy of the scenario with `edit` and applies it.
    pub fn edit(&self, edit: impl FnOnce(&mut Scenario)) -> Result<(), Vec<ValidationError>> {
        let mut next = self.scenario.get_untracked();
        edit(&mut next);
        self.apply(next)
    }

    /// The number of the last frame, 0 without a run.
    pub fn last_step(&self) -> u32 {
        self.timeline.with(|t| t.as_ref().map(|t| t.steps).unwrap_or(0))
    }
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

fn embed_mode() -> bool {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .map(|q| q.trim_start_matches('?').split('&').any(|kv| kv == "embed=1" || kv == "embed"))
        .unwrap_or(false)
}

pub fn use_state() -> AppState {
    expect_context::<AppState>()
}
