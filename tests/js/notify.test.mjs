import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextPoll, badge, fresh, notificationLink, POLL_MS } from '../../pwa/js/notify.js';

test('polls about once a minute with jitter, so phones opened together do not ask at the same moment', () => {
  assert.equal(nextPoll({ random: () => 0 }), POLL_MS * 0.8);
  assert.equal(nextPoll({ random: () => 0.999999 }), POLL_MS * 1.2);
  assert.notEqual(nextPoll({ random: () => 0.1 }), nextPoll({ random: () => 0.9 }));
});

test('backs off after failures up to the cap, and slows down in the background after 10 minutes', () => {
  const lo = (failures) => nextPoll({ failures, random: () => 0 });
  assert.equal(lo(1), POLL_MS);
  assert.equal(lo(2), 2 * POLL_MS);
  assert.ok(lo(3) > lo(2));
  assert.equal(nextPoll({ failures: 30, random: () => 0.999999 }), 15 * 60000);
  assert.equal(nextPoll({ hiddenFor: 5 * 60000, random: () => 0.5 }), POLL_MS, 'briefly hidden: as usual');
  assert.equal(nextPoll({ hiddenFor: 11 * 60000, random: () => 0.5 }), 10 * 60000);
});

test('the badge is the last known count less the reads still in the outbox, marked stale offline', () => {
  assert.equal(badge(null), null, 'never known: no badge rather than a wrong 0');
  assert.deepEqual(badge({ n: 3, at: 'T' }), { n: 3, at: 'T', stale: false });
  assert.deepEqual(badge({ n: 3, at: 'T' }, 1, false), { n: 2, at: 'T', stale: true });
  assert.equal(badge({ n: 1, at: 'T' }, 4).n, 0);
});

test('only unread notifications newer than the last seen are new; the first look only sets the mark', () => {
  const items = [{ id: 7 }, { id: 5, read_at: 'x' }, { id: 4 }];
  assert.deepEqual(fresh(items, undefined), { show: [], seen: 7 });
  assert.deepEqual(fresh(items, 4), { show: [{ id: 7 }], seen: 7 });
  assert.deepEqual(fresh(items, 7), { show: [], seen: 7 });
  assert.deepEqual(fresh([], 9), { show: [], seen: 9 }, 'the mark never moves back');
});

test('each notification opens its subject: a finding, a follow-up case, else its site', () => {
  assert.equal(notificationLink({ subject_type: 'finding', subject_id: '12', site_id: 3 }), '#/finding/12');
  assert.equal(notificationLink({ subject_type: 'follow_up_case', subject_id: '4', site_id: 3 }), '#/case/4');
  assert.equal(notificationLink({ subject_type: 'patrol_case', subject_id: '5', site_id: 3 }), '#/case/5');
  assert.equal(notificationLink({ subject_type: 'inspection', subject_id: 'u', site_id: 3 }), '#/site/3');
  assert.equal(notificationLink({ subject_type: '', subject_id: '' }), null);
});

test('every notification kind the server sends has a name in both languages', async () => {
  const { readFileSync } = await import('node:fs');
  const { DICTS, setLang } = await import('../../pwa/js/i18n.js');
  await setLang('en'); // loads the English pack
  await setLang('zh-CN');
  const py = readFileSync(new URL('../../backend/xunjian/notifications/recipients.py', import.meta.url), 'utf8');
  const kinds = [...py.matchAll(/EventSpec\("([a-z_.]+)"/g)].map((m) => m[1]);
  kinds.push(py.match(/ESCALATION_KIND = "([a-z_]+)"/)[1]);
  assert.ok(kinds.length >= 12);
  for (const lang of ['zh-CN', 'en']) for (const k of kinds) assert.ok(DICTS[lang][`nk_${k}`], `${lang} nk_${k}`);
});
