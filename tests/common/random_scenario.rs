//! Random small scenarios and random waterfalls for the property tests (engine and contagion).

use proptest::prelude::*;
use rust_decimal::Decimal;
use spillway::scenario::*;

pub fn dec(x: i64, scale: u32) -> Decimal {
    Decimal::new(x, scale)
}

pub fn layer_strategy() -> impl Strategy<Value = LayerSpec> {
    prop_oneof![
        Just(LayerSpec::DefaulterFundContribution),
        (0i64..5_000).prop_map(|a| LayerSpec::SkinInTheGame { tranche: Tranche::Junior, amount: Decimal::from(a) }),
        (0i64..5_000).prop_map(|a| LayerSpec::SkinInTheGame { tranche: Tranche::Senior, amount: Decimal::from(a) }),
        Just(LayerSpec::InsuranceFund),
        Just(LayerSpec::SurvivorsFund),
        (0i64..30, 1u32..3).prop_map(|(c, m)| LayerSpec::Assessment { cap_multiple: dec(c, 1), max_calls: m }),
        (1u32..4).prop_map(|m| LayerSpec::VariationMarginHaircut { max_steps: m }),
        Just(LayerSpec::SocializedLoss),
        Just(LayerSpec::AutoDeleverage),
        Just(LayerSpec::LpVaultHaircut { account: "vault".into() }),
        Just(LayerSpec::TearUp),
    ]
}

#[derive(Debug, Clone)]
pub struct Acc {
    pub size: i64,
    pub cash: i64,
    pub contribution: i64,
    pub reserves: i64,
    pub isolated: bool,
}

pub fn account_strategy() -> impl Strategy<Value = Acc> {
    (-50i64..50, 10i64..3_000, 0i64..1_000, 0i64..2_000, any::<bool>()).prop_map(|(size, cash, contribution, reserves, isolated)| Acc {
        size: if size == 0 { 1 } else { size },
        cash,
        contribution,
        reserves,
        isolated,
    })
}

pub fn scenario_strategy() -> impl Strategy<Value = Scenario> {
    (
        prop::collection::vec(account_strategy(), 1..7),
        prop::collection::vec(layer_strategy(), 0..6),
        any::<bool>(),
        any::<bool>(),
        -60i64..40,
        1u32..20,
        0i64..20,
        any::<bool>(),
        0u64..1000,
    )
        .prop_map(|(accs, layers, ccp, partial, shock, shock_step, impact, gbm, seed)| {
            let mut s = Scenario { seed, steps: 20, ..Default::default() };
            s.venue.style = if ccp { VenueStyle::Ccp } else { VenueStyle::Exchange };
            s.venue.settlement = if ccp { Settlement::VariationMargin } else { Settlement::Unrealized };
            s.venue.insurance_fund = Decimal::from(500);
            s.venue.partial_liquidation = partial;
            s.venue.auction_discount = dec(3, 2);
            s.instruments.push(Instrument {
                id: "X".into(),
                lot_size: Decimal::ONE,
                tick_size: dec(1, 2),
                price_impact: Decimal::from(impact),
                counterparty: Some("vault".into()),
                funding_rate: if gbm { dec(1, 4) } else { Decimal::ZERO },
                price: PricePath {
                    initial: Decimal::from(100),
                    shocks: vec![Shock { step: shock_step, change: dec(shock, 2) }],
                    gbm: if gbm { Some(Gbm { drift: Decimal::ZERO, volatility: dec(3, 2) }) } else { None },
                    ..Default::default()
                },
                ..Default::default()
            });
            for (i, a) in accs.iter().enumerate() {
                s.accounts.push(AccountSpec {
                    id: format!("a{i}"),
                    role: Role::Member,
                    margin_mode: if a.isolated { MarginMode::Isolated } else { MarginMode::Cross },
                    cash: Decimal::from(a.cash),
                    fund_contribution: Decimal::from(a.contribution),
                    reserves: Decimal::from(a.reserves),
                    positions: vec![PositionSpec { instrument: "X".into(), size: Decimal::from(a.size), ..Default::default() }],
                    ..Default::default()
                });
            }
            s.accounts.push(AccountSpec { id: "vault".into(), role: Role::LpVault, cash: Decimal::from(20_000), ..Default::default() });
            s.waterfall = layers;
            s
        })
}
