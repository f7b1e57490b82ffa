import { t, formatDate } from '../i18n.js';
import { h, field, toast } from '../dom.js';
import * as db from '../db.js';
import { PHOTO_DEFAULTS } from '../photo.js';
import { outbox, syncer, route } from '../app.js';
import { waitReason } from '../outbox.js';

const TYPE = { photo: 'add_photo', inspection: 'start_inspection', patrol: 'nav_patrol', response: 'respond',
  extension: 'ask_extension', verification: 'verify', read: 'mark_read' };

// What a person must do about a refused item (a 4xx); anything else is retried by itself and says why it waits.
const ADVICE = { other_user: 'do_login', photo_lost: 'do_discard', 404: 'do_discard', 409: 'do_discard' };
function why(i) {
  const e = i.error;
  if (i.state === 'rejected') {
    return h('div', { class: 'error' }, t('sync_rejected', { m: e.message || e.code }), ' ',
      t(ADVICE[e.code] || ADVICE[e.status] || 'do_fix', { u: i.user }));
  }
  const key = waitReason(e, navigator.onLine);
  return h('div', { class: 'muted', 'data-why': key }, t(key));
}

// A rejected inspection goes back to its draft; the outbox copy is dropped (its photos stay queued).
async function reopen(item) {
  const draft = await db.get('drafts', item.id);
  if (!draft) return;
  draft.submitted = false;
  await db.put('drafts', draft);
  await outbox.discard(item.id);
  location.hash = `#/run/${draft.id}`;
}

export async function render() {
  const items = await outbox.list();
  const list = h('ul', { class: 'list', id: 'outbox-list' }, items.map((i) => h('li', { class: i.state === 'rejected' ? 'tier-red' : '' },
    h('div', { class: 'q' }, i.label || t(TYPE[i.type] || i.type)),
    // Attempts count only when the server answered (offline, they count looks for a network).
    h('div', { class: 'muted' }, formatDate(i.created_at, true), i.attempts && i.error?.status ? ` · ×${i.attempts}` : ''),
    i.error ? why(i) : null,
    Array.isArray(i.error?.details) ? h('ul', { class: 'error' }, i.error.details.map((d) => h('li', {}, [d.item || d.field, d.message].filter(Boolean).join(t('colon'))))) : null,
    i.state === 'rejected' && i.type === 'inspection' ? h('button', { type: 'button', class: 'sec', onclick: () => reopen(i) }, t('correct_draft')) : null,
    i.state === 'rejected' ? h('div', { class: 'row' },
      h('button', { type: 'button', class: 'sec', onclick: async () => { await outbox.retry(i.id); await syncer.trigger('manual'); route(); } }, t('retry')),
      h('button', { type: 'button', class: 'danger', onclick: async () => { if (confirm(t('confirm_discard'))) {
        await outbox.discard(i.id);
        if (i.type === 'inspection') await db.del('drafts', i.id);
        route();
      } } }, t('discard'))) : null)));
  // How far photos are shrunk on this phone before they are queued (2560 px by default).
  const current = { ...PHOTO_DEFAULTS, ...((await db.kvGet('photo')) || {}) };
  const size = h('select', { name: 'photo-size' }, [1280, 1600, 2048, 2560, 4096].map((n) =>
    h('option', { value: n, selected: n === current.maxSide }, t('photo_px', { n }))));
  size.addEventListener('change', async () => { await db.kvSet('photo', { ...current, maxSide: Number(size.value) }); toast(t('saved')); });
  const persisted = await db.kvGet('persisted');
  return h('div', {}, h('h1', {}, t('nav_outbox')),
    persisted === false ? h('p', { class: 'muted' }, t('storage_persist_denied')) : null,
    items.length ? list : h('p', {}, t('outbox_empty')),
    h('button', { type: 'button', id: 'sync-now', onclick: async () => { await syncer.trigger('manual'); route(); } }, t('sync_now')),
    h('section', { class: 'card' }, field(t('photo_size'), size)));
}
