import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoff, Syncer } from '../../pwa/js/sync.js';

test('back-off doubles per failure, stays within [half, full] of the step, and is capped', () => {
  const lo = (n) => backoff(n, { random: () => 0 });
  const hi = (n) => backoff(n, { random: () => 0.999999 });
  assert.equal(lo(0), 2500);
  assert.equal(hi(0), 5000);
  assert.equal(lo(1), 5000);
  assert.equal(hi(3), 40000);
  assert.equal(hi(30), 15 * 60 * 1000);
  assert.equal(lo(30), 15 * 60 * 1000 / 2);
});

function fakeTimers() {
  const timers = [];
  return {
    timers,
    setTimer: (fn, ms) => { const t = { fn, ms }; timers.push(t); return t; },
    clearTimer: (t) => { const i = timers.indexOf(t); if (i >= 0) timers.splice(i, 1); },
  };
}

test('failures back off, success resets and schedules the periodic run', async () => {
  const ft = fakeTimers();
  const results = [{ stopped: 'retry' }, { stopped: 'retry' }, { sent: 1, stopped: null }];
  const s = new Syncer({ run: async () => results.shift(), interval: 60000, random: () => 0, ...ft, now: () => 1000 });
  await s.trigger('start');
  assert.equal(ft.timers.at(-1).ms, 2500);
  await s.trigger('timer');
  assert.equal(ft.timers.at(-1).ms, 5000);
  assert.equal(ft.timers.length, 1, 'one pending timer at a time');
  await s.trigger('online');
  assert.equal(ft.timers.at(-1).ms, 60000);
  assert.equal(s.failures, 0);
  assert.equal(s.lastSuccess, 1000);
});

test('a lost session pauses syncing until a login', async () => {
  const ft = fakeTimers();
  let runs = 0;
  const s = new Syncer({ run: async () => { runs += 1; return runs === 1 ? { stopped: 'auth' } : { stopped: null }; }, ...ft });
  await s.trigger('start');
  assert.equal(s.paused, true);
  assert.equal(ft.timers.length, 0);
  await s.trigger('online');
  assert.equal(runs, 1, 'no run while paused');
  await s.trigger('login');
  assert.equal(runs, 2);
  assert.equal(s.paused, false);
});

test('triggers during a run coalesce into one more run, never two at once', async () => {
  const ft = fakeTimers();
  let active = 0, maxActive = 0, runs = 0;
  let release;
  const s = new Syncer({ ...ft, run: async () => {
    runs += 1; active += 1; maxActive = Math.max(maxActive, active);
    if (runs === 1) await new Promise((r) => { release = r; });
    active -= 1;
    return { stopped: null };
  } });
  const first = s.trigger('start');
  s.trigger('online'); s.trigger('visible'); s.trigger('timer');
  release();
  await first;
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(runs, 2);
  assert.equal(maxActive, 1);
});

test('an exception in the run counts as a retryable failure', async () => {
  const ft = fakeTimers();
  const s = new Syncer({ ...ft, random: () => 0, run: async () => { throw new Error('boom'); } });
  const r = await s.trigger('start');
  assert.equal(r.stopped, 'retry');
  assert.equal(s.failures, 1);
  assert.equal(ft.timers.length, 1);
});

test('the next try waits at least the server\'s Retry-After', async () => {
  const ft = fakeTimers();
  const results = [{ stopped: 'retry', retryAfterMs: 120000 }, { stopped: 'retry', retryAfterMs: null }];
  const s = new Syncer({ run: async () => results.shift(), random: () => 0, ...ft });
  await s.trigger('start');
  assert.equal(ft.timers.at(-1).ms, 120000, 'Retry-After beats the 2.5 s back-off');
  await s.trigger('timer');
  assert.equal(ft.timers.at(-1).ms, 5000, 'without it, the back-off');
});
