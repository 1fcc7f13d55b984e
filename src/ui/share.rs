//! Sharing: the whole scenario lives in the URL fragment (`scenario::codec`), the last scenario in
//! localStorage. A damaged or hostile link opens the app with a message saying what was wrong, and
//! the scenario kept in localStorage is neither replaced nor overwritten by it.

use leptos::prelude::*;

use super::state::AppState;
use crate::scenario::{self, codec, presets, Scenario};

const STORAGE_KEY: &str = "spillway.scenario.v1";
const DEFAULT_PRESET: &str = "reaches-default-fund";
const URL_DEBOUNCE: std::time::Duration = std::time::Duration::from_millis(300);

pub struct InitialState {
    pub scenario: Scenario,
    pub preset_id: Option<String>,
    pub step: u32,
    /// The venue on screen when the scenario links venues (0 = its own).
    pub venue: usize,
    pub notice: Option<String>,
    /// The scenario is the link's (it has not run here yet).
    pub from_link: bool,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

fn fragment() -> String {
    web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default().trim_start_matches('#').to_string()
}

fn stored_scenario() -> Option<Scenario> {
    let json = storage()?.get_item(STORAGE_KEY).ok().flatten()?;
    scenario::from_json(&json).ok()
}

fn default_state(notice: Option<String>) -> InitialState {
    let (scenario, preset_id) = match stored_scenario() {
        // A stored scenario that is still exactly a preset is shown as that preset.
        Some(sc) => {
            let preset = presets::all().into_iter().find(|p| p.scenario == sc).map(|p| p.id.to_string());
            (sc, preset)
        }
        None => match presets::by_id(DEFAULT_PRESET).or_else(|| presets::all().into_iter().next()) {
            Some(p) => (p.scenario, Some(p.id.to_string())),
            None => (Scenario::default(), None),
        },
    };
    InitialState { scenario, preset_id, step: 0, venue: 0, notice, from_link: false }
}

/// What the page shows when a link's scenario cannot run: the last scenario that ran in this
/// browser, else the default preset.
pub fn fallback_state() -> InitialState {
    default_state(None)
}

thread_local! {
    /// The link's state, decoded by `decode_link_first` in a task before the mount's.
    static DECODED: std::cell::RefCell<Option<InitialState>> = const { std::cell::RefCell::new(None) };
}

/// Decodes the address bar's link now, for the app mounted in a later task (`main.rs`): a heavy
/// link's decode validates and expands its whole book (112 ms for 100k accounts), which with
/// the wasm's start and the mount made one task over 200 ms (issue 14). False without a link.
pub fn decode_link_first() -> bool {
    if fragment().is_empty() {
        return false;
    }
    let state = initial_state();
    DECODED.with(|d| *d.borrow_mut() = Some(state));
    true
}

/// What the page opens with: the link's scenario, else the last one used here, else a preset.
pub fn initial_state() -> InitialState {
    if let Some(decoded) = DECODED.with(|d| d.borrow_mut().take()) {
        return decoded;
    }
    let frag = fragment();
    if frag.is_empty() {
        return default_state(None);
    }
    let decoding = super::perf::Measure::new("spillway:load:link-decode");
    // A heavy book is validated by its run (`chunked_run`), in a task of its own.
    let decoded = codec::decode_deferring(&frag, super::chunked_run::needs_slices);
    drop(decoding);
    match decoded {
        Ok(shared) => {
            let step = shared.step.unwrap_or(0);
            InitialState { scenario: shared.scenario, preset_id: shared.preset, step, venue: shared.venue, notice: None, from_link: true }
        }
        Err(e) => default_state(Some(format!(
            "This link could not be opened. {e} You are looking at your last scenario instead."
        ))),
    }
}

/// The link to the current scenario at `step`, with the venue on screen.
pub fn link(s: &AppState, step: Option<u32>) -> String {
    let venue = s.venue.get_untracked();
    let frag = s.scenario.with_untracked(|sc| codec::encode_at(sc, step, venue));
    let base = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .map(|h| h.split('#').next().unwrap_or_default().to_string()) // ok: split yields at least one part
        .unwrap_or_default();
    format!("{base}#{frag}")
}

/// Keeps the URL fragment (scenario + step, when paused) and localStorage in step with the state.
pub fn sync_url_and_storage(s: AppState) {
    // Only a scenario that ran is stored (`AppState::ran`, set after a successful run), so a
    // link whose run panics, fails or is cancelled never replaces the user's last scenario, and
    // the bug panel's "open without this link" finds a scenario that works.
    // A link that failed to open stays in the address bar until the user changes something,
    // so they can still copy it: the first run after a notice (the stored scenario) is not
    // written back and does not start the address bar's updates.
    let touched = StoredValue::new(false);
    let first_ran = StoredValue::new(true);
    Effect::new(move |_| {
        let Some(json) = s.ran.with(|r| r.as_ref().map(scenario::to_json)) else { return };
        if first_ran.get_value() {
            first_ran.set_value(false);
            if s.notice.get_untracked().is_some() {
                return;
            }
        }
        touched.set_value(true);
        if let Some(st) = storage() {
            let _ = st.set_item(STORAGE_KEY, &json);
        }
    });
    // Encoding a link is real work (a diff against every preset, deflate, a verifying decode), so
    // the address bar follows the cursor after it rests, not on every step.
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        s.scenario.track();
        s.venue.track();
        let step = s.step.get();
        if s.playing.get() || !touched.get_value() {
            return; // no history churn while playing
        }
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        set_timeout(
            move || {
                if generation.get_value() != mine || s.step.get_untracked() != step {
                    return;
                }
                let url = link(&s, Some(step));
                if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
                    let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
                }
            },
            URL_DEBOUNCE,
        );
    });
}

#[component]
pub fn ShareButton() -> impl IntoView {
    let s = leptos::prelude::expect_context::<AppState>();
    let shown = RwSignal::new(None::<String>);
    let open = move |_| {
        let url = link(&s, Some(s.step.get_untracked()));
        if let Some(clipboard) = web_sys::window().map(|w| w.navigator().clipboard()) {
            let _ = clipboard.write_text(&url); // best effort; the link is also shown to copy by hand
        }
        shown.set(Some(url));
    };
    view! {
        <button type="button" id="share" class="primary" on:click=open>"Copy link"</button>
        {move || shown.get().map(|url| view! {
            <div class="notice info share-box" role="dialog" aria-label="Link to this scenario">
                <label for="share-url">{format!("Link copied ({} characters). It reopens this scenario at this step:", url.len())}</label>
                <input id="share-url" type="text" readonly prop:value=url.clone() on:focus=|e| {
                    if let Some(i) = e.target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(t).ok()) { i.select(); }
                }/>
                <button type="button" on:click=move |_| shown.set(None)>"Close"</button>
            </div>
        })}
    }
}
