//! The English sentence of every event ([`Msg::render`]): one match arm per message declared in
//! `events.rs`. The golden digests (tests/golden/) pin every sentence byte for byte.

use super::events::{AssessStop, Msg};
use rust_decimal::Decimal;

impl Msg {
    /// The sentence, with the money sign currently in effect.
    pub(crate) fn render(&self) -> String {
        use super::money::{format_decimal as dec, format_money as money, format_pct as pct};
        match self {
            Msg::BuyIn { name, missing, inst, penalty, cost } => format!(
                "{} could not deliver {} {}; the venue bought in at a {} penalty, costing {}.",
                name, dec(*missing, 8), inst, pct(*penalty), money(*cost)
            ),
            Msg::Settled { inst, mark, count } => format!("{} expired and settled at {} ({} position(s)).", inst, dec(*mark, 8), count),
            Msg::Exercised { name, size, inst, into, under, price } => format!(
                "{}'s {} {} exercised: {} {} opened at {}.",
                name, dec(*size, 8), inst, dec(*into, 8), under, dec(*price, 8)
            ),
            Msg::SettlementDeficit { name, deficit } => format!("{} cannot pay its settlement: a deficit of {}.", name, money(*deficit)),
            Msg::MarginCall { name, equity, required, top_up } => format!(
                "Margin call: {} is below maintenance ({} equity vs {} required) and must post {}.",
                name, money(*equity), money(*required), money(*top_up)
            ),
            Msg::MarginCallMet { name, top_up } => format!("{} met its margin call with {} from its reserves.", name, money(*top_up)),
            Msg::Default { name, cascade: true } => format!("{} could not pay its assessment and is declared in default in turn (cascade).", name),
            Msg::Default { name, cascade: false } => format!("{} failed its margin call and is declared in default; its portfolio goes to auction.", name),
            Msg::DeltaHedged { name, size, inst, price, mark, delta, cost, holding } => format!(
                "Before the auction the clearing house delta-hedges {}'s option book: its delta of {} {} is offset by {} {} {} at {} (mark {}), a cost of {} in price impact; it now holds {} {}.",
                name, dec(*delta, 6), inst, if size.is_sign_negative() { "selling" } else { "buying" }, dec(size.abs(), 8), inst, dec(*price, 8), dec(*mark, 8), money(-*cost), dec(*holding, 8), inst
            ),
            Msg::RiskRanked { name, rank, size, inst, contribution } => format!(
                "Close-out leg {} of {}'s book: {} {}, the largest contributor to the margin of what is left ({}).",
                rank, name, dec(*size, 8), inst, money(*contribution)
            ),
            Msg::LiquidationHedged { name, size, inst, price, mark, delta, cost, holding } => format!(
                "The liquidation engine first delta-hedges {}'s option book: its delta of {} {} is offset by {} {} {} at {} (mark {}), a cost of {} in price impact; it now holds {} {}.",
                name, dec(*delta, 6), inst, if size.is_sign_negative() { "selling" } else { "buying" }, dec(size.abs(), 8), inst, dec(*price, 8), dec(*mark, 8), money(-*cost), dec(*holding, 8), inst
            ),
            // A leg that adds nothing (every leg left offsets another) is not called a contributor.
            Msg::LiquidationRanked { name, rank, size, inst, contribution } if *contribution <= Decimal::ZERO => format!(
                "Liquidation step {} of {}'s book: {} {} is closed at the market; no leg left adds to its margin (this one's share: {}).",
                rank, name, dec(*size, 8), inst, money(*contribution)
            ),
            Msg::LiquidationRanked { name, rank, size, inst, contribution } => format!(
                "Liquidation step {} of {}'s book: {} {}, the largest contributor to its margin ({}), is closed at the market.",
                rank, name, dec(*size, 8), inst, money(*contribution)
            ),
            Msg::LiquidationOutsideBand { name, size, inst, impact, band } => format!(
                "{}'s {} {} would not trade within the price band (a price impact of {} against the venue's {}): the liquidation engine tries the next leg.",
                name, dec(*size, 8), inst, pct(*impact), pct(*band)
            ),
            Msg::LiquidationLastHedged { name, size, inst, price, mark, delta, cost, holding } => format!(
                "No leg of {}'s book trades within the price band: as the last resort the liquidation engine delta-hedges it: its delta of {} {} is offset by {} {} {} at {} (mark {}), a cost of {} in price impact; it now holds {} {}.",
                name, dec(*delta, 6), inst, if size.is_sign_negative() { "selling" } else { "buying" }, dec(size.abs(), 8), inst, dec(*price, 8), dec(*mark, 8), money(-*cost), dec(*holding, 8), inst
            ),
            Msg::LiquidationAtBand { name, legs, hedged } => format!(
                "No leg of {}'s book trades within the price band{}: the liquidation engine closes {} at the band's edge, the largest contributor first.",
                name,
                if *hedged { " even hedged" } else { "" },
                if *legs == 1 { "its last leg".to_string() } else { format!("its {legs} legs left") }
            ),
            Msg::LiquidationStopped { name, steps, equity, maintenance, kept } => format!(
                "{} is back above maintenance ({} equity vs {} required) {}: the liquidation stops and its other {} position{} stay{} open.",
                name,
                money(*equity),
                money(*maintenance),
                match steps {
                    0 => "after the hedge alone".to_string(),
                    1 => "after 1 leg closed".to_string(),
                    n => format!("after {n} legs closed"),
                },
                kept,
                if *kept == 1 { "" } else { "s" },
                if *kept == 1 { "s" } else { "" }
            ),
            Msg::Auction { name, size, inst, price, mark } => {
                format!("Auction: {}'s {} {} sold at {} (mark {}).", name, dec(*size, 8), inst, dec(*price, 8), dec(*mark, 8))
            }
            Msg::Liquidated { name, size, inst, partial, price, mark, prices, basis } => format!(
                "{}'s {} {} {} at {} (mark {}{}).{}{}",
                name,
                dec(*size, 8),
                inst,
                if *partial { "partially liquidated" } else { "liquidated" },
                dec(*price, 8),
                dec(*mark, 8),
                match prices {
                    Some((lp, bp)) => format!("; liquidation price {}, bankruptcy {}", super::money::format_price(*lp), super::money::format_price(*bp)),
                    None => String::new(),
                },
                match basis.isolated {
                    Some(iso) => format!(" Isolated margin: only the {} set aside for this position was at risk; the rest of the account is untouched.", money(iso)),
                    None => String::new(),
                },
                match basis.tier {
                    Some(t) => format!(" Its notional of {} sits in maintenance tier {} of {} ({}): the larger the position, the higher the rate.", money(t.notional), t.tier, t.of, pct(t.maintenance)),
                    None => String::new(),
                }
            ),
            Msg::Penalty { fee, name } => format!("{} liquidation penalty from {} went to the insurance fund.", money(*fee), name),
            Msg::BeyondBankruptcy { name, deficit, margin } => {
                format!("{} closed beyond its bankruptcy price: a deficit of {} after its margin of {}.", name, money(*deficit), money(*margin))
            }
            Msg::OwnMargin { name, amount } => format!("{}'s own margin absorbed {} of the loss.", name, money(*amount)),
            Msg::CoveredByOwnMargin { name } => format!("The loss on {} was covered by its own margin: nothing reaches the mutualized layers.", name),
            Msg::Assessment { name, called, paid } => format!("Assessment: {} was called for {} and paid {}.", name, money(*called), money(*paid)),
            Msg::AssessmentShort { name, short } => format!("{} cannot meet its assessment ({} short): it will default in turn.", name, money(*short)),
            Msg::VmghWaits { left, steps } => format!("{} of the loss waits on variation-margin haircuts for up to {} more step(s).", money(*left), steps),
            Msg::Socialized { count, rate, take } => format!(
                "Socialized loss: {} accounts in profit give up {} of their profit ({} in all).",
                count, pct(*rate), money(*take)
            ),
            Msg::Vault { name, pay } => format!("The backstop vault {} took {} of the loss; its depositors' shares lose that value.", name, money(*pay)),
            Msg::LayerPaid { label, pay, name } => format!("{} paid {} toward {}'s deficit.", label, money(*pay), name),
            Msg::LayerExhausted { label, left } => format!("{} is exhausted; {} of the loss goes on.", label, money(*left)),
            Msg::LayerEmpty { label, left } => format!("{} is empty — nothing to take; {} of the loss goes on.", label, money(*left)),
            Msg::Unallocated { left, name } => {
                format!("{} of {}'s deficit is covered by no layer: the venue is insolvent by that amount.", money(*left), name)
            }
            Msg::VmHaircut { pay, rate, count } => {
                format!("VM gains haircut: {} cut from this step's gains of {} accounts ({} of them).", money(*pay), count, pct(*rate))
            }
            Msg::LossQueued { name, amount, label } => {
                format!("{}'s remaining loss of {} goes to this step's split: {}.", name, money(*amount), label)
            }
            Msg::Deleveraged { rank, name, size, inst, charge, .. } => format!(
                "ADL #{}: {} was deleveraged by {} {} at the bankruptcy price, giving up {}.",
                rank, name, dec(*size, 8), inst, money(*charge)
            ),
            Msg::AdlTaken { inst, rule, needed, charged, profit_closed } if profit_closed.is_zero() => format!(
                "ADL ({}) on {}: the deficit needed {}; {} was charged and no open profit was closed.",
                rule.label(), inst, money(*needed), money(*charged)
            ),
            Msg::AdlTaken { inst, rule, needed, charged, profit_closed } => format!(
                "ADL ({}) on {}: the deficit needed {}; the hits paid {}, and the positions closed carried {} of open profit, {} beyond the need.",
                rule.label(), inst, money(*needed), money(*charged), money(*profit_closed), money((*profit_closed - *needed).max(Decimal::ZERO))
            ),
            Msg::PerUnitSocialized { inst, delta, count, take } => format!(
                "Per-unit socialization: {} charged to {} open {} position(s), {} per contract, through funding.",
                money(*take), count, inst, dec(*delta, 8)
            ),
            Msg::TearUp { count, pay } => format!("Tear-up: {} opposite positions terminated; {} of open gains forfeited.", count, money(*pay)),
            Msg::ContagionLoss { name, amount, from, source } => {
                format!("{} loses {}: {}'s {} is passed on to it (bad-debt propagation).", name, money(*amount), from, source.label())
            }
            Msg::ContagionMissed { name, amount, from, source } => format!(
                "{} passes {} of its {} to {}, but {} is already in default here: that loss does not land on this venue.",
                from, money(*amount), source.label(), name, name
            ),
            Msg::SetOff { name, owed, margin, fund, .. } => {
                let rest = *owed - *margin - *fund;
                format!(
                    "Set-off: {}'s unpaid assessment of {} is netted against what it posted: {} from the surplus its close-out left, {} from its fund contribution{}.",
                    name,
                    money(*owed),
                    money(*margin),
                    money(*fund),
                    if rest > Decimal::ZERO { format!("; {} still unpaid", money(rest)) } else { String::new() }
                )
            }
            Msg::TradesCancelled { from, to, fills, notional, vm, entries } => format!(
                "Trading suspended: the trades of {} are cancelled, as the LME cancelled the day's nickel trades (LME notice of 8 March 2022). {}{} of variation margin reverts ({} ledger entries reversed): every position, balance, margin call and fund is back where it stood at step {}, and this step settles against that step's mark.",
                if from == to { format!("step {from}") } else { format!("steps {from} to {to}") },
                if *fills == 0 { String::new() } else { format!("{} close-out(s) worth {} (liquidations, auctions, ADL) are undone and ", fills, money(*notional)) },
                money(*vm), entries, from.saturating_sub(1)
            ),
            Msg::BackstopTakeover { vault, name, size, inst, mark, count, equity } => format!(
                "The backstop vault {} takes over {}'s {} {}{} at mark {} with its collateral, {} of equity in all (the trader keeps nothing, owes nothing); the vault carries the position, marked to market, until it closes or settles.",
                vault, name, dec(*size, 8), inst,
                if *count > 1 { format!(" and {} more position(s)", count - 1) } else { String::new() },
                dec(*mark, 8), money(*equity)
            ),
            Msg::ImHaircut { pay, rate, count, posted } => format!(
                "Initial-margin haircut: {} cut from the initial margin {} surviving accounts posted ({} in all), {} of it.",
                money(*pay), count, money(*posted), pct(*rate)
            ),
            Msg::AssessmentFromCollateral { name, called, collateral, cash } => format!(
                "Assessment: {} was called for {}: {} from its collateral at the clearing house beyond its initial margin, {} as new cash.",
                name, money(*called), money(*collateral), money(*cash)
            ),
            Msg::Withdrawn { name, amount, asked, borrowed, headroom } => format!(
                "{} withdraws {}{}{}; its equity less initial margin was {} (unrealized profit and haircut collateral counted).",
                name, money(*amount),
                if amount < asked { format!(" of the {} asked (more would take it below its initial margin)", money(*asked)) } else { String::new() },
                if borrowed.is_zero() { String::new() } else { format!(", {} of it borrowed against its collateral beyond its cash", money(*borrowed)) },
                money(*headroom)
            ),
            Msg::CapitalInjected { label, amount, steps, balance } => format!(
                "Temporary capital: the clearing house puts {} more of its own capital into {}, {}; the layer now holds {}.",
                money(*amount), label,
                if *steps == 0 { "to the end of the run".to_string() } else { format!("for {steps} step{} (what no default uses of it is withdrawn after them)", if *steps == 1 { "" } else { "s" }) },
                money(*balance)
            ),
            Msg::CapitalWithdrawn { label, amount, used, balance } if used.is_zero() => format!(
                "Temporary capital ends: no default used the {} put into {}; the clearing house withdraws all of it and the layer now holds {}.",
                money(*amount), label, money(*balance)
            ),
            Msg::CapitalWithdrawn { label, amount, used, balance } => format!(
                "Temporary capital ends: defaults used {} of what was put into {}; the clearing house withdraws the {} left and the layer now holds {}.",
                money(*used), label, money(*amount), money(*balance)
            ),
            Msg::Recovered { name, amount, depositors, insurance, short } => format!(
                "Recovery: {} is returned on behalf of {}: {} restores the default-fund contributions the waterfall used{}{}.",
                money(*amount), name, money(*depositors),
                if short.is_zero() { " (every depositor is whole again)".to_string() } else { format!(" ({} of them is still missing)", money(*short)) },
                if insurance.is_zero() { String::new() } else { format!(", {} goes to the insurance fund", money(*insurance)) }
            ),
            Msg::RecoveryRepaid { name, lost, paid } => format!("Recovery: {} gets {} back of the {} the default fund took from its contribution.", name, money(*paid), money(*lost)),
            Msg::Replenished { name, due, paid } if paid >= due => format!("Replenishment: {} pays {} back into the default fund, its share of what the default used.", name, money(*paid)),
            Msg::Replenished { name, due, paid } => format!(
                "Replenishment: {} owes {} to the default fund but pays only {} from its reserves; {} short (a failure to pay the clearing house may declare a default).",
                name, money(*due), money(*paid), money(*due - *paid)
            ),
            Msg::FundReplenished { used, paid, short, steps } => format!(
                "The default fund is replenished {} step(s) after it was drawn: {} of the members' contributions had been used; {} paid back pro rata to their contributions{}.",
                steps, money(*used), money(*paid),
                if short > &Decimal::ZERO { format!(", {} short", money(*short)) } else { String::new() }
            ),
            Msg::AuctionWon { name, winner, size, inst, price, mark, discount } => format!(
                "Auction: {} wins {} {} of {}'s portfolio with its bid of {} below mark, at {} (mark {}); it carries the position from now on.",
                winner, dec(*size, 8), inst, name, pct(*discount), dec(*price, 8), dec(*mark, 8)
            ),
            Msg::ForcedAllocated { name, member, size, inst, price, mark, contribution } => format!(
                "Forced allocation: {} {} of {}'s portfolio that no bid covered goes to {}, pro rata to its fund contribution of {}, at the last auction price {} (mark {}).",
                dec(*size, 8), inst, name, member, money(*contribution), dec(*price, 8), dec(*mark, 8)
            ),
            Msg::Juniorised { name, junior, junior_total, senior } => format!(
                "Juniorisation: toward {}'s default, the fund contributions of the {} member(s) that bid worse than the winning range or not at all ({} in all) are used before those of the {} winning bidder(s).",
                name, junior, money(*junior_total), senior
            ),
            Msg::Declared { name } => format!("The clearing house declares {} in default at this step, whatever its margin; its portfolio is closed out.", name),
            Msg::Recall { call, max_calls, amount, headroom } => format!(
                "Re-assessment (call {} of {}): {} a member did not pay is re-called from the other members' headroom of {} under their caps.",
                call, max_calls, money(*amount), money(*headroom)
            ),
            Msg::AssessmentStop { left, why, max_calls, headroom, cap, period_cap } => match why {
                AssessStop::Calls => format!(
                    "Assessments stop: all {} call(s) are used ({} of headroom left under the caps); {} of the loss goes on.",
                    max_calls, money(*headroom), money(*left)
                ),
                AssessStop::DefaultCap => format!(
                    "Assessments stop: every member has paid its cap for this default ({}× its contribution); {} of the loss goes on.",
                    dec(*cap, 8), money(*left)
                ),
                AssessStop::PeriodCap => format!(
                    "Assessments stop: the cooling-off period's cap is reached ({}× a contribution across its defaults, {}× per default); {} of the loss goes on.",
                    dec(*period_cap, 8), dec(*cap, 8), money(*left)
                ),
            },
        }
    }
}
