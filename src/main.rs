//! Browser entry point: install the panic hook, then mount the app.

#[cfg(target_arch = "wasm32")]
fn main() {
    spillway::ui::panic_panel::install();
    leptos::mount::mount_to_body(spillway::ui::app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("spillway-web is the browser build; run `./x serve`, or use the `spillway` CLI natively.");
}
