//! Native CLI over the engine: simulate, validate, list presets, compare waterfalls, bench.
//! Exit codes: 0 success, 2 invalid input (bad file, invalid scenario, bad usage), 1 engine error.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    std::process::exit(cli::run(std::env::args().skip(1).collect()));
}

/// `println!` that ends the program quietly when stdout is closed (`spillway simulate … | head`):
/// Rust ignores SIGPIPE, so `println!` would panic on the broken pipe.
#[cfg(not(target_arch = "wasm32"))]
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if writeln!(std::io::stdout(), $($t)*).is_err() {
            std::process::exit(0);
        }
    }};
}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use rust_decimal::Decimal;
    use serde_json::json;
    use spillway::engine::{self, format_money, format_pct};
    use spillway::scenario::{self, presets, Scenario};

    const USAGE: &str = "usage:
  spillway simulate FILE.json [--summary] [--ledger] [--without-band]   run a scenario, print the timeline as JSON (--without-band: portfolio accounts without the slack band, to measure it)
  spillway validate FILE.json                          print validation errors (exit 2 if any)
  spillway preset [NAME]                               list presets, or print one as JSON
  spillway compare FILE.json                           the scenario under each ready-made waterfall
  spillway bench [ACCOUNTS [STEPS]] [--runs=N] [--reference]   time a cohort book N times (default: 10k and 100k × 1000, 5 runs)
  spillway bench ACCOUNTS [STEPS] --waterfall=socialized|adl|vmgh|survivors|lp-vault   the book with its loss
                  going to that strategy alone; --strategies: each of the five in turn
                  (--walk: also time the conservation check walking every entry; --write=FILE: save the book's JSON)
  spillway stress FILE.json [--paths N] [--seed S] [--analysis cover|monte-carlo|reverse|sweep|all]
                  [--threads T] [--volatility V] [--input STRESS.json]   stress lab, JSON out
  spillway stress FILE.json --shard K/M [--analysis monte-carlo|sweep|reverse] [--paths N] [--seed S] [--out PART.json] [...]
                  run shard K (0 to M-1) of the paths (reverse stress: of the waterfall's layers), write its
                  partial result (versioned JSON)
  spillway stress merge PART.json... [--scenario FILE] [--out FILE]   combine every shard's partial into the
                  result a single run gives (byte for byte; docs/stress-shards.md); --scenario puts the
                  scenario in the result (checked against the partials' digest) so the page opens it alone
  spillway stress --bench [--paths N] [--threads T] [--accounts A] [--steps S]   time the Monte Carlo
                  (paths: at most 1,000,000 per analysis, a sweep's strategies together; threads: 1 to 256)
  spillway --help                                      this text";

    fn load(path: &str) -> Result<Scenario, i32> {
        let text = if let Some(id) = path.strip_prefix("preset:") {
            match presets::by_id(id) {
                Some(p) => scenario::to_json(&p.scenario),
                None => {
                    eprintln!("no preset `{id}`");
                    return Err(2);
                }
            }
        } else {
            match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("cannot read {path}: {e}");
                    return Err(2);
                }
            }
        };
        scenario::from_json(&text).map_err(|errs| {
            for e in errs {
                eprintln!("{e}");
            }
            2
        })
    }

    pub fn run(args: Vec<String>) -> i32 {
        let flag = |f: &str| args.iter().any(|a| a == f);
        // Asked for: the usage on stdout, success (a usage error prints it on stderr, exit 2).
        if flag("--help") || flag("-h") || args.first().is_some_and(|a| a == "help") {
            say!("{USAGE}");
            return 0;
        }
        let pos: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
        // `--runs=N`: bench runs per book (default 5; the first in a fresh process, the rest warm).
        let runs = || args.iter().find_map(|a| a.strip_prefix("--runs=")).and_then(|n| n.parse::<u32>().ok()).unwrap_or(5).clamp(1, 100);
        match pos.first().map(|s| s.as_str()) {
            Some("simulate") => match pos.get(1) {
                Some(p) => simulate(p, flag("--summary"), flag("--ledger"), flag("--without-band")),
                None => usage(),
            },
            Some("validate") => match pos.get(1) {
                Some(p) => match load(p) {
                    Ok(_) => {
                        say!("ok");
                        0
                    }
                    Err(c) => c,
                },
                None => usage(),
            },
            Some("preset") => match pos.get(1) {
                None => {
                    for p in presets::all() {
                        say!("{:<24} {}", p.id, p.title);
                    }
                    0
                }
                Some(id) => match presets::by_id(id) {
                    Some(p) => {
                        say!("{}", scenario::to_json(&p.scenario));
                        0
                    }
                    None => {
                        eprintln!("no preset `{id}`; known: {}", presets::ids().join(", "));
                        2
                    }
                },
            },
            Some("compare") => match pos.get(1) {
                Some(p) => compare(p),
                None => usage(),
            },
            Some("stress") => stress::run(&args[1..]),
            Some("bench") => match (pos.get(1).and_then(|s| s.parse().ok()), pos.get(2).and_then(|s| s.parse().ok())) {
                (Some(accounts), steps) if flag("--strategies") => bench_strategies(accounts, steps.unwrap_or(1_000u32), runs()),
                (Some(accounts), steps) => match args.iter().find_map(|a| a.strip_prefix("--waterfall=")) {
                    None => bench(accounts, steps.unwrap_or(1_000u32), runs(), flag("--reference"), None),
                    Some(id) => match scenario::bench::Strategy::by_id(id) {
                        Some(st) => bench(accounts, steps.unwrap_or(1_000u32), runs(), flag("--reference"), Some(st)),
                        None => {
                            eprintln!("no strategy `{id}`; known: socialized, adl, vmgh, survivors, lp-vault");
                            2
                        }
                    },
                },
                // No size: the two books, each in its own process so each peak RSS is its own.
                (None, _) => bench_all(runs(), flag("--reference")),
            },
            _ => usage(),
        }
    }

    fn usage() -> i32 {
        eprintln!("{USAGE}");
        2
    }

    fn simulate(path: &str, summary_only: bool, with_ledger: bool, without_band: bool) -> i32 {
        let s = match load(path) {
            Ok(s) => s,
            Err(c) => return c,
        };
        // Amounts print in the venue's quote currency (`€1.2m` for EUR), as on the page; linked
        // venues share it (validation). Dollar stablecoins keep `$`, so the title names the code.
        engine::money::set_display_currency(&s.venue.quote);
        // Every venue of the scenario (one without linked venues), run in contagion-link order.
        let mode = if without_band { engine::ScanMode::IndexedWithoutBand } else { engine::ScanMode::Indexed };
        let system = match scenario::prepare(&s).map_err(|e| engine::EngineError::Invalid { errors: e.iter().map(|x| x.to_string()).collect() }).and_then(|p| engine::contagion::simulate_system_with_mode(&p, mode)) {
            Ok(x) => x,
            Err(e) => {
                eprintln!("engine error: {e}");
                return 1;
            }
        };
        let mut all_ok = true;
        let mut reports = Vec::new();
        for v in &system.venues {
            let t = &v.timeline;
            let c = match t.conservation() {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("engine error: {e}");
                    return 1;
                }
            };
            all_ok &= c.holds();
            if summary_only {
                let sm = &t.summary;
                let title = if system.venues.len() > 1 { format!("{} [{}]", v.name, v.id) } else { s.name.clone() };
                say!("{title} — {} steps, {} accounts, {} events, amounts in {}", t.steps, t.accounts.len(), t.events.len(), s.venue.quote);
                say!("{:<34} {:>16}", "total default loss", format_money(sm.deficit));
                say!("{:<34} {:>16}", "bad debt (beyond margin)", format_money(sm.bad_debt));
                for (l, v) in t.layers.iter().zip(&sm.by_layer) {
                    say!("  {:<32} {:>16}", l.label, format_money(*v));
                }
                say!("  {:<32} {:>16}", "unallocated", format_money(sm.unallocated));
                say!("{:<34} {:>16}", "defaults (cascades)", format!("{} ({})", sm.defaults, sm.cascade_defaults));
                say!("{:<34} {:>16}", "accounts touched", sm.accounts_touched);
                say!("{:<34} {:>16}", "largest single hit", format_money(sm.largest_hit));
                say!("{:<34} {:>16}", "Gini of losses", sm.gini.to_string());
                say!("{:<34} {:>16}", "conservation", if c.holds() { "ok" } else { "BROKEN" });
                if !c.holds() {
                    say!("  {c}");
                }
                continue;
            }
            let accounts: Vec<_> = (0..t.accounts.len())
                .map(|i| {
                    let a = t.account_at(i, t.steps);
                    json!({
                        "id": &*t.accounts[i].id, "name": &*t.accounts[i].name, "status": a.status.label(),
                        "equity": a.equity, "loss_to_waterfall": a.loss_to_waterfall,
                    })
                })
                .collect();
            let mut out = json!({
                "name": if v.id == "main" { s.name.clone() } else { v.name.clone() },
                "steps": t.steps,
                "instruments": t.instruments,
                "layers": t.layers,
                "summary": t.summary,
                "final_layers": t.layer_state(t.steps),
                "insurance_fund_final": t.insurance_at(t.steps),
                "conservation": c,
                "final_accounts": accounts,
                "events": t.events,
            });
            if with_ledger {
                out["ledger"] = json!(t.ledger);
            }
            if v.id != "main" {
                out["id"] = json!(v.id);
            }
            reports.push(out);
        }
        if summary_only {
            for (i, l) in s.contagion.iter().enumerate() {
                let (passed, landed) = system.link_totals(i);
                say!(
                    "contagion {} {} → {}/{}: passed {}, landed {}",
                    l.from, l.source.label(), l.to, l.account, format_money(passed), format_money(landed)
                );
            }
            return if all_ok { 0 } else { 1 };
        }
        let mut reports = reports.into_iter();
        let mut out = reports.next().unwrap_or_default();
        let linked: Vec<_> = reports.collect();
        if !linked.is_empty() {
            out["linked_venues"] = json!(linked);
            out["contagion"] = json!(system.flows);
            out["venue_order"] = json!(system.order.iter().map(|k| system.venues.get(*k).map(|v| v.id.clone())).collect::<Vec<_>>());
        }
        say!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        if all_ok {
            0
        } else {
            1
        }
    }

    fn compare(path: &str) -> i32 {
        let s = match load(path) {
            Ok(s) => s,
            Err(c) => return c,
        };
        engine::money::set_display_currency(&s.venue.quote);
        let mut specs = vec![engine::WaterfallSpec { label: "scenario's own".into(), layers: s.waterfall.clone() }];
        specs.extend(engine::waterfall_presets_for(&s));
        let rows = match engine::compare(&s, &specs) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("engine error: {e}");
                return 1;
            }
        };
        say!(
            "{:<40} {:>12} {:>12} {:>10} {:>10} {:>8} {:>12} {:>8}",
            "waterfall", "loss", "unallocated", "others %", "profit. %", "touched", "largest hit", "Gini"
        );
        for r in &rows {
            match &r.summary {
                Some(sm) => say!(
                    "{:<40} {:>12} {:>12} {:>10} {:>10} {:>8} {:>12} {:>8}",
                    r.label,
                    format_money(sm.deficit),
                    format_money(sm.unallocated),
                    format_pct(r.share_non_defaulters),
                    format_pct(r.share_profitable_traders),
                    sm.accounts_touched,
                    format_money(sm.largest_hit),
                    sm.gini.round_dp(3).to_string()
                ),
                None => say!("{:<40} cannot run: {}", r.label, r.error.clone().unwrap_or_default()),
            }
        }
        0
    }

    /// The figures for 10,000 and 100,000 accounts × 1,000 steps, one child process each.
    fn bench_all(runs: u32, reference: bool) -> i32 {
        let Ok(exe) = std::env::current_exe() else {
            eprintln!("cannot find this executable");
            return 1;
        };
        say!("machine: {} logical CPU(s), {}", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1), cpu_model());
        let mut code = 0;
        for accounts in ["10000", "100000"] {
            let mut cmd = std::process::Command::new(&exe);
            cmd.args(["bench", accounts, "1000", &format!("--runs={runs}")]);
            if reference {
                cmd.arg("--reference");
            }
            match cmd.status() {
                Ok(st) if st.success() => {}
                _ => code = 1,
            }
        }
        code
    }

    /// `bench … --walk`: also time the conservation check walking every entry.
    fn flag_reference_walk() -> bool {
        std::env::args().any(|a| a == "--walk")
    }

    fn cpu_model() -> String {
        std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|c| c.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split(':').nth(1)).map(|m| m.trim().to_string()))
            .unwrap_or_else(|| "unknown CPU".into())
    }

    /// Peak resident set of this process (Linux `VmHWM`), in MB.
    fn peak_rss_mb() -> Option<f64> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let kb: f64 = status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb / 1024.0)
    }

    fn bench_scenario(accounts: u32, steps: u32, strategy: Option<scenario::bench::Strategy>) -> Result<Scenario, String> {
        match strategy {
            None => scenario::bench::cohort_book(accounts, steps),
            Some(st) => scenario::bench::strategy_book(accounts, steps, st),
        }
        .map_err(|e| e.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("\n"))
    }

    /// The book under each loss-allocation strategy (issue 14), one child process each so each
    /// peak RSS is its own.
    fn bench_strategies(accounts: u32, steps: u32, runs: u32) -> i32 {
        let Ok(exe) = std::env::current_exe() else {
            eprintln!("cannot find this executable");
            return 1;
        };
        let mut code = 0;
        for st in scenario::bench::Strategy::ALL {
            say!("strategy {}:", st.id());
            let args = ["bench".to_string(), accounts.to_string(), steps.to_string(), format!("--runs={runs}"), format!("--waterfall={}", st.id())];
            match std::process::Command::new(&exe).args(args).status() {
                Ok(s) if s.success() => {}
                _ => code = 1,
            }
        }
        code
    }

    /// One book: wall time of `simulate`, throughput, the scenario-side share (validation and
    /// cohort expansion, which `simulate` runs), peak RSS, and the cost of scrubbing to a step.
    fn bench(accounts: u32, steps: u32, runs: u32, reference: bool, strategy: Option<scenario::bench::Strategy>) -> i32 {
        let s = match bench_scenario(accounts, steps, strategy) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{e}");
                return 1;
            }
        };
        if let Some(path) = std::env::args().find_map(|a| a.strip_prefix("--write=").map(str::to_string)) {
            if let Err(e) = std::fs::write(&path, serde_json::to_string(&s).unwrap_or_default()) {
                eprintln!("cannot write {path}: {e}");
                return 1;
            }
        }
        // Run 1 is a fresh process's (its pages are new to it); runs 2.. reuse the memory the last
        // run freed, as the browser worker's warm runs reuse its linear memory.
        let mut times = Vec::new();
        let mut rss = None;
        let mut last = None;
        for _ in 0..runs.max(1) {
            drop(last.take());
            let start = std::time::Instant::now();
            match engine::simulate(&s) {
                Ok(t) => last = Some(t),
                Err(e) => {
                    eprintln!("engine error: {e}");
                    return 1;
                }
            }
            times.push(start.elapsed().as_secs_f64());
            rss = rss.or_else(peak_rss_mb);
        }
        let Some(t) = last else { return 1 };
        let secs = times.first().copied().unwrap_or_default();
        let n = t.accounts.len();
        let work = (n as f64) * f64::from(steps + 1);
        say!(
            "{} accounts × {} steps: simulate {:.3} s, {:.0} account·steps/s ({} events, {} ledger entries, {} defaults, deficit {}, unallocated {})",
            n,
            steps,
            secs,
            work / secs.max(1e-9),
            t.events.len(),
            t.ledger.len(),
            t.summary.defaults,
            format_money(t.summary.deficit),
            format_money(t.summary.unallocated)
        );
        if let Some(warm) = times.get(1..).filter(|w| !w.is_empty()) {
            let mut sorted = warm.to_vec();
            sorted.sort_by(f64::total_cmp);
            say!(
                "  warm runs 2–{} in this process: min {:.3} s, median {:.3} s ({})",
                times.len(),
                sorted.first().copied().unwrap_or_default(),
                sorted.get(sorted.len() / 2).copied().unwrap_or_default(),
                warm.iter().map(|x| format!("{x:.3}")).collect::<Vec<_>>().join(", ")
            );
        }
        // What of that is scenario-side work (src/scenario: validate, expanding the cohorts once).
        let c = std::time::Instant::now();
        let _ = std::hint::black_box(scenario::prepare(&s));
        let prepare_s = c.elapsed().as_secs_f64();
        say!(
            "  of which scenario validation + cohort expansion (scenario::prepare) {:.3} s; engine {:.3} s",
            prepare_s,
            (secs - prepare_s).max(0.0)
        );
        // The conservation check `simulate --summary` runs (issue 14: on a VM book it must not
        // rebuild every variation-margin entry).
        let c = std::time::Instant::now();
        match t.conservation() {
            Ok(k) => say!("  conservation check {:.3} s ({})", c.elapsed().as_secs_f64(), if k.holds() { "ok" } else { "BROKEN" }),
            Err(e) => say!("  conservation check {:.3} s (engine error: {e})", c.elapsed().as_secs_f64()),
        }
        if flag_reference_walk() {
            // The check as it was: every entry rebuilt and summed by name (`--walk`).
            let c = std::time::Instant::now();
            let walked = engine::ledger::checked_signed_sums(t.ledger.iter()).ok();
            let secs = c.elapsed().as_secs_f64();
            let same = walked == t.ledger.checked_signed_sums().ok();
            say!("  the same check walking every entry (as before issue 14's change): {secs:.3} s ({})", if same { "same sums" } else { "DIFFERENT sums" });
        }
        match rss {
            Some(mb) => say!("  peak RSS of this run: {mb:.1} MB"),
            None => say!("  peak RSS: not available on this OS"),
        }
        // Scrub: a random step, its layer states, 50 visible account rows and its events.
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut rand = move |m: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % m.max(1)
        };
        let (mut worst, mut total, mut views, mut view_s) = (0f64, 0f64, 0usize, 0f64);
        let trials = 200;
        for _ in 0..trials {
            let step = rand(u64::from(steps) + 1) as u32;
            let first = rand(n.saturating_sub(50) as u64 + 1) as usize;
            let c = std::time::Instant::now();
            let layers = t.layer_state(step);
            let mut eq = Decimal::ZERO;
            for a in first..(first + 50).min(n) {
                let v = t.account_at(a, step);
                eq += v.equity;
                views += 1;
            }
            // The step's events, counted without building them (a crash step holds 100k).
            let ev = t.events.range_at(step).len();
            let dt = c.elapsed().as_secs_f64();
            view_s += dt;
            std::hint::black_box((layers, eq, ev));
            worst = worst.max(dt);
            total += dt;
        }
        say!(
            "  scrub to a random step (layer states + 50 account rows + events): mean {:.1} µs, worst {:.1} µs; {:.2} µs per account row",
            total / f64::from(trials) * 1e6,
            worst * 1e6,
            view_s / views.max(1) as f64 * 1e6
        );
        if reference {
            let c = std::time::Instant::now();
            match engine::simulate_reference(&s) {
                Ok(r) => {
                    let same = serde_json::to_string(&r).ok() == serde_json::to_string(&t).ok();
                    say!("  reference per-account loop: {:.3} s (same timeline: {same})", c.elapsed().as_secs_f64());
                }
                Err(e) => say!("  reference per-account loop failed: {e}"),
            }
        }
        0
    }

    /// `spillway stress`: the stress lab (issue 7) over `spillway::stress`.
    mod stress {
        use serde_json::{json, Value};
        use spillway::stress::{self, MonteCarlo, MonteCarloConfig, StressInput, Sweep};
        use std::time::Instant;

        const VALUE_FLAGS: &[&str] = &["--paths", "--seed", "--analysis", "--threads", "--volatility", "--input", "--accounts", "--steps", "--shard", "--out"];

        fn opt<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
            args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map(|s| s.as_str())
        }

        fn parsed<T: std::str::FromStr>(args: &[String], name: &str) -> Result<Option<T>, i32> {
            match opt(args, name) {
                None => Ok(None),
                Some(v) => v.parse().map(Some).map_err(|_| {
                    eprintln!("{name}: cannot read `{v}`");
                    2
                }),
            }
        }

        fn threads_default() -> usize {
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
        }

        /// Run a Monte Carlo (or a sweep) in batches on `threads` threads, reporting to stderr.
        fn drive(what: &str, total: usize, mut step: impl FnMut(usize) -> stress::Progress) -> f64 {
            let start = Instant::now();
            let batch = (total / 20).max(50);
            loop {
                let p = step(batch);
                let secs = start.elapsed().as_secs_f64();
                let left = if p.done > 0 { secs * (p.total.saturating_sub(p.done)) as f64 / p.done as f64 } else { 0.0 };
                eprintln!("{what}: {}/{} paths, {:.1} s, ~{:.1} s left", p.done, p.total, secs, left);
                if p.finished {
                    return secs;
                }
            }
        }

        pub fn run(args: &[String]) -> i32 {
            match go(args) {
                Ok(code) => code,
                Err(code) => code,
            }
        }

        /// An input error: printed, exit 2.
        fn invalid(e: stress::StressError) -> i32 {
            eprintln!("{e}");
            2
        }

        /// Print `text` to stdout, or write it to `--out FILE`.
        fn emit(args: &[String], text: &str) -> Result<(), i32> {
            match opt(args, "--out") {
                None => {
                    say!("{text}");
                    Ok(())
                }
                Some(p) => std::fs::write(p, format!("{text}\n")).map_err(|e| {
                    eprintln!("cannot write {p}: {e}");
                    1
                }),
            }
        }

        /// `spillway stress merge PART.json...`: the Monte Carlo result of all shards, as the
        /// document a single run prints without its `threads` and `seconds` (which describe the
        /// machine, not the result).
        fn merge(args: &[String]) -> Result<i32, i32> {
            let mut parts = Vec::new();
            let mut scenario_file = None;
            let mut i = 0;
            while let Some(a) = args.get(i) {
                if a == "--out" {
                    i += 2;
                    continue;
                }
                if a == "--scenario" {
                    scenario_file = args.get(i + 1).cloned();
                    i += 2;
                    continue;
                }
                if a.starts_with("--") {
                    eprintln!("{a}: merge takes partial files, --scenario FILE and --out FILE");
                    return Err(2);
                }
                let text = std::fs::read_to_string(a).map_err(|e| {
                    eprintln!("cannot read {a}: {e}");
                    2
                })?;
                let p = stress::Partial::from_json(&text).map_err(|e| {
                    eprintln!("{a}: {e}");
                    2
                })?;
                parts.push((a.clone(), p));
                i += 1;
            }
            if parts.is_empty() {
                eprintln!("usage: spillway stress merge PART.json... [--scenario FILE] [--out FILE]");
                return Err(2);
            }
            let mut mc = Vec::new();
            let mut sweep = Vec::new();
            let mut reverse = Vec::new();
            for (label, p) in parts {
                match p {
                    stress::Partial::MonteCarlo(p) => mc.push((label, p)),
                    stress::Partial::Sweep(p) => sweep.push((label, p)),
                    stress::Partial::Reverse(p) => reverse.push((label, p)),
                }
            }
            if !reverse.is_empty() {
                if !mc.is_empty() || !sweep.is_empty() {
                    eprintln!("merge: reverse stress partials given with other partials; merge each run on its own");
                    return Err(2);
                }
                let (scenario, r) = stress::merge_reverse(&reverse).map_err(invalid)?;
                emit(args, &serde_json::to_string_pretty(&json!({ "scenario": scenario, "reverse": r })).unwrap_or_default())?;
                return Ok(0);
            }
            // Through a `Value`, as the single run's document is built, so the text is the same.
            let out = match (mc.is_empty(), sweep.is_empty()) {
                (false, true) => {
                    let m = stress::merge(&mc).map_err(invalid)?;
                    let mut out = json!({ "scenario": m.scenario, "monte_carlo": m.monte_carlo });
                    // merge checked that every partial has the same digest and config.
                    let Some((_, first)) = mc.first() else { return Err(2) };
                    for (k, v) in stress::result_file::header(&first.scenario_digest, &first.config) {
                        out[k] = v;
                    }
                    // `--scenario FILE`: the result carries the scenario (as a link) once it is
                    // checked to be the one the shards ran.
                    if let Some(file) = scenario_file {
                        let s = super::load(&file)?;
                        let d = stress::result_file::digest_of(&s, &first.config).map_err(invalid)?;
                        if d != first.scenario_digest {
                            eprintln!("--scenario {file}: its digest is {d}, the partials' {}: not the scenario the shards ran", first.scenario_digest);
                            return Err(2);
                        }
                        out["scenario_link"] = json!(spillway::scenario::codec::encode(&s, None));
                    }
                    out
                }
                (true, false) => {
                    let (scenario, r) = stress::merge_sweep(&sweep).map_err(invalid)?;
                    json!({ "scenario": scenario, "sweep": r })
                }
                _ => {
                    eprintln!("merge: Monte Carlo and sweep partials given together; merge each run on its own");
                    return Err(2);
                }
            };
            emit(args, &serde_json::to_string_pretty(&out).unwrap_or_default())?;
            Ok(0)
        }

        /// `--shard K/M`: run that shard of the Monte Carlo's paths (or of every sweep strategy's)
        /// and write its partial.
        fn shard(s: &spillway::scenario::Scenario, input: StressInput, analysis: &str, shard: stress::Shard, threads: usize, args: &[String]) -> Result<i32, i32> {
            let text = if analysis == "reverse" {
                eprintln!("reverse stress shard {shard}: searching its layers");
                stress::ReversePartial::run(s, &input.reverse, shard).and_then(|p| serde_json::to_string(&p).map_err(|e| stress::StressError::Engine(e.to_string())))
            } else if analysis == "sweep" {
                let specs = input.strategies.into_iter().map(Into::into).collect();
                let mut sw = Sweep::shard(s, input.monte_carlo, specs, shard).map_err(invalid)?;
                let total = sw.progress().total;
                drive(&format!("sweep shard {shard}"), total, |n| sw.run_batch_parallel(n, threads));
                stress::SweepPartial::of(&sw, &s.name, shard).and_then(|p| serde_json::to_string(&p).map_err(|e| stress::StressError::Engine(e.to_string())))
            } else {
                let mut mc = MonteCarlo::shard(s, input.monte_carlo, shard).map_err(invalid)?;
                let total = mc.progress().total;
                drive(&format!("monte carlo shard {shard}"), total, |n| mc.run_batch_parallel(n, threads));
                stress::MonteCarloPartial::of(&mc, shard).and_then(|p| p.to_json())
            }
            .map_err(invalid)?;
            emit(args, &text)?;
            Ok(0)
        }

        fn go(args: &[String]) -> Result<i32, i32> {
            if args.first().is_some_and(|a| a == "merge") {
                return merge(&args[1..]);
            }
            // Checked before anything runs (stress::MAX_THREADS, MAX_PATHS): too many threads fail
            // to spawn and too many paths fail to allocate, both as an abort.
            let threads = match parsed::<usize>(args, "--threads")? {
                Some(t) => {
                    stress::check_threads(t).map_err(invalid)?;
                    t
                }
                None => threads_default().min(stress::MAX_THREADS),
            };
            let paths = parsed::<usize>(args, "--paths")?;
            if let Some(n) = paths {
                stress::check_paths("--paths", n).map_err(invalid)?;
            }
            let seed = parsed::<u64>(args, "--seed")?;
            if args.iter().any(|a| a == "--bench") {
                return bench(paths.unwrap_or(10_000), threads, parsed(args, "--accounts")?.unwrap_or(100), parsed(args, "--steps")?.unwrap_or(250));
            }
            let file = args
                .iter()
                .enumerate()
                .find(|(i, a)| !a.starts_with("--") && !(i.checked_sub(1).and_then(|p| args.get(p)).is_some_and(|f| VALUE_FLAGS.contains(&f.as_str()))))
                .map(|(_, a)| a.clone());
            let Some(file) = file else {
                eprintln!("usage: spillway stress FILE.json [--paths N] [--seed S] [--analysis cover|monte-carlo|reverse|sweep|all]");
                return Err(2);
            };
            let s = super::load(&file)?;
            let mut input: StressInput = match opt(args, "--input") {
                None => StressInput::default(),
                Some(p) => {
                    let text = std::fs::read_to_string(p).map_err(|e| {
                        eprintln!("cannot read {p}: {e}");
                        2
                    })?;
                    // As strict as a scenario file: no key twice, no unknown field, full paths.
                    let value = spillway::scenario::strict::parse(text.as_bytes()).map_err(|e| {
                        eprintln!("{p}: {e}");
                        2
                    })?;
                    spillway::scenario::strict::decode(&value).map_err(|e| {
                        eprintln!("{p}: {e}");
                        2
                    })?
                }
            };
            if let Some(n) = paths {
                input.monte_carlo.paths = n;
            }
            if let Some(x) = seed {
                input.monte_carlo.seed = x;
            }
            if let Some(v) = opt(args, "--volatility") {
                input.monte_carlo.volatility = v.parse().map_err(|_| {
                    eprintln!("--volatility: cannot read `{v}`");
                    2
                })?;
            }
            input.check().map_err(invalid)?;
            if let Some(k) = opt(args, "--shard") {
                let sh = stress::Shard::parse(k).map_err(invalid)?;
                let analysis = match opt(args, "--analysis") {
                    None | Some("monte-carlo") => "monte-carlo",
                    Some(a @ ("sweep" | "reverse")) => a,
                    Some(_) => {
                        eprintln!("--shard: shards the Monte Carlo (--analysis monte-carlo, the default), the sweep (--analysis sweep) or reverse stress (--analysis reverse)");
                        return Err(2);
                    }
                };
                return shard(&s, input, analysis, sh, threads, args);
            }
            let analysis = opt(args, "--analysis").unwrap_or("all");
            let all = analysis == "all";
            if !["all", "cover", "monte-carlo", "reverse", "sweep"].contains(&analysis) {
                eprintln!("--analysis: one of cover, monte-carlo, reverse, sweep, all");
                return Err(2);
            }
            let mut out = json!({ "scenario": s.name, "threads": threads });
            let mut code = 0;
            let mut timings = serde_json::Map::new();
            let put = |out: &mut Value, key: &str, r: Result<Value, stress::StressError>, code: &mut i32| match r {
                Ok(v) => out[key] = v,
                Err(e) => {
                    eprintln!("{key}: {e}");
                    *code = (*code).max(if matches!(e, stress::StressError::Input(_)) { 2 } else { 1 });
                    out[key] = json!({ "error": e });
                }
            };
            if all || analysis == "cover" {
                let t = Instant::now();
                let r = stress::cover(&s, &input.cover).map(|r| json!(r));
                timings.insert("cover".into(), json!(t.elapsed().as_secs_f64()));
                put(&mut out, "cover", r, &mut code);
            }
            if all || analysis == "monte-carlo" {
                let mut head = Vec::new();
                let r = MonteCarlo::new(&s, input.monte_carlo.clone()).map(|mut mc| {
                    let total = mc.config().paths;
                    let secs = drive("monte carlo", total, |n| mc.run_batch_parallel(n, threads));
                    timings.insert("monte_carlo".into(), json!(secs));
                    // A result file the page can open (stress::result_file): what it ran from.
                    head = stress::result_file::header(&stress::shard::digest(mc.base()), mc.config());
                    head.push(("scenario_link", json!(spillway::scenario::codec::encode(&s, None))));
                    json!(mc.result())
                });
                for (k, v) in head {
                    out[k] = v;
                }
                put(&mut out, "monte_carlo", r, &mut code);
            }
            if all || analysis == "reverse" {
                let t = Instant::now();
                let r = stress::reverse_stress(&s, &input.reverse).map(|r| json!(r));
                timings.insert("reverse".into(), json!(t.elapsed().as_secs_f64()));
                put(&mut out, "reverse", r, &mut code);
            }
            if all || analysis == "sweep" {
                let specs = input.strategies.iter().cloned().map(Into::into).collect();
                let r = Sweep::new(&s, input.monte_carlo.clone(), specs).map(|mut sw| {
                    let total = sw.progress().total;
                    let secs = drive("sweep", total, |n| sw.run_batch_parallel(n, threads));
                    timings.insert("sweep".into(), json!(secs));
                    json!(sw.result())
                });
                put(&mut out, "sweep", r, &mut code);
            }
            out["seconds"] = Value::Object(timings);
            say!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
            Ok(code)
        }

        fn bench(paths: usize, threads: usize, accounts: u32, steps: u32) -> Result<i32, i32> {
            let s = stress::bench_scenario(accounts, steps).map_err(|e| {
                eprintln!("{e}");
                1
            })?;
            let cfg = MonteCarloConfig { paths, seed: 1, ..Default::default() };
            let mut results = Vec::new();
            let mut counts: Vec<usize> = vec![1];
            if threads > 1 {
                counts.push(threads);
            }
            for &th in &counts {
                let mut mc = MonteCarlo::new(&s, cfg.clone()).map_err(|e| {
                    eprintln!("{e}");
                    1
                })?;
                let start = Instant::now();
                let p = mc.run_batch_parallel(paths, th);
                let secs = start.elapsed().as_secs_f64();
                let r = mc.result();
                say!(
                    "{} paths of {} accounts x {} steps on {} thread(s): {:.2} s ({:.2} ms/path); failed {}; P(insurance fund touched) {}, P(ADL touched) {}, mean deficit {}",
                    p.done,
                    accounts,
                    steps,
                    th,
                    secs,
                    secs * 1000.0 / p.done.max(1) as f64,
                    p.failed,
                    r.layers.get(1).map(|l| l.p_touched).unwrap_or_default(),
                    r.layers.get(2).map(|l| l.p_touched).unwrap_or_default(),
                    r.deficit.mean.round_dp(2)
                );
                results.push(r);
            }
            if results.windows(2).any(|w| w[0] != w[1]) {
                eprintln!("results differ between thread counts");
                return Ok(1);
            }
            Ok(0)
        }
    }
}
