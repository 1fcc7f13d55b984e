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
    /// A preset id (see `scenario::presets::ids()`) in which the term can be watched happening.
    pub example_preset: Option<&'static str>,
    /// Other terms of this glossary, by their `term`.
    pub see_also: &'static [&'static str],
}

const TERMS: &[Term] = &[
    Term {
        term: "default waterfall",
        definition: "The fixed order in which a venue or clearing house draws on resources to absorb a defaulter's loss: the defaulter's own money first, then the operator's capital, then what other participants put up or can be asked for. Each layer pays only what the layers before it could not.",
        example_preset: Some("exhausts-waterfall"),
        see_also: &["skin in the game", "default fund", "assessment", "insurance fund"],
    },
    Term {
        term: "skin in the game",
        definition: "Capital of the clearing house itself placed in the waterfall, usually right after the defaulter's resources and before the survivors' contributions, so that the operator loses before its members do. Some clearing houses add a second, senior tranche after the default fund.",
        example_preset: Some("nasdaq-2018"),
        see_also: &["default waterfall", "default fund"],
    },
    Term {
        term: "default fund",
        definition: "A pool pre-funded by all clearing members (also called a guaranty fund) that pays losses beyond a defaulter's own resources. It is mutualized: survivors lose their contributions pro rata, whoever caused the loss.",
        example_preset: Some("reaches-default-fund"),
        see_also: &["loss mutualization", "Cover-2", "clearing member obligations"],
    },
    Term {
        term: "clearing member obligations",
        definition: "What membership of a clearing house commits a firm to: posting initial and variation margin, contributing to the default fund, paying assessments when called, and taking part in auctions of a defaulter's portfolio.",
        example_preset: Some("exhausts-waterfall"),
        see_also: &["default fund", "assessment", "initial margin", "variation margin"],
    },
    Term {
        term: "assessment",
        definition: "A cash call on surviving members once the funded layers are used up, capped (for instance at one or two times each member's contribution). A member that cannot pay its assessment may itself default, which can start a cascade.",
        example_preset: Some("exhausts-waterfall"),
        see_also: &["clearing member obligations", "default waterfall"],
    },
    Term {
        term: "insurance fund",
        definition: "A crypto venue's reserve, filled mostly by liquidation penalties, that pays the difference when a liquidation closes worse than the position's bankruptcy price.",
        example_preset: Some("bitmex-2020"),
        see_also: &["insurance-fund depletion", "bankruptcy price", "auto-deleveraging (ADL)"],
    },
    Term {
        term: "insurance-fund depletion",
        definition: "The insurance fund has nothing left for a deficit, so the venue must move to its next tool, typically auto-deleveraging or a socialized loss. A small fund meeting a large liquidation is depleted at once.",
        example_preset: Some("okx-2018"),
        see_also: &["insurance fund", "socialized loss", "auto-deleveraging (ADL)"],
    },
    Term {
        term: "socialized loss",
        definition: "A loss no reserve could pay, spread over other participants, typically pro rata to their profits, once per settlement period for all of that period's defaults together. Traders who did nothing wrong give up part of their gains.",
        example_preset: Some("okx-2018"),
        see_also: &["clawback", "loss mutualization", "bad-debt mutualization"],
    },
    Term {
        term: "loss mutualization",
        definition: "Sharing one participant's loss among many, by rule and in advance: a default fund used pro rata to contributions is the clearing-house form, a clawback on profits the venue form.",
        example_preset: Some("nasdaq-2018"),
        see_also: &["default fund", "socialized loss"],
    },
    Term {
        term: "bad-debt mutualization",
        definition: "Spreading a borrower's unrecoverable debt across a lending pool's depositors, for example by lowering the value of every deposit in the affected token by the same fraction.",
        example_preset: Some("mango-2022"),
        see_also: &["socialized loss", "bad-debt propagation", "haircut"],
    },
    Term {
        term: "clawback",
        definition: "Taking back part of profitable accounts' gains, at one rate for all, to cover a deficit: the rate is the remaining loss divided by the total profit. OKEx used one in 2018 at about 17-18% of the week's profits.",
        example_preset: Some("okx-2018"),
        see_also: &["socialized loss", "insurance-fund depletion"],
    },
    Term {
        term: "auto-deleveraging (ADL)",
        definition: "Closing a bankrupt position against opposite positions at the bankruptcy price, starting with the accounts that rank highest by profit and leverage. Those accounts lose the profit between the bankruptcy price and the market.",
        example_preset: Some("venue-insurance-adl"),
        see_also: &["bankruptcy price", "insurance fund", "socialized loss"],
    },
    Term {
        term: "haircut",
        definition: "Cutting what is owed or counted to cover a shortfall: a collateral haircut values an asset below its price, a loss haircut reduces gains, vault shares or deposits pro rata.",
        example_preset: Some("lme-nickel-2022"),
        see_also: &["VMGH", "LP vault / backstop", "bad-debt mutualization"],
    },
    Term {
        term: "VMGH",
        definition: "Variation-margin gains haircutting: after its funded resources are gone, a clearing house pays members who are owed variation margin only part of it, pro rata, one haircut per variation-margin cycle, for a limited period, while members who owe still pay in full.",
        example_preset: Some("lme-nickel-2022"),
        see_also: &["haircut", "variation margin", "partial tear-up"],
    },
    Term {
        term: "partial tear-up",
        definition: "A recovery tool that terminates the contracts facing a defaulter's unsold positions at a price set by the clearing house. The counterparties lose their open gains instead of being paid them.",
        example_preset: None,
        see_also: &["VMGH", "default waterfall"],
    },
    Term {
        term: "write-down accounting",
        definition: "Recording a loss that nobody paid as an explicit entry, so that the ledger still balances and the shortfall can be audited and replayed rather than vanishing.",
        example_preset: Some("exhausts-waterfall"),
        see_also: &["default waterfall", "bad-debt propagation"],
    },
    Term {
        term: "bad-debt propagation",
        definition: "An unrecovered loss on one venue becoming a loss of someone elsewhere: a backstop vault's depositors, a lending pool, or the members of another clearing house. In Spillway a scenario can link venues so that one venue's unallocated residual or vault haircut lands on a named account of another, which may then default there in turn.",
        example_preset: Some("contagion-vault-to-ccp"),
        see_also: &["LP vault / backstop", "bad-debt mutualization", "write-down accounting"],
    },
    Term {
        term: "physical delivery",
        definition: "Settling a contract by handing over the underlying commodity rather than cash. A short that cannot deliver is bought in by the venue, often at a penalty price, which is another way to create a deficit.",
        example_preset: None,
        see_also: &["variation margin", "default waterfall"],
    },
    Term {
        term: "Cover-1",
        definition: "Sizing a clearing house's prefunded resources to survive the default of its single largest member under extreme but plausible market conditions.",
        example_preset: None,
        see_also: &["Cover-2", "default fund"],
    },
    Term {
        term: "Cover-2",
        definition: "Sizing prefunded resources to survive the simultaneous default of the two members that would cause the largest loss under extreme but plausible conditions; EU clearing houses must meet it.",
        example_preset: None,
        see_also: &["Cover-1", "default fund"],
    },
    Term {
        term: "bankruptcy price",
        definition: "The price at which a position's losses exactly use up its margin. Closing it worse than this price leaves a deficit someone else must pay.",
        example_preset: Some("venue-insurance-adl"),
        see_also: &["liquidation price", "insurance fund", "auto-deleveraging (ADL)"],
    },
    Term {
        term: "liquidation price",
        definition: "The mark price at which an account's equity falls to its maintenance margin and the venue takes the position over. It lies a little before the bankruptcy price, leaving a buffer for the close-out.",
        example_preset: Some("bitmex-2020"),
        see_also: &["bankruptcy price", "maintenance margin", "mark price"],
    },
    Term {
        term: "maintenance margin",
        definition: "The minimum equity a position must keep. Below it, a venue liquidates and a clearing house issues a margin call.",
        example_preset: Some("margin-covers"),
        see_also: &["initial margin", "liquidation price", "risk-limit tiers"],
    },
    Term {
        term: "initial margin",
        definition: "The collateral required to open a position, sized to cover the loss of closing it out in all but extreme moves. It is the first resource a default consumes.",
        example_preset: Some("margin-covers"),
        see_also: &["maintenance margin", "variation margin", "default waterfall"],
    },
    Term {
        term: "variation margin",
        definition: "The daily (or more frequent) payment of each position's change in value, from losers to winners through the clearing house. A member that cannot pay it is in default.",
        example_preset: Some("nasdaq-2018"),
        see_also: &["initial margin", "VMGH"],
    },
    Term {
        term: "mark price",
        definition: "The price a venue uses to value positions and trigger liquidations, usually derived from an index or oracle rather than the last trade. Whoever can move the mark can move everyone's margin.",
        example_preset: Some("mango-2022"),
        see_also: &["liquidation price", "bankruptcy price"],
    },
    Term {
        term: "cross vs isolated margin",
        definition: "Under cross margin, all of an account's positions share its collateral, so a loss on one draws on the rest; under isolated margin, each position has its own margin and can only lose that.",
        example_preset: None,
        see_also: &["maintenance margin", "liquidation price"],
    },
    Term {
        term: "risk-limit tiers",
        definition: "Brackets of position size with rising margin rates: the larger the position, the higher the maintenance rate, so big positions are liquidated earlier.",
        example_preset: None,
        see_also: &["maintenance margin", "initial margin"],
    },
    Term {
        term: "LP vault / backstop",
        definition: "A pool of depositors' funds that takes over positions the order book cannot absorb, or acts as counterparty to all traders. Its depositors earn from liquidations and lose when a takeover goes wrong.",
        example_preset: Some("hyperliquid-jelly-2025"),
        see_also: &["bad-debt propagation", "haircut", "auto-deleveraging (ADL)"],
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
            if let Some(p) = t.example_preset {
                assert!(ids.contains(&p), "{}: no preset `{p}`", t.term);
            }
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
