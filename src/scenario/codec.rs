//! Scenario links: the whole scenario (and the step the user was on) in the URL fragment.
//!
//! Format v1 (full description: docs/scenario.md, "Sharing: the URL format"):
//!
//! ```text
//! v1.s[.s<step>][.v<venue>].<payload>              payload = a patch from the frozen v1 blank scenario
//! v1.p.<preset-id>[.s<step>][.v<venue>].<payload>  payload = a patch from that preset's JSON
//! payload = base64url-no-pad( checksum[3] ++ raw-deflate(JSON) )
//! checksum = first 3 bytes (big-endian) of CRC-32 over the header text (up to and including the
//!            last '.') followed by the JSON bytes
//! ```
//!
//! JSON (not postcard) so that a field added to the schema later, with a serde default, leaves every
//! old link decodable; patches start from frozen v1 values, so a changed default cannot change an
//! old link.
//! The step sits before the payload so that a link cut short always loses payload bytes, which the
//! inflater reports as "truncated" rather than silently dropping the step. `v<venue>` (written only
//! when it is not 0) is the linked venue on screen: 1 = `linked_venues[0]`, and so on.

use super::{presets, Scenario, ValidationError};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use miniz_oxide::inflate::TINFLStatus;
use serde_json::{Map, Value};
use std::fmt;

/// The link format version this build writes and reads.
pub const LINK_VERSION: u32 = 1;

/// Largest inflated payload a link may carry (guards against decompression bombs).
pub const MAX_INFLATED: usize = 4 * 1024 * 1024;

/// Bytes of CRC-32 kept in the payload: 1 chance in 16.7 million that damage goes unnoticed.
const CHECKSUM_LEN: usize = 3;

/// Longest preset id a link may name (ids are short kebab-case words).
const MAX_PRESET_ID: usize = 64;

/// miniz_oxide's strongest level ("uber"): links are written rarely and read often.
const DEFLATE_LEVEL: u8 = 10;

/// What a link decodes to.
#[derive(Clone, Debug, PartialEq)]
pub struct Shared {
    pub scenario: Scenario,
    /// The step the sender was looking at, if the link records one.
    pub step: Option<u32>,
    /// The preset the link builds on (`v1.p.<id>.…` links).
    pub preset: Option<String>,
    /// The venue on screen: 0 = the scenario's own, k = `linked_venues[k - 1]`.
    pub venue: usize,
}

/// Which part of a link is damaged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Damage {
    /// A character that never appears in a link.
    BadCharacter(char),
    /// The packed scenario data does not unpack.
    BadCompression,
    /// The check code does not match the content.
    BadChecksum,
    /// The link's structure is wrong; says which part.
    Malformed(&'static str),
}

/// Why a link could not be opened. `Display` is written for the person who clicked the link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodecError {
    /// The fragment is not a Spillway scenario link at all.
    NotALink,
    /// Some of the link was changed or mangled.
    Damaged(Damage),
    /// The link was cut off before its end.
    Truncated,
    /// Made by a later Spillway with a link format this build does not read.
    FutureVersion(u32),
    /// The scenario data would unpack to more than `limit` bytes.
    TooLarge { limit: usize },
    /// The link builds on a preset this build does not have.
    UnknownPreset(String),
    /// The link decodes, but to a scenario that does not pass validation (or a step it lacks).
    Invalid(Vec<ValidationError>),
}

impl CodecError {
    /// A stable machine name for the error kind (tests, logs).
    pub fn kind(&self) -> &'static str {
        match self {
            CodecError::NotALink => "not_a_link",
            CodecError::Damaged(_) => "damaged",
            CodecError::Truncated => "truncated",
            CodecError::FutureVersion(_) => "future_version",
            CodecError::TooLarge { .. } => "too_large",
            CodecError::UnknownPreset(_) => "unknown_preset",
            CodecError::Invalid(_) => "invalid",
        }
    }
}

const COPY_AGAIN: &str = "Copy the whole link again from where you got it, or ask the sender for a new one.";

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodecError::NotALink => {
                write!(f, "This is not a Spillway scenario link: the part after \"#\" should start with \"v1.\".")
            }
            CodecError::Damaged(d) => {
                let what = match d {
                    Damage::BadCharacter(c) => format!("it contains the character {c:?}, which a Spillway link never has"),
                    Damage::BadCompression => "its packed scenario data cannot be unpacked".to_string(),
                    Damage::BadChecksum => {
                        "its check code does not match its content, so part of it was changed".to_string()
                    }
                    Damage::Malformed(part) => (*part).to_string(),
                };
                write!(f, "This link is damaged: {what}. {COPY_AGAIN}")
            }
            CodecError::Truncated => write!(
                f,
                "This link is incomplete: it was cut off before its end (chat and e-mail programs sometimes do this). {COPY_AGAIN}"
            ),
            CodecError::FutureVersion(v) => write!(
                f,
                "This link was made with a newer Spillway (link format v{v}); this version only reads v{LINK_VERSION} links. Reload the page to get the latest Spillway."
            ),
            CodecError::TooLarge { limit } => write!(
                f,
                "This link holds more than {} MiB of scenario data, more than Spillway accepts from a link. Share the scenario as a JSON file instead.",
                limit / (1024 * 1024)
            ),
            CodecError::UnknownPreset(id) => write!(
                f,
                "This link builds on the preset \"{id}\", which this version of Spillway does not have (it may have been renamed or removed). Ask the sender to share the scenario as a JSON file."
            ),
            CodecError::Invalid(errs) => {
                write!(f, "This link opens a scenario that Spillway cannot run: ")?;
                for (i, e) in errs.iter().take(3).enumerate() {
                    if i > 0 {
                        write!(f, "; ")?;
                    }
                    write!(f, "{e}")?;
                }
                if errs.len() > 3 {
                    write!(f, "; and {} more problems", errs.len() - 3)?;
                }
                if errs.is_empty() {
                    write!(f, "it is not valid")?;
                }
                write!(f, ".")
            }
        }
    }
}

impl std::error::Error for CodecError {}

// ---------------------------------------------------------------------------------------------
// Encoding.

/// The URL fragment (without '#') that reopens `scenario` at `step`: the self-contained form, or the
/// shortest preset-plus-patch form if it is at most half as long (a preset link depends on the preset
/// staying as it is, so it must earn that). Every form is checked to decode back to `scenario`.
pub fn encode(scenario: &Scenario, step: Option<u32>) -> String {
    encode_at(scenario, step, 0)
}

/// [`encode`], with the venue on screen when the scenario links venues (0 = its own).
pub fn encode_at(scenario: &Scenario, step: Option<u32>, venue: usize) -> String {
    let at = At { step, venue };
    // ok: a Scenario has only string map keys and finite numbers, so serialization cannot fail.
    let target = serde_json::to_value(scenario).unwrap_or(Value::Null);
    let own = header(None, at);
    let compact = pack(&own, patch_text(&v1_blank(), &target).as_bytes());
    let full = if exact(&compact, scenario) {
        compact
    } else {
        // Every member written out overrides the blank entirely, so this form is always exact.
        pack(&own, serde_json::to_string(&target).unwrap_or_default().as_bytes())
    };
    match preset_candidate(scenario, &target, at) {
        Some(p) if p.len() * 2 <= full.len() => p,
        _ => full,
    }
}

/// The shortest preset-based link for `scenario`, if one decodes back to it exactly.
fn preset_candidate(scenario: &Scenario, target: &Value, at: At) -> Option<String> {
    let (id, patch) = presets::all()
        .into_iter()
        .filter_map(|p| Some((p.id, patch_text(&serde_json::to_value(&p.scenario).ok()?, target))))
        .min_by_key(|(_, patch)| patch.len())?;
    let link = pack(&header(Some(presets::link_key(id)), at), patch.as_bytes());
    exact(&link, scenario).then_some(link)
}

/// The patch from `base` to `target`, as JSON text (`{}` when equal).
fn patch_text(base: &Value, target: &Value) -> String {
    let patch = diff(base, target, "").unwrap_or_else(|| Value::Object(Map::new()));
    serde_json::to_string(&patch).unwrap_or_default()
}

/// Whether `link` decodes (before validation) to exactly `scenario`.
fn exact(link: &str, scenario: &Scenario) -> bool {
    unpack(link).ok().and_then(|(v, _, _)| super::strict::decode::<Scenario>(&v).ok()).as_ref() == Some(scenario)
}

/// Where a link opens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct At {
    step: Option<u32>,
    venue: usize,
}

fn header(preset: Option<&str>, at: At) -> String {
    let mut h = format!("v{LINK_VERSION}.");
    match preset {
        Some(id) => {
            h.push_str("p.");
            h.push_str(id);
            h.push('.');
        }
        None => h.push_str("s."),
    }
    if let Some(s) = at.step {
        h.push_str(&format!("s{s}."));
    }
    if at.venue > 0 {
        h.push_str(&format!("v{}.", at.venue));
    }
    h
}

fn pack(header: &str, json: &[u8]) -> String {
    let crc = crc32(header.as_bytes(), json).to_be_bytes();
    let mut bytes = crc[..CHECKSUM_LEN].to_vec();
    bytes.extend(miniz_oxide::deflate::compress_to_vec(json, DEFLATE_LEVEL));
    format!("{header}{}", URL_SAFE_NO_PAD.encode(bytes))
}

// ---------------------------------------------------------------------------------------------
// Decoding.

/// Open a link: accepts the fragment with or without its leading '#', or a whole URL.
pub fn decode(fragment: &str) -> Result<Shared, CodecError> {
    decode_deferring(fragment, |_| false)
}

/// [`decode`], except that a scenario for which `defer` is true is only read strictly and held to
/// the caps on counts (`limits::check`), not validated: its validation (which expands every
/// cohort) is left to the run, which validates anyway. The page defers a heavy book's, so that
/// opening its link is not one long task (issue 14: 100k accounts took 112–285 ms to validate,
/// then again to run). Nothing may run the scenario without validating it.
pub fn decode_deferring(fragment: &str, defer: impl Fn(&Scenario) -> bool) -> Result<Shared, CodecError> {
    let (value, at, preset) = unpack(fragment)?;
    let scenario = super::read_value(value).map_err(CodecError::Invalid)?;
    if defer(&scenario) {
        let over = super::limits::check(&scenario);
        if !over.is_empty() {
            return Err(CodecError::Invalid(over));
        }
    } else {
        super::validate(&scenario).map_err(CodecError::Invalid)?;
    }
    if at.venue > scenario.linked_venues.len() {
        return Err(CodecError::Invalid(vec![ValidationError {
            path: "venue".into(),
            message: format!("the link opens venue {}, but the scenario has {} linked venue(s)", at.venue, scenario.linked_venues.len()),
        }]));
    }
    let step = at.step;
    if let Some(s) = step {
        if s > scenario.steps {
            return Err(CodecError::Invalid(vec![ValidationError {
                path: "step".into(),
                message: format!("the link opens at step {s}, but the scenario ends at step {}", scenario.steps),
            }]));
        }
    }
    // The current preset's id (its story shows); none for a preset's earlier version.
    let preset = preset.and_then(|key| presets::by_link_key(&key).and_then(|(id, _)| id).map(str::to_string));
    Ok(Shared { scenario, step, preset, venue: at.venue })
}

/// Parse, check and inflate a link into the scenario's JSON value (not yet validated).
fn unpack(fragment: &str) -> Result<(Value, At, Option<String>), CodecError> {
    let text = fragment.trim();
    // A whole URL was pasted: keep what follows the first '#'.
    let text = text.split_once('#').map_or(text, |(_, frag)| frag);

    let rest = text.strip_prefix('v').ok_or(CodecError::NotALink)?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(CodecError::NotALink);
    }
    let (num, rest) = rest.split_at(digits); // ok: `digits` counts ASCII bytes, so this is a char boundary
    let after = rest.chars().next();
    if !matches!(after, None | Some('.')) {
        return Err(CodecError::NotALink);
    }
    match num.parse::<u32>() {
        Ok(LINK_VERSION) => {}
        Ok(0) => return Err(CodecError::NotALink),
        Ok(v) => return Err(CodecError::FutureVersion(v)),
        Err(_) => return Err(CodecError::NotALink),
    }
    let body = rest.strip_prefix('.').ok_or(CodecError::Truncated)?;

    let mut segs: Vec<&str> = body.split('.').collect();
    let payload = match segs.pop() {
        Some(p) if !p.is_empty() => p,
        _ => return Err(CodecError::Truncated),
    };
    let mut segs = segs.into_iter();
    let preset = match segs.next() {
        None => return Err(CodecError::Truncated),
        Some("s") => None,
        Some("p") => {
            let id = segs.next().ok_or(CodecError::Truncated)?;
            if id.is_empty()
                || id.len() > MAX_PRESET_ID
                || !id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                return Err(CodecError::Damaged(Damage::Malformed("its preset name is not a valid name")));
            }
            Some(id.to_string())
        }
        Some(_) => {
            return Err(CodecError::Damaged(Damage::Malformed("its kind (after \"v1.\") is neither \"s\" nor \"p\"")))
        }
    };
    let (mut step, mut venue) = (None, None);
    for seg in segs {
        let number = |prefix: char| seg.strip_prefix(prefix).filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if let Some(n) = number('s') {
            if step.is_some() {
                return Err(CodecError::Damaged(Damage::Malformed("it gives the step twice")));
            }
            step = Some(n.parse::<u32>().map_err(|_| CodecError::Damaged(Damage::Malformed("its step number is too large")))?);
        } else if let Some(n) = number('v') {
            if venue.is_some() {
                return Err(CodecError::Damaged(Damage::Malformed("it gives the venue twice")));
            }
            venue = Some(n.parse::<usize>().map_err(|_| CodecError::Damaged(Damage::Malformed("its venue number is too large")))?);
        } else {
            return Err(CodecError::Damaged(Damage::Malformed("it has a part Spillway does not recognize")));
        }
    }
    let at = At { step, venue: venue.unwrap_or(0) };

    let bytes = URL_SAFE_NO_PAD.decode(payload).map_err(|e| match e {
        base64::DecodeError::InvalidLength(_) => CodecError::Truncated,
        base64::DecodeError::InvalidByte(_, b) => CodecError::Damaged(Damage::BadCharacter(char::from(b))),
        _ => CodecError::Damaged(Damage::Malformed("its last character is wrong")),
    })?;
    if bytes.len() <= CHECKSUM_LEN {
        return Err(CodecError::Truncated);
    }
    let (sum, packed) = bytes.split_at(CHECKSUM_LEN);
    let json =
        miniz_oxide::inflate::decompress_to_vec_with_limit(packed, MAX_INFLATED).map_err(|e| match e.status {
            TINFLStatus::HasMoreOutput => CodecError::TooLarge { limit: MAX_INFLATED },
            TINFLStatus::FailedCannotMakeProgress | TINFLStatus::NeedsMoreInput => CodecError::Truncated,
            _ => CodecError::Damaged(Damage::BadCompression),
        })?;
    let head_len = text.len() - payload.len(); // ok: `payload` is a suffix of `text`
    let head = text.get(..head_len).unwrap_or_default();
    if crc32(head.as_bytes(), &json).to_be_bytes()[..CHECKSUM_LEN] != *sum {
        return Err(CodecError::Damaged(Damage::BadChecksum));
    }

    // Strict: a key twice in one object is refused here too (the path is the patch's own).
    let parsed: Value = super::strict::parse(&json).map_err(|e| {
        CodecError::Invalid(vec![if e.path.is_empty() {
            ValidationError { path: String::new(), message: format!("the link's data is {}", e.message) }
        } else {
            e
        }])
    })?;
    let mut budget = MAX_NEW_ELEMENTS;
    let value = match &preset {
        None => apply(v1_blank(), &parsed, "", &mut budget).map_err(|message| {
            CodecError::Invalid(vec![ValidationError {
                path: String::new(),
                message: format!("the link's data does not apply: {message}"),
            }])
        })?,
        Some(id) => {
            let (_, base) = presets::by_link_key(id).ok_or_else(|| CodecError::UnknownPreset(id.clone()))?;
            let base = serde_json::to_value(&base).map_err(|e| {
                CodecError::Invalid(vec![ValidationError {
                    path: String::new(),
                    message: format!("preset `{id}`: {e}"),
                }])
            })?;
            apply(base, &parsed, "", &mut budget).map_err(|message| {
                CodecError::Invalid(vec![ValidationError {
                    path: String::new(),
                    message: format!("the link's changes to preset `{id}` do not apply: {message}"),
                }])
            })?
        }
    };
    Ok((value, at, preset))
}

// ---------------------------------------------------------------------------------------------
// Patches: JSON merge patch (RFC 7386) with two changes that suit scenario JSON.
//
// 1. `null` sets a member to null rather than removing it: a scenario's JSON always has every member,
//    so removal is never needed, and an explicit null keeps meaning None even if a default changes.
// 2. Arrays can be patched element by element. Where the base is an array, a patch object edits it:
//    key "n" (if present) first resizes it to n elements, new ones starting from the v1 template for
//    that array (or null), then key "<i>" patches element i. A patch that is an array replaces the
//    array, as in RFC 7386. Without this, changing one account's cash would copy every account.
//
// The self-contained form is a patch from the frozen v1 blank scenario, so default values cost
// nothing. The blank and templates below are `Scenario::default()` and friends as of link format
// v1, frozen: changing them would change what existing links open.

const V1_BLANK: &str = r#"{"version":1,"name":"","description":"","seed":0,"steps":20,"venue":{"name":"","style":"exchange","settlement":"unrealized","quote":"USD","insurance_fund":"0","liquidation_fee":"0.005","partial_liquidation":false,"margin_call_grace":1,"auction_discount":"0","max_slippage":"0.5"},"assets":[],"instruments":[],"correlation":[],"accounts":[],"cohorts":[],"waterfall":[]}"#;

/// Array path (`[]` for "any element") → the v1 element a new element starts from.
const V1_TEMPLATES: &[(&str, &str)] = &[
    ("assets", r#"{"id":"","price":"1","follows":null,"haircut":"0"}"#),
    (
        "instruments",
        r#"{"id":"","kind":"linear","contract_size":"1","tick_size":"0.01","lot_size":"0.001","margin":{"initial":"0.1","maintenance":"0.05","tiers":[]},"funding_rate":"0","expiry":null,"price_impact":"0","price":{"initial":"0","points":[],"shocks":[],"gbm":null},"counterparty":null,"underlying":null}"#,
    ),
    ("instruments[].margin.tiers", r#"{"floor":"0","initial":"0","maintenance":"0","maintenance_amount":null}"#),
    ("instruments[].price.points", r#"{"step":0,"price":"0"}"#),
    ("instruments[].price.shocks", r#"{"step":0,"change":"0"}"#),
    (
        "accounts",
        r#"{"id":"","name":"","role":"trader","margin_mode":"cross","cash":"0","collateral":[],"positions":[],"fund_contribution":"0","reserves":"0"}"#,
    ),
    ("accounts[].collateral", r#"{"asset":"","amount":"0"}"#),
    ("accounts[].positions", r#"{"instrument":"","size":"0","entry_price":null,"isolated_margin":null}"#),
    (
        "cohorts",
        r#"{"id":"","name":"","count":0,"instrument":"","side":"long","role":"trader","margin_mode":"cross","notional_median":"10000","notional_sigma":"0.5","leverage_min":"2","leverage_max":"10","seed":null}"#,
    ),
];

/// Most array elements one link may create from templates (bounds memory for hostile links).
const MAX_NEW_ELEMENTS: usize = 50_000;

fn v1_blank() -> Value {
    super::strict::parse(V1_BLANK.as_bytes()).unwrap_or(Value::Null) // ok: a constant a test parses
}

fn template(path: &str) -> Value {
    V1_TEMPLATES
        .iter()
        .find(|(p, _)| *p == path)
        .and_then(|(_, json)| super::strict::parse(json.as_bytes()).ok())
        .unwrap_or(Value::Null)
}

fn member(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The patch that turns `from` (found at `path`) into `to`, or None when they are equal.
pub(crate) fn diff(from: &Value, to: &Value, path: &str) -> Option<Value> {
    if from == to {
        return None;
    }
    match (from, to) {
        (Value::Object(a), Value::Object(b)) => {
            let mut p = Map::new();
            for (k, va) in a {
                // A member `to` lacks cannot be removed; null is the closest (encode checks exactness).
                let vb = b.get(k).unwrap_or(&Value::Null);
                if let Some(d) = diff(va, vb, &member(path, k)) {
                    p.insert(k.clone(), d);
                }
            }
            for (k, vb) in b {
                if !a.contains_key(k) {
                    p.insert(k.clone(), vb.clone());
                }
            }
            Some(Value::Object(p))
        }
        (Value::Array(a), Value::Array(b)) => {
            let elem = format!("{path}[]");
            let tmpl = template(path);
            let mut p = Map::new();
            if a.len() != b.len() {
                p.insert("n".into(), Value::from(b.len()));
            }
            for (i, vb) in b.iter().enumerate() {
                let d = match a.get(i) {
                    Some(va) => diff(va, vb, &elem),
                    // Always present for a new element, so a reader can bound "n" by the keys given.
                    None => Some(diff(&tmpl, vb, &elem).unwrap_or_else(|| Value::Object(Map::new()))),
                };
                if let Some(d) = d {
                    p.insert(i.to_string(), d);
                }
            }
            let elementwise = Value::Object(p);
            let len = |v: &Value| serde_json::to_string(v).map(|s| s.len()).unwrap_or(usize::MAX);
            Some(if len(&elementwise) < len(to) { elementwise } else { to.clone() })
        }
        _ => Some(to.clone()),
    }
}

/// Apply a patch made by [`diff`] to `target` (found at `path`); `budget` caps template copies.
/// Errors describe a malformed patch.
pub(crate) fn apply(target: Value, patch: &Value, path: &str, budget: &mut usize) -> Result<Value, String> {
    let p = match patch {
        Value::Object(p) => p,
        other => return Ok(other.clone()),
    };
    match target {
        Value::Array(mut arr) => {
            let elem = format!("{path}[]");
            if let Some(n) = p.get("n") {
                let n = n.as_u64().ok_or("an array length is not a whole number")?;
                let n = usize::try_from(n).map_err(|_| "an array length is too large")?;
                // Every new element is given by a key, so n cannot exceed the keys present.
                if n > arr.len().saturating_add(p.len()) {
                    return Err("an array grows by more elements than it gives".into());
                }
                if n > arr.len() {
                    let grow = n - arr.len();
                    *budget = budget.checked_sub(grow).ok_or("it creates too many elements")?;
                    arr.resize(n, template(path));
                } else {
                    arr.truncate(n);
                }
            }
            for (k, v) in p {
                if k == "n" {
                    continue;
                }
                let i: usize = k.parse().map_err(|_| format!("`{k}` is not an array index"))?;
                let slot = arr.get_mut(i).ok_or_else(|| format!("index {i} is past the end of an array"))?;
                *slot = apply(std::mem::take(slot), v, &elem, budget)?;
            }
            Ok(Value::Array(arr))
        }
        target => {
            let mut t = match target {
                Value::Object(m) => m,
                _ => Map::new(),
            };
            for (k, v) in p {
                let cur = t.remove(k).unwrap_or(Value::Null);
                t.insert(k.clone(), apply(cur, v, &member(path, k), budget)?);
            }
            Ok(Value::Object(t))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Checksum.

/// CRC-32 (IEEE, as in zip and PNG) of `a` followed by `b`; bitwise, links are short.
fn crc32(a: &[u8], b: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in a.iter().chain(b) {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::validate;
    use proptest::prelude::*;
    use serde_json::json;

    fn preset(id: &str) -> Scenario {
        presets::by_id(id).map(|p| p.scenario).unwrap_or_else(|| panic!("preset {id}"))
    }

    /// Issue 14: the page defers a heavy link's validation to its run. Deferred, a link with a
    /// bad field still reads (its run's validation names the field); one over the caps on counts
    /// is refused at once, as by `decode`.
    #[test]
    fn a_deferred_decode_reads_strictly_and_still_refuses_over_the_caps() {
        let mut bad = crate::scenario::bench::cohort_book(1_000, 10).expect("bench book");
        bad.venue.liquidation_fee = rust_decimal::Decimal::TWO; // a rate above 1
        let link = encode(&bad, None);
        let refused = decode(&link).expect_err("decode validates");
        assert!(refused.to_string().contains("venue.liquidation_fee"), "{refused}");
        let read = decode_deferring(&link, |_| true).expect("read, not validated");
        assert_eq!(read.scenario, bad);
        let errs = validate(&read.scenario).expect_err("the run's validation refuses it");
        assert!(errs.iter().any(|e| e.path == "venue.liquidation_fee"), "{errs:?}");
        // Not deferred: validated as by `decode`.
        assert!(decode_deferring(&link, |_| false).is_err());

        let mut over = crate::scenario::bench::cohort_book(1_000, 10).expect("bench book");
        over.steps = 100_000;
        over.cohorts[0].count = 999_999;
        let refused = decode_deferring(&encode(&over, None), |_| true).expect_err("over the work cap");
        assert!(refused.to_string().contains("the cap is"), "{refused}");
        // The strict reading still runs when deferred: a field of the wrong type is refused.
        let typo = fragment_of(r#"{"version":1,"steps":"ten"}"#);
        assert!(decode_deferring(&typo, |_| true).is_err());
    }

    /// A full-scenario link of `json`, as `encode` writes one.
    fn fragment_of(json: &str) -> String {
        pack(&header(None, At { step: None, venue: 0 }), json.as_bytes())
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"1234", b"56789"), 0xCBF4_3926);
    }

    fn ap(target: Value, patch: Value) -> Result<Value, String> {
        apply(target, &patch, "", &mut MAX_NEW_ELEMENTS.clone())
    }

    #[test]
    fn patches_follow_rfc7386_except_null() {
        // RFC 7386 appendix A examples, except that null sets null instead of removing.
        let cases = [
            (json!({"a":"b"}), json!({"a":"c"}), json!({"a":"c"})),
            (json!({"a":"b"}), json!({"b":"c"}), json!({"a":"b","b":"c"})),
            (json!({"a":"b"}), json!({"a":null}), json!({"a":null})),
            (json!({"a":{"b":"c"}}), json!({"a":{"b":"d","c":null}}), json!({"a":{"b":"d","c":null}})),
            (json!({"a":[{"b":"c"}]}), json!({"a":[1]}), json!({"a":[1]})),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a":"foo"}), json!("bar"), json!("bar")),
            (json!({"e":null}), json!({"a":1}), json!({"e":null,"a":1})),
        ];
        for (target, patch, want) in cases {
            assert_eq!(ap(target, patch), Ok(want));
        }
    }

    #[test]
    fn diff_then_apply_is_identity_and_arrays_patch_by_element() {
        let a = json!({"x": 1, "list": [{"id":"a","v":1},{"id":"b","v":2},{"id":"c","v":3}], "opt": true});
        let b =
            json!({"x": 2, "list": [{"id":"a","v":1},{"id":"b","v":5},{"id":"c","v":3},{"id":"d","v":4}], "opt": null});
        let p = diff(&a, &b, "").unwrap();
        assert_eq!(p, json!({"x":2,"opt":null,"list":{"n":4,"1":{"v":5},"3":{"id":"d","v":4}}}));
        assert_eq!(ap(a.clone(), p), Ok(b.clone()));
        let shrink = json!({"x": 2, "list": [{"id":"a","v":1}], "opt": null});
        let p = diff(&b, &shrink, "").unwrap();
        assert_eq!(ap(b, p), Ok(shrink));
        assert_eq!(diff(&a, &a, ""), None);
    }

    #[test]
    fn new_elements_start_from_the_v1_template() {
        let blank = v1_blank();
        assert!(serde_json::from_value::<Scenario>(blank.clone()).is_ok(), "V1_BLANK must stay a valid Scenario");
        for (path, json) in V1_TEMPLATES {
            assert!(serde_json::from_str::<Value>(json).is_ok(), "{path}");
        }
        let mut s = Scenario::default();
        s.accounts.push(crate::scenario::AccountSpec { id: "a".into(), cash: 5.into(), ..Default::default() });
        let target = serde_json::to_value(&s).unwrap();
        let p = diff(&blank, &target, "").unwrap();
        assert_eq!(p, json!({"accounts": {"n": 1, "0": {"id": "a", "cash": "5"}}}));
        assert_eq!(ap(blank, p), Ok(target));
    }

    #[test]
    fn hostile_patches_are_errors_not_panics() {
        let base = json!({"list": [1, 2]});
        assert!(ap(base.clone(), json!({"list": {"n": 1_000_000_000u64}})).is_err());
        assert!(ap(base.clone(), json!({"list": {"7": 1}})).is_err());
        assert!(ap(base.clone(), json!({"list": {"x": 1}})).is_err());
        assert!(ap(base.clone(), json!({"list": {"n": -1}})).is_err());
        assert_eq!(ap(base, json!({"list": {"n": 3, "2": 9}})), Ok(json!({"list": [1, 2, 9]})));
        let many: Map<String, Value> = (0..=MAX_NEW_ELEMENTS).map(|i| (i.to_string(), json!({}))).collect();
        let mut many = many;
        many.insert("n".into(), json!(MAX_NEW_ELEMENTS + 1));
        assert!(ap(v1_blank(), json!({"accounts": many})).is_err());
    }

    /// A link keeps the linked venue on screen; venue 0 writes nothing (older links unchanged), and
    /// a venue the scenario lacks, or a venue given twice, is a clear error.
    #[test]
    fn links_keep_the_venue_on_screen() {
        let s = preset("contagion-vault-to-ccp");
        assert!(!s.linked_venues.is_empty());
        assert_eq!(encode_at(&s, Some(7), 0), encode(&s, Some(7)));
        let link = encode_at(&s, Some(7), 1);
        assert!(link.starts_with("v1.p.contagion-vault-to-ccp.s7.v1."), "{link}");
        let got = decode(&link).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((got.step, got.venue, got.scenario == s), (Some(7), 1, true));
        assert_eq!(decode(&encode(&s, None)).map(|x| x.venue).ok(), Some(0));
        let too_far = encode_at(&s, None, s.linked_venues.len() + 1);
        match decode(&too_far) {
            Err(CodecError::Invalid(e)) => assert_eq!(e.first().map(|x| x.path.as_str()), Some("venue")),
            other => panic!("{other:?}"),
        }
        let twice = link.replacen(".v1.", ".v1.v1.", 1);
        assert!(matches!(decode(&twice), Err(CodecError::Damaged(_))));
    }

    /// A hand-made link is read as strictly as a file: a key twice, or a field the layer kind
    /// lacks, is refused with its path (before: the last key won, the extra field was ignored).
    #[test]
    fn links_are_read_strictly() {
        let invalid = |json: &str| match decode(&pack("v1.s.", json.as_bytes())) {
            Err(CodecError::Invalid(e)) => e.into_iter().next().map(|x| x.to_string()).unwrap_or_default(),
            other => panic!("{json}: {other:?}"),
        };
        let ok = r#"{"steps":5,"instruments":{"n":1,"0":{"id":"X","price":{"initial":"100"}}}}"#;
        assert!(decode(&pack("v1.s.", ok.as_bytes())).is_ok());
        let twice = r#"{"steps":5,"steps":6,"instruments":{"n":1,"0":{"id":"X","price":{"initial":"100"}}}}"#;
        assert!(invalid(twice).starts_with("steps: "), "{}", invalid(twice));
        let extra = r#"{"steps":5,"instruments":{"n":1,"0":{"id":"X","price":{"initial":"100"}}},"waterfall":[{"kind":"insurance_fund","amount":"999999"}]}"#;
        let e = invalid(extra);
        assert!(e.starts_with("waterfall[0]: unknown field `amount`"), "{e}");
        assert!(invalid("[1,2]").contains("must be a JSON object"), "{}", invalid("[1,2]"));
    }

    #[test]
    fn links_round_trip_and_pick_the_preset_form() {
        let mut s = preset("margin-covers");
        assert!(encode(&s, None).starts_with("v1.p.margin-covers."));
        s.venue.auction_discount = rust_decimal::Decimal::new(5, 2);
        let link = encode(&s, Some(12));
        assert!(link.starts_with("v1.p.margin-covers.s12."), "{link}");
        let back = decode(&link).unwrap();
        assert_eq!(back, Shared { scenario: s.clone(), step: Some(12), preset: Some("margin-covers".into()), venue: 0 });
        assert_eq!(decode(&format!("https://example.org/app/#{link}")).unwrap().scenario, s);

        let s = super::super::from_json(
            r#"{"version":1,"name":"Mine","steps":5,"instruments":[{"id":"X","price":{"initial":"100"}}],
                "accounts":[{"id":"a","cash":"100","positions":[{"instrument":"X","size":"1"}]},
                            {"id":"b","cash":"100","positions":[{"instrument":"X","size":"-1"}]}]}"#,
        )
        .unwrap();
        let full = encode(&s, None);
        assert!(full.starts_with("v1.s.") && full.len() < 300, "{full}");
        let (v, step, p) = unpack(&full).unwrap();
        assert_eq!((serde_json::from_value::<Scenario>(v).unwrap(), step, p), (s, At::default(), None));
    }

    #[test]
    fn each_failure_names_its_kind() {
        let link = encode(&preset("margin-covers"), Some(3));
        let kind = |f: &str| decode(f).map(|_| ()).unwrap_err().kind();
        assert_eq!(kind(""), "not_a_link");
        assert_eq!(kind("#/about"), "not_a_link");
        assert_eq!(kind("version"), "not_a_link");
        assert_eq!(kind("v0.s.AAAA"), "not_a_link");
        assert_eq!(kind("v2.s.AAAA"), "future_version");
        assert_eq!(kind("v1"), "truncated");
        assert_eq!(kind("v1."), "truncated");
        assert_eq!(kind("v1.p"), "truncated");
        assert_eq!(kind("v1.p.margin-cov"), "truncated");
        assert_eq!(kind(&link[..link.len() - 3]), "truncated");
        assert_eq!(kind(&link[..20]), "truncated");
        assert_eq!(kind(&link.replace(".s3.", ".s4.")), "damaged");
        assert_eq!(kind(&link.replace("v1.p.margin-covers", "v1.p.Margin")), "damaged");
        assert_eq!(kind(&format!("{link}!")), "damaged");
        assert_eq!(kind(&link.replace("margin-covers", "no-such-preset")), "damaged"); // checksum covers the id
        let gone = pack(&header(Some("no-such-preset"), At::default()), b"{}");
        assert_eq!(decode(&gone).unwrap_err(), CodecError::UnknownPreset("no-such-preset".into()));
        let beyond = encode(&preset("margin-covers"), Some(999));
        assert_eq!(kind(&beyond), "invalid");
        let bad = pack(&header(None, At::default()), br#"{"version":1,"steps":0}"#);
        assert!(matches!(decode(&bad), Err(CodecError::Invalid(e)) if e.iter().any(|e| e.path == "steps")));
        let not_json = pack(&header(None, At::default()), b"{oops");
        assert_eq!(kind(&not_json), "invalid");
    }

    #[test]
    fn decompression_bombs_are_refused() {
        let zeros = vec![b' '; MAX_INFLATED + 1];
        let bomb = pack(&header(None, At::default()), &zeros);
        assert!(bomb.len() < 20_000, "{}", bomb.len());
        assert_eq!(decode(&bomb), Err(CodecError::TooLarge { limit: MAX_INFLATED }));
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            "[a-z0-9_.-]{0,6}".prop_map(Value::from),
            prop_oneof![Just("n"), Just("0"), Just("1"), Just("accounts"), Just("instruments"), Just("cash")]
                .prop_map(Value::from),
        ];
        leaf.prop_recursive(5, 48, 6, |inner| {
            let key = prop_oneof![
                Just("n".to_string()),
                Just("0".to_string()),
                Just("1".to_string()),
                Just("99".to_string()),
                Just("accounts".to_string()),
                Just("instruments".to_string()),
                Just("waterfall".to_string()),
                Just("price".to_string()),
                Just("shocks".to_string()),
                Just("cash".to_string()),
                "[a-z]{1,4}",
            ];
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                proptest::collection::btree_map(key, inner, 0..5).prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        // Links with a valid checksum reach the JSON, patch and validation stages: still no panic.
        #[test]
        fn hostile_payloads_with_valid_checksums_never_panic(
            patch in json_value(),
            preset_ix in 0usize..64,
            step in proptest::option::of(any::<u32>()),
        ) {
            let ids = presets::ids();
            let id = ids[preset_ix % ids.len()];
            let text = serde_json::to_string(&patch).unwrap();
            let _ = decode(&pack(&header(Some(id), At { step, venue: 0 }), text.as_bytes()));
            let _ = decode(&pack(&header(None, At { step, venue: 0 }), text.as_bytes()));
        }

        #[test]
        fn mutated_json_with_valid_checksums_never_panics(
            preset_ix in 0usize..64,
            edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..6),
        ) {
            let all = presets::all();
            let s = &all[preset_ix % all.len()].scenario;
            let mut json = serde_json::to_vec(s).unwrap();
            for (pos, byte, op) in edits {
                let i = pos % (json.len() + 1);
                match op {
                    0 if i < json.len() => json[i] = byte,
                    1 => json.insert(i, byte),
                    _ => json.truncate(i),
                }
            }
            if let Ok(shared) = decode(&pack(&header(None, At::default()), &json)) {
                prop_assert!(validate(&shared.scenario).is_ok());
            }
        }
    }

    #[test]
    fn messages_say_what_is_wrong_in_plain_words() {
        assert!(CodecError::FutureVersion(2).to_string().contains("made with a newer Spillway (link format v2)"));
        assert!(CodecError::Truncated.to_string().contains("cut off"));
        assert!(CodecError::Damaged(Damage::BadChecksum).to_string().starts_with("This link is damaged"));
        let e = CodecError::Invalid(vec![ValidationError {
            path: "steps".into(),
            message: "must be between 1 and 100000 (got 0)".into(),
        }]);
        assert_eq!(
            e.to_string(),
            "This link opens a scenario that Spillway cannot run: steps: must be between 1 and 100000 (got 0)."
        );
    }
}
