// What a person does with the page, one spec each. Screenshots go to target/e2e/.
import path from 'node:path';

const ready = async (page) => {
  await page.waitForSelector('.app-header h1', { timeout: 60000 });
  await page.waitForSelector('#waterfall [data-layer]', { timeout: 60000 });
};
const text = (page, sel) => page.textContent(sel).then((t) => (t || '').trim());
const stepLabel = async (page) => {
  const m = (await text(page, '#step-label')).match(/step (\d+) \/ (\d+)/);
  if (!m) throw new Error('no step label');
  return { step: +m[1], last: +m[2] };
};
const paidAt = (page) => page.$$eval('#waterfall .layer .paid', (els) => els.map((e) => e.textContent));

export const specs = [
  {
    name: 'frame renders without console errors',
    async run({ page, base, shotsDir }) {
      await page.goto(base);
      await ready(page);
      for (const sel of ['header', 'main', 'footer', '#editor-title', '#waterfall-title', '#chart-prices', '#accounts-scroll']) {
        if (!(await page.$(sel))) throw new Error(`missing ${sel}`);
      }
      const footer = await text(page, 'footer');
      if (!/Spillway v\d+\.\d+\.\d+/.test(footer)) throw new Error(`footer has no version: ${footer}`);
      await page.screenshot({ path: path.join(shotsDir, 'frame.png'), fullPage: true });
    },
  },
  {
    name: 'play runs the default through the waterfall to the end',
    async run({ page, base, shotsDir }) {
      await page.goto(base);
      await ready(page);
      await page.selectOption('#preset', 'exhausts-waterfall');
      await page.waitForFunction(() => document.querySelector('#step-label')?.textContent.startsWith('step 0'));
      const before = await paidAt(page);
      await page.selectOption('#speed', '8');
      await page.click('#btn-play');
      const { last } = await stepLabel(page);
      await page.waitForFunction((l) => document.querySelector('#step-label')?.textContent === `step ${l} / ${l}`, last, { timeout: 60000 });
      const after = await paidAt(page);
      if (JSON.stringify(before) === JSON.stringify(after)) throw new Error(`waterfall did not change: ${after}`);
      if (!(await page.$('#waterfall .layer.exhausted'))) throw new Error('no layer marked exhausted');
      const residual = await text(page, '#residual');
      if (!/UNALLOCATED/.test(residual)) throw new Error(`residual not in alarm: ${residual}`);
      const story = await text(page, '#narrative');
      if (story.length < 20) throw new Error(`narrative empty: ${story}`);
      await page.screenshot({ path: path.join(shotsDir, 'played-to-end.png'), fullPage: true });
      await page.screenshot({ path: path.join(shotsDir, 'waterfall.png'), clip: await page.locator('#waterfall').boundingBox() });
    },
  },
  {
    name: 'keyboard steps, and Home/End jump',
    async run({ page, base }) {
      await page.goto(base);
      await ready(page);
      await page.click('h1');
      await page.keyboard.press('End');
      const { step, last } = await stepLabel(page);
      if (step !== last) throw new Error(`End went to ${step}, not ${last}`);
      await page.keyboard.press('ArrowLeft');
      if ((await stepLabel(page)).step !== last - 1) throw new Error('ArrowLeft did not step back');
      await page.keyboard.press('Home');
      if ((await stepLabel(page)).step !== 0) throw new Error('Home did not go to 0');
      await page.keyboard.press('ArrowRight');
      if ((await stepLabel(page)).step !== 1) throw new Error('ArrowRight did not step forward');
    },
  },
  {
    name: 'a bad number is named next to its field and the run stays',
    async run({ page, base, shotsDir }) {
      await page.goto(base);
      await ready(page);
      await page.keyboard.press('End');
      const before = await paidAt(page);
      await page.fill('#venue-insurance', '-5');
      await page.press('#venue-insurance', 'Enter');
      await page.locator('#venue-insurance').blur();
      await page.waitForSelector('.field-errors', { timeout: 5000 });
      const err = await text(page, '.field-errors');
      if (!/insurance_fund/.test(err)) throw new Error(`error does not name the field: ${err}`);
      await page.fill('#venue-insurance', 'abc');
      await page.locator('#venue-insurance').blur();
      const err2 = await text(page, '.field-errors');
      if (!/not a number/.test(err2)) throw new Error(`no "not a number": ${err2}`);
      const after = await paidAt(page);
      if (JSON.stringify(before) !== JSON.stringify(after)) throw new Error('the run changed after a rejected edit');
      await page.screenshot({ path: path.join(shotsDir, 'field-error.png'), fullPage: false });
    },
  },
  {
    name: 'a shared link reopens the scenario at its step; a damaged link says so',
    async run({ page, base }) {
      await page.goto(base);
      await ready(page);
      await page.selectOption('#preset', 'venue-insurance-adl');
      await page.click('h1');
      await page.keyboard.press('End');
      await page.keyboard.press('ArrowLeft');
      const { step } = await stepLabel(page);
      await page.click('#share');
      const url = await page.inputValue('#share-url');
      if (!url.includes('#v1.')) throw new Error(`not a v1 link: ${url}`);
      const fresh = await page.context().newPage();
      await fresh.goto(url);
      await ready(fresh);
      const got = await stepLabel(fresh);
      if (got.step !== step) throw new Error(`link opened at step ${got.step}, expected ${step}`);
      const preset = await fresh.inputValue('#preset');
      if (preset !== 'venue-insurance-adl') throw new Error(`link opened preset ${preset}`);
      // damage the link: the app opens, names the problem, and keeps a working scenario
      const bad = url.slice(0, url.length - 7);
      const broken = await page.context().newPage();
      await broken.goto(base + 'blank'); // leave the page so the hash navigation reloads
      await broken.goto(bad);
      await ready(broken);
      const notice = await text(broken, '#notice');
      if (!/could not be opened/.test(notice)) throw new Error(`no notice for a damaged link: ${notice}`);
      await fresh.close(); await broken.close();
    },
    allowConsoleErrors: [/404/],
  },
  {
    name: 'accounts list is virtualized and sortable',
    async run({ page, base }) {
      await page.goto(base);
      await ready(page);
      const rows = await page.$$eval('#accounts-scroll .account-row', (r) => r.length);
      if (rows < 1) throw new Error('no account rows');
      const count = +(await text(page, '#account-count')).match(/(\d+)/)[1];
      if (rows > 40) throw new Error(`not virtualized: ${rows} rows in the DOM for ${count} accounts`);
    },
  },
  {
    name: 'compare mode runs every rule set',
    async run({ page, base, shotsDir }) {
      await page.goto(base);
      await ready(page);
      await page.click('#compare-run');
      await page.waitForSelector('#compare-table tbody tr');
      const n = await page.$$eval('#compare-table tbody tr', (r) => r.length);
      if (n < 4) throw new Error(`only ${n} strategies compared`);
      await page.screenshot({ path: path.join(shotsDir, 'compare.png'), clip: await page.locator('#compare-table').boundingBox() });
    },
  },
  {
    name: 'narrow screen (360 px) still shows the frame',
    viewport: { width: 360, height: 740 },
    async run({ page, base, shotsDir }) {
      await page.goto(base);
      await ready(page);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (overflow > 2) throw new Error(`page scrolls sideways by ${overflow}px at 360px`);
      await page.screenshot({ path: path.join(shotsDir, 'narrow.png'), fullPage: false });
    },
  },
];
