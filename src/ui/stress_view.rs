//! Stress lab (issue 7): Monte Carlo, Cover-1/Cover-2, reverse stress and the strategy sweep, run
//! in a Web Worker (`src/bin/spillway-worker.rs`) so the page and the player stay live. Progress,
//! time left and Cancel (which terminates the workers); results as charts, tables, and a button
//! that opens the worst path in the player.
//!
//! A Monte Carlo runs on one worker per core (`navigator.hardwareConcurrency`, at most
//! `job::MAX_WORKERS`), each on its shard of the paths; `job::ShardedJob` sums their progress
//! and merges their partials into the result one worker gives (issue 20).

use std::cell::{Cell, RefCell};
use std::str::FromStr;
use std::time::Duration;

use leptos::html::Canvas;
use leptos::prelude::*;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_canvas::CanvasBackend;
use rust_decimal::Decimal;
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::state::{use_state, AppState};
use crate::engine::{format_decimal, format_money, format_pct, waterfall_presets_for, Timeline};
use crate::scenario::{strict, LayerSpec, Scenario};
use crate::stress::job::{worker_count, JobKind, JobRequest, ShardedJob};
use std::rc::Rc;
use crate::stress::{
    CoverFigure, CoverResult, Distribution, LayerStats, MonteCarlo, MonteCarloConfig, MonteCarloResult, ResultDocument, ReverseResult, StressError, StressInput, SweepResult,
    ThresholdStatus,
};

/// trunk writes this loader next to index.html for the `data-type="worker"` bin.
const WORKER_URL: &str = "./spillway-worker_loader.js";

#[derive(Clone, Debug, PartialEq)]
/// A finished analysis: the stress lab's own result types, as the worker serialized them.
enum Body {
    MonteCarlo(Box<MonteCarloResult>),
    Cover(Box<CoverResult>),
    Reverse(Box<ReverseResult>),
    Sweep(Box<SweepResult>),
}

/// A finished run, with what it was asked (to rebuild a path for the player).
#[derive(Clone, Debug, PartialEq)]
struct Finished {
    elapsed_ms: f64,
    body: Body,
    scenario: Scenario,
    config: MonteCarloConfig,
    /// The result file it was opened from (`stress::result_file`), or None: run in the page.
    source: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
enum RunState {
    Idle,
    /// The worker is loading its wasm.
    Starting { indeterminate: bool },
    Running { done: usize, total: usize, elapsed_ms: f64, indeterminate: bool },
    Done,
    Cancelled,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Incoming {
    Ready,
    Progress { done: usize, total: usize, elapsed_ms: f64 },
    Result { elapsed_ms: f64, result: serde_json::Value },
    /// A shard's partial (the serialized `MonteCarloPartial`).
    Partial { partial: serde_json::Value },
    Error { message: String },
}

// ---- the live run: its workers, replaced on every run ----

struct Live {
    id: u64,
    workers: Vec<web_sys::Worker>,
    _on_message: Vec<Closure<dyn FnMut(web_sys::MessageEvent)>>,
    _on_error: Vec<Closure<dyn FnMut(web_sys::Event)>>,
}

impl Live {
    fn terminate(&self) {
        for w in &self.workers {
            w.terminate();
        }
    }
}

thread_local! {
    static LIVE: RefCell<Option<Live>> = const { RefCell::new(None) };
    static NEXT_ID: Cell<u64> = const { Cell::new(1) };
}

fn current_id() -> Option<u64> {
    LIVE.with(|l| l.borrow().as_ref().map(|x| x.id))
}

/// Terminate the live workers (cancel): the browser stops them mid-batch.
fn stop() {
    if let Some(live) = LIVE.with(|l| l.borrow_mut().take()) {
        live.terminate();
    }
}

/// Terminate run `id` from inside its own handler: its closures are dropped on a later tick, as
/// a closure must not be freed while it runs.
fn finish(id: u64) {
    LIVE.with(|l| {
        if let Some(live) = l.borrow().as_ref().filter(|x| x.id == id) {
            live.terminate();
        }
    });
    set_timeout(
        move || {
            if current_id() == Some(id) {
                LIVE.with(|l| l.borrow_mut().take());
            }
        },
        Duration::ZERO,
    );
}

#[derive(Clone, Copy)]
struct Ui {
    state: RwSignal<RunState>,
    error: RwSignal<Option<String>>,
    finished: RwSignal<Option<Finished>>,
    /// Workers the current run uses.
    workers: RwSignal<usize>,
}

/// The worker's result, read as the page reads everything (`strict::decode`: one `Deserialize`
/// per type in the page's wasm, issue 16).
fn parse_body(kind: JobKind, v: serde_json::Value) -> Result<Body, String> {
    let e = |e: crate::scenario::ValidationError| format!("the worker's result could not be read: {e}");
    Ok(match kind {
        JobKind::MonteCarlo => Body::MonteCarlo(Box::new(strict::decode(&v).map_err(e)?)),
        JobKind::Cover => Body::Cover(Box::new(strict::decode(&v).map_err(e)?)),
        JobKind::Reverse => Body::Reverse(Box::new(strict::decode(&v).map_err(e)?)),
        JobKind::Sweep => Body::Sweep(Box::new(strict::decode(&v).map_err(e)?)),
    })
}

/// Start the workers for `req` (a Monte Carlo: one per core, each on its shard; anything else:
/// one); every message updates `ui` unless a newer run replaced this one.
fn start(ui: Ui, req: JobRequest) -> Result<(), String> {
    stop();
    let id = NEXT_ID.with(|n| {
        let id = n.get();
        n.set(id + 1);
        id
    });
    let kind = req.kind;
    let indeterminate = matches!(kind, JobKind::Cover | JobKind::Reverse);
    let (scenario, config) = (req.scenario.clone(), req.input.monte_carlo.clone());
    let (reqs, gather) = if kind == JobKind::MonteCarlo {
        let hardware = web_sys::window().map(|w| w.navigator().hardware_concurrency()).filter(|n| n.is_finite() && *n >= 1.0).map(|n| n as usize);
        let (reqs, job) = ShardedJob::split(&req, worker_count(config.paths, hardware));
        (reqs, Some(Rc::new(RefCell::new(job))))
    } else {
        (vec![req], None)
    };
    let t0 = js_sys::Date::now();
    let mut live = Live { id, workers: Vec::new(), _on_message: Vec::new(), _on_error: Vec::new() };
    let fail = move |m: String| {
        ui.error.set(Some(m));
        ui.state.set(RunState::Idle);
        finish(id);
    };
    for (k, r) in reqs.into_iter().enumerate() {
        // Through a `Value`, as links are: the scenario's `Serialize` then exists once in the
        // page's wasm (for the `Value` serializer), not once more for the text writer (issue 16).
        let text = serde_json::to_value(&r).and_then(|v| serde_json::to_string(&v)).map_err(|e| format!("cannot encode the request: {e}"))?;
        let worker = match web_sys::Worker::new(WORKER_URL) {
            Ok(w) => w,
            Err(e) => {
                live.terminate();
                return Err(format!("the browser refused to start the stress worker ({e:?})"));
            }
        };
        let poster = worker.clone();
        let (scenario, config, gather) = (scenario.clone(), config.clone(), gather.clone());
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            if current_id() != Some(id) {
                return; // a message from a run that was cancelled or replaced
            }
            let Some(data) = e.data().as_string() else { return };
            let msg = match strict::read::<Incoming>(&data) {
                Ok(m) => m,
                Err(err) => return fail(format!("The stress worker sent something unreadable: {err}")),
            };
            let done = |body: Result<Body, String>, elapsed_ms: f64| match body {
                Ok(body) => {
                    ui.finished.set(Some(Finished { elapsed_ms, body, scenario: scenario.clone(), config: config.clone(), source: None }));
                    ui.state.set(RunState::Done);
                    finish(id);
                }
                Err(m) => fail(m),
            };
            match msg {
                Incoming::Ready => {
                    if poster.post_message(&JsValue::from_str(&text)).is_err() {
                        fail("Could not send the scenario to the stress worker.".into());
                    }
                }
                Incoming::Progress { done, total, elapsed_ms } => {
                    let (done, total, elapsed_ms) = match &gather {
                        Some(g) => {
                            let p = g.borrow_mut().progress(k, crate::stress::Progress { done, total, failed: 0, finished: false });
                            (p.done, p.total, js_sys::Date::now() - t0)
                        }
                        None => (done, total, elapsed_ms),
                    };
                    ui.state.set(RunState::Running { done, total, elapsed_ms, indeterminate });
                }
                Incoming::Result { elapsed_ms, result } => done(parse_body(kind, result), elapsed_ms),
                Incoming::Partial { partial } => {
                    let Some(g) = &gather else { return fail("The stress worker sent a shard nobody asked for.".into()) };
                    let merged = g.borrow_mut().finish(k, partial);
                    match merged {
                        Ok(None) => {
                            let p = g.borrow().progress_now();
                            ui.state.set(RunState::Running { done: p.done, total: p.total, elapsed_ms: js_sys::Date::now() - t0, indeterminate });
                        }
                        Ok(Some(r)) => done(Ok(Body::MonteCarlo(Box::new(r))), js_sys::Date::now() - t0),
                        Err(e) => fail(format!("The shards could not be merged: {e}")),
                    }
                }
                Incoming::Error { message } => fail(format!("The analysis could not run: {message}")),
            }
        });
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            if current_id() != Some(id) {
                return;
            }
            // Handled here: a failed worker is reported in the panel, not as an uncaught page error.
            e.prevent_default();
            let detail = e.dyn_ref::<web_sys::ErrorEvent>().map(|x| x.message()).filter(|m| !m.is_empty());
            fail(match detail {
                Some(m) => format!("The stress worker stopped: {m}"),
                None => "The stress worker could not be loaded or stopped unexpectedly.".into(),
            });
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        live.workers.push(worker);
        live._on_message.push(on_message);
        live._on_error.push(on_error);
    }
    ui.workers.set(live.workers.len());
    LIVE.with(|l| *l.borrow_mut() = Some(live));
    ui.state.set(RunState::Starting { indeterminate });
    Ok(())
}

// ---- charts ----

use super::charts::{f, fit, palette, DrawResult};



/// P(touched) and P(exhausted) per layer, first layer at the top.
fn draw_layer_odds(canvas: web_sys::HtmlCanvasElement, layers: &[LayerStats]) -> DrawResult {
    let dpr = fit(&canvas);
    let p = palette();
    let root = CanvasBackend::with_canvas_object(canvas).ok_or("no 2d context")?.into_drawing_area();
    root.fill(&p.bg)?;
    let n = layers.len().max(1);
    let font = ("sans-serif", 12.0 * dpr).into_font().color(&p.text);
    let labels: Vec<String> = layers.iter().rev().map(|l| l.label.clone()).collect();
    let mut chart = ChartBuilder::on(&root)
        .margin((8.0 * dpr) as i32)
        // Room for half of the last tick label ("100%"), which is centred on the right edge.
        .margin_right((24.0 * dpr) as i32)
        .caption("Probability each layer is touched / exhausted", font.clone())
        .x_label_area_size((22.0 * dpr) as i32)
        .y_label_area_size((170.0 * dpr) as i32)
        // A segmented usize range is inclusive: 0..=n-1 gives exactly n bands.
        .build_cartesian_2d(0f64..100f64, (0..n - 1).into_segmented())?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(p.grid.mix(0.4))
        .bold_line_style(p.grid)
        .axis_style(p.grid)
        .label_style(font.clone())
        .x_label_formatter(&|v| format!("{v:.0}%"))
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .draw()?;
    // Each layer's band holds two bars: touched (upper half), exhausted (lower half).
    let (_, yr) = chart.plotting_area().get_pixel_range();
    let band = ((yr.end - yr.start).max(1) as f64 / n as f64).max(4.0);
    let (outer, half) = ((band * 0.12) as u32, (band * 0.5) as u32);
    let bars = |pick: fn(&LayerStats) -> Decimal, upper: bool, color: RGBColor| {
        layers
            .iter()
            .enumerate()
            .map(move |(i, l)| {
                let seg = n - 1 - i;
                let v = (f(pick(l)) * 100.0).clamp(0.0, 100.0);
                let mut r = Rectangle::new([(0.0, SegmentValue::Exact(seg)), (v, SegmentValue::Exact(seg + 1))], color.filled());
                if upper {
                    r.set_margin(outer, half, 0, 0);
                } else {
                    r.set_margin(half, outer, 0, 0);
                }
                r
            })
            .collect::<Vec<_>>()
    };
    let (touched, exhausted) = (p.accent, p.drawn);
    chart
        .draw_series(bars(|l| l.p_touched, true, touched))?
        .label("touched")
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], touched.filled()));
    chart
        .draw_series(bars(|l| l.p_exhausted, false, exhausted))?
        .label("exhausted")
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], exhausted.filled()));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .label_font(font)
        .background_style(p.bg.mix(0.85))
        .border_style(p.grid)
        .draw()?;
    root.present()?;
    Ok(())
}

/// A per-path amount's histogram (paths on a log scale, so the tail shows) with q99 and q99.9 marked.
fn draw_histogram(canvas: web_sys::HtmlCanvasElement, d: &Distribution, title: &str) -> DrawResult {
    let dpr = fit(&canvas);
    let p = palette();
    let root = CanvasBackend::with_canvas_object(canvas).ok_or("no 2d context")?.into_drawing_area();
    root.fill(&p.bg)?;
    let lo = d.histogram.first().map(|b| f(b.lo)).unwrap_or(0.0);
    let hi = d.histogram.last().map(|b| f(b.hi)).unwrap_or(0.0).max(f(d.q999));
    // One value on every path: give the single bar some width around it.
    let (x0, x1, single) = if hi - lo <= f64::EPSILON { (lo - lo.abs().max(1.0), hi + hi.abs().max(1.0), true) } else { (lo, hi + (hi - lo) * 0.02, false) };
    let top = d.histogram.iter().map(|b| b.count).max().unwrap_or(1).max(1) as f64;
    let font = ("sans-serif", 12.0 * dpr).into_font().color(&p.text);
    let mut chart = ChartBuilder::on(&root)
        .margin((8.0 * dpr) as i32)
        .caption(title, font.clone())
        .x_label_area_size((26.0 * dpr) as i32)
        .y_label_area_size((50.0 * dpr) as i32)
        .build_cartesian_2d(x0..x1, (0.8f64..top * 2.0).log_scale())?;
    chart
        .configure_mesh()
        .light_line_style(p.grid.mix(0.4))
        .bold_line_style(p.grid)
        .axis_style(p.grid)
        .label_style(font.clone())
        .x_label_formatter(&|v| format_money(Decimal::from_f64_retain(*v).unwrap_or_default()))
        .y_labels(4)
        .max_light_lines(1)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .y_desc("paths (log)")
        .draw()?;
    let w = (x1 - x0) / 80.0;
    chart.draw_series(d.histogram.iter().filter(|b| b.count > 0).map(|b| {
        let (a, z) = if single { (f(b.lo) - w, f(b.hi) + w) } else { (f(b.lo), f(b.hi)) };
        let mut r = Rectangle::new([(a, 0.8), (z, b.count as f64)], p.accent.mix(0.8).filled());
        r.set_margin(0, 0, 1, 1);
        r
    }))?;
    for (name, q, dash) in [("q99", d.q99, false), ("q99.9", d.q999, true)] {
        let x = f(q);
        let style = p.bad.stroke_width((2.0 * dpr) as u32);
        if dash {
            chart.draw_series(DashedLineSeries::new(vec![(x, 0.8), (x, top * 2.0)], (6.0 * dpr) as u32, (4.0 * dpr) as u32, style))?;
        } else {
            chart.draw_series(LineSeries::new(vec![(x, 0.8), (x, top * 2.0)], style))?;
        }
        let y = if dash { top * 1.1 } else { top * 0.45 };
        // Near the right edge the label goes left of its line, so it is not cut off.
        let right = x > x0 + (x1 - x0) * 0.7;
        let anchor = Pos::new(if right { HPos::Right } else { HPos::Left }, VPos::Center);
        let text = if right { format!("{name} {} ", format_money(q)) } else { format!(" {name} {}", format_money(q)) };
        chart.draw_series(std::iter::once(Text::new(text, (x, y), font.clone().pos(anchor))))?;
    }
    root.present()?;
    Ok(())
}

/// The lead instrument's price path with each layer's reverse-stress threshold price.
fn draw_thresholds(canvas: web_sys::HtmlCanvasElement, t: &Timeline, r: &ReverseResult) -> DrawResult {
    let dpr = fit(&canvas);
    let p = palette();
    let root = CanvasBackend::with_canvas_object(canvas).ok_or("no 2d context")?.into_drawing_area();
    root.fill(&p.bg)?;
    let lead = t.instruments.iter().position(|x| x == &r.lead_instrument).unwrap_or(0);
    let path: Vec<f64> = t.marks.get(lead).map(|m| m.iter().map(|x| f(*x)).collect()).unwrap_or_default();
    let marks: Vec<(String, f64)> = r
        .layers
        .iter()
        .filter(|l| l.status == ThresholdStatus::Found)
        .filter_map(|l| l.moves.iter().find(|m| m.instrument == r.lead_instrument).map(|m| (l.label.clone(), f(m.price))))
        .collect();
    let all = path.iter().copied().chain(marks.iter().map(|m| m.1)).chain(std::iter::once(f(r.reference_price)));
    let (lo, hi) = all.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    let (lo, hi) = if lo > hi { (0.0, 1.0) } else { (lo, hi) };
    let pad = ((hi - lo) * 0.08).max(hi.abs() * 0.01).max(1e-9);
    let steps = t.steps.max(1);
    let font = ("sans-serif", 12.0 * dpr).into_font().color(&p.text);
    let mut chart = ChartBuilder::on(&root)
        .margin((8.0 * dpr) as i32)
        .caption(format!("{}: price that exhausts each layer (shock at step {})", r.lead_instrument, r.at_step), font.clone())
        .x_label_area_size((40.0 * dpr) as i32)
        .y_label_area_size((62.0 * dpr) as i32)
        .build_cartesian_2d(super::charts::step_axis(steps, f64::from(root.dim_in_pixel().0) / dpr), (lo - pad)..(hi + pad))?;
    chart.configure_mesh().light_line_style(p.grid.mix(0.4)).bold_line_style(p.grid).axis_style(p.grid).label_style(font.clone()).x_desc("step").draw()?;
    chart.draw_series(LineSeries::new(path.iter().zip(0u32..).map(|(y, x)| (x, *y)), p.accent.stroke_width((2.0 * dpr) as u32)))?;
    let at = r.at_step;
    chart.draw_series(DashedLineSeries::new(vec![(at, lo - pad), (at, hi + pad)], (4.0 * dpr) as u32, (4.0 * dpr) as u32, p.grid.stroke_width((1.0 * dpr) as u32)))?;
    // Named in a legend, not on the lines: thresholds are often close together.
    for (i, (label, y)) in marks.iter().enumerate() {
        let color = [p.drawn, p.bad, RGBColor(168, 85, 247), RGBColor(13, 148, 136), RGBColor(219, 39, 119), RGBColor(22, 163, 74)][i % 6];
        chart
            .draw_series(DashedLineSeries::new(vec![(0u32, *y), (steps, *y)], (6.0 * dpr) as u32, (4.0 * dpr) as u32, color.stroke_width((2.0 * dpr) as u32)))?
            .label(format!("{label}: {}", format_decimal(Decimal::from_f64_retain(*y).unwrap_or_default(), 2)))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(3)));
    }
    if !marks.is_empty() {
        chart.configure_series_labels().position(SeriesLabelPosition::UpperRight).label_font(font).background_style(p.bg.mix(0.85)).border_style(p.grid).draw()?;
    }
    root.present()?;
    Ok(())
}

/// The σ the Monte Carlo's paths drew for each option with a random σ path (issue 18): the
/// median and the 5–95 % band per step, from `stress::vol_fan` (the engine's figures; this only
/// draws them).
fn draw_vol_fans(canvas: web_sys::HtmlCanvasElement, fans: &[crate::stress::vol_fan::VolFan]) -> DrawResult {
    let dpr = fit(&canvas);
    let p = palette();
    let root = CanvasBackend::with_canvas_object(canvas).ok_or("no 2d context")?.into_drawing_area();
    root.fill(&p.bg)?;
    let steps = u32::try_from(fans.first().map(|x| x.p50.len().saturating_sub(1)).unwrap_or(1).max(1)).unwrap_or(u32::MAX);
    let hi = fans.iter().flat_map(|x| x.p95.iter()).map(|x| f(*x)).fold(0.0f64, f64::max).max(0.01) * 1.08;
    let font = ("sans-serif", 12.0 * dpr).into_font().color(&p.text);
    let paths = fans.first().map(|x| x.paths).unwrap_or(0);
    let mut chart = ChartBuilder::on(&root)
        .margin((8.0 * dpr) as i32)
        .caption(format!("Implied volatility drawn by the paths (median, 5–95 %; first {paths} paths)"), font.clone())
        .x_label_area_size((40.0 * dpr) as i32)
        .y_label_area_size((52.0 * dpr) as i32)
        // Whole steps only, as many labels as the width holds, like the other time charts.
        .build_cartesian_2d(super::charts::step_axis(steps, f64::from(root.dim_in_pixel().0) / dpr), 0f64..hi)?;
    chart.configure_mesh().light_line_style(p.grid.mix(0.4)).bold_line_style(p.grid).axis_style(p.grid).label_style(font.clone()).x_desc("step").y_desc("σ").draw()?;
    for (i, fan) in fans.iter().take(6).enumerate() {
        let color = [p.accent, p.drawn, p.bad, RGBColor(168, 85, 247), RGBColor(13, 148, 136), RGBColor(219, 39, 119)][i % 6];
        let lower: Vec<(u32, f64)> = fan.p05.iter().zip(0u32..).map(|(y, x)| (x, f(*y))).collect();
        let band: Vec<(u32, f64)> = fan.p95.iter().zip(0u32..).map(|(y, x)| (x, f(*y))).chain(lower.into_iter().rev()).collect();
        chart.draw_series(std::iter::once(Polygon::new(band, color.mix(0.18).filled())))?;
        chart
            .draw_series(LineSeries::new(fan.p50.iter().zip(0u32..).map(|(y, x)| (x, f(*y))), color.stroke_width((2.0 * dpr) as u32)))?
            .label(fan.instrument.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(3)));
    }
    chart.configure_series_labels().position(SeriesLabelPosition::UpperLeft).label_font(font).background_style(p.bg.mix(0.85)).border_style(p.grid).draw()?;
    root.present()?;
    Ok(())
}

// ---- the panel ----

/// The σ chart's percentiles are over at most this many paths (the first ones): enough for a
/// 5–95 % band, cheap to draw again on the page (σ paths only, no run).
const VOL_FAN_PATHS: usize = 400;

fn fmt_secs(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{:.0} ms", ms.max(0.0))
    } else if ms < 60_000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else {
        format!("{:.0} min {:.0} s", (ms / 60_000.0).floor(), (ms % 60_000.0) / 1000.0)
    }
}

/// Load `sc` into the player at step 0 and bring the player into view.
fn open_in_player(s: AppState, sc: Scenario, what: String) {
    s.playing.set(false);
    match s.apply(sc) {
        Ok(()) => {
            s.preset_id.set(None);
            s.step.set(0);
            s.notice.set(Some(format!("Opened {what} in the player.")));
            if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("player-title")) {
                el.scroll_into_view();
            }
        }
        Err(errs) => s.notice.set(Some(format!("That path could not be opened: {}", errs.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")))),
    }
}

/// The scenario path `index` of a Monte Carlo ran (rebuilt on this thread: no paths are run).
fn path_of(fin: &Finished, waterfall: Option<Vec<LayerSpec>>, index: usize) -> Result<Scenario, String> {
    let mut config = fin.config.clone();
    if waterfall.is_some() {
        config.waterfall = waterfall;
    }
    MonteCarlo::new(&fin.scenario, config).map(|mc| mc.path_scenario(index)).map_err(|e| e.to_string())
}

fn mc_tables(mc: &MonteCarloResult) -> impl IntoView {
    let r = &mc.residual;
    let figures = vec![
        ("Paths run", format!("{}{}", mc.paths_run, if mc.paths_failed > 0 { format!(" ({} failed)", mc.paths_failed) } else { String::new() })),
        ("Mean default loss", format_money(mc.deficit.mean)),
        ("Default loss q99", format_money(mc.deficit.q99)),
        ("P(residual > 0)", format_pct(r.p_positive)),
        ("Mean residual", format_money(r.mean)),
        ("Residual q99", format_money(r.q99)),
        ("Residual q99.9", format_money(r.q999)),
        ("Residual ES 99 %", format_money(r.es99)),
        ("Worst residual", format_money(r.max)),
        ("P(any default)", format_pct(mc.fairness.p_default)),
        ("P(cascade)", format_pct(mc.fairness.p_cascade)),
        ("Non-defaulters' share", format_pct(mc.fairness.share_non_defaulters)),
        ("Profitable traders' share", format_pct(mc.fairness.share_profitable_traders)),
        ("Share unallocated", format_pct(mc.fairness.share_unallocated)),
        ("Mean Gini (paths with a loss)", format_decimal(mc.fairness.mean_gini, 3)),
        ("Largest single hit", format_money(mc.fairness.max_largest_hit)),
    ];
    view! {
        {mc.first_error.clone().map(|e| view! { <p class="error-text">"Some paths failed; the first: " {e}</p> })}
        <div class="summary-grid" id="stress-figures">
            {figures.into_iter().map(|(k, v)| view! { <div class="figure"><div class="label">{k}</div><div class="value">{v}</div></div> }).collect_view()}
        </div>
        <div class="ledger-scroll">
        <table class="ledger-table" id="stress-table">
            <thead><tr><th>"Layer"</th><th class="num">"Capacity"</th><th class="num">"P(touched)"</th><th class="num">"P(exhausted)"</th><th class="num">"Mean paid per path"</th></tr></thead>
            <tbody>
                {mc.layers.iter().map(|l| view! { <tr>
                    <td>{l.label.clone()}</td>
                    // Temporary capital (issue 19, `capital_injections`) beside what is committed.
                    <td class="num">{match (l.capacity, l.temporary.is_zero()) {
                        (Some(c), false) => format!("{} + {} temporary", format_money(c), format_money(l.temporary)),
                        (Some(c), true) => format_money(c),
                        (None, _) => "—".into(),
                    }}</td>
                    <td class="num">{format_pct(l.p_touched)}</td>
                    <td class=if l.p_exhausted.is_zero() { "num" } else { "num neg" }>{format_pct(l.p_exhausted)}</td>
                    <td class="num">{format_money(l.expected_draw)}</td>
                </tr> }).collect_view()}
            </tbody>
        </table>
        <table class="ledger-table" id="stress-parties">
            <thead><tr><th>"Party"</th><th class="num">"Expected loss"</th><th class="num">"P(pays)"</th></tr></thead>
            <tbody>
                {mc.by_party.iter().map(|p| view! { <tr><td>{p.party.clone()}</td><td class="num">{format_money(p.expected)}</td><td class="num">{format_pct(p.p_hit)}</td></tr> }).collect_view()}
            </tbody>
        </table>
        </div>
    }
}

fn cover_view(c: &CoverResult) -> impl IntoView {
    let fig = |name: &'static str, x: &CoverFigure| {
        let groups = x.groups.iter().map(|g| format!("{} ({})", g.label, format_money(g.loss))).collect::<Vec<_>>().join(" + ");
        view! { <tr>
            <td>{name}</td><td class="num">{format_money(x.amount)}</td>
            <td>{x.scenario.clone().unwrap_or_else(|| "—".into())}</td><td>{groups}</td>
            <td class=if x.covered { "num" } else { "num neg" }>{x.coverage.map(format_pct).unwrap_or_else(|| "—".into())}</td>
        </tr> }
    };
    view! {
        <p class="stress-sentence" id="stress-cover-sentence">{c.summary.clone()}</p>
        <p class="muted">"Default fund (sum of fund contributions): " {format_money(c.default_fund)}</p>
        <table class="ledger-table" id="stress-table">
            <thead><tr><th>"Figure"</th><th class="num">"Amount"</th><th>"Set by"</th><th>"Members"</th><th class="num">"Fund covers"</th></tr></thead>
            <tbody>{fig("Cover-1", &c.cover1)}{fig("Cover-2 (EMIR Art. 43(2))", &c.cover2)}{fig("EMIR Art. 42(3) fund minimum", &c.emir_fund_minimum)}</tbody>
        </table>
        <div class="ledger-scroll">
        <table class="ledger-table">
            <thead><tr><th>"Stress scenario"</th><th class="num">"Uncovered, all members"</th><th>"Largest"</th></tr></thead>
            <tbody>
                {c.scenarios.iter().map(|sc| view! { <tr>
                    <td>{sc.name.clone()}</td><td class="num">{format_money(sc.total_uncovered)}</td>
                    <td>{sc.top.first().map(|g| format!("{} ({})", g.label, format_money(g.loss))).unwrap_or_else(|| "—".into())}</td>
                </tr> }).collect_view()}
            </tbody>
        </table>
        </div>
    }
}

fn reverse_table(r: &ReverseResult) -> impl IntoView {
    view! {
        <p class="muted">
            "Smallest instant shock of " {r.lead_instrument.clone()} " at step " {r.at_step} " (from " {format_decimal(r.reference_price, 2)}
            ") that exhausts each layer, exact to a tick; " {r.runs} " engine runs."
        </p>
        <table class="ledger-table" id="stress-table">
            <thead><tr><th>"Layer"</th><th>"Exhausted"</th><th class="num">"Ticks"</th><th class="num">"Move"</th><th class="num">"Price at the shock"</th></tr></thead>
            <tbody>
                {r.layers.iter().map(|l| {
                    let lead = l.moves.iter().find(|m| m.instrument == r.lead_instrument);
                    let status = match l.status {
                        ThresholdStatus::Found => "at this shock",
                        ThresholdStatus::AtZero => "already, without a shock",
                        ThresholdStatus::NotReached => "not even at the largest shock searched",
                    };
                    view! { <tr>
                        <td>{l.label.clone()}</td><td>{status}</td>
                        <td class="num">{l.ticks.map(|t| t.to_string()).unwrap_or_else(|| "—".into())}</td>
                        <td class="num">{lead.map(|m| format_pct(m.change)).unwrap_or_else(|| "—".into())}</td>
                        <td class="num">{lead.map(|m| format_decimal(m.price, 2)).unwrap_or_else(|| "—".into())}</td>
                    </tr> }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub fn StressView() -> impl IntoView {
    let s = use_state();
    let ui = Ui { state: RwSignal::new(RunState::Idle), error: RwSignal::new(None), finished: RwSignal::new(None), workers: RwSignal::new(1) };
    let kind = RwSignal::new(JobKind::MonteCarlo);
    let paths = RwSignal::new("1000".to_string());
    let seed = RwSignal::new("1".to_string());
    let vol = RwSignal::new("0.02".to_string());
    let odds_ref = NodeRef::<Canvas>::new();
    let hist_ref = NodeRef::<Canvas>::new();
    let rev_ref = NodeRef::<Canvas>::new();
    let vol_ref = NodeRef::<Canvas>::new();
    on_cleanup(stop);

    let running = move || matches!(ui.state.get(), RunState::Starting { .. } | RunState::Running { .. });
    let run_now = move || {
        ui.error.set(None);
        let parsed = (|| -> Result<MonteCarloConfig, String> {
            let n: usize = paths.get_untracked().trim().parse().map_err(|_| "Paths: a whole number, e.g. 1000.".to_string())?;
            if !(1..=1_000_000).contains(&n) {
                return Err("Paths: between 1 and 1,000,000.".into());
            }
            let sd: u64 = seed.get_untracked().trim().parse().map_err(|_| "Seed: a whole number ≥ 0.".to_string())?;
            let v = Decimal::from_str(vol.get_untracked().trim()).map_err(|_| "Volatility: a number, e.g. 0.02 (2 % per step).".to_string())?;
            if v < Decimal::ZERO || v > Decimal::ONE {
                return Err("Volatility: between 0 and 1 per step.".into());
            }
            Ok(MonteCarloConfig { paths: n, seed: sd, volatility: v, ..Default::default() })
        })();
        let config = match parsed {
            Ok(c) => c,
            Err(e) => return ui.error.set(Some(e)),
        };
        let req = JobRequest {
            kind: kind.get_untracked(),
            scenario: s.scenario.get_untracked(),
            input: StressInput { monte_carlo: config, ..Default::default() },
            batch: crate::stress::job::DEFAULT_BATCH,
            shard: None,
        };
        if let Err(e) = start(ui, req) {
            ui.error.set(Some(e));
            ui.state.set(RunState::Idle);
        }
    };
    let run = move |_| run_now();
    // Another view's request (the glossary's Cover "Show me"): this analysis, on the scenario now
    // on screen, brought into view.
    Effect::new(move |_| {
        let Some(k) = s.stress_request.get() else { return };
        s.stress_request.set(None);
        if running() {
            stop();
            ui.state.set(RunState::Idle);
        }
        kind.set(k);
        run_now();
        if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("stress-title")) {
            el.scroll_into_view();
        }
    });
    let cancel = move |_| {
        stop();
        ui.state.set(RunState::Cancelled);
    };
    // "Open stress result" (issue 20): a result file the CLI wrote (`spillway stress … --analysis
    // monte-carlo`, or `merge` of shards), shown as if it had run here. Read at the boundary
    // (`ResultDocument::from_json`: size, format, version, every field named); its scenario is
    // the file's own (its link) or the one on screen if the digests match. A file that cannot be
    // opened changes nothing: not the scenario, not the result shown.
    let open_result = move |file: web_sys::File| {
        let name = file.name();
        if file.size() > crate::stress::result_file::MAX_RESULT_BYTES as f64 {
            ui.error.set(Some(format!(
                "{name} could not be opened: it is larger than {} MB, more than a stress result is (merge partials first).",
                crate::stress::result_file::MAX_RESULT_BYTES / (1024 * 1024)
            )));
            return;
        }
        let promise = file.text();
        wasm_bindgen_futures::spawn_local(async move {
            let Some(text) = wasm_bindgen_futures::JsFuture::from(promise).await.ok().and_then(|v| v.as_string()) else {
                return ui.error.set(Some(format!("{name} could not be read as text.")));
            };
            let opened = ResultDocument::from_json(&text).and_then(|doc| {
                let sc = s.scenario.with_untracked(|cur| doc.scenario(cur))?;
                Ok((doc, sc))
            });
            match opened {
                Ok((doc, sc)) => {
                    if running() {
                        stop();
                    }
                    ui.error.set(None);
                    kind.set(JobKind::MonteCarlo);
                    paths.set(doc.monte_carlo_config.paths.to_string());
                    seed.set(doc.monte_carlo_config.seed.to_string());
                    vol.set(doc.monte_carlo_config.volatility.to_string());
                    ui.workers.set(1);
                    ui.state.set(RunState::Idle);
                    let body = Body::MonteCarlo(Box::new(doc.monte_carlo));
                    ui.finished.set(Some(Finished { elapsed_ms: 0.0, body, scenario: sc, config: doc.monte_carlo_config, source: Some(name) }));
                }
                Err(StressError::Input(m) | StressError::Engine(m)) => ui.error.set(Some(format!("{name} could not be opened: {m}"))),
            }
        });
    };
    let on_pick_result = move |e: leptos::ev::Event| {
        let input: Option<web_sys::HtmlInputElement> = e.target().and_then(|t| t.dyn_into().ok());
        if let Some(file) = input.as_ref().and_then(|i| i.files()).and_then(|f| f.get(0)) {
            open_result(file);
        }
        if let Some(i) = input {
            i.set_value("");
        }
    };

    // plotters draws imperatively: redraw when a result arrives or its canvas mounts.
    Effect::new(move |_| {
        let (Some(c1), Some(c2)) = (odds_ref.get(), hist_ref.get()) else { return };
        ui.finished.with(|fin| {
            if let Some(Finished { body: Body::MonteCarlo(mc), scenario, .. }) = fin {
                crate::engine::with_display_currency(&scenario.venue.quote, || {
                if let Err(e) = draw_layer_odds(c1.unchecked_into(), &mc.layers) {
                    leptos::logging::warn!("stress chart: {e}");
                }
                // No residual on any path: its histogram is one bar at zero, so show the loss it absorbed.
                let drawn = if mc.residual.p_positive.is_zero() {
                    draw_histogram(c2.unchecked_into(), &mc.deficit, "Default loss per path (no path left an unallocated residual)")
                } else {
                    draw_histogram(c2.unchecked_into(), &mc.residual, "Unallocated residual per path")
                };
                if let Err(e) = drawn {
                    leptos::logging::warn!("stress histogram: {e}");
                }
                });
            }
        });
    });
    Effect::new(move |_| {
        let Some(c) = vol_ref.get() else { return };
        ui.finished.with(|fin| {
            if let Some(Finished { body: Body::MonteCarlo(_), scenario, config, .. }) = fin {
                let fans = crate::stress::vol_fan::vol_fans(scenario, config, VOL_FAN_PATHS);
                if let Err(e) = draw_vol_fans(c.unchecked_into(), &fans) {
                    leptos::logging::warn!("stress vol chart: {e}");
                }
            }
        });
    });
    Effect::new(move |_| {
        let Some(c) = rev_ref.get() else { return };
        ui.finished.with(|fin| {
            if let Some(Finished { body: Body::Reverse(r), .. }) = fin {
                s.timeline.with(|t| {
                    if let Some(t) = t.as_ref() {
                        if let Err(e) = draw_thresholds(c.unchecked_into(), t, r) {
                            leptos::logging::warn!("stress thresholds: {e}");
                        }
                    }
                });
            }
        });
    });

    let progress = move || {
        let st = ui.state.get();
        let (done, total, indeterminate, label) = match st {
            RunState::Idle => return None,
            RunState::Starting { indeterminate } => (0, 0, indeterminate, "Starting the worker…".to_string()),
            RunState::Running { done, total, elapsed_ms, indeterminate } => {
                let left = if done > 0 && done < total { elapsed_ms * (total - done) as f64 / done as f64 } else { 0.0 };
                let text = if indeterminate {
                    "Searching…".to_string()
                } else if done == 0 {
                    format!("0 / {total} paths")
                } else {
                    format!("{done} / {total} paths · {} elapsed · about {} left", fmt_secs(elapsed_ms), fmt_secs(left))
                };
                (done, total, indeterminate, text)
            }
            RunState::Done => {
                let ms = ui.finished.with(|f| f.as_ref().map(|f| f.elapsed_ms).unwrap_or(0.0));
                (1, 1, false, format!("Finished in {}", fmt_secs(ms)))
            }
            RunState::Cancelled => (0, 1, false, "Cancelled.".to_string()),
        };
        let state = match ui.state.get() {
            RunState::Starting { .. } | RunState::Running { .. } => "running",
            RunState::Done => "done",
            _ => "cancelled",
        };
        Some(view! {
            <div class="stress-progress row" data-state=state>
                {if indeterminate || total == 0 {
                    view! { <progress id="stress-progress" aria-label="Stress run progress"></progress> }.into_any()
                } else {
                    view! { <progress id="stress-progress" aria-label="Stress run progress" max=total.to_string() value=done.to_string()></progress> }.into_any()
                }}
                <span id="stress-status" class="muted" aria-live="polite">{label}</span>
                <span id="stress-workers" class="muted" data-workers=move || ui.workers.get().to_string()>
                    {move || match ui.workers.get() { 1 => String::new(), n => format!("on {n} workers") }}
                </span>
            </div>
        })
    };

    let results = move || {
        ui.finished.get().map(|fin| {
            let stale = s.scenario.with(|sc| sc != &fin.scenario);
            let note = match &fin.source {
                Some(file) => {
                    let whose = if stale { "its own scenario (from the file's link), not the one on screen; the worst path opens in it" } else { "the scenario on screen" };
                    let text = format!(
                        "Opened from {file}: {} paths of “{}”, seed {}, volatility {} per step, run outside the page; for {whose}.",
                        fin.config.paths, fin.scenario.name, fin.config.seed, fin.config.volatility
                    );
                    Some(view! { <p class="muted" id="stress-opened">{text}</p> }.into_any())
                }
                None => stale.then(|| view! { <p class="muted" id="stress-stale">"These results are for the scenario as it was when the run started."</p> }.into_any()),
            };
            // Money in the result's own scenario's currency (an opened file's may differ from the
            // scenario on screen).
            let body = crate::engine::with_display_currency(&fin.scenario.venue.quote, || match &fin.body {
                Body::MonteCarlo(mc) => {
                    let worst = mc.worst_path.clone();
                    let f2 = fin.clone();
                    let open = move |_| {
                        let Some(w) = worst.clone() else { return };
                        match path_of(&f2, None, w.index) {
                            Ok(sc) => open_in_player(s, sc, format!("path {} (residual {}, loss {})", w.index, format_money(w.unallocated), format_money(w.deficit))),
                            Err(e) => ui.error.set(Some(format!("That path could not be rebuilt: {e}"))),
                        }
                    };
                    let worst_text = mc.worst_path.as_ref().map(|w| format!("Worst path: #{} — loss {}, residual {}.", w.index, format_money(w.deficit), format_money(w.unallocated)));
                    view! {
                        <canvas class="chart" id="stress-odds" node_ref=odds_ref role="img" aria-label="Probability each layer is touched and exhausted"></canvas>
                        <canvas class="chart" id="stress-hist" node_ref=hist_ref role="img" aria-label="Histogram of the unallocated residual (or of the default loss when no path left one) with the 99 and 99.9 percent quantiles"></canvas>
                        {fin.scenario.instruments.iter().any(crate::stress::vol_fan::has_random_vol).then(|| view! {
                            <canvas class="chart" id="stress-sigma" node_ref=vol_ref role="img" aria-label="Implied volatility the paths drew for each option with a random volatility path: median and 5 to 95 percent band per step"></canvas>
                        })}
                        <div class="row">
                            <span class="muted">{worst_text}</span>
                            <button type="button" id="stress-open-worst" disabled=mc.worst_path.is_none() on:click=open>"Open the worst path in the player"</button>
                        </div>
                        {mc_tables(mc)}
                    }
                    .into_any()
                }
                Body::Cover(c) => cover_view(c).into_any(),
                Body::Reverse(r) => view! {
                    <canvas class="chart" id="stress-thresholds" node_ref=rev_ref role="img" aria-label="Price path with the reverse-stress thresholds"></canvas>
                    {reverse_table(r)}
                }
                .into_any(),
                Body::Sweep(sw) => {
                    let presets = waterfall_presets_for(&fin.scenario);
                    let rows = sw
                        .strategies
                        .iter()
                        .enumerate()
                        .map(|(i, st)| {
                            // Sweep order: the scenario's own waterfall, then the ready-made ones.
                            let layers = if i == 0 { Some(fin.scenario.waterfall.clone()) } else { presets.get(i - 1).map(|p| p.layers.clone()) };
                            match (&st.result, &st.error) {
                                (Some(m), _) => {
                                    let (f2, label, worst) = (fin.clone(), st.label.clone(), m.worst_path.clone());
                                    let open = move |_| {
                                        let Some(w) = worst.clone() else { return };
                                        match path_of(&f2, layers.clone(), w.index) {
                                            Ok(sc) => open_in_player(s, sc, format!("the worst path under {label}")),
                                            Err(e) => ui.error.set(Some(format!("That path could not be rebuilt: {e}"))),
                                        }
                                    };
                                    view! { <tr>
                                        <td>{st.label.clone()}</td>
                                        <td class="num">{format_money(m.deficit.mean)}</td>
                                        <td class="num">{format_pct(m.residual.p_positive)}</td>
                                        <td class="num">{format_money(m.residual.q99)}</td>
                                        <td class="num">{format_money(m.residual.q999)}</td>
                                        <td class="num">{format_pct(m.fairness.share_non_defaulters)}</td>
                                        <td class="num">{format_pct(m.fairness.share_profitable_traders)}</td>
                                        <td class="num">{format_decimal(m.fairness.mean_gini, 3)}</td>
                                        <td class="num">{format_pct(m.fairness.p_cascade)}</td>
                                        <td><button type="button" class="linklike" disabled=m.worst_path.is_none() on:click=open>"worst path"</button></td>
                                    </tr> }
                                    .into_any()
                                }
                                (None, e) => view! { <tr><td>{st.label.clone()}</td><td colspan="9" class="muted">{e.clone().unwrap_or_default()}</td></tr> }.into_any(),
                            }
                        })
                        .collect_view();
                    view! {
                        <div class="ledger-scroll">
                        <table class="ledger-table" id="stress-table">
                            <thead><tr>
                                <th>"Waterfall"</th><th class="num">"Mean loss"</th><th class="num">"P(residual)"</th><th class="num">"Residual q99"</th>
                                <th class="num">"q99.9"</th><th class="num">"Non-defaulters' share"</th><th class="num">"Profitable traders' share"</th>
                                <th class="num">"Mean Gini"</th><th class="num">"P(cascade)"</th><th></th>
                            </tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                        </div>
                    }
                    .into_any()
                }
            });
            view! { <div class="stress-results" id="stress-results">{note}{body}</div> }
        })
    };

    let kind_value = move || match kind.get() {
        JobKind::MonteCarlo => "monte_carlo",
        JobKind::Cover => "cover",
        JobKind::Reverse => "reverse",
        JobKind::Sweep => "sweep",
    };
    let uses_paths = move || matches!(kind.get(), JobKind::MonteCarlo | JobKind::Sweep);
    view! {
        <p class="muted">
            "Ask what it would take to break the waterfall: many random price paths (Monte Carlo), the largest members' stressed losses against the default fund (Cover-1/Cover-2), "
            "the smallest shock that exhausts each layer (reverse stress), or the same paths under every ready-made waterfall (sweep). Runs off the main thread; the player keeps playing."
        </p>
        <div class="stress-form row">
            <label for="stress-kind">"Analysis"</label>
            <select id="stress-kind" prop:value=kind_value on:change=move |e| {
                kind.set(match event_target_value(&e).as_str() {
                    "cover" => JobKind::Cover,
                    "reverse" => JobKind::Reverse,
                    "sweep" => JobKind::Sweep,
                    _ => JobKind::MonteCarlo,
                });
            }>
                <option value="monte_carlo">"Monte Carlo"</option>
                <option value="cover">"Cover-1 / Cover-2"</option>
                <option value="reverse">"Reverse stress"</option>
                <option value="sweep">"Strategy sweep"</option>
            </select>
            <label for="stress-paths">"Paths"</label>
            <input id="stress-paths" type="text" inputmode="numeric" size="7" disabled=move || !uses_paths()
                prop:value=move || paths.get() on:input=move |e| paths.set(event_target_value(&e))/>
            <label for="stress-seed">"Seed"</label>
            <input id="stress-seed" type="text" inputmode="numeric" size="5" disabled=move || !uses_paths()
                prop:value=move || seed.get() on:input=move |e| seed.set(event_target_value(&e))/>
            <label for="stress-vol" title="Per-step volatility given to instruments without a random path of their own">"Volatility / step"</label>
            <input id="stress-vol" type="text" inputmode="decimal" size="5" disabled=move || !uses_paths()
                prop:value=move || vol.get() on:input=move |e| vol.set(event_target_value(&e))/>
            <button type="button" id="stress-run" class="primary" disabled=running on:click=run>"Run"</button>
            <button type="button" id="stress-cancel" disabled=move || !running() on:click=cancel>"Cancel"</button>
            <input id="stress-open-file" type="file" accept=".json,application/json" on:change=on_pick_result/>
            <label class="button-like" for="stress-open-file" title="A Monte Carlo result written by the CLI: spillway stress FILE --analysis monte-carlo, or spillway stress merge of shards">"Open stress result…"</label>
        </div>
        {progress}
        {move || ui.error.get().map(|e| view! { <p class="field-errors" id="stress-error" role="alert">{e}</p> })}
        {results}
    }
}
