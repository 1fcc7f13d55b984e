//! The top component: owns the state (scenario, run, cursor), re-runs the engine when the scenario
//! changes (debounced), keeps the URL and localStorage in step, and lays out the views.

use std::time::Duration;

use leptos::prelude::*;

use super::about::About;
use super::accounts_view::AccountsView;
use super::charts::Charts;
use super::chunked_run::RunProgressBar;
use super::compare_view::CompareView;
use super::contagion_view::ContagionView;
use super::editor::Editor;
use super::glossary_view::GlossaryView;
use super::ledger_view::LedgerView;
use super::narrative::Narrative;
use super::notice::Notice;
use super::player::Player;
use super::share::{self, ShareButton};
use super::state::AppState;
use super::stress_view::StressView;
use super::summary::Summary;
use super::tour::Tour;
use super::waterfall_view::WaterfallView;

/// Edits arriving faster than this are run once.
const RERUN_DEBOUNCE: Duration = Duration::from_millis(150);

#[component]
pub fn App() -> impl IntoView {
    let start = share::initial_state();
    let s = AppState::new(start.scenario, start.preset_id, start.step);
    s.notice.set(start.notice);
    s.venue.set(start.venue); // the first run shows this venue of a linked-venue scenario
    if start.from_link {
        s.mark_opening_link();
    }
    provide_context(s);
    s.rerun();

    // Re-run after edits settle; a generation counter drops superseded runs.
    let generation = StoredValue::new(0u64);
    Effect::new(move |first: Option<()>| {
        s.scenario.track();
        if first.is_none() {
            return; // the first run happened above, synchronously
        }
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        set_timeout(
            move || {
                if generation.get_value() == mine {
                    s.rerun();
                }
            },
            RERUN_DEBOUNCE,
        );
    });
    share::sync_url_and_storage(s);
    s.follow_step();

    view! {
        <div class="app">
            <header class="app-header">
                <h1>"Spillway"</h1>
                <span class="tagline">"watch a default propagate through the waterfall"</span>
                <span class="spacer"></span>
                <ShareButton/>
                <About/>
            </header>
            <Notice/>
            <main class=if s.embed { "layout embed" } else { "layout" }>
                {(!s.embed).then(|| view! {
                    <section class="panel editor" aria-labelledby="editor-title">
                        <h2 id="editor-title">"Scenario"</h2>
                        <Editor/>
                    </section>
                })}
                <div class="stage">
                    <section class="panel wide" aria-labelledby="player-title">
                        <h2 id="player-title">"Player"</h2>
                        <ContagionView/>
                        <RunProgressBar/>
                        <Player/>
                        {move || s.run_error.get().map(|e| view! {
                            <p class="field-errors" role="alert">"This scenario cannot run: " {e} ". The last valid run stays on screen."</p>
                        })}
                    </section>
                    <section class="panel" aria-labelledby="waterfall-title">
                        <h2 id="waterfall-title">"Default waterfall"</h2>
                        <WaterfallView/>
                    </section>
                    <section class="panel" aria-labelledby="narrative-title">
                        <h2 id="narrative-title">"What happens"</h2>
                        <Narrative/>
                    </section>
                    <section class="panel wide" aria-labelledby="charts-title">
                        <h2 id="charts-title">"Charts"</h2>
                        <Charts/>
                    </section>
                    <section class="panel wide" aria-labelledby="accounts-title">
                        <h2 id="accounts-title">"Accounts"</h2>
                        <AccountsView/>
                    </section>
                    <section class="panel wide" aria-labelledby="summary-title">
                        <h2 id="summary-title">"Who paid, in the end"</h2>
                        <Summary/>
                    </section>
                    <section class="panel wide" aria-labelledby="compare-title">
                        <h2 id="compare-title">"Compare waterfalls"</h2>
                        <CompareView/>
                    </section>
                    <section class="panel wide" aria-labelledby="stress-title">
                        <h2 id="stress-title">"Stress"</h2>
                        <StressView/>
                    </section>
                    <section class="panel wide" aria-labelledby="ledger-title">
                        <h2 id="ledger-title">"Ledger"</h2>
                        <LedgerView/>
                    </section>
                    <section class="panel wide" aria-labelledby="glossary-title">
                        <h2 id="glossary-title">"Glossary"</h2>
                        <GlossaryView/>
                    </section>
                </div>
            </main>
            <footer class="app-footer">
                <span>"Spillway v" {env!("CARGO_PKG_VERSION")}</span>
                <span>"Exact decimal engine, running in your browser. Keys: space play/pause · ←/→ step · Home/End."</span>
                <span id="run-time">{move || format!("last engine run: {:.1} ms", s.last_run_ms.get())}</span>
            </footer>
            <Tour/>
        </div>
    }
}
