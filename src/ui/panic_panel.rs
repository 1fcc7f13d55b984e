//! The panic hook: a bug must never leave the user staring at a frozen page.
//! The hook logs to the console (console_error_panic_hook) and then draws a plain-DOM error panel,
//! which works even when the reactive runtime is the thing that died.
//!
//! The release build aborts on panic, so after the panel is drawn no Rust code runs again: its
//! buttons are plain inline JavaScript. A panic caused by a shared link would come back on every
//! reload of that link (issue 14, item 5), so the first button opens the page without the link
//! (`share` only stores a scenario after it ran, so the stored one is the last that worked).

use wasm_bindgen::JsCast;

/// The panel's markup: constant text and inline handlers only (the message and the link are set
/// as text by `show`, never parsed as HTML).
pub const PANEL_HTML: &str = concat!(
    "<div class=\"panic-box\"><h2 id=\"panic-title\">Spillway hit a bug</h2>",
    "<p>The page stopped working. Your last scenario that ran is kept in this browser. If this ",
    "happened while opening a link, the link itself may trigger the bug: open Spillway without it.</p>",
    "<div class=\"row panic-actions\">",
    // Without the fragment the page opens the scenario stored here (or a preset); `replace`, so Back
    // does not return to the crashing link.
    "<button type=\"button\" id=\"panic-open-clean\" class=\"primary\" ",
    "onclick=\"location.replace(location.pathname + location.search)\">Open Spillway without this link</button>",
    "<button type=\"button\" id=\"panic-reload\" onclick=\"location.reload()\">Reload</button>",
    "</div>",
    "<p>Please report this bug on Spillway's issue tracker (see the project page), with the message ",
    "and the link below: the link holds the whole scenario, so the bug can be replayed.</p>",
    "<pre class=\"panic-message\" id=\"panic-message\"></pre>",
    "<textarea id=\"panic-details\" readonly rows=\"3\" aria-label=\"Details to report: the message and the link\"></textarea>",
    "<button type=\"button\" id=\"panic-copy\" ",
    "onclick=\"var d=document.getElementById('panic-details');d.select();",
    "var done=function(){document.getElementById('panic-copy').textContent='Copied'};",
    "try{navigator.clipboard.writeText(d.value).then(done,function(){document.execCommand('copy');done()})}",
    "catch(e){document.execCommand('copy');done()}\">Copy details</button>",
    "</div>",
);

/// What "Copy details" copies: the message, then the page's link (the scenario that crashed).
pub fn details(message: &str, href: &str) -> String {
    format!("Spillway {}: {message}\nLink: {href}", env!("CARGO_PKG_VERSION"))
}

pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show(&info.to_string());
    }));
}

/// Draws (or refreshes) the error panel. Public so the app can show it for fatal, non-panic errors.
pub fn show(message: &str) {
    let Some(window) = web_sys::window() else { return };
    let Some(document) = window.document() else { return };
    let Some(body) = document.body() else { return };
    let panel = match document.get_element_by_id("panic-panel") {
        Some(el) => el,
        None => match document.create_element("div") {
            Ok(el) => el,
            Err(_) => return,
        },
    };
    panel.set_id("panic-panel");
    let _ = panel.set_attribute("role", "alertdialog");
    let _ = panel.set_attribute("aria-labelledby", "panic-title");
    panel.set_inner_html(PANEL_HTML);
    if let Ok(Some(pre)) = panel.query_selector(".panic-message") {
        pre.set_text_content(Some(message));
    }
    let href = window.location().href().unwrap_or_default();
    if let Some(area) = panel.query_selector("#panic-details").ok().flatten().and_then(|e| e.dyn_into::<web_sys::HtmlTextAreaElement>().ok()) {
        area.set_value(&details(message, &href));
    }
    if panel.parent_node().is_none() {
        let _ = body.append_child(&panel);
    }
    if let Some(button) = panel.query_selector("button").ok().flatten() {
        if let Ok(button) = button.dyn_into::<web_sys::HtmlElement>() {
            let _ = button.focus();
        }
    }
}
