import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { t, setLang, getLang, pick, levelName, formatDate, noteTitle, DICTS } from '../../pwa/js/i18n.js';
import { zh as adminZh, en as adminEn } from '../../pwa/js/admin/strings.js';

test('Chinese by default, English on switch (its pack loaded then), interpolation', async () => {
  assert.equal(getLang(), 'zh-CN');
  assert.equal(t('outbox_waiting', { n: 3 }), '3 条待发送');
  assert.equal(await setLang('en'), 'en');
  assert.equal(t('outbox_waiting', { n: 3 }), '3 waiting to send');
  assert.equal(pick({ zh: '中', en: 'en' }), 'en');
  assert.equal(await setLang('fr'), 'zh-CN');
  assert.equal(getLang(), 'zh-CN');
});

test('the shell carries Chinese alone: English comes from its pack, and until then nothing is English', async () => {
  const fresh = await import('../../pwa/js/i18n.js?fresh');
  assert.deepEqual(Object.keys(fresh.DICTS.en), []);
  assert.doesNotMatch(readFileSync(new URL('../../pwa/js/i18n.js', import.meta.url), 'utf8'), /Log in|Inbox/);
  await fresh.setLang('en');
  assert.equal(fresh.t('nav_inbox'), 'Inbox');
});

test('the admin console adds its strings in both languages without replacing any of the shell', async () => {
  const shell = Object.keys((await import('../../pwa/js/i18n.js?shell')).DICTS['zh-CN']);
  assert.deepEqual(Object.keys(adminZh).sort(), Object.keys(adminEn).sort());
  assert.deepEqual(Object.keys(adminZh).filter((k) => shell.includes(k)), []);
  assert.equal(DICTS.en.a_console, adminEn.a_console);
});

test('both languages have the same keys and no empty string', async () => {
  await setLang('en');
  await setLang('zh-CN');
  const zh = Object.keys(DICTS['zh-CN']).sort();
  const en = Object.keys(DICTS.en).sort();
  assert.deepEqual(zh, en);
  for (const lang of Object.keys(DICTS)) for (const [k, v] of Object.entries(DICTS[lang])) assert.ok(v, `${lang}.${k}`);
});

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? sources(new URL(d.name + '/', dir)) : d.name.endsWith('.js') ? [new URL(d.name, dir)] : []));
}

// Online-only screens that cannot load under node (they import app.js) add their strings at load with
// Object.assign(DICTS[lang], {...}): read those keys from the source, per language.
function addedKeys(src, lang) {
  const block = src.split(`Object.assign(DICTS${lang === 'en' ? '.en' : "['zh-CN']"}, {`)[1]?.split('\n});')[0] || '';
  return [...block.matchAll(/\b([a-z0-9_]+): ['`]/g)].map((m) => m[1]);
}

test('every t() key used by the app exists', () => {
  const root = new URL('../../pwa/js/', import.meta.url);
  const missing = [];
  for (const file of sources(root)) {
    const src = readFileSync(file, 'utf8');
    const own = addedKeys(src, 'zh-CN');
    assert.deepEqual(own.slice().sort(), addedKeys(src, 'en').sort(), `${file.pathname}: zh-CN and en keys differ`);
    for (const m of src.matchAll(/\bt\('([a-z0-9_]+)'[,)]/g)) if (!(m[1] in DICTS['zh-CN']) && !own.includes(m[1])) missing.push(`${file.pathname.split('/pwa/')[1]}: ${m[1]}`);
  }
  assert.deepEqual(missing, []);
});

test('no innerHTML, no inline handlers or styles anywhere in the PWA', () => {
  const root = new URL('../../pwa/', import.meta.url);
  const offenders = [];
  const walk = (dir) => readdirSync(dir, { withFileTypes: true }).forEach((d) => {
    const u = new URL(d.name + (d.isDirectory() ? '/' : ''), dir);
    if (d.isDirectory()) return walk(u);
    if (!/\.(js|html)$/.test(d.name)) return;
    const src = readFileSync(u, 'utf8');
    if (/innerHTML|outerHTML|insertAdjacentHTML|document\.write/.test(src)) offenders.push(d.name + ': HTML injection');
    if (d.name.endsWith('.html') && (/<script(?![^>]*\bsrc=)[^>]*>/.test(src) || /\son[a-z]+=/.test(src) || /\sstyle=/.test(src))) offenders.push(d.name + ': inline script/handler/style');
  });
  walk(root);
  assert.deepEqual(offenders, []);
});

test('every case reason, outcome, coverage status and case age the patrol API returns has a label', async () => {
  // Read from backend/xunjian/patrols, so a value added there without a label fails here.
  const py = (f) => readFileSync(new URL(`../../backend/xunjian/patrols/${f}`, import.meta.url), 'utf8');
  const rules = py('rules.py');
  const schemas = py('schemas.py');
  const quoted = (text) => [...text.matchAll(/"([a-z0-9_]+)"/g)].map((m) => m[1]);
  const reasons = [...rules.split('def case_reasons')[1].split('\ndef ')[0].matchAll(/reasons\.append\("([a-z_]+)"\)/g)].map((m) => m[1]);
  const outcomes = quoted(schemas.match(/Outcome = Literal\[([^\]]+)\]/)[1]);
  const statuses = quoted(schemas.match(/status: Literal\[([^\]]+)\]/)[1]);
  const ages = [...rules.match(/CASE_AGE_BUCKETS = \((.+)\)/)[1].matchAll(/\("([a-z0-9_]+)"/g)].map((m) => m[1]);
  assert.ok(reasons.includes('minor') && outcomes.includes('returned_home') && statuses.includes('never') && ages.length === 4);
  const keys = [...reasons.map((r) => `case_${r}`), ...outcomes.map((o) => `outcome_${o}`), ...statuses.map((x) => `cov_${x}`),
    ...ages.map((a) => `age_${a}`), 'case_st_open', 'case_st_closed'];
  await setLang('en');
  for (const lang of Object.keys(DICTS)) for (const k of keys) assert.ok(DICTS[lang][k], `${lang}.${k}`);
  await setLang('zh-CN');
});

test('the words of practice: each escalation level named, cases registered and concluded, re-check wording', async () => {
  await setLang('zh-CN');
  assert.deepEqual([1, 2, 3].map(levelName), ['催办', '督办', '挂牌督办']);
  assert.equal(levelName(4), '督办 4 级');
  assert.equal(t('case_close'), '办结');
  assert.equal(t('case_opened', { d: '2026-12-01' }), '登记 2026-12-01');
  assert.equal(t('status_responded'), '待复查');
  assert.equal(t('accept'), '复查合格，予以销号');
  assert.equal(t('factor_override'), '直接判定');
  assert.equal(t('outcome_placed_at_station'), '已入站救助');
  const zh = Object.values(DICTS['zh-CN']).join('|');
  for (const word of ['立案', '结案', '规则判定', '通过销号', '已入站安置']) assert.ok(!zh.includes(word), word);
  await setLang('en');
  assert.equal(levelName(3), 'Listed supervision');
  await setLang('zh-CN');
});

test('dates read as Intl writes them in Asia/Shanghai, in both languages, across days, months, years and midnight', async () => {
  const shapes = { 'zh-CN': 'zh-CN', en: 'en-GB' };
  const day = { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' };
  const minute = { ...day, hour: '2-digit', minute: '2-digit', hour12: false };
  const instants = ['2026-12-03T16:00:00Z', '2026-12-03T15:59:59Z', '2026-12-31T16:05:00.123Z', '2024-02-28T17:30:00+01:00',
    '2026-06-30T23:59:00Z', '2027-01-01T00:00:00+08:00', '2026-12-04'];
  for (let ms = Date.UTC(2025, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 37 * 3600000 + 7 * 60000) instants.push(new Date(ms).toISOString());
  for (const [lang, locale] of Object.entries(shapes)) {
    await setLang(lang);
    for (const iso of instants) {
      assert.equal(formatDate(iso), new Intl.DateTimeFormat(locale, day).format(new Date(iso)), `${lang} ${iso}`);
      assert.equal(formatDate(iso, true), new Intl.DateTimeFormat(locale, minute).format(new Date(iso)), `${lang} ${iso} with time`);
    }
  }
  await setLang('zh-CN');
  assert.equal(formatDate('2026-12-04T01:30:00Z', true), '2026/12/04 09:30');
  assert.equal(formatDate(null), '');
  assert.equal(formatDate('not a date'), 'not a date');
});

test("today() is Beijing's date: before 08:00 there it is already the next day of the UTC date", async () => {
  const { today } = await import('../../pwa/js/i18n.js');
  const real = Date.now;
  try {
    Date.now = () => Date.parse('2026-12-04T16:30:00Z'); // 00:30 on 5 December in Beijing
    assert.equal(today(), '2026-12-05');
    Date.now = () => Date.parse('2026-12-04T15:59:00Z'); // 23:59 on 4 December
    assert.equal(today(), '2026-12-04');
  } finally { Date.now = real; }
});

// The texts a person sees of a template (an option's label included, and the title an item gives its finding).
function templateTexts(node, out = []) {
  if (Array.isArray(node)) node.forEach((n) => templateTexts(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (['title', 'label', 'help', 'unit', 'entry_label', 'basis', 'hazard'].includes(k) && typeof v === 'string') out.push([k, v]);
      else templateTexts(v, out);
    }
  }
  return out;
}

test('in English every shipped template, of every kind and version, shows its texts in English (citations stay as data)', async () => {
  const dir = new URL('../../schemas/checklists/', import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  const han = /[\u4e00-\u9fff]/;
  // A basis that only cites regulations is data, as a site's name is; a basis from practice (检查实践) is a word.
  const shown = files.flatMap((f) => templateTexts(JSON.parse(readFileSync(new URL(f, dir), 'utf8'))).map(([k, v]) => [f, k, v]))
    .filter(([, k, v]) => han.test(v) && (k !== 'basis' || v.includes('检查实践')));
  assert.ok(shown.length > 300 && shown.some(([f, , v]) => f === 'street_patrol.json' && v === '男'));
  await setLang('zh-CN');
  assert.equal(pick('男'), '男');
  await setLang('en');
  assert.equal(pick('男'), 'Male');
  // A finding's title: the item's hazard text, or 不符合：label when it has none (backend checklists/rules.py).
  assert.equal(pick('代销证未公示'), 'Agency certificate not displayed');
  assert.equal(pick('不符合：组织有针对性的消防演练'), 'Non-compliant: Targeted fire drills are held');
  assert.deepEqual(shown.filter(([, , v]) => pick(v) === v).map(([f, k, v]) => `${f} ${k}: ${v}`), []);
  for (const [, k, v] of shown) if (k !== 'basis' && k !== 'help') assert.doesNotMatch(pick(v), han, v);
  // Nothing in the pack that no template shows (a text a new version changed is dropped with it).
  const { texts } = await import('../../pwa/js/lang/checklists-en.js');
  const all = new Set(shown.map(([, , v]) => v));
  assert.deepEqual(Object.keys(texts).filter((k) => !all.has(k) && !k.startsWith('不符合：')), []);
  await setLang('zh-CN');
});

test('a notification reads in English from its kind, site and subject, for every kind the server words', async () => {
  const kinds = [...readFileSync(new URL('../../backend/xunjian/notifications/recipients.py', import.meta.url), 'utf8')
    .matchAll(/EventSpec\("([a-z_.]+)"/g)].map((m) => m[1]);
  const { notes } = await import('../../pwa/js/lang/en.js');
  assert.ok(kinds.length >= 17);
  assert.deepEqual(Object.keys(notes).sort(), [...kinds].sort());
  const raised = { kind: 'finding.raised', title: '福寿园$&发现隐患：安全出口堵塞', subject_title: '安全出口堵塞', body: '福寿园$&', level: 0 };
  await setLang('zh-CN');
  assert.equal(noteTitle(raised), raised.title);
  await setLang('en');
  assert.equal(noteTitle(raised), 'Hazard at 福寿园$&: 安全出口堵塞'.replace('安全出口堵塞', pick('安全出口堵塞')));
  assert.equal(noteTitle({ kind: 'escalation', title: '整改逾期督办：消防通道堵塞', subject_title: '消防通道堵塞', body: 'x', level: 2 }),
    `Supervision: ${pick('消防通道堵塞')}`);
  assert.equal(noteTitle({ kind: 'escalation', title: '整改即将到期提醒：x', subject_title: 'x', body: 'y', level: 0 }), 'Due soon: x');
  // A kind this version does not know, or a message without a subject of its own, stays as the server worded it.
  assert.equal(noteTitle({ kind: 'test', title: '消息 1', subject_title: '1', body: '' }), '消息 1');
  assert.equal(noteTitle({ kind: 'finding.raised', title: '旧消息', subject_title: '', body: '' }), '旧消息');
  await setLang('zh-CN');
});
