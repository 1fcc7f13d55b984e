//! Display helpers: the engine formats money; these only turn engine figures into drawing ratios
//! and CSS class names (never into new amounts).

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::engine::Status;

/// `part / whole` as a drawing fraction in 0..=1 (0 when `whole` is not positive).
pub fn fraction(part: Decimal, whole: Decimal) -> f64 {
    if whole <= Decimal::ZERO {
        return 0.0;
    }
    let r = part.to_f64().unwrap_or(0.0) / whole.to_f64().unwrap_or(1.0);
    if r.is_finite() { r.clamp(0.0, 1.0) } else { 0.0 }
}

pub fn pct_width(f: f64) -> String {
    format!("width:{:.3}%", f * 100.0)
}

pub fn status_class(status: Status) -> &'static str {
    match status {
        Status::Healthy | Status::Settled => "healthy",
        Status::MarginCall => "margin-call",
        Status::Liquidating | Status::Liquidated => "liquidating",
        Status::Defaulted => "defaulted",
        Status::Bankrupt => "bankrupt",
        Status::Deleveraged | Status::TornUp => "deleveraged",
        Status::HaircutApplied => "haircut",
    }
}
