//! The run's events as the timeline holds them: [`Event`] (one event, its sentence kept as its
//! parts) and [`Events`], the packed store (`packed.rs`). What an event is and how it packs is
//! declared in `events.rs`.

use super::events::{EventKind, Msg, KINDS};
use super::ledger::Name;
use super::packed::{packed_log_api, Decoded, Names, Party, Reader, StepRecords, Writer};
use rust_decimal::Decimal;
use serde::Serialize;

/// One event of a run. Serializes with its sentence rendered (`text`), exactly as before.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub step: u32,
    pub account: Option<usize>,
    pub kind: EventKind,
    /// The main amount of the event, when it has one.
    pub amount: Option<Decimal>,
    /// The waterfall layer involved, when any.
    pub layer: Option<usize>,
    /// The run's money sign, as an index into `money::SIGNS` (one byte, not a pointer).
    pub(crate) sign: u8,
    /// The plain-language sentence, kept as its parts (rendered by [`Event::text`]): formatting
    /// 240k sentences eagerly was a large share of a 100k run's time and memory.
    pub(crate) msg: Msg,
}

impl Event {
    /// A plain-language sentence with formatted amounts (in the run's quote currency).
    pub fn text(&self) -> String {
        let sign = super::money::SIGNS.get(usize::from(self.sign)).copied().unwrap_or("$");
        super::money::with_sign(sign, || self.msg.render())
    }
}

impl Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Event", 6)?;
        st.serialize_field("step", &self.step)?;
        st.serialize_field("account", &self.account)?;
        st.serialize_field("kind", &self.kind)?;
        st.serialize_field("text", &self.text())?;
        st.serialize_field("amount", &self.amount)?;
        st.serialize_field("layer", &self.layer)?;
        st.end()
    }
}

/// The run's events, stored compactly: each a 12-byte head (step, where its bytes are) and its
/// fields packed into an arena (`packed`: varints, decimals at 3–6 bytes) with names as `u32`
/// indices into one table — about 45 bytes an event instead of an [`Event`]'s 152 (a
/// 100k-account run records 240k). Events are handed out as [`Event`] values built on demand
/// (`get`, `iter`, `at_step`); serializes exactly as the `Vec<Event>` it replaces.
#[derive(Clone, Debug, Default)]
pub struct Events {
    /// Names, and the account display names for messages that name an account by index.
    names: Names,
    records: StepRecords,
}

/// `None` as 0, `Some(x)` as x + 1.
fn put_opt_index(w: &mut Writer, x: Option<usize>) {
    w.u64(x.map_or(0, |x| x as u64 + 1));
}

fn read_opt_index(r: &mut Reader) -> Option<usize> {
    r.u64().checked_sub(1).map(|x| x as usize)
}

fn read_kind(r: &mut Reader) -> EventKind {
    KINDS.get(usize::from(r.u8())).copied().unwrap_or(EventKind::Settlement)
}

impl Events {
    /// The display names of the run's accounts (for the [`Party::Acct`] names of messages).
    pub(crate) fn set_accounts(&mut self, names: Vec<Name>) {
        self.names.set_accounts(names);
    }

    /// Record an event (its names are interned; an account's own name is kept as its index).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn record(&mut self, step: u32, account: Option<usize>, kind: EventKind, amount: Option<Decimal>, layer: Option<usize>, sign: u8, msg: Msg<Party>) {
        let names = &mut self.names;
        let msg = msg.map(|n| names.code(n));
        let mut w = Writer::new();
        put_opt_index(&mut w, account);
        put_opt_index(&mut w, layer);
        w.u8(kind as u8);
        w.u8(sign);
        w.opt_dec(amount);
        msg.put(&mut w);
        self.records.push(step, w.bytes());
    }

    /// Record an event given with its names.
    #[cfg(test)]
    pub(crate) fn push(&mut self, e: Event) {
        self.record(e.step, e.account, e.kind, e.amount, e.layer, e.sign, e.msg.map(Party::Named));
    }

    fn name(&self, x: u64) -> Name {
        match self.names.decode(x) {
            Decoded::Account(n) => n.cloned().unwrap_or_else(|| Name::from("")),
            Decoded::Named(n) => n,
        }
    }

    /// Order by step, keeping the recording order within a step.
    pub(crate) fn sort_by_step(&mut self) {
        self.records.sort_by_step();
    }

    /// Recording is over: drop the interning index and spare capacity.
    pub(crate) fn seal(&mut self) {
        self.names.seal();
        self.records.shrink_to_fit();
    }

    fn event(&self, (step, mut r): (u32, Reader)) -> Event {
        let account = read_opt_index(&mut r);
        let layer = read_opt_index(&mut r);
        let kind = read_kind(&mut r);
        let sign = r.u8();
        let amount = r.opt_dec();
        let msg = Msg::read(&mut r).map(|i| self.name(i));
        Event { step, account, kind, amount, layer, sign, msg }
    }

    /// The kind and layer of event `i`, without building its sentence (a step's summary counts
    /// 100k of them).
    pub fn kind_at(&self, i: usize) -> Option<(EventKind, Option<usize>)> {
        let (_, mut r) = self.records.get(i)?;
        let _account = read_opt_index(&mut r);
        let layer = read_opt_index(&mut r);
        Some((read_kind(&mut r), layer))
    }
}

packed_log_api!(Events, Event, event);

#[cfg(test)]
mod packed_event_tests {
    use super::super::events::{AdlFigures, AssessStop, LiqBasis, TierNote, TAGS};
    use super::*;
    use crate::scenario::{AdlRule, ContagionSource};

    /// Every message variant and kind reads back exactly as recorded (the packed field order),
    /// accounts named by index read back with their display name, and the JSON is unchanged.
    #[test]
    fn every_event_reads_back_as_recorded() {
        let n = |x: &str| Name::from(x);
        let d = |m: i64, s: u32| Decimal::new(m, s);
        let (a, inst, label) = (n("Kestrel Capital"), n("BTC-PERP"), n("Insurance fund"));
        let msgs: Vec<Msg> = vec![
            Msg::BuyIn { name: a.clone(), missing: d(15, 1), inst: inst.clone(), penalty: d(5, 2), cost: d(-123456789, 4) },
            Msg::Settled { inst: inst.clone(), mark: d(425005, 1), count: 70_000 },
            Msg::Exercised { name: a.clone(), size: d(-15, 1), inst: n("C65"), into: d(-15, 1), under: inst.clone(), price: d(65000, 0) },
            Msg::SettlementDeficit { name: a.clone(), deficit: Decimal::MAX },
            Msg::MarginCall { name: a.clone(), equity: d(-1, 28), required: d(3, 0), top_up: Decimal::ZERO },
            Msg::MarginCallMet { name: a.clone(), top_up: d(7, 2) },
            Msg::Default { name: a.clone(), cascade: true },
            Msg::Default { name: a.clone(), cascade: false },
            Msg::Auction { name: a.clone(), size: d(-2500, 3), inst: inst.clone(), price: d(41000, 0), mark: d(42000, 0) },
            Msg::Liquidated { name: a.clone(), size: d(412, 3), inst: inst.clone(), partial: true, price: d(425005, 1), mark: d(42600, 0), prices: None, basis: LiqBasis::default() },
            Msg::Liquidated { name: a.clone(), size: d(-1, 0), inst: inst.clone(), partial: false, price: d(27410, 0), mark: d(27400, 0), prices: Some((d(2730769, 2), d(27000, 0))), basis: LiqBasis { isolated: Some(d(1000, 0)), tier: Some(TierNote { tier: 2, of: 3, maintenance: d(25, 3), notional: d(274, 1) }) } },
            Msg::Penalty { fee: d(1234, 2), name: a.clone() },
            Msg::BeyondBankruptcy { name: a.clone(), deficit: d(9, 0), margin: d(10, 0) },
            Msg::OwnMargin { name: a.clone(), amount: d(11, 0) },
            Msg::CoveredByOwnMargin { name: a.clone() },
            Msg::Assessment { name: a.clone(), called: d(12, 0), paid: d(13, 0) },
            Msg::AssessmentShort { name: a.clone(), short: d(14, 0) },
            Msg::VmghWaits { left: d(15, 0), steps: u32::MAX },
            Msg::Socialized { count: usize::MAX, rate: d(25, 2), take: d(16, 0) },
            Msg::Vault { name: a.clone(), pay: d(17, 0) },
            Msg::LayerPaid { label: label.clone(), pay: d(18, 0), name: a.clone() },
            Msg::LayerExhausted { label: label.clone(), left: d(19, 0) },
            Msg::LayerEmpty { label: label.clone(), left: d(26, 0) },
            Msg::Unallocated { left: d(20, 0), name: a.clone() },
            Msg::VmHaircut { pay: d(21, 0), rate: d(1, 3), count: 7 },
            Msg::Deleveraged {
                rank: 3,
                name: a.clone(),
                size: d(-5, 0),
                inst: inst.clone(),
                charge: d(22, 0),
                adl: AdlFigures { place: 7, ranked: 70_000, score: d(-123, 4), pnl_pct: d(-5, 2), leverage: d(246, 2), mark: d(425005, 1), per_unit: d(3141, 3) },
                toward: n("Whale"),
            },
            Msg::TearUp { count: 4, pay: d(23, 0) },
            Msg::ContagionLoss { name: a.clone(), amount: d(24, 0), from: n("dex"), source: ContagionSource::VaultHaircut },
            Msg::ContagionMissed { name: a.clone(), amount: d(25, 0), from: n("dex"), source: ContagionSource::Unallocated },
            Msg::LossQueued { name: a.clone(), amount: d(26, 0), label: label.clone() },
            Msg::SetOff { name: a.clone(), owed: d(27, 0), margin: d(5, 0), fund: d(3, 0), toward: n("Whale") },
            Msg::Recall { call: 2, max_calls: u32::MAX, amount: d(28, 0), headroom: d(29, 0) },
            Msg::Declared { name: a.clone() },
            Msg::AssessmentStop { left: d(30, 0), why: AssessStop::Calls, max_calls: 3, headroom: d(31, 0), cap: d(275, 2), period_cap: d(55, 1) },
            Msg::AssessmentStop { left: d(30, 0), why: AssessStop::DefaultCap, max_calls: 3, headroom: Decimal::ZERO, cap: d(2, 0), period_cap: d(3, 0) },
            Msg::AssessmentStop { left: d(30, 0), why: AssessStop::PeriodCap, max_calls: 3, headroom: Decimal::ZERO, cap: d(2, 0), period_cap: d(3, 0) },
            Msg::AdlTaken { inst: inst.clone(), rule: AdlRule::Hyperliquid, needed: d(27, 0), charged: d(27, 0), profit_closed: d(2701, 2) },
            Msg::AdlTaken { inst: inst.clone(), rule: AdlRule::Drift, needed: d(28, 0), charged: d(28, 0), profit_closed: d(0, 0) },
            Msg::PerUnitSocialized { inst: inst.clone(), delta: d(29, 3), count: 12, take: d(29, 0) },
        ];
        let mut ev = Events::default();
        ev.set_accounts(vec![n("someone"), a.clone()]);
        let mut want = Vec::new();
        for (k, msg) in msgs.into_iter().enumerate() {
            let e = Event {
                step: k as u32 / 3,
                account: if k % 4 == 0 { None } else { Some(k * 1000) },
                // The 19 kinds the pinned bytes were written with (later kinds: the test below).
                kind: KINDS[k % 19],
                amount: if k % 5 == 0 { None } else { Some(d(k as i64 - 7, (k % 29) as u32)) },
                layer: if k % 2 == 0 { None } else { Some(k) },
                sign: (k % 3) as u8,
                msg,
            };
            // The same event recorded with its account by index.
            let by_index = e.msg.clone().map(|x| if x == a { Party::Acct(1) } else { Party::Named(x) });
            ev.record(e.step, e.account, e.kind, e.amount, e.layer, e.sign, by_index);
            ev.push(e.clone());
            want.push(e.clone());
            want.push(e);
        }
        ev.seal();
        // The packed bytes are pinned: tags and field order are what a log stores (the hash of
        // the bytes the hand-written encoding wrote before the declaration table, issue 17).
        let bytes = ev.records.all_bytes();
        let fnv = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3));
        assert_eq!((bytes.len(), fnv), (1230, 0xe674_3644_afaf_2374), "packed event bytes changed");
        let got: Vec<Event> = ev.iter().collect();
        assert_eq!(got, want);
        assert_eq!(serde_json::to_string(&ev).ok(), serde_json::to_string(&want).ok());
        assert_eq!(ev.range_at(1), 6..12);
        for (k, kind) in KINDS.iter().enumerate() {
            assert_eq!(*kind as usize, k, "KINDS is in declaration order");
        }
    }

    /// Messages added after the bytes were pinned read back as recorded (issue 19's bust,
    /// backstop takeover and withdrawal, tags 60-62; replenishment, 31-32; the default auction, 70-72;
    /// recovery, 90-91; issue 18's option default management, 100-101; temporary capital, 110-111;
    /// option liquidation, 120-125).
    #[test]
    fn later_events_read_back_as_recorded() {
        let n = |x: &str| Name::from(x);
        let d = |m: i64, s: u32| Decimal::new(m, s);
        let a = n("Kestrel Capital");
        let msgs: Vec<(EventKind, Msg)> = vec![
            (EventKind::TradesCancelled, Msg::TradesCancelled { from: 5, to: 6, fills: 2, notional: d(64, 8), vm: d(31, 0), entries: 17 }),
            (EventKind::BackstopTakeover, Msg::BackstopTakeover { vault: n("HLP"), name: a.clone(), size: d(-430, 0), inst: n("JELLY"), mark: d(39, 3), count: 2, equity: d(-12, 0) }),
            (EventKind::Withdrawal, Msg::Withdrawn { name: a.clone(), amount: d(116, 0), asked: d(150, 0), borrowed: d(111, 0), headroom: d(116, 0) }),
            (EventKind::Replenishment, Msg::Replenished { name: a.clone(), due: d(31, 0), paid: d(30, 0) }),
            (EventKind::Replenishment, Msg::FundReplenished { used: d(32, 0), paid: d(31, 0), short: d(1, 0), steps: 2 }),
            (EventKind::Recovery, Msg::Recovered { name: a.clone(), amount: d(67, 0), depositors: d(45, 0), insurance: d(22, 0), short: d(0, 0) }),
            (EventKind::Recovery, Msg::RecoveryRepaid { name: n("d-usdc"), lost: d(19, 0), paid: d(19, 0) }),
            // Issue 18's option default management, tags 100-101.
            (EventKind::DeltaHedge, Msg::DeltaHedged { name: a.clone(), size: d(6, 0), inst: n("F"), price: d(106, 0), mark: d(100, 0), delta: d(-6, 0), cost: d(-36, 0), holding: d(10, 0) }),
            (EventKind::RiskRanked, Msg::RiskRanked { name: a.clone(), rank: 2, size: d(-10, 0), inst: n("C50"), contribution: d(575, 0) }),
            // Issue 18's step-by-step liquidation of an option book on an exchange, tags 120-122.
            (EventKind::DeltaHedge, Msg::LiquidationHedged { name: a.clone(), size: d(-3, 0), inst: n("F"), price: d(97, 0), mark: d(100, 0), delta: d(3, 0), cost: d(-9, 0), holding: d(-3, 0) }),
            (EventKind::RiskRanked, Msg::LiquidationRanked { name: a.clone(), rank: 1, size: d(-5, 0), inst: n("C100"), contribution: d(5375, 2) }),
            (EventKind::RiskRanked, Msg::LiquidationStopped { name: a.clone(), steps: 1, equity: d(120, 0), maintenance: d(45, 0), kept: 2 }),
            // Deribit's 2023 order: a leg outside the price band, the last-resort hedge, the band's edge, tags 123-125.
            (EventKind::RiskRanked, Msg::LiquidationOutsideBand { name: a.clone(), size: d(-10, 0), inst: n("C50"), impact: d(6, 2), band: d(5, 2) }),
            (EventKind::DeltaHedge, Msg::LiquidationLastHedged { name: a.clone(), size: d(10, 0), inst: n("F"), price: d(11121, 2), mark: d(110, 0), delta: d(-10, 0), cost: d(-121, 1), holding: d(10, 0) }),
            (EventKind::RiskRanked, Msg::LiquidationAtBand { name: a.clone(), legs: 2, hedged: true }),
            (EventKind::AuctionWon, Msg::AuctionWon { name: n("someone"), winner: a.clone(), size: d(6, 0), inst: n("X"), price: d(95, 0), mark: d(100, 0), discount: d(5, 2) }),
            (EventKind::ForcedAllocation, Msg::ForcedAllocated { name: n("someone"), member: a.clone(), size: d(-214285716, 8), inst: n("X"), price: d(90, 0), mark: d(100, 0), contribution: d(300, 0) }),
            (EventKind::Juniorisation, Msg::Juniorised { name: a.clone(), junior: 2, junior_total: d(400, 0), senior: 2 }),
            (EventKind::Haircut, Msg::ImHaircut { pay: d(90, 0), rate: d(45, 3), count: 2, posted: d(2000, 0) }),
            (EventKind::Assessment, Msg::AssessmentFromCollateral { name: a.clone(), called: d(1000, 0), collateral: d(600, 0), cash: d(400, 0) }),
            (EventKind::CapitalInjection, Msg::CapitalInjected { label: n("Skin in the game (junior)"), amount: d(19, 0), steps: 90, balance: d(19, 0) }),
            (EventKind::CapitalInjection, Msg::CapitalWithdrawn { label: n("Skin in the game (junior)"), amount: d(12, 0), used: d(7, 0), balance: d(3, 0) }),
        ];
        let mut ev = Events::default();
        ev.set_accounts(vec![n("someone"), a.clone()]);
        let mut want = Vec::new();
        for (k, (kind, msg)) in msgs.into_iter().enumerate() {
            let e = Event { step: k as u32, account: Some(1), kind, amount: Some(d(k as i64, 2)), layer: None, sign: 0, msg };
            let by_index = e.msg.clone().map(|x| if x == a { Party::Acct(1) } else { Party::Named(x) });
            ev.record(e.step, e.account, e.kind, e.amount, e.layer, e.sign, by_index);
            want.push(e);
        }
        ev.seal();
        assert_eq!(ev.iter().collect::<Vec<_>>(), want);
    }

    /// Each message has its own tag (a repeated one would read as the first).
    #[test]
    fn message_tags_are_distinct() {
        let mut tags = TAGS.to_vec();
        tags.sort_unstable();
        tags.dedup();
        assert_eq!(tags.len(), TAGS.len());
    }
}
