//! Bounded work (issue 14 "Work without bound"): a scenario may ask for only so much. Lists are
//! capped by count, and the run as a whole by a work estimate, both checked from counts alone —
//! before any cohort is expanded, any price path drawn or any linked venue validated — so a link
//! or file far above the caps is refused in microseconds, with a message naming the figures and
//! the cap. Each cap and its reason: docs/scenario.md, "Limits". Measured: BENCHMARKS.md.

use super::schema::{LayerSpec, Scenario, Settlement};
use super::ValidationError;

/// Instruments per venue. Each one is a price series of `steps + 1` marks and funding indices
/// (≈ 55 bytes and ≈ 170 ns per instrument-step measured at 1,000 × 100,000); real books that
/// a page can draw have a few dozen.
pub const MAX_INSTRUMENTS: usize = 1_000;
/// Collateral assets per venue (each a price series too).
pub const MAX_ASSETS: usize = 100;
/// Points of one scripted price path: the interpolation walks a path's points from the first at
/// every step (O(steps × points)); 1,000 points over 100,000 steps is ≈ 5 × 10⁷ comparisons.
pub const MAX_PATH_POINTS: usize = 1_000;
/// Shocks of one price path (discrete events; sorted once per run).
pub const MAX_SHOCKS: usize = 1_000;
/// Margin tiers of one instrument (every margin check walks them; venues publish 10–20).
pub const MAX_TIERS: usize = 100;
/// Layers of one waterfall (every default walks them; real waterfalls have 5–10).
pub const MAX_LAYERS: usize = 32;
/// Linked venues of a scenario (each a whole run of its own).
pub const MAX_LINKED_VENUES: usize = 16;
/// Default funds of one venue (one per service or instrument group).
pub const MAX_DEFAULT_FUNDS: usize = 32;
/// Contagion links (ordering the venues is O(venues × links)).
pub const MAX_CONTAGION_LINKS: usize = 256;
/// Cohorts of one venue.
pub const MAX_COHORTS: usize = 1_000;
/// Trade cancellations in one scenario (each copies the venue's state once: issue 19).
pub const MAX_TRADE_CANCELLATIONS: usize = 100;
/// Withdrawals in one scenario.
pub const MAX_WITHDRAWALS: usize = 10_000;
/// Recoveries in one scenario (the engine looks each up at its step).
pub const MAX_RECOVERIES: usize = 100;
/// Capital injections in one scenario (the engine looks each up at its step).
pub const MAX_CAPITAL_INJECTIONS: usize = 100;
/// Bids in the default auction (each default sorts them once).
pub const MAX_AUCTION_BIDS: usize = 10_000;
/// Rows (and columns) of the correlation matrix: validation factors it (O(k³)) and every step
/// multiplies by it (O(k²)).
pub const MAX_CORRELATED: usize = 64;
/// Positions and collateral entries of one listed account (validation compares each position
/// with the earlier ones: O(k²) per account).
pub const MAX_POSITIONS: usize = 256;
pub const MAX_COLLATERAL: usize = MAX_ASSETS + 1;
/// Accounts in all venues together (listed and generated): each costs the run ≈ 760 bytes and
/// ≈ 3 µs (its state, records, and its liquidation and default when the crash takes it), whatever
/// the steps: 1,000,000 × 199 steps took 13 s and 760 MB natively. 2.5 × the design book.
pub const MAX_TOTAL_ACCOUNTS: u64 = 250_000;
/// The run's work, in account-steps (see [`WorkEstimate`]): twice the design book (100,001
/// accounts × 1,001 steps ≈ 1.0 × 10⁸: 0.33 s and 78 MB natively, 0.35 s and 70 MB in wasm).
pub const MAX_WORK: u64 = 200_000_000;

/// One price-series step (an instrument's or asset's mark and funding index at one step) costs
/// about as much as this many account-steps of the design book (measured: 200 instruments ×
/// 10,001 steps, 2 × 10⁶ series-steps, took the time and memory of ≈ 2 × 10⁸ account-steps).
pub const SERIES_STEP_WEIGHT: u64 = 100;
/// An account-step of a variation-margin venue weighs this much (numerator, denominator) of the
/// design book's: every account with a position is valued at every step to settle it. Its ledger
/// entries no longer cost memory per account-step (one block per step, built on demand:
/// `engine/ledger_vm.rs`, issue 14), so the weight is no longer the × 50 the 1.2 GB of entries
/// asked for: measured, the design book under a VM-gains haircut took 9.9 s and 139 MB natively
/// (18 × the time of the same book under ADL, 1.6 × its memory). 3/2 lets the design book run
/// under a VM-gains haircut (1.9 × 10⁸ units with its splits) and keeps a VM venue's book at
/// most ≈ 133,000 accounts × 1,000 steps (≈ 13 s natively).
pub const VM_ACCOUNT_STEP_WEIGHT: (u64, u64) = (3, 2);

/// Whether a waterfall splits over the whole book: a socialized loss over the accounts in
/// profit, a VM-gains haircut over the step's gainers, once per step (the step's defaults
/// together), a share (a ledger entry) per payer: up to (steps + 1) × accounts shares, capped at
/// run time by [`MAX_BOOK_SPLIT_SHARES`]. (Split per default, as before issue 14, the design book
/// was out of reach: `examples/cohort-10k.json`, 2,986 defaults × ≈ 1,800 payers = 5.5 × 10⁶
/// entries, 3–12 s and 148 MB.)
fn splits_over_the_book(s: &Scenario) -> bool {
    s.waterfall.iter().any(|l| matches!(l, LayerSpec::SocializedLoss | LayerSpec::VariationMarginHaircut { .. }))
}

/// The pro-rata shares the per-step splits of a socialized loss or VM-gains haircut may write in
/// one venue's run; the engine stops the run with an error naming this cap when a split would
/// pass it. One split per step over the payers writes at most (steps + 1) × accounts shares,
/// but a real book writes far fewer (the design book under a socialized loss: 2.6 × 10⁵ ledger
/// entries in all), while a hostile one could write 10⁸: so the estimate counts at most this
/// many (× [`SPLIT_PAIR_WEIGHT`]). 5 × 10⁶ shares is what `examples/cohort-10k.json` wrote
/// under the per-default rule (148 MB, 11.9 s at load 10).
pub const MAX_BOOK_SPLIT_SHARES: u64 = 5_000_000;

/// A default × payer share (a pro-rata share: its division and rounding, a ledger entry, the
/// payer's update) costs about this many account-steps of the design book. Measured at load ≈ 10
/// on the shared 2-core VM: `examples/cohort-10k.json` under `socialized_loss` alone, 10⁸
/// pairs at most (5.5 × 10⁶ shares written), took 11.9 s where the design book's 10⁸
/// account-steps took 1.3 s.
pub const SPLIT_PAIR_WEIGHT: u64 = 8;

/// What a scenario asks the engine for, from counts alone (no cohort is expanded). All venues
/// (the scenario and its linked venues) together.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkEstimate {
    /// The scenario's venue plus its linked venues.
    pub venues: u64,
    /// Accounts in all venues, listed and generated.
    pub accounts: u64,
    /// The most steps any venue runs.
    pub steps: u64,
    /// Σ over venues of accounts × (steps + 1).
    pub account_steps: u64,
    /// Σ over venues of (instruments + assets) × (steps + 1).
    pub series_steps: u64,
    /// Σ over venues of the pro-rata shares the venue can write: (steps + 1) × accounts under a
    /// socialized loss or VM-gains haircut (one split per step), at most
    /// [`MAX_BOOK_SPLIT_SHARES`], plus accounts × contributors under a survivors' fund or
    /// assessments (one split per default).
    pub split_pairs: u64,
    /// The weighted total the cap is read against, in account-steps of the design book:
    /// account-steps (× [`VM_ACCOUNT_STEP_WEIGHT`] on a variation-margin venue) plus
    /// series-steps × [`SERIES_STEP_WEIGHT`], plus split pairs × [`SPLIT_PAIR_WEIGHT`].
    pub total: u64,
}

impl WorkEstimate {
    /// The share of [`MAX_WORK`] this run takes (the page runs heavy ones in chunks).
    pub fn fraction_of_cap(&self) -> f64 {
        self.total as f64 / MAX_WORK as f64
    }
}

fn venue_work(s: &Scenario) -> WorkEstimate {
    let accounts = s.accounts.len() as u64 + s.cohorts.iter().map(|c| u64::from(c.count)).sum::<u64>();
    let frames = u64::from(s.steps) + 1;
    let account_steps = accounts.saturating_mul(frames);
    let series_steps = (s.instruments.len() as u64 + s.assets.len() as u64).saturating_mul(frames);
    let (num, den) = if s.venue.settlement == Settlement::VariationMargin { VM_ACCOUNT_STEP_WEIGHT } else { (1, 1) };
    // The fund layers split each default over the contributors (listed accounts only).
    let funds = s.waterfall.iter().any(|l| matches!(l, LayerSpec::SurvivorsFund | LayerSpec::Assessment { .. }));
    let contributors = if funds { s.accounts.iter().filter(|a| a.fund_contribution > rust_decimal::Decimal::ZERO).count() as u64 } else { 0 };
    // One split per step over the book (socialized loss, VMGH), one per default over the
    // contributors (fund layers): a default is at most one account.
    let book_splits = if splits_over_the_book(s) { frames.saturating_mul(accounts).min(MAX_BOOK_SPLIT_SHARES) } else { 0 };
    let split_pairs = book_splits.saturating_add(accounts.saturating_mul(contributors));
    WorkEstimate {
        venues: 1,
        accounts,
        steps: u64::from(s.steps),
        account_steps,
        series_steps,
        split_pairs,
        total: (account_steps.saturating_mul(num) / den)
            .saturating_add(series_steps.saturating_mul(SERIES_STEP_WEIGHT))
            .saturating_add(split_pairs.saturating_mul(SPLIT_PAIR_WEIGHT)),
    }
}

/// The work a scenario asks for, all venues together. Cheap: counts only.
pub fn work_estimate(s: &Scenario) -> WorkEstimate {
    let mut w = venue_work(s);
    for v in &s.linked_venues {
        let x = venue_work(&v.scenario);
        w.venues += 1;
        w.accounts = w.accounts.saturating_add(x.accounts);
        w.steps = w.steps.max(x.steps);
        w.account_steps = w.account_steps.saturating_add(x.account_steps);
        w.series_steps = w.series_steps.saturating_add(x.series_steps);
        w.split_pairs = w.split_pairs.saturating_add(x.split_pairs);
        w.total = w.total.saturating_add(x.total);
    }
    w
}

/// `1234567` → `1,234,567`.
fn grouped(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `98999901` → `9.9e7` (two significant figures, rounded down so a figure over a cap never
/// reads as the cap).
fn sci(n: u64) -> String {
    if n < 10_000 {
        return grouped(n);
    }
    let exp = n.ilog10();
    let tenths = n / 10u64.pow(exp - 1);
    format!("{}.{}e{exp}", tenths / 10, tenths % 10)
}

/// Count caps of one venue's lists; `prefix` locates the venue (`""` or `linked_venues[2].scenario.`).
fn list_caps(s: &Scenario, prefix: &str, errs: &mut Vec<ValidationError>) {
    let mut cap = |path: String, what: &str, n: usize, max: usize| {
        if n > max {
            errs.push(ValidationError {
                path: format!("{prefix}{path}"),
                message: format!("{} {what}; the cap is {}", grouped(n as u64), grouped(max as u64)),
            });
        }
    };
    cap("instruments".into(), "instruments", s.instruments.len(), MAX_INSTRUMENTS);
    cap("assets".into(), "assets", s.assets.len(), MAX_ASSETS);
    cap("cohorts".into(), "cohorts", s.cohorts.len(), MAX_COHORTS);
    cap("waterfall".into(), "layers", s.waterfall.len(), MAX_LAYERS);
    cap("linked_venues".into(), "linked venues", s.linked_venues.len(), MAX_LINKED_VENUES);
    cap("contagion".into(), "contagion links", s.contagion.len(), MAX_CONTAGION_LINKS);
    cap("correlation".into(), "rows in the correlation matrix", s.correlation.len(), MAX_CORRELATED);
    cap("trade_cancellations".into(), "trade cancellations", s.trade_cancellations.len(), MAX_TRADE_CANCELLATIONS);
    cap("withdrawals".into(), "withdrawals", s.withdrawals.len(), MAX_WITHDRAWALS);
    cap("recoveries".into(), "recoveries", s.recoveries.len(), MAX_RECOVERIES);
    cap("capital_injections".into(), "capital injections", s.capital_injections.len(), MAX_CAPITAL_INJECTIONS);
    cap("default_funds".into(), "default funds", s.default_funds.len(), MAX_DEFAULT_FUNDS);
    if let Some(x) = &s.default_auction {
        cap("default_auction.bids".into(), "auction bids", x.bids.len(), MAX_AUCTION_BIDS);
    }
    if let Some((k, f)) = s.default_funds.iter().take(MAX_DEFAULT_FUNDS).enumerate().find(|(_, f)| f.instruments.len() > MAX_INSTRUMENTS) {
        cap(format!("default_funds[{k}].instruments"), "instruments in one default fund", f.instruments.len(), MAX_INSTRUMENTS);
    }
    if let Some((a, row)) = s.correlation.iter().enumerate().find(|(_, r)| r.len() > MAX_CORRELATED) {
        cap(format!("correlation[{a}]"), "columns in the correlation matrix", row.len(), MAX_CORRELATED);
    }
    // Per-item lists: the first offender of each kind only (a hostile file could have millions).
    let inst = s.instruments.iter().take(MAX_INSTRUMENTS).enumerate();
    if let Some((i, x)) = inst.clone().find(|(_, x)| x.price.points.len() > MAX_PATH_POINTS) {
        cap(format!("instruments[{i}].price.points"), "points in one price path", x.price.points.len(), MAX_PATH_POINTS);
    }
    if let Some((i, x)) = inst.clone().find(|(_, x)| x.price.shocks.len() > MAX_SHOCKS) {
        cap(format!("instruments[{i}].price.shocks"), "shocks in one price path", x.price.shocks.len(), MAX_SHOCKS);
    }
    // The last traded price's path (issue 19) is bounded as the mark's is.
    if let Some((i, x)) = inst.clone().find(|(_, x)| x.last_price.as_ref().is_some_and(|p| p.points.len() > MAX_PATH_POINTS)) {
        cap(format!("instruments[{i}].last_price.points"), "points in one price path", x.last_price.as_ref().map_or(0, |p| p.points.len()), MAX_PATH_POINTS);
    }
    if let Some((i, x)) = inst.clone().find(|(_, x)| x.last_price.as_ref().is_some_and(|p| p.shocks.len() > MAX_SHOCKS)) {
        cap(format!("instruments[{i}].last_price.shocks"), "shocks in one price path", x.last_price.as_ref().map_or(0, |p| p.shocks.len()), MAX_SHOCKS);
    }
    if let Some((i, x)) = inst.clone().find(|(_, x)| x.margin.tiers.len() > MAX_TIERS) {
        cap(format!("instruments[{i}].margin.tiers"), "margin tiers", x.margin.tiers.len(), MAX_TIERS);
    }
    if let Some((i, a)) = s.accounts.iter().enumerate().find(|(_, a)| a.positions.len() > MAX_POSITIONS) {
        cap(format!("accounts[{i}].positions"), "positions in one account", a.positions.len(), MAX_POSITIONS);
    }
    if let Some((i, a)) = s.accounts.iter().enumerate().find(|(_, a)| a.collateral.len() > MAX_COLLATERAL) {
        cap(format!("accounts[{i}].collateral"), "collateral entries in one account", a.collateral.len(), MAX_COLLATERAL);
    }
}

/// Refuse a scenario whose lists or work are over the caps: every error names the figures and
/// the cap. Counts only (no cohort expansion), so `prepare` runs it first.
pub fn check(s: &Scenario) -> Vec<ValidationError> {
    let mut errs = Vec::new();
    list_caps(s, "", &mut errs);
    for (k, v) in s.linked_venues.iter().enumerate().take(MAX_LINKED_VENUES) {
        list_caps(&v.scenario, &format!("linked_venues[{k}].scenario."), &mut errs);
    }
    let w = work_estimate(s);
    if w.accounts > MAX_TOTAL_ACCOUNTS {
        errs.push(ValidationError {
            path: if w.venues > 1 { "linked_venues".into() } else { "cohorts".into() },
            message: format!(
                "the scenario asks for {} accounts in {} venue(s); the cap is {}",
                grouped(w.accounts),
                w.venues,
                grouped(MAX_TOTAL_ACCOUNTS)
            ),
        });
    }
    if w.total > MAX_WORK {
        // Written out in full where two figures would read as the cap.
        let sci = |n: u64| if sci(n) == sci(MAX_WORK) { grouped(n) } else { sci(n) };
        let frames = w.steps + 1;
        let mut parts = if w.venues > 1 {
            format!("{} accounts in {} venues (up to {} steps) = {} account-steps", grouped(w.accounts), w.venues, grouped(frames), sci(w.account_steps))
        } else {
            format!("{} accounts × {} steps = {} account-steps", grouped(w.accounts), grouped(frames), sci(w.account_steps))
        };
        let series = w.series_steps.saturating_mul(SERIES_STEP_WEIGHT);
        let accounts_weighted = w.total.saturating_sub(series).saturating_sub(w.split_pairs.saturating_mul(SPLIT_PAIR_WEIGHT));
        if accounts_weighted != w.account_steps {
            let (num, den) = VM_ACCOUNT_STEP_WEIGHT;
            parts += &format!(" (× {num}/{den} on a variation-margin venue)");
        }
        if series > w.total / 100 {
            parts += &format!(
                " plus {} price series × {} steps (× {SERIES_STEP_WEIGHT})",
                grouped(w.series_steps / frames.max(1)),
                grouped(frames)
            );
        }
        if w.split_pairs > 0 {
            parts += &format!(
                " plus up to {} pro-rata shares (× {SPLIT_PAIR_WEIGHT}: a socialized loss or VM-gains haircut splits each step over the book, the fund layers each default over the contributors)",
                sci(w.split_pairs)
            );
        }
        if w.total != w.account_steps {
            parts += &format!(": {} units of work", sci(w.total));
        }
        errs.push(ValidationError {
            path: String::new(),
            message: format!("the scenario asks for {parts}; the cap is {} (docs/scenario.md, Limits)", self::sci(MAX_WORK)),
        });
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{bench::cohort_book, Cohort, Instrument, LinkedVenue};

    #[test]
    fn figures_are_written_for_people() {
        assert_eq!(grouped(999_999), "999,999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(12), "12");
        assert_eq!(sci(99_999_899_999), "9.9e10");
        assert_eq!(sci(200_000_000), "2.0e8");
        assert_eq!(sci(1_000), "1,000");
    }

    #[test]
    fn the_design_book_is_allowed_and_twice_the_cap_is_not() {
        let book = cohort_book(100_000, 1_000).unwrap();
        let w = work_estimate(&book);
        assert_eq!((w.accounts, w.account_steps, w.series_steps), (100_001, 100_001 * 1_001, 1_001));
        assert!(check(&book).is_empty());
        assert!(w.fraction_of_cap() < 0.6, "{w:?}");
        let mut big = book.clone();
        big.cohorts[0].count = 999_999 - 50_000;
        big.steps = 100_000;
        let errs = check(&big);
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert_eq!(errs[0].to_string(), "cohorts: the scenario asks for 1,000,000 accounts in 1 venue(s); the cap is 250,000");
        assert_eq!(
            errs[1].message,
            "the scenario asks for 1,000,000 accounts × 100,001 steps = 1.0e11 account-steps: 1.0e11 units of work; the cap is 2.0e8 (docs/scenario.md, Limits)"
        );
        // The largest plain book at 1,000 steps.
        assert!(check(&cohort_book(199_000, 1_000).unwrap()).is_empty());
        let errs = cohort_book(200_000, 1_000).unwrap_err();
        assert_eq!(
            errs[0].message,
            "the scenario asks for 200,001 accounts × 1,001 steps = 200,201,001 account-steps: 200,301,101 units of work; the cap is 2.0e8 (docs/scenario.md, Limits)"
        );
        // A variation-margin venue's account-steps weigh more (× 3/2); many price series weigh
        // too. 133,000 × 1,001 × 3/2 = 199,699,500 (+ 100,100 for the price series) is allowed,
        // 134,000 × 1,001 × 3/2 = 201,201,000 (+ 100,100) is not. The design book runs under a VM-gains
        // haircut: 100,001 × 1,001 × 3/2 = 150,151,501, + 5 × 10⁶ shares × 8 + 100,100.
        let vm_book = |n: u32| {
            let mut vm = cohort_book(n, 1_000).unwrap();
            vm.venue.settlement = Settlement::VariationMargin;
            vm
        };
        assert!(check(&vm_book(132_999)).is_empty());
        let errs = check(&vm_book(133_999));
        assert_eq!(
            errs[0].message,
            "the scenario asks for 134,000 accounts × 1,001 steps = 1.3e8 account-steps (× 3/2 on a variation-margin venue): 201,301,100 units of work; the cap is 2.0e8 (docs/scenario.md, Limits)"
        );
        let vmgh = crate::scenario::bench::strategy_book(100_000, 1_000, crate::scenario::bench::Strategy::VmGainsHaircut).unwrap();
        assert_eq!(work_estimate(&vmgh).total, 150_151_501 + 40_000_000 + 100_100);
        assert!(check(&vmgh).is_empty());
        // The largest under a VM-gains haircut: 106,493 accounts × 1,001 × 3/2 = 159,899,239
        // (integer), + 40,000,000 + 100,100 = 199,999,339; one account more is 200,000,841.
        let vmgh_of = |n| crate::scenario::bench::strategy_book(n, 1_000, crate::scenario::bench::Strategy::VmGainsHaircut);
        assert_eq!(work_estimate(&vmgh_of(106_492).unwrap()).total, 199_999_339);
        let errs = vmgh_of(106_493).unwrap_err();
        assert!(errs[0].message.contains(": 200,000,841 units of work"), "{errs:?}");
        let mut wide = cohort_book(100, 100_000).unwrap();
        wide.instruments.extend((0..99).map(|k| Instrument { id: format!("I{k}"), ..Default::default() }));
        let errs = check(&wide);
        assert_eq!(
            errs[0].message,
            "the scenario asks for 101 accounts × 100,001 steps = 1.0e7 account-steps plus 100 price series × 100,001 steps (× 100): 1.0e9 units of work; the cap is 2.0e8 (docs/scenario.md, Limits)"
        );
    }

    #[test]
    fn lists_over_their_caps_are_named_with_the_figures() {
        let ins = |k: usize| Instrument { id: format!("I{k}"), ..Default::default() };
        let mut s = Scenario { steps: 1, instruments: (0..MAX_INSTRUMENTS + 1).map(ins).collect(), ..Default::default() };
        s.cohorts = (0..MAX_COHORTS + 1).map(|k| Cohort { id: format!("c{k}"), count: 1, instrument: "I0".into(), ..Default::default() }).collect();
        let errs = check(&s);
        let text: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        assert!(text.contains(&"instruments: 1,001 instruments; the cap is 1,000".to_string()), "{text:?}");
        assert!(text.contains(&"cohorts: 1,001 cohorts; the cap is 1,000".to_string()), "{text:?}");
        let mut inner = Scenario { steps: 1, instruments: vec![ins(0)], ..Default::default() };
        inner.instruments[0].margin.tiers = vec![Default::default(); MAX_TIERS + 1];
        let s = Scenario {
            steps: 1,
            instruments: vec![ins(0)],
            linked_venues: vec![LinkedVenue { id: "v".into(), scenario: inner }],
            ..Default::default()
        };
        let errs = check(&s);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].to_string(), "linked_venues[0].scenario.instruments[0].margin.tiers: 101 margin tiers; the cap is 100");
    }

    #[test]
    fn a_split_over_the_book_counts_steps_times_accounts_up_to_the_share_cap() {
        use crate::scenario::bench::{strategy_book, Strategy};
        let soc = strategy_book(4_000, 1_000, Strategy::SocializedLoss).unwrap();
        let w = work_estimate(&soc);
        assert_eq!(w.split_pairs, 1_001 * 4_001);
        assert!(check(&soc).is_empty());
        // The design book: (steps + 1) × accounts = 10⁸ shares at most, counted up to the cap the
        // engine enforces.
        let w = work_estimate(&strategy_book(100_000, 1_000, Strategy::SocializedLoss).unwrap());
        assert_eq!((w.split_pairs, w.total), (MAX_BOOK_SPLIT_SHARES, 100_101_001 + 1_001 * SERIES_STEP_WEIGHT + MAX_BOOK_SPLIT_SHARES * SPLIT_PAIR_WEIGHT));
        assert!(w.total < MAX_WORK);
        let mut big = cohort_book(170_000, 1_000).unwrap();
        big.waterfall = vec![LayerSpec::SocializedLoss];
        let errs = check(&big);
        assert_eq!(
            errs[0].message,
            "the scenario asks for 170,001 accounts × 1,001 steps = 1.7e8 account-steps plus up to 5.0e6 pro-rata shares (× 8: a socialized loss or VM-gains haircut splits each step over the book, the fund layers each default over the contributors): 2.1e8 units of work; the cap is 2.0e8 (docs/scenario.md, Limits)"
        );
        assert!(check(&strategy_book(100_000, 1_000, Strategy::AutoDeleverage).unwrap()).is_empty());
        // 100 contributors: 100,101 × 100 shares at most.
        let fund = work_estimate(&strategy_book(100_000, 1_000, Strategy::SurvivorsFundAssessments).unwrap());
        assert_eq!(fund.split_pairs, 100_101 * 100);
        assert!(fund.total < MAX_WORK);
    }

    #[test]
    fn linked_venues_add_up() {
        let one = cohort_book(1_000, 100).unwrap();
        let mut s = one.clone();
        s.linked_venues = (0..3).map(|k| LinkedVenue { id: format!("v{k}"), scenario: one.clone() }).collect();
        let w = work_estimate(&s);
        assert_eq!((w.venues, w.accounts, w.account_steps), (4, 4 * 1_001, 4 * 1_001 * 101));
        for v in &mut s.linked_venues {
            v.scenario.cohorts[0].count = 100_000;
        }
        let errs = check(&s);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].to_string(), "linked_venues: the scenario asks for 302,504 accounts in 4 venue(s); the cap is 250,000");
        for v in &mut s.linked_venues {
            v.scenario.cohorts[0].count = 60_000;
            v.scenario.steps = 1_200;
        }
        let errs = check(&s);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].message.starts_with("the scenario asks for 182,504 accounts in 4 venues (up to 1,201 steps) = 2.1e8 account-steps"), "{errs:?}");
    }
}
