//! Validation: every error names the field path (`accounts[3].positions[0].size`) and why.

use super::domain::{self, *};
use super::schema::*;
use super::{cohort, BookAccount, ValidationError};
use rust_decimal::prelude::*;
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};

struct Errs(Vec<ValidationError>);

impl Errs {
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(ValidationError { path: path.into(), message: message.into() });
    }
    fn rate(&mut self, path: String, x: Decimal, lo: Decimal, hi: Decimal) {
        if x < lo || x > hi {
            self.push(path, format!("must be between {lo} and {hi} (got {x})"));
        }
    }
    fn non_negative(&mut self, path: String, x: Decimal) {
        if x.is_sign_negative() && !x.is_zero() {
            self.push(path, format!("must not be negative (got {x})"));
        }
    }
    fn positive(&mut self, path: String, x: Decimal) {
        if x <= Decimal::ZERO {
            self.push(path, format!("must be positive (got {x})"));
        }
    }
    /// The numeric domain (domain.rs): |x| ≤ `max` and at most `dp` decimal places as written.
    fn within(&mut self, path: String, x: Decimal, max: Decimal, dp: u32) {
        if x.abs() > max {
            self.push(path, format!("at most {} (got {x})", domain::show(max)));
        } else {
            self.places(path, x, dp);
        }
    }
    /// At most `dp` decimal places (a value rust_decimal rounded while parsing has more).
    fn places(&mut self, path: String, x: Decimal, dp: u32) {
        if domain::too_many_places(x, dp) {
            self.push(path, format!("at most {dp} decimal places (got {x})"));
        }
    }
    fn amount(&mut self, path: String, x: Decimal) {
        self.within(path, x, AMOUNT_MAX, AMOUNT_DP);
    }
    fn price(&mut self, path: String, x: Decimal) {
        self.within(path, x, PRICE_MAX, PRICE_DP);
    }
    fn size(&mut self, path: String, x: Decimal) {
        self.within(path, x, SIZE_MAX, SIZE_DP);
    }
    fn rate_dp(&mut self, path: String, x: Decimal) {
        self.places(path, x, RATE_DP);
    }
}

/// Largest number of steps a scenario may ask for (accounts and work: `limits.rs`).
pub const MAX_STEPS: u32 = 100_000;

/// A validated scenario with its accounts expanded once: what validation checked and what the
/// engine runs (explicit accounts first, then each cohort's generated accounts; each linked
/// venue's likewise). Only [`prepare`] makes one, so holding one means the scenario is valid: the
/// engine runs it without checking it again.
#[derive(Clone, Debug, PartialEq)]
pub struct Prepared<'a> {
    scenario: &'a Scenario,
    accounts: Vec<BookAccount>,
    /// Linked venue `k`'s accounts (`linked_venues[k]`), expanded when the system was checked.
    venues: Vec<Vec<BookAccount>>,
    /// Linked venue `k`'s marks and σ paths, as it runs (for the scenario's steps).
    venue_paths: Vec<super::price_path::Paths>,
}

impl<'a> Prepared<'a> {
    pub fn scenario(&self) -> &'a Scenario {
        self.scenario
    }

    /// The scenario's marks and σ paths, evaluated once before a run ([`super::price_path::Paths`]).
    pub fn paths(&self) -> Result<super::price_path::Paths, ValidationError> {
        super::price_path::paths(self.scenario)
    }

    /// The main venue's accounts, as the engine runs them.
    pub fn accounts(&self) -> &[BookAccount] {
        &self.accounts
    }

    pub fn into_accounts(self) -> Vec<BookAccount> {
        self.accounts
    }

    /// Venue `k`'s accounts: 0 is the scenario's own venue, `k ≥ 1` is `linked_venues[k − 1]`.
    /// Venue `k`'s marks and σ paths (0: the scenario's own, generated now; `k ≥ 1`: generated
    /// when the system was prepared, for the scenario's steps, since venues run side by side).
    pub fn venue_paths(&self, k: usize) -> Result<super::price_path::Paths, ValidationError> {
        match k {
            0 => self.paths(),
            _ => self.venue_paths.get(k - 1).cloned().ok_or_else(|| ValidationError { path: format!("linked_venues[{}]", k - 1), message: "no such linked venue".into() }),
        }
    }

    pub fn venue_accounts(&self, k: usize) -> Option<&[BookAccount]> {
        if k == 0 {
            Some(&self.accounts)
        } else {
            self.venues.get(k - 1).map(Vec::as_slice)
        }
    }
}

/// A price path's shocks: each change above −1 and at most 100, at a step of the run, and the
/// scripted path they shock within the price domain.
fn check_path_shocks(e: &mut Errs, p: &str, pp: &PricePath, steps: u32) {
    for (k, sh) in pp.shocks.iter().enumerate() {
        if sh.change <= -Decimal::ONE {
            e.push(format!("{p}.shocks[{k}].change"), "must be above −1 (a price cannot reach zero)");
        }
        if sh.change > Decimal::from(100) {
            e.push(format!("{p}.shocks[{k}].change"), "must be at most 100 (×101)");
        }
        if sh.step > steps {
            e.push(format!("{p}.shocks[{k}].step"), format!("beyond the last step {steps}"));
        }
        // No bound on its places: a shocked price is rounded to the tick (the reverse stress
        // search writes shocks of many places), so a mark never carries them.
    }
    if let Some(top) = highest_scripted_mark(pp) {
        if top > PRICE_MAX {
            e.push(format!("{p}.shocks"), format!("the shocks take the price to {top}; prices are at most {}", domain::show(PRICE_MAX)));
        }
    }
}

/// A scripted path at field `p` (`instruments[i].price`, `instruments[i].last_price`): a positive
/// initial price and points within the price domain, at increasing steps of the run, and its
/// shocks ([`check_path_shocks`]).
fn check_scripted_path(e: &mut Errs, p: &str, pp: &PricePath, steps: u32) {
    e.positive(format!("{p}.initial"), pp.initial);
    e.price(format!("{p}.initial"), pp.initial);
    let mut last = 0u32;
    for (k, pt) in pp.points.iter().enumerate() {
        if pt.step <= last && !(k == 0 && pt.step > 0) {
            e.push(format!("{p}.points[{k}].step"), "steps must increase and start after 0");
        }
        if pt.step > steps {
            e.push(format!("{p}.points[{k}].step"), format!("beyond the last step {steps}"));
        }
        e.positive(format!("{p}.points[{k}].price"), pt.price);
        e.price(format!("{p}.points[{k}].price"), pt.price);
        last = pt.step;
    }
    check_path_shocks(e, p, pp, steps);
}

/// Check only the instruments' price shocks (the checks `prepare` makes of them): for a scenario
/// that differs from one already prepared by its shocks alone (the reverse stress search's grid
/// points), so its book need not be validated and expanded again.
pub fn check_shocks(s: &Scenario) -> Result<(), Vec<ValidationError>> {
    let mut e = Errs(Vec::new());
    for (i, ins) in s.instruments.iter().enumerate() {
        if ins.option.is_none() {
            check_path_shocks(&mut e, &format!("instruments[{i}].price"), &ins.price, s.steps);
            if let Some(lp) = &ins.last_price {
                check_path_shocks(&mut e, &format!("instruments[{i}].last_price"), lp, s.steps);
            }
        }
    }
    if e.0.is_empty() {
        Ok(())
    } else {
        Err(e.0)
    }
}

/// A validated scenario that owns its scenario ([`Prepared`] borrows one): what the page holds
/// after an edit, so the run reuses the edit's validation.
#[derive(Clone, Debug, PartialEq)]
pub struct Validated {
    scenario: Scenario,
    accounts: Vec<BookAccount>,
    venues: Vec<Vec<BookAccount>>,
    venue_paths: Vec<super::price_path::Paths>,
}

impl Validated {
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The [`Prepared`] scenario the engine runs (its book copied, not expanded again).
    pub fn prepared(&self) -> Prepared<'_> {
        Prepared { scenario: &self.scenario, accounts: self.accounts.clone(), venues: self.venues.clone(), venue_paths: self.venue_paths.clone() }
    }
}

/// [`prepare`] a scenario and keep it with its book ([`Validated`]).
pub fn validated(s: Scenario) -> Result<Validated, Vec<ValidationError>> {
    let Prepared { accounts, venues, venue_paths, .. } = prepare(&s)?;
    Ok(Validated { scenario: s, accounts, venues, venue_paths })
}

/// Check a scenario; `Ok(())` means the engine can run it.
pub fn validate(s: &Scenario) -> Result<(), Vec<ValidationError>> {
    prepare(s).map(|_| ())
}

/// Check a scenario and expand its cohorts (once): `Ok` means the engine can run the result.
pub fn prepare(s: &Scenario) -> Result<Prepared<'_>, Vec<ValidationError>> {
    let mut p = Preparing::new(s)?;
    while !p.expand(&mut || false) {}
    p.finish()
}

/// How many generated accounts [`Preparing::expand`] draws between two questions to `pause`.
const DRAW_SLICE: usize = 256;

/// [`prepare`] in pieces (issue 14: a 100k-account link expands its book on the page's only
/// thread): [`Preparing::new`] makes every check that needs no expansion, [`Preparing::expand`]
/// draws the cohorts' accounts a slice at a time (the page yields between slices) and
/// [`Preparing::finish`] makes the checks of the whole book. [`prepare`] is the three in a row, so
/// the book and the errors are the same bit for bit however the expansion is cut.
#[derive(Clone, Debug)]
pub struct Preparing<'a> {
    s: &'a Scenario,
    venues: Vec<Vec<BookAccount>>,
    accounts: Vec<BookAccount>,
    /// The book's size when whole.
    total: usize,
    /// Whether the listed accounts are in `accounts` yet (they come first).
    listed: bool,
    /// The cohort being drawn (its index, its drawer); `cohorts.len()` when every one is.
    cohort: usize,
    drawer: Option<super::cohort::Drawer>,
    cohort_inst: Vec<Option<usize>>,
    /// Open interest per instrument: its longs and its shorts.
    longs: Vec<Decimal>,
    shorts: Vec<Decimal>,
    /// The first generated account outside the domain, per cohort (a wide log-normal can draw one).
    outside: Vec<Option<String>>,
    /// A cohort whose instrument is unknown (the checks before found it already: never seen).
    failed: Option<Vec<ValidationError>>,
}

impl<'a> Preparing<'a> {
    /// The checks that need no expansion: `Err` when any fails.
    pub fn new(s: &'a Scenario) -> Result<Preparing<'a>, Vec<ValidationError>> {
        let venues = check_unexpanded(s)?;
        let n = s.accounts.len() + s.cohorts.iter().map(|c| c.count as usize).sum::<usize>();
        Ok(Preparing {
            s,
            venues,
            accounts: Vec::with_capacity(n),
            total: n,
            listed: false,
            cohort: 0,
            drawer: None,
            cohort_inst: s.cohorts.iter().map(|c| s.instruments.iter().position(|x| x.id == c.instrument)).collect(),
            longs: vec![Decimal::ZERO; s.instruments.len()],
            shorts: vec![Decimal::ZERO; s.instruments.len()],
            outside: vec![None; s.cohorts.len()],
            failed: None,
        })
    }

    /// The book's accounts expanded so far, of how many.
    pub fn expanded(&self) -> (usize, usize) {
        (self.accounts.len(), self.total)
    }

    fn add(&mut self, inst: Option<usize>, size: Decimal) {
        if let Some(i) = inst {
            let slot = if size > Decimal::ZERO { self.longs.get_mut(i) } else { self.shorts.get_mut(i) };
            if let Some(x) = slot {
                *x = x.checked_add(size.abs()).unwrap_or(Decimal::MAX);
            }
        }
    }

    /// Expands the book (listed accounts first, then each cohort's, in order) until it is whole
    /// (true) or `pause`, asked every [`DRAW_SLICE`] accounts drawn, asks to stop (false).
    pub fn expand(&mut self, pause: &mut impl FnMut() -> bool) -> bool {
        let s = self.s;
        if !self.listed {
            for (k, a) in s.accounts.iter().enumerate() {
                self.accounts.push(BookAccount::Listed(k));
                for pos in &a.positions {
                    self.add(s.instruments.iter().position(|x| x.id == pos.instrument), pos.size);
                }
            }
            self.listed = true;
        }
        loop {
            let Some(c) = s.cohorts.get(self.cohort) else { return true };
            let mut drawer = match self.drawer.take() {
                Some(d) => d,
                None => match super::cohort::Drawer::new(s, self.cohort, c) {
                    Some(d) => d,
                    None => {
                        let (i, id) = (self.cohort, &c.instrument);
                        self.failed = Some(vec![ValidationError { path: format!("cohorts[{i}].instrument"), message: format!("no instrument `{id}`") }]);
                        self.cohort = s.cohorts.len();
                        return true;
                    }
                },
            };
            let cohort = self.cohort;
            let inst = self.cohort_inst.get(cohort).copied().flatten();
            let cs = inst.and_then(|i| s.instruments.get(i)).map(|x| x.contract_size).unwrap_or(Decimal::ONE);
            let mut drew = 0;
            for drawn in drawer.by_ref().take(DRAW_SLICE) {
                drew += 1;
                self.accounts.push(BookAccount::Generated { cohort, drawn });
                self.add(inst, drawn.size);
                if let Some(slot) = self.outside.get_mut(cohort).filter(|x| x.is_none()) {
                    let units = drawn.size.abs().checked_mul(cs).unwrap_or(Decimal::MAX);
                    if drawn.cash > AMOUNT_MAX || units > UNITS_MAX || drawn.size.abs() > SIZE_MAX {
                        *slot = Some(format!(
                            "account {} draws cash {} and size {}: cash is at most {}, size at most {} and size × contract size at most {}; lower notional_median or notional_sigma",
                            drawn.n, drawn.cash, drawn.size, domain::show(AMOUNT_MAX), domain::show(SIZE_MAX), domain::show(UNITS_MAX)
                        ));
                    }
                }
            }
            if drew < DRAW_SLICE {
                self.cohort += 1;
            } else {
                self.drawer = Some(drawer);
            }
            if pause() {
                return self.cohort >= s.cohorts.len();
            }
        }
    }

    /// The checks of the whole book (unique ids, every account within the domain, open interest
    /// balanced) once [`Preparing::expand`] is done (what is left is expanded first).
    pub fn finish(mut self) -> Result<Prepared<'a>, Vec<ValidationError>> {
        while !self.expand(&mut || false) {}
        if let Some(errs) = self.failed {
            return Err(errs);
        }
        let s = self.s;
        let mut e = Errs(Vec::new());
        if let Some((path, id)) = first_id_collision(s) {
            e.push(path, format!("generated account id `{id}` collides with another account"));
        }
        for (i, msg) in std::mem::take(&mut self.outside).into_iter().enumerate() {
            if let Some(msg) = msg {
                e.push(format!("cohorts[{i}]"), msg);
            }
        }
        for (i, ins) in s.instruments.iter().enumerate() {
            let (l, sh) = (self.longs.get(i).copied().unwrap_or_default(), self.shorts.get(i).copied().unwrap_or_default());
            if l != sh && ins.counterparty.is_none() {
                e.push(
                    format!("instruments[{i}]"),
                    format!(
                        "open interest does not balance: longs {l}, shorts {sh}; add positions or set instruments[{i}].counterparty to the account that takes the other side ({})",
                        l - sh
                    ),
                );
            }
        }
        if e.0.is_empty() {
            let venue_paths = super::contagion::linked_venue_paths(s).map_err(|err| vec![err])?;
            Ok(Prepared { scenario: s, accounts: self.accounts, venues: self.venues, venue_paths })
        } else {
            Err(e.0)
        }
    }
}

/// Every check [`prepare`] makes before the book is expanded; the linked venues' books (checked
/// with them) when they pass.
fn check_unexpanded(s: &Scenario) -> Result<Vec<Vec<BookAccount>>, Vec<ValidationError>> {
    let mut e = Errs(Vec::new());
    let one = Decimal::ONE;
    let zero = Decimal::ZERO;
    if s.version != VERSION {
        e.push("version", format!("unsupported version {}; this build reads version {VERSION}", s.version));
    }
    if s.steps == 0 || s.steps > MAX_STEPS {
        e.push("steps", format!("must be between 1 and {MAX_STEPS} (got {})", s.steps));
    }
    // Caps on lists and work, from counts alone: before anything is expanded (limits.rs).
    let over = super::limits::check(s);
    if !over.is_empty() {
        e.0.extend(over);
        return Err(e.0);
    }
    // Venue.
    let v = &s.venue;
    if v.quote.trim().is_empty() {
        e.push("venue.quote", "must name the quote currency");
    }
    e.non_negative("venue.insurance_fund".into(), v.insurance_fund);
    e.amount("venue.insurance_fund".into(), v.insurance_fund);
    e.rate("venue.liquidation_fee".into(), v.liquidation_fee, zero, one);
    e.rate_dp("venue.liquidation_fee".into(), v.liquidation_fee);
    e.rate("venue.auction_discount".into(), v.auction_discount, zero, one);
    e.rate_dp("venue.auction_discount".into(), v.auction_discount);
    e.rate("venue.max_slippage".into(), v.max_slippage, zero, one);
    e.rate_dp("venue.max_slippage".into(), v.max_slippage);
    // Deribit's step-by-step rule is an exchange's liquidation; a clearing house's option
    // close-out is its default management (option_default.rs: hedged, then auctioned).
    if v.option_liquidation != OptionLiquidation::Generic && v.style == VenueStyle::Ccp {
        e.push("venue.option_liquidation", "is how an exchange liquidates an option account; a clearing house (style `ccp`) closes an option book out by its default management (hedge, then auction)");
    }
    if let Some(n) = v.replenish_within_steps {
        if n == 0 || n > s.steps {
            e.push("venue.replenish_within_steps", format!("must be between 1 and the run's steps ({}) (got {n})", s.steps));
        }
        if !s.waterfall.iter().any(|l| matches!(l, LayerSpec::SurvivorsFund)) {
            e.push("venue.replenish_within_steps", "replenishes the survivors' default fund: the waterfall needs a `survivors_fund` layer");
        }
    }

    // Instruments.
    let mut inst_ids = HashSet::new();
    if s.instruments.is_empty() {
        e.push("instruments", "needs at least one instrument");
    }
    for (i, ins) in s.instruments.iter().enumerate() {
        let p = format!("instruments[{i}]");
        if ins.id.trim().is_empty() {
            e.push(format!("{p}.id"), "must not be empty");
        } else if !inst_ids.insert(ins.id.as_str()) {
            e.push(format!("{p}.id"), format!("duplicate instrument id `{}`", ins.id));
        }
        e.positive(format!("{p}.contract_size"), ins.contract_size);
        e.within(format!("{p}.contract_size"), ins.contract_size, CONTRACT_SIZE_MAX, CONTRACT_SIZE_DP);
        e.positive(format!("{p}.tick_size"), ins.tick_size);
        e.price(format!("{p}.tick_size"), ins.tick_size);
        e.positive(format!("{p}.lot_size"), ins.lot_size);
        e.size(format!("{p}.lot_size"), ins.lot_size);
        e.non_negative(format!("{p}.price_impact"), ins.price_impact);
        e.within(format!("{p}.price_impact"), ins.price_impact, PRICE_IMPACT_MAX, RATE_DP);
        e.rate(format!("{p}.funding_rate"), ins.funding_rate, -one, one);
        e.rate_dp(format!("{p}.funding_rate"), ins.funding_rate);
        let m = &ins.margin;
        if m.tiers.is_empty() {
            e.rate(format!("{p}.margin.maintenance"), m.maintenance, zero, one);
            e.rate_dp(format!("{p}.margin.maintenance"), m.maintenance);
            e.rate(format!("{p}.margin.initial"), m.initial, zero, one);
            e.rate_dp(format!("{p}.margin.initial"), m.initial);
            if m.maintenance <= zero {
                e.push(format!("{p}.margin.maintenance"), "must be positive");
            }
            if m.initial < m.maintenance {
                e.push(format!("{p}.margin.initial"), format!("must be at least the maintenance rate {}", m.maintenance));
            }
        } else {
            let mut prev_floor: Option<Decimal> = None;
            let mut prev_mmr = zero;
            for (k, t) in m.tiers.iter().enumerate() {
                let tp = format!("{p}.margin.tiers[{k}]");
                match prev_floor {
                    None if !t.floor.is_zero() => e.push(format!("{tp}.floor"), "the first tier must start at 0"),
                    Some(f) if t.floor <= f => e.push(format!("{tp}.floor"), format!("must be above the previous floor {f}")),
                    _ => {}
                }
                e.amount(format!("{tp}.floor"), t.floor);
                e.rate(format!("{tp}.maintenance"), t.maintenance, zero, one);
                e.rate_dp(format!("{tp}.maintenance"), t.maintenance);
                e.rate(format!("{tp}.initial"), t.initial, zero, one);
                e.rate_dp(format!("{tp}.initial"), t.initial);
                if t.maintenance <= zero {
                    e.push(format!("{tp}.maintenance"), "must be positive");
                }
                if t.initial < t.maintenance {
                    e.push(format!("{tp}.initial"), "must be at least the tier's maintenance rate");
                }
                if t.maintenance < prev_mmr {
                    e.push(format!("{tp}.maintenance"), "must not fall below the previous tier's rate");
                }
                if let Some(a) = t.maintenance_amount {
                    e.non_negative(format!("{tp}.maintenance_amount"), a);
                    e.amount(format!("{tp}.maintenance_amount"), a);
                }
                prev_floor = Some(t.floor);
                prev_mmr = t.maintenance;
            }
        }
        // An option's own price path is ignored (its marks come from option.on): validate_option.rs.
        let pp = if ins.option.is_some() { &super::validate_option::IGNORED_PATH } else { &ins.price };
        check_scripted_path(&mut e, &format!("{p}.price"), pp, s.steps);
        // The last traded price (issue 19): a scripted path like the mark's, on a future or
        // perpetual (an option's fills are its model marks).
        if let Some(lp) = &ins.last_price {
            let f = format!("{p}.last_price");
            check_scripted_path(&mut e, &f, lp, s.steps);
            if lp.gbm.is_some() {
                e.push(format!("{f}.gbm"), "the last price is scripted only (initial, points, shocks)");
            }
            if ins.option.is_some() {
                e.push(f, "an option fills at its model mark: no last price");
            }
        }
        if let Some(g) = &pp.gbm {
            e.rate(format!("{p}.price.gbm.volatility"), g.volatility, zero, one);
            e.rate_dp(format!("{p}.price.gbm.volatility"), g.volatility);
            e.rate(format!("{p}.price.gbm.drift"), g.drift, -one, one);
            e.rate_dp(format!("{p}.price.gbm.drift"), g.drift);
        }
        if let Some(x) = &ins.expiry {
            if x.step == 0 || x.step > s.steps {
                e.push(format!("{p}.expiry.step"), format!("must be between 1 and {}", s.steps));
            }
            e.non_negative(format!("{p}.expiry.buy_in_penalty"), x.buy_in_penalty);
            e.within(format!("{p}.expiry.buy_in_penalty"), x.buy_in_penalty, BUY_IN_PENALTY_MAX, RATE_DP);
        }
        if let Some(c) = &ins.counterparty {
            if !s.accounts.iter().any(|a| &a.id == c) {
                e.push(format!("{p}.counterparty"), format!("no account `{c}`"));
            }
        }
        if let Some(u) = &ins.underlying {
            if !s.assets.iter().any(|a| &a.id == u) {
                e.push(format!("{p}.underlying"), format!("no asset `{u}`"));
            }
        }
    }

    // Assets.
    let mut asset_ids = HashSet::new();
    for (i, a) in s.assets.iter().enumerate() {
        let p = format!("assets[{i}]");
        if a.id.trim().is_empty() {
            e.push(format!("{p}.id"), "must not be empty");
        } else if a.id == v.quote {
            e.push(format!("{p}.id"), format!("`{}` is the quote currency, which always exists", a.id));
        } else if !asset_ids.insert(a.id.as_str()) {
            e.push(format!("{p}.id"), format!("duplicate asset id `{}`", a.id));
        }
        e.positive(format!("{p}.price"), a.price);
        e.price(format!("{p}.price"), a.price);
        e.rate(format!("{p}.haircut"), a.haircut, zero, Decimal::new(99, 2));
        e.rate_dp(format!("{p}.haircut"), a.haircut);
        if let Some(f) = &a.follows {
            if !inst_ids.contains(f.as_str()) {
                e.push(format!("{p}.follows"), format!("no instrument `{f}`"));
            }
        }
    }

    // Correlation.
    let k = s.instruments.iter().filter(|i| i.price.points.is_empty() && i.price.gbm.is_some()).count();
    if !s.correlation.is_empty() {
        if s.correlation.len() != k || s.correlation.iter().any(|r| r.len() != k) {
            e.push("correlation", format!("must be {k}×{k}: one row and column per instrument with a gbm path"));
        } else {
            for (a, row) in s.correlation.iter().enumerate() {
                for (b, c) in row.iter().enumerate() {
                    let cp = format!("correlation[{a}][{b}]");
                    if a == b && *c != one {
                        e.push(cp, "the diagonal must be 1");
                    } else if *c < -one || *c > one {
                        e.push(cp, "must be between −1 and 1");
                    } else if s.correlation.get(b).and_then(|r| r.get(a)) != Some(c) {
                        e.push(cp, "the matrix must be symmetric");
                    } else {
                        e.rate_dp(cp, *c);
                    }
                }
            }
            let f: Vec<Vec<f64>> =
                s.correlation.iter().map(|r| r.iter().map(|c| c.to_f64().unwrap_or(0.0)).collect()).collect();
            if e.0.is_empty() && super::price_path::cholesky(&f).is_none() {
                e.push("correlation", "must be positive definite");
            }
        }
    }

    // Accounts.
    let mut ids: HashMap<&str, String> = HashMap::new();
    for (i, a) in s.accounts.iter().enumerate() {
        let p = format!("accounts[{i}]");
        if a.id.trim().is_empty() {
            e.push(format!("{p}.id"), "must not be empty");
        } else if ids.insert(a.id.as_str(), p.clone()).is_some() {
            e.push(format!("{p}.id"), format!("duplicate account id `{}`", a.id));
        }
        e.non_negative(format!("{p}.cash"), a.cash);
        e.amount(format!("{p}.cash"), a.cash);
        e.non_negative(format!("{p}.fund_contribution"), a.fund_contribution);
        e.amount(format!("{p}.fund_contribution"), a.fund_contribution);
        e.non_negative(format!("{p}.reserves"), a.reserves);
        e.amount(format!("{p}.reserves"), a.reserves);
        for (k, c) in a.collateral.iter().enumerate() {
            if c.asset != v.quote && !asset_ids.contains(c.asset.as_str()) {
                e.push(format!("{p}.collateral[{k}].asset"), format!("no asset `{}`", c.asset));
            }
            e.non_negative(format!("{p}.collateral[{k}].amount"), c.amount);
            e.amount(format!("{p}.collateral[{k}].amount"), c.amount);
        }
        for (k, pos) in a.positions.iter().enumerate() {
            let pp = format!("{p}.positions[{k}]");
            if !inst_ids.contains(pos.instrument.as_str()) {
                e.push(format!("{pp}.instrument"), format!("no instrument `{}`", pos.instrument));
            }
            if pos.size.is_zero() {
                e.push(format!("{pp}.size"), "must be non-zero");
            }
            e.size(format!("{pp}.size"), pos.size);
            if let Some(cs) = s.instruments.iter().find(|x| x.id == pos.instrument).map(|x| x.contract_size) {
                let units = pos.size.abs().checked_mul(cs).unwrap_or(Decimal::MAX);
                if units > UNITS_MAX && pos.size.abs() <= SIZE_MAX {
                    e.push(format!("{pp}.size"), format!("size × contract size is at most {} units (got {units})", domain::show(UNITS_MAX)));
                }
            }
            if let Some(ep) = pos.entry_price {
                e.positive(format!("{pp}.entry_price"), ep);
                e.price(format!("{pp}.entry_price"), ep);
            }
            if let Some(m) = pos.isolated_margin {
                e.non_negative(format!("{pp}.isolated_margin"), m);
                e.amount(format!("{pp}.isolated_margin"), m);
            }
            if a.positions.iter().take(k).any(|q| q.instrument == pos.instrument) {
                e.push(format!("{pp}.instrument"), "one position per instrument per account (one-way mode)");
            }
        }
    }

    // Cohorts.
    for (i, c) in s.cohorts.iter().enumerate() {
        let p = format!("cohorts[{i}]");
        if c.id.trim().is_empty() {
            e.push(format!("{p}.id"), "must not be empty");
        }
        if !inst_ids.contains(c.instrument.as_str()) {
            e.push(format!("{p}.instrument"), format!("no instrument `{}`", c.instrument));
        }
        e.positive(format!("{p}.notional_median"), c.notional_median);
        e.amount(format!("{p}.notional_median"), c.notional_median);
        e.rate(format!("{p}.notional_sigma"), c.notional_sigma, zero, Decimal::from(3));
        e.rate_dp(format!("{p}.notional_sigma"), c.notional_sigma);
        e.rate_dp(format!("{p}.leverage_min"), c.leverage_min);
        e.rate_dp(format!("{p}.leverage_max"), c.leverage_max);
        if c.leverage_min < one {
            e.push(format!("{p}.leverage_min"), "must be at least 1");
        }
        if c.leverage_max < c.leverage_min || c.leverage_max > Decimal::from(1000) {
            e.push(format!("{p}.leverage_max"), "must be between leverage_min and 1000");
        }
    }

    // Waterfall.
    waterfall_errors(&mut e, s, &s.waterfall);

    // Declared defaults: a listed account, within the run, once each.
    for (i, x) in s.declared_defaults.iter().enumerate() {
        let p = format!("declared_defaults[{i}]");
        if !s.accounts.iter().any(|a| a.id == x.account) {
            e.push(format!("{p}.account"), format!("no account `{}` in `accounts`", x.account));
        } else if s.declared_defaults[..i].iter().any(|y| y.account == x.account) {
            e.push(format!("{p}.account"), format!("`{}` is already declared in default", x.account));
        }
        if x.step > s.steps {
            e.push(format!("{p}.step"), format!("must be at most steps ({})", s.steps));
        }
    }

    // Per-contract insurance funds: an amount like the venue's.
    for (i, ins) in s.instruments.iter().enumerate() {
        if let Some(x) = ins.insurance_fund {
            e.non_negative(format!("instruments[{i}].insurance_fund"), x);
            e.amount(format!("instruments[{i}].insurance_fund"), x);
        }
    }
    // Default funds: named once each; each instrument in at most one; a member's `fund` names one.
    for (k, f) in s.default_funds.iter().enumerate() {
        let p = format!("default_funds[{k}]");
        if f.id.trim().is_empty() {
            e.push(format!("{p}.id"), "must not be empty");
        } else if s.default_funds[..k].iter().any(|g| g.id == f.id) {
            e.push(format!("{p}.id"), format!("duplicate default fund id `{}`", f.id));
        }
        if f.instruments.is_empty() {
            e.push(format!("{p}.instruments"), "needs at least one instrument");
        }
        for (j, x) in f.instruments.iter().enumerate() {
            if !s.instruments.iter().any(|i| i.id == *x) {
                e.push(format!("{p}.instruments[{j}]"), format!("no instrument `{x}` in `instruments`"));
            } else if let Some(g) = s.default_funds[..k].iter().find(|g| g.instruments.contains(x)).or_else(|| f.instruments[..j].contains(x).then_some(f)) {
                e.push(format!("{p}.instruments[{j}]"), format!("`{x}` is already in default fund `{}`: an instrument belongs to one fund", g.id));
            }
        }
    }
    for (i, a) in s.accounts.iter().enumerate() {
        if !a.fund.is_empty() && !s.default_funds.iter().any(|f| f.id == a.fund) {
            e.push(format!("accounts[{i}].fund"), format!("no default fund `{}` in `default_funds`", a.fund));
        }
    }

    let (errs, venues) = super::contagion::prepare_venues(s);
    e.0.extend(errs);
    e.0.extend(super::validate_option::check(s));
    e.0.extend(super::validate_intervention::check(s));
    e.0.extend(super::validate_auction::check(s));
    e.0.extend(super::validate_margin::check(s));

    if !e.0.is_empty() {
        return Err(e.0);
    }
    Ok(venues)
}

/// Check a waterfall against a scenario: its own (`prepare` checks it) or another one a run is
/// asked to use (a comparison, a stress sweep). The one place a layer's terms are checked.
pub fn check_waterfall(s: &Scenario, waterfall: &[LayerSpec]) -> Result<(), Vec<ValidationError>> {
    let mut e = Errs(Vec::new());
    waterfall_errors(&mut e, s, waterfall);
    if e.0.is_empty() {
        Ok(())
    } else {
        Err(e.0)
    }
}

fn waterfall_errors(e: &mut Errs, s: &Scenario, waterfall: &[LayerSpec]) {
    for (i, l) in waterfall.iter().enumerate() {
        let p = format!("waterfall[{i}]");
        match l {
            LayerSpec::SkinInTheGame { amount, .. } => {
                e.non_negative(format!("{p}.amount"), *amount);
                e.amount(format!("{p}.amount"), *amount);
            }
            LayerSpec::Assessment { cap_multiple, max_calls, period_cap_multiple, cooling_off_steps, .. } => {
                e.non_negative(format!("{p}.cap_multiple"), *cap_multiple);
                e.within(format!("{p}.cap_multiple"), *cap_multiple, CAP_MULTIPLE_MAX, RATE_DP);
                if *max_calls == 0 {
                    e.push(format!("{p}.max_calls"), "must be at least 1");
                }
                if let Some(pc) = period_cap_multiple {
                    e.non_negative(format!("{p}.period_cap_multiple"), *pc);
                    e.within(format!("{p}.period_cap_multiple"), *pc, CAP_MULTIPLE_MAX, RATE_DP);
                }
                if *cooling_off_steps == Some(0) {
                    e.push(format!("{p}.cooling_off_steps"), "must be at least 1");
                }
                if cooling_off_steps.is_some() && period_cap_multiple.is_none() {
                    e.push(format!("{p}.period_cap_multiple"), "is required with cooling_off_steps (the cap across the period's defaults)");
                }
            }
            // A fraction of each survivor's posted initial margin (issue 19).
            LayerSpec::ImHaircut { cap_fraction } => {
                e.rate(format!("{p}.cap_fraction"), *cap_fraction, Decimal::ZERO, Decimal::ONE);
                e.rate_dp(format!("{p}.cap_fraction"), *cap_fraction);
            }
            LayerSpec::VariationMarginHaircut { max_steps } if *max_steps == 0 => {
                e.push(format!("{p}.max_steps"), "must be at least 1")
            }
            LayerSpec::LpVaultHaircut { account } if !s.accounts.iter().any(|a| &a.id == account) => {
                e.push(format!("{p}.account"), format!("no account `{account}`"))
            }
            _ => {}
        }
    }
}

/// The highest mark a scripted path can reach: its highest point (interpolation stays between
/// points) times the largest running product of its shocks (`None` when it has a random path, which
/// the path generator bounds step by step, or when the product overflows: then it is far too high).
fn highest_scripted_mark(pp: &PricePath) -> Option<Decimal> {
    if pp.points.is_empty() && pp.gbm.is_some() {
        return None;
    }
    let top = pp.points.iter().map(|x| x.price).fold(pp.initial, Decimal::max);
    let mut shocks: Vec<_> = pp.shocks.iter().collect();
    shocks.sort_by_key(|x| x.step);
    let (mut factor, mut most) = (Decimal::ONE, Decimal::ONE);
    for sh in shocks {
        factor = match factor.checked_mul(Decimal::ONE.checked_add(sh.change)?) {
            Some(f) => f,
            None => return Some(Decimal::MAX),
        };
        most = most.max(factor);
    }
    Some(top.checked_mul(most).unwrap_or(Decimal::MAX))
}

/// The first account (listed ones in order, then each cohort's from its first) whose id an
/// earlier one already has, as (its field path, the id), found without writing out every
/// generated id: `"{cohort}-{n}"` can only equal a listed id of that form or an id of an earlier
/// cohort with the same id (a digit run never holds the `-` another cohort id would need).
/// O(accounts listed + cohorts).
fn first_id_collision(s: &Scenario) -> Option<(String, String)> {
    let mut seen: rustc_hash::FxHashSet<&str> = rustc_hash::FxHashSet::with_capacity_and_hasher(s.accounts.len(), Default::default());
    // The smallest n of the listed ids written like cohort `x`'s account n, by x.
    let mut listed: rustc_hash::FxHashMap<&str, u32> = rustc_hash::FxHashMap::default();
    for (k, a) in s.accounts.iter().enumerate() {
        if !seen.insert(a.id.as_str()) {
            return Some((format!("accounts[{k}].id"), a.id.clone()));
        }
        if let Some((base, n)) = cohort::numbered_parts(&a.id) {
            listed.entry(base).and_modify(|m| *m = (*m).min(n)).or_insert(n);
        }
    }
    // Ids of the cohorts so far that generated at least one account.
    let mut generated: rustc_hash::FxHashSet<&str> = rustc_hash::FxHashSet::default();
    for (i, c) in s.cohorts.iter().enumerate() {
        let by_listed = listed.get(c.id.as_str()).copied().filter(|&n| n <= c.count);
        let by_earlier = (c.count >= 1 && generated.contains(c.id.as_str())).then_some(1);
        if let Some(n) = by_listed.into_iter().chain(by_earlier).min() {
            return Some((format!("cohorts[{i}].id"), cohort::account_id(c, n)));
        }
        if c.count >= 1 {
            generated.insert(c.id.as_str());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first duplicate id when every id is written out (what validation did before it knew
    /// generated ids by their form).
    fn brute_force(s: &Scenario) -> Option<(String, String)> {
        let mut seen = HashSet::new();
        for (k, a) in super::super::expand_accounts(s).ok()?.into_iter().enumerate() {
            if !seen.insert(a.spec.id.clone()) {
                let path = match a.cohort {
                    Some(c) => format!("cohorts[{c}].id"),
                    None => format!("accounts[{k}].id"),
                };
                return Some((path, a.spec.id));
            }
        }
        None
    }

    #[test]
    fn id_collisions_found_as_writing_every_id_out_finds_them() {
        let ids = ["a", "a-1", "a-3", "a-03", "a-0", "a-6", "a-", "a--1", "b-2", "b", "a-1-1", "a-10", "ab-1"];
        let cohorts = [("a", 5), ("b", 2), ("a", 1), ("a-1", 1), ("a", 0), ("b", 3)];
        let instrument = Instrument { id: "P".into(), ..Default::default() };
        let mut cases = 0;
        for mask in 0u32..(1 << ids.len()) {
            if mask.count_ones() > 3 {
                continue;
            }
            for cmask in 1u32..(1 << cohorts.len()) {
                let mut s = Scenario { instruments: vec![instrument.clone()], ..Default::default() };
                s.accounts = ids.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, id)| AccountSpec { id: id.to_string(), ..Default::default() }).collect();
                if mask & 1 != 0 {
                    s.accounts.push(AccountSpec { id: "a".into(), ..Default::default() }); // a listed duplicate
                }
                s.cohorts = cohorts
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| cmask & (1 << i) != 0)
                    .map(|(_, (id, count))| Cohort { id: id.to_string(), count: *count, instrument: "P".into(), ..Default::default() })
                    .collect();
                assert_eq!(first_id_collision(&s), brute_force(&s), "accounts {:?}, cohorts {:?}", s.accounts.iter().map(|a| &a.id).collect::<Vec<_>>(), s.cohorts.iter().map(|c| (&c.id, c.count)).collect::<Vec<_>>());
                cases += 1;
            }
        }
        assert!(cases > 10_000, "{cases} cases");
    }
}
