//! An exchange's liquidation of a margin group (the cross positions, or one isolated position):
//! partial when a quarter, half or three quarters restores maintenance; otherwise closed in full,
//! with the penalty to the insurance fund and any deficit to the waterfall.

use super::account::{collateral_value, position_requirements, valuate, Pos, Status};
use super::ledger::names;
use super::money::{mul_div, to_money, Checked, EngineResult};
use super::state::{Bankrupt, Closed, Group, Notionals, Sim};
use super::timeline::*;
use super::margin::position_prices_linear;
use crate::scenario::ContractKind;
use rust_decimal::Decimal;

impl<'a> Sim<'a> {
    /// The liquidation and bankruptcy prices of position `i` of account `a`, alone in its margin
    /// group with equity `group_equity` at step `t`'s mark, for the liquidation's sentence (prices
    /// rounded to 8 places, as the event stores prices). `None` where the group's equity is not
    /// linear in the price: an inverse contract, or cross margin on collateral other than the
    /// quote currency (its value moves with prices too).
    fn position_prices(&self, a: usize, i: usize, cross: bool, group_equity: Decimal, t: u32) -> Option<(Decimal, Decimal)> {
        let acct = self.accts.get(a)?;
        let p = acct.snap.positions.get(i)?;
        let meta = self.m.meta(p.inst)?;
        // An option's margin is not the notional rate: the Binance prices do not apply.
        if meta.kind != ContractKind::Linear || meta.option.is_some() || cross && acct.snap.collateral.iter().skip(1).any(|x| !x.is_zero()) {
            return None;
        }
        let units = p.size.checked_mul(meta.contract_size)?;
        let (lp, bp) = position_prices_linear(&meta.margin, group_equity, units, self.m.mark(p.inst, t)).ok()?;
        Some((lp.round_dp(8), bp.round_dp(8)))
    }

    /// What the liquidated position's margin was, for the sentence: its isolated margin (`c0`)
    /// when isolated, and its risk-limit tier at mark when the instrument has tiers.
    pub(in crate::engine) fn liq_basis(&self, p: &Pos, cross: bool, c0: Decimal, mark: Decimal) -> EngineResult<LiqBasis> {
        let tiers = self.m.meta(p.inst).map(|x| &x.margin.tiers[..]).unwrap_or(&[]);
        let tier = if tiers.len() > 1 {
            let notional = self.m.notional(p.inst, p.size, mark)?.abs();
            let k = tiers.partition_point(|t| t.floor <= notional).max(1);
            tiers.get(k - 1).map(|t| TierNote { tier: k as u32, of: tiers.len() as u32, maintenance: t.maintenance, notional })
        } else {
            None
        };
        Ok(LiqBasis { isolated: (!cross).then_some(c0), tier })
    }

    /// `fraction` of position `p`, signed, rounded down to whole lots (venues trade lots); the
    /// whole position when that leaves nothing or less than a lot to close.
    pub(in crate::engine) fn partial_size(&self, p: &Pos, fraction: Decimal) -> Decimal {
        if fraction >= Decimal::ONE {
            return p.size;
        }
        let lot = self.m.meta.get(p.inst).map(|x| x.lot_size).filter(|l| *l > Decimal::ZERO).unwrap_or(Decimal::ONE);
        let lots = (p.size.abs() * fraction / lot).floor();
        let part = lots * lot;
        if part <= Decimal::ZERO || part >= p.size.abs() {
            p.size
        } else if p.size < Decimal::ZERO {
            -part
        } else {
            part
        }
    }

    /// Source: Binance USDⓈ-M liquidation and BitMEX's liquidation engine, closed beyond the bankruptcy price the insurance fund pays (domain.md §2, §4).
    /// Exchange liquidation of a margin group (the cross positions, or one isolated position):
    /// close at mark with slippage; penalty to the insurance fund while the group can pay; what
    /// it cannot pay is its deficit.
    pub(in crate::engine) fn liquidate(&mut self, a: usize, idx: &[usize], t: u32, group_equity: Decimal, cross: bool) -> EngineResult<()> {
        // A backstop vault takes the group over instead of the book (backstop.rs).
        if self.backstop_takeover(a, idx, t, group_equity, cross)? {
            return Ok(());
        }
        let venue = &self.s.venue;
        let fee_rate = venue.liquidation_fee;
        let max_slip = venue.max_slippage;
        // Partial liquidation: the smallest quarter that brings the group back above maintenance.
        let mut fraction = Decimal::ONE;
        if venue.partial_liquidation {
            for q in [Decimal::new(25, 2), Decimal::new(5, 1), Decimal::new(75, 2)] {
                let mut eq = group_equity;
                let mut mm_after = Decimal::ZERO;
                // A fraction that rounds to every whole position is no partial liquidation: it
                // would pass the check trivially (nothing left to margin) and pre-empt a larger
                // fraction that keeps part of the book (issue 19: a quarter under one lot).
                let mut keeps_some = false;
                let mut rests: Vec<Pos> = Vec::new();
                for &i in idx {
                    let Some(p) = self.accts[a].snap.positions.get(i) else { continue }; // ok: a < len
                    let mark = self.m.mark(p.inst, t);
                    let part = self.partial_size(p, q);
                    keeps_some |= part != p.size;
                    // The equity is at mark; the close fills at the last traded price.
                    let px = self.m.exec_price(p.inst, part, self.m.last_price(p.inst, t), Decimal::ZERO, max_slip)?;
                    let slip = self.m.pnl_at(p.inst, part, mark, px)?; // ≤ 0
                    let fee = fee_rate.mul_c(self.m.notional(p.inst, part, mark)?, "liquidation fee")?;
                    eq = eq + slip - fee;
                    let rest = Pos { size: p.size - part, ..p.clone() };
                    if self.m.pm(a).is_none() || !cross {
                        mm_after += position_requirements(&self.m, &rest, t)?.0;
                    }
                    rests.push(rest);
                }
                // Portfolio margin (issue 18): what is left is margined together.
                if self.m.pm(a).is_some() && cross {
                    mm_after = super::account::cross_requirements(&self.m, self.m.pm(a), &rests, t)?.0;
                }
                if keeps_some && eq >= mm_after && eq > Decimal::ZERO {
                    fraction = q;
                    break;
                }
            }
        }
        let c0 = if cross {
            collateral_value(&self.m, &self.accts[a].snap.collateral, t)? // ok: a < len
        } else {
            idx.first().and_then(|&i| self.accts[a].snap.positions.get(i)).and_then(|p| p.isolated).unwrap_or_default() // ok: a < len
        };
        self.set_status(a, Status::Liquidating);
        let mut realized_total = Decimal::ZERO;
        let mut iso_total = Decimal::ZERO;
        let mut fee_base = Decimal::ZERO;
        let mut info = Closed::new();
        let mut notionals = Notionals::new();
        // Only the position of a one-position group has its own liquidation and bankruptcy prices.
        let prices = match idx {
            [i] if self.full => self.position_prices(a, *i, cross, group_equity, t),
            _ => None,
        };
        let mut sorted = Group::from_slice(idx);
        sorted.sort_unstable_by(|x, y| y.cmp(x));
        for i in sorted {
            let Some(p) = self.accts[a].snap.positions.get(i).cloned() else { continue }; // ok: a < len
            let mark = self.m.mark(p.inst, t);
            let qty = self.partial_size(&p, fraction).abs();
            let signed = if p.size < Decimal::ZERO { -qty } else { qty };
            // Triggered at mark, filled at the last traded price (Market::last_price).
            let px = self.m.exec_price(p.inst, signed, self.m.last_price(p.inst, t), Decimal::ZERO, max_slip)?;
            let (r, iso) = self.close_part(a, i, qty, px, t)?;
            realized_total += r;
            iso_total += iso;
            let n = self.m.notional(p.inst, signed, mark)?;
            fee_base += n;
            notionals.push(n);
            info.push(Bankrupt { inst: p.inst, size: signed, per_unit: Decimal::ZERO });
            // Partial only where part of the position stays open.
            let partial = qty < p.size.abs();
            let basis = if self.full { self.liq_basis(&p, cross, c0, mark)? } else { LiqBasis::default() };
            let msg = Msg::Liquidated { name: self.who(a), size: signed, inst: self.inst_id(p.inst).into(), partial, price: px, mark, prices, basis };
            let kind = if partial { EventKind::PartialLiquidation } else { EventKind::Liquidation };
            self.event(t, Some(a), kind, msg, Some(r), None);
        }
        // Group result before the penalty.
        let mut group = if cross {
            self.cash_add(a, realized_total)?;
            let rest: Vec<Pos> = self.accts[a].snap.positions.iter().filter(|p| p.isolated.is_none()).cloned().collect(); // ok: a < len
            let equity = valuate(&self.m, self.m.pm(a), &self.accts[a].snap.collateral, &rest, t)?.cross_equity; // ok: a < len
            // Only a defaulter's collateral is sold (at its haircut value, the value the equity
            // already counts); a solvent account keeps its assets (issue 19).
            if rest.is_empty() && equity < Decimal::ZERO {
                self.sell_collateral(a, t)?;
            }
            equity
        } else {
            let g = iso_total + realized_total;
            self.cash_add(a, g)?;
            g
        };
        group -= self.pay_liquidation_penalty(a, t, fee_rate.mul_c(fee_base, "liquidation fee")?, group, &info)?;
        let positions_left = !self.accts[a].snap.positions.is_empty(); // ok: a < len
        if group < Decimal::ZERO && fraction == Decimal::ONE {
            self.liquidation_deficit(a, t, c0, -group, info, &notionals)?;
        } else if !positions_left {
            self.set_status(a, Status::Liquidated);
        } else if fraction < Decimal::ONE {
            // Back above maintenance; the next check that finds it so makes it healthy again.
            self.set_status(a, Status::Liquidating);
        } else {
            self.set_status(a, Status::Healthy);
        }
        Ok(())
    }
}

impl<'a> Sim<'a> {
    /// The liquidation penalty of account `a` at step `t`: `fee` (a rate × the closed notional)
    /// to money, at most what the group's `equity` can pay, to the insurance fund of the closed
    /// instruments `closed` (or the venue's). Returns what was paid.
    pub(in crate::engine) fn pay_liquidation_penalty(&mut self, a: usize, t: u32, fee: Decimal, equity: Decimal, closed: &[Bankrupt]) -> EngineResult<Decimal> {
        let fee = to_money(fee).min(equity.max(Decimal::ZERO));
        if fee <= Decimal::ZERO {
            return Ok(Decimal::ZERO);
        }
        self.cash_add(a, -fee)?;
        let to = match self.penalty_fund(closed) {
            Some(k) => {
                if let Some(Some(x)) = self.inst_insurance.get_mut(k) {
                    *x = x.add_c(fee, "insurance fund")?;
                }
                self.inst_insurance_name(k)
            }
            None => {
                self.insurance = self.insurance.add_c(fee, "insurance fund")?;
                self.vn(names::INSURANCE)
            }
        };
        self.layers_dirty = true;
        let n = self.acct_name(a);
        self.post(t, to, n, fee, "liquidation penalty".into());
        let msg = Msg::Penalty { fee, name: self.who(a) };
        self.event(t, Some(a), EventKind::LiquidationFee, msg, Some(fee), None);
        Ok(fee)
    }

    /// A liquidated group closed beyond its bankruptcy: the deficit `d` (its margin `c0` spent)
    /// is spread over the positions closed (`info`, by `notionals`) and goes down the waterfall.
    /// The account is bankrupt, or still liquidating while it holds other (isolated) positions.
    pub(in crate::engine) fn liquidation_deficit(&mut self, a: usize, t: u32, c0: Decimal, d: Decimal, mut info: Closed, notionals: &[Decimal]) -> EngineResult<()> {
        let positions_left = !self.accts[a].snap.positions.is_empty(); // ok: a < len
        self.accts[a].defaulter = !positions_left; // ok: a < len
        self.defaults += 1;
        self.set_status(a, if positions_left { Status::Liquidating } else { Status::Bankrupt });
        let msg = Msg::BeyondBankruptcy { name: self.who(a), deficit: d, margin: c0.max(Decimal::ZERO) };
        self.event(t, Some(a), EventKind::Bankruptcy, msg, Some(d), None);
        spread_bad_debt(&mut info, notionals, d)?;
        self.allocate(a, t, c0.max(Decimal::ZERO), d, &info)
    }
}

/// Spread a group's bad debt over its closed positions by notional: bad debt per contract.
pub(super) fn spread_bad_debt(info: &mut [Bankrupt], notionals: &[Decimal], d: Decimal) -> EngineResult<()> {
    let total: Decimal = notionals.iter().copied().sum();
    if total.is_zero() || d.is_zero() {
        return Ok(());
    }
    for (b, n) in info.iter_mut().zip(notionals) {
        let share = mul_div(d, *n, total, "bad debt share")?;
        b.per_unit = share.div_c(b.size.abs(), "bad debt per contract")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    /// domain.md §2's isolated long (entry 10,000, margin 1,000, MMR 0.5 %) has liquidation price
    /// 9,045.23 and bankruptcy price 9,000: the liquidation's sentence says so, whatever the mark
    /// the step's check found it at. A short on a cross account says its own.
    #[test]
    fn the_liquidation_sentence_names_the_liquidation_and_bankruptcy_prices() {
        let json = r#"{"version":1,"seed":1,"steps":10,
            "venue":{"insurance_fund":"100000","liquidation_fee":"0.01"},
            "instruments":[{"id":"BTC-PERP","tick_size":"0.5","lot_size":"0.001","counterparty":"mm",
              "margin":{"initial":"0.01","maintenance":"0.005"},
              "price":{"initial":"10000","points":[{"step":5,"price":"10000"},{"step":6,"price":"8990"},{"step":10,"price":"8990"}]}}],
            "accounts":[{"id":"mm","role":"market_maker","cash":"100000000"},
                        {"id":"long","name":"Long","cash":"1000","margin_mode":"isolated",
                         "positions":[{"instrument":"BTC-PERP","size":"1","entry_price":"10000"}]}]}"#;
        let s = crate::scenario::from_json(json).expect("scenario");
        let t = crate::engine::simulate(&s).expect("runs");
        let texts: Vec<String> = t.events.iter().filter(|e| e.kind == crate::engine::EventKind::Liquidation).map(|e| e.text()).collect();
        assert!(
            texts.iter().any(|x| x.starts_with("Long's 1 BTC-PERP liquidated at ")
                && x.contains("; liquidation price 9,045.23, bankruptcy 9,000.00).")
                && x.ends_with(" Isolated margin: only the $1k set aside for this position was at risk; the rest of the account is untouched.")),
            "{texts:?}"
        );
    }

    /// The margin-modes preset's tier table (1 % to $100k, 2.5 % to $500k, 5 % above): Wendy's
    /// 60 BTC liquidated at a mark of 9,200 are $552,000 of notional, tier 3 of 3 at 5 %; Mina's
    /// 1 BTC at 9,067 is tier 1 at 1 %. A flat-rate instrument names no tier (test above).
    #[test]
    fn the_liquidation_sentence_names_the_risk_limit_tier() {
        let p = crate::scenario::presets::by_id("margin-modes").expect("preset");
        let t = crate::engine::simulate(&p.scenario).expect("runs");
        let text = |who: &str| t.events.iter().find(|e| e.kind == crate::engine::EventKind::Liquidation && e.text().starts_with(who)).map(|e| e.text()).unwrap_or_default();
        assert!(text("Wendy").ends_with(" Its notional of $552k sits in maintenance tier 3 of 3 (5%): the larger the position, the higher the rate."), "{}", text("Wendy"));
        assert!(text("Mina").contains("(mark 9,067;") && text("Mina").contains("maintenance tier 1 of 3 (1%)"), "{}", text("Mina"));
        assert!(!text("Carol").contains("liquidated"), "Carol's cross margin rides the fall out");
        assert!(text("Ivan").contains("Isolated margin: only the $350.00 set aside"), "{}", text("Ivan"));
    }
}

#[cfg(test)]
mod issue19_tests {
    use crate::engine::{simulate, EventKind, Status};
    use rust_decimal::Decimal;

    fn d(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    /// Issue 19's reproducer: 3 lots long at 100, cash 40; at 90 the equity is 40 − 30 = 10 under
    /// maintenance 0.05 × 270 = 13.50. A quarter (0.75 lot) rounds to nothing: no partial
    /// candidate. Half closes 1 lot: fee 0.01 × 90 = 0.90, equity 10 − 0.90 = 9.10 ≥ maintenance
    /// 0.05 × 180 = 9.00. Two lots stay; the next check (still 90) finds it healthy.
    #[test]
    fn a_quarter_under_one_lot_is_no_candidate() {
        let json = r#"{"version":1,"steps":3,"venue":{"style":"exchange","insurance_fund":"100","liquidation_fee":"0.01","partial_liquidation":true},"instruments":[{"id":"PERP","lot_size":"1","counterparty":"mm","margin":{"initial":"0.1","maintenance":"0.05"},"price":{"initial":"100","points":[{"step":1,"price":"90"},{"step":3,"price":"90"}]}}],"accounts":[{"id":"L","cash":"40","positions":[{"instrument":"PERP","size":"3"}]},{"id":"mm","role":"market_maker","cash":"1000000"}]}"#;
        let s = crate::scenario::from_json(json).expect("scenario");
        let t = simulate(&s).expect("runs");
        let fees: Vec<Decimal> = t.events.iter().filter(|e| e.kind == EventKind::LiquidationFee).filter_map(|e| e.amount).collect();
        assert_eq!(fees, vec![d("0.90")]);
        assert_eq!(t.insurance_at(1), d("100.90"));
        let v = t.account_at(0, 1);
        assert_eq!(v.equity, d("9.10"));
        assert_eq!(v.positions, vec![("PERP".to_string(), d("2"))]);
        assert!(t.events.iter().any(|e| e.kind == EventKind::PartialLiquidation));
        assert_eq!(t.status_at(0, 1), Status::Liquidating);
        // Back above maintenance at the next check: no longer liquidating.
        assert_eq!(t.status_at(0, 2), Status::Healthy);
        assert_eq!(t.status_at(0, 3), Status::Healthy);
    }

    /// One lot: every fraction rounds to the whole position, so it is a full liquidation, named so
    /// and ending `liquidated` (not `liquidating` with no position). Cash 12, 1 lot at 100 → 90:
    /// equity 2 < 4.50; closed for −10, fee 0.90 from the 2 left: 1.10.
    #[test]
    fn a_position_under_two_lots_is_closed_in_full() {
        let json = r#"{"version":1,"steps":2,"venue":{"style":"exchange","insurance_fund":"100","liquidation_fee":"0.01","partial_liquidation":true},"instruments":[{"id":"PERP","lot_size":"1","counterparty":"mm","margin":{"initial":"0.1","maintenance":"0.05"},"price":{"initial":"100","points":[{"step":1,"price":"90"}]}}],"accounts":[{"id":"L","cash":"12","positions":[{"instrument":"PERP","size":"1"}]},{"id":"mm","role":"market_maker","cash":"1000000"}]}"#;
        let s = crate::scenario::from_json(json).expect("scenario");
        let t = simulate(&s).expect("runs");
        assert!(!t.events.iter().any(|e| e.kind == EventKind::PartialLiquidation));
        assert!(t.events.iter().any(|e| e.kind == EventKind::Liquidation));
        assert_eq!(t.status_at(0, 1), Status::Liquidated);
        assert_eq!(t.account_at(0, 1).equity, d("1.10"));
    }

    /// A solvent account keeps its non-quote collateral when its last position closes: 1 BTC
    /// (10,000, haircut 20 %) beside a cash-settled future stays 1 BTC, cash unchanged.
    #[test]
    fn a_solvent_account_keeps_its_collateral_at_expiry() {
        let json = r#"{"version":1,"steps":3,"venue":{"style":"exchange","insurance_fund":"100"},
            "assets":[{"id":"BTC","price":"10000","haircut":"0.2"}],
            "instruments":[{"id":"F","lot_size":"1","counterparty":"mm","margin":{"initial":"0.1","maintenance":"0.05"},
              "expiry":{"step":2,"settlement":"cash"},"price":{"initial":"100"}}],
            "accounts":[{"id":"A","cash":"100","collateral":[{"asset":"BTC","amount":"1"}],"positions":[{"instrument":"F","size":"1"}]},
                        {"id":"mm","role":"market_maker","cash":"1000000"}]}"#;
        let s = crate::scenario::from_json(json).expect("scenario");
        let t = simulate(&s).expect("runs");
        let snap = t.snapshot_at(0, 3).expect("snapshot");
        assert_eq!(snap.collateral.first().copied(), Some(d("100")));
        assert_eq!(snap.collateral.get(1).copied(), Some(d("1")));
        assert_eq!(t.status_at(0, 3), Status::Settled);
    }

    /// ... and at a solvent liquidation: cash 2 and 0.001 BTC (worth 10, 8 after the haircut), 1
    /// lot long at 100 → 92: equity 2 + 8 − 8 = 2 < 4.60. Closed for −8 (cash −6), fee 0.92 paid
    /// from the equity of 2: cash −6.92, equity −6.92 + 8 = 1.08, and the BTC stays.
    #[test]
    fn a_solvent_liquidation_keeps_the_collateral() {
        let json = r#"{"version":1,"steps":2,"venue":{"style":"exchange","insurance_fund":"100","liquidation_fee":"0.01"},
            "assets":[{"id":"BTC","price":"10000","haircut":"0.2"}],
            "instruments":[{"id":"PERP","lot_size":"1","counterparty":"mm","margin":{"initial":"0.1","maintenance":"0.05"},
              "price":{"initial":"100","points":[{"step":1,"price":"92"}]}}],
            "accounts":[{"id":"A","cash":"2","collateral":[{"asset":"BTC","amount":"0.001"}],"positions":[{"instrument":"PERP","size":"1"}]},
                        {"id":"mm","role":"market_maker","cash":"1000000"}]}"#;
        let s = crate::scenario::from_json(json).expect("scenario");
        let t = simulate(&s).expect("runs");
        let snap = t.snapshot_at(0, 1).expect("snapshot");
        assert_eq!(snap.collateral.first().copied(), Some(d("-6.92")));
        assert_eq!(snap.collateral.get(1).copied(), Some(d("0.001")));
        assert_eq!(t.account_at(0, 1).equity, d("1.08"));
        assert_eq!(t.status_at(0, 1), Status::Liquidated);
        assert_eq!(t.summary.deficit, Decimal::ZERO);
    }

    /// A bankruptcy at cash settlement counts the defaulter's margin as the first layer: short 1
    /// at 100 with cash 30, settled at 140 → −40: margin 30 first, bad debt 10 (insurance fund).
    #[test]
    fn settlement_bankruptcy_counts_the_margin_first() {
        let json = r#"{"version":1,"steps":3,"venue":{"style":"exchange","insurance_fund":"100"},
            "instruments":[{"id":"F","lot_size":"1","counterparty":"mm","margin":{"initial":"0.1","maintenance":"0.05"},
              "expiry":{"step":2,"settlement":"cash"},"price":{"initial":"100","points":[{"step":1,"price":"100"},{"step":2,"price":"140"}]}}],
            "accounts":[{"id":"S","cash":"30","positions":[{"instrument":"F","size":"-1"}]},
                        {"id":"mm","role":"market_maker","cash":"1000000"}],
            "waterfall":[{"kind":"defaulter_margin"},{"kind":"insurance_fund"}]}"#;
        let s = crate::scenario::from_json(json).expect("scenario");
        let t = simulate(&s).expect("runs");
        assert_eq!(t.summary.deficit, d("40"));
        assert_eq!(t.summary.bad_debt, d("10"));
        assert_eq!(t.summary.unallocated, Decimal::ZERO);
        assert_eq!(t.summary.by_layer.first().copied(), Some(d("30")));
        assert_eq!(t.insurance_at(2), d("90"));
        assert_eq!(t.loss_at(0, 2), d("30"));
    }

    /// ... and at a buy-in: short 1 at 100, physical, nothing to deliver, penalty 50 %: the
    /// buy-in costs 1 × 100 × 0.5 = 50 against cash 30: margin 30 first, bad debt 20.
    #[test]
    fn buy_in_bankruptcy_counts_the_margin_first() {
        let json = r#"{"version":1,"steps":3,"venue":{"style":"exchange","insurance_fund":"100"},
            "assets":[{"id":"NI","price":"100"}],
            "instruments":[{"id":"F","lot_size":"1","counterparty":"mm","underlying":"NI","margin":{"initial":"0.1","maintenance":"0.05"},
              "expiry":{"step":2,"settlement":"physical","buy_in_penalty":"0.5"},"price":{"initial":"100"}}],
            "accounts":[{"id":"S","cash":"30","positions":[{"instrument":"F","size":"-1"}]},
                        {"id":"mm","role":"market_maker","cash":"1000000"}],
            "waterfall":[{"kind":"defaulter_margin"},{"kind":"insurance_fund"}]}"#;
        let s = crate::scenario::from_json(json).expect("scenario");
        let t = simulate(&s).expect("runs");
        assert_eq!(t.summary.deficit, d("50"));
        assert_eq!(t.summary.bad_debt, d("20"));
        assert_eq!(t.summary.by_layer.first().copied(), Some(d("30")));
        assert_eq!(t.insurance_at(2), d("80"));
    }
}
