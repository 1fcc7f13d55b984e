//! The glossary: the field's vocabulary in plain words, each term tied where possible to a preset
//! where it happens (the app's "show me" button loads that preset).
//!
//! Definitions are written for this project; the facts behind them are in the domain notes
//! (PFMI, EMIR, BitMEX, OKX, Drift, Mango, Hyperliquid, BoE FSP 20).

/// One glossary entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Term {
    pub term: &'static str,
    pub definition: &'static str,
    /// Where the term can be watched happening: the glossary's "Show me" opens it.
    pub show_me: ShowMe,
    /// Other terms of this glossary, by their `term`.
    pub see_also: &'static [&'static str],
}

/// A preset, a venue and a step at which the term happens, and the words of the engine's story at
/// that step that say so (a test checks that every one of them is there: "Show me" must not open a
/// step whose narrative is about something else).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShowMe {
    /// A preset id (see `scenario::presets::ids()`).
    pub preset: &'static str,
    /// The venue on screen (0 = the scenario's own; linked venues follow in order).
    pub venue: usize,
    pub step: u32,
    /// Phrases, lower case, each of which the events at that step mention.
    pub mentions: &'static [&'static str],
    /// A stress analysis that shows the term, run on the preset once it is open (Cover-1 and
    /// Cover-2 are sizing figures: the stress lab computes them; the step shows a default).
    pub stress: Option<crate::stress::job::JobKind>,
}

const TERMS: &[Term] = &[
    Term {
        term: "default waterfall",
        definition: "The fixed order in which a venue or clearing house draws on resources to absorb a defaulter's loss: the defaulter's own money first, then the operator's capital, then what other participants put up or can be asked for. Each layer pays only what the layers before it could not.",
        show_me: ShowMe { preset: "exhausts-waterfall", venue: 0, step: 9, mentions: &["own margin", "fund contribution", "skin in the game", "survivors' default fund"], stress: None },
        see_also: &["skin in the game", "default fund", "assessment", "insurance fund"],
    },
    Term {
        term: "skin in the game",
        definition: "Capital of the clearing house itself placed in the waterfall, usually right after the defaulter's resources and before the survivors' contributions, so that the operator loses before its members do. Some clearing houses add a second, senior tranche after the default fund.",
        show_me: ShowMe { preset: "nasdaq-2018", venue: 0, step: 5, mentions: &["skin in the game"], stress: None },
        see_also: &["default waterfall", "default fund", "temporary capital"],
    },
    Term {
        term: "default fund",
        definition: "A pool pre-funded by all clearing members (also called a guaranty fund) that pays losses beyond a defaulter's own resources. It is mutualized: survivors lose their contributions pro rata, whoever caused the loss.",
        show_me: ShowMe { preset: "reaches-default-fund", venue: 0, step: 6, mentions: &["survivors' default fund"], stress: None },
        see_also: &["loss mutualization", "Cover-2", "clearing member obligations"],
    },
    Term {
        term: "clearing member obligations",
        definition: "What membership of a clearing house commits a firm to: posting initial and variation margin, contributing to the default fund, paying assessments when called, and taking part in auctions of a defaulter's portfolio.",
        show_me: ShowMe { preset: "exhausts-waterfall", venue: 0, step: 9, mentions: &["assessment", "fund contribution"], stress: None },
        see_also: &["default fund", "assessment", "initial margin", "variation margin"],
    },
    Term {
        term: "assessment",
        definition: "A cash call on surviving members once the funded layers are used up, capped (for instance at one or two times each member's contribution). A member that cannot pay its assessment may itself default, which can start a cascade. Some rulebooks meet it first from the member's collateral already at the clearing house beyond its initial margin, calling only the rest as new cash.",
        show_me: ShowMe { preset: "exhausts-waterfall", venue: 0, step: 9, mentions: &["assessment"], stress: None },
        see_also: &["clearing member obligations", "default waterfall"],
    },
    Term {
        term: "insurance fund",
        definition: "A crypto venue's reserve, filled mostly by liquidation penalties, that pays the difference when a liquidation closes worse than the position's bankruptcy price.",
        show_me: ShowMe { preset: "bitmex-2020", venue: 0, step: 11, mentions: &["insurance fund paid"], stress: None },
        see_also: &["insurance-fund depletion", "bankruptcy price", "auto-deleveraging (ADL)"],
    },
    Term {
        term: "insurance-fund depletion",
        definition: "The insurance fund has nothing left for a deficit, so the venue must move to its next tool, typically auto-deleveraging or a socialized loss. A small fund meeting a large liquidation is depleted at once.",
        show_me: ShowMe { preset: "okx-2018", venue: 0, step: 21, mentions: &["insurance fund is exhausted"], stress: None },
        see_also: &["insurance fund", "socialized loss", "auto-deleveraging (ADL)"],
    },
    Term {
        term: "socialized loss",
        definition: "A loss no reserve could pay, spread over other participants, typically pro rata to their profits, once per settlement period for all of that period's defaults together. Traders who did nothing wrong give up part of their gains.",
        show_me: ShowMe { preset: "okx-2018", venue: 0, step: 21, mentions: &["socialized loss"], stress: None },
        see_also: &["clawback", "loss mutualization", "bad-debt mutualization"],
    },
    Term {
        term: "loss mutualization",
        definition: "Sharing one participant's loss among many, by rule and in advance: a default fund used pro rata to contributions is the clearing-house form, a clawback on profits the venue form.",
        show_me: ShowMe { preset: "nasdaq-2018", venue: 0, step: 5, mentions: &["survivors' default fund paid"], stress: None },
        see_also: &["default fund", "socialized loss"],
    },
    Term {
        term: "bad-debt mutualization",
        definition: "Spreading a borrower's unrecoverable debt across a lending pool's depositors, for example by lowering the value of every deposit in the affected token by the same fraction.",
        show_me: ShowMe { preset: "hyperliquid-adl-2025", venue: 0, step: 7, mentions: &["deficit", "depositors' shares lose that value"], stress: None },
        see_also: &["socialized loss", "bad-debt propagation", "haircut"],
    },
    Term {
        term: "clawback",
        definition: "Taking back part of profitable accounts' gains, at one rate for all, to cover a deficit: the rate is the remaining loss divided by the total profit. OKEx used one in 2018 at about 17-18% of the week's profits.",
        show_me: ShowMe { preset: "okx-2018", venue: 0, step: 21, mentions: &["give up", "of their profit"], stress: None },
        see_also: &["socialized loss", "insurance-fund depletion"],
    },
    Term {
        term: "auto-deleveraging (ADL)",
        definition: "Closing a bankrupt position against opposite positions at the bankruptcy price, starting with the accounts that rank highest by profit and leverage. Those accounts lose the profit between the bankruptcy price and the market.",
        show_me: ShowMe { preset: "venue-insurance-adl", venue: 0, step: 15, mentions: &["deleveraged", "bankruptcy price"], stress: None },
        see_also: &["bankruptcy price", "insurance fund", "socialized loss"],
    },
    Term {
        term: "haircut",
        definition: "Cutting what is owed or counted to cover a shortfall: a collateral haircut values an asset below its price, a loss haircut reduces gains, vault shares or deposits pro rata.",
        show_me: ShowMe { preset: "lme-nickel-2022-stood", venue: 0, step: 6, mentions: &["haircut"], stress: None },
        see_also: &["VMGH", "LP vault / backstop", "bad-debt mutualization"],
    },
    Term {
        term: "VMGH",
        definition: "Variation-margin gains haircutting: after its funded resources are gone, a clearing house pays members who are owed variation margin only part of it, pro rata, one haircut per variation-margin cycle, for a limited period, while members who owe still pay in full.",
        show_me: ShowMe { preset: "lme-nickel-2022-stood", venue: 0, step: 6, mentions: &["vm gains haircut"], stress: None },
        see_also: &["haircut", "variation margin", "partial tear-up"],
    },
    Term {
        term: "partial tear-up",
        definition: "A recovery tool that terminates the contracts facing a defaulter's unsold positions at a price set by the clearing house. The counterparties lose their open gains instead of being paid them.",
        show_me: ShowMe { preset: "tear-up", venue: 0, step: 9, mentions: &["tear-up", "terminated"], stress: None },
        see_also: &["VMGH", "default waterfall"],
    },
    Term {
        term: "write-down accounting",
        definition: "Recording a loss that nobody paid, covered by no layer, as an explicit unallocated entry, so that the ledger still balances and the shortfall can be audited and replayed rather than vanishing.",
        show_me: ShowMe { preset: "exhausts-waterfall", venue: 0, step: 10, mentions: &["covered by no layer"], stress: None },
        see_also: &["default waterfall", "bad-debt propagation"],
    },
    Term {
        term: "bad-debt propagation",
        definition: "An unrecovered loss on one venue becoming a loss of someone elsewhere: a backstop vault's depositors, a lending pool, or the members of another clearing house. In Spillway a scenario can link venues so that one venue's unallocated residual or vault haircut lands on a named account of another, which may then default there in turn.",
        show_me: ShowMe { preset: "contagion-vault-to-ccp", venue: 1, step: 5, mentions: &["bad-debt propagation"], stress: None },
        see_also: &["LP vault / backstop", "bad-debt mutualization", "write-down accounting"],
    },
    Term {
        term: "physical delivery",
        definition: "Settling a contract by handing over the underlying commodity rather than cash. A short that cannot deliver is bought in by the venue, often at a penalty price, which is another way to create a deficit.",
        show_me: ShowMe { preset: "physical-delivery", venue: 0, step: 20, mentions: &["could not deliver", "bought in"], stress: None },
        see_also: &["variation margin", "default waterfall"],
    },
    Term {
        term: "Cover-1",
        definition: "Sizing a clearing house's prefunded resources to survive the default of its single largest member under extreme but plausible market conditions.",
        show_me: ShowMe { preset: "nasdaq-2018", venue: 0, step: 5, mentions: &["declared in default", "survivors' default fund paid"], stress: Some(crate::stress::job::JobKind::Cover) },
        see_also: &["Cover-2", "default fund"],
    },
    Term {
        term: "Cover-2",
        definition: "Sizing prefunded resources to survive the simultaneous default of the two members that would cause the largest loss under extreme but plausible conditions; EU clearing houses must meet it.",
        show_me: ShowMe { preset: "cover-2", venue: 0, step: 5, mentions: &["alpha energy failed its margin call and is declared in default", "bravo power failed its margin call and is declared in default"], stress: Some(crate::stress::job::JobKind::Cover) },
        see_also: &["Cover-1", "default fund"],
    },
    Term {
        term: "bankruptcy price",
        definition: "The price at which a position's losses exactly use up its margin. Closing it worse than this price leaves a deficit someone else must pay.",
        show_me: ShowMe { preset: "venue-insurance-adl", venue: 0, step: 15, mentions: &["bankruptcy price"], stress: None },
        see_also: &["liquidation price", "insurance fund", "auto-deleveraging (ADL)"],
    },
    Term {
        term: "liquidation price",
        definition: "The mark price at which an account's equity falls to its maintenance margin and the venue takes the position over. It lies a little before the bankruptcy price, leaving a buffer for the close-out.",
        show_me: ShowMe { preset: "bitmex-2020", venue: 0, step: 11, mentions: &["liquidated at", "(mark"], stress: None },
        see_also: &["bankruptcy price", "maintenance margin", "mark price"],
    },
    Term {
        term: "maintenance margin",
        definition: "The minimum equity a position must keep. Below it, a venue liquidates and a clearing house issues a margin call.",
        show_me: ShowMe { preset: "margin-covers", venue: 0, step: 10, mentions: &["below maintenance"], stress: None },
        see_also: &["initial margin", "liquidation price", "risk-limit tiers"],
    },
    Term {
        term: "initial margin",
        definition: "The collateral required to open a position, sized to cover the loss of closing it out in all but extreme moves. It is the first resource a default consumes. As a rare, contested recovery tool a clearing house may also cut the survivors' initial margin, pro rata and capped (an `im_haircut` layer).",
        show_me: ShowMe { preset: "margin-covers", venue: 0, step: 11, mentions: &["own margin absorbed"], stress: None },
        see_also: &["maintenance margin", "variation margin", "default waterfall"],
    },
    Term {
        term: "variation margin",
        definition: "The daily (or more frequent) payment of each position's change in value, from losers to winners through the clearing house. A member that cannot pay it is in default.",
        show_me: ShowMe { preset: "nasdaq-2018", venue: 0, step: 4, mentions: &["margin call", "must post"], stress: None },
        see_also: &["initial margin", "VMGH"],
    },
    Term {
        term: "mark price",
        definition: "The price a venue uses to value positions and trigger liquidations, usually derived from an index or oracle rather than the last trade. Whoever can move the mark can move everyone's margin. The last traded price can wick away from it without liquidating anyone, yet a liquidation still fills at the traded price (a scenario's `last_price`).",
        show_me: ShowMe { preset: "mark-vs-last-price", venue: 0, step: 4, mentions: &["(mark", "liquidated at"], stress: None },
        see_also: &["liquidation price", "bankruptcy price"],
    },
    Term {
        term: "cross vs isolated margin",
        definition: "Under cross margin, all of an account's positions share its collateral, so a loss on one draws on the rest; under isolated margin, each position has its own margin and can only lose that.",
        show_me: ShowMe { preset: "margin-modes", venue: 0, step: 2, mentions: &["isolated margin", "the rest of the account is untouched"], stress: None },
        see_also: &["maintenance margin", "liquidation price"],
    },
    Term {
        term: "risk-limit tiers",
        definition: "Brackets of position size with rising margin rates: the larger the position, the higher the maintenance rate, so big positions are liquidated earlier.",
        show_me: ShowMe { preset: "margin-modes", venue: 0, step: 6, mentions: &["maintenance tier 3 of 3", "the larger the position, the higher the rate"], stress: None },
        see_also: &["maintenance margin", "initial margin"],
    },
    Term {
        term: "LP vault / backstop",
        definition: "A pool of depositors' funds that takes over positions the order book cannot absorb, or acts as counterparty to all traders. Its depositors earn from liquidations and lose when a takeover goes wrong.",
        show_me: ShowMe { preset: "hyperliquid-jelly-2025", venue: 0, step: 5, mentions: &["backstop vault"], stress: None },
        see_also: &["bad-debt propagation", "haircut", "auto-deleveraging (ADL)"],
    },
    Term {
        term: "portfolio margin",
        definition: "Margin set for an account's positions together rather than one by one: the whole book is revalued under stress scenarios and the worst loss is the requirement, so positions that offset each other (a spread, a hedged option) need far less than their legs would alone. The saving lasts as long as the offset holds: when the legs move apart the margin call comes late and large.",
        show_me: ShowMe { preset: "portfolio-offset-fails", venue: 0, step: 5, mentions: &["margin call", "below maintenance"], stress: None },
        see_also: &["scenario grid", "SPAN", "VaR / expected shortfall", "maintenance margin"],
    },
    Term {
        term: "scenario grid",
        definition: "The stress table behind a portfolio margin: prices moved up and down in steps (for example ±16% in four buckets a side at Deribit), volatility moved up and down on each, every position repriced, the worst total loss taken as the margin. A spread credit can give back part of the legs' risk between related underlyings.",
        show_me: ShowMe { preset: "portfolio-offset-fails", venue: 0, step: 5, mentions: &["margin call", "below maintenance"], stress: None },
        see_also: &["portfolio margin", "SPAN"],
    },
    Term {
        term: "SPAN",
        definition: "CME's Standard Portfolio Analysis of Risk: sixteen scenarios of price and volatility moves (the two extreme moves counted at 35%), the worst loss as scan risk, plus inter-month spread charges, less inter-commodity spread credits, floored by a short option minimum. Clearing houses worldwide margin futures and options with it or its descendants.",
        show_me: ShowMe { preset: "nasdaq-2018-spread", venue: 0, step: 4, mentions: &["margin call", "below maintenance"], stress: None },
        see_also: &["portfolio margin", "scenario grid"],
    },
    Term {
        term: "VaR / expected shortfall",
        definition: "Margin from history rather than a fixed grid: the book is revalued under each past day's (or period's) move, and the margin is the loss exceeded only on the worst 1% of days (value at risk) or the average of those worst losses (expected shortfall), often with an anti-procyclicality buffer. A calm history gives a small margin call until the move it never saw.",
        show_me: ShowMe { preset: "portfolio-offset-fails", venue: 0, step: 5, mentions: &["margin call", "below maintenance"], stress: None },
        see_also: &["portfolio margin", "scenario grid"],
    },
    Term {
        term: "option liquidation order",
        definition: "How an exchange closes an option account that fell below maintenance, step by step. Deribit's order since 1 August 2023: the position contributing most to the risk matrix first, the next one when it will not trade within the price band (its price impact beyond the venue's limit), and a delta hedge with the perpetual only as the last resort; it stops once the account is back above maintenance. The older order hedged the delta first.",
        show_me: ShowMe { preset: "deribit-options-day", venue: 0, step: 2, mentions: &["would not trade within the price band", "as the last resort"], stress: None },
        see_also: &["delta hedge", "maintenance margin", "portfolio margin"],
    },
    Term {
        term: "delta hedge",
        definition: "Trading the underlying so that an option book's value no longer moves with its price: a book short puts gains delta as the price falls, so the hedge sells the future or perpetual by that delta. A clearing house hedges a defaulter's option book before auctioning it; an exchange's liquidation engine delta-hedges first, or only as the last resort.",
        show_me: ShowMe { preset: "deribit-options-day", venue: 0, step: 2, mentions: &["delta-hedges"], stress: None },
        see_also: &["option liquidation order", "default auction", "greeks"],
    },
    Term {
        term: "implied volatility",
        definition: "The yearly volatility σ that, put into the option-pricing formula (Black-76 here), gives an option's price: 0.6 means the market prices the underlying to move about 60% in a year. It has a path of its own, so an option's mark moves when volatility jumps even while the underlying stands still, and it tends to jump when prices fall; a smile adds volatility to strikes away from the money. At step 3 of the options seller each 7,000 put's mark is 1,493.5, of which 1,400 is intrinsic value and 93.5 the volatility spike from 60% to 150%.",
        show_me: ShowMe { preset: "options-seller", venue: 0, step: 3, mentions: &["btc-7000-p liquidated", "(mark 1,493.5)"], stress: None },
        see_also: &["greeks", "scenario grid", "mark price"],
    },
    Term {
        term: "greeks",
        definition: "An option's sensitivities: delta to the underlying's price (how many units of the underlying the option moves like), gamma how fast delta itself changes, vega to implied volatility, theta to time passing (what a day costs the holder). A book's greeks are its positions' summed, and the account's story shows all four at every step while the account holds a live option. A short-volatility book is short gamma and vega: when the price gaps its delta swings, and on the crypto-options day the liquidation engine offsets that delta at step 2.",
        show_me: ShowMe { preset: "deribit-options-day", venue: 0, step: 2, mentions: &["its delta of"], stress: None },
        see_also: &["implied volatility", "delta hedge", "option liquidation order"],
    },
    Term {
        term: "declared default",
        definition: "A clearing house may declare a member in default on its own judgment (a failure to pay, an insolvency), not only when its margin runs out; the scenario field `declared_defaults` (account, step) does that at a chosen step, whatever the account's margin. Its portfolio is then closed out and the loss goes down the waterfall.",
        show_me: ShowMe { preset: "declared-default-im-haircut", venue: 0, step: 2, mentions: &["in default", "closed out"], stress: None },
        see_also: &["default waterfall", "clearing member obligations", "initial-margin haircut"],
    },
    Term {
        term: "initial-margin haircut",
        definition: "A recovery tool after the funded layers: the clearing house applies the initial margin the surviving members posted to the loss, pro rata, each by at most a set fraction of it (an `im_haircut` layer with its `cap_fraction`). It is rare and contested, because it takes the collateral that protects the clearing house against the survivors' own defaults.",
        show_me: ShowMe { preset: "declared-default-im-haircut", venue: 0, step: 2, mentions: &["initial-margin haircut", "surviving accounts posted"], stress: None },
        see_also: &["initial margin", "VMGH", "declared default"],
    },
    Term {
        term: "trade cancellation",
        definition: "A venue busts a range of trades as if they never happened, as the LME cancelled the nickel trades of 8 March 2022: positions, balances, funds and variation margin return to where they stood before the range. The scenario field `trade_cancellations` (from, to) names the steps; the ledger shows every entry reversed.",
        show_me: ShowMe { preset: "lme-nickel-2022", venue: 0, step: 6, mentions: &["cancelled", "reverts"], stress: None },
        see_also: &["variation margin", "mark price"],
    },
    Term {
        term: "withdrawal against collateral",
        definition: "On a margin venue an account may take out what its initial margin does not need, unrealized profit included where the venue counts it; beyond its cash that is a loan the same collateral secures. The scenario field `withdrawals` (account, step, amount) does it; when the collateral's price falls back, the loan becomes bad debt, as at Mango Markets in October 2022.",
        show_me: ShowMe { preset: "mango-2022", venue: 0, step: 2, mentions: &["withdraws", "borrowed against its collateral"], stress: None },
        see_also: &["initial margin", "bankruptcy price", "recovery"],
    },
    Term {
        term: "backstop position transfer",
        definition: "Instead of closing a liquidated position in the market, a venue hands it with its collateral to a backstop vault, which carries it, marked to market, until it closes or settles (Hyperliquid's HLP and the JELLY short, March 2025). The scenario names the vault with `venue.backstop_vault` (an account with the role lp_vault).",
        show_me: ShowMe { preset: "hyperliquid-jelly-2025", venue: 0, step: 5, mentions: &["takes over", "backstop vault"], stress: None },
        see_also: &["LP vault / backstop", "liquidation price"],
    },
    Term {
        term: "default fund replenishment",
        definition: "After a default used the members' fund, the surviving members pay their used contributions back within a period the rulebook sets (Nasdaq Clearing's members did within two business days in September 2018). The scenario field `venue.replenish_within_steps` sets the period; a member short of reserves is recorded short.",
        show_me: ShowMe { preset: "nasdaq-2018", venue: 0, step: 7, mentions: &["replenish"], stress: None },
        see_also: &["default fund", "clearing member obligations"],
    },
    Term {
        term: "several default funds",
        definition: "A clearing house may keep one default fund per service or instrument group (`default_funds`, each listing its instruments, and `accounts[].fund` naming a member's fund), so a default in one service draws on that fund and assesses that fund's members only. Each fund's shortfall passes down the waterfall, never into another fund.",
        show_me: ShowMe { preset: "two-default-funds", venue: 0, step: 6, mentions: &["survivors' default fund", "utility a"], stress: None },
        see_also: &["default fund", "assessment caps", "per-contract insurance fund"],
    },
    Term {
        term: "per-contract insurance fund",
        definition: "A venue may give a contract an insurance fund of its own (`instruments[].insurance_fund`): that contract's liquidation penalties go into it and its bad debt comes out of it, while other contracts use the venue's fund. Drift keeps one per market.",
        show_me: ShowMe { preset: "venue-insurance-adl", venue: 0, step: 5, mentions: &["went to the insurance fund"], stress: None },
        see_also: &["insurance fund", "several default funds"],
    },
    Term {
        term: "assessment caps",
        definition: "Rulebooks cap what a member can be assessed: a multiple of its contribution per default (`cap_multiple`), a number of calls (`max_calls`: a share a member fails to pay is re-called from the others' headroom while calls remain), and a multiple across the defaults of a cooling-off period (`period_cap_multiple`, `cooling_off_steps`). CME caps at 2.75x per default and 5.5x in the period, Eurex at 2x and 3x within 20 business days.",
        show_me: ShowMe { preset: "two-default-funds", venue: 0, step: 6, mentions: &["assessment:", "was called for"], stress: None },
        see_also: &["assessment", "several default funds"],
    },
    Term {
        term: "recovery",
        definition: "Money that comes back after a default and restores what the waterfall took: at Mango Markets the attacker returned $67m under a DAO vote, depositors were repaid in full and the treasury bore the rest. The scenario field `recoveries` (step, from, amount, to: depositors or insurance_fund) does it; the waterfall's allocation stays as it happened.",
        show_me: ShowMe { preset: "mango-2022", venue: 0, step: 8, mentions: &["recovery", "whole again"], stress: None },
        see_also: &["withdrawal against collateral", "default fund", "insurance fund"],
    },
    Term {
        term: "temporary capital",
        definition: "Capital a clearing house puts into its skin in the game for a while, in front of the members' fund, and takes back unused at the end: after the Aas default of September 2018 Nasdaq Clearing added a temporary junior tranche of SEK 200m (about EUR 19m) for 90 days while members replenished the fund. The scenario field `capital_injections` (step, amount, tranche, steps) does it; a default inside the window draws on it first.",
        show_me: ShowMe { preset: "nasdaq-2018", venue: 0, step: 7, mentions: &["temporary capital", "of its own capital"], stress: None },
        see_also: &["skin in the game", "default fund replenishment", "default fund"],
    },
    Term {
        term: "default auction",
        definition: "The clearing house sells a defaulter's portfolio to the surviving members, who bid a discount to mark for a share of it. The best bids win their shares at their own price and carry the positions from then on; the defaulter's loss is what its book fetched.",
        show_me: ShowMe { preset: "default-auction", venue: 0, step: 5, mentions: &["auction:", "wins"], stress: None },
        see_also: &["forced allocation", "juniorisation", "clearing member obligations"],
    },
    Term {
        term: "forced allocation",
        definition: "What no acceptable bid in a default auction covers is handed to the surviving members, pro rata to their default-fund contributions, at the price the auction reached. It is a recovery tool: members take positions they did not choose.",
        show_me: ShowMe { preset: "default-auction", venue: 0, step: 5, mentions: &["forced allocation"], stress: None },
        see_also: &["default auction", "partial tear-up"],
    },
    Term {
        term: "juniorisation",
        definition: "In the survivors' default fund, the contributions of members who bid badly or not at all in the default auction are used before those of the members who won. It gives every member a reason to bid well.",
        show_me: ShowMe { preset: "default-auction", venue: 0, step: 5, mentions: &["juniorisation"], stress: None },
        see_also: &["default auction", "default fund"],
    },
];

/// Every term, in teaching order.
pub fn terms() -> &'static [Term] {
    TERMS
}

/// One term, matched case-insensitively.
pub fn find(term: &str) -> Option<&'static Term> {
    TERMS.iter().find(|t| t.term.eq_ignore_ascii_case(term))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::presets;

    #[test]
    fn every_example_is_a_preset_and_every_link_a_term() {
        let ids = presets::ids();
        for t in terms() {
            assert!(ids.contains(&t.show_me.preset), "{}: no preset `{}`", t.term, t.show_me.preset);
            for s in t.see_also {
                assert!(find(s).is_some(), "{}: see-also `{s}` is not a term", t.term);
                assert_ne!(*s, t.term, "{} refers to itself", t.term);
            }
        }
    }

    #[test]
    fn terms_are_unique_and_defined() {
        let mut names: Vec<&str> = terms().iter().map(|t| t.term).collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n, "duplicate term");
        for t in terms() {
            let sentences = t.definition.matches(". ").count() + 1;
            assert!((1..=3).contains(&sentences), "{}: {sentences} sentences", t.term);
        }
    }

    #[test]
    fn required_terms_are_present() {
        for t in [
            "default waterfall", "skin in the game", "default fund", "clearing member obligations", "assessment",
            "insurance fund", "insurance-fund depletion", "socialized loss", "loss mutualization", "bad-debt mutualization",
            "clawback", "auto-deleveraging (ADL)", "haircut", "VMGH", "partial tear-up", "write-down accounting",
            "bad-debt propagation", "physical delivery", "Cover-1", "Cover-2", "bankruptcy price", "liquidation price",
            "maintenance margin", "initial margin", "variation margin", "mark price", "cross vs isolated margin",
            "risk-limit tiers", "LP vault / backstop",
        ] {
            assert!(find(t).is_some(), "missing {t}");
        }
    }
}
