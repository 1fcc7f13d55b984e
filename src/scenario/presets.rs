//! Ready-made scenarios for the gallery. Each is an example file under `examples/`, embedded at
//! build time, so the CLI, the docs and the app show the same scenarios. Every preset carries a
//! narrative (what happened and what the figures mean) and the publications it draws on; figures
//! the project could not check against a primary source are called unverified in the narrative
//! (see domain notes, "Verified" vs "Unverified").

use super::schema::Scenario;

#[derive(Clone, Debug)]
pub struct Preset {
    pub id: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
    /// What happened, step by step, and what the figures mean (plain text, several sentences).
    pub narrative: &'static str,
    /// Publications the preset draws on (names, no links).
    pub sources: &'static [&'static str],
    pub scenario: Scenario,
}

/// One preset's static parts; the JSON is decoded on demand.
struct Source {
    id: &'static str,
    title: &'static str,
    summary: &'static str,
    narrative: &'static str,
    sources: &'static [&'static str],
    json: &'static str,
}

impl Source {
    fn decode(&self) -> Option<Preset> {
        serde_json::from_str::<Scenario>(self.json).ok().map(|scenario| Preset {
            id: self.id,
            title: self.title,
            summary: self.summary,
            narrative: self.narrative,
            sources: self.sources,
            scenario,
        })
    }
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
        json: include_str!("../../examples/margin-covers.json"),
    },
    Source {
        id: "reaches-default-fund",
        title: "The default fund pays (Nasdaq 2018, stylized)",
        summary: "A member's loss beyond its collateral takes EUR 7m of the clearing house's capital and EUR 107m (64%) of the members' default fund.",
        narrative: "This is a one-instrument simplification of the Nasdaq Clearing default of September 2018 (the preset nasdaq-2018 has both legs of the spread). \
A single member is long 10 million units of a spread contract; a 17% shock costs it EUR 170m of variation margin, far more than its EUR 56m of collateral (an illustrative amount). \
It cannot meet the margin call and is declared in default at the next step. \
Its collateral is used first; the EUR 114m beyond it goes down the waterfall. \
The clearing house's own capital (skin in the game) pays EUR 7m, and the survivors' default fund pays the remaining EUR 107m, pro rata to each member's contribution. \
107 of 166 is about 64% of the fund: the reported figure. \
No assessment is needed, so the waterfall stops at the mutualized fund.",
        sources: &["Financial News (FN London), September 2018", "Reuters, September 2018", "Nasdaq Clearing statements on the member default, September 2018"],
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
        json: include_str!("../../examples/five-strategies.json"),
    },
    Source {
        id: "nasdaq-2018",
        title: "Nasdaq Clearing, September 2018 (power spread)",
        summary: "An individual member's Nordic-German power spread moves about 17 times a normal day; EUR 114m beyond his collateral takes EUR 7m of Nasdaq's capital and EUR 107m (64%) of the EUR 166m default fund.",
        narrative: "An individual clearing member holds a spread: long Nordic power, short German power. \
Over two sessions the spread moves against him by about 17 times a normal day's move: Nordic power falls while German power rises, so both legs lose. \
At the first session's close he owes far more variation margin than his collateral; he cannot meet the call and is declared in default at the next step. \
Nasdaq closes out the two legs; the total loss is EUR 170m here, of which his collateral (EUR 56m, an illustrative figure) pays the first part. \
The EUR 114m beyond it goes down the waterfall: EUR 7m of Nasdaq's own capital (skin in the game), then EUR 107m from the other members' default-fund contributions, pro rata. \
That is about 64% of the EUR 166m commodities default fund, as reported. \
In reality members had to replenish the fund within two business days, and recoveries from the defaulter's estate were to flow back to them pro rata; the engine does not model replenishment or recoveries. \
The position sizes, prices and the split of the loss between market move and close-out cost are illustrative; the 114 / 7 / 107 / 166 figures are the reported ones.",
        sources: &["Financial News (FN London), September 2018", "Reuters, September 2018", "Nasdaq Clearing statements on the member default, September 2018"],
        json: include_str!("../../examples/nasdaq-2018.json"),
    },
    Source {
        id: "bitmex-2020",
        title: "BitMEX, 12-13 March 2020 (crash and insurance fund)",
        summary: "Bitcoin falls from about 7,900 to about 3,600 in a day (unverified); waves of leveraged longs are liquidated; the insurance fund absorbs the gaps and ADL is never used.",
        narrative: "Bitcoin falls from about 7,900 to about 3,600 within a day; these prices are unverified, as is BitMEX's trading halt of about 25 minutes near the bottom. \
The run holds a cohort of 120 leveraged longs and three large longs margined in bitcoin on the inverse XBTUSD perpetual, where each contract is one dollar and profit and loss are paid in bitcoin. \
As the price slides, longs hit their liquidation prices; those closed before their bankruptcy price leave their penalty in the insurance fund. \
In the fast legs of the fall, positions close past bankruptcy, and the insurance fund pays the difference. \
The large longs margined in bitcoin fall faster than their leverage suggests, because their collateral loses value together with the position. \
The fund's opening balance (illustrative) is large enough that it never runs out, so auto-deleveraging, the next layer, is never triggered: this is the outcome domain notes describe as unverified for March 2020 (ADL did not hit most contracts). \
The engine cannot halt trading, so the halt is not modelled, and cohort accounts hold dollars rather than bitcoin.",
        sources: &["BitMEX, 'What is Auto-Deleveraging' help page", "BitMEX, 'Auto-Deleveraging Examples' help page", "Press reports on the 12-13 March 2020 crash (figures unverified)"],
        json: include_str!("../../examples/bitmex-2020.json"),
    },
    Source {
        id: "okx-2018",
        title: "OKEx, July-August 2018 (clawback)",
        summary: "A 4.17m-contract BTC quarterly long cannot be filled; a 10 BTC insurance fund, 2,500 BTC from OKEx, and a ~17.5% clawback of every profitable account's weekly profit cover the gap.",
        narrative: "One account is long about 4.17 million BTC quarterly contracts of USD 100 each, roughly USD 417m. \
When the price reaches its liquidation price the liquidation engine takes the position over, but the book cannot absorb it: the order walks the price down from 8,040 to 7,480 (these two prices and the 3,877 BTC shortfall they imply come from one press report and are unverified against OKEx's own notice). \
The loss beyond the account's margin is about 3,710 BTC here. \
The insurance fund holds only about 10 BTC and is emptied at once. \
OKEx puts in 2,500 BTC of its own money, modelled as skin in the game. \
The remaining ~1,200 BTC is clawed back from every account with a net profit for the week across all contracts, at one rate for all: remaining loss divided by total profit, about 17.5% here, inside the reported 17-18%. \
Weekly-contract shorts are included because the rule counted profit across all contracts, and the market makers, whose losses on the weekly contract outweigh their gains on the quarterly one, are not clawed back. \
BTC amounts are converted to dollars at 7,480 (10 BTC = USD 74,800; 2,500 BTC = USD 18.7m; 1,200 BTC = USD 8.976m); profits are valued at the mark of the liquidation step. \
The traders other than the large long are illustrative, sized so that their weekly profit reproduces the reported rate.",
        sources: &["OKEx announcements, 31 July-3 August 2018, as quoted in the press", "Finance Magnates, August 2018 (prices and BTC shortfall, unverified)"],
        json: include_str!("../../examples/okx-2018.json"),
    },
    Source {
        id: "mango-2022",
        title: "Mango Markets, October 2022 (manipulated collateral)",
        summary: "A long credited at a pumped MNGO price collapses with its MNGO collateral; about $114m of bad debt is cut from depositors (figures unverified).",
        narrative: "The attacker used two accounts: one short and one long MNGO perpetuals, then pushed MNGO's price up many times over on thin spot markets that fed the oracle. \
The long's paper profit counted as collateral, and against it the attacker borrowed and withdrew roughly $110-117m of other depositors' tokens (unverified figures). \
The engine has no loans and no withdrawals, so the run starts just after the withdrawal: the long is marked at the pumped price of 0.91 (its profit up to there has been paid out, which is what the borrowing did), and the account still holds some cash and MNGO tokens whose price follows the manipulated market. \
At step 3 the pump unwinds to 0.10: the long and the MNGO collateral lose value together, and the account is liquidated far past its bankruptcy price. \
The deficit of about $114m goes first to a small insurance fund, then is cut from depositors pro rata to their deposits. \
In this preset the 'default-fund contributions' stand for those deposits, so the survivors' fund layer behaves like a deposit-index cut (the mechanism of Mango v4; the 2022 exploit hit the older v3, whose handling was settled by governance). \
In reality a DAO vote let the attacker keep part of the money in exchange for returning the rest, and the treasury covered much of the shortfall (unverified); the engine shows the loss before any such settlement. \
Sizes, prices and the fund are illustrative.",
        sources: &["Mango v4 source code (health, liquidation and bankruptcy handling)", "Press reports on the 11 October 2022 exploit (figures unverified)"],
        json: include_str!("../../examples/mango-2022.json"),
    },
    Source {
        id: "hyperliquid-jelly-2025",
        title: "Hyperliquid, March 2025 (JELLY and the HLP vault)",
        summary: "A squeezed JELLY short is absorbed by the HLP vault, whose loss reaches about $12.5m; JELLY is then delisted and settled at 0.0095.",
        narrative: "A trader holds a short of about 430 million JELLY entered near 0.0095, a position of about $4m, with thin margin. \
JELLY is then pushed up more than fourfold in a few steps; the short is liquidated, the order book cannot take it, and the HLP liquidator vault absorbs it. \
The engine has no position transfer, so it closes the short at the 0.04 mark and charges the vault the whole deficit at once: about $12.5m, inside the $12-13.5m unrealized loss reported for HLP. \
Auto-deleveraging is the next layer but is not needed, because the vault can pay; in reality HLP did not trigger ADL because its liquidator shared collateral with the other HLP vaults. \
Validators then delisted JELLY and settled every open position at 0.0095, which the run shows as the contract's expiry at step 11: the pumping longs' paper gains vanish. \
In reality HLP was still holding the short at that moment, so the settlement turned its loss into a gain of about $0.7m for the day; the engine, which has already realized the loss, shows instead what the vault would have lost had the market been closed at the peak. \
Non-flagged longs were later refunded as if settled at 0.037555, an off-venue payment the engine does not model. \
Afterwards Hyperliquid capped the liquidator vault and set ADL to start when its loss passes a threshold. \
The account sizes and the trader's margin are illustrative; the figures above are from press reports and Hyperliquid's statement, checked in outline only.",
        sources: &["Hyperliquid statement on JELLY, 26 March 2025", "Press reports, March 2025"],
        json: include_str!("../../examples/hyperliquid-jelly-2025.json"),
    },
    Source {
        id: "lme-nickel-2022",
        title: "LME nickel, March 2022 (had the trades stood)",
        summary: "Nickel rises about 250% in two sessions (unverified); the run shows what a short member's default would have done to the clearing house's waterfall, which the LME avoided by cancelling the trades.",
        narrative: "Nickel rises about 250% in two sessions to above $100,000 a tonne (unverified figures). \
A large short member pays the first variation-margin call from its reserves, but the next move asks for more than it has, and after the grace step it is declared in default. \
The clearing house auctions the short at a 5% premium to a spiking market; the close-out loss far exceeds the member's margin. \
The waterfall runs in order: the defaulter's margin and contribution, the clearing house's skin in the game, the survivors' fund, and assessments, one of which a thin member cannot pay, so it defaults in turn. \
The rest is taken by cutting the winning members' variation-margin gains. \
None of this happened: the LME suspended trading and cancelled the day's trades (about $3.9bn, unverified) rather than let members default. \
The engine cannot cancel trades, so the run shows the counterfactual the cancellation avoided, not the event itself. \
All sizes, margins and fund amounts are illustrative, not LME Clear's; nickel is also physically deliverable, and a short unable to deliver would face a buy-in (see the physical-delivery example).",
        sources: &["LME notices of 8 March 2022 (suspension and cancellation)", "Press reports, March 2022 (figures unverified)", PFMI],
        json: include_str!("../../examples/lme-nickel-2022.json"),
    },
    Source {
        id: "contagion-vault-to-ccp",
        title: "Contagion: a DEX vault's loss defaults a member of a clearing house",
        summary: "Two venues linked: a perp DEX's backstop vault takes a whale's bad debt, and a fund holding 40% of the vault defaults at a clearing house two steps later.",
        narrative: "Venue A is a perpetuals DEX; a whale holds a 20-million-contract long in a thin token. At step 3 the token falls 55%, the whale is liquidated into a thin book, and its margin and the insurance fund cover only part of the loss. The backstop vault (HLP-style) takes the rest, so its depositors' shares lose that value. Kestrel Capital owns 40% of the vault: two steps later 40% of the vault's loss comes off its collateral at a clearing house, venue B. There it holds long index futures; now under maintenance, it gets a margin call its reserves cannot meet. After the grace step it is declared in default just as the index falls 8%, and its futures are auctioned at a 3% discount. The close-out loss uses up its margin and its default-fund contribution, the clearing house's skin in the game, and part of the survivors' fund. Switch venues above the player to follow the loss from one waterfall into the other; the figures are illustrative.",
        sources: &[PFMI, "Hyperliquid documentation, HLP and liquidations", "Domain notes, bad-debt propagation"],
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
        json: include_str!("../../examples/cover-2.json"),
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
        json: include_str!("../../examples/options-seller-2018.json"),
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
