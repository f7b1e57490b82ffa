// The checklist runner: one draft, autosaved to IndexedDB on every answer, submitted through the outbox.
import { t, pick } from '../i18n.js';
import { h, toast } from '../dom.js';
import * as db from '../db.js';
import { renderChecklist, where } from '../checklist.js';
import { progress, photoIds, submissionAnswers, nonCompliant, sectionProgress, allComply } from '../template.js';
import { shrink, PHOTO_DEFAULTS } from '../photo.js';
import { queue, storePhoto, go, session } from '../app.js';

const urls = new Map();
export async function photoSrc(id) {
  if (urls.has(id)) return urls.get(id);
  const rec = await db.get('blobs', id);
  if (!rec) return null;
  const url = URL.createObjectURL(rec.blob);
  urls.set(id, url);
  return url;
}

// The shrunk copy loses the EXIF, so what the phone knows at capture goes with it (sent as headers): the time, the
// position now for a photo just taken, and whether it was taken now or picked from the gallery (older than 5 min).
export async function addPhoto(file) {
  const settings = { ...PHOTO_DEFAULTS, ...((await db.kvGet('photo')) || {}) };
  const taken = file.lastModified || Date.now();
  const camera = Date.now() - taken < 300e3;
  const pos = camera ? Promise.race([locate().catch(() => null), new Promise((r) => setTimeout(r, 8000, null))]) : null;
  let blob = file;
  try { blob = (await shrink(file, settings)).blob; } catch { /* an image the browser cannot decode goes as taken */ }
  const p = await pos;
  return storePhoto(blob, { at: new Date(taken).toISOString(), origin: camera ? 'camera' : 'gallery',
    pos: p ? `${p.lat.toFixed(6)},${p.lng.toFixed(6)},${Math.round(p.accuracy || 0)}` : null });
}

export function locate() {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) { reject(new Error('no geolocation')); return; }
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lng: p.coords.longitude, accuracy: p.coords.accuracy, at: new Date(p.timestamp).toISOString() }),
      reject, { enableHighAccuracy: true, timeout: 20000, maximumAge: 30000 });
  });
}

// The check-in position is asked for on the tap that starts the inspection (browsers treat asking on load as
// intrusive); the runner picks the answer up when it arrives.
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
    ...(draft.co?.length ? { co_inspector_ids: draft.co } : {}),
  };
}

// The co-inspectors (GET /api/inspectors, kept when the site was opened online), a plan task's other inspector
// preselected; `need`: the server would refuse the submission without one (a task, or a kind the settings name).
async function team(draft, onChange) {
  const kept = (p) => db.cacheGet(p).then((r) => r?.value);
  const opts = (await kept(`/api/inspectors?site_id=${draft.site.id}`)) || [];
  const me = await kept('/api/me');
  const need = !draft.self && (!!draft.task_id || (me?.two_inspectors_kinds || []).includes(draft.site.kind));
  if (!draft.co) {
    const task = draft.task_id && (await kept('/api/plans/tasks'))?.items?.find((x) => x.id === draft.task_id);
    draft.co = (task?.inspectors || []).filter((id) => id !== session.user.id && opts.some((o) => o.user_id === id));
  }
  const el = h('fieldset', { id: 'co-inspectors', hidden: draft.self }, h('legend', {}, t('co_inspectors'), need ? ' *' : ''),
    opts.length ? opts.map((o) => h('label', { class: 'row' }, h('input', { type: 'checkbox', value: o.user_id,
      checked: draft.co.includes(o.user_id), onchange: (e) => {
        draft.co = draft.co.filter((x) => x !== o.user_id).concat(e.target.checked ? [o.user_id] : []);
        onChange();
      } }), o.name, o.certificate_no ? ` · ${o.certificate_no}` : '')) : h('p', { class: 'muted' }, t('co_none')));
  return { el, missing: () => need && !draft.co.length };
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


export async function render({ args }) {
  const draft = await db.get('drafts', args[0]);
  if (!draft) { go(''); return h('p', {}, t('not_found')); }
  if (draft.submitted) { go('outbox'); return h('p', {}, t('submitted')); }
  const secs = draft.template.sections;
  const status = h('span', { class: 'muted', id: 'progress', 'aria-live': 'polite' });
  const saved = h('span', { class: 'ok', id: 'saved', 'aria-live': 'polite' });
  const problems = h('div', { role: 'alert' });
  const titles = [...secs.map((s) => pick(s.title)), t('extra_findings')].map((x, i) => `${i + 1}. ${x}`);
  const jump = h('select', { id: 'jump', 'aria-label': t('sections'), onchange: () => move(+jump.value) },
    titles.map((x, i) => h('option', { value: i }, x)));
  let saving = Promise.resolve();
  // Not once submitted (would resurrect a sent draft).
  const save = () => { saving = saving.then(() => draft.submitted || db.put('drafts', draft)).then(() => { saved.textContent = t('saved'); }); };
  const updateProgress = () => {
    const sp = sectionProgress(draft.template, draft.answers);
    const s = sp.sections[cur];
    status.textContent = t('sections_done', { a: sp.done, n: sp.total }) + (s?.shown ? t('section_answered', { a: s.answered, n: s.shown }) : '');
    sp.sections.forEach((x, i) => { jump.options[i].textContent = titles[i] + (x.shown ? ` · ${x.answered}/${x.shown}${x.done ? ' ✓' : ''}` : ''); });
  };
  const onChange = () => {
    draft.updated_at = new Date().toISOString();
    updateProgress();
    saved.textContent = '';
    save();
  };
  const checkinOut = h('span', { class: 'muted', id: 'checkin' });
  const showCheckin = () => { checkinOut.textContent = draft.checkin ? where(draft.checkin) : ''; };
  const checkin = async () => {
    try { draft.checkin = await locate(); showCheckin(); onChange(); } catch { checkinOut.textContent = t('no_location'); }
  };
  if (!draft.checkin && pendingCheckin) {
    pendingCheckin.then((c) => { if (c && !draft.checkin) { draft.checkin = c; showCheckin(); onChange(); } });
    pendingCheckin = null;
  }
  showCheckin();

  // One section at a time; the others stay rendered (hidden by CSS), so answers and conditions work across them.
  let cur = Math.min(draft.section || 0, secs.length);
  const pages = () => [...body.querySelectorAll('.section')];
  const prev = h('button', { class: 'sec', id: 'prev', onclick: () => move(cur - 1) }, t('prev_section'));
  const next = h('button', { class: 'sec', id: 'next', onclick: () => move(cur + 1) }, t('next_section'));
  const apply = () => {
    pages().forEach((el, i) => el.classList.toggle('cur', i === cur));
    jump.value = cur;
    prev.disabled = !cur;
    next.hidden = cur === secs.length;
    updateProgress();
  };
  async function move(i, el) {
    await form.ready;
    cur = i;
    apply();
    (el || pages()[cur]).scrollIntoView();
    draft.section = cur;
    save();
  }
  const head = (section) => section.items.some((i) => i.type === 'check') && h('button', { class: 'sec',
    'data-comply': section.key, onclick: () => {
      const n = allComply(draft.template, structuredClone(draft.answers), section.key).length;
      if (n && !confirm(t('comply_confirm', { n }))) return;
      form.comply(section.key);
      move(cur + 1);
    } }, t('all_comply'));

  const submit = async () => {
    const p = progress(draft.template, draft.answers);
    const px = progress(extraTemplate(), draft.extra);
    for (const k of ['missing', 'photoMissing', 'invalid']) p[k].push(...px[k]);
    p.complete = p.complete && px.complete;
    problems.textContent = '';
    if (co.missing()) {
      problems.append(h('div', { class: 'error' }, t('co_required')));
      co.el.scrollIntoView();
      return;
    }
    if (!p.complete) {
      const label = ([key]) => pick(secs.flatMap((x) => x.items).find((i) => i.key === key)?.label ?? key);
      problems.append(h('div', { class: 'error' }, [p.missing.length && t('missing_answers', { n: p.missing.length }),
        ...p.invalid.map((x) => `${label(x)}: ${t('invalid_value')}`), ...p.photoMissing.map((x) => t('missing_photo', { item: label(x) }))]
        .filter(Boolean).join('；')));
      const first = p.photoMissing[0] || p.missing[0] || p.invalid[0];
      const el = first && document.getElementById('item-' + first.join('-'));
      if (el) {
        await move(pages().indexOf(el.closest('.section')), el);
        el.querySelector('input,button,textarea,select')?.focus({ preventScroll: true });
      }
      return;
    }
    const found = nonCompliant(draft.template, draft.answers).length + (draft.extra?.extra?.entries?.length || 0);
    if (!confirm(`${t('findings_n', { n: found })}\n${t('submit_confirm')}`)) return;
    await saving;
    // The draft stays (hidden) until the server takes the inspection, so a rejected one can be corrected; marked as
    // submitted in the same write that queues it (the send deletes it). If the phone cannot store that write, nothing
    // of it is kept and the draft stays open to submit again.
    draft.submitted = true;
    try {
      await queue({ id: draft.id, type: 'inspection', method: 'PUT', path: `/api/inspections/${draft.id}`,
        body: inspectionBody(draft), label: `${draft.site.name} · ${pick(draft.template.title)}` },
      [...photoIds(draft.answers), ...photoIds(draft.extra)], [['drafts', draft]]);
    } catch (err) {
      draft.submitted = false;
      toast(t('error', { m: err?.message || String(err) }), 'error');
      return;
    }
    toast(t('submitted'));
    go(draft.self ? '' : `sign/${draft.id}`);
  };

  const co = await team(draft, onChange);
  const form = renderChecklist(draft.template, { answers: draft.answers, onChange, addPhoto, photoSrc, locate, head });
  draft.extra = draft.extra || {};
  const extraForm = renderChecklist(extraTemplate(), { answers: draft.extra, onChange, addPhoto, photoSrc, locate });
  const body = h('div', { class: 'paged' }, form, extraForm);
  apply();
  form.ready.then(apply);
  return h('div', {},
    h('h1', {}, draft.site.name),
    h('p', { class: 'muted' }, pick(draft.template.title), draft.template.version ? ` · v${draft.template.version}` : '', draft.self ? ` · ${t('self_inspection')}` : ''),
    h('div', { class: 'row' }, h('span', {}, t('checkin'), t('colon')), checkinOut, h('button', { class: 'link', onclick: checkin }, t('location_get')),
      h('button', { class: 'link', onclick: async () => {
        if (confirm(t('confirm_delete_draft'))) { await db.del('drafts', draft.id); go(''); }
      } }, t('delete_draft'))),
    co.el,
    jump,
    body,
    h('div', { class: 'sticky-foot' }, status, saved, problems,
      h('div', { class: 'row nav2' }, prev, next, h('button', { id: 'submit', onclick: submit }, t('submit')))));
}
