// One finding: what was found, its history, and the actions the caller's role allows (respond, ask for more
// time, verify). Actions go through the outbox so they work offline too.
import { t, formatDate, pick } from '../i18n.js';
import { h, field, clear, toast } from '../dom.js';
import * as api from '../api.js';
import { cachedGet, queue, session, route } from '../app.js';
import { addPhoto, photoSrc, locate } from './run.js';
import { gradePill, statusText, isOverdue } from './parts.js';
import { uuid } from '../outbox.js';

function photoPicker() {
  const ids = [];
  const row = h('div', { class: 'photos' });
  const input = h('input', { type: 'file', accept: 'image/*', capture: 'environment' });
  input.addEventListener('change', async () => {
    for (const f of input.files) {
      const id = await addPhoto(f);
      ids.push(id);
      const img = h('img', { alt: t('photo_n', { n: ids.length }), 'data-photo': id });
      photoSrc(id).then((src) => { if (src) img.src = src; });
      row.append(h('figure', {}, img));
    }
    input.value = '';
  });
  return { ids, el: h('div', {}, row, h('label', { class: 'btn sec file-btn' }, input, '📷 ', t('add_photo'))) };
}

async function serverPhotos(ids) {
  const row = h('div', { class: 'photos' });
  for (const id of ids || []) {
    const r = await api.send('GET', `/api/photos/${id}`);
    if (r.status === 200 && r.data?.urls) row.append(h('figure', {}, h('img', { src: r.data.urls.thumb, alt: t('photo_n', { n: 1 }), loading: 'lazy' })));
  }
  return row;
}

function respondForm(f) {
  const note = h('textarea', { required: true, name: 'note' });
  const photos = photoPicker();
  const form = h('form', { class: 'card', id: 'respond-form' }, h('h2', {}, t('respond')), field(t('response_note'), note), photos.el,
    h('button', { type: 'submit', class: 'big' }, t('send')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!note.value.trim()) { note.focus(); return; }
    await queue({ id: uuid(), type: 'response', method: 'POST', path: `/api/findings/${f.id}/responses`,
      body: { note: note.value.trim(), photos: photos.ids }, label: `${t('respond')} · ${f.title}` }, photos.ids);
    toast(t('queued'));
    route();
  });
  return form;
}

function extensionForm(f) {
  const date = h('input', { type: 'date', required: true, min: new Date().toISOString().slice(0, 10) });
  const reason = h('textarea', { required: true });
  const form = h('form', { class: 'card', id: 'extension-form' }, h('h2', {}, t('ask_extension')), field(t('new_deadline'), date), field(t('reason'), reason),
    h('button', { type: 'submit', class: 'sec' }, t('send')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!date.value || !reason.value.trim()) return;
    await queue({ id: uuid(), type: 'extension', method: 'POST', path: `/api/findings/${f.id}/extension`,
      body: { action: 'request', requested_deadline: new Date(`${date.value}T23:59:59+08:00`).toISOString(), reason: reason.value.trim() },
      label: `${t('ask_extension')} · ${f.title}` });
    toast(t('queued'));
    route();
  });
  return form;
}

function verifyForm(f) {
  const note = h('textarea', {});
  const photos = photoPicker();
  const send = async (decision) => {
    if (decision === 'reject' && !note.value.trim()) { note.focus(); return; }
    const body = { decision, note: note.value.trim(), photos: photos.ids };
    if (decision === 'recheck') {
      try { const p = await locate(); body.lat = p.lat; body.lng = p.lng; } catch { /* the position is optional */ }
    }
    await queue({ id: uuid(), type: 'verification', method: 'POST', path: `/api/findings/${f.id}/verification`, body,
      label: `${t('verify')} · ${f.title}` }, photos.ids);
    toast(t('queued'));
    route();
  };
  const needsRecheck = f.grade === 'major' && !f.rechecked_at;
  return h('div', { class: 'card', id: 'verify-form' }, h('h2', {}, t('verify')), field(t('note'), note), photos.el,
    h('div', { class: 'row' },
      needsRecheck ? h('button', { type: 'button', class: 'sec', id: 'recheck', onclick: () => send('recheck') }, t('recheck')) : null,
      h('button', { type: 'button', id: 'accept', onclick: () => send('accept') }, t('accept')),
      h('button', { type: 'button', class: 'danger', id: 'reject', onclick: () => send('reject') }, t('reject'))));
}

function decideExtension(f) {
  const send = async (action) => {
    await queue({ id: uuid(), type: 'extension', method: 'POST', path: `/api/findings/${f.id}/extension`, body: { action },
      label: `${t('ask_extension')} · ${f.title}` });
    toast(t('queued'));
    route();
  };
  return h('div', { class: 'card' }, h('h2', {}, t('ask_extension')),
    h('p', {}, t('new_deadline'), '：', formatDate(f.requested_deadline)),
    h('div', { class: 'row' }, h('button', { type: 'button', onclick: () => send('approve') }, t('approve')),
      h('button', { type: 'button', class: 'danger', onclick: () => send('refuse') }, t('refuse'))));
}

export async function render({ args }) {
  const f = await cachedGet(`/api/findings/${args[0]}`);
  const role = session.user.role;
  const out = h('div', {}, h('h1', {}, f.title),
    h('div', { class: 'row' }, gradePill(f.grade), h('span', { class: 'pill', id: 'finding-status' }, statusText(f.status)),
      h('span', { class: isOverdue(f) ? 'pill late' : 'muted' }, t('deadline', { d: formatDate(f.deadline) })),
      f.escalation_level ? h('span', { class: 'pill late' }, t('level_n', { n: f.escalation_level })) : null),
    h('p', {}, h('a', { href: `#/site/${f.site_id}` }, f.site_name || t('site'))),
    f.description ? h('p', {}, f.description) : null,
    f.basis ? h('p', { class: 'basis' }, t('basis'), '：', pick(f.basis)) : null,
    f.last_reason ? h('p', { class: 'error' }, t('reason'), '：', f.last_reason) : null);
  if (navigator.onLine) out.append(await serverPhotos(f.photos));
  if (f.inspection_id) {
    out.append(h('p', {}, h('a', { href: `/api/inspections/${f.inspection_id}/notice`, target: '_blank', rel: 'noopener' }, t('print_notice'))));
  }
  const pending = (await (await import('../app.js')).outbox.list()).filter((i) => i.path?.startsWith(`/api/findings/${f.id}/`));
  if (pending.length) out.append(h('p', { class: 'muted', id: 'finding-pending' }, t('outbox_waiting', { n: pending.length })));
  if (f.status !== 'closed') {
    if (role === 'manager') {
      out.append(respondForm(f));
      if (f.extension_status !== 'requested') out.append(extensionForm(f));
    }
    if (['inspector', 'supervisor'].includes(role)) {
      if (f.status === 'responded') out.append(verifyForm(f));
      if (f.extension_status === 'requested') out.append(decideExtension(f));
    }
  }
  const hist = h('section', {}, h('h2', {}, t('history')));
  out.append(hist);
  try {
    const data = await cachedGet(`/api/findings/${f.id}/history`);
    hist.append(h('ol', { id: 'history' }, (data.items || data).map((ev) => h('li', {},
      h('span', { class: 'muted' }, formatDate(ev.at || ev.created_at, true)), ' ', ev.actor_name || ev.actor || '', ' · ',
      ev.action, ev.note || ev.after?.note ? ` — ${ev.note || ev.after?.note}` : ''))));
  } catch { clear(hist); }
  return out;
}
