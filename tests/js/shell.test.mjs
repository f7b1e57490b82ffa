import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';

const root = new URL('../../pwa/', import.meta.url);
const files = (dir, prefix = '/') => readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory()
  ? files(new URL(d.name + '/', dir), `${prefix}${d.name}/`) : [`${prefix}${d.name}`]));

const sw = readFileSync(new URL('sw.js', root), 'utf8');
const precached = JSON.parse(sw.match(/const SHELL = (\[[\s\S]*?\]);/)[1].replace(/'/g, '"').replace(/,\s*\]/, ']'));
// The admin console (desktop, online only) is loaded with import() for the admin role alone and never precached, so
// an inspector's phone does not download or store it; it has its own budget below.
const isAdmin = (f) => f.startsWith('/js/admin/') || f === '/css/admin.css';
// The supervisors' desk (plans: desktop, online only) is kept out of the shell the same way.
const isDesk = (f) => f.startsWith('/js/desk/');
// Language packs (English) are loaded by import() when a person picks the language, and kept by the service worker
// once fetched: not precached, so a Chinese-only phone never carries them.
const isPack = (f) => f.startsWith('/js/lang/');
// The signing screen (js/sign/) is loaded by import() and kept once fetched, like a pack: the shell is at its budget.
const isSign = (f) => f.startsWith('/js/sign/');
// The supervisors' board (a desktop screen) is loaded by import() for the roles that have it and kept once fetched,
// like a pack, so a supervisor who opened it online still has it offline.
const isBoard = (f) => f === '/js/views/board.js';
// The patrol mode and the follow-up case it opens (inspectors', and the board's cases): kept once fetched like the
// board, and fetched after login for the roles that use them, so they open offline.
const isPatrol = (f) => ['/js/views/patrol.js', '/js/views/case.js'].includes(f);
const size = (f) => statSync(new URL('.' + f, root)).size;

test('the service worker precaches every shell file, and only files that exist', () => {
  const list = precached;
  // notice.css and notice.js style and print the server-rendered rectification notice (online only), not the app shell.
  const shell = files(root).filter((f) => !['/sw.js', '/index.html', '/css/notice.css', '/js/notice.js'].includes(f) && !isAdmin(f) && !isDesk(f) && !isPack(f) && !isSign(f) && !isBoard(f) && !isPatrol(f));
  for (const f of shell) assert.ok(list.includes(f), `${f} is not precached`);
  for (const f of list) if (f !== '/') assert.ok(shell.includes(f), `${f} is precached but missing`);
  assert.ok(list.includes('/'));
  assert.match(sw, /const VERSION = '[^']+'/);
  assert.match(sw, /await cache\.addAll/);
});

test('the manifest is installable: name, start_url, standalone, 192/512/maskable icons that exist', () => {
  const m = JSON.parse(readFileSync(new URL('manifest.webmanifest', root), 'utf8'));
  assert.equal(m.display, 'standalone');
  assert.equal(m.start_url, '/');
  assert.ok(m.name && m.short_name && m.theme_color && m.background_color);
  const sizes = m.icons.map((i) => `${i.sizes}:${i.purpose}`);
  assert.ok(sizes.includes('192x192:any') && sizes.includes('512x512:any') && sizes.includes('512x512:maskable'));
  for (const i of m.icons) assert.ok(statSync(new URL('.' + i.src, root)).size > 0);
});

test('all JS and CSS of the shell (what the service worker precaches, and itself) stay under 150 KB', () => {
  const total = ['/sw.js', ...precached].filter((f) => /\.(js|css)$/.test(f)).reduce((n, f) => n + size(f), 0);
  assert.ok(total <= 150 * 1024, `${total} bytes`);
});

test('the admin console stays out of the shell and under 60 KB', () => {
  const admin = files(root).filter(isAdmin);
  assert.ok(admin.includes('/js/admin/console.js') && admin.includes('/css/admin.css'));
  for (const f of admin) assert.ok(!precached.includes(f), `${f} is precached`);
  // Shell modules reach the console only through import(), which runs for the admin role alone.
  for (const f of precached.filter((p) => p.endsWith('.js'))) {
    assert.doesNotMatch(readFileSync(new URL('.' + f, root), 'utf8'), /^\s*import\b[^(]*['"][./]*admin\//m, `${f} imports the console statically`);
  }
  const total = admin.reduce((n, f) => n + size(f), 0);
  assert.ok(total <= 60 * 1024, `${total} bytes`);
});

test('the supervisors\' desk stays out of the shell and under 48 KB', () => {
  const desk = files(root).filter(isDesk);
  assert.ok(desk.includes('/js/desk/plans.js'));
  for (const f of desk) assert.ok(!precached.includes(f), `${f} is precached`);
  for (const f of precached.filter((p) => p.endsWith('.js'))) {
    assert.doesNotMatch(readFileSync(new URL('.' + f, root), 'utf8'), /^\s*import\b[^(]*['"][./]*desk\//m, `${f} imports the desk statically`);
  }
  const total = desk.reduce((n, f) => n + size(f), 0);
  // Plans, the risk map and the analytics tables: desktop screens, online only, loaded by import().
  assert.ok(total <= 48 * 1024, `${total} bytes`);
});

test('language packs stay out of the shell, are reached only by import(), are kept once fetched, and stay under 14 KB each', () => {
  const packs = files(root).filter(isPack);
  assert.ok(packs.includes('/js/lang/en.js'));
  // The checklist templates' own texts in English (every template and version, 390 texts with the findings' titles)
  // come with the English pack and have a budget of their own: they grow with the templates, not with the screens.
  const TEXTS = '/js/lang/checklists-en.js';
  for (const f of packs) {
    assert.ok(!precached.includes(f), `${f} is precached`);
    assert.ok(size(f) <= (f === TEXTS ? 48 : 14) * 1024, `${f}: ${size(f)} bytes`);
  }
  for (const f of precached.filter((p) => p.endsWith('.js'))) {
    assert.doesNotMatch(readFileSync(new URL('.' + f, root), 'utf8'), /^\s*import\b[^(]*['"][./]*lang\//m, `${f} imports a pack statically`);
  }
  assert.match(readFileSync(new URL('js/i18n.js', root), 'utf8'), /import\('\.\/lang\/en\.js'\)/);
  // The service worker keeps a pack it serves (runtime cache, one per version) and drops old versions' copies.
  assert.match(sw, /IS_PACK = \/\^\\\/js\\\/\(\(lang\|sign\)\\\//);
  assert.match(sw, /cache\.put\(/);
});

test('the signing screen and the documents stay out of the shell, are reached only by import(), are kept once fetched, under 18 KB', () => {
  const sign = files(root).filter(isSign);
  assert.ok(sign.includes('/js/sign/pad.js'));
  for (const f of sign) assert.ok(!precached.includes(f), `${f} is precached`);
  for (const f of precached.filter((p) => p.endsWith('.js'))) {
    assert.doesNotMatch(readFileSync(new URL('.' + f, root), 'utf8'), /^\s*import\b[^(]*['"][./]*sign\//m, `${f} imports js/sign statically`);
  }
  // The pad (3 KB), the signing screen (9 KB) and the documents' view/download/print (5 KB).
  const total = sign.reduce((n, f) => n + size(f), 0);
  assert.ok(total <= 18 * 1024, `${total} bytes`);
});

test('the board stays out of the shell, is reached only by import(), is kept once fetched, under 10 KB', () => {
  assert.ok(!precached.includes('/js/views/board.js'), 'the board is precached');
  for (const f of precached.filter((p) => p.endsWith('.js'))) {
    assert.doesNotMatch(readFileSync(new URL('.' + f, root), 'utf8'), /^\s*import\b[^(]*['"][./]*(views\/)?board\.js/m, `${f} imports the board statically`);
  }
  assert.match(readFileSync(new URL('js/app.js', root), 'utf8'), /import\('\.\/views\/board\.js'\)/);
  const kept = new Function(`return ${sw.match(/const IS_PACK = (\/.*\/);/)[1]}`)();
  assert.ok(kept.test('/js/views/board.js') && kept.test('/js/sign/pad.js') && kept.test('/js/lang/en.js'));
  assert.ok(!kept.test('/js/views/run.js') && !kept.test('/js/views/board.js.map'));
  assert.ok(size('/js/views/board.js') <= 10 * 1024, `${size('/js/views/board.js')} bytes`);
});

test('the patrol mode and the case stay out of the shell, are reached only by import(), are kept once fetched and fetched after login, under 20 KB', () => {
  const app = readFileSync(new URL('js/app.js', root), 'utf8');
  for (const f of ['/js/views/patrol.js', '/js/views/case.js']) assert.ok(!precached.includes(f), `${f} is precached`);
  for (const f of precached.filter((p) => p.endsWith('.js'))) {
    assert.doesNotMatch(readFileSync(new URL('.' + f, root), 'utf8'), /^\s*import\b[^(]*['"][./]*(views\/)?(patrol|case)\.js/m, `${f} imports the patrol mode statically`);
  }
  // Routed to by import(), and fetched after login through the service worker (keep()), so they work offline.
  assert.match(app, /patrol: \(\) => import\('\.\/views\/patrol\.js'\)/);
  assert.match(app, /case: \(\) => import\('\.\/views\/case\.js'\)/);
  assert.match(app, /keep\(\(\) => import\('\.\/views\/patrol\.js'\)\)/);
  assert.match(app, /keep\(\(\) => import\('\.\/views\/case\.js'\)\)/);
  const kept = new Function(`return ${sw.match(/const IS_PACK = (\/.*\/);/)[1]}`)();
  assert.ok(kept.test('/js/views/patrol.js') && kept.test('/js/views/case.js') && kept.test('/js/views/board.js'));
  assert.ok(!kept.test('/js/views/run.js') && !kept.test('/js/views/patrol.js.map'));
  const total = size('/js/views/patrol.js') + size('/js/views/case.js');
  assert.ok(total <= 20 * 1024, `${total} bytes`);
});
