//! One stress analysis as a job for the browser worker: the request the page sends, the
//! messages the worker posts back, and a runner that advances the analysis in batches.
//!
//! Pure (no browser API), so the protocol is tested natively; `src/bin/spillway-worker.rs` only
//! moves these JSON texts across `postMessage`.

use super::shard::{merge, MonteCarloPartial, Shard};
use super::{cover, reverse_stress, MonteCarlo, MonteCarloResult, Progress, StressError, StressInput, StressResult, Sweep};
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Which analysis a job runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    MonteCarlo,
    Cover,
    Reverse,
    Sweep,
}

/// What the page sends the worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobRequest {
    pub kind: JobKind,
    pub scenario: Scenario,
    #[serde(default)]
    pub input: StressInput,
    /// Most paths per batch (progress is posted after each batch); 0 = the default.
    #[serde(default)]
    pub batch: usize,
    /// Run only this shard of a Monte Carlo's paths and post its partial (issue 20: the page
    /// runs one shard per worker and merges them, [`ShardedJob`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
}

/// Default and most paths per batch.
pub const DEFAULT_BATCH: usize = 50;

/// What the worker posts back (JSON text, tagged by `type`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WorkerMessage {
    /// The worker's wasm is loaded and it listens: send the request now.
    Ready,
    Progress { done: usize, total: usize, failed: usize, elapsed_ms: f64 },
    /// The finished analysis: `result` is the serialized `MonteCarloResult`, `CoverResult`,
    /// `ReverseResult` or `SweepResult`, as `kind` says.
    Result { kind: JobKind, elapsed_ms: f64, result: Value },
    /// A shard's finished Monte Carlo: the serialized `MonteCarloPartial`.
    Partial { shard: Shard, elapsed_ms: f64, partial: Value },
    Error { message: String },
}

impl WorkerMessage {
    pub fn to_json(&self) -> String {
        // Serializing plain data to a String cannot fail; fall back to an error message anyway.
        serde_json::to_string(self).unwrap_or_else(|e| format!(r#"{{"type":"error","message":"cannot encode a message: {e}"}}"#))
    }
}

enum State {
    MonteCarlo(Box<MonteCarlo>),
    Shard(Box<MonteCarlo>, Shard),
    Sweep(Box<Sweep>),
    /// Cover and reverse run in one call: their result is ready at start.
    Done(Value),
}

/// A started analysis.
pub struct Job {
    kind: JobKind,
    state: State,
}

fn to_value<T: Serialize>(r: &T) -> StressResult<Value> {
    serde_json::to_value(r).map_err(|e| StressError::Engine(format!("cannot encode the result: {e}")))
}

impl Job {
    /// Parse a request (JSON text) and start it.
    pub fn from_json(text: &str) -> StressResult<Job> {
        let req: JobRequest = serde_json::from_str(text).map_err(|e| StressError::Input(format!("bad request: {e}")))?;
        Job::start(req)
    }

    /// Validate the input and start; cover and reverse compute their whole result here.
    pub fn start(req: JobRequest) -> StressResult<Job> {
        req.input.check()?;
        let JobRequest { kind, scenario, input, shard, .. } = req;
        if shard.is_some() && kind != JobKind::MonteCarlo {
            return Err(StressError::Input("shard: only a Monte Carlo runs in shards".into()));
        }
        let state = match (kind, shard) {
            (JobKind::MonteCarlo, Some(sh)) => State::Shard(Box::new(MonteCarlo::shard(&scenario, input.monte_carlo, sh)?), sh),
            (JobKind::MonteCarlo, None) => State::MonteCarlo(Box::new(MonteCarlo::new(&scenario, input.monte_carlo)?)),
            (JobKind::Sweep, _) => {
                let specs = input.strategies.into_iter().map(Into::into).collect();
                State::Sweep(Box::new(Sweep::new(&scenario, input.monte_carlo, specs)?))
            }
            (JobKind::Cover, _) => State::Done(to_value(&cover(&scenario, &input.cover)?)?),
            (JobKind::Reverse, _) => State::Done(to_value(&reverse_stress(&scenario, &input.reverse)?)?),
        };
        Ok(Job { kind, state })
    }

    pub fn kind(&self) -> JobKind {
        self.kind
    }

    pub fn progress(&self) -> Progress {
        match &self.state {
            State::MonteCarlo(mc) | State::Shard(mc, _) => mc.progress(),
            State::Sweep(sw) => sw.progress(),
            State::Done(_) => Progress { done: 1, total: 1, failed: 0, finished: true },
        }
    }

    /// Run up to `n` more paths.
    pub fn step(&mut self, n: usize) -> Progress {
        match &mut self.state {
            State::MonteCarlo(mc) | State::Shard(mc, _) => mc.run_batch(n),
            State::Sweep(sw) => sw.run_batch(n),
            State::Done(_) => self.progress(),
        }
    }

    /// The finished message: the result, or a shard's partial.
    pub fn finished(&self, elapsed_ms: f64) -> StressResult<WorkerMessage> {
        Ok(match &self.state {
            State::Shard(mc, sh) => WorkerMessage::Partial { shard: *sh, elapsed_ms, partial: to_value(&MonteCarloPartial::of(mc, *sh)?)? },
            _ => WorkerMessage::Result { kind: self.kind, elapsed_ms, result: self.result()? },
        })
    }

    /// The result so far (complete once `progress().finished`); a shard's statistics alone.
    pub fn result(&self) -> StressResult<Value> {
        match &self.state {
            State::MonteCarlo(mc) | State::Shard(mc, _) => to_value(&mc.result()),
            State::Sweep(sw) => to_value(&sw.result()),
            State::Done(v) => Ok(v.clone()),
        }
    }
}

/// Run a request to the end, calling `post` with every message a worker would post (after
/// `Ready`), and `now_ms` for the clock. Batches adapt to take about `target_ms` each.
pub fn run_to_end(text: &str, target_ms: f64, mut now_ms: impl FnMut() -> f64, mut post: impl FnMut(WorkerMessage)) {
    let t0 = now_ms();
    let mut job = match Job::from_json(text) {
        Ok(j) => j,
        Err(e) => return post(WorkerMessage::Error { message: e.to_string() }),
    };
    let max_batch = serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v.get("batch").and_then(Value::as_u64))
        .filter(|b| *b > 0)
        .map(|b| b as usize)
        .unwrap_or(DEFAULT_BATCH);
    // Start small so the first progress arrives quickly, then size batches by the measured pace.
    let mut batch = max_batch.min(5);
    let mut p = job.progress();
    while !p.finished {
        let before = (now_ms(), p.done);
        p = job.step(batch);
        let t = now_ms();
        post(WorkerMessage::Progress { done: p.done, total: p.total, failed: p.failed, elapsed_ms: t - t0 });
        let (ms, paths) = (t - before.0, p.done.saturating_sub(before.1));
        if paths == 0 && !p.finished {
            return post(WorkerMessage::Error { message: "the analysis made no progress".into() });
        }
        if ms > 0.0 && paths > 0 {
            batch = ((target_ms * paths as f64 / ms) as usize).clamp(1, max_batch);
        } else {
            batch = max_batch;
        }
    }
    match job.finished(now_ms() - t0) {
        Ok(m) => post(m),
        Err(e) => post(WorkerMessage::Error { message: e.to_string() }),
    }
}

/// Most workers the page runs one Monte Carlo on (each holds the book: memory grows with them).
pub const MAX_WORKERS: usize = 8;

/// How many workers a Monte Carlo of `paths` paths runs on, given the browser's
/// `navigator.hardwareConcurrency` (`None` when it does not say): one per core, at most
/// [`MAX_WORKERS`], never more than paths.
pub fn worker_count(paths: usize, hardware: Option<usize>) -> usize {
    hardware.unwrap_or(1).clamp(1, MAX_WORKERS).min(paths.max(1))
}

/// The page's side of a Monte Carlo on several workers: shard `k` of the request goes to worker
/// `k`; their progress is summed; when every partial is in, `shard::merge` gives the result one
/// worker running every path gives.
pub struct ShardedJob {
    done: Vec<usize>,
    total: Vec<usize>,
    failed: Vec<usize>,
    parts: Vec<Option<MonteCarloPartial>>,
}

impl ShardedJob {
    /// The requests, one per worker (`req` with its shard set), and the job that gathers them.
    pub fn split(req: &JobRequest, workers: usize) -> (Vec<JobRequest>, ShardedJob) {
        let count = workers.max(1);
        let reqs = (0..count).map(|index| JobRequest { shard: Some(Shard { index, count }), ..req.clone() }).collect();
        (reqs, ShardedJob { done: vec![0; count], total: vec![0; count], failed: vec![0; count], parts: vec![None; count] })
    }

    /// Worker `k`'s progress; the whole run's.
    pub fn progress(&mut self, k: usize, p: Progress) -> Progress {
        if let (Some(d), Some(t), Some(f)) = (self.done.get_mut(k), self.total.get_mut(k), self.failed.get_mut(k)) {
            (*d, *t, *f) = (p.done, p.total, p.failed);
        }
        self.overall()
    }

    /// The whole run's progress now.
    pub fn progress_now(&self) -> Progress {
        self.overall()
    }

    fn overall(&self) -> Progress {
        let done = self.done.iter().sum();
        Progress { done, total: self.total.iter().sum(), failed: self.failed.iter().sum(), finished: self.parts.iter().all(Option::is_some) }
    }

    /// Worker `k`'s partial; the merged result once every worker's is in.
    pub fn finish(&mut self, k: usize, partial: Value) -> StressResult<Option<MonteCarloResult>> {
        // Read as the page reads every value (one `Deserialize` per type in its wasm, issue 16).
        let p: MonteCarloPartial = crate::scenario::strict::decode(&partial).map_err(|e| StressError::Engine(format!("worker {k}: unreadable partial: {e}")))?;
        if let (Some(d), Some(t)) = (self.done.get_mut(k), self.total.get_mut(k)) {
            (*d, *t) = (p.to - p.from, p.to - p.from);
        }
        match self.parts.get_mut(k) {
            Some(slot) => *slot = Some(p),
            None => return Err(StressError::Engine(format!("worker {k}: no such worker"))),
        }
        if !self.overall().finished {
            return Ok(None);
        }
        let parts: Vec<(String, MonteCarloPartial)> = self.parts.iter().flatten().enumerate().map(|(i, p)| (format!("worker {i}"), p.clone())).collect();
        Ok(Some(merge(&parts)?.monte_carlo))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;

    fn request(kind: JobKind, paths: usize) -> String {
        let mut input = StressInput::default();
        input.monte_carlo.paths = paths;
        input.monte_carlo.seed = 3;
        serde_json::to_string(&JobRequest { kind, scenario: preset("exhausts-waterfall"), input, batch: 7, shard: None }).unwrap()
    }

    fn run(text: &str) -> Vec<WorkerMessage> {
        let mut clock = 0.0;
        let mut out = Vec::new();
        run_to_end(
            text,
            100.0,
            || {
                clock += 10.0;
                clock
            },
            |m| out.push(m),
        );
        out
    }

    #[test]
    fn monte_carlo_job_reports_progress_then_the_same_result_as_a_direct_run() {
        let msgs = run(&request(JobKind::MonteCarlo, 20));
        let progress: Vec<usize> = msgs.iter().filter_map(|m| if let WorkerMessage::Progress { done, .. } = m { Some(*done) } else { None }).collect();
        assert!(progress.len() >= 3, "{progress:?}");
        assert!(progress.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(progress.last(), Some(&20));
        let Some(WorkerMessage::Result { kind, result, .. }) = msgs.last() else { panic!("no result: {msgs:?}") };
        assert_eq!(*kind, JobKind::MonteCarlo);
        let mut input = StressInput::default();
        input.monte_carlo.paths = 20;
        input.monte_carlo.seed = 3;
        let mut mc = MonteCarlo::new(&preset("exhausts-waterfall"), input.monte_carlo).unwrap();
        mc.run_batch(usize::MAX);
        assert_eq!(result, &serde_json::to_value(mc.result()).unwrap());
    }

    #[test]
    fn cover_and_reverse_finish_at_once_and_sweep_runs_every_strategy() {
        for kind in [JobKind::Cover, JobKind::Reverse, JobKind::Sweep] {
            let msgs = run(&request(kind, 4));
            assert!(matches!(msgs.last(), Some(WorkerMessage::Result { kind: k, .. }) if *k == kind), "{kind:?}: {msgs:?}");
        }
    }

    /// Issue 17: the page reads the worker's result into the stress lab's own types (no copies);
    /// every kind reads back whole and writes out the same JSON again.
    #[test]
    fn the_page_reads_every_result_into_the_stress_types() {
        fn same<T: serde::de::DeserializeOwned + Serialize>(result: &Value) {
            let read: T = serde_json::from_value(result.clone()).unwrap();
            assert_eq!(&serde_json::to_value(read).unwrap(), result);
        }
        for kind in [JobKind::MonteCarlo, JobKind::Cover, JobKind::Reverse, JobKind::Sweep] {
            let msgs = run(&request(kind, 6));
            let Some(WorkerMessage::Result { result, .. }) = msgs.last() else { panic!("{kind:?}: {msgs:?}") };
            match kind {
                JobKind::MonteCarlo => same::<MonteCarloResult>(result),
                JobKind::Cover => same::<super::super::CoverResult>(result),
                JobKind::Reverse => same::<super::super::ReverseResult>(result),
                JobKind::Sweep => same::<super::super::SweepResult>(result),
            }
        }
    }

    #[test]
    fn bad_requests_become_error_messages() {
        let msgs = run("{not json");
        assert!(matches!(&msgs[..], [WorkerMessage::Error { message }] if message.contains("bad request")));
        let mut bad: Value = serde_json::from_str(&request(JobKind::MonteCarlo, 4)).unwrap();
        bad["input"]["monte_carlo"]["volatility"] = Value::String("-1".into());
        let msgs = run(&bad.to_string());
        assert!(matches!(&msgs[..], [WorkerMessage::Error { message }] if message.contains("volatility")), "{msgs:?}");
    }

    /// The worker refuses an over-cap request with a message, before any path runs.
    #[test]
    fn the_worker_refuses_requests_over_the_caps() {
        for kind in [JobKind::MonteCarlo, JobKind::Sweep, JobKind::Cover] {
            let msgs = run(&request(kind, super::super::MAX_PATHS + 1));
            assert!(
                matches!(&msgs[..], [WorkerMessage::Error { message }] if message.contains("monte_carlo.paths: 1000001 paths")),
                "{kind:?}: {msgs:?}"
            );
        }
    }

    /// Issue 20: the page's Monte Carlo on several workers, each running its shard through the
    /// worker protocol, merges into the one-worker result, whatever the number of workers.
    #[test]
    fn sharded_workers_merge_into_the_one_worker_result() {
        let one = run(&request(JobKind::MonteCarlo, 29));
        let Some(WorkerMessage::Result { result: single, .. }) = one.last() else { panic!("{one:?}") };
        let req: JobRequest = serde_json::from_str(&request(JobKind::MonteCarlo, 29)).unwrap();
        for workers in [1, 2, 3, 8] {
            let (reqs, mut job) = ShardedJob::split(&req, workers);
            let mut merged = None;
            // Finish in reverse order, as workers may.
            for (k, r) in reqs.iter().enumerate().rev() {
                let msgs = run(&serde_json::to_string(r).unwrap());
                for m in msgs {
                    match m {
                        WorkerMessage::Progress { done, total, failed, .. } => {
                            let p = job.progress(k, Progress { done, total, failed, finished: false });
                            assert!(p.done <= p.total && !p.finished);
                        }
                        WorkerMessage::Partial { shard, partial, .. } => {
                            assert_eq!(shard, Shard { index: k, count: workers });
                            merged = job.finish(k, partial).unwrap();
                            assert_eq!(merged.is_some(), k == 0);
                        }
                        other => panic!("{other:?}"),
                    }
                }
            }
            assert_eq!(&serde_json::to_value(merged.unwrap()).unwrap(), single, "{workers} workers");
        }
        assert_eq!((worker_count(10_000, Some(2)), worker_count(10_000, None), worker_count(3, Some(16)), worker_count(10_000, Some(64))), (2, 1, 3, MAX_WORKERS));
        // Only a Monte Carlo shards.
        let mut bad: JobRequest = serde_json::from_str(&request(JobKind::Cover, 4)).unwrap();
        bad.shard = Some(Shard { index: 0, count: 2 });
        assert!(matches!(&run(&serde_json::to_string(&bad).unwrap())[..], [WorkerMessage::Error { message }] if message.contains("only a Monte Carlo")));
    }

    #[test]
    fn messages_are_tagged_json() {
        let m = WorkerMessage::Progress { done: 1, total: 2, failed: 0, elapsed_ms: 3.0 }.to_json();
        assert_eq!(m, r#"{"type":"progress","done":1,"total":2,"failed":0,"elapsed_ms":3.0}"#);
        assert_eq!(WorkerMessage::Ready.to_json(), r#"{"type":"ready"}"#);
    }
}
