// One finding: what was found, its history and the actions the caller's role allows, sent through the outbox.
import { t, formatDate, pick, levelName, today } from '../i18n.js';
import { h, field, clear, toast } from '../dom.js';
import * as api from '../api.js';
import { cachedGet, queue, route, outbox, session } from '../app.js';
import { addPhoto, photoSrc, locate } from './run.js';
import { gradePill, statusText, isOverdue } from './parts.js';
import { uuid, waitReason } from '../outbox.js';

// Queue an action and say what became of it: sent when the server took it at once; refused (the outbox screen says
// what to do); else kept, with why it waits (offline, the server busy…) or, not tried yet, that it is on its way.
async function act(box, record, photos) {
  box.querySelectorAll('button').forEach((b) => { b.disabled = true; });
  const left = await (await queue(record, photos)).sent;
  const refused = left?.state === 'rejected';
  const waiting = left && !refused && (left.error ? waitReason(left.error, navigator.onLine) : navigator.onLine ? 'syncing' : 'sync_offline');
  toast(!left ? t('sent') : refused ? t('sync_rejected', { m: left.error?.message || left.error?.code }) : t(waiting), refused ? 'error' : 'info');
  route();
}

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
  return { ids, el: h('div', {}, row, h('label', { class: 'btn sec file-btn' }, input, t('add_photo'))) };
}

async function serverPhotos(ids) {
  const row = h('div', { class: 'photos' });
  for (const id of ids || []) {
    const r = await api.send('GET', `/api/photos/${id}`);
    if (r.status !== 200 || !r.data?.urls) continue;
    // A gallery pick is not proof of what was seen that day: said on the photo, as on the notice.
    const gallery = r.data.origin === 'gallery';
    row.append(h('figure', gallery ? { class: 'gallery' } : {}, h('img', { src: r.data.urls.thumb, alt: t('photo_n', { n: 1 }), loading: 'lazy' }),
      gallery && h('figcaption', {}, t('from_gallery'))));
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
    await act(form, { id: uuid(), type: 'response', method: 'POST', path: `/api/findings/${f.id}/responses`,
      body: { note: note.value.trim(), photos: photos.ids }, label: `${t('respond')} · ${pick(f.title)}` }, photos.ids);
  });
  return form;
}

function extensionForm(f) {
  const date = h('input', { type: 'date', required: true, min: today() });
  const reason = h('textarea', { required: true });
  const form = h('form', { class: 'card', id: 'extension-form' }, h('h2', {}, t('ask_extension')), field(t('new_deadline'), date), field(t('reason'), reason),
    h('button', { type: 'submit', class: 'sec' }, t('send')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!date.value || !reason.value.trim()) return;
    await act(form, { id: uuid(), type: 'extension', method: 'POST', path: `/api/findings/${f.id}/extension`,
      body: { action: 'request', deadline: new Date(`${date.value}T23:59:59+08:00`).toISOString(), reason: reason.value.trim() },
      label: `${t('ask_extension')} · ${pick(f.title)}` });
  });
  return form;
}

function verifyForm(f, allowed) {
  const note = h('textarea', {});
  const photos = photoPicker();
  const send = async (decision) => {
    if (decision === 'reject' && !note.value.trim()) { note.focus(); return; }
    const body = { decision, note: note.value.trim(), photos: photos.ids };
    if (decision === 'recheck') {
      try { const p = await locate(); body.location = { lat: p.lat, lng: p.lng, accuracy_m: p.accuracy }; } catch { /* the server asks for it */ }
    }
    await act(box, { id: uuid(), type: 'verification', method: 'POST', path: `/api/findings/${f.id}/verification`, body,
      label: `${t('verify')} · ${pick(f.title)}` }, photos.ids);
  };
  const box = h('div', { class: 'card', id: 'verify-form' }, h('h2', {}, t('verify')), field(t('note'), note), photos.el,
    h('div', { class: 'row' },
      allowed.includes('recheck') ? h('button', { type: 'button', class: 'sec', id: 'recheck', onclick: () => send('recheck') }, t('recheck')) : null,
      allowed.includes('accept') ? h('button', { type: 'button', id: 'accept', onclick: () => send('accept') }, t('accept')) : null,
      allowed.includes('reject') ? h('button', { type: 'button', class: 'danger', id: 'reject', onclick: () => send('reject') }, t('reject')) : null));
  return box;
}

function decideExtension(f, allowed) {
  const reason = h('textarea', {});
  const send = async (action) => {
    if (action === 'refuse' && !reason.value.trim()) { reason.focus(); return; }
    await act(box, { id: uuid(), type: 'extension', method: 'POST', path: `/api/findings/${f.id}/extension`, body: { action, reason: reason.value.trim() },
      label: `${t('ask_extension')} · ${pick(f.title)}` });
  };
  // A major hazard's inspector proposes; a supervisor approves.
  const button = (action, label, cls) => allowed.includes(`${action}_extension`) ? h('button', { type: 'button', class: cls, onclick: () => send(action) }, t(label)) : null;
  const box = h('div', { class: 'card' }, h('h2', {}, t('ask_extension')),
    h('p', {}, t('new_deadline'), t('colon'), formatDate(f.requested_deadline)), field(t('reason'), reason),
    h('div', { class: 'row' }, button('approve', 'approve'), button('propose', 'propose'), button('refuse', 'refuse', 'danger')));
  return box;
}

function listingForm(f) {
  const reason = h('textarea', {});
  const send = async (decision) => {
    if (decision === 'decline' && !reason.value.trim()) { reason.focus(); return; }
    await act(box, { id: uuid(), type: 'listing', method: 'POST', path: `/api/findings/${f.id}/listing`, body: { decision, reason: reason.value.trim() },
      label: `${t('listing_title')} · ${pick(f.title)}` });
  };
  const box = h('div', { class: 'card', id: 'listing-form' }, h('h2', {}, t('listing_title')), field(t('reason'), reason),
    h('div', { class: 'row' }, h('button', { type: 'button', onclick: () => send('confirm') }, t('listing_confirm')),
      h('button', { type: 'button', class: 'danger', onclick: () => send('decline') }, t('listing_decline'))));
  return box;
}

// A major hazard's 五到位 rectification plan: the one in force, read-only for everyone who sees the finding.
const PLAN_PARTS = [['measures', 'plan_measures'], ['responsible', 'plan_responsible'], ['funds', 'plan_funds'],
  ['complete_by', 'plan_complete_by'], ['contingency', 'plan_contingency']];

function planCard(detail) {
  const plans = detail.plans || [];
  const due = detail.plan_due;
  const last = plans[plans.length - 1];
  const late = (at) => due && Date.parse(at) > Date.parse(due);
  if (!last) {
    const overdue = due && Date.now() > Date.parse(due);
    return h('div', { class: 'card', id: 'plan' }, h('h2', {}, t('plan_title')),
      h('p', { class: overdue ? 'pill late' : 'muted', id: 'plan-due' }, t(overdue ? 'plan_overdue' : 'plan_due', { d: formatDate(due, true) })));
  }
  return h('div', { class: 'card', id: 'plan' }, h('h2', {}, t('plan_title')),
    h('p', { class: 'muted' }, last.by_name, ' · ', formatDate(last.at, true), plans.length > 1 ? ` · ${t('plan_revision', { n: plans.length })}` : '',
      late(plans[0].at) ? h('span', { class: 'pill late' }, t('plan_late')) : null),
    h('dl', { id: 'plan-parts' }, PLAN_PARTS.map(([k, label]) => [h('dt', {}, t(label)),
      h('dd', { 'data-part': k }, k === 'complete_by' ? formatDate(last[k]) : last[k])])));
}

// The site's manager submits the plan (or revises the one in force) within the 7 days after the hazard was found.
function planForm(f, detail) {
  const last = (detail.plans || []).slice(-1)[0];
  const area = (name) => h('textarea', { name, id: `plan-${name}`, required: true, maxlength: 2000 }, last?.[name] || '');
  const line = (name, max) => h('input', { name, id: `plan-${name}`, required: true, maxlength: max, value: last?.[name] || '' });
  const measures = area('measures');
  const responsible = line('responsible', 100);
  const funds = line('funds', 500);
  const completeBy = h('input', { type: 'date', name: 'complete_by', id: 'plan-complete_by', required: true,
    min: today(), value: last ? last.complete_by.slice(0, 10) : '' });
  const contingency = area('contingency');
  const form = h('form', { class: 'card', id: 'plan-form' }, h('h2', {}, last ? t('plan_revise') : t('plan_submit')),
    detail.plan_due ? h('p', { class: 'muted', id: 'plan-form-due' }, t('plan_due', { d: formatDate(detail.plan_due, true) })) : null,
    field(t('plan_measures'), measures), field(t('plan_responsible'), responsible), field(t('plan_funds'), funds),
    field(t('plan_complete_by'), completeBy), field(t('plan_contingency'), contingency),
    h('button', { type: 'submit', class: 'big', id: 'plan-send' }, t('send')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const empty = [measures, responsible, funds, completeBy, contingency].find((c) => !c.value.trim());
    if (empty) { empty.focus(); return; }
    await act(form, { id: uuid(), type: 'plan', method: 'POST', path: `/api/findings/${f.id}/plan`,
      body: { measures: measures.value.trim(), responsible: responsible.value.trim(), funds: funds.value.trim(),
        complete_by: new Date(`${completeBy.value}T23:59:59+08:00`).toISOString(), contingency: contingency.value.trim() },
      label: `${t('plan_title')} · ${pick(f.title)}` });
  });
  return form;
}

function eventText(action) {
  const key = 'ev_' + String(action).replace(/\./g, '_');
  return t(key) === key ? action : t(key);
}

function historyList(events) {
  return h('ol', { id: 'history' }, events.map((ev) => h('li', {},
    h('span', { class: 'muted' }, formatDate(ev.at, true)), ' ', ev.actor_display_name || (ev.actor_id ? ev.actor_name : t('system')), ' · ', eventText(ev.action),
    ev.after?.note || ev.after?.reason ? ` — ${ev.after.note || ev.after.reason}` : '')));
}

export async function render({ args }) {
  const detail = await cachedGet(`/api/findings/${args[0]}`);
  const f = detail.finding || detail;
  const allowed = f.allowed_actions || [];
  const out = h('div', {}, h('h1', {}, pick(f.title)),
    h('div', { class: 'row' }, gradePill(f.grade), h('span', { class: 'pill', id: 'finding-status', 'data-status': f.status }, statusText(f.status)),
      h('span', { class: isOverdue(f) ? 'pill late' : 'muted' }, t('deadline', { d: formatDate(f.deadline) })),
      f.escalation_level ? h('span', { class: 'pill late' }, levelName(f.escalation_level)) : null,
      f.self_reported ? h('span', { class: 'pill' }, t('self_reported')) : null),
    h('p', {}, h('a', { href: `#/site/${f.site_id}` }, f.site_name || t('site'))),
    f.description ? h('p', {}, f.description) : null,
    f.basis ? h('p', { class: 'basis' }, t('basis'), t('colon'), pick(f.basis)) : null,
    f.last_reason ? h('p', { class: 'error' }, t('reason'), t('colon'), f.last_reason) : null);
  if (navigator.onLine) out.append(await serverPhotos(f.photos));
  for (const r of detail.responses || []) {
    out.append(h('div', { class: 'card' }, h('h3', {}, t('respond'), ' · ', r.by_name, ' · ', formatDate(r.at, true)), h('p', {}, r.note),
      navigator.onLine ? await serverPhotos(r.photos) : null));
  }
  // Not yet submitted, the manager's form says when it is due; everyone else sees that here.
  if (f.grade === 'major' && (detail.plans?.length || (detail.plan_due && !allowed.includes('submit_plan')))) out.append(planCard(detail));
  if (f.inspection_id) {
    const docs = h('div', {});
    out.append(h('p', {}, h('a', { href: `/api/inspections/${f.inspection_id}/notice`, target: '_blank', rel: 'noopener', id: 'notice-link' }, t('print_notice')),
      session.user.role === 'inspector' && !f.self_reported ? [' · ', h('a', { href: `#/sign/${f.inspection_id}`, id: 'sign-link' }, t('nav_sign'))] : null), docs);
    if (!f.self_reported) import('../sign/docs.js').then((m) => docs.append(m.documents(f))).catch(() => {});
  }
  const pending = (await outbox.list()).filter((i) => i.path?.startsWith(`/api/findings/${f.id}/`));
  if (pending.length) out.append(h('p', { class: 'muted', id: 'finding-pending' }, t('outbox_waiting', { n: pending.length })));
  else {
    if (allowed.includes('respond')) out.append(respondForm(f));
    if (allowed.includes('request_extension')) out.append(extensionForm(f));
    if (['recheck', 'accept', 'reject'].some((a) => allowed.includes(a))) out.append(verifyForm(f, allowed));
    if (['approve_extension', 'propose_extension', 'refuse_extension'].some((a) => allowed.includes(a))) out.append(decideExtension(f, allowed));
    if (allowed.includes('confirm_listing')) out.append(listingForm(f));
    if (allowed.includes('submit_plan') && f.status !== 'closed') out.append(planForm(f, detail));
  }
  const hist = h('section', {}, h('h2', {}, t('history')));
  out.append(hist);
  try {
    hist.append(historyList(await cachedGet(`/api/findings/${f.id}/history`)));
  } catch { clear(hist); }
  return out;
}
