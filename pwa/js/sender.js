// Sending the outbox, shared by the page and the service worker (Background Sync): no DOM here.
import * as api from './api.js';
import * as db from './db.js';
import { Outbox, withClientId } from './outbox.js';

export const outbox = new Outbox(db.outboxStore);

// One item to the server; photos go as their bytes. `username`: who is logged in now (items of another user wait).
export async function sendItem(item, username) {
  if (item.user && username && item.user !== username) return { status: 403, code: 'other_user', message: item.user };
  if (!api.getToken()) return { status: 401, code: 'session_expired' };
  if (item.blobId) {
    const rec = await db.get('blobs', item.blobId);
    if (!rec) return { status: 410, code: 'photo_lost', message: item.blobId };
    const c = rec.capture || {};
    const headers = { 'X-Capture-Time': c.at, 'X-Capture-Position': c.pos, 'X-Capture-Origin': c.origin };
    const r = await api.send(item.method, item.path, { blob: rec.blob, contentType: rec.type || 'image/jpeg', headers });
    if (r.status >= 200 && r.status < 300) await db.del('blobs', item.blobId);
    return r;
  }
  // Items queued before client_id existed get theirs now (the item's id, the same on every retry).
  const r = await api.send(item.method, item.path, { json: withClientId(item).body });
  if (item.type === 'inspection' && r.status >= 200 && r.status < 300) await db.del('drafts', item.id);
  return r;
}

// One drain at a time across tabs and the service worker, so a record is never sent twice at once.
export async function drain(username) {
  const run = () => outbox.drain((item) => sendItem(item, username));
  const r = await (globalThis.navigator?.locks ? navigator.locks.request('xunjian-outbox', run) : run());
  if (!r.stopped) await db.kvSet('lastSync', new Date().toISOString());
  return r;
}
