//! The one random-scenario generator of the property suites (engine, contagion, numeric domain,
//! stress lab, margin scan): random books and random waterfalls, sized by a [`Shape`].
//!
//! Cases per suite: engine_properties 96 per property (`Shape::small`: conservation and
//! determinism, mutated scenarios); engine_contagion 48 (two small books linked); numeric_domain
//! 64 (`edge_scenario_strategy`: small books moved to the domain's edges); stress_properties 48
//! (12 Monte Carlo paths each) and 24 (shards merged) on `Shape::stress`; engine_event_scan 160
//! on `Shape::varied`. (codec_golden's round trips edit the presets instead: links of real books.)
#![allow(dead_code)]

use std::ops::Range;

use proptest::prelude::*;
use rust_decimal::Decimal;
use spillway::scenario::*;

pub fn dec(x: i64, scale: u32) -> Decimal {
    Decimal::new(x, scale)
}

/// Every layer kind, each with random parameters.
pub fn layer_strategy() -> impl Strategy<Value = LayerSpec> {
    prop_oneof![
        Just(LayerSpec::DefaulterMargin),
        Just(LayerSpec::DefaulterFundContribution),
        (0i64..5_000).prop_map(|a| LayerSpec::SkinInTheGame { tranche: Tranche::Junior, amount: Decimal::from(a) }),
        (0i64..5_000).prop_map(|a| LayerSpec::SkinInTheGame { tranche: Tranche::Senior, amount: Decimal::from(a) }),
        Just(LayerSpec::InsuranceFund),
        Just(LayerSpec::SurvivorsFund),
        (0i64..30, 1u32..3).prop_map(|(c, m)| LayerSpec::Assessment { cap_multiple: dec(c, 1), max_calls: m, period_cap_multiple: None, cooling_off_steps: None, from_collateral: false }),
        // Caps per default and per cooling-off period, re-calls (issue 19).
        (0i64..30, 1u32..4, 0i64..60, prop::option::of(1u32..6)).prop_map(|(c, m, pc, n)| LayerSpec::Assessment {
            cap_multiple: dec(c, 1),
            max_calls: m,
            period_cap_multiple: Some(dec(pc, 1)),
            cooling_off_steps: n,
            from_collateral: false,
        }),
        (1u32..4).prop_map(|m| LayerSpec::VariationMarginHaircut { max_steps: m }),
        Just(LayerSpec::SocializedLoss),
        Just(LayerSpec::AutoDeleverage),
        Just(LayerSpec::LpVaultHaircut { account: "vault".into() }),
        Just(LayerSpec::TearUp),
    ]
}

/// How big and how varied the books are. Every suite draws from [`scenario_strategy`]; the shape
/// only sets the ranges (a full engine run per case costs more on big books).
#[derive(Clone, Debug)]
pub struct Shape {
    /// Instruments `I0`, `I1`, …
    pub instruments: Range<usize>,
    /// Explicit members `a0`, `a1`, … (each with a position in every instrument it draws).
    pub accounts: Range<usize>,
    pub cohorts: Range<usize>,
    pub layers: Range<usize>,
    pub steps: Range<u32>,
    /// Inverse contracts, margin tiers, a mark that moves between points, collateral in a coin
    /// that follows a mark, a margin-call grace period, a CCP on unrealized PnL.
    pub varied: bool,
}

impl Shape {
    /// One linear instrument, a few members, 20 steps (engine, contagion, numeric domain).
    pub fn small() -> Shape {
        Shape { instruments: 1..2, accounts: 1..7, cohorts: 0..1, layers: 0..6, steps: 20..21, varied: false }
    }
    /// Small books over 12 steps: each case is many Monte Carlo paths (stress lab).
    pub fn stress() -> Shape {
        Shape { instruments: 1..2, accounts: 2..6, cohorts: 0..1, layers: 0..6, steps: 12..13, varied: false }
    }
    /// Several instruments of every kind, cohorts, up to 40 steps (the margin scan against the
    /// per-account loop).
    pub fn varied() -> Shape {
        Shape { instruments: 1..4, accounts: 0..7, cohorts: 0..3, layers: 0..6, steps: 5..40, varied: true }
    }
}

#[derive(Debug, Clone)]
pub struct Ins {
    pub inverse: bool,
    pub tiers: u8,
    pub funding: i64,
    pub gbm: bool,
    pub shock: i64,
    pub shock_step: u32,
    pub impact: i64,
}

pub fn instrument_strategy() -> impl Strategy<Value = Ins> {
    (any::<bool>(), 0u8..3, -3i64..4, any::<bool>(), -60i64..40, 0u32..41, 0i64..20).prop_map(
        |(inverse, tiers, funding, gbm, shock, shock_step, impact)| Ins { inverse, tiers, funding, gbm, shock, shock_step, impact },
    )
}

#[derive(Debug, Clone)]
pub struct Acc {
    /// One size per instrument (zero: no position; the first is never zero).
    pub sizes: Vec<i64>,
    pub cash: i64,
    pub coin: i64,
    pub contribution: i64,
    pub reserves: i64,
    pub isolated: bool,
}

pub fn account_strategy() -> impl Strategy<Value = Acc> {
    (prop::collection::vec(-50i64..50, 3), 10i64..4_000, 0i64..3, 0i64..1_000, 0i64..2_000, any::<bool>()).prop_map(
        |(sizes, cash, coin, contribution, reserves, isolated)| Acc { sizes, cash, coin, contribution, reserves, isolated },
    )
}

#[derive(Debug, Clone)]
pub struct Coh {
    pub inst: usize,
    pub long: bool,
    pub count: u32,
    pub lev_max: i64,
    pub isolated: bool,
}

pub fn cohort_strategy() -> impl Strategy<Value = Coh> {
    (0usize..3, any::<bool>(), 1u32..40, 2i64..40, any::<bool>()).prop_map(|(inst, long, count, lev_max, isolated)| Coh { inst, long, count, lev_max, isolated })
}

fn margin(tiers: u8) -> MarginSpec {
    match tiers {
        0 => MarginSpec { initial: dec(1, 1), maintenance: dec(5, 2), tiers: Vec::new() },
        // Computed tier amounts: continuous requirement.
        1 => MarginSpec {
            tiers: vec![
                Tier { floor: Decimal::ZERO, initial: dec(5, 2), maintenance: dec(25, 3), maintenance_amount: None },
                Tier { floor: Decimal::from(2_000), initial: dec(1, 1), maintenance: dec(5, 2), maintenance_amount: None },
            ],
            ..Default::default()
        },
        // An explicit amount that makes the requirement jump: never banded.
        _ => MarginSpec {
            tiers: vec![
                Tier { floor: Decimal::ZERO, initial: dec(5, 2), maintenance: dec(25, 3), maintenance_amount: None },
                Tier { floor: Decimal::from(1_500), initial: dec(1, 1), maintenance: dec(6, 2), maintenance_amount: Some(Decimal::from(5)) },
            ],
            ..Default::default()
        },
    }
}

/// A random book of `shape`: members `a0…`, cohorts, the market maker `mm` (every instrument's
/// counterparty, so open interest balances) and the LP vault `vault`, under a random waterfall.
pub fn scenario_strategy_of(shape: Shape) -> impl Strategy<Value = Scenario> {
    (
        prop::collection::vec(instrument_strategy(), shape.instruments.clone()),
        prop::collection::vec(account_strategy(), shape.accounts.clone()),
        prop::collection::vec(cohort_strategy(), shape.cohorts.clone()),
        prop::collection::vec(layer_strategy(), shape.layers.clone()),
        (0u8..3, any::<bool>(), 0u32..3, any::<bool>(), 0i64..1_000),
        (0u64..1000, shape.steps.clone(), prop::option::of((0usize..7, 0u32..41))),
    )
        .prop_map(move |(insts, accs, cohorts, layers, (style, partial, grace, coin_follows, insurance), (seed, steps, declared))| {
            let varied = shape.varied;
            let mut s = Scenario { seed, steps, ..Default::default() };
            // 0: exchange; 1: CCP with variation margin; 2 (varied books only): CCP on unrealized PnL.
            let style = if varied { style } else { style % 2 };
            s.venue.style = if style == 0 { VenueStyle::Exchange } else { VenueStyle::Ccp };
            s.venue.settlement = if style == 1 { Settlement::VariationMargin } else { Settlement::Unrealized };
            s.venue.insurance_fund = Decimal::from(insurance);
            s.venue.partial_liquidation = partial;
            if varied {
                s.venue.margin_call_grace = grace;
                s.assets.push(Asset {
                    id: "COIN".into(),
                    price: Decimal::from(100),
                    follows: if coin_follows { Some("I0".into()) } else { None },
                    haircut: dec(2, 1),
                });
            }
            s.venue.auction_discount = dec(3, 2);
            // Every ADL rule (issue 19), from the seed (the strategy's shape stays as it was).
            s.venue.adl = [AdlRule::Bitmex, AdlRule::Hyperliquid, AdlRule::Dydx, AdlRule::Drift][(seed % 4) as usize];
            for (k, ins) in insts.iter().enumerate() {
                let inverse = varied && ins.inverse;
                s.instruments.push(Instrument {
                    id: format!("I{k}"),
                    kind: if inverse { ContractKind::Inverse } else { ContractKind::Linear },
                    contract_size: if inverse { Decimal::from(10) } else { Decimal::ONE },
                    lot_size: Decimal::ONE,
                    tick_size: dec(1, 2),
                    price_impact: Decimal::from(ins.impact),
                    counterparty: Some("mm".into()),
                    funding_rate: if varied { dec(ins.funding, 4) } else if ins.gbm { dec(1, 4) } else { Decimal::ZERO },
                    margin: margin(if varied { ins.tiers } else { 0 }),
                    price: PricePath {
                        initial: Decimal::from(100 + 50 * k as i64),
                        shocks: vec![Shock { step: ins.shock_step % (steps + 1), change: dec(ins.shock, 2) }],
                        gbm: if ins.gbm { Some(Gbm { drift: Decimal::ZERO, volatility: dec(3, 2) }) } else { None },
                        points: if varied && !ins.gbm { vec![PricePoint { step: steps / 2, price: Decimal::from(90 + 50 * k as i64) }] } else { Vec::new() },
                    },
                    ..Default::default()
                });
            }
            for (i, a) in accs.iter().enumerate() {
                let positions = a
                    .sizes
                    .iter()
                    .take(insts.len())
                    .enumerate()
                    .map(|(k, &size)| (k, if k == 0 && size == 0 { 1 } else { size }))
                    .filter(|&(_, size)| size != 0)
                    .map(|(k, size)| PositionSpec { instrument: format!("I{k}"), size: Decimal::from(size), ..Default::default() })
                    .collect();
                s.accounts.push(AccountSpec {
                    id: format!("a{i}"),
                    role: Role::Member,
                    margin_mode: if a.isolated { MarginMode::Isolated } else { MarginMode::Cross },
                    cash: Decimal::from(a.cash),
                    collateral: if varied && a.coin > 0 { vec![CollateralSpec { asset: "COIN".into(), amount: Decimal::from(a.coin) }] } else { Vec::new() },
                    fund_contribution: Decimal::from(a.contribution),
                    reserves: Decimal::from(a.reserves),
                    positions,
                    ..Default::default()
                });
            }
            for (c, h) in cohorts.iter().enumerate() {
                s.cohorts.push(Cohort {
                    id: format!("c{c}"),
                    count: h.count,
                    instrument: format!("I{}", h.inst % insts.len()),
                    side: if h.long { Side::Long } else { Side::Short },
                    notional_median: Decimal::from(400),
                    notional_sigma: dec(5, 1),
                    leverage_min: Decimal::from(2),
                    leverage_max: Decimal::from(h.lev_max),
                    margin_mode: if h.isolated { MarginMode::Isolated } else { MarginMode::Cross },
                    ..Default::default()
                });
            }
            s.accounts.push(AccountSpec { id: "mm".into(), role: Role::MarketMaker, cash: Decimal::from(1_000_000), ..Default::default() });
            s.accounts.push(AccountSpec { id: "vault".into(), role: Role::LpVault, cash: Decimal::from(20_000), ..Default::default() });
            s.waterfall = layers;
            // Issue 19, from the seed (the strategy's shape stays as it was): the fund replenished
            // some steps after it is drawn, a second default fund for I1 with every other
            // member's contribution, and I0's own insurance fund.
            if varied {
                if seed % 3 == 0 && s.waterfall.iter().any(|l| matches!(l, LayerSpec::SurvivorsFund)) {
                    s.venue.replenish_within_steps = Some(1 + (seed / 3 % 3) as u32 % steps.max(1));
                }
                if seed % 5 < 2 && s.instruments.len() >= 2 {
                    s.default_funds.push(DefaultFund { id: "f1".into(), instruments: vec!["I1".into()] });
                    for a in s.accounts.iter_mut().filter(|a| a.role == Role::Member).skip(1).step_by(2) {
                        a.fund = "f1".into();
                    }
                }
                if seed % 7 < 3 {
                    if let Some(i) = s.instruments.first_mut() {
                        i.insurance_fund = Some(Decimal::from(500));
                    }
                }
            }
            // Issue 19, from the seed (the strategy's shape stays as it was): I0's last traded
            // price apart from its mark (fills at last, margin on mark), assessments paid first
            // from excess collateral, and an initial-margin haircut layer.
            if seed % 11 < 4 && steps >= 1 {
                if let Some(i) = s.instruments.first_mut() {
                    let step = 1 + (seed / 11) as u32 % steps;
                    i.last_price = Some(PricePath { initial: i.price.initial, points: vec![PricePoint { step, price: Decimal::from(70 + (seed % 50) as i64) }], ..Default::default() });
                }
            }
            for l in s.waterfall.iter_mut() {
                if let LayerSpec::Assessment { from_collateral, .. } = l {
                    *from_collateral = seed % 2 == 1;
                }
            }
            if seed % 13 < 4 {
                let at = s.waterfall.len().min(1 + (seed / 13) as usize % 3);
                s.waterfall.insert(at, LayerSpec::ImHaircut { cap_fraction: dec(1 + (seed % 10) as i64, 1) });
            }
            // A default declared at a chosen step (issue 19).
            if let Some((i, step)) = declared.filter(|x| x.0 < accs.len()) {
                s.declared_defaults.push(DeclaredDefault { account: format!("a{i}"), step: step % (steps + 1) });
            }
            // Issue 19's interventions, from the seed (the strategy's shape stays as it was): a
            // busted range, a withdrawal (a loan when it passes the cash), the backstop vault.
            if seed % 5 == 1 && steps >= 2 {
                let from = 1 + (seed / 5) as u32 % (steps - 1);
                let to = (from + (seed / 7) as u32 % 3).min(steps - 1);
                s.trade_cancellations.push(TradeCancellation { from, to });
            }
            if seed % 3 == 0 && !accs.is_empty() {
                let amount = Decimal::from(10 + (seed / 3) % 2_000);
                s.withdrawals.push(Withdrawal { account: format!("a{}", (seed / 11) as usize % accs.len()), step: (seed / 13) as u32 % (steps + 1), amount });
            }
            if style == 0 && seed % 7 < 2 {
                s.venue.backstop_vault = Some("vault".into());
            }
            // A recovery (issue 19): money back from an account some steps in, to the depositors
            // or to the insurance fund.
            if seed % 4 == 1 && !accs.is_empty() {
                let amount = Decimal::from(1 + (seed / 4) % 3_000);
                let to = if seed % 8 == 1 { RecoveryTo::Depositors } else { RecoveryTo::InsuranceFund };
                s.recoveries.push(Recovery { step: (seed / 17) as u32 % (steps + 1), from: format!("a{}", (seed / 19) as usize % accs.len()), amount, to });
            }
            // Temporary capital (issue 19): some into a skin-in-the-game layer the waterfall
            // has, from a step for some steps (or to the end), so defaults inside and after the
            // window both occur across cases.
            let sig = s.waterfall.iter().find_map(|l| match l {
                LayerSpec::SkinInTheGame { tranche, .. } => Some(*tranche),
                _ => None,
            });
            if let Some(tranche) = sig.filter(|_| seed % 3 != 2) {
                let amount = Decimal::from(1 + (seed / 23) % 4_000);
                let span = (seed / 29) as u32 % 5;
                s.capital_injections.push(CapitalInjection { step: (seed / 31) as u32 % (steps + 1), amount, tranche, steps: (span > 0).then_some(span) });
            }
            // The default auction (issue 19), from the seed, on a clearing house: bids from some
            // members (discounts 0-29 %, shares 10-100 %), forced allocation or close-out of the
            // rest, juniorisation on or off.
            if style != 0 && seed % 4 >= 2 {
                let bids = (0..accs.len())
                    .filter(|i| (seed >> i) % 3 != 0)
                    .map(|i| AuctionBid { member: format!("a{i}"), discount: dec(((seed / (i as u64 + 1)) % 30) as i64, 2), share: dec(1 + ((seed / (i as u64 + 2)) % 10) as i64, 1) })
                    .collect();
                let forced_allocation = if seed % 8 < 6 { ForcedAllocation::ProRataToContribution } else { ForcedAllocation::CloseOut };
                s.default_auction = Some(DefaultAuction { bids, max_discount: (seed % 3 == 0).then(|| dec(15, 2)), forced_allocation, juniorise: seed % 5 != 0 });
            }
            s
        })
}

/// The small shape (engine, contagion, numeric domain).
pub fn scenario_strategy() -> impl Strategy<Value = Scenario> {
    scenario_strategy_of(Shape::small())
}

/// Where [`edge_scenario_strategy`] puts the instrument's price.
#[derive(Debug, Clone, Copy)]
pub enum PriceEdge {
    /// A tiny token: ~10^-6 with all 10 places, tick 10^-10, huge sizes.
    Tiny,
    /// A price of ~3 × 10^8 with all 10 places (marks stay ≤ 10^9 under the shocks and paths).
    Huge,
}

/// How [`edge_scenario_strategy`]'s instrument ends the run.
#[derive(Debug, Clone, Copy)]
pub enum ExpiryEdge {
    None,
    Cash,
    /// Physical delivery of the `BTC` asset, with a buy-in penalty of all 8 places.
    Physical,
}

/// [`scenario_strategy`]'s scenarios moved to the edges of the numeric domain
/// (src/scenario/domain.rs), with every factor at its most decimal places: amounts near 10^15 and
/// down to 10^-8 with all 8 places, prices at either end with all 10, sizes, lots and contract
/// sizes with all 8, every rate and fraction (fees, discount, slippage, funding, margin rates,
/// price impact, haircut, assessment multiple, buy-in penalty, drift and volatility) with all 8,
/// linear and inverse contracts, collateral in another asset, cash and physical expiry, the
/// largest assessment multiple and positions worth up to ≈ 10^15. Every product of these (a fee
/// of 8 places × a size of 8 × a contract size of 8 × a price of 10) has more than the engine's
/// 12 money places: the engine rounds each amount it posts (engine/money.rs, `to_money`), and the
/// run must conserve exactly. Open interest still balances through the market maker.
pub fn edge_scenario_strategy() -> impl Strategy<Value = Scenario> {
    (
        scenario_strategy(),
        prop_oneof![Just(PriceEdge::Tiny), Just(PriceEdge::Huge)],
        any::<bool>(),
        0usize..7,
        any::<bool>(),
        prop_oneof![Just(ExpiryEdge::None), Just(ExpiryEdge::Cash), Just(ExpiryEdge::Physical)],
        1i64..99_999_999,
    )
        .prop_map(|(mut s, edge, largest, smallest, inverse, expiry, digits)| {
            let max_amount = Decimal::from(1_000_000_000_000_000u64);
            // All 8 places: `digits` (1..10^8) as the fraction.
            let places8 = dec(digits, 8);
            // Scale an amount towards 10^15 (or not) and give it all 8 places.
            let amount = |x: Decimal| {
                let scaled = if largest { x * Decimal::from(100_000_000_000u64) } else { x };
                (scaled + dec(12_345_678, 8)).min(max_amount)
            };
            s.venue.insurance_fund = if largest { max_amount - dec(1, 8) } else { dec(50_000_000_001, 8) };
            s.venue.liquidation_fee = dec(512_345, 8); // 0.00512345
            s.venue.auction_discount = dec(3_123_457, 8);
            s.venue.max_slippage = dec(51_234_567, 8);
            s.assets.push(Asset { id: "BTC".into(), price: dec(123_456_789_012_345, 10), follows: None, haircut: dec(12_345_678, 8) });
            let ins = &mut s.instruments[0];
            ins.kind = if inverse { ContractKind::Inverse } else { ContractKind::Linear };
            ins.margin.initial = dec(10_123_457, 8);
            ins.margin.maintenance = dec(5_123_457, 8);
            ins.funding_rate = dec(12_345, 8) * if digits % 2 == 0 { Decimal::ONE } else { -Decimal::ONE };
            if let Some(g) = ins.price.gbm.as_mut() {
                g.drift = dec(12_345, 8);
                g.volatility = dec(3_123_457, 8);
            }
            ins.expiry = match expiry {
                ExpiryEdge::None => None,
                ExpiryEdge::Cash => Some(Expiry { step: 15, settlement: SettlementKind::Cash, buy_in_penalty: Decimal::ZERO }),
                ExpiryEdge::Physical => Some(Expiry { step: 15, settlement: SettlementKind::Physical, buy_in_penalty: dec(112_345_678, 8) }),
            };
            if matches!(expiry, ExpiryEdge::Physical) {
                ins.underlying = Some("BTC".into());
            }
            let size_scale = match edge {
                PriceEdge::Tiny => {
                    ins.price.initial = dec(12_345, 10); // 0.0000012345
                    ins.tick_size = dec(1, 10);
                    ins.contract_size = dec(100_012_345_678, 8); // 1000.12345678
                    // An inverse contract's units are quote currency: 10^9 contracts keep the
                    // book within its bound of 10^16 (engine/headroom.rs).
                    Decimal::from(if inverse { 1_000_000_000u64 } else { 10_000_000_000u64 })
                }
                PriceEdge::Huge => {
                    ins.price.initial = dec(3_000_000_001_234_567_891, 10); // 300,000,000.1234567891
                    ins.tick_size = dec(1, 10);
                    ins.contract_size = dec(112_345_678, 8); // 1.12345678
                    // Up to 10^5 contracts at 3 × 10^8: positions worth ≈ 3 × 10^13 each, the
                    // book within its bound of 10^16 (engine/headroom.rs).
                    if largest { Decimal::from(2_000) } else { Decimal::ONE }
                }
            };
            // The last traded price (issue 19) moves with the mark to the edge: the base book's is
            // a fraction of its mark of 100, kept as that fraction of the edge price.
            let edge_price = ins.price.initial;
            if let Some(lp) = ins.last_price.as_mut() {
                lp.initial = edge_price;
                for pt in lp.points.iter_mut() {
                    pt.price = (edge_price * pt.price / Decimal::from(100)).round_dp(10);
                }
            }
            ins.lot_size = dec(1, 8);
            ins.price_impact = ins.price_impact * dec(1_234_567, 8);
            for (i, a) in s.accounts.iter_mut().enumerate() {
                if a.id == "vault" || a.id == "mm" {
                    a.cash = max_amount;
                    continue;
                }
                a.cash = if i == smallest { dec(1, 8) } else { amount(a.cash) };
                a.fund_contribution = amount(a.fund_contribution);
                a.reserves = amount(a.reserves);
                if i == 0 {
                    // Collateral in another asset, all 8 places (≈ 1.2 × 10^14 when largest).
                    let units = if largest { Decimal::from(10_000_000_000u64) + places8 } else { places8 };
                    a.collateral.push(CollateralSpec { asset: "BTC".into(), amount: units });
                }
                for p in &mut a.positions {
                    let sign = if p.size < Decimal::ZERO { -Decimal::ONE } else { Decimal::ONE };
                    p.size = p.size * size_scale + sign * (Decimal::ONE + places8);
                }
            }
            for l in &mut s.waterfall {
                match l {
                    LayerSpec::SkinInTheGame { amount: a, .. } => *a = amount(*a),
                    LayerSpec::Assessment { cap_multiple, .. } if largest => *cap_multiple = Decimal::from(100),
                    LayerSpec::Assessment { cap_multiple, .. } => *cap_multiple += places8,
                    _ => {}
                }
            }
            // Temporary capital at the edge too.
            for c in &mut s.capital_injections {
                c.amount = amount(c.amount);
            }
            s
        })
}
