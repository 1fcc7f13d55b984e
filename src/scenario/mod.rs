//! Scenario format v1: schema, validation, cohort expansion, price paths and presets.
//!
//! Flow: JSON → [`from_json`] (serde, then [`validate`]) → `engine::simulate`.

pub mod bench;
pub mod codec;
pub mod cohort;
pub mod contagion;
pub mod limits;
pub mod presets;
pub mod price_path;
pub mod schema;
pub mod validate;

pub use schema::*;
pub use limits::{work_estimate, WorkEstimate};
pub use validate::{prepare, validate, Prepared};

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

/// Parse a scenario from JSON and validate it. Serde errors are located to a field path when
/// possible.
pub fn from_json(text: &str) -> Result<Scenario, Vec<ValidationError>> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        vec![ValidationError { path: String::new(), message: format!("not valid JSON: {e}") }]
    })?;
    from_value(value)
}

/// Decode a parsed JSON value, then validate.
pub fn from_value(value: Value) -> Result<Scenario, Vec<ValidationError>> {
    match serde_json::from_value::<Scenario>(value.clone()) {
        Ok(s) => {
            validate(&s)?;
            Ok(s)
        }
        Err(e) => Err(vec![locate(&value).unwrap_or(ValidationError { path: String::new(), message: e.to_string() })]),
    }
}

/// Serialize a scenario as pretty JSON.
pub fn to_json(s: &Scenario) -> String {
    serde_json::to_string_pretty(s).unwrap_or_default()
}

fn try_as<T: for<'de> Deserialize<'de>>(v: &Value, path: String) -> Option<ValidationError> {
    serde_json::from_value::<T>(v.clone()).err().map(|e| ValidationError { path, message: e.to_string() })
}

/// Find the innermost known part of the document that fails to decode.
fn locate(v: &Value) -> Option<ValidationError> {
    let obj = match v.as_object() {
        Some(o) => o,
        None => return Some(ValidationError { path: String::new(), message: "a scenario must be a JSON object".into() }),
    };
    for (key, val) in obj {
        let err = match key.as_str() {
            "version" => try_as::<u32>(val, key.clone()),
            "seed" => try_as::<u64>(val, key.clone()),
            "steps" => try_as::<u32>(val, key.clone()),
            "name" | "description" => try_as::<String>(val, key.clone()),
            "venue" => try_as::<Venue>(val, key.clone()),
            "correlation" => try_as::<Vec<Vec<rust_decimal::Decimal>>>(val, key.clone()),
            "assets" => each::<Asset>(val, key, |_, _, _| None),
            "cohorts" => each::<Cohort>(val, key, |_, _, _| None),
            "waterfall" => each::<LayerSpec>(val, key, |_, _, _| None),
            "contagion" => each::<ContagionLink>(val, key, |_, _, _| None),
            "linked_venues" => each::<LinkedVenue>(val, key, |item, p, _| {
                let inner = item.as_object()?.get("scenario")?;
                locate(inner).map(|e| ValidationError {
                    path: if e.path.is_empty() { format!("{p}.scenario") } else { format!("{p}.scenario.{}", e.path) },
                    message: e.message,
                })
            }),
            "instruments" => each::<Instrument>(val, key, |item, p, _| {
                let o = item.as_object()?;
                for (k, sub) in o {
                    let sp = format!("{p}.{k}");
                    let found = match k.as_str() {
                        "price" => try_as::<PricePath>(sub, sp),
                        "margin" => try_as::<MarginSpec>(sub, sp),
                        "expiry" => try_as::<Option<Expiry>>(sub, sp),
                        _ => None,
                    };
                    if found.is_some() {
                        return found;
                    }
                }
                None
            }),
            "accounts" => each::<AccountSpec>(val, key, |item, p, _| {
                let o = item.as_object()?;
                if let Some(e) = o.get("positions").and_then(|x| each_inner::<PositionSpec>(x, &format!("{p}.positions"))) {
                    return Some(e);
                }
                o.get("collateral").and_then(|x| each_inner::<CollateralSpec>(x, &format!("{p}.collateral")))
            }),
            other => Some(ValidationError { path: other.to_string(), message: "unknown field".into() }),
        };
        if err.is_some() {
            return err;
        }
    }
    None
}

fn each_inner<T: for<'de> Deserialize<'de>>(v: &Value, path: &str) -> Option<ValidationError> {
    match v.as_array() {
        None => try_as::<Vec<T>>(v, path.to_string()),
        Some(items) => items.iter().enumerate().find_map(|(i, it)| try_as::<T>(it, format!("{path}[{i}]"))),
    }
}

fn each<T: for<'de> Deserialize<'de>>(
    v: &Value,
    key: &str,
    deeper: impl Fn(&Value, &str, usize) -> Option<ValidationError>,
) -> Option<ValidationError> {
    match v.as_array() {
        None => try_as::<Vec<T>>(v, key.to_string()),
        Some(items) => items.iter().enumerate().find_map(|(i, it)| {
            let p = format!("{key}[{i}]");
            try_as::<T>(it, p.clone()).map(|outer| deeper(it, &p, i).unwrap_or(outer))
        }),
    }
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
