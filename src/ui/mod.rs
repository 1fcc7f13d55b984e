//! The page: one component per file. Components format money; they never compute it.

pub mod about;
pub mod account_story;
pub mod accounts_view;
pub mod app;
pub mod charts;
pub mod chunked_run;
pub mod compare_view;
pub mod contagion_view;
pub mod download;
pub mod editor;
pub mod format;
pub mod glossary_view;
pub mod ledger_view;
pub mod narrative;
pub mod notice;
pub mod panic_panel;
pub mod perf;
pub mod player;
pub mod row_window;
pub mod share;
pub mod spill;
pub mod state;
pub mod stress_view;
pub mod summary;
pub mod tour;
pub mod waterfall_view;
