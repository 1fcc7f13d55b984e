//! The benchmark book of issue 8 (the float notebook's workload): N cohort accounts, half long and
//! half short (notional ~20k, leverage 2–20×), on one linear perpetual; a seeded GBM path
//! (0.4 %/step) with a −15 % crash at mid-run; flat maintenance 2.5 %; liquidation with linear
//! slippage; 0.5 % fee to the insurance fund; then ADL. A market maker takes the imbalance.
//! Shared by `spillway bench` (native) and the browser worker's engine bench.

use super::{from_json, AccountSpec, LayerSpec, Scenario, Settlement, ValidationError};
use rust_decimal::Decimal;

pub fn cohort_book(accounts: u32, steps: u32) -> Result<Scenario, Vec<ValidationError>> {
    let json = format!(
        r#"{{"version":1,"name":"bench","seed":7,"steps":{steps},
        "venue":{{"insurance_fund":"1000000","liquidation_fee":"0.005"}},
        "instruments":[{{"id":"BTC-PERP","tick_size":"0.5","lot_size":"0.001","price_impact":"0.01","counterparty":"mm",
          "margin":{{"initial":"0.05","maintenance":"0.025"}},
          "price":{{"initial":"50000","gbm":{{"drift":"0","volatility":"0.004"}},"shocks":[{{"step":{},"change":"-0.15"}}]}}}}],
        "accounts":[{{"id":"mm","role":"market_maker","cash":"100000000000"}}],
        "cohorts":[{{"id":"longs","count":{},"instrument":"BTC-PERP","side":"long","notional_median":"20000","leverage_min":"2","leverage_max":"20"}},
                   {{"id":"shorts","count":{},"instrument":"BTC-PERP","side":"short","notional_median":"20000","leverage_min":"2","leverage_max":"20"}}],
        "waterfall":[{{"kind":"insurance_fund"}},{{"kind":"auto_deleverage"}}]}}"#,
        steps / 2,
        accounts / 2,
        accounts - accounts / 2
    );
    from_json(&json)
}

/// The loss-allocation strategies issue 14 benchmarks, each alone behind the defaulter's margin
/// (no insurance fund before it), so every default's bad debt reaches it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    SocializedLoss,
    AutoDeleverage,
    /// Variation-margin gains haircut over up to 3 steps (the venue settles variation margin).
    VmGainsHaircut,
    /// 100 clearing members' contributions, then assessments up to 1× contribution.
    SurvivorsFundAssessments,
    LpVaultHaircut,
}

impl Strategy {
    pub const ALL: [Strategy; 5] =
        [Strategy::SocializedLoss, Strategy::AutoDeleverage, Strategy::VmGainsHaircut, Strategy::SurvivorsFundAssessments, Strategy::LpVaultHaircut];

    /// The name `spillway bench --waterfall=NAME` takes.
    pub fn id(self) -> &'static str {
        match self {
            Strategy::SocializedLoss => "socialized",
            Strategy::AutoDeleverage => "adl",
            Strategy::VmGainsHaircut => "vmgh",
            Strategy::SurvivorsFundAssessments => "survivors",
            Strategy::LpVaultHaircut => "lp-vault",
        }
    }

    pub fn by_id(id: &str) -> Option<Strategy> {
        Strategy::ALL.into_iter().find(|s| s.id() == id)
    }
}

/// [`cohort_book`] with its loss going to `strategy` alone.
pub fn strategy_book(accounts: u32, steps: u32, strategy: Strategy) -> Result<Scenario, Vec<ValidationError>> {
    let mut s = cohort_book(accounts, steps)?;
    let d = |x: i64| Decimal::from(x);
    s.waterfall = match strategy {
        Strategy::SocializedLoss => vec![LayerSpec::SocializedLoss],
        Strategy::AutoDeleverage => vec![LayerSpec::AutoDeleverage],
        Strategy::VmGainsHaircut => {
            s.venue.settlement = Settlement::VariationMargin;
            vec![LayerSpec::VariationMarginHaircut { max_steps: 3 }]
        }
        Strategy::SurvivorsFundAssessments => {
            s.accounts.extend((1..=100).map(|k| AccountSpec {
                id: format!("member-{k}"),
                cash: d(1_000_000),
                fund_contribution: d(100_000),
                reserves: d(10_000_000),
                ..Default::default()
            }));
            vec![LayerSpec::SurvivorsFund, LayerSpec::Assessment { cap_multiple: d(1), max_calls: 1_000_000, period_cap_multiple: None, cooling_off_steps: None, from_collateral: false }]
        }
        Strategy::LpVaultHaircut => {
            s.accounts.push(AccountSpec { id: "vault".into(), cash: d(1_000_000_000), ..Default::default() });
            vec![LayerSpec::LpVaultHaircut { account: "vault".into() }]
        }
    };
    super::validate(&s)?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_book_validates_at_both_sizes() {
        for n in [100, 10_000] {
            let s = super::cohort_book(n, 1000).unwrap();
            assert_eq!(s.cohorts.iter().map(|c| c.count).sum::<u32>() + 1, n + 1);
        }
    }
}
