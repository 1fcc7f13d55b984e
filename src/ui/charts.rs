//! Charts drawn with plotters on <canvas>: price paths with the current step marked, and a second
//! chart the user picks (insurance fund over time, losses by layer, losses by party, equity of the
//! selected account). Canvases are sized in device pixels (sharp on hi-DPI) and downloadable as PNG.

use leptos::html::Canvas;
use leptos::prelude::*;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use wasm_bindgen::JsCast;

use super::download;
use super::perf::Measure;
use super::state::use_state;
use crate::engine::Timeline;

pub(crate) fn f(x: Decimal) -> f64 {
    x.to_f64().unwrap_or(0.0)
}

/// Theme colours read from the CSS custom properties, so charts follow light and dark mode.
pub(crate) struct Palette {
    pub bg: RGBColor,
    pub text: RGBColor,
    pub grid: RGBColor,
    pub accent: RGBColor,
    pub drawn: RGBColor,
    pub bad: RGBColor,
}

fn css_color(name: &str, fallback: RGBColor) -> RGBColor {
    let value = web_sys::window()
        .and_then(|w| {
            let root = w.document()?.document_element()?;
            w.get_computed_style(&root).ok().flatten()
        })
        .and_then(|st| st.get_property_value(name).ok())
        .unwrap_or_default();
    let hex = value.trim().trim_start_matches('#');
    if hex.len() == 6 {
        if let (Ok(r), Ok(g), Ok(b)) = (
            u8::from_str_radix(&hex[0..2], 16),
            u8::from_str_radix(&hex[2..4], 16),
            u8::from_str_radix(&hex[4..6], 16),
        ) {
            return RGBColor(r, g, b);
        }
    }
    fallback
}

pub(crate) fn palette() -> Palette {
    Palette {
        bg: css_color("--panel", WHITE),
        text: css_color("--text", BLACK),
        grid: css_color("--border", RGBColor(210, 210, 210)),
        accent: css_color("--layer-fill", BLUE),
        drawn: css_color("--layer-drawn", RGBColor(249, 115, 22)),
        bad: css_color("--bad", RED),
    }
}

const SERIES: [RGBColor; 6] = [
    RGBColor(59, 130, 246),
    RGBColor(234, 88, 12),
    RGBColor(22, 163, 74),
    RGBColor(168, 85, 247),
    RGBColor(219, 39, 119),
    RGBColor(13, 148, 136),
];

/// Sizes the canvas backing store to its CSS box × devicePixelRatio; returns the ratio.
pub(crate) fn fit(canvas: &web_sys::HtmlCanvasElement) -> f64 {
    let dpr = web_sys::window().map(|w| w.device_pixel_ratio()).unwrap_or(1.0).max(1.0);
    let w = (canvas.client_width().max(200) as f64 * dpr) as u32;
    let h = (canvas.client_height().max(120) as f64 * dpr) as u32;
    if canvas.width() != w {
        canvas.set_width(w);
    }
    if canvas.height() != h {
        canvas.set_height(h);
    }
    dpr
}

/// A step on the x-axis: the ticks are whole steps (`step_axis`).
fn step_label(v: &u32) -> String {
    v.to_string()
}

/// Axis tick labels only (drawing, not money): 1.2k, 3.4m, 5bn.
pub fn axis_label(v: &f64) -> String {
    let a = v.abs();
    let (x, unit) = if a >= 1e9 { (v / 1e9, "bn") } else if a >= 1e6 { (v / 1e6, "m") } else if a >= 1e3 { (v / 1e3, "k") } else { (*v, "") };
    // Small prices (a 0.0095 token) keep three significant places, so ticks stay distinct.
    let places = if x != 0.0 && x.abs() < 1.0 { ((-x.abs().log10()).floor() as usize + 3).min(10) } else { 2 };
    let s = format!("{x:.places$}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}{unit}")
}

/// The x-axis of a time chart over `steps` steps, `css_width` CSS pixels wide: labels at whole
/// steps only, as many as the width holds (`axis::step_ticks`; plotters' own choice put labels
/// at half steps, which printed twice).
pub(crate) fn step_axis(steps: u32, css_width: f64) -> plotters::coord::combinators::WithKeyPoints<plotters::coord::types::RangedCoordu32> {
    let room = ((css_width - 80.0) / 48.0).floor().clamp(3.0, 10.0) as u32;
    let (labels, light) = super::axis::step_ticks(steps, room);
    (0u32..steps.max(1)).with_key_points(labels).with_light_points(light)
}

pub(crate) type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// Where a time chart's plotting area lies on its canvas, in CSS pixels: (left, right, top, bottom).
/// The current-step marker is a positioned element over the canvas, so moving the cursor costs no
/// redraw (plotters redraws the whole chart).
type PlotArea = Option<(f64, f64, f64, f64)>;

fn css_area<DB: DrawingBackend, CT: plotters::coord::CoordTranslate>(area: &DrawingArea<DB, CT>, dpr: f64) -> PlotArea {
    let (xr, yr) = area.get_pixel_range();
    Some((xr.start as f64 / dpr, xr.end as f64 / dpr, yr.start as f64 / dpr, yr.end as f64 / dpr))
}

fn draw_prices(canvas: web_sys::HtmlCanvasElement, t: &Timeline) -> Result<PlotArea, Box<dyn std::error::Error>> {
    let dpr = fit(&canvas);
    let p = palette();
    let backend = CanvasBackend::with_canvas_object(canvas).ok_or("no 2d context")?;
    let root = backend.into_drawing_area();
    root.fill(&p.bg)?;
    let several = t.marks.len() > 1;
    // Several instruments share one axis as an index (step 0 = 100); one instrument shows its price.
    let series: Vec<Vec<f64>> = t
        .marks
        .iter()
        .map(|m| {
            let base = m.first().map(|x| f(*x)).filter(|b| *b != 0.0).unwrap_or(1.0);
            m.iter().map(|x| if several { f(*x) / base * 100.0 } else { f(*x) }).collect()
        })
        .collect();
    let (lo, hi) = series.iter().flatten().fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let (lo, hi) = if lo > hi { (0.0, 1.0) } else { (lo, hi) };
    let pad = ((hi - lo) * 0.08).max(hi.abs() * 0.01).max(1e-9);
    let font = ("sans-serif", 12.0 * dpr).into_font().color(&p.text);
    let mut chart = ChartBuilder::on(&root)
        .margin((8.0 * dpr) as i32)
        .caption(if several { "Prices (index, step 0 = 100)" } else { "Mark price" }, font.clone())
        .x_label_area_size((40.0 * dpr) as i32)
        .y_label_area_size((62.0 * dpr) as i32)
        .build_cartesian_2d(step_axis(t.steps, f64::from(root.dim_in_pixel().0) / dpr), (lo - pad)..(hi + pad))?;
    chart
        .configure_mesh()
        .light_line_style(p.grid.mix(0.4))
        .bold_line_style(p.grid)
        .axis_style(p.grid)
        .label_style(font.clone())
        .y_label_formatter(&axis_label)
        .x_label_formatter(&step_label)
        .x_desc("step")
        .draw()?;
    for (i, s) in series.iter().enumerate() {
        let color = SERIES[i % SERIES.len()];
        let name = t.instruments.get(i).cloned().unwrap_or_default();
        chart
            .draw_series(LineSeries::new(s.iter().enumerate().map(|(x, y)| (u32::try_from(x).unwrap_or(u32::MAX), *y)), color.stroke_width((2.0 * dpr) as u32)))?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(3)));
    }
    if several {
        chart.configure_series_labels().label_font(font).background_style(p.bg.mix(0.8)).border_style(p.grid).draw()?;
    }
    let area = css_area(chart.plotting_area(), dpr);
    root.present()?;
    Ok(area)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Second {
    Insurance,
    DefaultFund,
    ByLayer,
    ByParty,
    Equity,
    /// The selected account's delta through the run (shown when the run has options; issue 18).
    Delta,
}

fn draw_series_over_time(
    root: &DrawingArea<CanvasBackend, plotters::coord::Shift>,
    dpr: f64,
    title: &str,
    values: &[f64],
    p: &Palette,
) -> Result<PlotArea, Box<dyn std::error::Error>> {
    let (lo, hi) = values.iter().fold((0.0f64, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let hi = if hi <= lo { lo + 1.0 } else { hi };
    let font = ("sans-serif", 12.0 * dpr).into_font().color(&p.text);
    let mut chart = ChartBuilder::on(root)
        .margin((8.0 * dpr) as i32)
        .caption(title, font.clone())
        .x_label_area_size((40.0 * dpr) as i32)
        .y_label_area_size((70.0 * dpr) as i32)
        .build_cartesian_2d(step_axis(u32::try_from(values.len().max(2) - 1).unwrap_or(u32::MAX), f64::from(root.dim_in_pixel().0) / dpr), lo..hi * 1.05)?;
    chart.configure_mesh().light_line_style(p.grid.mix(0.4)).bold_line_style(p.grid).axis_style(p.grid).label_style(font).y_label_formatter(&axis_label).x_label_formatter(&step_label).x_desc("step").draw()?;
    chart.draw_series(AreaSeries::new(values.iter().enumerate().map(|(x, y)| (u32::try_from(x).unwrap_or(u32::MAX), *y)), 0.0, p.accent.mix(0.25)).border_style(p.accent.stroke_width((2.0 * dpr) as u32)))?;
    Ok(css_area(chart.plotting_area(), dpr))
}

fn draw_bars(
    root: &DrawingArea<CanvasBackend, plotters::coord::Shift>,
    dpr: f64,
    title: &str,
    bars: &[(String, f64)],
    color: RGBColor,
    p: &Palette,
) -> DrawResult {
    let max = bars.iter().map(|b| b.1).fold(0.0f64, f64::max).max(1.0);
    let font = ("sans-serif", 12.0 * dpr).into_font().color(&p.text);
    let n = bars.len().max(1);
    let labels: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
    let mut chart = ChartBuilder::on(root)
        .margin((8.0 * dpr) as i32)
        .caption(title, font.clone())
        .x_label_area_size((20.0 * dpr) as i32)
        .y_label_area_size((150.0 * dpr) as i32)
        // A segmented usize range is inclusive: 0..=n-1 gives exactly n bands, one per bar.
        .build_cartesian_2d(0f64..max * 1.1, (0..n - 1).into_segmented())?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(p.grid.mix(0.4))
        .bold_line_style(p.grid)
        .axis_style(p.grid)
        .label_style(font)
        .x_label_formatter(&axis_label)
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .draw()?;
    chart.draw_series(bars.iter().enumerate().map(|(i, (_, v))| {
        let mut r = Rectangle::new([(0.0, SegmentValue::Exact(i)), (*v, SegmentValue::Exact(i + 1))], color.filled());
        r.set_margin((3.0 * dpr) as u32, (3.0 * dpr) as u32, 0, 0);
        r
    }))?;
    Ok(())
}

fn draw_second(canvas: web_sys::HtmlCanvasElement, t: &Timeline, step: u32, which: Second, account: Option<usize>) -> Result<PlotArea, Box<dyn std::error::Error>> {
    let dpr = fit(&canvas);
    let p = palette();
    let backend = CanvasBackend::with_canvas_object(canvas).ok_or("no 2d context")?;
    let root = backend.into_drawing_area();
    root.fill(&p.bg)?;
    match which {
        Second::Insurance => {
            let values: Vec<f64> = t.insurance_fund.iter().map(|x| f(*x)).collect();
            let area = draw_series_over_time(&root, dpr, "Insurance fund balance", &values, &p)?;
            root.present()?;
            return Ok(area);
        }
        Second::DefaultFund => {
            // The survivors' fund layer's balance at each step, as the engine's bar gives it
            // (drawn by defaults, paid back by a replenishment).
            let l = t.layers.iter().position(|x| x.kind == "SurvivorsFund");
            let values: Vec<f64> = (0..=t.steps).map(|st| l.and_then(|l| t.layer_state(st).get(l).and_then(|x| x.remaining)).map(f).unwrap_or(0.0)).collect();
            let title = if l.is_some() { "Default fund balance (survivors' contributions)" } else { "Default fund balance (no survivors' fund layer)" };
            let area = draw_series_over_time(&root, dpr, title, &values, &p)?;
            root.present()?;
            return Ok(area);
        }
        Second::Equity => {
            let a = account.unwrap_or(0);
            let name = t.accounts.get(a).map(|x| x.name.to_string()).unwrap_or_default();
            let values: Vec<f64> = (0..=t.steps).map(|s| f(t.account_at(a, s).equity)).collect();
            let area = draw_series_over_time(&root, dpr, &format!("Equity of {name} (click a row to choose)"), &values, &p)?;
            root.present()?;
            return Ok(area);
        }
        Second::Delta => {
            let a = account.unwrap_or(0);
            let name = t.accounts.get(a).map(|x| x.name.to_string()).unwrap_or_default();
            let values: Vec<f64> = crate::engine::option_greeks::delta_path(t, a).into_iter().map(f).collect();
            let area = draw_series_over_time(&root, dpr, &format!("Delta of {name}, units of the underlying (click a row to choose)"), &values, &p)?;
            root.present()?;
            return Ok(area);
        }
        Second::ByLayer => {
            let states = t.layer_state(step);
            let mut bars: Vec<(String, f64)> = t.layers.iter().zip(states).map(|(l, s)| (l.label.clone(), f(s.drawn))).collect();
            bars.push(("Unallocated".into(), f(t.unallocated_at(step))));
            // No step number in the title: the chart is redrawn only when a bar changes.
            draw_bars(&root, dpr, "Loss paid by each layer so far", &bars, p.drawn, &p)?;
        }
        Second::ByParty => {
            let bars: Vec<(String, f64)> = t.summary.by_party.iter().map(|(n, v)| (n.clone(), f(*v))).collect();
            draw_bars(&root, dpr, "Who bore the loss (whole run)", &bars, p.accent, &p)?;
        }
    }
    root.present()?;
    Ok(None)
}

/// The current-step marker over a time chart: placed by CSS, not drawn, so stepping is cheap.
fn marker_style(area: PlotArea, step: u32, steps: u32) -> String {
    match area {
        None => "display:none".into(),
        Some((l, r, t, b)) => {
            let x = l + (r - l) * step as f64 / steps.max(1) as f64;
            // A transform, not `left`: its transition runs on the compositor (no page repaint).
            format!("transform:translateX({x:.1}px);top:{t:.1}px;height:{:.1}px", b - t)
        }
    }
}

fn save_png(canvas: &NodeRef<Canvas>, name: &str) -> Result<(), String> {
    let c = canvas.get_untracked().ok_or("the chart is not on screen")?;
    let el: &web_sys::HtmlCanvasElement = c.unchecked_ref();
    let url = el.to_data_url().map_err(|_| "the browser refused to export the chart".to_string())?;
    download::url_to_file(name, &url)
}

#[component]
pub fn Charts() -> impl IntoView {
    let s = use_state();
    let price_ref = NodeRef::<Canvas>::new();
    let second_ref = NodeRef::<Canvas>::new();
    let (which, set_which) = signal(Second::ByLayer);

    let price_area = RwSignal::new(None::<(f64, f64, f64, f64)>);
    let second_area = RwSignal::new(None::<(f64, f64, f64, f64)>);
    let steps = move || s.timeline.with(|t| t.as_ref().map(|t| t.steps).unwrap_or(1));
    let redraws = StoredValue::new(0u64);

    // Effects sync the canvases with the engine's output (plotters draws imperatively). The price
    // chart depends on the run only; the cursor is the marker element.
    // Drawn in a task of its own after the run's first render (issue 14: with a 100k run, the
    // first render and this drawing were one task of 88 ms, 25 of them the drawing).
    let price_draws = StoredValue::new(0u64);
    Effect::new(move |_| {
        let Some(c) = price_ref.get() else { return };
        s.timeline.track();
        price_draws.update_value(|g| *g += 1);
        let mine = price_draws.get_value();
        set_timeout(
            move || {
                if price_draws.try_get_value() != Some(mine) {
                    return;
                }
                let _m = Measure::new("spillway:load:price-chart");
                s.timeline.with_untracked(|t| {
                    if let Some(t) = t.as_ref() {
                        match draw_prices(c.unchecked_into(), t) {
                            Ok(area) => price_area.set(area),
                            Err(e) => leptos::logging::warn!("price chart: {e}"),
                        }
                    }
                });
            },
            std::time::Duration::ZERO,
        );
    });
    // What the losses-by-layer bars show: the engine's figures at the step the ledger shows (the
    // last of the frames a step spreads over, see `AppState::follow_step`). Most steps move no
    // loss, and then the chart is not redrawn.
    let layer_losses = Memo::new(move |_| {
        let step = s.ledger_step.get();
        s.timeline.with(|t| {
            t.as_ref()
                .map(|t| {
                    let mut v: Vec<Decimal> = t.layer_state(step).into_iter().map(|x| x.drawn).collect();
                    v.push(t.unallocated_at(step));
                    v
                })
                .unwrap_or_default()
        })
    });
    Effect::new(move |_| {
        let w = which.get();
        // Only the losses-by-layer bars change with the step; other charts ignore it.
        if w == Second::ByLayer {
            layer_losses.with(|_| ());
        }
        let account = if matches!(w, Second::Equity | Second::Delta) { s.selected_account.get() } else { None };
        s.timeline.track();
        if second_ref.get().is_none() {
            return;
        }
        // Redraw in a frame of its own, after the step's and the tables' frames: a step then costs
        // no canvas work, and a burst of changes redraws once. The frame's whole work (the drawing,
        // then style, layout and paint, up to the task after it) is the `spillway:chart` measure.
        redraws.update_value(|g| *g += 1);
        let mine = redraws.get_value();
        request_animation_frame(move || {
            if redraws.get_value() != mine {
                return;
            }
            let Some(c) = second_ref.get_untracked() else { return };
            let step = s.ledger_step.get_untracked();
            let timing = Measure::new("spillway:chart");
            s.timeline.with_untracked(|t| {
                if let Some(t) = t.as_ref() {
                    match draw_second(c.unchecked_into(), t, step, w, account) {
                        Ok(area) => second_area.set(area),
                        Err(e) => leptos::logging::warn!("chart: {e}"),
                    }
                }
            });
            set_timeout(move || drop(timing), std::time::Duration::ZERO);
        });
    });

    let tab = move |label: &'static str, w: Second| {
        view! { <button type="button" aria-pressed=move || (which.get() == w).to_string() on:click=move |_| set_which.set(w)>{label}</button> }
    };
    let png = move |r: NodeRef<Canvas>, name: &'static str| {
        move |_| {
            if let Err(e) = save_png(&r, name) {
                s.notice.set(Some(format!("Chart download failed: {e}")));
            }
        }
    };
    view! {
        <div class="charts">
            <div class="chart-wrap">
                <canvas class="chart" id="chart-prices" node_ref=price_ref role="img" aria-label="Price paths with the current step marked"></canvas>
                <div class="step-marker" aria-hidden="true" style=move || marker_style(price_area.get(), s.step.get(), steps())></div>
            </div>
            <div class="row"><button type="button" on:click=png(price_ref, "spillway-prices.png")>"Download PNG"</button></div>
            <div class="tabs" role="group" aria-label="Second chart">
                {tab("Losses by layer", Second::ByLayer)}
                {tab("Losses by party", Second::ByParty)}
                {tab("Insurance fund", Second::Insurance)}
                {tab("Default fund", Second::DefaultFund)}
                {tab("Equity of account", Second::Equity)}
                {move || s.timeline.with(|t| t.as_ref().is_some_and(|t| crate::engine::option_greeks::has_options(t))).then(|| tab("Delta of account", Second::Delta))}
            </div>
            <div class="chart-wrap">
                <canvas class="chart" id="chart-second" node_ref=second_ref role="img" aria-label="Selected chart"></canvas>
                <div class="step-marker" aria-hidden="true" style=move || marker_style(second_area.get(), s.step.get(), steps())></div>
            </div>
            <div class="row"><button type="button" on:click=png(second_ref, "spillway-chart.png")>"Download PNG"</button></div>
        </div>
    }
}
