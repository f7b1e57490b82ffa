import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Outbox, memoryStore, classify, ordered, uuid } from '../../pwa/js/outbox.js';

const ok = { status: 201 };

test('photos are sent before the records that refer to them, then in queue order', async () => {
  const box = new Outbox(memoryStore());
  await box.add({ id: 'insp-1', type: 'inspection', path: '/api/inspections/1' });
  await box.add({ id: 'resp-1', type: 'response', path: '/api/findings/1/responses' });
  await box.add({ id: 'ph-1', type: 'photo', path: '/api/photos/1' });
  await box.add({ id: 'insp-2', type: 'inspection', path: '/api/inspections/2' });
  const sent = [];
  const r = await box.drain(async (item) => { sent.push(item.id); return ok; });
  assert.deepEqual(sent, ['ph-1', 'insp-1', 'insp-2', 'resp-1']);
  assert.equal(r.sent, 4);
  assert.equal((await box.counts()).total, 0);
});

test('nothing leaves the outbox before the server acknowledges it', async () => {
  const box = new Outbox(memoryStore());
  await box.add({ id: 'a', type: 'photo' });
  await box.add({ id: 'b', type: 'inspection' });
  // network gone: fetch throws
  let r = await box.drain(async () => { throw new TypeError('Failed to fetch'); });
  assert.equal(r.stopped, 'retry');
  assert.equal(r.sent, 0);
  assert.deepEqual((await box.list()).map((i) => i.id), ['a', 'b']);
  assert.equal((await box.list())[0].attempts, 1);
  // the server is down: 503 keeps the item and stops, so the inspection never overtakes its photo
  const tried = [];
  r = await box.drain(async (item) => { tried.push(item.id); return { status: 503 }; });
  assert.deepEqual(tried, ['a']);
  assert.equal((await box.counts()).total, 2);
  r = await box.drain(async () => ok);
  assert.equal(r.sent, 2);
  assert.equal((await box.counts()).total, 0);
});

test('an expired session stops the run and keeps every item', async () => {
  const box = new Outbox(memoryStore());
  await box.add({ id: 'a', type: 'photo' });
  await box.add({ id: 'b', type: 'inspection' });
  let calls = 0;
  const r = await box.drain(async () => { calls += 1; return { status: 401, code: 'session_expired' }; });
  assert.equal(r.stopped, 'auth');
  assert.equal(calls, 1);
  assert.equal((await box.counts()).waiting, 2);
});

test('a rejected item is held for the user and the others still go', async () => {
  const box = new Outbox(memoryStore());
  await box.add({ id: 'bad', type: 'inspection' });
  await box.add({ id: 'good', type: 'inspection' });
  const details = [{ item: 'exits_clear', message: 'required' }];
  const r = await box.drain(async (i) => (i.id === 'bad' ? { status: 422, code: 'invalid', message: 'item x', details } : ok));
  assert.equal(r.sent, 1);
  assert.equal(r.rejected, 1);
  const [left] = await box.list();
  assert.equal(left.id, 'bad');
  assert.equal(left.state, 'rejected');
  assert.equal(left.error.message, 'item x');
  assert.deepEqual(left.error.details, details, 'the server names the items, for the user to correct');
  assert.deepEqual(await box.counts(), { waiting: 0, rejected: 1, total: 1 });
  // a later run does not resend it until the user asks
  let resent = false;
  await box.drain(async () => { resent = true; return ok; });
  assert.equal(resent, false);
  await box.retry('bad');
  assert.equal((await box.drain(async () => ok)).sent, 1);
});

test('queuing the same client id twice keeps one item', async () => {
  const box = new Outbox(memoryStore());
  await box.add({ id: 'x', type: 'inspection', body: { v: 1 } });
  await box.add({ id: 'x', type: 'inspection', body: { v: 2 } });
  const items = await box.list();
  assert.equal(items.length, 1);
  assert.deepEqual(items[0].body, { v: 2 });
});

test('classify: what to do with each status', () => {
  assert.equal(classify(0), 'retry');
  assert.equal(classify(503), 'retry');
  assert.equal(classify(429), 'retry');
  assert.equal(classify(401), 'auth');
  assert.equal(classify(403, 'csrf_failed'), 'auth');
  assert.equal(classify(409), 'rejected');
  assert.equal(classify(422), 'rejected');
  assert.equal(classify(404), 'rejected');
});

test('ordered keeps sequence within a priority', () => {
  const items = [{ type: 'response', seq: 1 }, { type: 'photo', seq: 5 }, { type: 'photo', seq: 2 }];
  assert.deepEqual(ordered(items).map((i) => i.seq), [2, 5, 1]);
});

test('uuid is a v4 UUID and unique', () => {
  const a = uuid(), b = uuid();
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(a, b);
});
