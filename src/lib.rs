//! Spillway: a margin, liquidation and default-waterfall engine, and the page that shows it.
//!
//! Data flows one way: scenario (URL / JSON / preset) → `scenario::validate` → `engine::simulate`
//! → `Timeline` → the UI, which only formats what the engine computed.

pub mod engine;
pub mod fuzz_check;
pub mod scenario;
pub mod stress;
pub mod teach;

#[cfg(target_arch = "wasm32")]
pub mod ui;

/// The UI's pure axis arithmetic, compiled natively for its tests (the UI itself is wasm only).
#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "ui/axis.rs"]
mod ui_axis;
