//! In-browser component tests (wasm-bindgen-test in headless Chromium via chromedriver).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;
wasm_bindgen_test_configure!(run_in_browser);

use wasm_bindgen::JsCast;

fn document() -> web_sys::Document {
    web_sys::window().and_then(|w| w.document()).expect("a document")
}

/// Mount into a fresh container so tests do not see each other's DOM.
fn container(id: &str) -> web_sys::HtmlElement {
    let doc = document();
    let el: web_sys::HtmlElement = doc.create_element("div").expect("div").unchecked_into();
    el.set_id(id);
    doc.body().expect("body").append_child(&el).expect("append");
    el
}

async fn tick() {
    // Let the reactive system flush effects queued by an event.
    let promise = js_sys::Promise::resolve(&wasm_bindgen::JsValue::NULL);
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

#[wasm_bindgen_test]
fn app_mounts_with_its_frame() {
    let root = container("t-mount");
    let handle = leptos::mount::mount_to(root.clone(), spillway::ui::app::App);
    let text = root.text_content().unwrap_or_default();
    assert!(text.contains("Spillway"), "header missing: {text}");
    assert!(root.query_selector("footer").ok().flatten().is_some(), "footer missing");
    assert!(text.contains("Default waterfall"), "waterfall section missing");
    drop(handle);
}

#[wasm_bindgen_test]
async fn about_button_toggles_the_explanation() {
    let root = container("t-about");
    let _handle = leptos::mount::mount_to(root.clone(), spillway::ui::about::About);
    assert!(root.query_selector("#about-text").ok().flatten().is_none());
    let button: web_sys::HtmlElement =
        root.query_selector("#about-toggle").ok().flatten().expect("button").unchecked_into();
    button.click();
    tick().await;
    let note = root.query_selector("#about-text").ok().flatten().expect("explanation shown after click");
    assert!(note.text_content().unwrap_or_default().contains("waterfall"));
    assert_eq!(button.get_attribute("aria-expanded").as_deref(), Some("true"));
}

#[wasm_bindgen_test]
fn panic_panel_offers_a_way_out_without_the_link() {
    spillway::ui::panic_panel::show("boom: test message");
    let panel = document().get_element_by_id("panic-panel").expect("panel");
    let text = panel.text_content().unwrap_or_default();
    assert!(text.contains("boom: test message"));
    // A crashing link must not loop: the focused first button opens the page without the fragment.
    let open = panel.query_selector("#panic-open-clean").ok().flatten().expect("Open without this link");
    assert_eq!(open.text_content().as_deref(), Some("Open Spillway without this link"));
    assert_eq!(open.get_attribute("onclick").as_deref(), Some("location.replace(location.pathname + location.search)"));
    let focused = document().active_element().map(|e| e.id());
    assert_eq!(focused.as_deref(), Some("panic-open-clean"), "the way out takes the focus");
    assert!(panel.query_selector("#panic-reload").ok().flatten().is_some(), "a plain Reload too");
    // What to report, and where; the details to copy hold the message and the link.
    assert!(text.contains("issue tracker"), "says where to report: {text}");
    let details: web_sys::HtmlTextAreaElement = panel.query_selector("#panic-details").ok().flatten().expect("details").unchecked_into();
    let href = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
    assert!(details.value().contains("boom: test message") && details.value().contains(&href), "details: {}", details.value());
    assert!(panel.query_selector("#panic-copy").ok().flatten().is_some(), "Copy details");
    // The message is text, never markup.
    spillway::ui::panic_panel::show("<img src=x id=injected>");
    assert!(document().get_element_by_id("injected").is_none());
    panel.remove();
}

#[path = "common/determinism.rs"]
mod determinism;

/// The same scenario and seed give the same timeline in WebAssembly as natively (portable PRNG,
/// libm, exact decimals): the digest recorded by the native test must be reproduced here.
#[wasm_bindgen_test]
fn wasm_run_matches_the_native_digest() {
    assert_eq!(determinism::digest(), determinism::DIGEST.trim());
}

#[path = "common/options_determinism.rs"]
mod options_determinism;

/// exp, ln, the normal CDF, Black-76 and a portfolio grid give the same bits in WebAssembly as
/// natively (engine/options/normal.rs uses only IEEE-exact f64 operations).
#[wasm_bindgen_test]
fn wasm_option_models_match_the_native_digest() {
    assert_eq!(options_determinism::digest(), options_determinism::DIGEST.trim());
}

#[wasm_bindgen_test]
async fn waterfall_view_follows_the_step() {
    let root = container("t-waterfall");
    let _handle = leptos::mount::mount_to(root.clone(), spillway::ui::app::App);
    let layers = root.query_selector_all("#waterfall [data-layer]").expect("query");
    assert!(layers.length() >= 2, "the waterfall shows its layers");
    let paid = || root.query_selector("#waterfall").ok().flatten().and_then(|w| w.text_content()).unwrap_or_default();
    let at_start = paid();
    let end: web_sys::HtmlElement = root.query_selector("#btn-end").ok().flatten().expect("end button").unchecked_into();
    end.click();
    tick().await;
    assert_ne!(at_start, paid(), "jumping to the last step changes what the layers have paid");
}

/// A token priced near 0.01 (JELLY) had ticks 0.04, 0.04, 0.03, 0.03 at two places: small
/// prices keep three significant places, large ones their unit.
#[wasm_bindgen_test]
fn price_axis_ticks_stay_distinct_for_small_prices() {
    use spillway::ui::charts::axis_label;
    assert_eq!(axis_label(&0.035), "0.035");
    assert_eq!(axis_label(&0.03), "0.03");
    assert_eq!(axis_label(&0.0095), "0.0095");
    assert_eq!(axis_label(&0.5), "0.5");
    assert_eq!(axis_label(&42.5), "42.5");
    assert_eq!(axis_label(&101_370.0), "101.37k");
    assert_eq!(axis_label(&0.0), "0");
}
