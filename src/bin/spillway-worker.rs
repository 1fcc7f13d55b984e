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
    let scope_bench = scope.clone();
    let post = move |m: WorkerMessage| {
        // A failed postMessage leaves nobody to tell; the page can still cancel the run.
        let _ = post_scope.post_message(&JsValue::from_str(&m.to_json()));
    };
    let now = || js_sys::Date::now();
    let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| match e.data().as_string() {
        Some(text) if text.starts_with(BENCH_PREFIX) => {
            let _ = scope_bench.post_message(&JsValue::from_str(&engine_bench(&text[BENCH_PREFIX.len()..])));
        }
        Some(text) if text.starts_with(BENCH_FILE_PREFIX) => {
            let _ = scope_bench.post_message(&JsValue::from_str(&file_bench(&text[BENCH_FILE_PREFIX.len()..])));
        }
        // About 150 ms per batch: progress often enough for a smooth bar, few enough messages.
        Some(text) => run_to_end(&text, 150.0, now, &post),
        None => post(WorkerMessage::Error { message: "the request was not JSON text".into() }),
    });
    scope.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    handler.forget();
    let _ = scope.post_message(&JsValue::from_str(&WorkerMessage::Ready.to_json()));
}

/// `bench:ACCOUNTS:STEPS` runs issue 8's cohort book once (tests/e2e/bench-worker.mjs `engine`).
#[cfg(target_arch = "wasm32")]
const BENCH_PREFIX: &str = "bench:";

/// `bench-file:JSON` runs the scenario JSON once (tests/e2e/bench-worker.mjs `file FILE`: e.g.
/// issue 18's portfolio-margined option book, `tools/pm_bench_book.py`).
#[cfg(target_arch = "wasm32")]
const BENCH_FILE_PREFIX: &str = "bench-file:";

/// Wasm linear memory now, in bytes.
#[cfg(target_arch = "wasm32")]
fn memory_bytes() -> u32 {
    use wasm_bindgen::JsCast;
    wasm_bindgen::memory().dyn_into::<js_sys::WebAssembly::Memory>().ok().and_then(|m| m.buffer().dyn_into::<js_sys::ArrayBuffer>().ok()).map(|b| b.byte_length()).unwrap_or(0)
}

/// Time one `simulate` of the cohort book in this worker, and the wasm memory it left allocated
/// (linear memory only grows, so its size after the run is the run's peak).
#[cfg(target_arch = "wasm32")]
fn engine_bench(args: &str) -> String {
    let mut it = args.split(':').map(|x| x.parse::<u32>().ok());
    let (Some(Some(accounts)), Some(Some(steps))) = (it.next(), it.next()) else {
        return serde_json::json!({ "type": "error", "message": "expected bench:ACCOUNTS:STEPS" }).to_string();
    };
    let before = memory_bytes();
    let Ok(s) = spillway::scenario::bench::cohort_book(accounts, steps) else {
        return serde_json::json!({ "type": "error", "message": "the bench book does not validate" }).to_string();
    };
    timed_run(&s, before)
}

/// Time one `simulate` of a scenario file's JSON (validated as a link or file is).
#[cfg(target_arch = "wasm32")]
fn file_bench(json: &str) -> String {
    let before = memory_bytes();
    match spillway::scenario::from_json(json) {
        Ok(s) => timed_run(&s, before),
        Err(e) => serde_json::json!({ "type": "error", "message": format!("{e:?}") }).to_string(),
    }
}

#[cfg(target_arch = "wasm32")]
fn timed_run(s: &spillway::scenario::Scenario, before: u32) -> String {
    use wasm_bindgen::{JsCast, JsValue};
    let steps = s.steps;
    // performance.now(): sub-millisecond (Date.now() counts whole milliseconds).
    let performance = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("performance")).ok().and_then(|p| p.dyn_into::<web_sys::Performance>().ok());
    let now = || performance.as_ref().map_or_else(js_sys::Date::now, |p| p.now());
    let t0 = now();
    let run = spillway::engine::simulate(s);
    let ms = now() - t0;
    match run {
        Ok(t) => serde_json::json!({
            "type": "bench", "accounts": t.accounts.len(), "steps": steps, "simulate_ms": ms,
            "events": t.events.len(), "wasm_memory_before": before, "wasm_memory_after": memory_bytes(),
        })
        .to_string(),
        Err(e) => serde_json::json!({ "type": "error", "message": e.to_string() }).to_string(),
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("spillway-worker is the browser's stress worker; natively use `spillway stress`.");
}
