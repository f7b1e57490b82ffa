import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Outbox, memoryStore, classify, ordered, uuid, retryAfterMs, waitReason } from '../../pwa/js/outbox.js';

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

test('workflow actions carry their outbox id as client_id, the same on every retry', async () => {
  const { withClientId, CLIENT_ID_TYPES } = await import('../../pwa/js/outbox.js');
  assert.deepEqual(CLIENT_ID_TYPES, ['response', 'verification', 'extension', 'listing', 'decision', 'plan']);
  const box = new Outbox(memoryStore());
  const decision = await box.add({ type: 'decision', method: 'POST', path: '/api/sites/3/decisions', body: { kind: 'talk', reason: 'r' } });
  assert.equal(decision.body.client_id, decision.id, 'a decision on a site too');
  await box.discard(decision.id);
  await box.add({ type: 'photo', path: '/api/photos/p1', blobId: 'p1' });
  const resp = await box.add({ type: 'response', method: 'POST', path: '/api/findings/7/responses', body: { note: 'fixed', photos: [] } });
  await box.add({ type: 'verification', method: 'POST', path: '/api/findings/7/verification', body: { decision: 'accept' } });
  await box.add({ id: 'ext-1', type: 'extension', method: 'POST', path: '/api/findings/8/extension', body: { action: 'approve' } });
  await box.add({ id: 'insp-1', type: 'inspection', method: 'PUT', path: '/api/inspections/insp-1', body: { answers: {} } });
  assert.match(resp.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a UUID the API accepts');
  assert.equal(resp.body.client_id, resp.id);
  assert.equal(resp.body.note, 'fixed', 'the rest of the body is kept');

  // A server that applies each client_id once and answers a replay of it with 200.
  const bodies = [];
  const applied = new Set();
  let loseAnswer = true;
  const server = async (item) => {
    if (item.blobId) return ok;
    bodies.push({ path: item.path, body: item.body });
    const id = item.body?.client_id;
    if (id && applied.has(id)) return { status: 200 };
    if (id) applied.add(id);
    // First run: the response is applied but its answer is lost (the phone sees a network error).
    if (item.type === 'response' && loseAnswer) { loseAnswer = false; return { status: 0, message: 'Failed to fetch' }; }
    return { status: 201 };
  };
  let r = await box.drain(server);
  assert.equal(r.stopped, 'retry');
  assert.equal((await box.counts()).total, 3, 'the response, the verification and the extension wait');
  r = await box.drain(server);
  assert.equal(r.rejected, 0, 'the replay is not shown as rejected');
  assert.equal((await box.counts()).total, 0);
  const sentResp = bodies.filter((b) => b.path === '/api/findings/7/responses');
  assert.equal(sentResp.length, 2);
  assert.deepEqual(sentResp[0].body, sentResp[1].body, 'the retry sends the same client_id');
  assert.equal(bodies.find((b) => b.path === '/api/findings/8/extension').body.client_id, 'ext-1');
  assert.ok(bodies.find((b) => b.path === '/api/findings/7/verification').body.client_id);
  assert.equal(bodies.find((b) => b.path.startsWith('/api/inspections/')).body.client_id, undefined,
    'inspections are idempotent by their own UUID; their body is not touched');

  // An item queued before this existed (no client_id stored) gets its id at send time; a set one is kept.
  const old = { id: 'old-1', type: 'response', body: { note: 'n' } };
  assert.equal(withClientId(old).body.client_id, 'old-1');
  assert.equal(old.body.client_id, undefined, 'the stored item is not mutated');
  assert.equal(withClientId({ id: 'x', type: 'response', body: { client_id: 'kept' } }).body.client_id, 'kept');
  assert.equal(withClientId({ id: 'x', type: 'photo', blobId: 'x' }).body, undefined);
});

test('a busy or throttled server (503, 429) is "try later": the item waits, the run stops, Retry-After is passed on', async () => {
  for (const status of [503, 429]) {
    const box = new Outbox(memoryStore(), { now: () => Date.parse('2026-12-03T08:00:00Z') });
    await box.add({ type: 'inspection', method: 'PUT', path: '/api/inspections/a' });
    await box.add({ type: 'inspection', method: 'PUT', path: '/api/inspections/b' });
    const tried = [];
    const r = await box.drain(async (item) => {
      tried.push(item.path);
      return { status, code: 'database_busy', message: 'busy', retryAfter: '7' };
    });
    assert.equal(r.stopped, 'retry');
    assert.equal(r.rejected, 0);
    assert.equal(r.retryAfterMs, 7000);
    assert.deepEqual(tried, ['/api/inspections/a'], 'the run stops at the first busy answer');
    const items = await box.list();
    assert.deepEqual(items.map((i) => i.state), ['waiting', 'waiting'], 'nothing is held for the user');
  }
});

test('retryAfterMs reads seconds and HTTP dates', () => {
  const now = Date.parse('2026-12-03T08:00:00Z');
  assert.equal(retryAfterMs('30', now), 30000);
  assert.equal(retryAfterMs('Thu, 03 Dec 2026 08:01:00 GMT', now), 60000);
  assert.equal(retryAfterMs(undefined, now), null);
  assert.equal(retryAfterMs('soon', now), null);
});

test('waitReason: what a waiting item says, offline or not', () => {
  assert.equal(waitReason({ status: 0, message: 'Failed to fetch' }, false), 'sync_offline');
  assert.equal(waitReason({ status: 0 }, true), 'sync_unreachable');
  assert.equal(waitReason({ status: 503 }, true), 'sync_busy');
  assert.equal(waitReason({ status: 429 }, true), 'sync_busy');
  assert.equal(waitReason({ status: 401 }, true), 'sync_login');
  assert.equal(waitReason({ status: 500 }, true), 'sync_retry');
});

test('items queued together are one write to the store, with what goes along, in queue order', async () => {
  const writes = [];
  const inner = memoryStore();
  const store = { ...inner, async putAll(values, alongside) { writes.push({ ids: values.map((v) => v.id), alongside }); await inner.putAll(values); } };
  const box = new Outbox(store);
  await box.add({ id: 'old', type: 'response' });
  const draft = { id: 'insp-1', submitted: true };
  const entries = await box.addAll([{ id: 'ph-1', type: 'photo' }, { id: 'insp-1', type: 'inspection' }], [['drafts', draft]]);
  assert.deepEqual(writes.slice(1), [{ ids: ['ph-1', 'insp-1'], alongside: [['drafts', draft]] }]);
  assert.deepEqual(entries.map((e) => e.seq), [2, 3]);
  assert.deepEqual((await box.list()).map((i) => i.id), ['ph-1', 'insp-1', 'old']);
});

test('a write the store refuses keeps nothing of it', async () => {
  const inner = memoryStore();
  const box = new Outbox({ ...inner, async putAll() { throw new Error('QuotaExceededError'); } });
  await assert.rejects(box.addAll([{ id: 'ph-1', type: 'photo' }, { id: 'insp-1', type: 'inspection' }]), /Quota/);
  assert.equal((await box.counts()).total, 0);
});
