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
//
// (It imports lighthouse and puppeteer-core, which npm installs with it, from the folder it is run from.)
import puppeteer from 'puppeteer-core';
import lighthouse from 'lighthouse';
import fs from 'node:fs';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
const desktop = !!process.env.LH_DESKTOP;
const [base, user, password, path = '/#/board', out = '/tmp/lh/report'] = process.argv.slice(2);
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
const { lhr, report } = await lighthouse(base + path, {
  port, output: ['json', 'html'], disableStorageReset: true, ...(desktop ? {} : { formFactor: 'mobile' }),
  onlyCategories: ['performance', 'accessibility', 'best-practices'],
}, desktop ? desktopConfig : undefined, page);
fs.writeFileSync(out + '.json', report[0]); fs.writeFileSync(out + '.html', report[1]);
const scores = Object.fromEntries(Object.values(lhr.categories).map((c) => [c.id, Math.round(c.score * 100)]));
console.log(desktop ? 'desktop' : 'mobile', path, JSON.stringify(scores), 'final url', lhr.finalDisplayedUrl);
for (const c of Object.values(lhr.categories)) for (const ref of c.auditRefs) {
  const a = lhr.audits[ref.id];
  if (a.score !== null && a.score < 1 && ref.weight > 0) console.log(' ', c.id, a.id, a.score, a.displayValue || '', a.title);
}
const m = lhr.audits;
console.log('  FCP', m['first-contentful-paint'].displayValue, 'LCP', m['largest-contentful-paint'].displayValue, 'TBT', m['total-blocking-time'].displayValue, 'CLS', m['cumulative-layout-shift'].displayValue);
await browser.close();
