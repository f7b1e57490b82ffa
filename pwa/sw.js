// Service worker (a module): precaches the versioned app shell and serves it offline. The API is never cached
// here: the page keeps what it needs offline in IndexedDB. Bump VERSION whenever a shell file changes.
// Language packs (js/lang/, English today) are not precached: one is kept, per version, once a page fetched it,
// so a phone that chose English keeps it offline; the cache holds at most one copy of each pack. The signature pad
// (js/sign/), the supervisors' board (views/board.js, a desktop screen) and the patrol mode with its follow-up case
// (views/patrol.js, views/case.js: inspectors' and supervisors' screens, fetched after login) are kept the same way.
import * as api from './js/api.js';
import * as db from './js/db.js';
import { drain, outbox } from './js/sender.js';

const VERSION = '2026-12-04.43';
const CACHE = `xj-shell-${VERSION}`;
const PACKS = `xj-lang-${VERSION}`;
const IS_PACK = /^\/js\/((lang|sign)\/[a-z-]+|views\/(board|patrol|case))\.js$/;
const SHELL = [
  '/',
  '/manifest.webmanifest',
  '/favicon.ico',
  '/css/app.css',
  '/icons/icon-192.png',
  '/icons/icon-512.png',
  '/icons/maskable-512.png',
  '/icons/apple-touch-icon.png',
  '/js/app.js',
  '/js/api.js',
  '/js/db.js',
  '/js/dom.js',
  '/js/i18n.js',
  '/js/notify.js',
  '/js/outbox.js',
  '/js/photo.js',
  '/js/sender.js',
  '/js/sync.js',
  '/js/template.js',
  '/js/checklist.js',
  '/js/views/finding.js',
  '/js/views/findings.js',
  '/js/views/home.js',
  '/js/views/inbox.js',
  '/js/views/login.js',
  '/js/views/outboxview.js',
  '/js/views/parts.js',
  '/js/views/run.js',
  '/js/views/site.js',
  '/js/views/sites.js',
];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // cache: 'reload' so a new version never precaches a stale copy from the HTTP cache.
    await cache.addAll(SHELL.map((url) => new Request(url, { cache: 'reload' })));
    // The packs this phone used under the previous version come along, fresh, so English survives an update offline.
    const old = (await caches.keys()).filter((n) => n.startsWith('xj-lang-') && n !== PACKS);
    const used = new Set();
    for (const n of old) for (const r of await (await caches.open(n)).keys()) used.add(new URL(r.url).pathname);
    if (used.size) await (await caches.open(PACKS)).addAll([...used].map((url) => new Request(url, { cache: 'reload' }))).catch(() => {});
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    const stale = (n) => (n.startsWith('xj-shell-') && n !== CACHE) || (n.startsWith('xj-lang-') && n !== PACKS);
    await Promise.all(names.filter(stale).map((n) => caches.delete(n)));
    await self.clients.claim();
  })());
});

const PASS = /^\/(api|schema|healthz|readyz)(\/|$)/;

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || PASS.test(url.pathname)) return;
  if (IS_PACK.test(url.pathname)) {
    event.respondWith(pack(req));
    return;
  }
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    if (req.mode === 'navigate') {
      const shell = await cache.match('/');
      if (shell) return shell;
    }
    const hit = await cache.match(req, { ignoreSearch: true });
    return hit || fetch(req);
  })());
});

// A language pack: the kept copy, else the network, keeping what it answers (one entry per pack, ignoring queries).
async function pack(req) {
  const cache = await caches.open(PACKS);
  const hit = await cache.match(req, { ignoreSearch: true });
  if (hit) return hit;
  const res = await fetch(req);
  if (res.ok) await cache.put(new URL(req.url).pathname, res.clone());
  return res;
}

// Background Sync (Chromium): drain the outbox with the page's own code, even when no page is open; the lock in
// drain() keeps an open page from sending the same item at the same time. Open pages then refresh their status.
self.addEventListener('sync', (event) => {
  if (event.tag !== 'outbox') return;
  event.waitUntil((async () => {
    const session = await db.kvGet('session');
    if (session?.token) {
      api.setToken(session.token);
      const r = await drain(session.user?.username);
      // Rejecting makes the browser retry the sync later, with its own back-off.
      if (r.stopped === 'retry') throw new Error('the outbox is not drained yet');
    }
    const clients = await self.clients.matchAll({ type: 'window' });
    clients.forEach((c) => c.postMessage('sync'));
  })());
});

// A system notification (shown by the page, see app.js) is read through the outbox, like one read in the inbox, and
// opens its subject: in a window of the app if one is open, else a new one. Real Web Push needs a push service this
// network cannot reach: the page polls instead.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const { open = '#/inbox', id, user } = event.notification.data || {};
  event.waitUntil((async () => {
    if (id) await outbox.add({ id: `read-${user}-${id}`, nid: id, user, type: 'read', method: 'POST', path: `/api/notifications/${id}/read` });
    const [win] = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    if (!win) return self.clients.openWindow('/' + open);
    await win.focus();
    win.postMessage({ open });
  })());
});
