//! The app's state: the scenario is the single source of truth; the timeline is derived from it by
//! the engine; the player only moves a cursor (`step`). Every field is a signal (Copy), handed down
//! through context so components read what they need.

use std::sync::Arc;

use leptos::prelude::*;

use super::chunked_run::{self, now_ms};
use crate::engine::{self, SystemRun, Timeline};
use crate::scenario::{Scenario, Validated, ValidationError};

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
    /// On a narrow screen the editor and the player views take turns (`phone_tabs`); a wide
    /// screen shows both and ignores this.
    pub editing: RwSignal<bool>,
    /// A stress analysis another view asks the stress lab to run now (the glossary's Cover-1 /
    /// Cover-2 "Show me"); the stress lab takes it and clears it.
    pub stress_request: RwSignal<Option<crate::stress::job::JobKind>>,
    /// The step whose events the narrative lists in full (a dense step folds them).
    pub narrative_open: RwSignal<Option<u32>>,
    /// The account whose rows and ledger entries are highlighted (index into `Timeline::accounts`).
    pub selected_account: RwSignal<Option<usize>>,
    /// The scenario (and preset) of the run on screen: what Cancel goes back to, and the only
    /// scenario `share` stores (one that ran; a link that panics or fails is never stored).
    pub ran: RwSignal<Option<Scenario>>,
    ran_preset: StoredValue<Option<String>>,
    /// A heavy run going in slices (`chunked_run`): how far it has got.
    pub run_progress: RwSignal<Option<super::chunked_run::RunStatus>>,
    /// Bumped by every new run and by Cancel: a run in slices stops when it no longer matches.
    run_generation: StoredValue<u64>,
    /// The scenario of the run in slices, if one is going (an equal rerun does not restart it).
    in_flight: StoredValue<Option<Scenario>>,
    /// The last edit's validation: the scenario it checked with its book (`scenario::Validated`).
    /// A run of that same scenario reuses it instead of validating again (issue 17).
    validated: StoredValue<Option<Arc<Validated>>>,
    /// The scenario came from the link and has not run yet: if its run fails or is cancelled,
    /// the page falls back to the scenario stored here (issue 14: the stored scenario stays).
    opening_link: StoredValue<bool>,
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
            stress_request: RwSignal::new(None),
            narrative_open: RwSignal::new(None),
            last_run_ms: RwSignal::new(0.0),
            embed: embed_mode(),
            editing: RwSignal::new(false),
            ran: RwSignal::new(None),
            ran_preset: StoredValue::new(None),
            run_progress: RwSignal::new(None),
            run_generation: StoredValue::new(0),
            in_flight: StoredValue::new(None),
            validated: StoredValue::new(None),
            opening_link: StoredValue::new(false),
        }
    }

    /// The scenario on screen came from a link: until it has run, a failure falls back.
    pub fn mark_opening_link(&self) {
        self.opening_link.set_value(true);
    }

    /// Runs the engine on the current scenario. On failure the previous timeline stays on screen.
    /// A heavy scenario runs in slices (`chunked_run`) and this returns before it is done.
    pub fn rerun(&self) {
        let scenario = self.scenario.get_untracked();
        if self.in_flight.with_value(|f| f.as_ref() == Some(&scenario)) {
            return; // already running in slices
        }
        // A new run supersedes one in flight.
        self.run_generation.update_value(|g| *g += 1);
        self.in_flight.set_value(None);
        self.run_progress.set(None);
        if self.timeline.with_untracked(Option::is_some) && self.ran.with_untracked(|r| r.as_ref() == Some(&scenario)) {
            self.run_error.set(None); // back to the scenario on screen (an undo, or Cancel): nothing to run
            return;
        }
        if chunked_run::needs_slices(&scenario) {
            let validated = self.validated_for(&scenario);
            self.run_in_slices(scenario, validated);
            return;
        }
        let started = now_ms();
        let validated = self.validated_for(&scenario);
        // Linked venues: every venue runs; the one on screen is picked from the system run.
        let result = if scenario.linked_venues.is_empty() {
            match &validated {
                Some(v) => engine::simulate_prepared(v.prepared()),
                None => engine::simulate(&scenario),
            }
            .map(|t| (Arc::new(t), None))
        } else {
            match &validated {
                Some(v) => engine::simulate_system_prepared(&v.prepared()),
                None => engine::simulate_system(&scenario),
            }
            .and_then(|sys| {
                let k = self.venue.get_untracked().min(sys.venues.len().saturating_sub(1));
                self.venue.set(k);
                let t = sys.venues.get(k).map(|v| v.timeline.clone()).ok_or(engine::EngineError::Invalid { errors: Vec::new() })?;
                Ok((t, Some(Arc::new(sys))))
            })
        };
        self.last_run_ms.set(now_ms() - started);
        match result {
            Ok((t, system)) => self.show_run(scenario, t, system),
            Err(e) => self.run_failed(e.to_string()),
        }
    }

    /// Puts a successful run on screen and records its scenario as the one that ran.
    fn show_run(&self, scenario: Scenario, t: Arc<Timeline>, system: Option<Arc<SystemRun>>) {
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
        self.opening_link.set_value(false);
        self.ran_preset.set_value(self.preset_id.get_untracked());
        self.ran.set(Some(scenario));
    }

    fn run_failed(&self, error: String) {
        if self.opening_link.get_value() {
            self.fall_back_from_link(format!("This link could not be opened: {error}. You are looking at your last scenario instead."));
        } else {
            self.run_error.set(Some(error));
        }
    }

    /// The link's scenario did not run: open the scenario stored in this browser (or the default
    /// preset) instead, with `notice` saying why. The link stays in the address bar (`share`).
    fn fall_back_from_link(&self, notice: String) {
        self.opening_link.set_value(false);
        let fallback = super::share::fallback_state();
        self.notice.set(Some(notice));
        self.playing.set(false);
        self.venue.set(0);
        self.step.set(0);
        self.preset_id.set(fallback.preset_id);
        self.scenario.set(fallback.scenario);
        self.rerun();
    }

    /// The last edit's validation if it checked `scenario` (a preset, a link or an undo sets the
    /// scenario without one: the engine validates those).
    fn validated_for(&self, scenario: &Scenario) -> Option<Arc<Validated>> {
        self.validated.with_value(|v| v.as_ref().filter(|v| v.scenario() == scenario).cloned())
    }

    fn run_in_slices(&self, scenario: Scenario, validated: Option<Arc<Validated>>) {
        let s = *self;
        let mine = self.run_generation.get_value();
        self.in_flight.set_value(Some(scenario.clone()));
        self.run_progress.set(Some(super::chunked_run::RunStatus::starting(scenario.steps)));
        // `try_`: the app may be unmounted while a slice waits (its state is then gone).
        let current = move || s.run_generation.try_get_value() == Some(mine);
        wasm_bindgen_futures::spawn_local(async move {
            let started = now_ms();
            let outcome = chunked_run::run_in_slices(&scenario, validated.as_deref(), current, |p| {
                s.run_progress.try_set(Some(p));
            })
            .await;
            let Some(outcome) = outcome.filter(|_| current()) else { return }; // cancelled or superseded
            s.in_flight.set_value(None);
            s.run_progress.set(None);
            s.last_run_ms.set(now_ms() - started);
            match outcome {
                Ok(t) => {
                    // The first render of a large run is a task of its own, not the finish's.
                    chunked_run::yield_to_browser().await;
                    if !current() {
                        return;
                    }
                    let _showing = super::perf::Measure::new("spillway:load:show-run");
                    s.show_run(scenario, Arc::new(t), None)
                }
                Err(e) => s.run_failed(e.to_string()),
            }
        });
    }

    /// Stops a run in slices. The run on screen stays, and so does its scenario: the editor goes
    /// back to it (a link being opened falls back to the stored scenario).
    pub fn cancel_run(&self) {
        if self.in_flight.with_value(Option::is_none) {
            return;
        }
        self.run_generation.update_value(|g| *g += 1);
        self.in_flight.set_value(None);
        self.run_progress.set(None);
        if self.opening_link.get_value() {
            self.fall_back_from_link("You cancelled opening this link. You are looking at your last scenario instead.".to_string());
        } else if let Some(previous) = self.ran.get_untracked() {
            self.preset_id.set(self.ran_preset.get_value());
            self.scenario.set(previous); // equal to the run on screen: `rerun` has nothing to do
        } else {
            self.run_error.set(Some("the run was cancelled".to_string()));
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
        self.take_validated(crate::scenario::validated(next)?);
        Ok(())
    }

    /// Puts a scenario validated by an edit or an import on screen, its validation kept for the
    /// run it starts: it is checked once, there.
    pub fn take_validated(&self, v: Validated) {
        let scenario = v.scenario().clone();
        self.validated.set_value(Some(Arc::new(v)));
        self.scenario.set(scenario);
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


fn embed_mode() -> bool {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .map(|q| q.trim_start_matches('?').split('&').any(|kv| kv == "embed=1" || kv == "embed"))
        .unwrap_or(false)
}

pub fn use_state() -> AppState {
    expect_context::<AppState>()
}
