// End-to-end: serve the release bundle on a loopback port, open it in Debian's headless Chromium
// (driven by playwright-core: no chromedriver version pairing, real input events, screenshots),
// check what a person would see, and save screenshots under target/e2e/.
// The server and the browser are closed in `finally`, even when a check fails.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { specs } from './specs.mjs';
import { staticServer, listen, precompress } from '../../tools/static-server.mjs';

const [distDir = 'dist', shotsDir = 'target/e2e'] = process.argv.slice(2);
fs.mkdirSync(shotsDir, { recursive: true });
// Screenshots are this run's only: a FAILED-*.png left by an earlier run would look like a failure now.
for (const f of fs.readdirSync(shotsDir)) if (f.endsWith('.png')) fs.rmSync(path.join(shotsDir, f));

// As the issue measured: no compression. A second server sends the same files brotli/gzip-encoded,
// as a host should (the load-time spec measures both).
const server = await listen(staticServer(distDir));
const base = `http://127.0.0.1:${server.address().port}/`;
// Precompressed beforehand, as a host serves them (brotli at quality 11 takes seconds per load otherwise).
precompress(distDir);
const compressed = await listen(staticServer(distDir, { compress: true }));
const compressedBase = `http://127.0.0.1:${compressed.address().port}/`;
let browser;
let passed = 0, failed = 0;
try {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage'],
  });
  // SPEC=<regex> runs only the specs whose name matches (e.g. SPEC=performance).
  const only = process.env.SPEC ? new RegExp(process.env.SPEC, 'i') : null;
  for (const spec of specs.filter((s) => !only || only.test(s.name))) {
    const context = await browser.newContext({ viewport: spec.viewport || { width: 1366, height: 900 },
      deviceScaleFactor: 1, hasTouch: !!spec.touch });
    // The first-visit tour is covered by its own spec; elsewhere it would sit over the page.
    if (!spec.tour) await context.addInitScript(() => localStorage.setItem('spillway.tour.seen', '1'));
    const page = await context.newPage();
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    const t0 = Date.now();
    try {
      await spec.run({ page, base, compressedBase, shotsDir, problems });
      const allowed = spec.allowConsoleErrors || [];
      const unexpected = problems.filter((p) => !allowed.some((re) => re.test(p)));
      if (unexpected.length) throw new Error(unexpected.join('\n'));
      passed++;
      console.log(`ok   ${spec.name} (${Date.now() - t0} ms)`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${spec.name}: ${e.stack || e}`);
      await page.screenshot({ path: path.join(shotsDir, `FAILED-${spec.name.replace(/\W+/g, '-')}.png`), fullPage: true }).catch(() => {});
    } finally {
      await context.close().catch(() => {});
    }
  }
} finally {
  if (browser) await browser.close().catch(() => {});
  server.close();
  compressed.close();
}
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
