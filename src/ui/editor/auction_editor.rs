//! `default_auction` (issue 19): the members' bids for a defaulter's portfolio, the clearing
//! house's reserve (the largest discount it accepts), who takes what no bid covers, and whether
//! members who bid badly or not at all lose their fund contributions first. The engine decides
//! who wins and at what price; the page only edits the inputs.

use leptos::prelude::*;
use rust_decimal::Decimal;

use super::number_field::{check_input, choice_input, number_input};
use super::FieldErrors;
use crate::scenario::{AuctionBid, DefaultAuction, ForcedAllocation, Role, Scenario, ValidationError, VenueStyle};
use crate::ui::state::use_state;

fn auction(s: &mut Scenario) -> Option<&mut DefaultAuction> {
    s.default_auction.as_mut()
}

#[component]
pub fn AuctionEditor() -> impl IntoView {
    let s = use_state();
    let errors = RwSignal::new(Vec::<ValidationError>::new());
    let report = move |r: Result<(), Vec<ValidationError>>| errors.set(r.err().unwrap_or_default());
    let on = Memo::new(move |_| s.scenario.with(|sc| sc.default_auction.is_some()));
    let reserve = Memo::new(move |_| s.scenario.with(|sc| sc.default_auction.as_ref().is_some_and(|a| a.max_discount.is_some())));
    // The rows rebuild only when a bid comes or goes (an edit keeps the focus and the messages).
    let bid_count = Memo::new(move |_| s.scenario.with(|sc| sc.default_auction.as_ref().map_or(0, |a| a.bids.len())));
    let members = move || s.scenario.with(|sc| sc.accounts.iter().filter(|a| a.role == Role::Member).map(|a| (a.id.clone(), a.name.clone())).collect::<Vec<_>>());
    let add_bid = move |_| {
        report(s.edit(|sc| {
            // The first member without a bid, so the new row is valid as it stands.
            let taken: Vec<String> = sc.default_auction.as_ref().map(|a| a.bids.iter().map(|b| b.member.clone()).collect()).unwrap_or_default();
            let member = sc.accounts.iter().find(|a| a.role == Role::Member && !taken.contains(&a.id)).map(|a| a.id.clone()).unwrap_or_default();
            if let Some(a) = auction(sc) {
                a.bids.push(AuctionBid { member, discount: Decimal::new(5, 2), share: Decimal::new(5, 1) });
            }
        }))
    };
    view! {
        <div id="auction">
            {check_input("auction-on".into(), "The clearing house auctions a defaulter's portfolio to its members".into(),
                |sc| sc.default_auction.is_some(),
                |sc, on| sc.default_auction = on.then(DefaultAuction::default))}
            <Show when=move || !on.get() && s.scenario.with(|sc| sc.venue.style != VenueStyle::Ccp)>
                <p class="hint">"Only a clearing house (venue style ccp) auctions a defaulter's portfolio; without an auction it is closed out at the venue's auction discount above."</p>
            </Show>
            <Show when=move || on.get()>
                <p class="hint">"Each bid takes a share of every defaulter's position at a discount to the mark; the best bids win first."</p>
                <div class="bid-list" id="bid-list">
                    {move || (0..bid_count.get()).map(|k| {
                        let bid = move |sc: &Scenario| sc.default_auction.as_ref().and_then(|a| a.bids.get(k)).cloned().unwrap_or_default();
                        let member_errors = RwSignal::new(Vec::<ValidationError>::new());
                        view! {
                            <fieldset class="bid">
                                <legend>{format!("Bid {}", k + 1)}</legend>
                                <label for=format!("bid-{k}-member")>"Member"</label>
                                <select id=format!("bid-{k}-member") prop:value=move || s.scenario.with(|sc| bid(sc).member)
                                    on:change=move |e| {
                                        let v = event_target_value(&e);
                                        member_errors.set(s.edit(|sc| if let Some(b) = auction(sc).and_then(|a| a.bids.get_mut(k)) { b.member = v; }).err().unwrap_or_default());
                                    }>
                                    {move || members().into_iter().map(|(id, name)| view! { <option value=id.clone()>{if name.is_empty() { id.clone() } else { format!("{name} ({id})") }}</option> }).collect_view()}
                                </select>
                                <FieldErrors errors=member_errors/>
                                {number_input(format!("bid-{k}-discount"), "Discount to the mark (fraction: 0.04 = 4 % below)".into(),
                                    format!("default_auction.bids[{k}].discount"),
                                    move |sc| bid(sc).discount,
                                    move |sc, v| { if let Some(b) = auction(sc).and_then(|a| a.bids.get_mut(k)) { b.discount = v; } Ok(()) })}
                                {number_input(format!("bid-{k}-share"), "Share of the portfolio (fraction: 0.4 = 40 %)".into(),
                                    format!("default_auction.bids[{k}].share"),
                                    move |sc| bid(sc).share,
                                    move |sc, v| { if let Some(b) = auction(sc).and_then(|a| a.bids.get_mut(k)) { b.share = v; } Ok(()) })}
                                <button type="button" aria-label=format!("Remove bid {}", k + 1) on:click=move |_| report(s.edit(|sc| {
                                    if let Some(a) = auction(sc) { if k < a.bids.len() { a.bids.remove(k); } }
                                }))>"Remove this bid"</button>
                            </fieldset>
                        }
                    }).collect_view()}
                </div>
                <button type="button" id="add-bid" on:click=add_bid>"Add a bid"</button>
                {check_input("auction-reserve".into(), "The clearing house rejects bids beyond a largest discount (its reserve)".into(),
                    |sc| sc.default_auction.as_ref().is_some_and(|a| a.max_discount.is_some()),
                    |sc, on| if let Some(a) = auction(sc) { a.max_discount = on.then(|| Decimal::new(15, 2)); })}
                <Show when=move || reserve.get()>
                    {number_input("auction-max-discount".into(), "Largest discount accepted (fraction: 0.15 = 15 %)".into(),
                        "default_auction.max_discount".into(),
                        |sc| sc.default_auction.as_ref().and_then(|a| a.max_discount).unwrap_or_default(),
                        |sc, v| { if let Some(a) = auction(sc) { a.max_discount = Some(v); } Ok(()) })}
                </Show>
                {choice_input("auction-forced".into(), "What no accepted bid covers (forced allocation)".into(),
                    vec![("pro_rata_to_contribution", "Forced on the survivors, pro rata to fund"),
                         ("close_out", "Closed out at the auction discount")],
                    |sc| match sc.default_auction.as_ref().map(|a| a.forced_allocation) {
                        Some(ForcedAllocation::CloseOut) => "close_out",
                        _ => "pro_rata_to_contribution",
                    },
                    |sc, v| if let Some(a) = auction(sc) {
                        a.forced_allocation = if v == "close_out" { ForcedAllocation::CloseOut } else { ForcedAllocation::ProRataToContribution };
                    })}
                {check_input("auction-juniorise".into(), "Juniorise: the fund contributions of members who bid badly or not at all are used first".into(),
                    |sc| sc.default_auction.as_ref().is_some_and(|a| a.juniorise),
                    |sc, on| if let Some(a) = auction(sc) { a.juniorise = on; })}
            </Show>
            <FieldErrors errors=errors/>
        </div>
    }
}
