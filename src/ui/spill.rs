//! The spill inside a step: the waterfall plays a step's draws one layer after another (the
//! defaulter's margin, its fund contribution, the skin in the game, the survivors' fund, …), in
//! the order the engine made them (`Timeline::draws_at`), so the order is *seen*. This module owns
//! the draw cursor (`AppState::draw`): while playing, a step with draws holds the cursor on each
//! draw in turn before the player moves on; "◀ draw" / "draw ▶" walk the draws by hand. Quiet
//! steps (no events) pass quickly while playing, when the option is on.
//!
//! Per draw the page only moves a cursor: the bars come from the engine (`layer_state_at_draw`),
//! nothing here touches an account, so a draw costs the same at 10 or 100k accounts.

use std::cell::Cell;

use leptos::prelude::*;

use super::state::AppState;

/// A step with more draws than this is shown whole (with a one-line summary): a cascade of 60
/// draws on the same two layers teaches nothing more at 0.35 s each.
pub const MAX_SPILLED_DRAWS: usize = 12;
/// Quiet steps pass this many times faster while playing (fast-forward).
const QUIET_SPEEDUP: f64 = 5.0;
/// The option starts on when a run has this many quiet steps in a row.
const QUIET_RUN: u32 = 3;
const TICK_MS: u64 = 50;

thread_local! {
    /// The user ticked or unticked "fast-forward quiet steps": a later run keeps their choice.
    static USER_CHOSE_FAST_QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Milliseconds each draw stays on screen at 1×: a whole spill takes about 4 s, a draw
/// 0.35–1 s (four draws of Nasdaq 2018: 1 s each).
fn draw_ms(n: usize) -> f64 {
    (4000.0 / n.max(1) as f64).clamp(350.0, 1000.0)
}

/// (step, draws) of every step with a draw in the run on screen.
fn draw_counts(s: AppState) -> Vec<(u32, usize)> {
    s.timeline.with_untracked(|t| t.as_ref().map(|t| t.draw_counts()).unwrap_or_default())
}

fn count_at(counts: &[(u32, usize)], step: u32) -> usize {
    counts.binary_search_by_key(&step, |x| x.0).ok().and_then(|i| counts.get(i)).map_or(0, |x| x.1)
}

/// The draw on screen at the current step, if the spill is shown there.
pub fn active(s: AppState) -> Option<usize> {
    let step = s.step.get();
    s.draw.get().filter(|(st, _)| *st == step).map(|x| x.1)
}

/// The player waits while a step's spill plays.
pub fn holds_step(s: AppState) -> bool {
    let step = s.step.get_untracked();
    s.draw.get_untracked().is_some_and(|(st, _)| st == step)
}

/// How much faster than usual the player moves on from the current step: quiet steps pass
/// quickly when the option is on.
pub fn pace(s: AppState) -> f64 {
    if !s.fast_quiet.get_untracked() {
        return 1.0;
    }
    let step = s.step.get_untracked();
    let quiet = s.timeline.with_untracked(|t| t.as_ref().is_some_and(|t| t.events.range_at(step).is_empty()));
    if quiet {
        QUIET_SPEEDUP
    } else {
        1.0
    }
}

/// The longest run of steps without an event.
fn longest_quiet_run(s: AppState) -> u32 {
    s.timeline.with_untracked(|t| {
        let Some(t) = t.as_ref() else { return 0 };
        let (mut best, mut run) = (0, 0);
        for step in 0..=t.steps {
            run = if t.events.range_at(step).is_empty() { run + 1 } else { 0 };
            best = best.max(run);
        }
        best
    })
}

/// Wires the spill to the player: starts a step's spill when playing reaches it, moves it on
/// draw by draw, and sets the fast-forward option for each run. Called once, by the player.
pub fn follow_spill(s: AppState) {
    // A new run (a preset, an edit): its draws are not the old ones.
    Effect::new(move |_| {
        s.timeline.track();
        s.draw.set(None);
        if !USER_CHOSE_FAST_QUIET.with(Cell::get) {
            s.fast_quiet.set(longest_quiet_run(s) >= QUIET_RUN);
        }
    });
    // Playing onto a step with draws starts its spill at the first draw; any other move of the
    // cursor shows the step whole (the draw buttons set the draw and the step together).
    Effect::new(move |_| {
        let step = s.step.get();
        if s.draw.get_untracked().is_some_and(|(st, _)| st == step) {
            return;
        }
        let n = count_at(&draw_counts(s), step);
        let start = s.playing.get_untracked() && (1..=MAX_SPILLED_DRAWS).contains(&n);
        s.draw.set(start.then_some((step, 0)));
    });
    let elapsed = StoredValue::new(0.0f64);
    if let Ok(handle) = set_interval_with_handle(
        move || {
            let Some((step, k)) = s.draw.get_untracked().filter(|_| s.playing.get_untracked() && holds_step(s)) else {
                elapsed.set_value(0.0);
                return;
            };
            let n = count_at(&draw_counts(s), step);
            let acc = elapsed.get_value() + TICK_MS as f64 * s.speed.get_untracked();
            if acc < draw_ms(n) {
                elapsed.set_value(acc);
                return;
            }
            elapsed.set_value(0.0);
            // After the last draw the step is shown whole and the player moves on.
            s.draw.set((k + 1 < n).then_some((step, k + 1)));
        },
        std::time::Duration::from_millis(TICK_MS),
    ) {
        on_cleanup(move || handle.clear());
    }
}

/// The next draw: the next one in this step, else the first of the next step with draws. From a
/// step shown whole, its own first draw.
fn next_draw(s: AppState) {
    s.playing.set(false);
    let counts = draw_counts(s);
    let step = s.step.get_untracked();
    let n = count_at(&counts, step);
    match s.draw.get_untracked().filter(|(st, _)| *st == step) {
        Some((_, k)) if k + 1 < n => s.draw.set(Some((step, k + 1))),
        None if n > 0 => s.draw.set(Some((step, 0))),
        _ => {
            if let Some(&(next, _)) = counts.iter().find(|x| x.0 > step) {
                s.draw.set(Some((next, 0)));
                s.step.set(next);
            }
        }
    }
}

/// The previous draw: the one before in this step, else the last of the previous step with draws.
fn previous_draw(s: AppState) {
    s.playing.set(false);
    let counts = draw_counts(s);
    let step = s.step.get_untracked();
    let n = count_at(&counts, step);
    match s.draw.get_untracked().filter(|(st, _)| *st == step) {
        Some((_, k)) if k > 0 => s.draw.set(Some((step, k - 1))),
        None if n > 0 => s.draw.set(Some((step, n - 1))),
        _ => {
            if let Some(&(prev, m)) = counts.iter().rev().find(|x| x.0 < step) {
                s.draw.set(Some((prev, m.saturating_sub(1))));
                s.step.set(prev);
            }
        }
    }
}

/// "◀ draw", "draw ▶" and the fast-forward option, beside the player's step buttons.
#[component]
pub fn SpillControls(s: AppState) -> impl IntoView {
    let counts = Memo::new(move |_| s.timeline.with(|t| t.as_ref().map(|t| t.draw_counts()).unwrap_or_default()));
    let has_next = move || {
        let step = s.step.get();
        let n = counts.with(|c| count_at(c, step));
        match active(s) {
            Some(k) if k + 1 < n => true,
            None if n > 0 => true,
            _ => counts.with(|c| c.iter().any(|x| x.0 > step)),
        }
    };
    let has_prev = move || {
        let step = s.step.get();
        let n = counts.with(|c| count_at(c, step));
        match active(s) {
            Some(k) if k > 0 => true,
            None if n > 0 => true,
            _ => counts.with(|c| c.iter().any(|x| x.0 < step)),
        }
    };
    view! {
        <span class="spill-controls" role="group" aria-label="The spill, draw by draw">
            <button type="button" id="btn-prev-draw" title="Previous draw: the loss one layer back"
                aria-label="Previous draw" disabled=move || !has_prev()
                on:click=move |_| previous_draw(s)>"◀ draw"</button>
            <button type="button" id="btn-next-draw" title="Next draw: the loss one layer further down the waterfall"
                aria-label="Next draw" disabled=move || !has_next()
                on:click=move |_| next_draw(s)>"draw ▶"</button>
            <label class="fast-quiet" title="While playing, steps where nothing happens pass five times faster">
                <input type="checkbox" id="fast-quiet" prop:checked=move || s.fast_quiet.get()
                    on:change=move |e| {
                        USER_CHOSE_FAST_QUIET.with(|c| c.set(true));
                        s.fast_quiet.set(event_target_checked(&e));
                    }/>
                " Fast-forward quiet steps"
            </label>
        </span>
    }
}
