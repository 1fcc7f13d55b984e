//! The benchmark book of issue 8 (the float notebook's workload): N cohort accounts, half long and
//! half short (notional ~20k, leverage 2–20×), on one linear perpetual; a seeded GBM path
//! (0.4 %/step) with a −15 % crash at mid-run; flat maintenance 2.5 %; liquidation with linear
//! slippage; 0.5 % fee to the insurance fund; then ADL. A market maker takes the imbalance.
//! Shared by `spillway bench` (native) and the browser worker's engine bench.

use super::{from_json, Scenario, ValidationError};

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
