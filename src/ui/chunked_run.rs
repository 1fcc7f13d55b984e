//! Heavy runs in slices (issue 14, "Bounded work"): a shared link may hold a book that takes
//! seconds to run, and the engine runs on the page's only thread. A run whose estimated work is
//! above `SYNC_WORK` is run with `engine::Run` in slices of about `SLICE_MS` (a slice may end
//! inside a step: the engine stops between two margin checks), yielding to the browser (a
//! `setTimeout(0)` task) between slices, so the page paints a progress bar, answers input and can
//! cancel. Light runs stay synchronous: no progress bar flickers on every edit.
//!
//! Not a Web Worker: the page needs the `Timeline` itself (events and ledger are built on
//! demand from its internal logs), which does not cross a `postMessage`.

use leptos::prelude::*;

use super::state::use_state;
use crate::engine::{format_count, EngineResult, Progress, Run, SetupProgress, Timeline};
use crate::scenario::Scenario;

/// Work (`scenario::limits::work_estimate`'s weighted total, in account-steps of the design
/// book) above which a run goes in slices. A 1,000-account × 1,000-step book (1M) runs in
/// ≈ 10 ms in the page; 2M keeps every synchronous run well inside a frame budget's worth of a
/// long task.
pub const SYNC_WORK: u64 = 2_000_000;

/// Target length of one slice. The engine can stop between two margin checks, so only one check
/// heavier than this (the first default that ranks the whole book for ADL) makes a slice longer.
pub const SLICE_MS: f64 = 25.0;

/// How often (in the engine's questions: steps, a step's parts, margin checks) a slice reads the
/// clock: a calm step asks a few times, a crash step once per account checked.
const CLOCK_EVERY: u32 = 8;

/// Whether `s` runs in slices. Linked venues run whole (`engine::Run` runs them in `start`).
pub fn needs_slices(s: &Scenario) -> bool {
    s.linked_venues.is_empty() && s.contagion.is_empty() && crate::scenario::work_estimate(s).total > SYNC_WORK
}

pub fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

/// Resolves in a new task (`setTimeout(0)`): the browser renders and handles input first. (A
/// resolved promise would not do: microtasks run before any rendering.)
pub async fn yield_to_browser() {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let scheduled = web_sys::window().map(|w| w.set_timeout_with_callback(&resolve).is_ok()).unwrap_or(false);
        if !scheduled {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// What the progress bar shows: the steps computed, and before step 0 the setup's accounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunStatus {
    pub steps: Progress,
    pub setup: SetupProgress,
}

impl RunStatus {
    /// Before the run has begun (nothing counted yet).
    pub fn starting(steps: u32) -> RunStatus {
        RunStatus { steps: Progress { done: 0, total: steps.saturating_add(1) }, setup: SetupProgress::Ready }
    }

    fn of(run: &Run) -> RunStatus {
        RunStatus { steps: run.progress(), setup: run.setup_progress() }
    }

    /// The bar's (value, max): accounts while the book is set up, then steps.
    pub fn bar(&self) -> (usize, usize) {
        match self.setup {
            SetupProgress::Checking { done, total } | SetupProgress::Opening { done, total } => (done, total),
            SetupProgress::Ready => (self.steps.done as usize, self.steps.total as usize),
        }
    }
}

/// Runs `scenario` in slices, reporting progress after each; `None` when `keep_going` turned
/// false between slices (cancelled, or superseded by a newer run).
pub async fn run_in_slices(
    scenario: &Scenario,
    validated: Option<&crate::scenario::Validated>,
    keep_going: impl Fn() -> bool,
    on_progress: impl Fn(RunStatus),
) -> Option<EngineResult<Timeline>> {
    yield_to_browser().await; // paint the progress bar before the setup's work
    if !keep_going() {
        return None;
    }
    // Only the checks that need no expansion run here; the book's expansion and checks, then its
    // opening, run in the slices below like the steps (`Run::begin`): a 100k-account book's setup
    // was one task of 180–385 ms (issue 14). An edit validated the scenario already: its book is
    // reused, not checked again.
    let begun = {
        let _begin = super::perf::Measure::new("spillway:load:run-begin");
        match validated {
            Some(v) => Run::begin_prepared(v.prepared()),
            None => Run::begin(scenario),
        }
    };
    let mut run = match begun {
        Ok(r) => r,
        Err(e) => return Some(Err(e)),
    };
    // The setup's span in wall time, its slices and the yields between them (the figures: the
    // long tasks).
    let mut setting_up = (run.setup_progress() != SetupProgress::Ready).then(|| super::perf::Measure::new("spillway:load:run-setup"));
    loop {
        on_progress(RunStatus::of(&run));
        yield_to_browser().await;
        if !keep_going() {
            return None;
        }
        // The engine asks between steps, between a step's parts and between two margin checks
        // whether to stop (`Run::advance_until`): a slice ends within a check of `SLICE_MS`,
        // even in the crash step (issue 14). The clock is read at every `CLOCK_EVERY`th question.
        let t0 = now_ms();
        let mut asked = 0u32;
        let mut pause = || {
            asked = asked.wrapping_add(1);
            asked % CLOCK_EVERY == 0 && now_ms() - t0 >= SLICE_MS
        };
        match run.advance_until(&mut pause) {
            Ok(p) if p.is_done() => break,
            Ok(_) => {}
            Err(e) => return Some(Err(e)),
        }
        if setting_up.is_some() && run.setup_progress() == SetupProgress::Ready {
            setting_up = None;
        }
    }
    on_progress(RunStatus::of(&run));
    yield_to_browser().await;
    if !keep_going() {
        return None;
    }
    let _finishing = super::perf::Measure::new("spillway:load:run-finish");
    Some(run.finish())
}


/// "checking the book: 40,000 of 100,001 accounts" and "opening the book: …" while the setup
/// runs in slices (`Run::begin`: `scenario::Preparing`, then the engine's `Opening`), then
/// "running the engine: step 412 of 1,000", from the steps computed so far.
pub fn progress_text(r: RunStatus) -> String {
    match r.setup {
        SetupProgress::Checking { done, total } => return format!("checking the book: {} of {} accounts", format_count(done as u64), format_count(total as u64)),
        SetupProgress::Opening { done, total } => return format!("opening the book: {} of {} accounts", format_count(done as u64), format_count(total as u64)),
        SetupProgress::Ready => {}
    }
    let p = r.steps;
    let last = p.total.saturating_sub(1);
    if p.done == 0 {
        format!("running the engine: setting up a run of {} steps", format_count(last.into()))
    } else {
        format!("running the engine: step {} of {}", format_count((p.done - 1).into()), format_count(last.into()))
    }
}

/// The progress bar of a run in slices, with Cancel (which keeps what was on screen).
#[component]
pub fn RunProgressBar() -> impl IntoView {
    let s = use_state();
    view! {
        {move || s.run_progress.get().map(|p| view! {
            <div class="notice info run-progress" id="run-progress" role="status" aria-live="polite">
                <label for="run-progress-bar" id="run-progress-text">{progress_text(p)}</label>
                <progress id="run-progress-bar" max=p.bar().1.to_string() value=p.bar().0.to_string()></progress>
                <button type="button" id="run-cancel" on:click=move |_| s.cancel_run()>"Cancel"</button>
            </div>
        })}
    }
}
