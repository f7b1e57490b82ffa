// Lighthouse on a signed-in screen of the PWA (the board with its map, issue 16). Run by hand; prints the scores and
// every audit below full marks, writes the JSON and HTML reports; never part of the suite. The PWA keeps its session
// token in IndexedDB, so a session cookie alone (lighthouse --extra-headers) shows the login form: this signs in
// through the form in the browser Lighthouse then audits, without resetting storage. The map is drawn above 999 px
// only, so LH_DESKTOP=1 (Lighthouse's desktop preset) is the board with its map; without it, the mobile form factor.
//
//   mkdir -p /tmp/lh && (cd /tmp/lh && npm install lighthouse) && cp tests/benchmarks/lighthouse_signed_in.mjs /tmp/lh/
//   bash scripts/run.sh &   # or xunjian serve on a demo database
//   node /tmp/lh/lighthouse_signed_in.mjs http://127.0.0.1:8000 supervisor xunjian-demo-2026 '/#/board' /tmp/lh/board
//   LH_DESKTOP=1 node /tmp/lh/lighthouse_signed_in.mjs http://127.0.0.1:8000 supervisor xunjian-demo-2026 '/#/board'
//   LH_RUNS=5 node /tmp/lh/lighthouse_signed_in.mjs ...   # five runs and their medians
//
// (It imports lighthouse and puppeteer-core, which npm installs with it, from the folder it is run from.)
//
// On a shared machine a low score can be the machine's, not the page's: Lighthouse's mobile TBT is each main-thread
// task's wall time after the first paint, times its 4x CPU multiplier, minus 50 ms. A renderer descheduled by other
// load shows a long task with no work in it (measured at load 8-9 on two cores: one task of 121 ms wall and 0.1 ms
// of CPU, TBT 480 ms, performance 88). So the last line sums max(0, 4 x task - 50 ms) over the tasks after FCP twice,
// on wall time and on thread time (the page's own work; a plain sum, not Lighthouse's simulation, which also ends at
// TTI), and prints the longest tasks as wall/thread ms and the load average.
import puppeteer from 'puppeteer-core';
import lighthouse from 'lighthouse';
import fs from 'node:fs';
import os from 'node:os';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
const desktop = !!process.env.LH_DESKTOP;
const [base, user, password, path = '/#/board', out = '/tmp/lh/report'] = process.argv.slice(2);
// LH_RUNS=5: that many runs, each in a new browser, then the medians (the scores vary from run to run with the load).
const runs = Number(process.env.LH_RUNS || 1);
const results = [];
for (let run = 1; run <= runs; run++) {
  const browser = await puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: 'new', args: ['--no-sandbox'] });
  const page = await browser.newPage();
  await page.goto(base + '/');
  await page.waitForSelector('input[name=username]');
  await page.type('input[name=username]', user);
  await page.type('input[name=password]', password);
  await page.click('#login-submit');
  await page.waitForFunction(() => !document.querySelector('#login-submit') && document.querySelector('nav#nav a'), { timeout: 30000 });
  await page.goto('about:blank');
  const port = new URL(browser.wsEndpoint()).port;
  const { lhr, report, artifacts } = await lighthouse(base + path, {
    port, output: ['json', 'html'], disableStorageReset: true, ...(desktop ? {} : { formFactor: 'mobile' }),
    onlyCategories: ['performance', 'accessibility', 'best-practices'],
  }, desktop ? desktopConfig : undefined, page);
  const file = runs > 1 ? `${out}-${run}` : out;
  fs.writeFileSync(file + '.json', report[0]); fs.writeFileSync(file + '.html', report[1]);
  const scores = Object.fromEntries(Object.values(lhr.categories).map((c) => [c.id, Math.round(c.score * 100)]));
  console.log(desktop ? 'desktop' : 'mobile', path, JSON.stringify(scores), 'final url', lhr.finalDisplayedUrl);
  for (const c of Object.values(lhr.categories)) for (const ref of c.auditRefs) {
    const a = lhr.audits[ref.id];
    if (a.score !== null && a.score < 1 && ref.weight > 0) console.log(' ', c.id, a.id, a.score, a.displayValue || '', a.title);
  }
  const m = lhr.audits;
  console.log('  FCP', m['first-contentful-paint'].displayValue, 'LCP', m['largest-contentful-paint'].displayValue, 'TBT', m['total-blocking-time'].displayValue, 'CLS', m['cumulative-layout-shift'].displayValue);
  const ev = artifacts.Trace.traceEvents;
  const nav = ev.find((e) => e.name === 'navigationStart' && e.args?.data?.documentLoaderURL?.startsWith(base));
  const fcp = ev.find((e) => e.name === 'firstContentfulPaint' && e.pid === nav.pid)?.ts ?? nav.ts;
  const tasks = ev.filter((e) => e.pid === nav.pid && e.tid === nav.tid && e.name === 'RunTask' && e.ts >= fcp && e.dur);
  const slow = desktop ? 1 : 4;
  const blocking = (us) => Math.max(0, (slow * us) / 1000 - 50);
  const sum = (f) => Math.round(tasks.reduce((n, t) => n + blocking(f(t)), 0));
  const longest = tasks.sort((a, z) => z.dur - a.dur).slice(0, 3).map((t) => `${Math.round(t.dur / 1000)}/${Math.round((t.tdur ?? t.dur) / 1000)}`);
  const thread = sum((t) => t.tdur ?? t.dur);
  results.push({ perf: scores.performance, tbt: m['total-blocking-time'].numericValue, thread });
  console.log(`  after FCP, ${slow}x blocking by wall time ${sum((t) => t.dur)} ms, by thread time ${thread} ms;`,
    `longest tasks wall/thread ms ${longest.join(' ')}; load ${os.loadavg()[0].toFixed(1)}`);
  await browser.close();
}
if (runs > 1) {
  const median = (k) => results.map((r) => r[k]).sort((a, z) => a - z)[Math.floor(runs / 2)];
  console.log(`median of ${runs}: performance ${median('perf')}, TBT ${Math.round(median('tbt'))} ms, blocking by thread time ${median('thread')} ms`);
}
