// The checklist runner: one draft, autosaved to IndexedDB on every answer, submitted through the outbox.
import { t, pick } from '../i18n.js';
import { h, toast } from '../dom.js';
import * as db from '../db.js';
import { renderChecklist } from '../checklist.js';
import { progress, photoIds, submissionAnswers, itemText, nonCompliant } from '../template.js';
import { shrink, PHOTO_DEFAULTS } from '../photo.js';
import { queue, storePhoto, go } from '../app.js';

const urls = new Map();
export async function photoSrc(id) {
  if (urls.has(id)) return urls.get(id);
  const rec = await db.get('blobs', id);
  if (!rec) return null;
  const url = URL.createObjectURL(rec.blob);
  urls.set(id, url);
  return url;
}

export async function addPhoto(file) {
  const settings = { ...PHOTO_DEFAULTS, ...((await db.kvGet('photo')) || {}) };
  let blob = file;
  try { blob = (await shrink(file, settings)).blob; } catch { /* an image the browser cannot decode goes as taken */ }
  return storePhoto(blob);
}

export function locate() {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) { reject(new Error('no geolocation')); return; }
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lng: p.coords.longitude, accuracy: p.coords.accuracy, at: new Date(p.timestamp).toISOString() }),
      reject, { enableHighAccuracy: true, timeout: 20000, maximumAge: 30000 });
  });
}

// The check-in position is asked for on the user's tap that starts the inspection (not on page load, which
// browsers treat as intrusive); the runner picks the answer up when it arrives.
let pendingCheckin = null;
export function beginCheckin() { pendingCheckin = locate().catch(() => null); }

// The inspection as PUT /api/inspections/{uuid} takes it.
export function inspectionBody(draft) {
  const c = draft.checkin;
  return {
    site_id: draft.site.id,
    template_key: draft.template.key,
    template_version: draft.template.version,
    status: 'submitted',
    answers: submissionAnswers(draft.template, draft.answers),
    extra_findings: submissionAnswers(extraTemplate(), draft.extra || {}).extra || [],
    checkin: c ? { lat: c.lat, lng: c.lng, accuracy_m: c.accuracy ?? null } : null,
    device_started_at: draft.started_at,
    device_submitted_at: new Date().toISOString(),
    ...(draft.task_id ? { task_id: draft.task_id } : {}),
  };
}

// Hazards no checklist item covers, entered like a repeat group and sent as the API's extra_findings.
export function extraTemplate() {
  return { key: 'extra', sections: [{ key: 'extra', title: t('extra_findings'), items: [{ key: 'extra', type: 'repeat', label: t('extra_hint'),
    entry_label: t('extra_one'), items: [
      { key: 'title', type: 'text', label: t('extra_title'), required: true },
      { key: 'grade', type: 'choice', label: t('extra_grade'), required: true,
        options: [{ value: 'general', label: t('grade_general') }, { value: 'major', label: t('grade_major') }] },
      { key: 'description', type: 'text', label: t('extra_description') },
      { key: 'deadline_days', type: 'number', label: t('deadline_days'), min: 1, max: 30, integer: true },
      { key: 'photos', type: 'photo', label: t('add_photo') },
    ] }] }] };
}

function findItem(template, key) {
  for (const s of template.sections || []) for (const i of s.items || []) if (i.key === key) return i;
  return null;
}

export async function render({ args }) {
  const draft = await db.get('drafts', args[0]);
  if (!draft) { go(''); return h('p', {}, t('not_found')); }
  if (draft.submitted) { go('outbox'); return h('p', {}, t('submitted')); }
  const status = h('span', { class: 'muted', id: 'progress', 'aria-live': 'polite' });
  const saved = h('span', { class: 'ok', id: 'saved', 'aria-live': 'polite' });
  const problems = h('div', { role: 'alert' });
  let saving = Promise.resolve();
  const updateProgress = () => {
    const p = progress(draft.template, draft.answers);
    status.textContent = t('answered', { a: p.answered, n: p.total });
    return p;
  };
  const onChange = () => {
    draft.updated_at = new Date().toISOString();
    updateProgress();
    saved.textContent = '';
    saving = saving.then(() => db.put('drafts', draft)).then(() => { saved.textContent = t('saved'); });
  };
  const checkinOut = h('span', { class: 'muted', id: 'checkin' });
  const showCheckin = () => {
    const c = draft.checkin;
    checkinOut.textContent = c ? t('location_value', { lat: c.lat.toFixed(5), lng: c.lng.toFixed(5), acc: Math.round(c.accuracy || 0) }) : '';
  };
  const checkin = async () => {
    try { draft.checkin = await locate(); showCheckin(); onChange(); } catch { checkinOut.textContent = t('no_location'); }
  };
  if (!draft.checkin && pendingCheckin) {
    pendingCheckin.then((c) => { if (c && !draft.checkin) { draft.checkin = c; showCheckin(); onChange(); } });
    pendingCheckin = null;
  }
  showCheckin();

  const submit = async () => {
    const p = updateProgress();
    const px = progress(extraTemplate(), draft.extra);
    for (const k of ['missing', 'photoMissing', 'invalid']) p[k].push(...px[k]);
    p.complete = p.complete && px.complete;
    problems.textContent = '';
    if (!p.complete) {
      const lines = [];
      if (p.missing.length) lines.push(t('missing_answers', { n: p.missing.length }));
      for (const path of p.invalid) lines.push(`${pick(itemText(findItem(draft.template, path[0]) || { key: path[0] }))}: ${t('invalid_value')}`);
      for (const path of p.photoMissing) lines.push(t('missing_photo', { item: pick(itemText(findItem(draft.template, path[0]) || { key: path[0] })) }));
      problems.append(h('div', { class: 'error' }, lines.join('；')));
      const first = p.photoMissing[0] || p.missing[0] || p.invalid[0];
      const el = first && document.getElementById('item-' + first.join('-'));
      if (el) { el.scrollIntoView({ block: 'center' }); el.querySelector('input,button,textarea,select')?.focus(); }
      return;
    }
    const found = nonCompliant(draft.template, draft.answers).length + (draft.extra?.extra?.entries?.length || 0);
    if (!confirm(`${t('findings_n', { n: found })}\n${t('submit_confirm')}`)) return;
    await saving;
    await queue({ id: draft.id, type: 'inspection', method: 'PUT', path: `/api/inspections/${draft.id}`,
      body: inspectionBody(draft), label: `${draft.site.name} · ${pick(draft.template.title)}` },
    [...photoIds(draft.answers), ...photoIds(draft.extra)]);
    // The draft stays (hidden) until the server takes the inspection, so a rejected one can be corrected.
    draft.submitted = true;
    await db.put('drafts', draft);
    toast(t('submitted'));
    go('');
  };

  const form = renderChecklist(draft.template, { answers: draft.answers, onChange, addPhoto, photoSrc, locate });
  draft.extra = draft.extra || {};
  const extraForm = renderChecklist(extraTemplate(), { answers: draft.extra, onChange, addPhoto, photoSrc, locate });
  updateProgress();
  return h('div', {},
    h('h1', {}, draft.site.name),
    h('p', { class: 'muted' }, pick(draft.template.title), draft.template.version ? ` · v${draft.template.version}` : '', draft.self ? ` · ${t('self_inspection')}` : ''),
    h('div', { class: 'row' }, h('span', {}, t('checkin'), '：'), checkinOut, h('button', { type: 'button', class: 'link', onclick: checkin }, t('location_get')),
      h('button', { type: 'button', class: 'link', onclick: async () => {
        if (confirm(t('confirm_delete_draft'))) { await db.del('drafts', draft.id); go(''); }
      } }, t('delete_draft'))),
    form,
    extraForm,
    h('div', { class: 'sticky-foot' }, status, saved, problems,
      h('button', { type: 'button', id: 'submit', onclick: submit }, t('submit'))));
}
