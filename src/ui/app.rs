//! The top component: owns the state (scenario, run, cursor), re-runs the engine when the scenario
//! changes (debounced), keeps the URL and localStorage in step, and lays out the views.

use std::time::Duration;

use leptos::prelude::*;

use super::about::About;
use super::account_story::AccountStoryPanel;
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
use super::phone_tabs::PhoneTabs;
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

    if s.embed {
        return view! { <EmbedApp/> }.into_any();
    }
    view! {
        <div class="app">
            <SkipToPlayer/>
            <header class="app-header">
                <h1>"Spillway"</h1>
                <span class="tagline">"watch a default propagate through the waterfall"</span>
                <span class="spacer"></span>
                <ShareButton/>
                <About/>
            </header>
            <PhoneTabs/>
            <Notice/>
            <main class=move || if s.editing.get() { "layout editing" } else { "layout" }>
                <section class="panel editor" id="editor-panel" aria-labelledby="editor-title">
                    <h2 id="editor-title">"Scenario"</h2>
                    <Editor/>
                </section>
                <div class="stage" id="stage">
                    <PlayerPanel/>
                    <WaterfallPanel/>
                    <NarrativePanel/>
                    <section class="panel wide" aria-labelledby="charts-title">
                        <h2 id="charts-title">"Charts"</h2>
                        <Charts/>
                    </section>
                    <section class="panel wide" aria-labelledby="accounts-title">
                        <h2 id="accounts-title">"Accounts"</h2>
                        <AccountsView/>
                    </section>
                    <AccountStoryPanel/>
                    <section class="panel wide" aria-labelledby="summary-title">
                        <h2 id="summary-title">"Who paid, in the end"</h2>
                        <Summary/>
                    </section>
                    // A comparison preset opens on this view: it moves up, under the player.
                    <section aria-labelledby="compare-title" class=move || {
                        let first = s.preset_id.with(|p| p.as_deref().is_some_and(crate::scenario::presets::opens_on_compare));
                        if first { "panel wide compare-panel compare-first" } else { "panel wide compare-panel" }
                    }>
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
    .into_any()
}

/// The first Tab stop: straight to Play, past the header and the editor (WCAG 2.4.1, bypass
/// blocks). A button-like link that moves focus itself: a `#fragment` href would replace the
/// scenario the address bar carries.
#[component]
fn SkipToPlayer() -> impl IntoView {
    view! {
        <a class="skip-link" id="skip-to-player" href="#btn-play" on:click=move |e| {
            e.prevent_default();
            if let Some(b) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("btn-play")) {
                if let Ok(b) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(b) {
                    let _ = b.focus();
                }
            }
        }>"Skip to player"</a>
    }
}

#[component]
fn PlayerPanel() -> impl IntoView {
    let s = super::state::use_state();
    view! {
        <section class="panel wide player-panel" aria-labelledby="player-title">
            <h2 id="player-title">"Player"</h2>
            <ContagionView/>
            <RunProgressBar/>
            <Player/>
            {move || s.run_error.get().map(|e| view! {
                <p class="field-errors" role="alert">"This scenario cannot run: " {e} ". The last valid run stays on screen."</p>
            })}
        </section>
    }
}

#[component]
fn WaterfallPanel() -> impl IntoView {
    view! {
        <section class="panel waterfall-panel" aria-labelledby="waterfall-title">
            <h2 id="waterfall-title">"Default waterfall"</h2>
            <WaterfallView/>
        </section>
    }
}

#[component]
fn NarrativePanel() -> impl IntoView {
    view! {
        <section class="panel narrative-panel" aria-labelledby="narrative-title">
            <h2 id="narrative-title">"What happens"</h2>
            <Narrative/>
        </section>
    }
}

/// The same link without `embed` in its query: the full app, same fragment.
fn without_embed(link: &str) -> String {
    let (before, fragment) = link.split_once('#').map(|(b, f)| (b, Some(f))).unwrap_or((link, None));
    let (path, query) = before.split_once('?').unwrap_or((before, ""));
    let kept: Vec<&str> = query.split('&').filter(|kv| !kv.is_empty() && *kv != "embed" && !kv.starts_with("embed=")).collect();
    let mut out = path.to_string();
    if !kept.is_empty() {
        out.push('?');
        out.push_str(&kept.join("&"));
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// `?embed=1`, for a slide or a web page: the player, the waterfall and the story only, sized to
/// the frame (a 1000×560 slide shows all three), and a link to the full app at the same scenario
/// and step.
#[component]
fn EmbedApp() -> impl IntoView {
    let s = super::state::use_state();
    // The link is encoded when followed (encoding is real work: not on every step), so it opens
    // the step on screen now.
    let full_app = move || without_embed(&share::link(&s, Some(s.step.get_untracked())));
    let initial = full_app();
    view! {
        <div class="app embed-app">
            <header class="embed-bar">
                <span class="embed-title">"Spillway"</span>
                <span class="spacer"></span>
                <a id="open-in-spillway" href=initial target="_blank" rel="noopener"
                    on:click=move |e| {
                        if let Some(a) = e.current_target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok()) {
                            let _ = a.set_attribute("href", &full_app());
                        }
                    }>"Open in Spillway ↗"</a>
            </header>
            <Notice/>
            <main class="layout embed">
                <div class="stage">
                    <PlayerPanel/>
                    <WaterfallPanel/>
                    <NarrativePanel/>
                </div>
            </main>
        </div>
    }
}
