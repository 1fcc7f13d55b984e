//! A Monte Carlo result as a file (issue 20, "open stress result"): the document
//! `spillway stress FILE --analysis monte-carlo` prints and `spillway stress merge` writes, read
//! back by the page's stress lab, which shows it as if it had run there and opens its worst path
//! in the player.
//!
//! The document names what it was run from — the digest of the scenario as the paths start from
//! it (`shard::digest` of `MonteCarlo::base`, the one partials carry) and the whole Monte Carlo
//! config — so a path can be rebuilt exactly (`MonteCarlo::path_scenario`). It may carry the
//! scenario itself as a share link (`scenario_link`, written by a single run and by `merge
//! --scenario FILE`); without one, the reader's own scenario is used only if its digest matches.
//!
//! Read at the boundary: bounded size, format and version first, then every field strictly
//! (`scenario::strict`: an error names the field, e.g. `monte_carlo.residual.q99`). Never panics.

use super::shard::digest;
use super::{MonteCarlo, MonteCarloConfig, MonteCarloResult, StressError, StressResult};
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `format` a result document carries.
pub const RESULT_FORMAT: &str = "spillway-stress-result";
/// The document layout this build writes and reads.
pub const RESULT_VERSION: u32 = 1;
/// Largest result file read (a Monte Carlo's result is a few KB; `--analysis all` with a sweep of
/// 64 strategies stays under 1 MB; partials, which hold every path, are not results).
pub const MAX_RESULT_BYTES: usize = 16 * 1024 * 1024;

/// The Monte Carlo result document (the other analyses of `--analysis all` may sit beside it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultDocument {
    /// Always [`RESULT_FORMAT`].
    pub format: String,
    pub version: u32,
    /// The scenario's name.
    pub scenario: String,
    /// [`digest`] of the scenario the paths start from (cohorts pinned, GBM added as configured).
    pub scenario_digest: String,
    pub monte_carlo_config: MonteCarloConfig,
    /// The scenario as a share link (`scenario::codec`), when the writer had it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario_link: Option<String>,
    pub monte_carlo: MonteCarloResult,
    // What a single run prints beside it, read and ignored (they describe the machine or other analyses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reverse: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<Value>,
}

/// The fields a result document adds to a Monte Carlo's output, in the order written: what the
/// CLI's single run and `merge` both put beside `monte_carlo` (so their texts stay equal).
pub fn header(scenario_digest: &str, config: &MonteCarloConfig) -> Vec<(&'static str, Value)> {
    vec![
        ("format", Value::from(RESULT_FORMAT)),
        ("version", Value::from(RESULT_VERSION)),
        ("scenario_digest", Value::from(scenario_digest)),
        ("monte_carlo_config", serde_json::to_value(config).unwrap_or(Value::Null)),
    ]
}

/// The digest a result of `config` run on `s` carries (the scenario as its paths start from it).
pub fn digest_of(s: &Scenario, config: &MonteCarloConfig) -> StressResult<String> {
    MonteCarlo::new(s, MonteCarloConfig { paths: 0, ..config.clone() }).map(|mc| digest(mc.base()))
}

impl ResultDocument {
    /// Read a result file's text: size, JSON, format and version, then every field.
    pub fn from_json(text: &str) -> StressResult<Self> {
        let input = |m: String| StressError::Input(m);
        if text.len() > MAX_RESULT_BYTES {
            return Err(input(format!(
                "the file is {} bytes, more than the {} MB a stress result may be (is it a partial? merge partials first: spillway stress merge)",
                text.len(),
                MAX_RESULT_BYTES / (1024 * 1024)
            )));
        }
        let value = crate::scenario::strict::parse(text.as_bytes()).map_err(|e| input(format!("not a stress result: {e}")))?;
        let format = value.get("format").and_then(Value::as_str);
        match format {
            Some(RESULT_FORMAT) => {}
            Some(super::shard::PARTIAL_FORMAT | super::shard::SWEEP_PARTIAL_FORMAT) => {
                return Err(input("format: this is a shard's partial, not a result; merge every shard's partial first (spillway stress merge PART.json… --out RESULT.json)".into()))
            }
            _ => {
                let hint = if value.get("monte_carlo").is_some() { " (written by a spillway before results carried their format; run it again)" } else { "" };
                return Err(input(format!("format: not a stress result (`format` must be \"{RESULT_FORMAT}\"){hint}")));
            }
        }
        match value.get("version").and_then(Value::as_u64) {
            Some(v) if v == u64::from(RESULT_VERSION) => {}
            other => {
                let got = other.map(|v| v.to_string()).unwrap_or_else(|| "none".into());
                return Err(input(format!("version: {got}; this spillway reads stress results of version {RESULT_VERSION}")));
            }
        }
        if matches!(value.get("monte_carlo"), Some(Value::Object(o)) if o.contains_key("error")) {
            return Err(input("monte_carlo: the run that wrote this file failed (its error is in the file)".into()));
        }
        let doc: ResultDocument = crate::scenario::strict::decode(&value).map_err(|e| input(e.to_string()))?;
        super::check_paths("monte_carlo_config.paths", doc.monte_carlo_config.paths)?;
        Ok(doc)
    }

    /// The scenario this result's paths were run from: the one its link carries, else `current`
    /// if it is the same scenario (its digest under the result's config matches); else an error
    /// naming the field and the scenario, and `current` is left as it is.
    pub fn scenario(&self, current: &Scenario) -> StressResult<Scenario> {
        let input = |m: String| StressError::Input(m);
        let (s, whose) = match &self.scenario_link {
            Some(link) => (crate::scenario::codec::decode(link).map_err(|e| input(format!("scenario_link: {e}")))?.scenario, "the file's scenario_link"),
            None => (current.clone(), "the scenario on screen"),
        };
        let d = digest_of(&s, &self.monte_carlo_config).map_err(|e| input(format!("monte_carlo_config: {e}")))?;
        if d != self.scenario_digest {
            return Err(input(match &self.scenario_link {
                Some(_) => format!("scenario_digest: {} but the file's scenario_link gives {d}; the file was changed", self.scenario_digest),
                None => format!(
                    "scenario_digest: this result was run on \"{}\" ({}), not on {whose} (\"{}\", {d}); open that scenario first, or write the result with its scenario (spillway stress … or merge --scenario FILE)",
                    self.scenario, self.scenario_digest, s.name
                ),
            }));
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::preset;
    use super::*;

    fn doc_of(s: &Scenario, config: MonteCarloConfig, link: bool) -> String {
        let mut mc = MonteCarlo::new(s, config.clone()).unwrap();
        mc.run_batch(config.paths);
        let mut m = serde_json::Map::new();
        m.insert("scenario".into(), Value::from(s.name.clone()));
        for (k, v) in header(&digest(mc.base()), &config) {
            m.insert(k.into(), v);
        }
        if link {
            m.insert("scenario_link".into(), Value::from(crate::scenario::codec::encode(s, None)));
        }
        m.insert("monte_carlo".into(), serde_json::to_value(mc.result()).unwrap());
        m.insert("threads".into(), Value::from(2));
        serde_json::to_string_pretty(&Value::Object(m)).unwrap()
    }

    #[test]
    fn a_result_reads_back_and_finds_its_scenario() {
        let s = preset("venue-insurance-adl");
        let cfg = MonteCarloConfig { paths: 6, seed: 3, ..Default::default() };
        let text = doc_of(&s, cfg.clone(), false);
        let doc = ResultDocument::from_json(&text).unwrap();
        assert_eq!(doc.monte_carlo_config, cfg);
        assert_eq!(doc.monte_carlo.paths_run, 6);
        // The scenario on screen is the one it ran on: used.
        assert_eq!(doc.scenario(&s).unwrap(), s);
        // Another scenario on screen: refused, naming the field and both scenarios.
        let other = preset("margin-covers");
        let m = doc.scenario(&other).unwrap_err().to_string();
        assert!(m.contains("scenario_digest: this result was run on \"") && m.contains(&other.name), "{m}");
        // With its link, the file's scenario is used whatever is on screen.
        let doc = ResultDocument::from_json(&doc_of(&s, cfg, true)).unwrap();
        assert_eq!(doc.scenario(&other).unwrap(), s);
    }

    #[test]
    fn bad_files_are_refused_with_the_field_named() {
        let s = preset("venue-insurance-adl");
        let good: Value = serde_json::from_str(&doc_of(&s, MonteCarloConfig { paths: 3, ..Default::default() }, false)).unwrap();
        let err = |v: &Value| ResultDocument::from_json(&v.to_string()).unwrap_err().to_string();
        let with = |f: &dyn Fn(&mut Value)| {
            let mut v = good.clone();
            f(&mut v);
            v
        };
        assert!(err(&with(&|v| v["format"] = "x".into())).contains("format: not a stress result"));
        assert!(err(&with(&|v| v["format"] = super::super::shard::PARTIAL_FORMAT.into())).contains("format: this is a shard's partial"));
        assert!(err(&with(&|v| v["version"] = 2.into())).contains("version: 2;"));
        let m = err(&with(&|v| v["monte_carlo"]["residual"]["q99"] = "lots".into()));
        assert!(m.contains("monte_carlo.residual.q99"), "{m}");
        let m = err(&with(&|v| v["monte_carlo_config"]["paths"] = Value::from(2_000_000u64)));
        assert!(m.contains("monte_carlo_config.paths"), "{m}");
        let m = err(&with(&|v| v["surprise"] = 1.into()));
        assert!(m.contains("surprise"), "{m}");
        let m = err(&with(&|v| v.as_object_mut().unwrap().remove("monte_carlo").map(|_| ()).unwrap()));
        assert!(m.contains("monte_carlo"), "{m}");
        let m = ResultDocument::from_json(&with(&|v| v["scenario_link"] = "v1.garbage".into()).to_string()).unwrap().scenario(&s).unwrap_err().to_string();
        assert!(m.starts_with("invalid input: scenario_link: "), "{m}");
        assert!(ResultDocument::from_json("{").unwrap_err().to_string().contains("not a stress result"));
        assert!(ResultDocument::from_json(&" ".repeat(MAX_RESULT_BYTES + 1)).unwrap_err().to_string().contains("more than the 16 MB"));
        for cut in [1, 10, 100, good.to_string().len() / 2] {
            assert!(ResultDocument::from_json(&good.to_string()[..cut]).is_err());
        }
    }
}
