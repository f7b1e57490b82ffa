// The shell: session, routing, header and navigation, the outbox and its syncer.
import { t, setLang, getLang, formatDate, noteTitle } from './i18n.js';
import { h, clear, toast } from './dom.js';
import * as api from './api.js';
import * as db from './db.js';
import { uuid } from './outbox.js';
import { outbox, drain } from './sender.js';
import { Syncer } from './sync.js';
import { nextPoll, badge, fresh, notificationLink } from './notify.js';

export const session = { user: null, token: null };
export { outbox };
const main = () => document.getElementById('main');
let unread = null; // the inbox badge: {n, at, stale}

const ROUTES = {
  '': 'home', login: 'login', sites: 'sites', site: 'site', run: 'run', findings: 'findings', finding: 'finding',
  board: 'board', case: 'case', inbox: 'inbox', patrol: 'patrol', outbox: 'outboxview', admin: 'admin', plans: 'plans', analytics: 'analytics',
  decisions: 'decisions', sign: 'sign',
};

const NAV = {
  inspector: [['', 'nav_home'], ['sites', 'nav_sites'], ['findings', 'nav_findings'], ['patrol', 'nav_patrol'], ['inbox', 'nav_inbox']],
  manager: [['', 'nav_home'], ['findings', 'nav_findings'], ['sites', 'nav_sites'], ['inbox', 'nav_inbox']],
  supervisor: [['board', 'nav_board'], ['plans', 'nav_plans'], ['analytics', 'nav_analytics'], ['findings', 'nav_findings'], ['sites', 'nav_sites'], ['inbox', 'nav_inbox']],
  // The welfare-lottery centre: its outlets' board, the outlets, their findings, its inbox (no patrols, no plans).
  lottery_centre: [['board', 'nav_board'], ['sites', 'nav_sites'], ['findings', 'nav_findings'], ['inbox', 'nav_inbox']],
  admin: [['admin', 'nav_console'], ['board', 'nav_board'], ['plans', 'nav_plans'], ['analytics', 'nav_analytics'], ['findings', 'nav_findings'], ['inbox', 'nav_inbox']],
};

// Where '#/' leads for roles whose home is not the due list: the console for admins, the board for supervisors
// and the lottery centre.
const HOME = { admin: 'admin', supervisor: 'board', lottery_centre: 'board' };

export function go(hash) { if (location.hash === '#/' + hash) route(); else location.hash = '#/' + hash; }

// ---- outbox and sync ------------------------------------------------------------------------------------------

// Whether a send is under way, as the syncer last reported it (the status line follows its reports, not its promise).
let syncing = false;
export const syncer = new Syncer({
  run: async () => {
    const r = await drain(session.user?.username);
    if (r.stopped === 'auth') needLogin();
    return r;
  },
  onState: ({ syncing: now, result }) => {
    syncing = now;
    renderStatus();
    // Show what the server now says, unless the user is typing into a form.
    const busy = document.activeElement && /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
    if (result?.sent && !busy && !/^#\/(run|login|patrol|sign)/.test(location.hash)) route();
    if (result?.sent) refreshUnread();
  },
});

// Queue a record (and first the photos it refers to) and try to send at once; `sent`: what is left of it in the
// outbox a few seconds later (null: the server took it).
// A record and its photos not yet queued join the outbox in one write, with `alongside` ([store, value] pairs: its
// draft marked as submitted, say): all of it is kept or, if the phone cannot store it, none (the caller says so).
export async function queue(record, photos = [], alongside = []) {
  const user = session.user?.username;
  const queued = new Set((await db.all('outbox')).map((i) => i.id));
  const items = [...new Set(photos)].filter((id) => !queued.has(id))
    .map((id) => ({ id, type: 'photo', method: 'PUT', path: `/api/photos/${id}`, blobId: id, user }));
  const entries = await outbox.addAll([...items, { id: record.id || uuid(), user, ...record }], alongside);
  const { id } = entries[entries.length - 1];
  renderStatus();
  const run = syncer.trigger('queued');
  registerBackgroundSync();
  // A run already under way did not take it: the run it queued does.
  const done = run.then(() => syncer.running);
  return { sent: Promise.race([done, new Promise((r) => setTimeout(r, 5000))]).then(() => db.get('outbox', id)).then((i) => i || null) };
}

async function registerBackgroundSync() {
  try {
    const reg = await navigator.serviceWorker?.ready;
    await reg?.sync?.register('outbox');
  } catch { /* not every browser has Background Sync; the timer and events cover it */ }
}

export async function storePhoto(blob, capture = null) {
  const id = uuid();
  await db.put('blobs', { id, blob, type: blob.type || 'image/jpeg', capture, created_at: new Date().toISOString() });
  return id;
}

// Photos taken and then removed, or left by a deleted draft, would stay on the phone forever: drop blobs that no
// draft, patrol or outbox item refers to any more (after a day, so nothing being edited right now is touched), and
// sent drafts an older runner wrote back (submitted, no longer queued).
async function dropOrphanPhotos() {
  const { photoIds } = await import('./template.js');
  const keep = new Set((await db.all('outbox')).map((i) => i.blobId || i.id));
  const cutoff = Date.now() - 86400000;
  for (const d of await db.all('drafts')) {
    if (d.submitted && !keep.has(d.id) && Date.parse(d.updated_at) < cutoff) await db.del('drafts', d.id);
    else [...photoIds(d.answers), ...photoIds(d.extra)].forEach((id) => keep.add(id));
  }
  const patrol = await db.kvGet('patrol');
  if (patrol) photoIds(patrol.answers).forEach((id) => keep.add(id));
  for (const b of await db.all('blobs')) if (!keep.has(b.id) && Date.parse(b.created_at) < cutoff) await db.del('blobs', b.id);
}

// ---- session --------------------------------------------------------------------------------------------------

export async function loggedIn(data) {
  session.user = data.user;
  session.token = data.token;
  api.setToken(data.token);
  await db.kvSet('session', { token: data.token, user: data.user });
  renderChrome();
  syncer.trigger('login');
  poll();
  await prefetch();
}

// What an inspector needs offline: who they are, their sites, the checklists (every template), the due list.
export async function prefetch() {
  if (!navigator.onLine) return;
  session.me = await cachedGet('/api/me').catch(() => session.me);
  const sites = await cachedGet('/api/sites?limit=200').catch(() => null);
  // A manager's few sites keep their risk card offline (an inspector's due list carries the tiers).
  if (session.user?.role === 'manager') for (const s of sites?.items.slice(0, 5) || []) await cachedGet(`/api/risk/sites/${s.id}`).catch(() => null);
  if (['inspector', 'manager'].includes(session.user?.role)) {
    const list = await cachedGet('/api/checklists').catch(() => null);
    for (const c of list?.items || list || []) await cachedGet(`/api/checklists/${c.key}`).catch(() => null);
    if (session.user.role === 'inspector') {
      await cachedGet('/api/inspections/due').catch(() => null);
      await cachedGet('/api/plans/tasks').catch(() => null);
      // The patrol mode's zones and the notice read to each person met, so a patrol can start offline.
      await cachedGet('/api/sites?kind=patrol_zone&limit=200').catch(() => null);
      await cachedGet('/api/patrols/notice').catch(() => null);
      // Kept by the service worker, so signing and the patrol mode work offline.
      keep(() => import('./sign/screen.js'));
      keep(() => import('./views/patrol.js'));
    }
  }
  // A follow-up case (from the board or a notification) imports the patrol mode too.
  if (['inspector', 'supervisor'].includes(session.user?.role)) keep(() => import('./views/case.js'));
}

// Fetch a screen the service worker keeps once fetched (not precached), so it opens offline later. Only through the
// worker: a module the page loaded before the worker controlled it is never fetched again, so wait for the control.
function keep(load) {
  const sw = navigator.serviceWorker;
  if (sw?.controller) load().catch(() => {});
  else sw?.addEventListener('controllerchange', () => load().catch(() => {}), { once: true });
}

export async function logout() {
  await api.send('POST', '/api/auth/logout');
  session.user = null; session.token = null; api.setToken(null);
  unread = null; navigator.clearAppBadge?.().catch(() => {});
  await db.kvSet('session', null);
  renderChrome();
  go('login');
}

function needLogin() {
  if (location.hash.startsWith('#/login')) return;
  // Keep the user name so the same inspector logs back in; the outbox stays untouched.
  go('login?expired=1');
}

api.onSessionExpired(() => { syncer.paused = true; needLogin(); });

// ---- chrome ---------------------------------------------------------------------------------------------------

export async function renderStatus() {
  const box = document.getElementById('status');
  if (!box) return;
  const c = await outbox.counts();
  const last = await db.kvGet('lastSync');
  const net = navigator.onLine ? t('online') : t('offline');
  clear(box).append(...[
    h('span', { class: navigator.onLine ? 'net on' : 'net off' }, net),
    h('a', { href: '#/outbox', class: 'pending', id: 'outbox-count', 'data-count': c.total },
      c.total ? t('outbox_waiting', { n: c.total }) : t('outbox_empty')),
    c.rejected ? h('a', { href: '#/outbox', class: 'pill late' }, t('outbox_rejected', { n: c.rejected })) : null,
    h('span', { class: 'last' }, syncing ? t('syncing') : last ? t('last_sync', { t: formatDate(last, true) }) : t('never_synced')),
  ].filter(Boolean));
}

function renderNav() {
  const nav = document.getElementById('nav');
  clear(nav);
  if (!session.user) return;
  const here = location.hash.replace(/^#\/?/, '').split(/[/?]/)[0] || HOME[session.user.role] || '';
  for (const [hash, key] of NAV[session.user.role] || []) {
    const a = h('a', { href: '#/' + hash, class: here === hash ? 'active' : '' }, t(key));
    if (here === hash) a.setAttribute('aria-current', 'page');
    if (hash === 'inbox' && unread?.n) a.append(h('span', { class: unread.stale ? 'badge stale' : 'badge', id: 'unread', 'data-at': unread.at,
      'aria-label': t('unread', { n: unread.n }), title: unread.stale && t('as_of', { t: formatDate(unread.at, true) }) }, unread.n));
    nav.append(a);
  }
}

function renderHeader() {
  const tools = document.getElementById('tools');
  clear(tools);
  tools.append(h('button', { type: 'button', class: 'link', lang: getLang() === 'en' ? 'zh-CN' : 'en', title: t('lang_label'),
    onclick: () => switchLang(getLang() === 'en' ? 'zh-CN' : 'en') }, t('lang_switch')));
  if (session.user) {
    tools.append(h('span', { class: 'who' }, session.user.display_name || session.user.username),
      h('button', { type: 'button', class: 'link', onclick: logout }, t('logout')));
  }
  document.getElementById('app-title').textContent = t('app_name');
}

export function renderChrome() {
  document.documentElement.lang = getLang();
  document.title = t('app_name');
  document.querySelector('a.skip').textContent = t('skip_content');
  document.getElementById('nav').setAttribute('aria-label', t('nav_label'));
  renderHeader();
  renderNav();
  renderStatus();
}

async function switchLang(lang) {
  // English is a pack fetched on first use: offline before it was ever fetched, Chinese stays and says why.
  if (await setLang(lang) !== lang) return toast(t('offline_unavailable'), 'error');
  await db.kvSet('lang', lang);
  renderChrome();
  route();
}

// ---- inbox badge and system notifications ---------------------------------------------------------------------

export const unreadNow = () => unread;

// The count is kept per user with its time, so the badge stays right after an offline reload.
export async function refreshUnread(net = navigator.onLine) {
  const user = session.user?.username;
  if (!user) return true;
  const key = 'inbox:' + user;
  const saved = (await db.kvGet(key)) || {};
  let ok = true;
  if (net) {
    const r = await api.send('GET', '/api/notifications/unread-count');
    ok = r.status === 200;
    if (ok && (r.data.unread !== saved.n || saved.seen == null)) {
      const list = await api.send('GET', '/api/notifications?unread=true&limit=20');
      if (list.status === 200) {
        const f = fresh(list.data.items, saved.seen);
        saved.seen = f.seen;
        showSystem(f.show).catch(() => {});
        if (f.show.length && location.hash.startsWith('#/inbox')) route();
      }
    }
    if (ok) Object.assign(saved, { n: r.data.unread, at: new Date().toISOString() });
    await db.kvSet(key, saved);
  }
  const reads = (await db.all('outbox')).filter((i) => i.type === 'read' && i.user === user).length;
  unread = badge(saved, reads, net);
  navigator.setAppBadge?.(unread?.n || 0).catch(() => {});
  renderNav();
  return ok;
}

async function showSystem(items) {
  if (!items.length || globalThis.Notification?.permission !== 'granted') return;
  const reg = await navigator.serviceWorker.ready;
  // A tag per notification: shown again (another tab), it replaces itself.
  for (const n of items) {
    await reg.showNotification(noteTitle(n), { body: n.body, tag: `xj-${n.id}`, icon: '/icons/icon-192.png',
      data: { open: notificationLink(n) || '#/inbox', id: n.id, user: session.user.username } });
  }
}

let pollTimer, pollFails = 0, hiddenAt = 0;
function schedulePoll(ms) { clearTimeout(pollTimer); pollTimer = setTimeout(poll, ms); }
async function poll() {
  clearTimeout(pollTimer);
  const ok = await refreshUnread().catch(() => false);
  pollFails = ok ? 0 : pollFails + 1;
  schedulePoll(nextPoll({ failures: pollFails, hiddenFor: document.hidden ? Date.now() - hiddenAt : 0 }));
}

// ---- routing --------------------------------------------------------------------------------------------------

let routeSeq = 0;
export async function route() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [pathPart, qs] = raw.split('?');
  const [name, ...rest] = pathPart.split('/');
  const params = Object.fromEntries(new URLSearchParams(qs || ''));
  let view = ROUTES[name] ?? 'home';
  if (!session.user && view !== 'login') view = 'login';
  if (view === 'admin' && session.user?.role !== 'admin') view = 'home';
  if ((view === 'plans' || view === 'analytics') && !['admin', 'supervisor'].includes(session.user?.role)) view = 'home';
  if (view === 'board' && !NAV[session.user?.role]?.some(([n]) => n === 'board')) view = 'home';
  if (view === 'home' && HOME[session.user?.role]) view = HOME[session.user.role];
  const mine = ++routeSeq;
  renderNav();
  const box = main();
  box.setAttribute('aria-busy', 'true');
  try {
    // The admin console and the supervisors' desk are online only and not precached; the board, the signing
    // screen, the patrol mode and the case are not precached either (the service worker keeps them once fetched):
    // offline before that, their import fails like an API call.
    const online = { admin: () => import('./admin/console.js'), plans: () => import('./desk/plans.js'),
      analytics: () => import('./desk/analytics.js'), decisions: () => import('./desk/decisions.js'),
      board: () => import('./views/board.js'), sign: () => import('./sign/screen.js'),
      patrol: () => import('./views/patrol.js'), case: () => import('./views/case.js') }[view];
    const mod = await (online ? online().catch(() => { throw new api.ApiError(0); }) : import(`./views/${view}.js`));
    const el = await mod.render({ params, args: rest, session });
    if (mine !== routeSeq) return;
    clear(box).append(el);
  } catch (err) {
    if (mine !== routeSeq) return;
    clear(box).append(h('p', { class: 'error', role: 'alert' }, errorText(err)));
  } finally {
    box.removeAttribute('aria-busy');
  }
  // The heading takes focus once the screen is painted (unless something else has it by then): focus() forces style
  // and layout, which made the board's render and its first layout one long task.
  const heading = box.querySelector('h1');
  if (heading) afterPaint().then(() => {
    if (mine === routeSeq && [document.body, box].includes(document.activeElement)) { heading.tabIndex = -1; heading.focus({ preventScroll: true }); }
  });
}

// After the next frame is painted (or half a second, since a hidden page paints none).
const afterPaint = () => new Promise((r) => { requestAnimationFrame(() => setTimeout(r)); setTimeout(r, 500); });

export function errorText(err) {
  if (err?.status === 0) return t('offline_unavailable');
  if (err?.status === 404) return t('not_found');
  if (err?.status === 403) return t('forbidden');
  return t('error', { m: err?.message || String(err) });
}

// Fetch JSON and keep a copy for offline use; offline, the copy answers.
export async function cachedGet(path) { return (await lastKnown(path)).data; }

// {data, at}: `at` says when an offline copy was fetched (null: fresh).
export async function lastKnown(path) {
  const r = await api.send('GET', path);
  if (r.status === 200) { await db.cacheSet(path, r.data); return { data: r.data, at: null }; }
  if (r.status === 0) {
    const hit = await db.cacheGet(path);
    if (hit) return { data: hit.value, at: hit.at };
  }
  throw new api.ApiError(r.status, r.code, r.message, r.details);
}

// ---- start ----------------------------------------------------------------------------------------------------

async function start() {
  await setLang((await db.kvGet('lang')) || 'zh-CN');
  const saved = await db.kvGet('session');
  if (saved?.token) { session.user = saved.user; session.token = saved.token; api.setToken(saved.token); }
  renderChrome();
  await refreshUnread(false); // the last known badge at once
  window.addEventListener('hashchange', route);
  // The skip link moves the focus to the screen's content; followed as a link, #main would route to the home screen.
  document.querySelector('a.skip').addEventListener('click', (e) => { e.preventDefault(); main().focus(); });
  // What scrolls into view keeps clear of the sticky tab bar, which wraps onto more rows as tabs are added (app.css).
  const nav = document.getElementById('nav');
  new ResizeObserver(() => document.documentElement.style.setProperty('--nav-h', `${nav.offsetHeight}px`)).observe(nav);
  // Jitter, so that phones reconnecting together do not all ask at once.
  window.addEventListener('online', () => { renderStatus(); syncer.trigger('online'); schedulePoll(Math.random() * 5000); });
  window.addEventListener('offline', () => { renderStatus(); refreshUnread(); });
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) { hiddenAt = Date.now(); return; }
    syncer.trigger('visible');
    schedulePoll(0);
  });
  navigator.serviceWorker?.addEventListener('message', (e) => {
    if (e.data === 'sync') syncer.trigger('background');
    else if (e.data?.open) { location.hash = e.data.open; syncer.trigger('background'); } // a notification was clicked
  });
  await route();
  // A module worker, so Background Sync can drain the outbox with the same code when no page is open.
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js', { type: 'module' }).catch(() => {});
  // On a first visit the modules loaded before the worker took control never went through it, and import() does not
  // fetch a loaded module again: fetch them once more through it, so it keeps the screens and language packs it keeps
  // once fetched (sw.js) and they open offline. Shell modules come from its cache.
  if (navigator.serviceWorker && !navigator.serviceWorker.controller) navigator.serviceWorker.addEventListener('controllerchange', () => {
    for (const e of performance.getEntriesByType('resource')) if (/^\/js\/.+\.js$/.test(new URL(e.name).pathname)) fetch(e.name).catch(() => {});
  }, { once: true });
  // What can wait for the first screen to be painted does: the sync, the poll, the offline copies, the clean-up.
  await afterPaint();
  if (session.user) {
    session.me = (await db.cacheGet('/api/me'))?.value;
    syncer.trigger('start');
    poll();
    prefetch();
  }
  // Ask the browser not to evict the outbox and drafts under storage pressure.
  if (navigator.storage?.persist) {
    const persisted = await navigator.storage.persisted?.();
    if (!persisted) navigator.storage.persist().then((ok) => { db.kvSet('persisted', ok); });
  }
  dropOrphanPhotos().catch(() => {});
}

start().catch((err) => toast(errorText(err), 'error'));
