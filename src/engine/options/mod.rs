//! Options and portfolio margin (issue 18): pure models, one per file, each rule's function
//! starting with its `/// Source:` line (margin-models.md). No engine state here: the models take
//! numbers and return numbers, so the scenario layer and the stress lab can call them alike.

pub mod black76;
pub mod deribit_standard;
pub mod hist_var;
pub mod marks;
pub mod normal;
pub mod scenario_grid;
pub mod smile;
pub mod span;
