//! An option position's margin (issue 18): Deribit's standard option margin in place of the
//! notional rate futures use. A long option was paid for in full and needs none; a short one
//! needs a fraction of the underlying, less how far out of the money it is, floored, plus its mark.

use super::market::{Market, OptionMeta};
use super::money::{Checked, EngineResult};
use super::options::black76::PremiumIn;
use super::options::deribit_standard::{standard_margin, StandardParams};
use rust_decimal::Decimal;

/// Source: Deribit standard option margin (margin-models.md §2, restated by TSLab and bit.com),
/// through `options::deribit_standard::standard_margin`. `size` contracts (signed) of option `o`
/// at step `t`: (maintenance, initial) in the quote currency. The run keeps money in the quote
/// currency, so a coin option's mark is its coin mark × the underlying's mark S; its coin-terms
/// margin × S — max(0.15·S − OTM, 0.10·S) + mark, 0.075·S + mark (call), max(0.075·S,
/// 0.075·mark) + mark (put) — is exactly the quote-terms formula at that mark, which is what
/// is computed for both.
pub fn option_requirements(m: &Market, o: &OptionMeta, inst: usize, size: Decimal, t: u32) -> EngineResult<(Decimal, Decimal)> {
    if size >= Decimal::ZERO {
        return Ok((Decimal::ZERO, Decimal::ZERO));
    }
    let cs = m.meta(inst).map(|x| x.contract_size).unwrap_or(Decimal::ONE);
    let units = size.mul_c(cs, "option margin")?;
    let r = standard_margin(o.kind, PremiumIn::Quote, units, o.strike, m.mark(o.underlying, t), m.mark(inst, t), StandardParams::default())?;
    Ok((r.maintenance, r.initial))
}

#[cfg(test)]
mod tests {
    // Worked figures through a whole run: tests/options_engine.rs.
}
