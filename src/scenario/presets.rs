//! Ready-made scenarios for the gallery. Each is an example file under `examples/`, embedded at
//! build time, so the CLI, the docs and the app show the same scenarios. Every preset carries a
//! narrative (what happened and what the figures mean) and the publications it draws on; figures
//! the project could not check against a primary source are called unverified in the narrative
//! (see domain notes, "Verified" vs "Unverified").

use super::schema::Scenario;
use std::sync::OnceLock;

#[derive(Clone, Debug)]
pub struct Preset {
    pub id: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
    /// What happened, step by step, and what the figures mean (plain text, several sentences).
    pub narrative: &'static str,
    /// Publications the preset draws on (names, no links).
    pub sources: &'static [&'static str],
    /// The published figures the preset states, each checked by a test (tests/presets_episodes.rs).
    pub published: &'static [Published],
    /// Which of its figures are illustrative, in one sentence.
    pub illustrative: &'static str,
    pub scenario: Scenario,
}

/// A figure of a real episode that a preset states, where it was published, and what in the run
/// reproduces it (within `tolerance`, in the figure's own unit).
#[derive(Clone, Copy, Debug)]
pub struct Published {
    /// What the figure is, in words.
    pub what: &'static str,
    /// As the preset states it (and the narrative or summary writes it).
    pub stated: &'static str,
    pub source: &'static str,
    pub check: Check,
}

/// How a test checks a published figure against the run.
#[derive(Clone, Copy, Debug)]
pub enum Check {
    /// A run figure equals `value` within `tolerance` (decimal strings).
    Run { figure: RunFigure, value: &'static str, tolerance: &'static str },
    /// Not reproduced by the run (the engine does not model it, or the run is scaled down): the
    /// preset must state it, as `stated`, in its narrative.
    Stated,
}

/// A figure of a run, or of its scenario.
#[derive(Clone, Copy, Debug)]
pub enum RunFigure {
    /// The loss beyond the defaulters' margin.
    BadDebt,
    /// The loss beyond the defaulters' margin and their own fund contributions.
    BeyondOwnResources,
    /// The defaulters' margin and own fund contributions used.
    OwnResources,
    /// What the first layer of that kind (`LayerInfo::kind`) paid, divided by `per`.
    Drawn { kind: &'static str, per: &'static str },
    /// The surviving members' default-fund contributions at the start.
    SurvivorsFund,
    /// The first instrument's mark at step 0, lowest, highest and last.
    MarkStart,
    MarkLow,
    MarkHigh,
    MarkLast,
    /// The insurance fund's change over the run, as a fraction of its opening balance.
    InsuranceChange,
    /// `summary.adl.overshoot` over `summary.adl.needed` (how many times the need it took beyond it).
    AdlOvershootRatio,
    /// Everything the run's accounts withdrew (the `Withdrawal` events' amounts).
    Withdrawn,
    /// Everything returned after the defaults (the scenario's `recoveries`, as the run paid them).
    Recovered,
    /// Everything the clearing house put in as temporary capital (the scenario's
    /// `capital_injections`, as the run made them).
    CapitalInjected,
    /// What the surviving accounts' default-fund contributions (deposits) are short at the end
    /// of the run against the start.
    DepositsLostLast,
    /// An account's equity less its equity at step 0: the lowest over the run, and the last.
    AccountLow { account: &'static str },
    AccountLast { account: &'static str },
}


/// One preset's static parts; the JSON is decoded on demand.
struct Source {
    id: &'static str,
    title: &'static str,
    summary: &'static str,
    narrative: &'static str,
    sources: &'static [&'static str],
    published: &'static [Published],
    illustrative: &'static str,
    json: &'static str,
}

/// Each preset's scenario, decoded once (the page asks for the presets several times while it
/// mounts: the link's base, the picker, the shortest link's patch). Reading them through the strict
/// reader (issue 16: one `Deserialize` per type in the page) is slower than `serde_json::from_str`
/// was, so it is paid once per preset, not once per call.
static DECODED: [OnceLock<Option<Scenario>>; SOURCES.len()] = [const { OnceLock::new() }; SOURCES.len()];

impl Source {
    fn decode(&self) -> Option<Preset> {
        let k = SOURCES.iter().position(|s| s.id == self.id)?; // ids are unique (a test checks)
        DECODED[k].get_or_init(|| serde_json::from_str::<Scenario>(self.json).ok()).clone().map(|scenario| Preset {
            id: self.id,
            title: self.title,
            summary: self.summary,
            narrative: self.narrative,
            sources: self.sources,
            published: self.published,
            illustrative: self.illustrative,
            scenario,
        })
    }
}

/// The `illustrative` of a didactic preset.
const ALL_ILLUSTRATIVE: &str = "Every figure is illustrative.";

const fn run(figure: RunFigure, value: &'static str, tolerance: &'static str) -> Check {
    Check::Run { figure, value, tolerance }
}

const PFMI: &str = "CPMI-IOSCO, Principles for Financial Market Infrastructures (2012), Principle 4";

const SOURCES: &[Source] = &[
    Source {
        id: "margin-covers",
        title: "A default the margin covers",
        summary: "A clearing member misses a margin call; its position is auctioned and its own margin absorbs the whole loss.",
        narrative: "A clearing member holds a long power future with a little more collateral than the initial margin asks for. \
After a 14% drop the member's equity falls below maintenance and the clearing house issues a margin call. \
The member has no reserves to pay it, so after the one-step grace period it is declared in default. \
The clearing house auctions the position at a 2% discount to the mark; the close-out loss is the fall in value plus that discount. \
The whole loss fits inside the member's own margin, so the first layer of the waterfall pays everything and no one else is touched. \
This is the case the margin model is designed for: initial margin sized to cover a close-out in all but extreme moves.",
        sources: &[PFMI, "CME Clearing, Financial Safeguards"],
        published: &[],
        illustrative: ALL_ILLUSTRATIVE,
        json: include_str!("../../examples/margin-covers.json"),
    },
    Source {
        id: "reaches-default-fund",
        title: "The default fund pays (Nasdaq 2018, stylized)",
        summary: "A member's loss beyond its collateral takes EUR 7m of the clearing house's capital and EUR 107m (64%) of the members' default fund.",
        narrative: "This is a one-instrument simplification of the Nasdaq Clearing default of September 2018 (the preset nasdaq-2018 tells it with both legs, the member's own contribution and the auction). \
A single member is long 10 million units of a spread contract; a price shock of 17% (an illustrative size: the reported move was about 17 times a normal day's, which is not a percentage) costs it EUR 170m of variation margin, far more than its EUR 56m of collateral (an illustrative amount). \
It cannot meet the margin call and is declared in default at the next step. \
Its collateral is used first; the EUR 114m beyond it goes down the waterfall. \
The clearing house's own capital (skin in the game) pays EUR 7m, and the survivors' default fund pays the remaining EUR 107m, pro rata to each member's contribution. \
107 of 166 is about 64% of the fund: the reported figure. \
No assessment is needed, so the waterfall stops at the mutualized fund.",
        sources: &["Nasdaq Clearing default notices, 12-14 September 2018", "Nasdaq Clearing statement, 13 September 2018", "GlobalCapital, September 2018"],
        published: &[
            Published { what: "loss beyond the defaulter's own resources", stated: "EUR 114m", source: "Nasdaq Clearing default notices, 12-14 September 2018", check: run(RunFigure::BadDebt, "114000000", "0") },
            Published { what: "clearing house's own capital used", stated: "EUR 7m", source: "Nasdaq Clearing statement, 13 September 2018", check: run(RunFigure::Drawn { kind: "SkinInTheGameJunior", per: "1" }, "7000000", "0") },
            Published { what: "members' default fund used", stated: "EUR 107m", source: "Nasdaq Clearing statement, 13 September 2018", check: run(RunFigure::Drawn { kind: "SurvivorsFund", per: "1" }, "107000000", "0") },
            Published { what: "the default fund", stated: "166", source: "GlobalCapital, September 2018", check: run(RunFigure::SurvivorsFund, "166000000", "0") },
        ],
        illustrative: "The shock, the member's EUR 56m of collateral (which in the real case included his own fund contribution), the positions and the other members are illustrative.",
        json: include_str!("../../examples/reaches-default-fund.json"),
    },
    Source {
        id: "exhausts-waterfall",
        title: "A loss that exhausts the waterfall",
        summary: "Every layer pays, an assessment pushes a thin member into default (cascade), and a residual is left unallocated.",
        narrative: "A member holding a large long future loses 40% of its value in one gap. \
Its margin and its own default-fund contribution go first, then the clearing house's skin in the game, then the survivors' contributions; each is exhausted in turn. \
The clearing house then calls assessments of up to one more contribution from every surviving member. \
One thinly capitalized member cannot pay its share: it defaults in turn, and its own close-out adds to the loss (a cascade). \
A window of variation-margin gains haircutting follows, but after the gap there are few gains left to cut. \
What remains is written down as unallocated: the clearing house is insolvent by that amount and would move to recovery or resolution. \
The figures are illustrative.",
        sources: &[PFMI, "Bank of England, Financial Stability Paper No. 20 (Elliott, 2013)"],
        published: &[],
        illustrative: ALL_ILLUSTRATIVE,
        json: include_str!("../../examples/exhausts-waterfall.json"),
    },
    Source {
        id: "venue-insurance-adl",
        title: "Insurance fund, then ADL (BitMEX-style)",
        summary: "A whale is liquidated beyond bankruptcy after a gap; the insurance fund pays what it can and profitable shorts are auto-deleveraged.",
        narrative: "On a perpetual-futures venue, a crowd of retail longs is liquidated as the price slides; each liquidation that closes before the bankruptcy price pays a penalty into the insurance fund. \
Then a 10% gap takes a 13x whale long far past its bankruptcy price, and the book can only absorb it with slippage. \
The insurance fund pays the part of the deficit it can. \
When it runs dry, auto-deleveraging closes the most profitable, most leveraged shorts against the bankrupt position at its bankruptcy price, in BitMEX's ranking order. \
The deleveraged shorts lose the profit they would have made between the bankruptcy price and the mark. \
Amounts are illustrative.",
        sources: &["BitMEX, 'What is Auto-Deleveraging' help page", "BitMEX, 'Auto-Deleveraging Examples' help page"],
        published: &[],
        illustrative: ALL_ILLUSTRATIVE,
        json: include_str!("../../examples/venue-insurance-adl.json"),
    },
    Source {
        id: "five-strategies",
        title: "The same default under five strategies",
        summary: "One whale default, built to be compared under five waterfalls: CME, LCH/Eurex, BitMEX, clawback and Hyperliquid.",
        narrative: "A 10x long is caught by a 20% gap and loses about twice its margin. \
The scenario holds the ingredients every rule set needs: members with default-fund contributions and reserves, an insurance fund, shorts in profit, and a backstop vault. \
Open compare mode and look at five of the ready-made waterfalls. \
Under the CME-style and LCH/Eurex-style clearing houses, the defaulter's margin and contribution go first, then the survivors' fund and an assessment: the loss is spread over members in proportion to their contributions. \
Under BitMEX rules the insurance fund pays first and auto-deleveraging closes the best-ranked shorts at the bankruptcy price, so a few profitable, leveraged accounts take large hits. \
Under the clawback rule (OKX 2018) every account in profit gives up the same share of its profit, which touches more accounts but each less. \
Under Hyperliquid-style rules the backstop vault takes the whole loss, and its depositors bear it. \
Compare the share paid by non-defaulters, the largest single hit and the Gini coefficient across the five columns. \
The scenario's own waterfall is the CME-style one with a small skin-in-the-game tranche.",
        sources: &[PFMI, "CME Clearing, Financial Safeguards", "BitMEX, 'What is Auto-Deleveraging' help page", "OKEx announcements, July-August 2018, as quoted in the press", "Hyperliquid documentation, liquidations and HLP"],
        published: &[],
        illustrative: ALL_ILLUSTRATIVE,
        json: include_str!("../../examples/five-strategies.json"),
    },
    Source {
        id: "nasdaq-2018",
        title: "Nasdaq Clearing, September 2018 (power spread)",
        summary: "An individual member's Nordic-German power spread moves about 17 times a normal day in one session; after his own resources and a discounted auction, EUR 114m takes EUR 7m of Nasdaq's capital and EUR 107m (64%) of the EUR 166m default fund.",
        narrative: "An individual clearing member holds a spread: long Nordic power, short German power. \
In one session, Monday 10 September, the spread moves against him by about 17 times a normal day's move (reported): a wet forecast pushes Nordic power down while German power rises, so both legs lose. \
He cannot meet the margin call and is declared in default at the next step, as on 11 September; Nasdaq auctions the two legs to other members, here at a 10% discount to the mark, as it did on 12 September. \
The move itself costs EUR 50m, about 39% more than his EUR 36m of own resources; the auction's discount adds EUR 100m, so it is the close-out that carries the loss into the mutualized fund. \
His collateral and then his own default-fund contribution pay first. \
The EUR 114m beyond them goes down the waterfall: EUR 7m of Nasdaq's own capital (skin in the game), then EUR 107m from the other members' contributions, pro rata. \
That is about 64% of the EUR 166m commodities default fund, as reported. \
The fund is replenished within two business days, as it was: at step 7 the other members pay the EUR 107m back from their own resources, pro rata to their contributions; the ledger shows each payment and the fund's balance is whole again. \
At the same step, after the default had emptied its EUR 7m, Nasdaq puts a temporary junior tranche of SEK 200m (about EUR 19m) in front of the members' fund for 90 days, as its notice of 14 September announced: the skin-in-the-game layer holds EUR 19m again, and the ledger shows the capital coming in. \
Here a step is a business day, so the 90 days are 64 steps, longer than the run: the tranche is still there at its end, unused, and what no default used of it would be withdrawn at its end. \
Published: the 114 / 7 / 107 / 166 split, the 17-times move, the two-day replenishment and the SEK 200m tranche for 90 days; recoveries from the estate were to flow back to members pro rata, which this run does not show.",
        sources: &["Nasdaq Clearing default notices, 12-14 September 2018", "Nasdaq Clearing statement, 13 September 2018", "GlobalCapital, September 2018", "Nasdaq Commodities via Dagens Naeringsliv, September 2018", "Einar Aas's statement, September 2018", "Risk.net, September 2018", "Reuters and Nasdaq Clearing, 21 September 2018", "Nasdaq Clearing notice, 14 September 2018 (temporary junior capital)"],
        published: &[
            Published { what: "loss beyond his collateral and his own fund contribution", stated: "EUR 114m", source: "Nasdaq Clearing default notices, 12-14 September 2018", check: run(RunFigure::BeyondOwnResources, "114000000", "0") },
            Published { what: "Nasdaq's own capital used (skin in the game)", stated: "EUR 7m", source: "Nasdaq Clearing statement, 13 September 2018", check: run(RunFigure::Drawn { kind: "SkinInTheGameJunior", per: "1" }, "7000000", "0") },
            Published { what: "other members' default-fund contributions used", stated: "EUR 107m", source: "Nasdaq Clearing statement, 13 September 2018", check: run(RunFigure::Drawn { kind: "SurvivorsFund", per: "1" }, "107000000", "0") },
            Published { what: "the commodities default fund", stated: "EUR 166m", source: "GlobalCapital, September 2018", check: run(RunFigure::SurvivorsFund, "166000000", "0") },
            Published { what: "what he had paid in (own resources)", stated: "EUR 36m", source: "Einar Aas's statement, September 2018", check: run(RunFigure::OwnResources, "36000000", "1000000") },
            Published { what: "the move in one session", stated: "17 times a normal day's move", source: "Nasdaq Commodities via Dagens Naeringsliv, September 2018", check: Check::Stated },
            Published { what: "members replenished the used fund", stated: "within two business days", source: "Reuters and Nasdaq Clearing, 21 September 2018", check: Check::Stated },
            Published { what: "temporary junior capital Nasdaq added after the default", stated: "SEK 200m (about EUR 19m)", source: "Nasdaq Clearing notice, 14 September 2018", check: run(RunFigure::CapitalInjected, "19000000", "0") },
            Published { what: "how long the temporary tranche stays", stated: "for 90 days", source: "Nasdaq Clearing notice, 14 September 2018", check: Check::Stated },
        ],
        illustrative: "The split of his EUR 36m between collateral and fund contribution, the other members, the position sizes, the prices, the 10% auction discount, the step the temporary tranche comes in (7, with the replenishment) and its conversion to EUR 19m (SEK 200m at about 10.5 SEK per EUR) are illustrative.",
        json: include_str!("../../examples/nasdaq-2018.json"),
    },
    Source {
        id: "bitmex-2020",
        title: "BitMEX, 12-13 March 2020 (crash and insurance fund)",
        summary: "Bitcoin falls from about 7,900 to 3,596 in a day; waves of leveraged longs are liquidated; the insurance fund falls about 4.6% and ADL is never used.",
        narrative: "Bitcoin falls from about 7,900 to 3,596, the low of BitMEX's XBTUSD, within a day. \
The run holds a cohort of 120 leveraged longs and three large longs margined in bitcoin on the inverse XBTUSD perpetual, where each contract is one dollar and profit and loss are paid in bitcoin. \
As the price slides, longs hit their liquidation prices; those closed before their bankruptcy price leave their penalty in the insurance fund. \
In the fast legs of the fall, positions close past bankruptcy, and the insurance fund pays the difference. \
The large longs margined in bitcoin fall faster than their leverage suggests, because their collateral loses value together with the position. \
The fund ends about 4.6% lower, as BitMEX's fell from about 35,500 to 33,880 BTC before rising to a record soon after; auto-deleveraging, the next layer, is never triggered, as BitMEX reported. \
Near the bottom BitMEX was unreachable from 02:16 to 02:40 UTC: a denial-of-service attack, not a trading halt, and the engine does not model it. \
Cohort accounts hold dollars rather than bitcoin.",
        sources: &["BitMEX, 'What is Auto-Deleveraging' help page", "BitMEX, post of 13 March 2020 (delayed requests 02:16-02:40 UTC)", "BitMEX blog, 17 and 23 March 2020", "Cointelegraph, March 2020 (insurance fund balance)"],
        published: &[
            Published { what: "XBTUSD low", stated: "3,596", source: "BitMEX blog, 17 and 23 March 2020", check: run(RunFigure::MarkLow, "3596", "10") },
            Published { what: "price before the crash", stated: "about 7,900", source: "Cointelegraph, March 2020 (insurance fund balance)", check: run(RunFigure::MarkStart, "7900", "80") },
            Published { what: "insurance fund's net change", stated: "about 4.6% lower", source: "Cointelegraph, March 2020 (insurance fund balance)", check: run(RunFigure::InsuranceChange, "-0.046", "0.002") },
            Published { what: "auto-deleveraging", stated: "never used", source: "BitMEX blog, 17 and 23 March 2020", check: run(RunFigure::Drawn { kind: "AutoDeleverage", per: "1" }, "0", "0") },
            Published { what: "the outage", stated: "02:16 to 02:40 UTC", source: "BitMEX, post of 13 March 2020 (delayed requests 02:16-02:40 UTC)", check: Check::Stated },
        ],
        illustrative: "The accounts, their sizes and the fund's dollar balance (sized so that it falls by the published share) are illustrative.",
        json: include_str!("../../examples/bitmex-2020.json"),
    },
    Source {
        id: "okx-2018",
        title: "OKEx, July-August 2018 (clawback)",
        summary: "A 4.17m-contract BTC quarterly long cannot be filled and is settled at 7,480; a 10 BTC insurance fund, 2,500 BTC from OKEx, and a ~17.5% clawback of every profitable account's weekly profit cover the gap.",
        narrative: "One account is long about 4.17 million BTC quarterly contracts of USD 100 each, roughly USD 417m. \
On 31 July, near 8,040, the liquidation engine takes the position over, but it cannot be filled: OKEx carries it to the Friday settlement on 3 August at 7,480, and its clawback rule charges the difference between the liquidation price and that settlement price. \
The engine has no position carried by the liquidation engine, so it fills the liquidation at 7,480 through price impact instead: the same price, reached another way. \
The loss beyond the account's margin is about 3,710 BTC here (3,877 BTC in one press report, which does not reconcile with the parts below). \
The insurance fund holds only about 10 BTC and is emptied at once. \
OKEx puts in 2,500 BTC of its own money, modelled as skin in the game. \
The remaining ~1,200 BTC is clawed back from every account with a net profit for the week across all contracts, at one rate for all: remaining loss divided by total profit, about 17.5% here against about 18% reported. \
Weekly-contract shorts are included because the rule counted profit across all contracts, and the market makers, whose losses on the weekly contract outweigh their gains on the quarterly one, are not clawed back. \
BTC amounts are converted to dollars at 7,480 (10 BTC = USD 74,800; 2,500 BTC = USD 18.7m; 1,200 BTC = USD 8.976m); profits are valued at the mark of the liquidation step.",
        sources: &["OKEx announcements, 31 July-3 August 2018, as quoted in the press", "Finance Magnates, August 2018", "Bloomberg, August 2018, via the press", "CoinDesk, August 2018"],
        published: &[
            Published { what: "insurance fund used", stated: "about 10 BTC", source: "OKEx announcements, 31 July-3 August 2018, as quoted in the press", check: run(RunFigure::Drawn { kind: "InsuranceFund", per: "7480" }, "10", "0.1") },
            Published { what: "OKEx's injection", stated: "2,500 BTC", source: "OKEx announcements, 31 July-3 August 2018, as quoted in the press", check: run(RunFigure::Drawn { kind: "SkinInTheGameJunior", per: "7480" }, "2500", "25") },
            Published { what: "clawed back", stated: "~1,200 BTC", source: "CoinDesk, August 2018", check: run(RunFigure::Drawn { kind: "SocializedLoss", per: "7480" }, "1200", "12") },
            Published { what: "settlement price", stated: "7,480", source: "Finance Magnates, August 2018", check: Check::Stated },
            Published { what: "position", stated: "4.17 million", source: "OKEx announcements, 31 July-3 August 2018, as quoted in the press", check: Check::Stated },
            Published { what: "clawback rate", stated: "about 18%", source: "Bloomberg, August 2018, via the press", check: Check::Stated },
        ],
        illustrative: "The traders other than the large long are illustrative, sized so that their weekly profit reproduces the reported rate; the BTC-to-dollar rate is the settlement price.",
        json: include_str!("../../examples/okx-2018.json"),
    },
    Source {
        id: "mango-2022",
        title: "Mango Markets, October 2022 (a loan against a pumped price, and the return)",
        summary: "A long of 483 million MNGO-PERP, pumped from 0.0382 to 0.91, is borrowed against: $116m is withdrawn, the price falls back, and about $115m of bad debt is left; then the attacker returns $67m, depositors are repaid in full and the treasury bears the rest.",
        narrative: "The attacker used two accounts: one bought 483 million MNGO perpetuals at 0.0382 from the other, on $5m USDC each, then pushed MNGO's oracle price to 0.91 on thin spot markets. \
The long's paper profit, about $421m, counted as collateral: at step 2 the account borrows against it and withdraws $116m of other depositors' tokens (SEC), which its equity less initial margin allowed many times over. \
At step 4 the price falls back to where it was; the long is liquidated far past its bankruptcy price, and the loan becomes a deficit of about $115m ($116m drawn, less the $5m deposit, plus the long's small loss at 0.03). \
Under the protocol's rule the DAO treasury's insurance fund (about $70m) pays first, then a deposit-index cut takes the rest, about $45m, from depositors pro rata to their deposits (the 'default-fund contributions' stand for the deposits; Mango v4 cuts each token's deposit index on its own, the 2022 exploit hit v3). \
That cut did not stand: at step 8, after a DAO vote on 15 October, the attacker returns $67m and keeps $47m, and the return is a recovery in the run. \
It first makes every depositor whole again, as Mango repaid users from a snapshot taken an hour before the attack; the remaining $22m refills the treasury's fund, so the treasury bears about $48m net here, where about $42m was reported (the $116m was drawn in several tokens whose prices moved before the repayment). \
Published: 483 million perps, 0.0382 to 0.91, $116m withdrawn, $67m returned, $47m kept, the treasury's about $42m and depositors repaid; the bad debt of about $115m follows from them.",
        sources: &["Mango v4 source code (health, liquidation and token bankruptcy)", "SEC complaint against Avraham Eisenberg, 20 January 2023", "Lim / Genesis and Solidus Labs analyses of the exploit, October 2022", "Mango DAO vote and press (Decrypt, Blockworks, The Block), October 2022"],
        published: &[
            Published { what: "borrowed and withdrawn against the inflated collateral", stated: "$116m", source: "SEC complaint against Avraham Eisenberg, 20 January 2023", check: run(RunFigure::Withdrawn, "116000000", "0") },
            Published { what: "bad debt left when the price fell back", stated: "about $115m", source: "SEC complaint against Avraham Eisenberg, 20 January 2023 ($116m drained, $5m of the attacker's own USDC in the account)", check: run(RunFigure::BadDebt, "115000000", "1000000") },
            Published { what: "the attacker's perpetual position", stated: "483 million", source: "Lim / Genesis and Solidus Labs analyses of the exploit, October 2022", check: Check::Stated },
            Published { what: "entry price and pumped price", stated: "from 0.0382 to 0.91", source: "Lim / Genesis and Solidus Labs analyses of the exploit, October 2022", check: run(RunFigure::MarkHigh, "0.91", "0") },
            Published { what: "returned by the attacker", stated: "$67m", source: "Mango DAO vote and press (Decrypt, Blockworks, The Block), October 2022", check: run(RunFigure::Recovered, "67000000", "0") },
            Published { what: "depositors repaid in full (their deposits whole at the end)", stated: "repaid in full", source: "Mango DAO vote and press (Decrypt, Blockworks, The Block), October 2022", check: run(RunFigure::DepositsLostLast, "0", "0") },
            Published { what: "kept by the attacker", stated: "$47m", source: "Mango DAO vote and press (Decrypt, Blockworks, The Block), October 2022", check: Check::Stated },
            Published { what: "paid by the DAO treasury", stated: "about $42m", source: "Mango DAO vote and press (Decrypt, Blockworks, The Block), October 2022", check: Check::Stated },
        ],
        illustrative: "The depositor groups and their deposits, the short side's collateral, the insurance fund standing for the treasury (about $70m), the steps of the pump and of the return, and the treasury's net share in the run (about $48m, the bad debt less the $67m; about $42m was reported) are illustrative.",
        json: include_str!("../../examples/mango-2022.json"),
    },
    Source {
        id: "hyperliquid-jelly-2025",
        title: "Hyperliquid, March 2025 (JELLY: HLP carries the short)",
        summary: "A squeezed JELLY short is taken over by the HLP vault, which carries it at an unrealized loss of about $12m; JELLY is then delisted and settled at 0.0095, and HLP ends the day up about +$0.7m.",
        narrative: "A trader holds a short of about 430 million JELLY entered at 0.0095, a position of about $4m, on $0.7m of margin. \
JELLY is then pushed up more than fourfold; at step 5 the short is liquidated, the order book cannot take it, and the HLP liquidator vault takes it over with the trader's margin (venue.backstop_vault): the trader loses the margin and owes nothing, and no loss reaches the waterfall. \
HLP carries the short, marked to market every step: at the peak of 0.039 its unrealized loss on the position is about $12.7m, about $12m net of the margin it took over, which is the figure reported for HLP. \
Auto-deleveraging is the next layer, for the case the vault's own equity ran out; it is not needed, and in reality HLP did not trigger ADL because its liquidator shared collateral with the other HLP vaults. \
Validators then delisted JELLY and settled every open position at 0.0095, which the run shows as the contract's expiry at step 11: the pumping longs' paper gains vanish, and HLP's short closes at its entry. \
HLP ends up by the trader's margin, $0.7m, matching its reported result for the whole day of about +$0.7m. \
Non-flagged longs were later refunded as if settled at 0.037555, an off-venue payment the engine does not model. \
Afterwards Hyperliquid capped the liquidator vault and set ADL to start when its loss passes a threshold.",
        sources: &["Hyperliquid statement on JELLY, 26 March 2025", "Lookonchain and press reports, March 2025"],
        published: &[
            Published { what: "HLP's unrealized loss at the peak", stated: "about $12m", source: "Lookonchain and press reports, March 2025", check: run(RunFigure::AccountLow { account: "hlp" }, "-12000000", "750000") },
            Published { what: "HLP's result for the day", stated: "about +$0.7m", source: "Hyperliquid statement on JELLY, 26 March 2025", check: run(RunFigure::AccountLast { account: "hlp" }, "700000", "100000") },
            Published { what: "settlement price", stated: "0.0095", source: "Hyperliquid statement on JELLY, 26 March 2025", check: run(RunFigure::MarkLast, "0.0095", "0") },
            Published { what: "the short", stated: "about 430 million JELLY", source: "Hyperliquid statement on JELLY, 26 March 2025", check: Check::Stated },
            Published { what: "refund price for non-flagged longs", stated: "0.037555", source: "Hyperliquid statement on JELLY, 26 March 2025", check: Check::Stated },
        ],
        illustrative: "The other accounts, the trader's margin, the vault's size and the path of the squeeze are illustrative.",
        json: include_str!("../../examples/hyperliquid-jelly-2025.json"),
    },
    Source {
        id: "hyperliquid-adl-2025",
        title: "Hyperliquid, 10 October 2025 (ADL at scale)",
        summary: "A crash liquidates 2,500 leveraged longs; the capped vault runs dry and Hyperliquid's ADL queue closes profitable shorts carrying about 2.8 times the bad debt it covers: the overshoot.",
        narrative: "On 10 October 2025 the largest liquidation day on record hit every venue; on Hyperliquid about $5.51bn of positions were liquidated, and auto-deleveraging closed about $2.10bn more in 34,983 fills across 19,337 accounts, the first cross-margin ADL there in over two years. \
This run is that mechanism at a smaller, illustrative scale: 2,500 leveraged longs and 2,500 shorts on one perpetual, made from two cohorts, and a price that falls 40% in eight steps. \
The longs are liquidated in waves, many a little past their bankruptcy price; the capped liquidator vault (HLP here) pays their bad debt until it is empty. \
Then the ADL queue takes over: opposite positions ranked by (mark / entry) x (notional / account value), highest first, closed at the bankruptcy price, the venue's rule set by venue.adl = hyperliquid. \
Each fill needs only the bad debt of one liquidated position, but it closes whole contracts of profitable shorts: every ADL event says what the deficit needed and how much open profit the closed positions carried. \
Over the run the queue closes positions carrying about 2.8 times the bad debt it covered; the summary's overshoot adds up what each fill took beyond its need. \
On the real day, Chitra (2025) estimates that the queue took $45.0-51.7m more profit than needed, closing about $653.6m of positions, and replays found 94.5% of the positions it closed were profitable with a median leverage of 0.15x: the queue picked profit, not risk. \
No bad debt was left on Hyperliquid: HLP and the queue absorbed it all, as here. \
Open an ADL'd account's story to see its rank, its key and what it gave up, or switch venue.adl to bitmex, dydx or drift in the editor to compare the same crash under another rule.",
        sources: &["Hyperliquid documentation, 'Auto-deleveraging' (sorting key)", "Hyperliquid and on-chain data on 10 October 2025, as summarized in the domain notes", "T. Chitra, 'Autodeleveraging: impossibilities and optimization', arXiv 2512.01112 (v3), December 2025"],
        published: &[
            Published { what: "liquidated on Hyperliquid that day", stated: "$5.51bn", source: "Hyperliquid data, 10 October 2025 (domain notes)", check: Check::Stated },
            Published { what: "closed by ADL", stated: "$2.10bn", source: "Hyperliquid data, 10 October 2025 (domain notes)", check: Check::Stated },
            Published { what: "ADL fills", stated: "34,983", source: "Hyperliquid data, 10 October 2025 (domain notes)", check: Check::Stated },
            Published { what: "accounts ADL'd", stated: "19,337", source: "Hyperliquid data, 10 October 2025 (domain notes)", check: Check::Stated },
            Published { what: "profit taken beyond the need", stated: "$45.0-51.7m", source: "Chitra, arXiv 2512.01112 (v3)", check: Check::Stated },
            Published { what: "positions closed by the queue", stated: "$653.6m", source: "Chitra, arXiv 2512.01112 (v3)", check: Check::Stated },
            Published { what: "ADL'd positions that were profitable", stated: "94.5%", source: "replays of 10 October 2025 (domain notes)", check: Check::Stated },
        ],
        illustrative: "Every amount in the run is illustrative (one perpetual, 5,000 accounts, a 40% fall in eight steps, a $500k vault); the figures of the day are stated, not reproduced.",
        json: include_str!("../../examples/hyperliquid-adl-2025.json"),
    },
    Source {
        id: "lme-nickel-2022",
        title: "LME nickel, March 2022 (the trades cancelled)",
        summary: "Nickel rises about 248% to 101,365 $/t; a short member is called for more than it has, and the LME suspends trading and cancels the morning's trades, about $12bn of them, instead of letting members default.",
        narrative: "Nickel rises from 29,130 $/t on 4 March to 101,365 on 8 March, about 248% in two sessions. \
A large short member pays the first variation-margin call from its reserves at the 7 March close (step 4). \
On the morning of 8 March (step 5) the price more than doubles again, and the member is called for about $3.6bn more than it has. \
The LME suspended trading at 08:15 and cancelled the trades made that day, about $12bn of them (the court's figure), rather than face margin calls of over $19bn that about a quarter of its members might not have met. \
The run does the same at step 6: the trades of step 5 are cancelled, the variation margin paid in them reverts through the ledger, the margin call lapses, and every position and balance is back where it stood at the 7 March close, the mark the market settles from when it reopens. \
No member defaults and the waterfall is never touched; the preset lme-nickel-2022-stood shows, with the same book, what a default would have done had the trades stood. \
The High Court dismissed the claims of Elliott and Jane Street against the cancellation (2023; appeal dismissed 2024), and the FCA fined the LME GBP 9.2m in 2025 for its controls before the event. \
All sizes, margins and fund amounts are illustrative, not LME Clear's.",
        sources: &["LME notices of 8 March 2022 (suspension and cancellation)", "High Court, Elliott and Jane Street v LME, [2023] EWHC 2969 (Admin)", "Reuters (Andy Home), March 2022; FCA final notice, 19 March 2025", PFMI],
        published: &[
            Published { what: "peak price", stated: "101,365 $/t", source: "Reuters (Andy Home), March 2022; FCA final notice, 19 March 2025", check: run(RunFigure::MarkHigh, "101365", "500") },
            Published { what: "price before the squeeze", stated: "29,130 $/t", source: "Reuters (Andy Home), March 2022; FCA final notice, 19 March 2025", check: run(RunFigure::MarkStart, "29130", "300") },
            Published { what: "trades cancelled", stated: "about $12bn", source: "High Court, Elliott and Jane Street v LME, [2023] EWHC 2969 (Admin)", check: Check::Stated },
            Published { what: "margin calls avoided", stated: "over $19bn", source: "High Court, Elliott and Jane Street v LME, [2023] EWHC 2969 (Admin)", check: Check::Stated },
            Published { what: "FCA fine", stated: "GBP 9.2m", source: "Reuters (Andy Home), March 2022; FCA final notice, 19 March 2025", check: Check::Stated },
        ],
        illustrative: "The members, their positions, margins and fund contributions, the waterfall's amounts and the prices after the reopening are illustrative.",
        json: include_str!("../../examples/lme-nickel-2022.json"),
    },
    Source {
        id: "lme-nickel-2022-stood",
        title: "LME nickel, March 2022 (had the trades stood)",
        summary: "The counterfactual of lme-nickel-2022: had the LME not cancelled the trades of 8 March, a short member's default as nickel reached 101,365 $/t would have run through the clearing house's whole waterfall.",
        narrative: "Nickel rises from 29,130 $/t on 4 March to 101,365 on 8 March, about 248% in two sessions. \
A large short member pays the first variation-margin call from its reserves, but the next move asks for more than it has, and after the grace step it is declared in default. \
The clearing house auctions the short at a 5% premium to a spiking market; the close-out loss far exceeds the member's margin. \
The waterfall runs in order: the defaulter's margin and contribution, the clearing house's skin in the game, the survivors' fund, and assessments, one of which a thin member cannot pay, so it defaults in turn. \
The rest is taken by cutting the winning members' variation-margin gains. \
None of this happened: the LME suspended trading at 08:15 and cancelled the trades made that day, about $12bn of them (the court's figure); the preset lme-nickel-2022 runs that cancellation, and this one shows what it avoided. \
All sizes, margins and fund amounts are illustrative, not LME Clear's; nickel is also physically deliverable, and a short unable to deliver would face a buy-in (see the physical-delivery example).",
        sources: &["LME notices of 8 March 2022 (suspension and cancellation)", "High Court, Elliott and Jane Street v LME, [2023] EWHC 2969 (Admin)", "Reuters (Andy Home), March 2022; FCA final notice, 19 March 2025", PFMI],
        published: &[
            Published { what: "peak price", stated: "101,365 $/t", source: "Reuters (Andy Home), March 2022; FCA final notice, 19 March 2025", check: run(RunFigure::MarkHigh, "101365", "500") },
            Published { what: "trades cancelled", stated: "about $12bn", source: "High Court, Elliott and Jane Street v LME, [2023] EWHC 2969 (Admin)", check: Check::Stated },
        ],
        illustrative: "The members, their positions, margins and fund contributions, and the waterfall's amounts are illustrative.",
        json: include_str!("../../examples/lme-nickel-2022-stood.json"),
    },
    Source {
        id: "contagion-vault-to-ccp",
        title: "Contagion: a DEX vault's loss defaults a member of a clearing house",
        summary: "Two venues linked: a perp DEX's backstop vault takes a whale's bad debt, and a fund holding 40% of the vault defaults at a clearing house two steps later.",
        narrative: "Venue A is a perpetuals DEX; a whale holds a 20-million-contract long in a thin token. At step 3 the token falls 55%, the whale is liquidated into a thin book, and its margin and the insurance fund cover only part of the loss. The backstop vault (HLP-style) takes the rest, so its depositors' shares lose that value. Kestrel Capital owns 40% of the vault: two steps later 40% of the vault's loss comes off its collateral at a clearing house, venue B. There it holds long index futures; now under maintenance, it gets a margin call its reserves cannot meet. After the grace step it is declared in default just as the index falls 8%, and its futures are auctioned at a 3% discount. The close-out loss uses up its margin and its default-fund contribution, the clearing house's skin in the game, and part of the survivors' fund. Switch venues above the player to follow the loss from one waterfall into the other; the figures are illustrative.",
        sources: &[PFMI, "Hyperliquid documentation, HLP and liquidations", "Domain notes, bad-debt propagation"],
        published: &[],
        illustrative: ALL_ILLUSTRATIVE,
        json: include_str!("../../examples/contagion-vault-to-ccp.json"),
    },
    Source {
        id: "physical-delivery",
        title: "A short that cannot deliver",
        summary: "A nickel future settles by delivery; a short without the metal is bought in at a penalty and its deficit goes down the waterfall.",
        narrative: "A quarterly nickel future settles by physical delivery at step 20. One short holds the metal and delivers it; another, a speculator, does not. \
The clearing house buys the missing metal in for it at a 30% penalty over the mark, and the cost is more than the speculator's cash and reserves. \
Its margin pays first, then its default-fund contribution, the clearing house's skin in the game and the survivors' fund. \
Failing to deliver is another way to create a deficit, without any price crash. Illustrative figures.",
        sources: &[PFMI, "Domain notes, physical delivery and buy-ins"],
        published: &[],
        illustrative: ALL_ILLUSTRATIVE,
        json: include_str!("../../examples/physical-delivery.json"),
    },
    Source {
        id: "tear-up",
        title: "A partial tear-up ends the waterfall",
        summary: "The exhausted-waterfall loss, with a partial tear-up as the last tool: the positions facing the defaulter are terminated and forfeit their open gains.",
        narrative: "A 40% gap sinks a large long member, as in the exhausted-waterfall scenario. \
Its margin, its fund contribution, the clearing house's capital, the survivors' fund and the assessment are used up in turn. \
Instead of haircutting variation-margin gains, the clearing house then uses a partial tear-up: the contracts facing the defaulter's unsold position are terminated at the last price, and their holders give up the gains they had not yet been paid. \
One member cannot meet its assessment and defaults in turn; its own margin covers its close-out. \
The last $1.4m is paid by the three members whose contracts were torn up, out of the gains they forfeit. \
Recovery tools like this are described by CPMI-IOSCO (2017); the figures are illustrative.",
        sources: &[PFMI, "CPMI-IOSCO, Recovery of financial market infrastructures (2017)"],
        published: &[],
        illustrative: ALL_ILLUSTRATIVE,
        json: include_str!("../../examples/tear-up.json"),
    },
    Source {
        id: "margin-modes",
        title: "Cross vs isolated margin, and risk-limit tiers",
        summary: "Four traders long the same perpetual as it falls 10%: isolated margin loses only what was set aside, a big position's higher maintenance tier liquidates it first, and cross margin rides the fall out.",
        narrative: "Four traders are long the same perpetual at 10,000 on an exchange that publishes risk-limit tiers: 1% maintenance up to $100k of notional, 2.5% up to $500k, 5% above. \
Ivan holds 1 BTC on isolated margin with $350 set aside from his $2,000: at step 2 that position alone is liquidated, and the other $1,650 in his account is untouched. \
Carol holds the same 1 BTC on cross margin: all of her $2,000 backs it, so she rides out the whole 10% fall and ends with $1,500 (the other side of the same rule: under cross margin a loss can take the whole balance). \
Wendy and Mina are both at 10× leverage, but Wendy's 60 BTC sit in the 5% tier, so she is liquidated at step 6 while Mina, 1 BTC in the 1% tier, lasts until step 8. \
Closing Wendy's $552k moves the price about 3% (the liquidation's price impact), past her bankruptcy price: the insurance fund pays the $6.3k deficit. \
That is why tiers exist: a big position costs more to close, so it must be closed earlier. The figures are illustrative; the tier table has the shape Binance and Bybit publish.",
        sources: &["Binance, USDⓈ-M Futures: Leverage and Margin (risk-limit tiers) and How to Calculate Liquidation Price", "BitMEX, Cross and Isolated Margin", "Bybit, Risk Limit"],
        published: &[],
        illustrative: ALL_ILLUSTRATIVE,
        json: include_str!("../../examples/margin-modes.json"),
    },
    Source {
        id: "cover-2",
        title: "Two members default at once (Cover-2)",
        summary: "A 20% gap breaks two clearing members on the same day; the default fund covers the larger default alone (Cover-1) but not both (Cover-2).",
        narrative: "Two clearing members, Alpha and Bravo, are long a power future; Charlie and Delta are short. \
A 20% gap at step 4 takes both longs below zero equity, and neither can meet its margin call: both are declared in default at step 5. \
Alpha's close-out leaves €960 beyond its margin, Bravo's €590: each goes through its own fund contribution, the clearing house's skin in the game and the survivors' fund, and the last €206 is assessed on the two survivors. \
This is the case Cover-2 sizes for: a fund that survives the default of the two members whose defaults would cost the most, together, in extreme but plausible conditions (EMIR Article 43 requires it of EU clearing houses). \
Open the stress lab's Cover-1 / Cover-2: the €1,200 fund covers Alpha's default alone 150% (Cover-1) but both defaults only 92% (Cover-2). \
The figures are illustrative.",
        sources: &[PFMI, "Regulation (EU) No 648/2012 (EMIR), Articles 42 and 43", "Commission Delegated Regulation (EU) No 153/2013, Article 29"],
        published: &[],
        illustrative: ALL_ILLUSTRATIVE,
        json: include_str!("../../examples/cover-2.json"),
    },
    Source {
        id: "two-default-funds",
        title: "Two default funds: energy and equity derivatives",
        summary: "A clearing house keeps an energy fund and an equity-derivatives fund apart: an energy member's default draws on the energy fund and assesses the energy members only; the equity members' EUR 45m is not touched.",
        narrative: "Many clearing houses keep one default fund per service, so that members of one market do not mutualize the risks of another: Nasdaq Clearing keeps its commodities default fund apart from its financial one, and LCH keeps one per clearing service. \
Here an energy member is long 1 million MWh of Nordic power at EUR 50 with EUR 5.9m of collateral; a 30% fall at step 5 costs it EUR 15m of variation margin, and it fails its margin call. \
Declared in default at step 6, its position is auctioned 10% below the mark of 35, at 31.5: with the variation margin it owed, a loss of EUR 18.5m. \
Its collateral (EUR 5.9m) and its own contribution to the energy fund (EUR 2m) pay first, then the clearing house's capital (EUR 1m), then the other energy members' fund, EUR 8m, all of it. \
The EUR 1.6m still lacking is assessed on the energy members only, pro rata to their headroom, each capped at 1x its contribution to the energy fund: Utility A pays EUR 1m, Utility B EUR 0.6m. \
The equity members' fund (EUR 45m) is neither drawn nor assessed: with one pooled fund they would have borne most of the EUR 9.6m, since they hold most of its contributions. \
Every figure is illustrative; the rule is the clearing houses' (separate funds per service, assessments capped on a member's contribution to that service's fund).",
        sources: &["Nasdaq Clearing, default fund rules (separate commodities and financial default funds)", "LCH Ltd, Default Rules (one default fund per clearing service)", PFMI],
        published: &[],
        illustrative: ALL_ILLUSTRATIVE,
        json: include_str!("../../examples/two-default-funds.json"),
    },
    Source {
        id: "options-seller",
        title: "An options seller blows up (short volatility)",
        summary: "A fund short out-of-the-money puts and calls is hit by a 30% gap and volatility jumping from 60% to 150%; its deficit goes through the insurance fund and is socialized among the accounts in profit.",
        narrative: "A fund sells 100 puts struck at 7,000 and 100 calls struck at 9,000 on a bitcoin perpetual at 8,000, ten days from expiry, for $7,900 of premium (Black-76 at 60% volatility, rounded to the tick). \
The venue margins options the Deribit way: a long option has paid its premium and needs nothing, a short one needs 7.5% of the underlying plus its mark, so the fund's $130,000 covers a maintenance requirement of $127,900. \
At step 3 the price gaps down 30% to 5,600 and implied volatility jumps to 150%, the way volatility spikes when a market falls (the VIX went from 17 to 37 in two days of February 2018, sinking the LJM funds). \
Each put is now worth 1,493.5 instead of 30.5: 1,400 is intrinsic value and 93.5 is the volatility spike, so the fund owes $149,900 on a book it holds $137,900 against. \
The liquidation engine buys the options back at the mark plus its price impact and leaves a $13,100 deficit. \
The insurance fund pays its $8,000 and the last $5,100 is socialized: the two accounts in profit, the put buyers, give up 3.6% of their profit. \
Real blow-ups of option sellers look like this at a larger scale: OptionSellers.com's short natural-gas options left about 300 accounts owing their broker some $35m in November 2018. \
The figures here are illustrative.",
        sources: &[
            "Deribit, 'Options' and 'Liquidations' (standard option margin)",
            "SLCG, LJM Preservation and Growth Fund (February 2018)",
            "INTL FCStone filing on the OptionSellers.com accounts (November 2018)",
        ],
        published: &[],
        illustrative: ALL_ILLUSTRATIVE,
        json: include_str!("../../examples/options-seller-2018.json"),
    },
    Source {
        id: "deribit-options-day",
        title: "A crypto-options day: Deribit's liquidation order",
        summary: "A short-volatility book on a Deribit-style venue, margined as a portfolio, is hit by a 25% gap and volatility jumping from 50% to 110%; the liquidation engine follows Deribit's 2023 order (largest contributor first, the next leg when one will not trade within the price band, the perpetual hedge only as the last resort), and the $31.6k deficit goes through the insurance fund and is socialized.",
        narrative: "A trader on a bitcoin options venue run the Deribit way is short 30 puts struck at 27,000 and 30 calls struck at 33,000, with 10 puts struck at 24,000 bought as a wing, eight days from expiry with bitcoin at 30,000 and implied volatility at 50%. \
The premium, $5,470 net (Black-76, rounded to the tick), and $100,000 of cash make $105,470 of margin, and the venue margins the book as a portfolio with Deribit's scenario grid (price \u{b1}16% in 9 steps, volatility up and down, the extended moves). \
At step 2 bitcoin gaps down 25% to 22,500 and volatility jumps to 110%: each 27,000 put is worth 4,660.5, each wing 2,191.5, and the book is $12,550 below zero. \
The liquidation engine follows Deribit's order of 1 August 2023. The largest contributor to the risk matrix, the short puts ($39.2k), would not trade within the price band: buying back 30 at once moves the price 28%, beyond the venue's 10% band, so the next leg goes first: the calls ($687), bought back at 4. \
No leg is left that trades within the band, so as the last resort the book is delta-hedged with the perpetual: 20.169 BTC sold at 22,398, $2,057 of price impact. \
Still below maintenance, the legs left are closed at the band's edge: the wing sold at 2,095.5, the puts bought back at 5,126.5 (10% above the mark) and the hedge bought back at 22,602. \
The trader's $105,470 is gone and $31,604 more: the insurance fund pays its $5,000 and the last $26,604 is socialized, the two accounts in profit giving up 23.6% of it. \
Set the venue's option liquidation (venue.option_liquidation in the JSON) to hedge_first to replay the order Deribit used before 2023, the hedge first, or to generic for a liquidation in one go. Every figure is illustrative.",
        sources: &[
            "Deribit release notes, 1 August 2023 ('New liquidation algorithm for Portfolio Margin Clients')",
            "Deribit support, 'Liquidations' and 'Portfolio Margin'",
            "Deribit support, 'Insurance Fund'",
        ],
        published: &[],
        illustrative: ALL_ILLUSTRATIVE,
        json: include_str!("../../examples/deribit-options-day.json"),
    },
    Source {
        id: "portfolio-offset-fails",
        title: "Portfolio margin vs per-instrument margin: when the offset fails",
        summary: "A crude-oil spread margined as a portfolio needs $256,000 where its legs margined one by one would need $1.6m; when WTI falls 10% and Brent rises 5% in one step, the spread loses $1.2m against $400,000 of margin.",
        narrative: "A member is long 100,000 barrels of WTI and short 100,000 of Brent, both at $80. \
The clearing house margins whole portfolios with a scenario grid: each leg is moved up to 10% up and down, its worst loss is its risk ($800,000 a leg), and because the two crudes usually move together it gives back 80% of both legs' risk as a spread credit. \
The spread needs $320,000 of initial and $256,000 of maintenance margin, where the same legs margined one by one would need $1.6m of maintenance: the account's story shows both figures and the scenario that drives the requirement. \
For four steps both legs rise to $84 and fall back together; the spread's value does not move and neither does its margin. \
At step 5 the legs decorrelate: WTI falls 10% to $72 while Brent rises 5% to $84, and the spread loses $1.2m in one step, a move the grid never combined because the credit assumed the legs would offset. \
The member cannot meet the call and defaults: its $400,000 of margin and $100,000 fund contribution pay first, then $50,000 of the clearing house's capital, the other members' $600,000 fund and a $50,000 assessment. \
Per-instrument margin of $1.6m would have covered the whole loss; a portfolio margin is only as good as the correlation it assumes. \
Every figure is illustrative.",
        sources: &["CME, 'SPAN Methodology Overview' (inter-commodity spread credits)", "Deribit support, 'Portfolio Margin'"],
        published: &[],
        illustrative: ALL_ILLUSTRATIVE,
        json: include_str!("../../examples/portfolio-offset-fails.json"),
    },
    Source {
        id: "nasdaq-2018-spread",
        title: "Nasdaq Clearing, September 2018, margined as a spread",
        summary: "The Nasdaq 2018 power spread margined as a spread: EUR 7m of maintenance instead of EUR 25m leg by leg; the legs move apart and the loss beyond his resources is the same EUR 114m: EUR 7m of Nasdaq's capital and EUR 107m (64%) of the EUR 166m fund.",
        narrative: "The same member, long Nordic power and short German power, margined the way a clearing house margins a spread: SPAN-style scenarios move each leg by up to 2.5% of its price, and because Nordic and German power usually move together, 80% of the two legs' scan risk is given back as an inter-commodity spread credit. \
Leg by leg the spread would need EUR 25m of maintenance; margined as a spread it needs EUR 7m (EUR 25m of scan risk less an EUR 18m credit). The account's story shows the requirement with and without the credit and the scenario that drives it. \
In one session, Monday 10 September, the spread moves against him by about 17 times a normal day's move (reported): Nordic power falls while German power rises, so both legs lose, which is exactly the case a spread credit assumes away. \
He cannot meet the margin call and is declared in default; the two legs are auctioned at a 10% discount to the mark. \
His collateral and his own fund contribution pay first; the EUR 114m beyond them takes EUR 7m of Nasdaq's own capital and EUR 107m of the other members' contributions, about 64% of the EUR 166m commodities default fund, as reported. \
Here he had posted more than the spread margin required, so the outcome equals the leg-by-leg preset; what changes is how little the rules asked of him.",
        sources: &["Nasdaq Clearing default notices, 12-14 September 2018", "Nasdaq Clearing statement, 13 September 2018", "GlobalCapital, September 2018", "Nasdaq Commodities via Dagens Naeringsliv, September 2018", "CME, 'SPAN Methodology Overview'"],
        published: &[
            Published { what: "loss beyond his collateral and his own fund contribution", stated: "EUR 114m", source: "Nasdaq Clearing default notices, 12-14 September 2018", check: run(RunFigure::BeyondOwnResources, "114000000", "0") },
            Published { what: "Nasdaq's own capital used (skin in the game)", stated: "EUR 7m", source: "Nasdaq Clearing statement, 13 September 2018", check: run(RunFigure::Drawn { kind: "SkinInTheGameJunior", per: "1" }, "7000000", "0") },
            Published { what: "other members' default-fund contributions used", stated: "EUR 107m", source: "Nasdaq Clearing statement, 13 September 2018", check: run(RunFigure::Drawn { kind: "SurvivorsFund", per: "1" }, "107000000", "0") },
            Published { what: "the commodities default fund", stated: "EUR 166m", source: "GlobalCapital, September 2018", check: run(RunFigure::SurvivorsFund, "166000000", "0") },
            Published { what: "the move in one session", stated: "17 times a normal day's move", source: "Nasdaq Commodities via Dagens Naeringsliv, September 2018", check: Check::Stated },
        ],
        illustrative: "The margin model's parameters (a 2.5% price scan range and an 80% spread credit; Nasdaq's own were not published in this form), the EUR 7m and EUR 25m requirements that follow from them, the split of his resources, the other members, the position sizes, the prices and the 10% auction discount are illustrative.",
        json: include_str!("../../examples/nasdaq-2018-spread.json"),
    },
    Source {
        id: "default-auction",
        title: "Default auction: bids, forced allocation, juniorisation",
        summary: "A defaulter's book is auctioned to the members: the best bids win their shares, the rest is allocated pro rata to fund contributions, and the members who did not win pay into the loss first.",
        narrative: "Alpha Energy is long 100 lots of a power future; a 20% gap at step 4 leaves it €800 below zero equity, it cannot meet its margin call and is declared in default at step 5. \
The clearing house auctions its book to the members, as CME, Eurex, LCH and ICE Clear Credit do: Charlie bids 4% below mark for 40% of it, Delta 8% for 30%, Echo 25% for half, beyond the clearing house's reserve of 15%, and Foxtrot does not bid. \
The best bids win: Charlie takes 40 lots at 76.80 and Delta 30 at 73.60, each at its own bid, and both carry the positions from then on like any other. \
The 30 lots no accepted bid covers are allocated to the four surviving members pro rata to their fund contributions (12, 9, 6 and 3 lots) at the last auction price, 73.60. \
Alpha's loss is €2,000 of variation margin and €512 at the auction: its €1,200 of margin, its €300 fund contribution and €50 of the clearing house's capital pay first. \
The €962 left reaches the survivors' fund, where Echo's and Foxtrot's contributions (€300, the members that bid too low or not at all) are used first and the winners' only after: Charlie pays €378.29 and Delta €283.71 of the rest. \
Without juniorisation the €962 would be split over all four pro rata to their contributions, and the members who bid well would pay as much as those who did not: the rule is the incentive to bid. \
The figures are illustrative.",
        sources: &[
            "CME Rule 802 and CME Clearing default auction procedures",
            "Eurex Clearing, Clearing Conditions, default management auction",
            "LCH, Default Rules and Default Fund Rules",
            "ICE Clear Credit Rules, Chapter 20 (auction procedures)",
            "CPMI-IOSCO, Recovery of financial market infrastructures (2014, revised 2017)",
        ],
        published: &[],
        illustrative: ALL_ILLUSTRATIVE,
        json: include_str!("../../examples/default-auction.json"),
    },
    Source {
        id: "mark-vs-last-price",
        title: "Mark price vs last traded price: a wick that liquidates no one, a fill that costs",
        summary: "A wick in the traded price to 80 liquidates no one, because liquidations trigger on the mark (96); when the mark does fall below maintenance (94), the liquidation fills on the book at the last price, 88, and the insurance fund pays the $20 beyond the trader's margin.",
        narrative: "A perpetual future is marked at a fair price, an index plus a smoothed basis, as BitMEX and most crypto venues do, and traded on a thin book. A trader is long 10 contracts entered at 100 with $100 of margin (10% initial, 5% maintenance). \
At step 2 one large sell order wicks the last traded price down to 80 while the mark only dips to 96: at the mark the trader's equity is 100 + 10 × (96 − 100) = $60 against a maintenance of 5% × 960 = $48, so nothing happens. Had the wick been the mark, equity would have been −$100 and the position would have been liquidated at the bottom of a move that lasted one step. \
At step 3 the traded price is back at the mark. At step 4 the mark falls to 94: equity $40 against a maintenance of $47, and the trader is liquidated. The liquidation engine trades on the book, where the last price is 88, not at the mark: the close realizes 10 × (88 − 100) = −$120. \
The trader's $100 of margin pays first; the $20 beyond the bankruptcy price (90) comes from the insurance fund, $1,000 → $980. Filled at the mark, the same close would have left the trader $40. \
The mark decides who is liquidated; the last price decides what the liquidation costs.",
        sources: &["BitMEX, 'Fair Price Marking'", "WhiteBIT, liquidation documentation (mark price as the trigger)"],
        published: &[],
        illustrative: ALL_ILLUSTRATIVE,
        json: include_str!("../../examples/mark-vs-last-price.json"),
    },
    Source {
        id: "declared-default-im-haircut",
        title: "A declared default and the initial-margin haircut",
        summary: "The clearing house declares Delta Trading in default though its margin is intact; its book sells 20% below mark, and the €300 that its margin, its fund contribution and the survivors' fund cannot pay is cut from the initial margin the surviving members posted, pro rata, each by at most half.",
        narrative: "Delta Trading, a clearing member, is long 100 lots of X at 100 with €1,000 of margin (10%) and a €200 default-fund contribution. Prices do not move. \
At step 2 its parent files for insolvency and the clearing house declares Delta in default on its own judgment, as rulebooks allow (an insolvency is an event of default whatever the margin). Its book is sold into a thin market 20% below mark, at 80: a loss of €2,000. \
Delta's €1,000 of margin and its €200 contribution pay first; the survivors' default fund pays the next €500, all of it (Member One €300, Member Two €200). \
€300 is still missing. The waterfall's last tool is an initial-margin haircut: the clearing house applies the initial margin the surviving members posted, pro rata to what each may lose, each by at most half of it. Bank B posted €1,000 for its short 100 X, Member One and Member Two €100 each: they may lose €500, €50 and €50, €600 in all, and lose €250, €25 and €25. \
The tool is rare and contested: it takes the collateral that protects the clearing house against the survivors' own defaults, so a clearing house that uses it must call that margin back at once. \
Every figure is illustrative.",
        sources: &["CPMI-IOSCO, Recovery of financial market infrastructures (2014, revised 2017)", "ISDA, CCP Loss Allocation at the End of the Waterfall (2013)", "CPMI-IOSCO, Principles for financial market infrastructures, Principle 13 (participant-default rules)"],
        published: &[],
        illustrative: ALL_ILLUSTRATIVE,
        json: include_str!("../../examples/declared-default-im-haircut.json"),
    },
];

/// All presets whose JSON decodes (a test checks that every one does).
pub fn all() -> Vec<Preset> {
    SOURCES.iter().filter_map(Source::decode).collect()
}

/// One preset by id.
pub fn by_id(id: &str) -> Option<Preset> {
    SOURCES.iter().find(|s| s.id == id)?.decode()
}

/// Presets re-told in issue 19 (their facts put right): links name their new content by a new key,
/// so a link made before keeps opening the scenario it was made from (tests/golden/v1).
const RETOLD: &[(&str, &str)] = &[
    // Re-told three times in issue 19: the second time with the fund's replenishment, the
    // third with Nasdaq's temporary junior tranche (`capital_injections`).
    ("nasdaq-2018", "nasdaq-2018-r19c"),
    ("bitmex-2020", "bitmex-2020-r19"),
    ("okx-2018", "okx-2018-r19"),
    // Re-told twice in issue 19: the second time with the attacker's return (a recovery).
    ("mango-2022", "mango-2022-r19c"),
    ("lme-nickel-2022", "lme-nickel-2022-r19b"),
    ("hyperliquid-jelly-2025", "hyperliquid-jelly-2025-r19b"),
    ("reaches-default-fund", "reaches-default-fund-r19"),
];

/// The content those presets had before, frozen, under the key older links name.
const BEFORE_19: &[(&str, &str)] = &[
    ("nasdaq-2018", include_str!("presets_before_19/nasdaq-2018.json")),
    ("nasdaq-2018-r19", include_str!("presets_before_19/nasdaq-2018-r19.json")),
    ("bitmex-2020", include_str!("presets_before_19/bitmex-2020.json")),
    ("okx-2018", include_str!("presets_before_19/okx-2018.json")),
    ("mango-2022", include_str!("presets_before_19/mango-2022.json")),
    ("lme-nickel-2022", include_str!("presets_before_19/lme-nickel-2022.json")),
    ("hyperliquid-jelly-2025", include_str!("presets_before_19/hyperliquid-jelly-2025.json")),
    ("reaches-default-fund", include_str!("presets_before_19/reaches-default-fund.json")),
    // Re-told again in issue 19 (loans and withdrawals, the backstop vault, the cancellation):
    // the first re-telling stays under its key.
    ("mango-2022-r19", include_str!("presets_r19/mango-2022.json")),
    ("lme-nickel-2022-r19", include_str!("presets_r19/lme-nickel-2022.json")),
    ("hyperliquid-jelly-2025-r19", include_str!("presets_r19/hyperliquid-jelly-2025.json")),
    // Re-told a third time (the return, `recoveries`): the second re-telling stays under its key.
    ("mango-2022-r19b", include_str!("presets_r19/mango-2022-r19b.json")),
    // Re-told a third time (the temporary junior tranche, `capital_injections`): the second
    // re-telling (the replenishment) stays under its key.
    ("nasdaq-2018-r19b", include_str!("presets_r19/nasdaq-2018-r19b.json")),
];

/// The key a link names preset `id`'s current content by.
pub fn link_key(id: &str) -> &str {
    RETOLD.iter().find(|r| r.0 == id).map(|r| r.1).unwrap_or(id)
}

/// What a link's preset key opens: (the current preset's id, or None for an earlier version; the
/// scenario the link's patch applies to).
pub fn by_link_key(key: &str) -> Option<(Option<&'static str>, Scenario)> {
    if let Some(p) = SOURCES.iter().find(|s| link_key(s.id) == key).and_then(Source::decode) {
        return Some((Some(p.id), p.scenario));
    }
    let json = BEFORE_19.iter().find(|b| b.0 == key)?.1;
    super::strict::read::<Scenario>(json).ok().map(|s| (None, s))
}

/// Every key an earlier content of a re-told preset is linked under (index.html names each).
pub fn frozen_keys() -> Vec<&'static str> {
    BEFORE_19.iter().map(|b| b.0).collect()
}

/// Presets whose story is a comparison: they open on the side-by-side compare view, already run.
const OPEN_ON_COMPARE: &[&str] = &["five-strategies"];

pub fn opens_on_compare(id: &str) -> bool {
    OPEN_ON_COMPARE.contains(&id)
}

/// Preset ids, cheaply (no decoding).
pub fn ids() -> Vec<&'static str> {
    SOURCES.iter().map(|s| s.id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_decodes_and_validates() {
        assert_eq!(all().len(), SOURCES.len());
        for p in all() {
            if let Err(e) = super::super::validate(&p.scenario) {
                panic!("preset {} invalid: {:?}", p.id, e);
            }
        }
        assert!(by_id("margin-covers").is_some());
        assert!(by_id("nope").is_none());
    }

    #[test]
    fn ids_are_unique_and_every_preset_is_documented() {
        let ids = ids();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len(), "duplicate preset id");
        for p in all() {
            let sentences = p.narrative.matches(". ").count() + 1;
            assert!((5..=12).contains(&sentences), "{}: {sentences} sentences", p.id);
            assert!(!p.sources.is_empty(), "{}: no sources", p.id);
            assert!(!p.title.is_empty() && !p.summary.is_empty(), "{}", p.id);
        }
    }
}
