//! The panic hook: a bug must never leave the user staring at a frozen page.
//! The hook logs to the console (console_error_panic_hook) and then draws a plain-DOM error panel,
//! which works even when the reactive runtime is the thing that died.

use wasm_bindgen::JsCast;

pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show(&info.to_string());
    }));
}

/// Draws (or refreshes) the error panel. Public so the app can show it for fatal, non-panic errors.
pub fn show(message: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
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
    panel.set_inner_html(
        "<div class=\"panic-box\"><h2 id=\"panic-title\">Spillway hit a bug</h2>\
         <p>The page stopped working. Your scenario is kept in this browser; reloading restores it.</p>\
         <pre class=\"panic-message\"></pre>\
         <button type=\"button\" class=\"primary\" onclick=\"location.reload()\">Reload</button></div>",
    );
    if let Ok(Some(pre)) = panel.query_selector(".panic-message") {
        pre.set_text_content(Some(message));
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
