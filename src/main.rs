//! Browser entry point: install the panic hook, then mount the app.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen::JsCast;

#[cfg(target_arch = "wasm32")]
fn main() {
    // The e2e's long-task check counts from here ("after the wasm started").
    if let Some(perf) = web_sys::window().and_then(|w| w.performance()) {
        let _ = perf.mark("spillway:start");
    }
    spillway::ui::panic_panel::install();
    // A link is decoded (and its scenario validated) in this task, the app mounted in the next:
    // each well under the 200 ms a task may take (issue 14). Without a link, one task.
    if spillway::ui::share::decode_link_first() {
        let mount = wasm_bindgen::closure::Closure::once_into_js(mount_now);
        let scheduled = web_sys::window().map(|w| w.set_timeout_with_callback(mount.unchecked_ref()).is_ok()).unwrap_or(false);
        if !scheduled {
            mount_now();
        }
    } else {
        mount_now();
    }
}

#[cfg(target_arch = "wasm32")]
fn mount_now() {
    leptos::mount::mount_to_body(spillway::ui::app::App);
    // The static loader (index.html) goes in the same task as the mount, so no frame shows both
    // or neither; the app's header takes the place of the loader's identical one.
    if let Some(loader) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("loader")) {
        loader.remove();
    }
}

/// Draws the bug panel as a panic would, for the end-to-end test of its buttons: the release build
/// has no safe way to panic on purpose, and the panel must be checked where it runs (plain DOM,
/// inline handlers). Harmless: it only draws the panel.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn show_bug_panel(message: &str) {
    spillway::ui::panic_panel::show(message);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("spillway-web is the browser build; run `./x serve`, or use the `spillway` CLI natively.");
}
