//! A guided tour for a first visit: six short steps through one default. Skippable; once finished
//! or dismissed it is never shown again (a flag in localStorage).

use leptos::prelude::*;

use super::state::use_state;
use crate::scenario::presets;

const SEEN_KEY: &str = "spillway.tour.seen";
const TOUR_PRESET: &str = "reaches-default-fund";

/// (title, text, step of the tour preset to show).
const STEPS: [(&str, &str, Option<u32>); 6] = [
    ("1 · A clearing house and its members", "This scenario is a clearing house with a few members. Each posts margin and pays into a shared default fund. The waterfall on the right lists, in order, who pays if one of them fails.", Some(0)),
    ("2 · The price moves", "The chart shows the spread moving far more than on a normal day. The member on the wrong side now owes more variation margin than it holds.", None),
    ("3 · A margin call, then a default", "The member cannot meet its margin call and is declared in default. Watch the narrative: it says how big the shortfall is.", None),
    ("4 · The defaulter pays first", "Its own margin and its own default-fund contribution are used first: the top bars turn orange as they pay.", None),
    ("5 · Then the others", "What is left flows on: the clearing house's own capital (skin in the game), then the surviving members' fund, pro rata. An exhausted layer is outlined in red.", None),
    ("6 · Your turn", "Press play or use ←/→. Change a shock or a layer on the left, compare rule sets below, and use “Copy link” to send exactly this scenario to someone.", None),
];

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

#[component]
pub fn Tour() -> impl IntoView {
    let s = use_state();
    let seen = storage().and_then(|st| st.get_item(SEEN_KEY).ok().flatten()).is_some();
    // A shared link or an embed is someone's chosen view: do not put a tour over it.
    let has_link = web_sys::window().and_then(|w| w.location().hash().ok()).map(|h| h.len() > 1).unwrap_or(false);
    let at = RwSignal::new(if seen || has_link || s.embed { None } else { Some(0usize) });
    let close = move || {
        at.set(None);
        if let Some(st) = storage() {
            let _ = st.set_item(SEEN_KEY, "1");
        }
    };
    let go = move |i: usize| {
        if i == 0 {
            if let Some(p) = presets::by_id(TOUR_PRESET) {
                s.preset_id.set(Some(p.id.to_string()));
                s.scenario.set(p.scenario);
            }
        }
        // Steps 2–5 move the player to the first event of the kind they describe.
        let wanted = match i {
            1 => Some(("margin", false)),
            2 => Some(("default", false)),
            3 => Some(("contribution", true)),
            4 => Some(("fund paid", true)),
            _ => None,
        };
        if let Some((word, _)) = wanted {
            let step = s.timeline.with_untracked(|t| {
                t.as_ref().and_then(|t| t.events.iter().find(|e| e.text().to_lowercase().contains(word)).map(|e| e.step))
            });
            if let Some(step) = step {
                s.step.set(step);
            }
        } else if let Some(step) = STEPS.get(i).and_then(|x| x.2) {
            s.step.set(step);
        }
        s.playing.set(false);
        at.set(Some(i));
    };
    // Load the tour's scenario on a first visit.
    if at.get_untracked() == Some(0) {
        go(0);
    }
    view! {
        {move || at.get().and_then(|i| STEPS.get(i).map(|st| (i, *st))).map(|(i, (title, text, _))| view! {
            <div class="tour" id="tour" role="dialog" aria-labelledby="tour-title" aria-describedby="tour-text">
                <h3 id="tour-title">{title}</h3>
                <p id="tour-text">{text}</p>
                <div class="row">
                    <button type="button" id="tour-skip" on:click=move |_| close()>"Skip the tour"</button>
                    <span class="spacer"></span>
                    {(i > 0).then(|| view! { <button type="button" on:click=move |_| go(i - 1)>"Back"</button> })}
                    {if i + 1 < STEPS.len() {
                        view! { <button type="button" class="primary" id="tour-next" on:click=move |_| go(i + 1)>"Next"</button> }.into_any()
                    } else {
                        view! { <button type="button" class="primary" id="tour-done" on:click=move |_| close()>"Done"</button> }.into_any()
                    }}
                </div>
            </div>
        })}
    }
}
