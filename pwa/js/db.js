// IndexedDB: the session, drafts, the outbox, photo blobs and cached reference data survive reloads and restarts.
const NAME = 'xunjian';
const VERSION = 1;
const STORES = { kv: 'key', drafts: 'id', outbox: 'id', blobs: 'id', cache: 'key' };

let dbp = null;

export function open() {
  if (dbp) return dbp;
  dbp = new Promise((resolve, reject) => {
    const req = indexedDB.open(NAME, VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      for (const [name, keyPath] of Object.entries(STORES)) {
        if (!db.objectStoreNames.contains(name)) db.createObjectStore(name, { keyPath });
      }
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error('IndexedDB blocked'));
  });
  return dbp;
}

function done(req) {
  return new Promise((resolve, reject) => { req.onsuccess = () => resolve(req.result); req.onerror = () => reject(req.error); });
}

// Resolves when the transaction has committed, so "saved" means on disk, not just queued.
async function tx(store, mode, fn) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const t = db.transaction(store, mode);
    let result;
    Promise.resolve(fn(t.objectStore(store))).then((r) => { result = r; }, reject);
    t.oncomplete = () => resolve(result);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error || new Error('transaction aborted'));
  });
}

// Several puts, [store, value] each, in one transaction: either all of them are on disk or none is (a put that
// throws, say for lack of space, aborts the others).
export async function write(puts) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const t = db.transaction([...new Set(puts.map(([store]) => store))], 'readwrite');
    t.oncomplete = () => resolve();
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error || new Error('transaction aborted'));
    try {
      for (const [store, value] of puts) t.objectStore(store).put(value);
    } catch (err) { reject(err); t.abort(); }
  });
}

export const get = (store, key) => tx(store, 'readonly', (s) => done(s.get(key)));
export const all = (store) => tx(store, 'readonly', (s) => done(s.getAll()));
export const put = (store, value) => tx(store, 'readwrite', (s) => { s.put(value); });
export const del = (store, key) => tx(store, 'readwrite', (s) => { s.delete(key); });

export async function kvGet(key, fallback = null) { const r = await get('kv', key); return r ? r.value : fallback; }
export const kvSet = (key, value) => put('kv', { key, value });

export async function cacheGet(key) { return (await get('cache', key)) || null; }
export const cacheSet = (key, value) => put('cache', { key, value, at: new Date().toISOString() });

// The outbox's storage, in the shape outbox.js expects.
export const outboxStore = { all: () => all('outbox'), put: (v) => put('outbox', v), delete: (id) => del('outbox', id),
  putAll: (values, alongside = []) => write([...values.map((v) => ['outbox', v]), ...alongside]) };
