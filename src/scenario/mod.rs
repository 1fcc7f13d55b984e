//! Scenario format v1: schema, validation, cohort expansion, price paths and presets.
//!
//! Flow: JSON → [`from_json`] (serde, then [`validate`]) → `engine::simulate`.

pub mod bench;
pub mod codec;
pub mod cohort;
pub mod contagion;
pub mod domain;
pub mod limits;
pub mod margin_model;
pub mod presets;
pub mod option_path;
pub mod price_path;
pub mod schema;
pub mod strict;
pub mod validate;
pub mod validate_option;
pub mod validate_intervention;
pub mod validate_margin;
pub mod validate_auction;

pub use schema::*;
pub use margin_model::*;
pub use limits::{work_estimate, WorkEstimate};
pub use validate::{check_shocks, check_waterfall, prepare, validate, validated, Prepared, Preparing, Validated};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// A problem with a scenario, located by its field path (`accounts[3].positions[0].size`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for ValidationError {}

/// An account after cohort expansion: its spec and the cohort it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpandedAccount {
    pub spec: AccountSpec,
    pub cohort: Option<usize>,
}

/// An account of the book after cohort expansion, without heap: a listed account by its index in
/// `accounts`, a generated one by what its cohort drew. What validation hands the engine (a 100k
/// book is 100k of these, not 100k specs with their id strings and position lists).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BookAccount {
    Listed(usize),
    Generated { cohort: usize, drawn: cohort::Drawn },
}

impl BookAccount {
    /// The cohort the account came from.
    pub fn cohort(&self) -> Option<usize> {
        match self {
            BookAccount::Listed(_) => None,
            BookAccount::Generated { cohort, .. } => Some(*cohort),
        }
    }

    /// The account as a full spec (`None` if it is not one of `s`'s).
    pub fn expanded(&self, s: &Scenario) -> Option<ExpandedAccount> {
        let spec = match *self {
            BookAccount::Listed(k) => s.accounts.get(k)?.clone(),
            BookAccount::Generated { cohort, drawn } => cohort::spec_of(s.cohorts.get(cohort)?, drawn),
        };
        Some(ExpandedAccount { spec, cohort: self.cohort() })
    }
}

/// Explicit accounts first (in order), then each cohort's generated accounts, lean.
pub fn book_accounts(s: &Scenario) -> Result<Vec<BookAccount>, Vec<ValidationError>> {
    let total = s.accounts.len() + s.cohorts.iter().map(|c| c.count as usize).sum::<usize>();
    let mut out = Vec::with_capacity(total);
    out.extend((0..s.accounts.len()).map(BookAccount::Listed));
    for (i, c) in s.cohorts.iter().enumerate() {
        cohort::draw_into(s, i, c, |drawn| out.push(BookAccount::Generated { cohort: i, drawn })).ok_or_else(|| {
            vec![ValidationError { path: format!("cohorts[{i}].instrument"), message: format!("no instrument `{}`", c.instrument) }]
        })?;
    }
    Ok(out)
}

/// Explicit accounts first (in order), then each cohort's generated accounts, as full specs.
pub fn expand_accounts(s: &Scenario) -> Result<Vec<ExpandedAccount>, Vec<ValidationError>> {
    Ok(book_accounts(s)?.iter().filter_map(|b| b.expanded(s)).collect())
}

/// Parse a scenario from JSON and validate it. Strict (`strict`): a key given twice, a field the
/// format does not have, or a list where an object belongs is an error; every error names the
/// field's full path (`venue.insurance_fund`).
pub fn from_json(text: &str) -> Result<Scenario, Vec<ValidationError>> {
    from_value(strict::parse(text.as_bytes()).map_err(|e| vec![e])?)
}

/// [`from_json`], keeping what validation expanded ([`Validated`]): the page runs it without
/// validating it again.
pub fn validated_from_json(text: &str) -> Result<Validated, Vec<ValidationError>> {
    validated(read_value(strict::parse(text.as_bytes()).map_err(|e| vec![e])?)?)
}

/// Decode a parsed JSON value strictly, then validate.
pub fn from_value(value: Value) -> Result<Scenario, Vec<ValidationError>> {
    let s = read_value(value)?;
    validate(&s)?;
    Ok(s)
}

/// [`from_value`] without the validation: the strict reading only (an object, every field known
/// and of its type, no duplicate key). The caller validates before anything runs it.
pub fn read_value(value: Value) -> Result<Scenario, Vec<ValidationError>> {
    if !value.is_object() {
        return Err(vec![ValidationError { path: String::new(), message: "a scenario must be a JSON object {…}".into() }]);
    }
    strict::decode(&value).map_err(|e| vec![e])
}

/// Serialize a scenario as pretty JSON.
pub fn to_json(s: &Scenario) -> String {
    String::from_utf8(json_text(s, true)).unwrap_or_default()
}

/// `serde_json::to_vec_pretty` (`pretty`) or `to_vec`, byte for byte, through one serializer type:
/// each of those two instantiates every type's `Serialize` once more in the page's wasm, this
/// once for both (issue 16). Empty if `value` cannot be serialized.
pub fn json_text<T: Serialize + ?Sized>(value: &T, pretty: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    let layout = Layout(pretty.then(serde_json::ser::PrettyFormatter::new));
    match value.serialize(&mut serde_json::Serializer::with_formatter(&mut out, layout)) {
        Ok(()) => out,
        Err(_) => Vec::new(),
    }
}

/// serde_json's pretty layout, or its compact one (`None`), chosen at run time.
struct Layout(Option<serde_json::ser::PrettyFormatter<'static>>);

/// The methods `PrettyFormatter` overrides; every other one is the trait's default in both.
macro_rules! layout {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        impl serde_json::ser::Formatter for Layout {
            $(fn $method<W: ?Sized + std::io::Write>(&mut self, writer: &mut W $(, $arg: $ty)*) -> std::io::Result<()> {
                match &mut self.0 {
                    Some(pretty) => pretty.$method(writer $(, $arg)*),
                    None => serde_json::ser::CompactFormatter.$method(writer $(, $arg)*),
                }
            })*
        }
    };
}

layout! {
    begin_array();
    end_array();
    begin_array_value(first: bool);
    end_array_value();
    begin_object();
    end_object();
    begin_object_key(first: bool);
    begin_object_value();
    end_object_value();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_json_works_and_errors_have_paths() {
        let ok = r#"{"version":1,"steps":5,"instruments":[{"id":"X","price":{"initial":"100"}}],
            "accounts":[{"id":"a","cash":"100","positions":[{"instrument":"X","size":"1"}]},
                        {"id":"b","cash":"100","positions":[{"instrument":"X","size":-1}]}]}"#;
        let s = from_json(ok).unwrap();
        assert_eq!(s.accounts.len(), 2);

        let bad = ok.replace(r#""size":"1""#, r#""size":"0""#);
        let errs = from_json(&bad).unwrap_err();
        assert!(errs.iter().any(|e| e.to_string().starts_with("accounts[0].positions[0].size: must be non-zero")), "{errs:?}");

        let typo = ok.replace(r#""size":"1""#, r#""sise":"1""#);
        let errs = from_json(&typo).unwrap_err();
        assert_eq!(errs[0].path, "accounts[0].positions[0]", "{errs:?}");
        assert!(errs[0].message.contains("sise"));

        let unbalanced = ok.replace(r#""size":-1"#, r#""size":-2"#);
        let errs = from_json(&unbalanced).unwrap_err();
        assert!(errs[0].to_string().starts_with("instruments[0]: open interest does not balance"), "{errs:?}");
    }
}
