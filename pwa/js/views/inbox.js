// The inbox. Reading one works offline (queued in the outbox, counted at once); "mark all read" needs the network:
// sent later, it would also mark what arrived meanwhile unseen. System notifications are asked for only here.
import { t, formatDate, noteTitle } from '../i18n.js';
import { h, field, toast } from '../dom.js';
import * as api from '../api.js';
import * as db from '../db.js';
import { cachedGet, queue, refreshUnread, unreadNow, route, go, session } from '../app.js';
import { notificationLink } from '../notify.js';

const PREFS = '/api/notifications/preferences';

// A kind this version does not know yet is named by the server's (Chinese) label.
const kindName = (k, labels) => { const s = t('nk_' + k); return s === 'nk_' + k ? labels[k] || k : s; };
const fail = (r) => toast(r.status ? t('error', { m: r.message }) : t('offline_unavailable'), 'error');

// Offline, a filter not used online before filters the last full list.
const load = (p) => cachedGet(api.query('/api/notifications', { limit: 100, kind: p.kind, unread: p.unread && 'true' })).catch(async (err) => {
  const all = await db.cacheGet('/api/notifications?limit=100');
  if (err.status || !all) throw err;
  return { items: all.value.items.filter((n) => !p.kind || n.kind === p.kind) };
});

const read = (n) => queue({ id: `read-${session.user.username}-${n.id}`, nid: n.id, type: 'read', method: 'POST',
  path: `/api/notifications/${n.id}/read`, label: `${t('mark_read')} · ${noteTitle(n)}` }).then(() => refreshUnread());

function alerts() {
  const p = globalThis.Notification?.permission;
  if (!p || p === 'granted') return null;
  // The browser remembers a refusal; the app never asks by itself.
  if (p === 'denied') return h('p', { class: 'muted', id: 'alerts-denied' }, t('alerts_denied'));
  return h('button', { type: 'button', class: 'sec', id: 'alerts-on', onclick: async () => { await Notification.requestPermission(); route(); } }, t('alerts_on'));
}

function settings(prefs, labels) {
  const muted = new Set(prefs.muted);
  const boxes = prefs.kinds.map((k) => h('input', { type: 'checkbox', name: k.kind, checked: k.required || !muted.has(k.kind), disabled: k.required }));
  const form = h('form', { id: 'inbox-prefs' }, h('p', { class: 'muted' }, t('mute_hint')),
    prefs.kinds.map((k, i) => h('label', { class: 'check' }, boxes[i], h('span', {}, kindName(k.kind, labels),
      k.required ? h('small', { class: 'muted' }, ' · ', t('kind_required')) : null))),
    h('button', { type: 'submit' }, t('save')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api.send('PUT', PREFS, { json: { muted: prefs.kinds.filter((k, i) => !k.required && !boxes[i].checked).map((k) => k.kind) } });
    if (r.status !== 200) return fail(r);
    await db.cacheSet(PREFS, r.data);
    toast(t('saved_ok'));
  });
  return h('details', { class: 'card', id: 'inbox-settings' }, h('summary', {}, t('inbox_settings')), form);
}

export async function render({ params }) {
  const prefs = await cachedGet(PREFS).catch(() => null);
  const labels = Object.fromEntries((prefs?.kinds || []).map((k) => [k.kind, k.label]));
  const pending = new Set((await db.all('outbox')).filter((i) => i.type === 'read').map((i) => i.nid));
  const isUnread = (n) => !n.read_at && !pending.has(n.id);
  const rows = ((await load(params)).items || []).filter((n) => !params.unread || isUnread(n));

  const kind = h('select', { name: 'kind' }, h('option', { value: '' }, t('status_all')),
    (prefs?.kinds || []).map((k) => h('option', { value: k.kind, selected: params.kind === k.kind }, kindName(k.kind, labels))));
  const only = h('input', { type: 'checkbox', name: 'unread', checked: !!params.unread });
  const apply = () => go(api.query('inbox', { kind: kind.value, unread: only.checked ? 1 : '' }));
  kind.addEventListener('change', apply);
  only.addEventListener('change', apply);

  const b = unreadNow();
  const list = h('ul', { class: 'list', id: 'inbox' }, rows.map((n) => {
    const unread = isUnread(n);
    const link = notificationLink(n);
    return h('li', { class: unread ? 'unread tier-orange' : '', 'data-id': n.id, 'data-kind': n.kind },
      link ? h('a', { class: 'main', href: link, onclick: () => { if (unread) read(n); } }, noteTitle(n)) : h('div', { class: 'q' }, noteTitle(n)),
      h('div', { class: 'row' }, h('span', { class: 'pill' }, kindName(n.kind, labels)), h('span', { class: 'muted' }, formatDate(n.created_at, true)),
        unread ? h('button', { type: 'button', class: 'link', onclick: () => read(n).then(route) }, t('mark_read')) : null));
  }));
  return h('div', {}, h('h1', {}, t('inbox_title')),
    b ? h('p', { class: 'muted', id: 'inbox-count' }, t('unread', { n: b.n }), b.stale ? ` · ${t('as_of', { t: formatDate(b.at, true) })}` : '') : null,
    h('div', { class: 'row' }, alerts(), h('button', { type: 'button', class: 'sec', id: 'read-all', disabled: !navigator.onLine || !b?.n,
      title: navigator.onLine ? null : t('offline_unavailable'), onclick: async () => {
        const r = await api.send('POST', '/api/notifications/read-all');
        if (r.status !== 200) return fail(r);
        await refreshUnread();
        route();
      } }, t('read_all'))),
    h('div', { class: 'row' }, h('div', { class: 'grow' }, field(t('inbox_kind'), kind)), h('label', { class: 'check' }, only, t('unread_only'))),
    rows.length ? list : h('p', {}, t('inbox_empty')),
    prefs ? settings(prefs, labels) : null);
}
