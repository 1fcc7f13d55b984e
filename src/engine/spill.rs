//! The spill, draw by draw: within a step, each default's loss goes down the waterfall one layer
//! after another (the defaulter's margin, its fund contribution, the clearing house's skin in the
//! game, the survivors' fund, …). The engine records every draw as it makes it — the layer, what
//! reached it, what it took, its balance before and after, what passed on — so a view can play
//! the step layer by layer without computing money (the UI only picks the draw to show).
//!
//! Stored packed per step (`packed`), like the events: a run records one draw per layer a loss
//! reaches, not one per account.

use super::packed::{Reader, StepRecords, Writer};
use super::timeline::{EventKind, LayerState, Timeline};
use rust_decimal::Decimal;
use serde::Serialize;

/// One draw on one layer (or, with `layer: None`, the loss no layer covered).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Draw {
    /// The layer drawn on (index into `Timeline::layers`); `None` = the residual no layer covered.
    pub layer: Option<usize>,
    /// The defaulter whose loss this is.
    pub account: usize,
    /// The loss that reached this layer.
    pub loss_in: Decimal,
    /// What the layer paid of it.
    pub taken: Decimal,
    /// What went on to the next layer (`loss_in − taken`; 0 when the rest waits on a VM haircut
    /// window).
    pub passed_on: Decimal,
    /// What the layer held for this loss just before and after the draw, where it has a balance:
    /// the defaulter's own contribution, the skin in the game left, the insurance fund, the
    /// survivors' contributions, the assessments still callable, the vault's equity. `None` for
    /// rule-based layers (margin, haircuts, ADL, tear-up) and the residual.
    pub before: Option<Decimal>,
    pub after: Option<Decimal>,
    /// The bar's `remaining` just before the draw (as [`LayerState::remaining`]).
    pub remaining_before: Option<Decimal>,
    /// The layer's bar right after this draw (cumulative drawn, remaining, exhausted), as the
    /// step-end states of [`Timeline::layer_state`] define them; for the residual, `drawn` is the
    /// run's cumulative unallocated loss.
    pub state: LayerState,
    /// The events of the step that tell this draw (offsets within the step's events, e.g. the
    /// "… paid …" and "… is exhausted …" lines).
    pub events: std::ops::Range<usize>,
}

impl Draw {
    /// The layer held nothing to take (passed with "empty — nothing to take").
    pub fn empty(&self) -> bool {
        self.taken.is_zero() && self.layer.is_some()
    }
}

/// The run's draws in step order, packed.
#[derive(Clone, Debug, Default)]
pub(crate) struct Draws {
    records: StepRecords,
}

impl Draws {
    pub(crate) fn record(&mut self, step: u32, d: &Draw) {
        let mut w = Writer::new();
        w.u64(d.layer.map_or(0, |l| l as u64 + 1));
        w.u64(d.account as u64);
        w.u64(d.events.start as u64);
        w.u64(d.events.end as u64);
        w.u8(u8::from(d.state.exhausted));
        w.dec(d.loss_in);
        w.dec(d.taken);
        w.dec(d.passed_on);
        w.opt_dec(d.before);
        w.opt_dec(d.after);
        w.opt_dec(d.remaining_before);
        w.dec(d.state.drawn);
        w.opt_dec(d.state.remaining);
        self.records.push(step, w.bytes());
    }

    fn read(mut r: Reader) -> Draw {
        let layer = r.u64().checked_sub(1).map(|l| l as usize);
        let account = r.u64() as usize;
        let events = r.u64() as usize..r.u64() as usize;
        let exhausted = r.u8() != 0;
        let (loss_in, taken, passed_on) = (r.dec(), r.dec(), r.dec());
        let (before, after, remaining_before) = (r.opt_dec(), r.opt_dec(), r.opt_dec());
        let state = LayerState { drawn: r.dec(), remaining: r.opt_dec(), exhausted };
        Draw { layer, account, loss_in, taken, passed_on, before, after, remaining_before, state, events }
    }

    pub(crate) fn sort_by_step(&mut self) {
        self.records.sort_by_step();
    }

    pub(crate) fn seal(&mut self) {
        self.records.shrink_to_fit();
    }

    fn at_step(&self, step: u32) -> Vec<Draw> {
        let range = self.records.count_before(step)..self.records.count_through(step);
        range.filter_map(|i| self.records.get(i)).map(|(_, r)| Draws::read(r)).collect()
    }

    /// (step, draws at it) for each step with a draw, ascending.
    fn counts(&self) -> Vec<(u32, usize)> {
        let mut v: Vec<(u32, usize)> = Vec::new();
        for step in (0..self.records.len()).filter_map(|i| self.records.step_of(i)) {
            match v.last_mut() {
                Some(x) if x.0 == step => x.1 += 1,
                _ => v.push((step, 1)),
            }
        }
        v
    }
}

/// What a step holds, counted for a one-line summary of a dense step.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StepDigest {
    pub events: usize,
    /// Full and partial liquidations and auctions.
    pub liquidations: usize,
    pub defaults: usize,
    pub deleveraged: usize,
    /// Per layer that paid something at this step: (layer, draws on it).
    pub draws_by_layer: Vec<(usize, usize)>,
}

impl Timeline {
    /// The draws of one step, in the order the engine made them.
    pub fn draws_at(&self, step: u32) -> Vec<Draw> {
        self.draws.at_step(step)
    }

    /// The steps at which some loss reached the waterfall, ascending.
    pub fn draw_steps(&self) -> Vec<u32> {
        self.draws.counts().into_iter().map(|x| x.0).collect()
    }

    /// (step, number of draws) for each step at which some loss reached the waterfall, ascending.
    pub fn draw_counts(&self) -> Vec<(u32, usize)> {
        self.draws.counts()
    }

    /// The layers' bars while a step's spill is shown up to and including its draw `k`: a layer
    /// drawn at or before `k` shows its state after its latest such draw; one drawn only later
    /// in the step shows its state before that draw (the previous step's, with the balance the
    /// draw found); a layer the step does not draw on shows its step-end state.
    pub fn layer_state_at_draw(&self, step: u32, k: usize) -> Vec<LayerState> {
        let draws = self.draws_at(step);
        let before = step.checked_sub(1).map(|s| self.layer_state(s)).unwrap_or_else(|| vec![LayerState::default(); self.layers.len()]);
        let end = self.layer_state(step);
        (0..self.layers.len())
            .map(|l| {
                let mine = || draws.iter().enumerate().filter(move |(_, d)| d.layer == Some(l));
                if let Some((_, d)) = mine().filter(|(i, _)| *i <= k).last() {
                    return d.state.clone();
                }
                match mine().next() {
                    Some((_, d)) => {
                        let mut st = before.get(l).cloned().unwrap_or_default();
                        // The balance this draw found (an insurance fund fed by this step's
                        // penalties holds more than at the previous step's end).
                        st.remaining = d.remaining_before.or(st.remaining);
                        st
                    }
                    None => end.get(l).cloned().unwrap_or_default(),
                }
            })
            .collect()
    }

    /// The unallocated loss (cumulative) while a step's spill is shown up to its draw `k`.
    pub fn unallocated_at_draw(&self, step: u32, k: usize) -> Decimal {
        let draws = self.draws_at(step);
        match draws.iter().take(k + 1).filter(|d| d.layer.is_none()).last() {
            Some(d) => d.state.drawn,
            None => step.checked_sub(1).map(|s| self.unallocated_at(s)).unwrap_or_default(),
        }
    }

    /// Counts of a step's events for a summary line (reads only each event's kind and layer).
    pub fn step_digest(&self, step: u32) -> StepDigest {
        let mut g = StepDigest::default();
        for i in self.events.range_at(step) {
            let Some((kind, layer)) = self.events.kind_at(i) else { continue };
            g.events += 1;
            match kind {
                EventKind::Liquidation | EventKind::PartialLiquidation => g.liquidations += 1,
                EventKind::Default | EventKind::Bankruptcy | EventKind::Cascade => g.defaults += 1,
                EventKind::Deleveraged => g.deleveraged += 1,
                EventKind::LayerDrawn => {
                    if let Some(l) = layer {
                        match g.draws_by_layer.iter_mut().find(|x| x.0 == l) {
                            Some(x) => x.1 += 1,
                            None => g.draws_by_layer.push((l, 1)),
                        }
                    }
                }
                _ => {}
            }
        }
        g
    }

    /// The digest in one line, e.g. "84 liquidations, 3 drew on the insurance fund".
    pub fn step_summary(&self, step: u32) -> String {
        let g = self.step_digest(step);
        let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut parts = Vec::new();
        if g.liquidations > 0 {
            parts.push(plural(g.liquidations, "liquidation", "liquidations"));
        }
        if g.defaults > 0 {
            parts.push(plural(g.defaults, "default", "defaults"));
        }
        for (l, n) in &g.draws_by_layer {
            let label = self.layers.get(*l).map(|x| x.label.to_lowercase()).unwrap_or_default();
            parts.push(format!("{n} drew on the {label}"));
        }
        if g.deleveraged > 0 {
            parts.push(plural(g.deleveraged, "account deleveraged", "accounts deleveraged"));
        }
        if parts.is_empty() {
            parts.push(plural(g.events, "event", "events"));
        }
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::presets;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn run(id: &str) -> Timeline {
        let p = presets::by_id(id).expect("preset");
        crate::engine::simulate(&p.scenario).expect("runs")
    }

    fn label(t: &Timeline, x: &Draw) -> String {
        x.layer.and_then(|l| t.layers.get(l)).map(|l| l.kind.clone()).unwrap_or_else(|| "Unallocated".into())
    }

    /// Nasdaq 2018: the default's loss goes margin → defaulter's fund contribution (empty: the
    /// individual member had none) → skin in the game (EUR 7m) → survivors' fund (EUR 107m of
    /// 166m), with the reported figures, and the events of each draw in the step's order.
    #[test]
    fn nasdaq_draws_come_in_waterfall_order_with_the_reported_figures() {
        let t = run("nasdaq-2018");
        let steps = t.draw_steps();
        assert_eq!(steps.len(), 1, "one step draws on the waterfall: {steps:?}");
        let step = steps[0];
        let draws = t.draws_at(step);
        assert_eq!(t.draw_counts(), [(step, draws.len())]);
        let kinds: Vec<String> = draws.iter().map(|x| label(&t, x)).collect();
        assert_eq!(kinds, ["DefaulterMargin", "DefaulterFundContribution", "SkinInTheGameJunior", "SurvivorsFund"]);
        let [margin, own, sig, fund] = &draws[..] else { unreachable!() };
        // Issue 19's telling: EUR 36m of own resources (30m margin, 6m contribution), a 150m loss.
        assert_eq!(margin.taken, d("30000000"));
        assert_eq!(margin.passed_on, d("120000000"));
        assert_eq!(margin.loss_in, d("150000000"));
        // The defaulter's own contribution pays its 6m and is used up.
        assert!(!own.empty());
        assert_eq!((own.before, own.taken, own.after, own.loss_in, own.passed_on), (Some(d("6000000")), d("6000000"), Some(Decimal::ZERO), d("120000000"), d("114000000")));
        assert_eq!((sig.before, sig.taken, sig.after, sig.passed_on), (Some(d("7000000")), d("7000000"), Some(Decimal::ZERO), d("107000000")));
        assert!(sig.state.exhausted);
        // 107m in pro-rata shares rounded down; the rounding account pays the 3e-8 of dust, so
        // the fund keeps it.
        assert_eq!((fund.before, fund.taken, fund.after, fund.passed_on), (Some(d("166000000")), d("107000000"), Some(d("59000000.00000003")), Decimal::ZERO));
        assert!(!fund.state.exhausted);
        // Each draw is told by its own lines, in order, and the empty one says so.
        let events = t.events_at(step);
        let mut last = 0;
        for x in &draws {
            assert!(x.events.start >= last && x.events.end > x.events.start, "{x:?}");
            last = x.events.end;
        }
        let own_lines: Vec<String> = events[own.events.clone()].iter().map(|e| e.text()).collect();
        assert_eq!(
            own_lines,
            ["Defaulter's fund contribution paid €6m toward Individual member (spread trader)'s deficit.", "Defaulter's fund contribution is exhausted; €114m of the loss goes on."]
        );
        assert!(events[sig.events.clone()].iter().any(|e| e.text().starts_with("Skin in the game (junior) paid €7m")));
        assert!(events[sig.events.clone()].iter().any(|e| e.text().contains("is exhausted")));
        // The last draw's bars are the step's end states.
        assert_eq!(t.layer_state_at_draw(step, draws.len() - 1), t.layer_state(step));
    }

    /// The bars during the spill: before its draw a layer shows what it held, after it what is left.
    #[test]
    fn bars_drain_one_layer_after_another() {
        let t = run("nasdaq-2018");
        let step = t.draw_steps()[0];
        let at = |k: usize| t.layer_state_at_draw(step, k);
        // After the margin draw: the skin in the game still holds 7m, the fund 166m.
        assert_eq!(at(0)[2].remaining, Some(d("7000000")));
        assert_eq!(at(0)[2].drawn, Decimal::ZERO);
        assert_eq!(at(0)[3].remaining, Some(d("166000000")));
        assert_eq!(at(0)[0].drawn, d("30000000"));
        // After the skin-in-the-game draw: it is used up, the fund still untouched.
        assert_eq!((at(2)[2].drawn, at(2)[2].remaining), (d("7000000"), Some(Decimal::ZERO)));
        assert_eq!(at(2)[3].drawn, Decimal::ZERO);
        assert_eq!((at(3)[3].drawn, at(3)[3].remaining), (d("107000000"), Some(d("59000000.00000003"))));
        assert_eq!(t.unallocated_at_draw(step, 3), Decimal::ZERO);
    }

    /// A layer of zero capacity is reported empty, and the loss reaches the residual as a draw of
    /// its own when no layer is left.
    #[test]
    fn zero_capacity_layer_is_empty_and_the_residual_is_the_last_draw() {
        let json = r#"{"version":1,"seed":1,"steps":3,"venue":{"style":"ccp","insurance_fund":"0"},
            "instruments":[{"id":"X","tick_size":"0.01","lot_size":"1","margin":{"initial":"0.1","maintenance":"0.05"},
              "price":{"initial":"100","points":[{"step":2,"price":"50"}]}}],
            "accounts":[{"id":"a","role":"member","cash":"1000","positions":[{"instrument":"X","size":"100"}]},
                        {"id":"b","role":"member","cash":"100000","positions":[{"instrument":"X","size":"-100"}]}],
            "waterfall":[{"kind":"defaulter_margin"},{"kind":"skin_in_the_game","tranche":"junior","amount":"0"},{"kind":"insurance_fund"}]}"#;
        let s = crate::scenario::from_json(json).expect("scenario");
        let t = crate::engine::simulate(&s).expect("runs");
        let step = t.draw_steps()[0];
        let draws = t.draws_at(step);
        let kinds: Vec<String> = draws.iter().map(|x| label(&t, x)).collect();
        assert_eq!(kinds, ["DefaulterMargin", "SkinInTheGameJunior", "InsuranceFund", "Unallocated"]);
        assert!(draws[1].empty() && draws[2].empty());
        assert_eq!(draws[1].before, Some(Decimal::ZERO));
        let events = t.events_at(step);
        for x in &draws[1..3] {
            let lines: Vec<String> = events[x.events.clone()].iter().map(|e| e.text()).collect();
            assert_eq!(lines.len(), 1);
            assert!(lines[0].contains("is empty — nothing to take"), "{lines:?}");
        }
        // The residual: what passed the last layer, equal to the run's unallocated loss.
        assert_eq!(draws[3].taken, draws[2].passed_on);
        assert_eq!(draws[3].state.drawn, t.summary.unallocated);
        assert_eq!(t.unallocated_at_draw(step, 2), Decimal::ZERO);
        assert_eq!(t.unallocated_at_draw(step, 3), t.summary.unallocated);
    }

    /// A dense step is summed up in a line: BitMEX 2020's crash steps count their liquidations
    /// and the draws on the insurance fund, the counts of the step's events.
    #[test]
    fn dense_step_summary_counts_the_steps_events() {
        let t = run("bitmex-2020");
        let (step, n) = (0..=t.steps).map(|s| (s, t.events.range_at(s).len())).max_by_key(|x| x.1).expect("steps");
        assert!(n > 50, "the densest step has {n} events");
        let g = t.step_digest(step);
        let events = t.events_at(step);
        let count = |k: &[EventKind]| events.iter().filter(|e| k.contains(&e.kind)).count();
        assert_eq!(g.events, n);
        assert_eq!(g.liquidations, count(&[EventKind::Liquidation, EventKind::PartialLiquidation]));
        let line = t.step_summary(step);
        assert!(line.starts_with(&format!("{} liquidations", g.liquidations)), "{line}");
        if let Some((l, k)) = g.draws_by_layer.iter().find(|x| t.layers[x.0].kind == "InsuranceFund") {
            assert_eq!(*k, events.iter().filter(|e| e.kind == EventKind::LayerDrawn && e.layer == Some(*l)).count());
            assert!(line.contains(&format!("{k} drew on the insurance fund")), "{line}");
        }
    }
}
