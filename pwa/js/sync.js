// When to drain the outbox: at start, on `online`, on becoming visible, on a timer, and after a failure with
// exponential back-off and jitter. No DOM: the page wires events to trigger(); timers and clock are injectable.

const MAX_BACKOFF = 15 * 60 * 1000;

export function backoff(attempt, { base = 5000, max = MAX_BACKOFF, random = Math.random } = {}) {
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt));
  // "Equal jitter": at least half the step, so phones that came online together spread out but never hammer.
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export class Syncer {
  constructor({ run, interval = 60000, setTimer = (fn, ms) => setTimeout(fn, ms), clearTimer = (id) => clearTimeout(id), now = () => Date.now(),
    random = Math.random, onState = () => {} }) {
    Object.assign(this, { run, interval, setTimer, clearTimer, now, random, onState });
    this.failures = 0;
    this.running = null;
    this.again = false;
    this.timer = null;
    this.lastSuccess = null;
    this.lastResult = null;
    this.paused = false; // no session: wait for a login before sending
  }

  schedule(ms) {
    if (this.timer) this.clearTimer(this.timer);
    this.nextAt = this.now() + ms;
    this.timer = this.setTimer(() => { this.timer = null; this.trigger('timer'); }, ms);
  }

  // Returns the promise of the run in progress; a trigger during a run queues exactly one more run.
  trigger(reason = 'manual') {
    if (this.paused && reason !== 'login') return Promise.resolve(null);
    if (reason === 'login') this.paused = false;
    if (this.running) { this.again = true; return this.running; }
    this.running = (async () => {
      let result;
      this.onState({ syncing: true });
      try {
        result = await this.run(reason);
      } catch (err) {
        result = { stopped: 'retry', error: { status: 0, message: String(err && err.message || err) } };
      }
      this.lastResult = result;
      if (!result.stopped) {
        this.failures = 0;
        this.lastSuccess = this.now();
        this.schedule(this.interval);
      } else if (result.stopped === 'auth') {
        this.paused = true;
        if (this.timer) { this.clearTimer(this.timer); this.timer = null; }
      } else {
        // The server's Retry-After (503 busy, 429 throttled) is a floor under the back-off, within its cap.
        const wait = Math.max(backoff(this.failures, { random: this.random }), Math.min(result.retryAfterMs || 0, MAX_BACKOFF));
        this.schedule(wait);
        this.failures += 1;
      }
      this.onState({ syncing: false, result });
      return result;
    })();
    return this.running.finally(() => {
      this.running = null;
      if (this.again && !this.paused) { this.again = false; this.trigger('again'); }
    });
  }

  stop() { if (this.timer) this.clearTimer(this.timer); this.timer = null; }
}
