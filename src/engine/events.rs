//! Every event a run records, declared once: the kinds (`event_kinds!`) and the messages
//! (`messages!`), from which the `EventKind` and `Msg` enums, each message's packed form (tag and
//! fields, `packed.rs`) and its name mapping are generated. The sentences are in `sentences.rs`,
//! the packed store of events in `event_log.rs`.
//!
//! To add an event:
//! 1. add one line to `messages!` below: `TAG => Variant { field: Type, … },` with doc comments
//!    above it if useful. TAG is a new number (tags are what the packed log stores: never reuse,
//!    renumber or reorder one; a repeated tag is an "unreachable pattern" warning and fails the
//!    test `message_tags_are_distinct`). Field types are
//!    single names: `N` (a name: account, instrument, layer label; the account is packed as its
//!    index), `Decimal`, `usize`, `u32`, `bool`, `Prices`, `LiqBasis`, `AdlFigures`,
//!    `ContagionSource`, `AssessStop`, `AdlRule`; a new one implements `packed::Field` (and gets a
//!    single-name alias if it is not one already);
//! 2. write its sentence in `sentences.rs` (`Msg::render`: the compiler asks for the arm);
//! 3. if it is a new kind of event (not a new sentence of a kind), append its name to
//!    `event_kinds!` (at the end: a kind packs as its position).
//!
//! The engine records it with `Sim::event(t, account, EventKind::…, Msg::Variant { … }, amount,
//! layer)`; storage, reading, serialization and the sentence follow.
//!
//! Porting a variant written the older way (a hand-written `put` arm `out.u8(TAG); out.u64(*name);
//! out.dec(*x); …`, a `read` arm and a `map` arm): the `put` arm gives the line — its tag, and its
//! fields in the order it wrote them (`out.u64` of a name → `N`, `out.dec` → `Decimal`, …); the
//! `read` and `map` arms are then generated. The packed bytes stay the same (the test
//! `every_event_reads_back_as_recorded` pins them for every variant).

use super::ledger::Name;
use super::packed::{Field, Reader, Writer};
use crate::scenario::{AdlRule, ContagionSource};
use rust_decimal::Decimal;
use serde::Serialize;

/// Declares the event kinds: the `EventKind` enum and `KINDS`, every kind in declaration order
/// (`kind as u8` is what the packed log stores).
macro_rules! event_kinds {
    ($($(#[$doc:meta])* $kind:ident,)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
        pub enum EventKind {
            $($(#[$doc])* $kind,)*
        }

        /// Every `EventKind`, in declaration order (`kind as u8` indexes it).
        pub(crate) const KINDS: &[EventKind] = &[$(EventKind::$kind),*];
    };
}

/// A message field's name mapping: `N` fields are names (mapped), the others are kept.
macro_rules! map_field {
    (N, $f:ident, $x:ident) => {
        $f($x)
    };
    ($other:ident, $f:ident, $x:ident) => {
        $x
    };
}

/// Declares the messages: the `Msg` enum (generic over how a name is held: `Name`, a [`Party`]
/// while recording, a `u64` packed), its packed form (`put`, `read`: the tag byte, then each field
/// in declaration order by [`Field`]) and `map` (the same message with its names replaced).
///
/// [`Party`]: super::packed::Party
macro_rules! messages {
    ($($(#[$doc:meta])* $tag:literal => $variant:ident { $($field:ident: $ty:ident),* $(,)? },)*) => {
        /// The engine's event sentences as their parts; `render` (`sentences.rs`) prints each
        /// exactly as the engine formatted it before (names, amounts, sizes and prices with the
        /// same formatters).
        #[derive(Clone, Debug, PartialEq)]
        pub(crate) enum Msg<N = Name> {
            $($(#[$doc])* $variant { $($field: $ty),* },)*
        }

        /// Every message's tag, in declaration order.
        #[cfg(test)]
        pub(crate) const TAGS: &[u8] = &[$($tag),*];

        /// The packed form of a message: its tag, then its fields in declaration order.
        impl Msg<u64> {
            pub(crate) fn put(&self, w: &mut Writer) {
                match self {
                    $(Msg::$variant { $($field),* } => {
                        w.u8($tag);
                        $(Field::put($field, w);)*
                    })*
                }
            }

            pub(crate) fn read(r: &mut Reader) -> Msg<u64> {
                match r.u8() {
                    $($tag => Msg::$variant { $($field: Field::read(r)),* },)*
                    _ => Msg::unknown(),
                }
            }
        }

        impl<N> Msg<N> {
            /// The same message with its names replaced by `f` of them.
            pub(crate) fn map<M>(self, mut f: impl FnMut(N) -> M) -> Msg<M> {
                match self {
                    $(Msg::$variant { $($field),* } => Msg::$variant { $($field: map_field!($ty, f, $field)),* },)*
                }
            }
        }
    };
}

event_kinds! {
    MarginCall,
    MarginCallMet,
    Liquidation,
    PartialLiquidation,
    LiquidationFee,
    Default,
    Bankruptcy,
    LayerDrawn,
    LayerExhausted,
    Assessment,
    Cascade,
    Deleveraged,
    Haircut,
    TearUp,
    Unallocated,
    Settlement,
    BuyIn,
    /// Another venue's loss passed on to an account here (bad-debt propagation).
    ContagionLoss,
    /// What an ADL fill took against what the deficit needed (issue 19).
    AdlTaken,
    /// A range of steps' trades busted (issue 19, trade_cancellation.rs).
    TradesCancelled,
    /// A backstop vault took a liquidated account's positions over (issue 19, backstop.rs).
    BackstopTakeover,
    /// An account took cash out, borrowing against its collateral (issue 19, withdrawal.rs).
    Withdrawal,
    /// Members pay back the default fund a default used (issue 19, replenishment).
    Replenishment,
    /// Money returned after a default restores what the waterfall took (issue 19, recovery.rs).
    Recovery,
    /// A defaulter's option book delta-hedged with its underlying before the close-out (issue 18,
    /// option_default.rs).
    DeltaHedge,
    /// A leg of a defaulter's option book chosen next for the close-out, the largest contributor
    /// to its margin (issue 18, option_default.rs); on an exchange, the leg its step-by-step
    /// liquidation closes next, and where that liquidation stops (option_liquidation.rs).
    RiskRanked,
    /// A member's bid won part of a defaulter's portfolio (issue 19, auction_bids.rs).
    AuctionWon,
    /// Part of a defaulter's portfolio no bid covered was allocated to a member (issue 19,
    /// forced_allocation.rs).
    ForcedAllocation,
    /// The survivors' fund used the contributions of the members who did not win the auction
    /// first (issue 19, waterfall/juniorisation.rs).
    Juniorisation,
    /// The clearing house puts temporary capital into a skin-in-the-game layer, or withdraws
    /// what is left of it (issue 19, capital_injection.rs).
    CapitalInjection,
}

messages! {
    0 => BuyIn { name: N, missing: Decimal, inst: N, penalty: Decimal, cost: Decimal },
    1 => Settled { inst: N, mark: Decimal, count: usize },
    2 => SettlementDeficit { name: N, deficit: Decimal },
    3 => MarginCall { name: N, equity: Decimal, required: Decimal, top_up: Decimal },
    4 => MarginCallMet { name: N, top_up: Decimal },
    5 => Default { name: N, cascade: bool },
    6 => Auction { name: N, size: Decimal, inst: N, price: Decimal, mark: Decimal },
    /// `prices`: the position's liquidation and bankruptcy prices, when its group was this one
    /// position on a linear contract (`margin::position_prices_linear`).
    /// `basis`: the margin the position stood on (isolated or cross; its maintenance tier).
    7 => Liquidated { name: N, size: Decimal, inst: N, partial: bool, price: Decimal, mark: Decimal, prices: Prices, basis: LiqBasis },
    8 => Penalty { fee: Decimal, name: N },
    9 => BeyondBankruptcy { name: N, deficit: Decimal, margin: Decimal },
    10 => OwnMargin { name: N, amount: Decimal },
    11 => CoveredByOwnMargin { name: N },
    12 => Assessment { name: N, called: Decimal, paid: Decimal },
    13 => AssessmentShort { name: N, short: Decimal },
    14 => VmghWaits { left: Decimal, steps: u32 },
    15 => Socialized { count: usize, rate: Decimal, take: Decimal },
    16 => Vault { name: N, pay: Decimal },
    17 => LayerPaid { label: N, pay: Decimal, name: N },
    18 => LayerExhausted { label: N, left: Decimal },
    19 => Unallocated { left: Decimal, name: N },
    20 => VmHaircut { pay: Decimal, rate: Decimal, count: usize },
    /// `rank`: the order of the hits of this fill (the sentence's "ADL #"); `place` of `ranked`:
    /// the account's place in the step's ranking of the opposite side, by `score` (= `pnl_pct` ×
    /// `leverage` in profit, `pnl_pct` / `leverage` otherwise: `adl::adl_score`); the position
    /// closed at `mark` and paid `per_unit` (the bad debt per contract) × `size` = `charge`
    /// (the last hit pays exactly what is left): what `explain` shows (issue 15).
    21 => Deleveraged { rank: usize, name: N, size: Decimal, inst: N, charge: Decimal, adl: AdlFigures, toward: N },
    22 => TearUp { count: usize, pay: Decimal },
    23 => ContagionLoss { name: N, amount: Decimal, from: N, source: ContagionSource },
    24 => ContagionMissed { name: N, amount: Decimal, from: N, source: ContagionSource },
    /// A layer that held nothing when the loss reached it (a defaulter without a fund
    /// contribution, a skin in the game of 0, an empty insurance fund): passed, not "exhausted".
    25 => LayerEmpty { label: N, left: Decimal },
    /// A default's loss joins the step's one split of a socialized-loss or VMGH layer (`label`).
    26 => LossQueued { name: N, amount: Decimal, label: N },
    /// Set-off (issue 19): `name` failed `owed` of its assessment; `margin` came from the surplus
    /// its own close-out left, `fund` from its remaining fund contribution.
    27 => SetOff { name: N, owed: Decimal, margin: Decimal, fund: Decimal, toward: N },
    /// A re-assessment: call `call` of `max_calls` re-calls `amount` a member did not pay from
    /// the others' `headroom` under their caps.
    28 => Recall { call: u32, max_calls: u32, amount: Decimal, headroom: Decimal },
    /// Why an assessment layer stopped with `left` of the loss unpaid, and its numbers.
    29 => AssessmentStop { left: Decimal, why: AssessStop, max_calls: u32, headroom: Decimal, cap: Decimal, period_cap: Decimal },
    /// The clearing house declared `name` in default at this step (the scenario's
    /// `declared_defaults`), whatever its margin.
    30 => Declared { name: N },
    /// Replenishment (issue 19): `name`'s share `due` of the default fund used, of which it
    /// `paid` from its reserves (the rest is short).
    31 => Replenished { name: N, due: Decimal, paid: Decimal },
    /// The replenishment as a whole: `used` of the survivors' contributions called back `steps`
    /// after the fund was drawn; `paid` came in, `short` did not.
    32 => FundReplenished { used: Decimal, paid: Decimal, short: Decimal, steps: u32 },
    /// One ADL fill on `inst` under `rule`: the deficit it had to cover (`needed`), what its
    /// hits paid (`charged`), and the open profit (at mark) of the quantities it closed
    /// (`profit_closed`): beyond `needed`, the overshoot (issue 19).
    40 => AdlTaken { inst: N, rule: AdlRule, needed: Decimal, charged: Decimal, profit_closed: Decimal },
    /// Drift: `take` charged to `count` open positions of `inst`, `delta` per contract.
    41 => PerUnitSocialized { inst: N, delta: Decimal, count: usize, take: Decimal },
    /// A physically settled option exercised into its underlying (issue 18, option_book.rs).
    50 => Exercised { name: N, size: Decimal, inst: N, into: Decimal, under: N, price: Decimal },
    /// Issue 19 (trade_cancellation.rs): the trades of steps `from..=to` are busted; `fills`
    /// close-outs of `notional` and `vm` of variation margin revert, by `entries` ledger entries.
    60 => TradesCancelled { from: u32, to: u32, fills: u64, notional: Decimal, vm: Decimal, entries: u64 },
    /// Issue 19 (backstop.rs): `vault` takes over `name`'s `count` position(s) (the first:
    /// `size` `inst` at `mark`) with its collateral; `equity` (at mark) goes with them.
    61 => BackstopTakeover { vault: N, name: N, size: Decimal, inst: N, mark: Decimal, count: u64, equity: Decimal },
    /// Issue 19 (withdrawal.rs): `name` took `amount` of the `asked` out; `borrowed` of it beyond
    /// its cash, against `headroom` (equity less initial margin) before.
    62 => Withdrawn { name: N, amount: Decimal, asked: Decimal, borrowed: Decimal, headroom: Decimal },
    /// Issue 19 (recovery.rs): `amount` comes back from `name`; `depositors` of it restores the
    /// default-fund contributions the waterfall used (`short` of them still missing after it),
    /// `insurance` goes to the insurance fund.
    90 => Recovered { name: N, amount: Decimal, depositors: Decimal, insurance: Decimal, short: Decimal },
    /// Issue 19 (recovery.rs): depositor `name` gets `paid` back of the `lost` the default fund
    /// took from its contribution.
    91 => RecoveryRepaid { name: N, lost: Decimal, paid: Decimal },
    /// Issue 18 (option_default.rs): before `name`'s close-out the clearing house traded `size`
    /// `inst` at `price` (the market with its price impact; `mark` the mark) to bring the book's
    /// `delta` (units of `inst`, before) to about zero; `cost` (≤ 0) is the impact paid;
    /// `holding` the future held after.
    100 => DeltaHedged { name: N, size: Decimal, inst: N, price: Decimal, mark: Decimal, delta: Decimal, cost: Decimal, holding: Decimal },
    /// Issue 18 (option_default.rs): leg `rank` of `name`'s close-out, `size` `inst`, is closed
    /// next: it adds `contribution` to the margin of what is left (the largest of the legs).
    101 => RiskRanked { name: N, rank: usize, size: Decimal, inst: N, contribution: Decimal },
    /// Issue 18 (option_liquidation.rs): the exchange's liquidation of `name`'s option book
    /// began by trading `size` `inst` at `price` (mark `mark`) against the book's `delta`; `cost`
    /// (≤ 0) the impact paid, `holding` the future held after (fields as `DeltaHedged`'s).
    120 => LiquidationHedged { name: N, size: Decimal, inst: N, price: Decimal, mark: Decimal, delta: Decimal, cost: Decimal, holding: Decimal },
    /// Issue 18 (option_liquidation.rs): step `rank` of `name`'s liquidation closes `size`
    /// `inst` at the market, the largest `contribution` to its margin.
    121 => LiquidationRanked { name: N, rank: usize, size: Decimal, inst: N, contribution: Decimal },
    /// Issue 18 (option_liquidation.rs): `name` is back above maintenance (`equity` ≥
    /// `maintenance`) after `steps` legs closed; its `kept` other positions stay open.
    122 => LiquidationStopped { name: N, steps: usize, equity: Decimal, maintenance: Decimal, kept: usize },
    /// Issue 18 (option_liquidation.rs, Deribit's 2023 order): `name`'s `size` `inst`, a
    /// contributor to its margin, would not trade within the price band: its price impact
    /// `impact` is beyond the venue's `band` (`max_slippage`); the next leg is tried.
    123 => LiquidationOutsideBand { name: N, size: Decimal, inst: N, impact: Decimal, band: Decimal },
    /// Issue 18 (option_liquidation.rs, Deribit's 2023 order): no leg of `name`'s book trades
    /// within the price band, so as the last resort it is delta-hedged (fields as
    /// `LiquidationHedged`'s).
    124 => LiquidationLastHedged { name: N, size: Decimal, inst: N, price: Decimal, mark: Decimal, delta: Decimal, cost: Decimal, holding: Decimal },
    /// Issue 18 (option_liquidation.rs, Deribit's 2023 order): no leg of `name`'s book trades
    /// within the price band (`hedged`: even after the last-resort hedge), so its `legs` legs
    /// left are closed at the band's edge, the largest contributor first.
    125 => LiquidationAtBand { name: N, legs: usize, hedged: bool },
    /// Issue 19 (auction_bids.rs): `winner`'s bid at `discount` to mark took `size` of `name`'s
    /// `inst` over at `price` (mark `mark`).
    70 => AuctionWon { name: N, winner: N, size: Decimal, inst: N, price: Decimal, mark: Decimal, discount: Decimal },
    /// Issue 19 (forced_allocation.rs): `size` of `name`'s `inst` no bid covered was allocated to
    /// `member` (fund contribution `contribution`, its weight) at the last auction price `price`.
    71 => ForcedAllocated { name: N, member: N, size: Decimal, inst: N, price: Decimal, mark: Decimal, contribution: Decimal },
    /// Issue 19 (waterfall/juniorisation.rs): toward `name`'s default, the contributions of
    /// `junior` member(s) that did not win its auction (`junior_total` in all) are used before
    /// those of the `senior` winner(s).
    72 => Juniorised { name: N, junior: usize, junior_total: Decimal, senior: usize },
    /// Issue 19 (waterfall/im_haircut.rs): `pay` cut from `count` survivors' posted initial
    /// margin of `posted` in all, at one rate `rate` (= pay / posted, at most the layer's cap).
    80 => ImHaircut { pay: Decimal, rate: Decimal, count: usize, posted: Decimal },
    /// Issue 19 (assessment.rs, `from_collateral`): `name`'s assessment share `called`, of which
    /// `collateral` came from its excess collateral at the clearing house and `cash` was called
    /// as new cash from its reserves (short of `called`: it defaults in turn).
    81 => AssessmentFromCollateral { name: N, called: Decimal, collateral: Decimal, cash: Decimal },
    /// Issue 19 (capital_injection.rs): the clearing house puts `amount` of its own capital into
    /// layer `label` for `steps` steps (0: to the end of the run); the layer holds `balance` after.
    110 => CapitalInjected { label: N, amount: Decimal, steps: u32, balance: Decimal },
    /// Issue 19 (capital_injection.rs): at its end, the clearing house takes back `amount`, what
    /// no default used of what it put into layer `label` (defaults `used` the rest); the layer
    /// holds `balance` after.
    111 => CapitalWithdrawn { label: N, amount: Decimal, used: Decimal, balance: Decimal },
}

impl Msg<u64> {
    /// What an unknown tag reads as (a log this module wrote has none; reading must not panic).
    fn unknown() -> Msg<u64> {
        Msg::LossQueued { name: 0, amount: Decimal::ZERO, label: 0 }
    }
}

/// A position's liquidation and bankruptcy prices (see [`Msg::Liquidated`]).
pub type Prices = Option<(Decimal, Decimal)>;

/// The rule that stopped an assessment layer ([`Msg::AssessmentStop`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssessStop {
    /// Every call (`max_calls`) was used, whatever headroom remains.
    Calls,
    /// Every member paid its cap for this default.
    DefaultCap,
    /// The cooling-off period's cap across its defaults is reached.
    PeriodCap,
}

/// What a liquidated position's margin was (the glossary's "cross vs isolated margin" and
/// "risk-limit tiers" are seen here).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct LiqBasis {
    /// The isolated margin the position stood on alone; `None` under cross margin.
    pub isolated: Option<Decimal>,
    /// With risk-limit tiers: the tier the position's notional at mark fell in (1 = the
    /// lowest), how many tiers, the tier's maintenance rate, and the notional.
    pub tier: Option<TierNote>,
}

/// A position's risk-limit tier at the liquidation (see [`LiqBasis`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TierNote {
    pub tier: u32,
    pub of: u32,
    pub maintenance: Decimal,
    pub notional: Decimal,
}

/// Why an ADL fill hit this account, as the engine ranked it (see [`Msg::Deleveraged`]).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct AdlFigures {
    /// 1 = ranked first.
    pub place: usize,
    /// How many opposite positions the step's ranking held.
    pub ranked: usize,
    pub score: Decimal,
    /// (mark value − entry value) / |entry value| of the position, as a fraction.
    pub pnl_pct: Decimal,
    /// |mark value| / equity (0 without positive equity).
    pub leverage: Decimal,
    /// The mark the position closed at; the bad debt per contract is paid on top.
    pub mark: Decimal,
    pub per_unit: Decimal,
}

/// Packed as one byte: its place in the enum.
impl Field for AssessStop {
    fn put(&self, w: &mut Writer) {
        w.u8(*self as u8);
    }
    fn read(r: &mut Reader) -> Self {
        match r.u8() {
            0 => AssessStop::Calls,
            1 => AssessStop::DefaultCap,
            _ => AssessStop::PeriodCap,
        }
    }
}

/// The isolated margin (flag, amount), then the tier (flag, tier, of, rate, notional).
impl Field for LiqBasis {
    fn put(&self, w: &mut Writer) {
        self.isolated.put(w);
        self.tier.put(w);
    }
    fn read(r: &mut Reader) -> Self {
        let isolated = Field::read(r);
        LiqBasis { isolated, tier: Field::read(r) }
    }
}

impl Field for TierNote {
    fn put(&self, w: &mut Writer) {
        self.tier.put(w);
        self.of.put(w);
        self.maintenance.put(w);
        self.notional.put(w);
    }
    fn read(r: &mut Reader) -> Self {
        TierNote { tier: Field::read(r), of: Field::read(r), maintenance: Field::read(r), notional: Field::read(r) }
    }
}

impl Field for AdlFigures {
    fn put(&self, w: &mut Writer) {
        self.place.put(w);
        self.ranked.put(w);
        self.score.put(w);
        self.pnl_pct.put(w);
        self.leverage.put(w);
        self.mark.put(w);
        self.per_unit.put(w);
    }
    fn read(r: &mut Reader) -> Self {
        AdlFigures {
            place: Field::read(r),
            ranked: Field::read(r),
            score: Field::read(r),
            pnl_pct: Field::read(r),
            leverage: Field::read(r),
            mark: Field::read(r),
            per_unit: Field::read(r),
        }
    }
}

/// One byte: 1 for a vault haircut, 0 for an unallocated loss.
impl Field for ContagionSource {
    fn put(&self, w: &mut Writer) {
        w.u8(u8::from(*self == ContagionSource::VaultHaircut));
    }
    fn read(r: &mut Reader) -> Self {
        if r.u8() == 1 {
            ContagionSource::VaultHaircut
        } else {
            ContagionSource::Unallocated
        }
    }
}

/// One byte: its place in the enum.
impl Field for AdlRule {
    fn put(&self, w: &mut Writer) {
        w.u8(*self as u8);
    }
    fn read(r: &mut Reader) -> Self {
        match r.u8() {
            1 => AdlRule::Hyperliquid,
            2 => AdlRule::Dydx,
            3 => AdlRule::Drift,
            _ => AdlRule::Bitmex,
        }
    }
}
