//! Scenario format v1: the single source of truth the UI edits and the engine runs.
//!
//! Every struct takes `#[serde(default)]` so short JSON works; unknown fields are rejected so a typo
//! is an error with a path rather than a silently ignored setting. Decimals are written as strings
//! (`"0.005"`) or JSON numbers; strings are exact. Field-by-field reference: docs/scenario.md.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The current format version.
pub const VERSION: u32 = 1;

fn one() -> Decimal {
    Decimal::ONE
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// Format version; must be 1.
    pub version: u32,
    pub name: String,
    pub description: String,
    /// Seed for random price paths and cohort generation (same seed → same timeline).
    pub seed: u64,
    /// Number of steps; the timeline has frames 0..=steps.
    pub steps: u32,
    pub venue: Venue,
    /// Collateral assets other than the quote currency (which always exists, price 1, no haircut).
    pub assets: Vec<Asset>,
    pub instruments: Vec<Instrument>,
    /// Correlation matrix between the instruments that have a `gbm` path, in instrument order.
    pub correlation: Vec<Vec<Decimal>>,
    pub accounts: Vec<AccountSpec>,
    /// Generator lines that expand into many accounts deterministically.
    pub cohorts: Vec<Cohort>,
    /// Ordered default waterfall. The defaulter's margin is always used first; it is added at the
    /// front if missing.
    pub waterfall: Vec<LayerSpec>,
    /// Other venues in the same run, each a scenario of its own (issue 4 "Contagion"). The
    /// scenario itself is the venue with id `main`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub linked_venues: Vec<LinkedVenue>,
    /// Bad-debt propagation: a venue's unallocated residual or vault haircut becomes a loss of a
    /// named account on another venue. A list of links; cycles are an error.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contagion: Vec<ContagionLink>,
    /// Defaults the clearing house declares at a chosen step, whatever the account's margin
    /// (issue 19): the account's portfolio is closed out and its loss goes down the waterfall.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub declared_defaults: Vec<DeclaredDefault>,
    /// Ranges of steps whose trades the venue busts (issue 19; the LME's nickel trades of
    /// 8 March 2022): at the step after a range, every position, balance, fund and loss returns
    /// to where it stood before the range, and that step settles against the mark before it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trade_cancellations: Vec<TradeCancellation>,
    /// Cash an account takes out at a step, borrowing against its collateral (unrealized profit
    /// included where the venue counts it) when it takes more than its cash (issue 19; Mango
    /// Markets, October 2022).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub withdrawals: Vec<Withdrawal>,
    /// Several default funds (issue 19): one per service or instrument group, each naming its
    /// instruments. A member's contribution belongs to the fund its `fund` names (none: the
    /// general fund, of the instruments no fund lists); a default's survivors' fund layer draws
    /// on the funds of the instruments its loss came from.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub default_funds: Vec<DefaultFund>,
    /// Money that comes back after a default (issue 19; Mango Markets, October 2022: the
    /// attacker returned $67m under a DAO vote): at `step`, `amount` from outside the venue,
    /// named after account `from`, restores what the waterfall took (`to`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recoveries: Vec<Recovery>,
    /// A clearing house's default auction as rulebooks run it (issue 19): the members' bids for
    /// a defaulter's portfolio, forced allocation of what no bid covers, and juniorisation of the
    /// fund contributions of members who bid badly or not at all. Absent: the portfolio is
    /// closed out at `venue.auction_discount` to mark, as before (written only when given, so
    /// older scenarios and links are unchanged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_auction: Option<DefaultAuction>,
    /// Capital the clearing house puts in for a while (issue 19; Nasdaq Clearing, 14 September
    /// 2018: a temporary junior tranche of SEK 200m for 90 days after the Aas default, while the
    /// members replenished the fund): from `step`, the waterfall's skin-in-the-game layer of that
    /// `tranche` holds `amount` more; what a default has not used of it is withdrawn `steps`
    /// later (absent: it stays to the end of the run).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub capital_injections: Vec<CapitalInjection>,
}

/// `amount` of the clearing house's own capital added at `step` to the skin-in-the-game layer of
/// `tranche` (which the waterfall must list), for `steps` steps (absent: to the end of the run).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct CapitalInjection {
    pub step: u32,
    pub amount: Decimal,
    pub tranche: Tranche,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<u32>,
}

/// `amount` comes back at `step` from account `from` (paid from outside the venue: what it took
/// out), and goes `to` the depositors' default-fund contributions or the insurance fund.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Recovery {
    pub step: u32,
    pub from: String,
    pub amount: Decimal,
    pub to: RecoveryTo,
}

/// Where a recovery goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RecoveryTo {
    /// First the survivors' default-fund contributions the waterfall used (the depositors, on a
    /// lending venue), pro rata to what each lost; what is left goes to the insurance fund.
    #[default]
    Depositors,
    /// All of it to the venue's insurance fund (the treasury).
    InsuranceFund,
}

/// The default auction (`docs/scenario.md`, `default_auction`; CME Rule 802 and its auction
/// procedures, Eurex Clearing Conditions, LCH Default Rules, ICE Clear Credit Rule 20).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DefaultAuction {
    /// The members' bids, each for a share of every defaulter's portfolio at a discount to mark.
    pub bids: Vec<AuctionBid>,
    /// The clearing house's reserve: bids at a larger discount are rejected (they win nothing
    /// and their part of the book goes to forced allocation). Absent: every bid may win.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_discount: Option<Decimal>,
    /// Who takes the part of the portfolio no bid covers.
    pub forced_allocation: ForcedAllocation,
    /// Use the fund contributions of surviving members who did not win (a bid worse than the
    /// winning range, or none) before those of the winners, in the survivors' fund layer.
    pub juniorise: bool,
}

impl Default for DefaultAuction {
    fn default() -> Self {
        DefaultAuction { bids: Vec::new(), max_discount: None, forced_allocation: ForcedAllocation::ProRataToContribution, juniorise: true }
    }
}

/// One member's bid: `share` (0 < share ≤ 1) of the defaulter's portfolio, each position taken
/// over at mark × (1 − `discount`) for a long, mark × (1 + `discount`) for a short.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct AuctionBid {
    pub member: String,
    pub discount: Decimal,
    pub share: Decimal,
}

/// The rule for the part of a defaulter's portfolio no bid covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ForcedAllocation {
    /// Allocated to the surviving members pro rata to their default-fund contributions, at the
    /// last auction price (the worst winning bid's discount; `venue.auction_discount` when no
    /// bid won).
    #[default]
    ProRataToContribution,
    /// Closed out in the market at `venue.auction_discount`, as without an auction.
    CloseOut,
}

/// The trades of steps `from..=to` are cancelled; the cancellation acts at step `to + 1`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct TradeCancellation {
    pub from: u32,
    pub to: u32,
}

/// Account `account` withdraws `amount` of the quote currency at `step`, as far as its initial
/// margin allows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Withdrawal {
    pub account: String,
    pub step: u32,
    pub amount: Decimal,
}

/// A default fund of its own for a group of instruments (LCH's and Nasdaq Clearing's funds per
/// service; `docs/scenario.md`, `default_funds`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct DefaultFund {
    pub id: String,
    /// Instrument ids, each in at most one fund.
    pub instruments: Vec<String>,
}

/// A default declared at `step` on account `account` (an id in `accounts`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct DeclaredDefault {
    pub account: String,
    pub step: u32,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            version: VERSION,
            name: String::new(),
            description: String::new(),
            seed: 0,
            steps: 20,
            venue: Venue::default(),
            assets: Vec::new(),
            instruments: Vec::new(),
            correlation: Vec::new(),
            accounts: Vec::new(),
            cohorts: Vec::new(),
            waterfall: Vec::new(),
            linked_venues: Vec::new(),
            contagion: Vec::new(),
            declared_defaults: Vec::new(),
            trade_cancellations: Vec::new(),
            withdrawals: Vec::new(),
            default_funds: Vec::new(),
            recoveries: Vec::new(),
            default_auction: None,
            capital_injections: Vec::new(),
        }
    }
}

/// The id of the scenario's own venue in contagion links.
pub const MAIN_VENUE: &str = "main";

/// Another venue of the run: its own instruments, accounts and waterfall, in the same currency; it
/// runs for the scenario's `steps` (its own `steps` is ignored, so editing one never breaks a link).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct LinkedVenue {
    /// Used by contagion links; must not be `main`.
    pub id: String,
    /// A scenario without linked venues or links of its own.
    pub scenario: Scenario,
}

/// What a venue passes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ContagionSource {
    /// What no layer covered (the venue is insolvent by that much).
    #[default]
    Unallocated,
    /// What its LP-vault layers took: the vault's depositors lose it.
    VaultHaircut,
}

impl ContagionSource {
    pub fn label(self) -> &'static str {
        match self {
            ContagionSource::Unallocated => "unallocated residual",
            ContagionSource::VaultHaircut => "LP-vault haircut",
        }
    }
}

/// `share` of venue `from`'s `source`, as it arises step by step, is debited from account
/// `account` of venue `to`, `delay` steps later (a lender's loan, a depositor's vault shares).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContagionLink {
    pub from: String,
    pub source: ContagionSource,
    pub to: String,
    pub account: String,
    /// Fraction passed on (0 < share ≤ 1), e.g. the account's share of the vault.
    pub share: Decimal,
    pub delay: u32,
}

impl Default for ContagionLink {
    fn default() -> Self {
        ContagionLink {
            from: MAIN_VENUE.into(),
            source: ContagionSource::Unallocated,
            to: String::new(),
            account: String::new(),
            share: Decimal::ONE,
            delay: 0,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum VenueStyle {
    /// A crypto venue: liquidation engine closes positions as soon as maintenance is breached.
    #[default]
    Exchange,
    /// A clearing house: margin calls with a grace period, then default and auction close-out.
    Ccp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Settlement {
    /// PnL stays unrealized until a position is closed (venue style).
    #[default]
    Unrealized,
    /// Variation margin is paid and received every step (CCP style, realized).
    VariationMargin,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Venue {
    pub name: String,
    pub style: VenueStyle,
    pub settlement: Settlement,
    /// Quote currency id (money unit of the whole run).
    pub quote: String,
    /// Opening balance of the insurance fund.
    pub insurance_fund: Decimal,
    /// Liquidation penalty as a rate of the closed notional, paid to the insurance fund while the
    /// account can pay.
    pub liquidation_fee: Decimal,
    /// Reduce a position in quarters until the account is back above maintenance, instead of
    /// closing it all.
    pub partial_liquidation: bool,
    /// CCP: steps a member has to meet a margin call before it is declared in default.
    pub margin_call_grace: u32,
    /// CCP: the defaulter's portfolio is auctioned at this discount to mark (0.05 = 5 %).
    pub auction_discount: Decimal,
    /// Cap on the slippage of one liquidation, as a fraction of mark.
    pub max_slippage: Decimal,
    /// How an `auto_deleverage` layer picks and charges its counterparties (BitMEX when absent,
    /// so scenarios and links written before it keep their meaning).
    #[serde(skip_serializing_if = "AdlRule::is_bitmex")]
    pub adl: AdlRule,
    /// An `lp_vault` account that takes over a liquidated account's positions and collateral
    /// and carries them, marked to market, instead of closing them in the book (issue 19;
    /// Hyperliquid's HLP liquidator). Absent: liquidations close in the book.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backstop_vault: Option<String>,
    /// CCP: the surviving members pay back the default-fund contributions a default used, pro
    /// rata to their contributions, this many steps after the step the fund was first drawn
    /// (Nasdaq Clearing, Sep 2018: within two business days). Absent: never replenished (written
    /// only when given, so older scenarios and links are unchanged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replenish_within_steps: Option<u32>,
    /// How accounts are margined (issue 18): absent = per instrument, as before it existed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub margin_model: Option<super::margin_model::MarginModelSpec>,
    /// Exchange: how an account holding a live option is liquidated (issue 18). Absent
    /// (`generic`): like any account, in quarters or in full (liquidation.rs), so scenarios and
    /// links written before it keep their meaning; `deribit`: closed one leg at a time, the
    /// largest contributor to its margin that trades within the price band first, until it is
    /// back above maintenance, delta-hedged only as the last resort; `hedge_first`: hedged, then
    /// closed leg by leg the same way (option_liquidation.rs).
    #[serde(skip_serializing_if = "OptionLiquidation::is_generic")]
    pub option_liquidation: OptionLiquidation,
}

/// How an exchange liquidates an account holding a live option (docs/scenario.md,
/// `venue.option_liquidation`; docs/options.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OptionLiquidation {
    /// As any other account: the generic liquidation (quarters when `partial_liquidation`).
    #[default]
    Generic,
    /// Deribit's rule for portfolio-margin accounts (release notes, 1 August 2023): close the
    /// largest contributor to the margin, one leg at a time (the next one if it will not trade
    /// within the price band), stop once the account is back above maintenance, and delta-hedge
    /// with the underlying only as the last resort, when no leg left trades within the band.
    Deribit,
    /// The order before 2023 ("striving for a delta neutral position"; a clearing house's
    /// close-out): delta-hedge with the underlying first, then close the largest contributor to
    /// the margin, one leg at a time, and stop once the account is back above maintenance.
    HedgeFirst,
}

impl OptionLiquidation {
    pub fn is_generic(&self) -> bool {
        *self == OptionLiquidation::Generic
    }
}

/// The auto-deleveraging rule of the venue (docs/scenario.md, `venue.adl`; domain notes §4 and
/// "Crypto and on-chain").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AdlRule {
    /// Ranked by PnL % × effective leverage (PnL % / leverage at a loss), closed at the
    /// bankruptcy price, the last hit partly.
    #[default]
    Bitmex,
    /// Ranked by (mark / entry) × (notional / account value), closed at the bankruptcy price.
    Hyperliquid,
    /// dYdX v4: offsetting positions taken in a seeded pseudo-random order, without ranking.
    Dydx,
    /// Drift: no position is closed; the loss is a per-unit Δ = loss / (Σ|longs| + Σ|shorts|)
    /// charged to every open position of the instrument, through its funding.
    Drift,
}

impl AdlRule {
    pub fn is_bitmex(&self) -> bool {
        *self == AdlRule::Bitmex
    }

    pub fn label(self) -> &'static str {
        match self {
            AdlRule::Bitmex => "BitMEX ranking",
            AdlRule::Hyperliquid => "Hyperliquid ranking",
            AdlRule::Dydx => "dYdX unranked selection",
            AdlRule::Drift => "Drift per-unit socialization",
        }
    }
}

impl Default for Venue {
    fn default() -> Self {
        Venue {
            name: String::new(),
            style: VenueStyle::Exchange,
            settlement: Settlement::Unrealized,
            quote: "USD".into(),
            insurance_fund: Decimal::ZERO,
            liquidation_fee: Decimal::new(5, 3),
            partial_liquidation: false,
            margin_call_grace: 1,
            auction_discount: Decimal::ZERO,
            max_slippage: Decimal::new(5, 1),
            adl: AdlRule::Bitmex,
            backstop_vault: None,
            replenish_within_steps: None,
            margin_model: None,
            option_liquidation: OptionLiquidation::Generic,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Asset {
    pub id: String,
    /// Price in quote currency when it does not follow an instrument.
    pub price: Decimal,
    /// Its price is the mark of this instrument (e.g. BTC follows XBTUSD).
    pub follows: Option<String>,
    /// Valuation haircut for margin (0.1 = counted at 90 %).
    pub haircut: Decimal,
}

impl Default for Asset {
    fn default() -> Self {
        Asset { id: String::new(), price: Decimal::ONE, follows: None, haircut: Decimal::ZERO }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ContractKind {
    /// Quote-margined: PnL = size × contract_size × (P − entry).
    #[default]
    Linear,
    /// Base-margined, 1 contract = `contract_size` quote units: PnL in base = Q·(1/entry − 1/P).
    Inverse,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SettlementKind {
    #[default]
    Cash,
    Physical,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Expiry {
    pub step: u32,
    pub settlement: SettlementKind,
    /// Physical: a short that lacks the underlying is bought in at mark × (1 + penalty).
    pub buy_in_penalty: Decimal,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MarginSpec {
    /// Flat initial margin rate (used when `tiers` is empty).
    pub initial: Decimal,
    /// Flat maintenance margin rate.
    pub maintenance: Decimal,
    /// Risk-limit tiers by notional, as Binance/Bybit publish them.
    pub tiers: Vec<Tier>,
}

impl Default for MarginSpec {
    fn default() -> Self {
        MarginSpec { initial: Decimal::new(1, 1), maintenance: Decimal::new(5, 2), tiers: Vec::new() }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Tier {
    /// Lower bound of the tier's notional bracket (first tier: 0).
    pub floor: Decimal,
    pub initial: Decimal,
    pub maintenance: Decimal,
    /// The tier's maintenance amount ("cum"); computed from the floors and rates when absent.
    pub maintenance_amount: Option<Decimal>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct PricePoint {
    pub step: u32,
    pub price: Decimal,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Shock {
    pub step: u32,
    /// Relative move applied from this step on (−0.3 = −30 %).
    pub change: Decimal,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Gbm {
    /// Drift per step.
    pub drift: Decimal,
    /// Volatility per step (0.02 = 2 % per step).
    pub volatility: Decimal,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct PricePath {
    /// Price at step 0.
    pub initial: Decimal,
    /// Scripted points, linearly interpolated; held flat after the last one.
    pub points: Vec<PricePoint>,
    /// Instant relative moves, compounding from their step on.
    pub shocks: Vec<Shock>,
    /// Seeded geometric Brownian motion (ignored when `points` is non-empty).
    pub gbm: Option<Gbm>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Instrument {
    pub id: String,
    pub kind: ContractKind,
    #[serde(default = "one")]
    pub contract_size: Decimal,
    pub tick_size: Decimal,
    pub lot_size: Decimal,
    pub margin: MarginSpec,
    /// Perpetual funding rate per step (longs pay shorts when positive).
    pub funding_rate: Decimal,
    pub expiry: Option<Expiry>,
    /// Slippage of a liquidation as a fraction of mark per 1,000,000 of closed notional.
    pub price_impact: Decimal,
    pub price: PricePath,
    /// The account that takes the other side of any open-interest imbalance.
    pub counterparty: Option<String>,
    /// The underlying asset id (inverse contracts are margined in it; physical delivery uses it).
    pub underlying: Option<String>,
    /// A European option on another instrument of the scenario (issue 18): its marks come from
    /// the underlying's marks and its own volatility path (the `price` path is ignored).
    /// Absent for futures and perpetuals, and then not written, so older links read unchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option: Option<OptionTerms>,
    /// This contract's own insurance fund (crypto venues' per-contract funds, BitMEX; Drift's
    /// per-market fund): its opening balance. Liquidation penalties on the contract go to it and
    /// a deficit on the contract is paid from it only. Absent: the venue's fund.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insurance_fund: Option<Decimal>,
    /// The last traded price, when it is not the mark (issue 19; BitMEX "Fair Price Marking",
    /// Binance's mark price): `price` stays the mark, which margin checks, liquidation triggers and
    /// unrealized PnL read; liquidations and close-outs fill at this path (with the price
    /// impact). Scripted only (`initial`, `points`, `shocks`; no `gbm`). Absent: fills at the
    /// mark, as before, and not written, so older links read unchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_price: Option<PricePath>,
}

/// A call (the right to buy the underlying at the strike) or a put (the right to sell).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OptionType {
    #[default]
    Call,
    Put,
}

/// What an option's premium and payoff are counted in: the quote currency, or the underlying
/// coin (Deribit's inverse options; the run still keeps its money in the quote currency, so a
/// coin mark is converted at the underlying's mark).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PremiumUnit {
    #[default]
    Quote,
    Coin,
}

/// An option's terms. Its expiry (step, cash or physical settlement) is the instrument's `expiry`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OptionTerms {
    /// The underlying instrument's id (a future or perpetual of this scenario, not an option).
    pub on: String,
    /// `call` or `put`.
    pub kind: OptionType,
    pub strike: Decimal,
    /// Calendar days one step spans (time to expiry T = steps left × days_per_step / 365).
    #[serde(default = "one")]
    pub days_per_step: Decimal,
    pub premium: PremiumUnit,
    /// Implied volatility σ, annualised (0.6 = 60 %), as a path: initial, points, shocks, or a
    /// seeded `gbm` of σ (per-step drift and volatility; its own draws, option_path.rs).
    pub volatility: PricePath,
    /// An implied-volatility smile by moneyness: points of K/F (sorted, strictly increasing),
    /// each with the volatility added to the path's at-the-money σ at that moneyness; linear
    /// between points, flat beyond the ends (`engine::options::smile`). Empty: σ is the path's
    /// at every moneyness, and not written, so older links read unchanged.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub smile: Vec<SmilePoint>,
}

/// One point of an option's volatility smile: at moneyness K/F = `moneyness`, σ is the path's σ
/// plus `add` (0.1 = ten vol points; negative below the at-the-money σ).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct SmilePoint {
    pub moneyness: Decimal,
    pub add: Decimal,
}

impl Default for OptionTerms {
    fn default() -> Self {
        OptionTerms {
            on: String::new(),
            kind: OptionType::Call,
            strike: Decimal::ZERO,
            days_per_step: Decimal::ONE,
            premium: PremiumUnit::Quote,
            volatility: PricePath::default(),
            smile: Vec::new(),
        }
    }
}

impl Default for Instrument {
    fn default() -> Self {
        Instrument {
            id: String::new(),
            kind: ContractKind::Linear,
            contract_size: Decimal::ONE,
            tick_size: Decimal::new(1, 2),
            lot_size: Decimal::new(1, 3),
            margin: MarginSpec::default(),
            funding_rate: Decimal::ZERO,
            expiry: None,
            price_impact: Decimal::ZERO,
            price: PricePath::default(),
            counterparty: None,
            underlying: None,
            option: None,
            insurance_fund: None,
            last_price: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[default]
    Trader,
    Member,
    MarketMaker,
    LpVault,
    Venue,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Trader => "trader",
            Role::Member => "member",
            Role::MarketMaker => "market maker",
            Role::LpVault => "LP vault",
            Role::Venue => "venue",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MarginMode {
    #[default]
    Cross,
    Isolated,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct CollateralSpec {
    pub asset: String,
    pub amount: Decimal,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct PositionSpec {
    pub instrument: String,
    /// Signed contracts: positive long, negative short.
    pub size: Decimal,
    /// Entry price; the instrument's step-0 price when absent.
    pub entry_price: Option<Decimal>,
    /// Isolated margin (quote currency) for this position; isolated accounts split their cash
    /// pro rata to notional when absent.
    pub isolated_margin: Option<Decimal>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct AccountSpec {
    pub id: String,
    /// Display name; the id when empty.
    pub name: String,
    pub role: Role,
    pub margin_mode: MarginMode,
    /// Quote-currency collateral.
    pub cash: Decimal,
    /// Other collateral by asset.
    pub collateral: Vec<CollateralSpec>,
    pub positions: Vec<PositionSpec>,
    /// Contribution to the default (guaranty) fund.
    pub fund_contribution: Decimal,
    /// Cash outside the venue, used to meet margin calls and assessments.
    pub reserves: Decimal,
    /// The default fund (`default_funds[].id`) its `fund_contribution` belongs to; empty: the
    /// general fund.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub fund: String,
    /// This account's margin model (issue 18), in place of `venue.margin_model`: a venue can
    /// margin its portfolio-margin users by a scenario grid and everyone else per instrument
    /// (Deribit's PM accounts). Absent: the venue's model (written only when given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub margin_model: Option<super::margin_model::MarginModelSpec>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    #[default]
    Long,
    Short,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Cohort {
    pub id: String,
    pub name: String,
    pub count: u32,
    pub instrument: String,
    pub side: Side,
    pub role: Role,
    pub margin_mode: MarginMode,
    /// Median notional per account (quote currency); sizes are log-normal around it.
    pub notional_median: Decimal,
    /// Log-space standard deviation of notional.
    pub notional_sigma: Decimal,
    pub leverage_min: Decimal,
    pub leverage_max: Decimal,
    /// Generator seed; the scenario seed mixed with the cohort index when absent.
    pub seed: Option<u64>,
    /// The margin model of the cohort's accounts (issue 18), in place of `venue.margin_model`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub margin_model: Option<super::margin_model::MarginModelSpec>,
}

impl Default for Cohort {
    fn default() -> Self {
        Cohort {
            id: String::new(),
            name: String::new(),
            count: 0,
            instrument: String::new(),
            side: Side::Long,
            role: Role::Trader,
            margin_mode: MarginMode::Cross,
            notional_median: Decimal::from(10_000),
            notional_sigma: Decimal::new(5, 1),
            leverage_min: Decimal::from(2),
            leverage_max: Decimal::from(10),
            seed: None,
            margin_model: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Tranche {
    #[default]
    Junior,
    Senior,
}

impl Tranche {
    /// As the scenario writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Tranche::Junior => "junior",
            Tranche::Senior => "senior",
        }
    }

    /// The `LayerInfo::kind` of a skin-in-the-game layer of this tranche.
    pub fn layer_kind(self) -> &'static str {
        LayerSpec::SkinInTheGame { tranche: self, amount: Decimal::ZERO }.kind_name()
    }
}

/// One layer of the default waterfall, in the order the scenario lists them. Written as
/// `{"kind": …}` plus the kind's own fields; read by the `Deserialize` below, which refuses a field
/// the kind does not have (serde's internally tagged unit variants ignore extras, so
/// `{"kind":"insurance_fund","amount":"999999"}` used to load with the amount ignored).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LayerSpec {
    /// The defaulter's own collateral (after haircuts).
    DefaulterMargin,
    /// The defaulter's own default-fund contribution.
    DefaulterFundContribution,
    /// The clearing house's own capital.
    SkinInTheGame {
        #[serde(default)]
        tranche: Tranche,
        amount: Decimal,
    },
    /// The venue's insurance fund (balance from `venue.insurance_fund` plus penalties).
    InsuranceFund,
    /// Survivors' default-fund contributions, pro rata to contribution.
    SurvivorsFund,
    /// Cash calls on survivors, each capped at `cap_multiple` × contribution per default, at most
    /// `max_calls` calls in the run (a share a member fails to pay is re-called from the others'
    /// headroom while calls remain). `period_cap_multiple`: the cap across all defaults of one
    /// cooling-off period of `cooling_off_steps` steps (absent: `cap_multiple`, and the whole run).
    Assessment {
        #[serde(default = "one")]
        cap_multiple: Decimal,
        #[serde(default = "one_u32")]
        max_calls: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        period_cap_multiple: Option<Decimal>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cooling_off_steps: Option<u32>,
        /// The rulebook takes a member's assessment first from its excess collateral at the
        /// clearing house (what it posted beyond its initial margin), and calls only the rest as
        /// new cash (issue 19). Absent: false, and not written.
        #[serde(default, skip_serializing_if = "is_false")]
        from_collateral: bool,
    },
    /// Initial-margin haircutting (issue 19), a recovery tool: the survivors' posted initial
    /// margin is cut pro rata to it, each by at most `cap_fraction` of what it posted, per default.
    ImHaircut { cap_fraction: Decimal },
    /// Variation-margin gains haircutting for up to `max_steps` steps.
    VariationMarginHaircut {
        #[serde(default = "one_u32")]
        max_steps: u32,
    },
    /// Pro rata on accounts with positive PnL since the start, rate capped at 100 %.
    SocializedLoss,
    /// Opposite positions closed at the bankruptcy price, ranked by PnL % × effective leverage.
    AutoDeleverage,
    /// A backstop vault takes the loss; its depositors' shares lose value.
    LpVaultHaircut { account: String },
    /// Positions opposite the defaulter are terminated; their open gains are forfeited.
    TearUp,
}

fn one_u32() -> u32 {
    1
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The layer kinds as written in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum LayerKind {
    DefaulterMargin,
    DefaulterFundContribution,
    SkinInTheGame,
    InsuranceFund,
    SurvivorsFund,
    Assessment,
    VariationMarginHaircut,
    SocializedLoss,
    AutoDeleverage,
    LpVaultHaircut,
    TearUp,
    ImHaircut,
}

impl LayerKind {
    /// The fields each kind takes besides `kind` (docs/scenario.md, "waterfall[]").
    fn fields(self) -> &'static [&'static str] {
        match self {
            LayerKind::SkinInTheGame => &["tranche", "amount"],
            LayerKind::Assessment => &["cap_multiple", "max_calls", "period_cap_multiple", "cooling_off_steps", "from_collateral"],
            LayerKind::ImHaircut => &["cap_fraction"],
            LayerKind::VariationMarginHaircut => &["max_steps"],
            LayerKind::LpVaultHaircut => &["account"],
            _ => &[],
        }
    }
}

/// Every field any layer kind takes (what a deserializer is told to expect).
const LAYER_FIELDS: &[&str] = &["kind", "tranche", "amount", "cap_multiple", "max_calls", "period_cap_multiple", "cooling_off_steps", "max_steps", "account", "from_collateral", "cap_fraction"];

impl<'de> Deserialize<'de> for LayerSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_struct("LayerSpec", LAYER_FIELDS, LayerVisitor)
    }
}

struct LayerVisitor;

impl<'de> serde::de::Visitor<'de> for LayerVisitor {
    type Value = LayerSpec;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a waterfall layer {\"kind\": …}")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<LayerSpec, A::Error> {
        use serde::de::Error;
        let (mut kind, mut tranche, mut amount, mut cap_multiple, mut max_calls, mut max_steps, mut account) =
            (None, None, None, None, None, None, None);
        let (mut period_cap_multiple, mut cooling_off_steps) = (None, None);
        let (mut from_collateral, mut cap_fraction) = (None, None);
        // Each value is read as its own type, so a bad one is reported at its own path.
        let mut given: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if given.contains(&key) {
                return Err(A::Error::custom(format_args!("duplicate field `{key}`")));
            }
            match key.as_str() {
                "kind" => kind = Some(map.next_value::<LayerKind>()?),
                "tranche" => tranche = Some(map.next_value::<Tranche>()?),
                "amount" => amount = Some(map.next_value::<Decimal>()?),
                "cap_multiple" => cap_multiple = Some(map.next_value::<Decimal>()?),
                "max_calls" => max_calls = Some(map.next_value::<u32>()?),
                "period_cap_multiple" => period_cap_multiple = Some(map.next_value::<Decimal>()?),
                "cooling_off_steps" => cooling_off_steps = Some(map.next_value::<u32>()?),
                "max_steps" => max_steps = Some(map.next_value::<u32>()?),
                "account" => account = Some(map.next_value::<String>()?),
                "from_collateral" => from_collateral = Some(map.next_value::<bool>()?),
                "cap_fraction" => cap_fraction = Some(map.next_value::<Decimal>()?),
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
            given.push(key);
        }
        let kind = kind.ok_or_else(|| A::Error::missing_field("kind"))?;
        let allowed = kind.fields();
        if let Some(extra) = given.iter().find(|k| *k != "kind" && !allowed.contains(&k.as_str())) {
            // The kind's wire name (`insurance_fund`), as the document wrote it.
            let name = serde_json::to_value(kind).ok();
            let name = name.as_ref().and_then(|v| v.as_str()).unwrap_or("this");
            return Err(A::Error::custom(if allowed.is_empty() {
                format!("unknown field `{extra}`: a `{name}` layer has no fields besides `kind`")
            } else {
                format!("unknown field `{extra}`: a `{name}` layer takes `{}`", allowed.join("`, `"))
            }));
        }
        Ok(match kind {
            LayerKind::DefaulterMargin => LayerSpec::DefaulterMargin,
            LayerKind::DefaulterFundContribution => LayerSpec::DefaulterFundContribution,
            LayerKind::SkinInTheGame => LayerSpec::SkinInTheGame {
                tranche: tranche.unwrap_or_default(),
                amount: amount.ok_or_else(|| A::Error::missing_field("amount"))?,
            },
            LayerKind::InsuranceFund => LayerSpec::InsuranceFund,
            LayerKind::SurvivorsFund => LayerSpec::SurvivorsFund,
            LayerKind::Assessment => LayerSpec::Assessment {
                cap_multiple: cap_multiple.unwrap_or_else(one),
                max_calls: max_calls.unwrap_or_else(one_u32),
                period_cap_multiple,
                cooling_off_steps,
                from_collateral: from_collateral.unwrap_or(false),
            },
            LayerKind::VariationMarginHaircut => LayerSpec::VariationMarginHaircut { max_steps: max_steps.unwrap_or_else(one_u32) },
            LayerKind::SocializedLoss => LayerSpec::SocializedLoss,
            LayerKind::AutoDeleverage => LayerSpec::AutoDeleverage,
            LayerKind::LpVaultHaircut => LayerSpec::LpVaultHaircut { account: account.ok_or_else(|| A::Error::missing_field("account"))? },
            LayerKind::TearUp => LayerSpec::TearUp,
            LayerKind::ImHaircut => LayerSpec::ImHaircut { cap_fraction: cap_fraction.ok_or_else(|| A::Error::missing_field("cap_fraction"))? },
        })
    }
}

impl LayerSpec {
    /// The variant's name, as `LayerInfo::kind` reports it.
    pub fn kind_name(&self) -> &'static str {
        match self {
            LayerSpec::DefaulterMargin => "DefaulterMargin",
            LayerSpec::DefaulterFundContribution => "DefaulterFundContribution",
            LayerSpec::SkinInTheGame { tranche: Tranche::Junior, .. } => "SkinInTheGameJunior",
            LayerSpec::SkinInTheGame { tranche: Tranche::Senior, .. } => "SkinInTheGameSenior",
            LayerSpec::InsuranceFund => "InsuranceFund",
            LayerSpec::SurvivorsFund => "SurvivorsFund",
            LayerSpec::Assessment { .. } => "Assessment",
            LayerSpec::VariationMarginHaircut { .. } => "VariationMarginHaircut",
            LayerSpec::SocializedLoss => "SocializedLoss",
            LayerSpec::AutoDeleverage => "AutoDeleverage",
            LayerSpec::LpVaultHaircut { .. } => "LpVaultHaircut",
            LayerSpec::TearUp => "TearUp",
            LayerSpec::ImHaircut { .. } => "ImHaircut",
        }
    }
}
