//! Mark price and last traded price (issue 19). Crypto venues mark positions at a fair price (an
//! index plus a smoothed basis) so that a wick in the traded price, thin book or manipulated,
//! does not liquidate anyone; the liquidation engine then trades on the book, at the last price.
//! The scenario's `price` path is the mark; an instrument's optional `last_price` path is where
//! its liquidations and close-outs fill (docs/scenario.md, "instruments[].last_price").

use super::market::Market;
use rust_decimal::Decimal;

impl Market {
    /// Source: BitMEX "Fair Price Marking" (bitmex.com/app/fairPriceMarking: the mark is the fair price, index plus a basis, not the last price; it moves the liquidation price and unrealized PnL, not realized PnL) and WhiteBIT's liquidation docs (mark price is the trigger, a wick in the book is not): fills happen at the traded price.
    /// The price a close of instrument `inst` fills at, before its price impact, at step `t`: the
    /// instrument's last traded price when the scenario gives one, else the mark.
    #[inline]
    pub fn last_price(&self, inst: usize, t: u32) -> Decimal {
        match self.last.get(inst).and_then(|m| m.get(t as usize)) {
            Some(p) => *p,
            None => self.mark(inst, t),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{simulate, EventKind, Status, Timeline};
    use rust_decimal::Decimal;

    fn d(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    /// L: cash 100, long 10 PERP entered at 100; margin 10 % / 5 %, no liquidation fee; the
    /// insurance fund (1,000) behind L's own margin. `mark` is the `price` path, `last` the
    /// instrument's `last_price` field (or nothing).
    fn run(mark: &str, last: &str, impact: &str) -> Timeline {
        let last = if last.is_empty() { String::new() } else { format!(r#","last_price":{last}"#) };
        let json = format!(
            r#"{{"version":1,"steps":4,"venue":{{"insurance_fund":"1000","liquidation_fee":"0"}},
            "instruments":[{{"id":"PERP","lot_size":"1","counterparty":"mm","price_impact":"{impact}",
              "margin":{{"initial":"0.1","maintenance":"0.05"}},"price":{mark}{last}}}],
            "accounts":[{{"id":"L","cash":"100","positions":[{{"instrument":"PERP","size":"10","entry_price":"100"}}]}},
                        {{"id":"mm","role":"market_maker","cash":"1000000"}}],
            "waterfall":[{{"kind":"defaulter_margin"}},{{"kind":"insurance_fund"}}]}}"#
        );
        let s = crate::scenario::from_json(&json).expect("scenario");
        simulate(&s).expect("runs")
    }

    fn liquidations(t: &Timeline) -> usize {
        t.events.iter().filter(|e| matches!(e.kind, EventKind::Liquidation | EventKind::PartialLiquidation)).count()
    }

    /// A wick in the last price does not liquidate on mark. The mark goes 100 → 96 at step 2;
    /// the last price wicks to 80 there and comes back to 96. At the mark: equity
    /// 100 + 10 × (96 − 100) = 60 against maintenance 5 % × 10 × 96 = 48: healthy. Had the wick
    /// been the mark, equity 100 + 10 × (80 − 100) = −100 < 40: liquidated (the control run).
    #[test]
    fn a_wick_in_the_last_price_does_not_liquidate_on_mark() {
        let mark = r#"{"initial":"100","points":[{"step":2,"price":"96"}]}"#;
        let wick = r#"{"initial":"100","points":[{"step":1,"price":"98"},{"step":2,"price":"80"},{"step":3,"price":"96"}]}"#;
        let t = run(mark, wick, "0");
        assert_eq!(liquidations(&t), 0);
        assert_eq!(t.status_at(0, 4), Status::Healthy);
        assert_eq!(t.summary.deficit, Decimal::ZERO);
        t.conservation().expect("conserves");
        // The same wick as the mark liquidates.
        let control = run(wick, "", "0");
        assert!(liquidations(&control) > 0);
        assert_ne!(control.status_at(0, 4), Status::Healthy);
    }

    /// Mark and last differ at the fill, and the loss shows the difference. The mark falls to 94
    /// at step 2: equity 100 + 10 × (94 − 100) = 40 < maintenance 5 % × 10 × 94 = 47, so L is
    /// liquidated. The last price there is 88; the close of 10 at an impact of 10 per 1,000,000
    /// of notional slips 10 × (10 × 88) / 1,000,000 = 0.0088: 88 × (1 − 0.0088) = 87.2256, on
    /// the tick 87.23. Realized 10 × (87.23 − 100) = −127.70: L's margin of 100 pays, 27.70 goes
    /// to the insurance fund (deficit 127.70).
    /// Without a last price the same close fills at the mark: slip 10 × 940 / 1,000,000 = 0.0094,
    /// 94 × (1 − 0.0094) = 93.1164 → 93.12, realized −68.80, no deficit, L keeps 31.20.
    /// The difference, 127.70 − 68.80 = 58.90 = 10 × (93.12 − 87.23), is the fill at last.
    #[test]
    fn a_close_fills_at_the_last_price_and_the_loss_shows_the_difference() {
        let mark = r#"{"initial":"100","points":[{"step":2,"price":"94"}]}"#;
        let last = r#"{"initial":"100","points":[{"step":1,"price":"97"},{"step":2,"price":"88"},{"step":3,"price":"94"}]}"#;
        let t = run(mark, last, "10");
        assert_eq!(liquidations(&t), 1);
        assert_eq!(t.summary.deficit, d("127.70"));
        assert_eq!(t.summary.by_layer, vec![d("100"), d("27.70")]);
        assert_eq!(t.summary.unallocated, Decimal::ZERO);
        let text = t.events.iter().find(|e| e.kind == EventKind::Liquidation).map(|e| e.text()).unwrap_or_default();
        assert!(text.contains("87.23") && text.contains("94"), "{text}");
        t.conservation().expect("conserves");

        let at_mark = run(mark, "", "10");
        assert_eq!(liquidations(&at_mark), 1);
        assert_eq!(at_mark.summary.deficit, Decimal::ZERO);
        assert_eq!(at_mark.snapshot_at(0, 4).expect("L").collateral.first().copied(), Some(d("31.20")));
        assert_eq!(t.summary.deficit - (d("100") - d("31.20")), d("58.90"));
    }

    /// The field is validated by name, scripted only, and not written when absent (old links
    /// and digests read unchanged).
    #[test]
    fn last_price_is_validated_by_name_and_absent_when_not_given() {
        let base = |last: &str| format!(r#"{{"version":1,"steps":2,"instruments":[{{"id":"X","price":{{"initial":"100"}}{last}}}],"accounts":[{{"id":"a","cash":"1"}}]}}"#);
        let err = |last: &str| crate::scenario::from_json(&base(last)).err().map(|e| format!("{e:?}")).unwrap_or_default();
        assert!(err(r#","last_price":{"initial":"0"}"#).contains("instruments[0].last_price.initial"));
        assert!(err(r#","last_price":{"initial":"100","points":[{"step":3,"price":"90"}]}"#).contains("instruments[0].last_price.points[0].step"));
        assert!(err(r#","last_price":{"initial":"100","gbm":{"drift":"0","volatility":"0.1"}}"#).contains("instruments[0].last_price.gbm"));
        assert!(err(r#","last_price":{"initial":"100","shocks":[{"step":1,"change":"-1"}]}"#).contains("instruments[0].last_price.shocks[0].change"));
        let s = crate::scenario::from_json(&base("")).expect("valid");
        assert!(!serde_json::to_string(&s.instruments).expect("json").contains("last_price"));
        let s = crate::scenario::from_json(&base(r#","last_price":{"initial":"100"}"#)).expect("valid");
        assert!(serde_json::to_string(&s.instruments).expect("json").contains(r#""last_price":{"initial":"100""#));
    }

    /// A share link carries the new fields (issue 19): the last price path, an assessment paid
    /// from collateral and an initial-margin haircut read back as written.
    #[test]
    fn links_carry_the_last_price_and_the_new_layers() {
        let json = r#"{"version":1,"steps":3,"venue":{"style":"ccp"},
            "instruments":[{"id":"X","price":{"initial":"100"},"last_price":{"initial":"100","points":[{"step":2,"price":"91.5"}],"shocks":[{"step":3,"change":"-0.1"}]}}],
            "accounts":[{"id":"m","role":"member","cash":"1","fund_contribution":"1"}],
            "waterfall":[{"kind":"assessment","from_collateral":true},{"kind":"im_haircut","cap_fraction":"0.3"}]}"#;
        let s = crate::scenario::from_json(json).expect("scenario");
        let back = crate::scenario::codec::decode(&crate::scenario::codec::encode(&s, None)).expect("decodes");
        assert_eq!(back.scenario, s);
        assert!(back.scenario.instruments[0].last_price.is_some());
    }

    /// The book's money bound counts the last price (engine/headroom.rs): an inverse contract
    /// marked at 0.0000012345 whose trades print at 100 would close 10^12 units at 8 × 10^7 times
    /// their entry, far past the bound, where the run lost a unit of 10^-8 to Decimal's 28 digits
    /// (found by numeric_domain's edge scenarios). It is refused with the figures; without the
    /// last price the same book runs.
    #[test]
    fn a_last_price_far_above_the_mark_counts_in_the_books_money_bound() {
        let json = |last: &str| format!(
            r#"{{"version":1,"steps":3,"instruments":[{{"id":"I","kind":"inverse","contract_size":"1000","tick_size":"0.0000000001","lot_size":"1",
              "counterparty":"mm","price":{{"initial":"0.0000012345"}}{last}}}],
            "accounts":[{{"id":"a","cash":"1000000000000","positions":[{{"instrument":"I","size":"1000000000"}}]}},
                        {{"id":"mm","role":"market_maker","cash":"1000000000000"}}]}}"#
        );
        let s = crate::scenario::from_json(&json(r#","last_price":{"initial":"100"}"#)).expect("valid");
        let e = simulate(&s).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("accounts["), "{e}");
        let s = crate::scenario::from_json(&json("")).expect("valid");
        assert!(simulate(&s).is_ok());
    }
}
