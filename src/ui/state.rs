//! The app's state: the scenario is the single source of truth; the timeline is derived from it by
//! the engine; the player only moves a cursor (`step`). Every field is a signal (Copy), handed down
//! through context so components read what they need.

use std::sync::Arc;

use leptos::prelude::*;

use crate::engine::{self, SystemRun, Timeline};
use crate::scenario::{Scenario, ValidationError};

#[derive(Clone, Copy)]
pub struct AppState {
    /// The last valid scenario: what the engine runs and the URL encodes.
    pub scenario: RwSignal<Scenario>,
    /// The preset the scenario started from, if any (links then carry only the overrides).
    pub preset_id: RwSignal<Option<String>>,
    /// The last successful run of the venue on screen; kept on screen when a later edit fails.
    pub timeline: RwSignal<Option<Arc<Timeline>>>,
    /// Every venue's run when the scenario links venues (contagion); `None` for one venue.
    pub system: RwSignal<Option<Arc<SystemRun>>>,
    /// The venue on screen (index into `SystemRun::venues`; 0 = the scenario's own).
    pub venue: RwSignal<usize>,
    /// Why the latest scenario could not run, in plain words.
    pub run_error: RwSignal<Option<String>>,
    /// A message for the user (a damaged link, an import that failed), dismissible.
    pub notice: RwSignal<Option<String>>,
    pub step: RwSignal<u32>,
    /// The step the accounts table shows: `step`, one frame later (see `follow_step`).
    pub accounts_step: RwSignal<u32>,
    /// The step the ledger shows: `step`, two frames later (see `follow_step`).
    pub ledger_step: RwSignal<u32>,
    pub playing: RwSignal<bool>,
    /// The spill inside the step (see `spill`): `Some((step, k))` = the waterfall shows that
    /// step's draws up to its draw `k`, the one highlighted; `None` = the step whole.
    pub draw: RwSignal<Option<(u32, usize)>>,
    /// While playing, steps where nothing happens pass quickly (see `spill`).
    pub fast_quiet: RwSignal<bool>,
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
            system: RwSignal::new(None),
            venue: RwSignal::new(0),
            run_error: RwSignal::new(None),
            notice: RwSignal::new(None),
            step: RwSignal::new(step),
            accounts_step: RwSignal::new(step),
            ledger_step: RwSignal::new(step),
            playing: RwSignal::new(false),
            draw: RwSignal::new(None),
            fast_quiet: RwSignal::new(false),
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
        // Linked venues: every venue runs; the one on screen is picked from the system run.
        let result = if scenario.linked_venues.is_empty() {
            engine::simulate(&scenario).map(|t| (Arc::new(t), None))
        } else {
            engine::simulate_system(&scenario).and_then(|sys| {
                let k = self.venue.get_untracked().min(sys.venues.len().saturating_sub(1));
                self.venue.set(k);
                let t = sys.venues.get(k).map(|v| v.timeline.clone()).ok_or(engine::EngineError::Invalid { errors: Vec::new() })?;
                Ok((t, Some(Arc::new(sys))))
            })
        };
        self.last_run_ms.set(now_ms() - started);
        match result {
            Ok((t, system)) => {
                if system.is_none() {
                    self.venue.set(0);
                }
                self.system.set(system);
                let last = t.steps;
                // The views format this run's money in its own currency.
                engine::money::set_display_currency(&scenario.venue.quote);
                self.timeline.set(Some(t));
                self.run_error.set(None);
                if self.step.get_untracked() > last {
                    self.step.set(last);
                }
            }
            Err(e) => self.run_error.set(Some(e.to_string())),
        }
    }

    /// Keeps the tables behind the cursor, so a step that changes much (a shock re-sorts the whole
    /// book and journals thousands of entries) spreads its work over three frames: the step's own
    /// frame renders the player, the waterfall, the story and the chart markers; the next frame
    /// (a second requestAnimationFrame) the accounts table; the one after it the ledger. A burst of
    /// steps within a frame updates the tables once, at the latest step. The work of each later
    /// frame (script, style, layout, paint, up to the task after it) is reported as the
    /// `spillway:accounts` and `spillway:ledger` performance measures, so the e2e figures cover it.
    pub fn follow_step(&self) {
        let s = *self;
        let pending = StoredValue::new(false);
        Effect::new(move |_| {
            s.step.track();
            if pending.get_value() {
                return; // the frames already asked for will pick up the latest step
            }
            pending.set_value(true);
            request_animation_frame(move || {
                request_animation_frame(move || {
                    pending.set_value(false);
                    s.catch_up(s.accounts_step, "spillway:accounts");
                    request_animation_frame(move || s.catch_up(s.ledger_step, "spillway:ledger"));
                });
            });
        });
    }

    /// Moves `lagging` to the cursor, timing the frame that renders it.
    fn catch_up(&self, lagging: RwSignal<u32>, measure: &'static str) {
        let step = self.step.get_untracked();
        if lagging.get_untracked() == step {
            return;
        }
        let timing = super::perf::Measure::new(measure);
        lagging.set(step);
        // Ends in the task after this frame's paint.
        set_timeout(move || drop(timing), std::time::Duration::ZERO);
    }

    /// Shows venue `k` of a linked-venue run (same step, same controls).
    pub fn select_venue(&self, k: usize) {
        let Some(t) = self.system.with_untracked(|sys| sys.as_ref().and_then(|x| x.venues.get(k)).map(|v| v.timeline.clone())) else { return };
        self.venue.set(k);
        self.selected_account.set(None);
        self.timeline.set(Some(t));
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
