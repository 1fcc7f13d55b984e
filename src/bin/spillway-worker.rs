//! The stress-lab Web Worker (trunk builds it as `data-type="worker"`; the page loads
//! `spillway-worker_loader.js`). It posts `{"type":"ready"}`, takes one JSON `JobRequest`, posts
//! progress after every batch and then the result (see `spillway::stress::job`). To cancel, the
//! page terminates the worker and starts a fresh one for the next run.

#[cfg(target_arch = "wasm32")]
fn main() {
    use spillway::stress::job::{run_to_end, WorkerMessage};
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

    // A panic traps the wasm; the hook logs its message to the console before the page's onerror fires.
    console_error_panic_hook::set_once();
    let Ok(scope) = js_sys::global().dyn_into::<DedicatedWorkerGlobalScope>() else {
        return; // not loaded as a dedicated worker: nothing to listen to
    };
    let post_scope = scope.clone();
    let post = move |m: WorkerMessage| {
        // A failed postMessage leaves nobody to tell; the page can still cancel the run.
        let _ = post_scope.post_message(&JsValue::from_str(&m.to_json()));
    };
    let now = || js_sys::Date::now();
    let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| match e.data().as_string() {
        // About 150 ms per batch: progress often enough for a smooth bar, few enough messages.
        Some(text) => run_to_end(&text, 150.0, now, &post),
        None => post(WorkerMessage::Error { message: "the request was not JSON text".into() }),
    });
    scope.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    handler.forget();
    let _ = scope.post_message(&JsValue::from_str(&WorkerMessage::Ready.to_json()));
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("spillway-worker is the browser's stress worker; natively use `spillway stress`.");
}
