// Times the stress worker in headless Chromium: N paths (default 10,000) of the
// `stress::bench_scenario(100, 250)` Monte Carlo, the same job `spillway stress --bench` runs natively.
// Usage: node tests/e2e/bench-worker.mjs DIST [PATHS]   (WORKERS=2: the paths in 2 shards on 2 workers at
//        once, as the page runs them since issue 20; the time is until the last shard's partial;
//        COMPARE=1 [REPEAT=3]: 1 and 2 workers alternately, REPEAT times each, medians and speed-up)
//    or: node tests/e2e/bench-worker.mjs DIST engine [ACCOUNTS] [STEPS] — issue 8's cohort book, one
//        `simulate` in the worker (wasm), RUNS times (env, default 12): its time and the wasm memory it
//        needed (`./x bench` natively).
//    or: node tests/e2e/bench-worker.mjs DIST file SCENARIO.json — the same for a scenario file (e.g.
//        issue 18's option book under portfolio margin, `python3 tools/pm_bench_book.py`).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [distDir = 'dist', pathsArg = '10000', accountsArg = '10000', stepsArg = '1000'] = process.argv.slice(2);
const fileMode = pathsArg === 'file';
const engineMode = pathsArg === 'engine' || fileMode;
const paths = Number(pathsArg);
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.svg': 'image/svg+xml' };

// The JSON `stress::bench_scenario(100, 250)` parses (src/stress/mod.rs): 50 longs, 49 shorts, a 15 % crash at step 125.
const scenario = {
  version: 1, name: 'stress bench', seed: 7, steps: 250,
  venue: { insurance_fund: '20000', liquidation_fee: '0.005' },
  instruments: [{ id: 'BTC-PERP', tick_size: '0.5', lot_size: '0.001', price_impact: '0.01', counterparty: 'mm',
    margin: { initial: '0.05', maintenance: '0.025' },
    price: { initial: '50000', gbm: { drift: '0', volatility: '0.004' }, shocks: [{ step: 125, change: '-0.15' }] } }],
  accounts: [{ id: 'mm', role: 'market_maker', cash: '1000000000' }],
  cohorts: [
    { id: 'longs', count: 50, instrument: 'BTC-PERP', side: 'long', notional_median: '20000', leverage_min: '2', leverage_max: '20' },
    { id: 'shorts', count: 49, instrument: 'BTC-PERP', side: 'short', notional_median: '20000', leverage_min: '2', leverage_max: '20' }],
  waterfall: [{ kind: 'insurance_fund' }, { kind: 'auto_deleverage' }],
};
const request = JSON.stringify({ kind: 'monte_carlo', scenario, input: { monte_carlo: { paths, seed: 1 } }, batch: 50 });

const dir = path.resolve(distDir);
const server = http.createServer((req, res) => {
  let file = path.join(dir, decodeURIComponent(new URL(req.url, 'http://x').pathname));
  if (file.endsWith('/')) file += 'index.html';
  fs.readFile(file, (err, body) => {
    if (err) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
    res.end(body);
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
let browser;
try {
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  if (engineMode) {
    // RUNS runs (default 12) in one worker: the first includes compiling the wasm's hot code (V8
    // starts in its baseline compiler and tiers up), the later ones are the engine's steady state.
    // Linear memory only grows, so its size after a run is the peak so far.
    const runCount = Math.max(1, Number(process.env.RUNS || 12));
    const runs = await page.evaluate((msg) => new Promise((resolve, reject) => {
      const w = new Worker('./spillway-worker_loader.js');
      const out = [];
      w.onerror = (e) => reject(new Error(e.message || 'worker error'));
      w.onmessage = (e) => {
        const m = JSON.parse(e.data);
        if (m.type === 'ready') w.postMessage(msg.text);
        else if (m.type === 'error') reject(new Error(m.message));
        else if (m.type === 'bench') {
          out.push(m);
          if (out.length < msg.runs) w.postMessage(msg.text); else { resolve(out); w.terminate(); }
        }
      };
    }), { text: fileMode ? `bench-file:${fs.readFileSync(accountsArg, 'utf8')}` : `bench:${accountsArg}:${stepsArg}`, runs: runCount });
    const mb = (b) => (b / 1048576).toFixed(1);
    runs.forEach((r, i) => console.log(`${r.accounts} accounts x ${r.steps} steps in the browser worker (wasm), run ${i + 1}${i ? '' : ' (cold)'}: ` +
      `simulate ${(r.simulate_ms / 1000).toFixed(3)} s, ${r.events} events; wasm memory ${mb(r.wasm_memory_before)} MB before, ${mb(r.wasm_memory_after)} MB after`));
    // Steady state: the second half of the runs. V8 starts the wasm in its baseline compiler and
    // moves hot functions to its optimizing one in the background, which on 2 cores takes the
    // first few runs (runs 2–5 are in between).
    const from = Math.floor(runs.length / 2);
    const steady = runs.slice(from).map((r) => r.simulate_ms / 1000).sort((a, b) => a - b);
    if (runs.length > 1) console.log(`steady state (runs ${from + 1}–${runs.length}): min ${steady[0].toFixed(3)} s, median ${steady[steady.length >> 1].toFixed(3)} s`);
  } else if (process.env.COMPARE || Number(process.env.WORKERS || 1) > 1) {
    // The paths in `count` shards on `count` workers at once, as the page runs them since issue 20;
    // the time is from the moment every worker is ready until the last shard's partial.
    const sharded = (count) => page.evaluate((reqs) => new Promise((resolve, reject) => {
      // Every worker loads its wasm first; the clock starts when the last one is ready and all start at once.
      const ws = reqs.map(() => new Worker('./spillway-worker_loader.js'));
      let ready = 0, left = reqs.length, t0 = 0, paths = 0;
      ws.forEach((w, k) => {
        w.onerror = (e) => reject(new Error(e.message || 'worker error'));
        w.onmessage = (e) => {
          const m = JSON.parse(e.data);
          if (m.type === 'ready' && ++ready === ws.length) { t0 = performance.now(); ws.forEach((x, j) => x.postMessage(reqs[j])); }
          else if (m.type === 'error') reject(new Error(m.message));
          else if (m.type === 'partial') {
            paths += m.partial.records.length + m.partial.failures.length;
            w.terminate();
            if (--left === 0) resolve({ wall_ms: performance.now() - t0, paths });
          }
        };
      });
    }), [...Array(count).keys()].map((index) => JSON.stringify({ ...JSON.parse(request), shard: { index, count } })));
    const line = (count, out) => `${out.paths} paths of 100 accounts x 250 steps on ${count} browser worker(s): ${(out.wall_ms / 1000).toFixed(2)} s ` +
      `(${(out.wall_ms / out.paths).toFixed(3)} ms/path, ${(out.paths / out.wall_ms * 1000).toFixed(0)} paths/s)`;
    if (process.env.COMPARE) {
      // COMPARE=1: 1 worker and 2 workers, alternately (so both see the same machine load), REPEAT
      // times each (default 3); the medians and the speed-up. Figures, not a timed test.
      const repeat = Math.max(1, Number(process.env.REPEAT || 3));
      const times = { 1: [], 2: [] };
      for (let r = 0; r < repeat; r++) {
        for (const count of [1, 2]) {
          const out = await sharded(count);
          times[count].push(out.wall_ms);
          console.log(`run ${r + 1}: ${line(count, out)}`);
        }
      }
      const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
      const [m1, m2] = [median(times[1]), median(times[2])];
      console.log(`median of ${repeat}: 1 worker ${(m1 / 1000).toFixed(2)} s (${(paths / m1 * 1000).toFixed(0)} paths/s), ` +
        `2 workers ${(m2 / 1000).toFixed(2)} s (${(paths / m2 * 1000).toFixed(0)} paths/s); speed-up ${(m1 / m2).toFixed(2)}x`);
    } else {
      const count = Number(process.env.WORKERS);
      console.log(line(count, await sharded(count)));
    }
  } else {
    const out = await page.evaluate((req) => new Promise((resolve, reject) => {
      const w = new Worker('./spillway-worker_loader.js');
      let t0 = 0;
      w.onerror = (e) => reject(new Error(e.message || 'worker error'));
      w.onmessage = (e) => {
        const m = JSON.parse(e.data);
        if (m.type === 'ready') { t0 = performance.now(); w.postMessage(req); }
        else if (m.type === 'error') reject(new Error(m.message));
        else if (m.type === 'result') {
          const r = m.result;
          resolve({ wall_ms: performance.now() - t0, worker_ms: m.elapsed_ms, paths: r.paths_run, failed: r.paths_failed,
            p_insurance: r.layers[1]?.p_touched, p_adl: r.layers[2]?.p_touched, mean_deficit: r.deficit.mean });
          w.terminate();
        }
      };
    }), request);
    console.log(`${out.paths} paths of 100 accounts x 250 steps in the browser worker: ${(out.wall_ms / 1000).toFixed(2)} s ` +
      `(${(out.wall_ms / out.paths).toFixed(2)} ms/path, ${(out.paths / out.wall_ms * 1000).toFixed(0)} paths/s; worker clock ${(out.worker_ms / 1000).toFixed(2)} s); failed ${out.failed}; ` +
      `P(insurance fund touched) ${out.p_insurance}, P(ADL touched) ${out.p_adl}, mean deficit ${out.mean_deficit}`);
  }
} finally {
  if (browser) await browser.close().catch(() => {});
  server.close();
}
