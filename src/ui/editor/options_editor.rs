//! `instruments[].option` (issue 18): the scenario's European options — the underlying, call or
//! put, strike, expiry step, cash or physical settlement, premium in the quote currency or in
//! coin, days a step spans — and each option's implied-volatility path (σ at step 0, scripted
//! points, shocks, or a seeded GBM of σ) and its smile by moneyness (points of K/F, each adding to σ). "Add an option" starts a call at the money on the first future or perpetual.
//! Every edit goes through the scenario's validation (validate_option.rs names the field); the
//! page computes no mark or margin here: the run does.

use leptos::prelude::*;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::number_field::{check_input, choice_input, id_choice, number_input};
use super::FieldErrors;
use crate::scenario::{Expiry, Gbm, Instrument, OptionTerms, OptionType, PremiumUnit, PricePath, PricePoint, Scenario, SettlementKind, Shock, SmilePoint, ValidationError};
use crate::ui::state::use_state;

fn terms(s: &Scenario, i: usize) -> Option<&OptionTerms> {
    s.instruments.get(i).and_then(|x| x.option.as_ref())
}

fn terms_mut(s: &mut Scenario, i: usize) -> Option<&mut OptionTerms> {
    s.instruments.get_mut(i).and_then(|x| x.option.as_mut())
}

fn vol(s: &Scenario, i: usize) -> Option<&PricePath> {
    terms(s, i).map(|o| &o.volatility)
}

fn vol_mut(s: &mut Scenario, i: usize) -> Option<&mut PricePath> {
    terms_mut(s, i).map(|o| &mut o.volatility)
}

fn whole_step(v: Decimal) -> Result<u32, String> {
    v.to_u32().filter(|_| v.fract().is_zero()).ok_or_else(|| "must be a whole step number".to_string())
}

/// A new option: a call at the money on the first instrument that is not an option, expiring at
/// the last step, σ 50 %, on the underlying's tick; an id not yet taken.
fn new_option(s: &Scenario) -> Option<Instrument> {
    let u = s.instruments.iter().find(|x| x.option.is_none())?;
    let strike = u.price.initial;
    let mut n = s.instruments.iter().filter(|x| x.option.is_some()).count() + 1;
    let mut id = format!("{}-C{}", u.id, n);
    while s.instruments.iter().any(|x| x.id == id) {
        n += 1;
        id = format!("{}-C{}", u.id, n);
    }
    Some(Instrument {
        id,
        tick_size: u.tick_size,
        lot_size: u.lot_size,
        expiry: Some(Expiry { step: s.steps, settlement: SettlementKind::Cash, buy_in_penalty: Decimal::ZERO }),
        option: Some(OptionTerms { on: u.id.clone(), kind: OptionType::Call, strike, volatility: PricePath { initial: Decimal::new(5, 1), ..Default::default() }, ..Default::default() }),
        ..Default::default()
    })
}

#[component]
pub fn OptionsEditor() -> impl IntoView {
    let s = use_state();
    let errors = RwSignal::new(Vec::<ValidationError>::new());
    let report = move |r: Result<(), Vec<ValidationError>>| errors.set(r.err().unwrap_or_default());
    // (index, id, vol points, vol shocks, gbm, smile points) of each option, and the ids an option can be on: the
    // rows rebuild only when one of these changes (an edit keeps the focus).
    let shape = Memo::new(move |_| {
        s.scenario.with(|sc| {
            let rows = sc
                .instruments
                .iter()
                .enumerate()
                .filter_map(|(i, x)| x.option.as_ref().map(|o| (i, x.id.clone(), o.volatility.points.len(), o.volatility.shocks.len(), o.volatility.gbm.is_some(), o.smile.len())))
                .collect::<Vec<_>>();
            let under = sc.instruments.iter().filter(|x| x.option.is_none()).map(|x| x.id.clone()).collect::<Vec<_>>();
            (rows, under)
        })
    });
    view! {
        <div id="options-editor">
            {move || { let (rows, under) = shape.get(); rows.into_iter().map(|(i, id, points, shocks, gbm, smile)| { let under = under.clone(); view! {
                <fieldset class="option">
                    <legend>{id.clone()}</legend>
                    {id_choice(format!("opt-{i}-on"), "Underlying (a future or perpetual of the scenario)".into(), under,
                        move |sc| terms(sc, i).map(|o| o.on.clone()).unwrap_or_default(),
                        move |sc, v| if let Some(o) = terms_mut(sc, i) { o.on = v.to_string(); })}
                    {choice_input(format!("opt-{i}-kind"), "Call or put".into(), vec![("call", "Call (the right to buy)"), ("put", "Put (the right to sell)")],
                        move |sc| if terms(sc, i).is_some_and(|o| o.kind == OptionType::Put) { "put" } else { "call" },
                        move |sc, v| if let Some(o) = terms_mut(sc, i) { o.kind = if v == "put" { OptionType::Put } else { OptionType::Call }; })}
                    {number_input(format!("opt-{i}-strike"), "Strike".into(), format!("instruments[{i}].option.strike"),
                        move |sc| terms(sc, i).map(|o| o.strike).unwrap_or_default(),
                        move |sc, v| { if let Some(o) = terms_mut(sc, i) { o.strike = v; } Ok(()) })}
                    {number_input(format!("opt-{i}-expiry"), "Expiry step".into(), format!("instruments[{i}].expiry.step"),
                        move |sc| Decimal::from(sc.instruments.get(i).and_then(|x| x.expiry.as_ref()).map_or(0, |e| e.step)),
                        move |sc, v| {
                            let step = whole_step(v)?;
                            if let Some(x) = sc.instruments.get_mut(i) { x.expiry.get_or_insert_with(Expiry::default).step = step; }
                            Ok(())
                        })}
                    {choice_input(format!("opt-{i}-settlement"), "Settlement at expiry".into(),
                        vec![("cash", "Cash (the payoff in money)"), ("physical", "Physical (exercise into the underlying)")],
                        move |sc| if sc.instruments.get(i).and_then(|x| x.expiry.as_ref()).is_some_and(|e| e.settlement == SettlementKind::Physical) { "physical" } else { "cash" },
                        move |sc, v| if let Some(x) = sc.instruments.get_mut(i) {
                            x.expiry.get_or_insert_with(Expiry::default).settlement = if v == "physical" { SettlementKind::Physical } else { SettlementKind::Cash };
                        })}
                    {choice_input(format!("opt-{i}-premium"), "Premium counted in".into(),
                        vec![("quote", "The quote currency"), ("coin", "The underlying coin (inverse, Deribit-style)")],
                        move |sc| if terms(sc, i).is_some_and(|o| o.premium == PremiumUnit::Coin) { "coin" } else { "quote" },
                        move |sc, v| if let Some(o) = terms_mut(sc, i) { o.premium = if v == "coin" { PremiumUnit::Coin } else { PremiumUnit::Quote }; })}
                    {number_input(format!("opt-{i}-days"), "Days a step spans (time to expiry)".into(), format!("instruments[{i}].option.days_per_step"),
                        move |sc| terms(sc, i).map(|o| o.days_per_step).unwrap_or_default(),
                        move |sc, v| { if let Some(o) = terms_mut(sc, i) { o.days_per_step = v; } Ok(()) })}
                    {number_input(format!("opt-{i}-vol"), "Implied volatility at step 0 (0.6 = 60 %)".into(), format!("instruments[{i}].option.volatility.initial"),
                        move |sc| vol(sc, i).map(|p| p.initial).unwrap_or_default(),
                        move |sc, v| { if let Some(p) = vol_mut(sc, i) { p.initial = v; } Ok(()) })}
                    {check_input(format!("opt-{i}-gbm"), "σ drawn at random (GBM; ignored while there are points)".into(),
                        move |sc| vol(sc, i).is_some_and(|p| p.gbm.is_some()),
                        move |sc, on| if let Some(p) = vol_mut(sc, i) { p.gbm = on.then(|| Gbm { drift: Decimal::ZERO, volatility: Decimal::new(5, 2) }); })}
                    {gbm.then(|| number_input(format!("opt-{i}-gbm-vol"), "σ's own volatility a step (0.05 = 5 %)".into(), format!("instruments[{i}].option.volatility.gbm.volatility"),
                        move |sc| vol(sc, i).and_then(|p| p.gbm.as_ref()).map_or(Decimal::ZERO, |g| g.volatility),
                        move |sc, v| { if let Some(g) = vol_mut(sc, i).and_then(|p| p.gbm.as_mut()) { g.volatility = v; } Ok(()) }))}
                    {(0..points).map(|k| view! {
                        <div class="row">
                            {number_input(format!("opt-{i}-volpt-{k}-step"), "Volatility point at step".into(), format!("instruments[{i}].option.volatility.points[{k}].step"),
                                move |sc| Decimal::from(vol(sc, i).and_then(|p| p.points.get(k)).map_or(0, |x| x.step)),
                                move |sc, v| { let step = whole_step(v)?; if let Some(x) = vol_mut(sc, i).and_then(|p| p.points.get_mut(k)) { x.step = step; } Ok(()) })}
                            {number_input(format!("opt-{i}-volpt-{k}-sigma"), "σ there".into(), format!("instruments[{i}].option.volatility.points[{k}].price"),
                                move |sc| vol(sc, i).and_then(|p| p.points.get(k)).map_or(Decimal::ZERO, |x| x.price),
                                move |sc, v| { if let Some(x) = vol_mut(sc, i).and_then(|p| p.points.get_mut(k)) { x.price = v; } Ok(()) })}
                            <button type="button" aria-label=format!("Remove volatility point {} of {}", k + 1, id) on:click=move |_| report(s.edit(|sc| {
                                if let Some(p) = vol_mut(sc, i) { if k < p.points.len() { p.points.remove(k); } }
                            }))>"✕"</button>
                        </div>
                    }).collect_view()}
                    {(0..shocks).map(|k| view! {
                        <div class="row">
                            {number_input(format!("opt-{i}-volshock-{k}-step"), "Volatility shock at step".into(), format!("instruments[{i}].option.volatility.shocks[{k}].step"),
                                move |sc| Decimal::from(vol(sc, i).and_then(|p| p.shocks.get(k)).map_or(0, |x| x.step)),
                                move |sc, v| { let step = whole_step(v)?; if let Some(x) = vol_mut(sc, i).and_then(|p| p.shocks.get_mut(k)) { x.step = step; } Ok(()) })}
                            {number_input(format!("opt-{i}-volshock-{k}-pct"), "moves σ by % (150 = × 2.5)".into(), format!("instruments[{i}].option.volatility.shocks[{k}].change"),
                                move |sc| vol(sc, i).and_then(|p| p.shocks.get(k)).map_or(Decimal::ZERO, |x| x.change * Decimal::ONE_HUNDRED),
                                move |sc, v| { if let Some(x) = vol_mut(sc, i).and_then(|p| p.shocks.get_mut(k)) { x.change = v / Decimal::ONE_HUNDRED; } Ok(()) })}
                            <button type="button" aria-label=format!("Remove volatility shock {} of {}", k + 1, id) on:click=move |_| report(s.edit(|sc| {
                                if let Some(p) = vol_mut(sc, i) { if k < p.shocks.len() { p.shocks.remove(k); } }
                            }))>"✕"</button>
                        </div>
                    }).collect_view()}
                    {(0..smile).map(|k| view! {
                        <div class="row">
                            {number_input(format!("opt-{i}-smile-{k}-m"), "Smile point at moneyness (strike / underlying)".into(), format!("instruments[{i}].option.smile[{k}].moneyness"),
                                move |sc| terms(sc, i).and_then(|o| o.smile.get(k)).map_or(Decimal::ZERO, |x| x.moneyness),
                                move |sc, v| { if let Some(x) = terms_mut(sc, i).and_then(|o| o.smile.get_mut(k)) { x.moneyness = v; } Ok(()) })}
                            {number_input(format!("opt-{i}-smile-{k}-add"), "adds to σ (0.1 = ten vol points)".into(), format!("instruments[{i}].option.smile[{k}].add"),
                                move |sc| terms(sc, i).and_then(|o| o.smile.get(k)).map_or(Decimal::ZERO, |x| x.add),
                                move |sc, v| { if let Some(x) = terms_mut(sc, i).and_then(|o| o.smile.get_mut(k)) { x.add = v; } Ok(()) })}
                            <button type="button" aria-label=format!("Remove smile point {} of {}", k + 1, id) on:click=move |_| report(s.edit(|sc| {
                                if let Some(o) = terms_mut(sc, i) { if k < o.smile.len() { o.smile.remove(k); } }
                            }))>"✕"</button>
                        </div>
                    }).collect_view()}
                    <div class="row">
                        <button type="button" id=format!("opt-{i}-add-point") on:click=move |_| report(s.edit(|sc| {
                            let at = sc.steps / 2;
                            if let Some(p) = vol_mut(sc, i) { let sigma = p.initial; p.points.push(PricePoint { step: at, price: sigma }); }
                        }))>"Add a volatility point"</button>
                        <button type="button" id=format!("opt-{i}-add-shock") on:click=move |_| report(s.edit(|sc| {
                            let at = sc.steps / 2;
                            if let Some(p) = vol_mut(sc, i) { p.shocks.push(Shock { step: at, change: Decimal::ONE }); }
                        }))>"Add a volatility shock"</button>
                        <button type="button" id=format!("opt-{i}-add-smile") on:click=move |_| report(s.edit(|sc| {
                            // At the money first, then 0.1 of moneyness beyond the last point, adding nothing yet.
                            if let Some(o) = terms_mut(sc, i) {
                                let m = o.smile.last().map_or(Decimal::ONE, |x| x.moneyness + Decimal::new(1, 1));
                                o.smile.push(SmilePoint { moneyness: m, add: Decimal::ZERO });
                            }
                        }))>"Add a smile point"</button>
                    </div>
                </fieldset>
            }}).collect_view() }}
            <button type="button" id="add-option" on:click=move |_| report(s.edit(|sc| {
                if let Some(x) = new_option(sc) { sc.instruments.push(x); }
            }))>"Add an option"</button>
            <p class="hint">"An option's marks are Black-76 on its underlying's marks at its own volatility path, rounded to its tick; positions in it are edited under “Everything (JSON)”."</p>
            <FieldErrors errors=errors/>
        </div>
    }
}
