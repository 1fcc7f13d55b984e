//! Teaching material that sits beside the engine: the glossary of the field's terms, each tied to
//! a preset that shows it happening.

pub mod glossary;
pub mod tour;
