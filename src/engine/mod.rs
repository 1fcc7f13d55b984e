//! The pure engine: scenario → timeline. No web dependency; exact decimals; deterministic for a
//! scenario and its seed. One file per rule, tests beside them.

pub mod account;
pub mod adl;
pub mod compare;
pub mod explain;
pub mod contagion;
mod chunked;
mod closing;
mod default_auction;
mod headroom;
mod packed;
pub mod ledger;
mod liquidation;
pub mod margin;
mod margin_call;
pub mod market;
pub mod money;
pub mod options;
mod option_book;
pub mod option_greeks;
pub mod option_margin;
pub mod portfolio_margin;
mod record;
pub mod run;
pub mod scan;
mod settlement;
mod setup;
pub mod simulate;
pub mod spill;
mod state;
pub mod timeline;
pub mod waterfall;

pub use account::Status;
pub use ledger::{EntryMemo, JournalEntry, Ledger, Name};
pub use money::{format_decimal, format_money, format_money_exact, format_pct, format_price, EngineError, EngineResult};
pub use compare::{compare, waterfall_presets, waterfall_presets_for, Comparison, WaterfallSpec};
pub use contagion::{simulate_system, ContagionFlow, SystemRun, VenueRun};
pub use run::{Progress, Run};
pub use scan::ScanMode;
pub use setup::layer_list;
pub use simulate::{opening_book, simulate, simulate_prepared, simulate_reference, simulate_summary, simulate_with_mode, simulate_with_waterfall};
pub use spill::{Draw, StepDigest};
pub use timeline::*;
