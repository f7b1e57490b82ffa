// The outbox: every record made on the phone waits here until the server acknowledges it. No DOM, no IndexedDB:
// the storage is passed in ({all, put, delete}), so the same logic runs in node tests and in the page.

// Lower sends first: photos must be on the server before the records that refer to them.
export const PRIORITY = { photo: 0, inspection: 1, patrol: 1, response: 2, extension: 2, verification: 2, listing: 2, decision: 2, plan: 2, signature: 2, read: 3 };

// Workflow actions on a finding (and a decision on a site) carry the item's id as client_id: the server answers a replay of the same id with
// 200 and changes nothing, so a retry after a lost answer is not shown as rejected. The id stays with the item.
export const CLIENT_ID_TYPES = ['response', 'verification', 'extension', 'listing', 'decision', 'plan'];

export function withClientId(item) {
  if (!CLIENT_ID_TYPES.includes(item.type) || !item.body || item.body.client_id) return item;
  return { ...item, body: { ...item.body, client_id: item.id } };
}

export function uuid() {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const b = new Uint8Array(16);
  c.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// What a failed send means for the item: try again later, stop and ask for a login, or hold for the user.
export function classify(status, code) {
  if (!status || status === 408 || status === 425 || status === 429 || status >= 500) return 'retry';
  if (status === 401) return 'auth';
  if (status === 403 && code === 'csrf_failed') return 'auth';
  return 'rejected';
}

// Why an item the server has not taken yet still waits (a string key): offline, the server unreachable or busy, a
// login needed, or a server error; each is retried by itself.
export function waitReason(error, online) {
  if (!error?.status) return online ? 'sync_unreachable' : 'sync_offline';
  if (error.status === 401) return 'sync_login';
  return error.status === 503 || error.status === 429 ? 'sync_busy' : 'sync_retry';
}

// Retry-After as milliseconds from now: delay-seconds or an HTTP date; null when absent or unreadable.
export function retryAfterMs(value, now = Date.now()) {
  if (value === undefined || value === null || value === '') return null;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export function ordered(items) {
  return [...items].sort((a, b) => (PRIORITY[a.type] ?? 9) - (PRIORITY[b.type] ?? 9) || a.seq - b.seq);
}

export class Outbox {
  constructor(store, { now = () => Date.now() } = {}) {
    this.store = store;
    this.now = now;
  }

  // item: {type, method, path, body?, blobId?, contentType?, label?}. The id is the record's client UUID when it
  // has one, so queuing the same record twice replaces the waiting copy instead of sending it twice.
  async add(item, alongside = []) { return (await this.addAll([item], alongside))[0]; }

  // Items queued together (a record and its photos), and the writes that go with them (its draft marked as
  // submitted), stored in one write (one IndexedDB transaction): all of them are kept or none is, so a phone that
  // fails half-way never hides a draft that nothing will send. `alongside`: [store, value] pairs for the store's
  // other parts (the in-memory store has none).
  async addAll(items, alongside = []) {
    let seq = (await this.store.all()).reduce((m, i) => Math.max(m, i.seq || 0), 0);
    const created_at = new Date(this.now()).toISOString();
    const entries = items.map((item) => withClientId({ attempts: 0, state: 'waiting', error: null, ...item,
      id: item.id || uuid(), seq: ++seq, created_at }));
    await this.store.putAll(entries, alongside);
    return entries;
  }

  async list() { return ordered(await this.store.all()); }

  async counts() {
    const all = await this.store.all();
    return { waiting: all.filter((i) => i.state !== 'rejected').length,
      rejected: all.filter((i) => i.state === 'rejected').length, total: all.length };
  }

  async discard(id) { await this.store.delete(id); }

  // Sends items in order with send(item) → {status, code?, message?} (status 0 = no network). An item leaves the
  // store only on a 2xx. A retryable failure or a lost session stops the run, keeping the order; a rejection
  // (a 4xx the same request would get again) marks the item for the user and the run goes on.
  // A retryable answer's Retry-After (res.retryAfter, seconds or an HTTP date) is passed on as result.retryAfterMs.
  async drain(send) {
    const result = { sent: 0, rejected: 0, stopped: null, error: null, retryAfterMs: null };
    for (const item of await this.list()) {
      if (item.state === 'rejected') continue;
      let res;
      try {
        res = await send(item);
      } catch (err) {
        res = { status: 0, message: String(err && err.message || err) };
      }
      if (res.status >= 200 && res.status < 300) {
        await this.store.delete(item.id);
        result.sent += 1;
        continue;
      }
      const kind = classify(res.status, res.code);
      const updated = { ...item, attempts: item.attempts + 1, error: { status: res.status, code: res.code || null,
        message: res.message || '', details: res.details ?? null }, last_try: new Date(this.now()).toISOString() };
      if (kind === 'rejected') {
        updated.state = 'rejected';
        await this.store.put(updated);
        result.rejected += 1;
        continue;
      }
      await this.store.put(updated);
      result.stopped = kind;
      result.error = updated.error;
      if (kind === 'retry') result.retryAfterMs = retryAfterMs(res.retryAfter, this.now());
      break;
    }
    return result;
  }

  // Put a rejected item back in line (after the user fixed the cause, e.g. logged in with the right account).
  async retry(id) {
    const item = (await this.store.all()).find((i) => i.id === id);
    if (item) await this.store.put({ ...item, state: 'waiting' });
  }
}

// An in-memory store with the same interface as db.js's outbox store (tests, and a fallback without IndexedDB).
export function memoryStore() {
  const m = new Map();
  return {
    async all() { return [...m.values()].map((v) => structuredClone(v)); },
    async put(v) { m.set(v.id, structuredClone(v)); },
    async putAll(values) { for (const v of values) m.set(v.id, structuredClone(v)); },
    async delete(id) { m.delete(id); },
  };
}
