//! The one random option book of the option and portfolio-margin property suites
//! (`tests/options_engine.rs`, `tests/portfolio_margin.rs`, `tests/portfolio_band.rs`): a
//! perpetual X at 100 with a price gap (and maybe GBM), 1–3 European options on it, accounts
//! holding options (and maybe X), a vault taking every imbalance; exchange (premium style, its
//! option accounts liquidated generically or by Deribit's step-by-step rule) or clearing house
//! (futures style, variation margin). Each suite picks its shape.

// Each suite uses one shape: the others are dead code there.
#![allow(dead_code)]

use proptest::prelude::*;
use rust_decimal::Decimal;
use spillway::scenario::*;
use std::ops::{Range, RangeInclusive};

/// What varies between the suites.
#[derive(Clone, Debug)]
pub struct OptionShape {
    pub steps: u32,
    /// How many options are drawn.
    pub options: Range<usize>,
    pub strikes: Range<i64>,
    pub expiries: Range<u32>,
    /// σ in hundredths.
    pub vols: Range<i64>,
    /// Options paid in coin and settled physically as well as in quote and cash.
    pub coin_and_physical: bool,
    /// A σ shock per option (its change in hundredths and its step); `None`: a flat σ.
    pub vol_shocks: Option<(Range<i64>, Range<u32>)>,
    pub accounts: Range<usize>,
    /// Sizes per account: X first, then each option (as many as drawn: a size past the options drawn is ignored).
    pub sizes: RangeInclusive<i64>,
    pub legs: Range<usize>,
    pub cash: Range<i64>,
    /// Fund contributions drawn in this range; `None`: 50 each.
    pub contributions: Option<Range<i64>>,
    pub gap: Range<i64>,
    pub gap_steps: Range<u32>,
    /// GBM volatility of X in hundredths when drawn.
    pub gbm_vol: i64,
    /// The venue's margin models, one drawn per book (`None` = per instrument).
    pub models: Vec<Option<MarginModelSpec>>,
    /// A random waterfall (insurance, socialized loss, ADL, survivors' fund, tear-up, skin in the
    /// game) and partial liquidation; otherwise insurance fund then socialized loss.
    pub random_waterfall: bool,
    /// A funding rate on X (0 or 1 bp, drawn) and reserves per account (100 × its index).
    pub funding_and_reserves: bool,
}

impl OptionShape {
    /// `tests/options_engine.rs`: per-instrument (standard option) margin, every option kind.
    pub fn standard_margin() -> OptionShape {
        OptionShape {
            steps: 20,
            options: 1..4,
            strikes: 70..130,
            expiries: 3..20,
            vols: 10..150,
            coin_and_physical: true,
            vol_shocks: Some((-50..300, 1..20)),
            accounts: 2..8,
            sizes: -8..=8,
            legs: 4..5,
            cash: 5..800,
            contributions: Some(0..500),
            gap: -60..80,
            gap_steps: 1..20,
            gbm_vol: 3,
            models: vec![None],
            random_waterfall: true,
            funding_and_reserves: false,
        }
    }

    /// `tests/portfolio_margin.rs`: the Deribit-PM-like grid (dampener 50) as the run's margin.
    pub fn grid() -> OptionShape {
        OptionShape {
            steps: 20,
            options: 1..3,
            strikes: 60..140,
            expiries: 4..20,
            vols: 20..120,
            coin_and_physical: false,
            vol_shocks: None,
            accounts: 1..4,
            sizes: -5..=5,
            legs: 1..4,
            cash: 100..3000,
            contributions: None,
            gap: -40..40,
            gap_steps: 1..12,
            gbm_vol: 3,
            models: vec![Some(MarginModelSpec::ScenarioGrid(GridSpec { dampener: Decimal::from(50), ..Default::default() }))],
            random_waterfall: false,
            funding_and_reserves: false,
        }
    }

    /// `tests/portfolio_band.rs`: longer runs under the grid, a narrow grid and SPAN, with σ
    /// shocks and funding, so the slack band has room to skip and reasons to wake.
    pub fn band() -> OptionShape {
        OptionShape {
            steps: 60,
            options: 1..3,
            strikes: 70..130,
            expiries: 10..60,
            vols: 20..120,
            coin_and_physical: false,
            vol_shocks: Some((-30..150, 1..50)),
            accounts: 1..6,
            sizes: -5..=5,
            legs: 1..4,
            cash: 50..3000,
            contributions: None,
            gap: -40..40,
            gap_steps: 1..50,
            gbm_vol: 2,
            models: vec![
                Some(MarginModelSpec::ScenarioGrid(GridSpec { dampener: Decimal::from(50), ..Default::default() })),
                Some(MarginModelSpec::ScenarioGrid(GridSpec { extended: false, buckets: 2, price_range: Decimal::new(8, 2), ..Default::default() })),
                Some(MarginModelSpec::Span(SpanSpec::default())),
            ],
            random_waterfall: false,
            funding_and_reserves: true,
        }
    }
}

#[derive(Clone, Debug)]
struct Opt {
    put: bool,
    strike: i64,
    coin: bool,
    physical: bool,
    expiry: u32,
    vol: i64,
    vol_shock: Option<(i64, u32)>,
}

fn layer() -> impl Strategy<Value = LayerSpec> {
    prop_oneof![
        Just(LayerSpec::InsuranceFund),
        Just(LayerSpec::SocializedLoss),
        Just(LayerSpec::AutoDeleverage),
        Just(LayerSpec::SurvivorsFund),
        Just(LayerSpec::TearUp),
        (0i64..2_000).prop_map(|a| LayerSpec::SkinInTheGame { tranche: Tranche::Junior, amount: Decimal::from(a) }),
    ]
}

/// A random option book of `shape`.
pub fn option_book_of(shape: OptionShape) -> impl Strategy<Value = Scenario> {
    let both = shape.coin_and_physical;
    let shocks = shape.vol_shocks.clone();
    let opt = (any::<bool>(), shape.strikes.clone(), any::<bool>(), any::<bool>(), shape.expiries.clone(), shape.vols.clone(), match shocks {
        Some((c, st)) => (c, st).prop_map(Some).boxed(),
        None => Just(None).boxed(),
    })
        .prop_map(move |(put, strike, coin, physical, expiry, vol, vol_shock)| Opt { put, strike, coin: coin && both, physical: physical && both, expiry, vol, vol_shock });
    let contribution = match shape.contributions.clone() {
        Some(r) => r.boxed(),
        None => Just(50i64).boxed(),
    };
    let acc = (proptest::collection::vec(shape.sizes.clone(), shape.legs.clone()), shape.cash.clone(), contribution);
    let layers = if shape.random_waterfall { proptest::collection::vec(layer(), 0..4).boxed() } else { Just(vec![LayerSpec::InsuranceFund, LayerSpec::SocializedLoss]).boxed() };
    let models = shape.models.clone();
    (
        proptest::collection::vec(opt, shape.options.clone()),
        proptest::collection::vec(acc, shape.accounts.clone()),
        layers,
        (any::<bool>(), shape.gap.clone(), shape.gap_steps.clone(), any::<bool>(), any::<u64>(), any::<bool>()),
        (0..models.len().max(1), any::<bool>(), any::<bool>()),
    )
        .prop_map(move |(opts, accs, layers, (ccp, gap, gap_step, gbm, seed, partial), (model, funding, deribit))| {
            let mut s = Scenario { seed, steps: shape.steps, ..Default::default() };
            s.venue.style = if ccp { VenueStyle::Ccp } else { VenueStyle::Exchange };
            s.venue.settlement = if ccp { Settlement::VariationMargin } else { Settlement::Unrealized };
            s.venue.insurance_fund = Decimal::from(300);
            s.venue.partial_liquidation = shape.random_waterfall && partial;
            s.venue.margin_model = models.get(model).cloned().flatten();
            // An exchange liquidates its option accounts step by step in about half the books
            // (issue 18, option_liquidation.rs); a clearing house has its own close-out.
            if !ccp && deribit {
                // Either order (the seed's parity: it only drives the GBM draws).
                s.venue.option_liquidation = if seed % 2 == 0 { OptionLiquidation::Deribit } else { OptionLiquidation::HedgeFirst };
            }
            s.instruments.push(Instrument {
                id: "X".into(),
                lot_size: Decimal::ONE,
                tick_size: Decimal::new(1, 2),
                counterparty: Some("vault".into()),
                funding_rate: if shape.funding_and_reserves && funding { Decimal::new(1, 4) } else { Decimal::ZERO },
                price: PricePath {
                    initial: Decimal::from(100),
                    shocks: vec![Shock { step: gap_step, change: Decimal::new(gap, 2) }],
                    gbm: gbm.then(|| Gbm { drift: Decimal::ZERO, volatility: Decimal::new(shape.gbm_vol, 2) }),
                    ..Default::default()
                },
                ..Default::default()
            });
            for (k, o) in opts.iter().enumerate() {
                s.instruments.push(Instrument {
                    id: format!("O{k}"),
                    lot_size: Decimal::ONE,
                    tick_size: if o.coin { Decimal::new(1, 4) } else { Decimal::new(1, 2) },
                    counterparty: Some("vault".into()),
                    expiry: Some(Expiry { step: o.expiry, settlement: if o.physical { SettlementKind::Physical } else { SettlementKind::Cash }, ..Default::default() }),
                    option: Some(OptionTerms {
                        on: "X".into(),
                        kind: if o.put { OptionType::Put } else { OptionType::Call },
                        strike: Decimal::from(o.strike),
                        days_per_step: Decimal::ONE,
                        premium: if o.coin { PremiumUnit::Coin } else { PremiumUnit::Quote },
                        volatility: PricePath {
                            initial: Decimal::new(o.vol, 2),
                            shocks: o.vol_shock.map(|(c, st)| vec![Shock { step: st, change: Decimal::new(c, 2) }]).unwrap_or_default(),
                            ..Default::default()
                        },
                        smile: Vec::new(),
                    }),
                    ..Default::default()
                });
            }
            for (i, (sizes, cash, contribution)) in accs.iter().enumerate() {
                let positions = sizes
                    .iter()
                    .enumerate()
                    .filter(|(k, q)| **q != 0 && *k <= opts.len())
                    .map(|(k, q)| PositionSpec { instrument: if k == 0 { "X".into() } else { format!("O{}", k - 1) }, size: Decimal::from(*q), ..Default::default() })
                    .collect();
                s.accounts.push(AccountSpec {
                    id: format!("a{i}"),
                    role: Role::Member,
                    cash: Decimal::from(*cash),
                    fund_contribution: Decimal::from(*contribution),
                    reserves: if shape.funding_and_reserves { Decimal::from(i as i64 * 100) } else { Decimal::ZERO },
                    positions,
                    ..Default::default()
                });
            }
            s.accounts.push(AccountSpec { id: "vault".into(), role: Role::LpVault, cash: Decimal::from(50_000), ..Default::default() });
            s.waterfall = layers;
            s
        })
}
