// Patrol mode: start a patrol in a zone, add the people met with large buttons, record the track while the app is
// open, answer the patrol's own checklist items, end it. Options come from the street-patrol template (the same
// one the server validates against); the whole patrol goes through the outbox as one idempotent PUT.
import { t, formatDate, pick, getLang } from '../i18n.js';
import { h, field, clear, toast } from '../dom.js';
import * as db from '../db.js';
import { cachedGet, queue, session, route } from '../app.js';
import { uuid } from '../outbox.js';
import { renderChecklist, photosEl } from '../checklist.js';
import { progress, submissionAnswers, photoIds } from '../template.js';
import { addPhoto, photoSrc, locate } from './run.js';

const KEY = 'street_patrol';
// Template items the API takes as typed fields (patrols/schemas.py), or fills itself.
const TYPED = ['team', 'warning_level', 'encounters', 'place_types', 'weather'];
const AUTO = ['night_patrol', 'people_met'];
const FLAG = { minor: 'is_minor', elderly: 'is_elderly', disabled: 'is_disabled', mental_illness: 'suspected_mental_illness',
  critically_ill: 'critically_ill' };
const MINOR_BANDS = ['age_under_14', 'age_14_17']; // rules.MINOR_BANDS

let watchId = null;

export function findItem(tpl, key) {
  for (const s of tpl.sections) for (const i of s.items) { if (i.key === key) return i; for (const j of i.items || []) if (j.key === key) return j; }
  return null;
}
const opts = (tpl, key) => (findItem(tpl, key)?.options || []).map((o) => ({ value: o.value, label: pick(o.label) }));

// The patrol-level items a person answers at the end (everything but the typed and automatic ones).
export function endTemplate(tpl) {
  const keep = (i) => !TYPED.includes(i.key) && !AUTO.includes(i.key) && i.type !== 'repeat';
  return { ...tpl, sections: tpl.sections.map((s) => ({ ...s, items: s.items.filter(keep) })).filter((s) => s.items.length) };
}

function startTracking(patrol) {
  if (watchId !== null || !navigator.geolocation) return;
  watchId = navigator.geolocation.watchPosition(async (p) => {
    const last = patrol.track[patrol.track.length - 1];
    if (last && p.timestamp - Date.parse(last.t) < 20000) return; // one point per 20 s is plenty on foot
    patrol.track.push({ t: new Date(p.timestamp).toISOString(), lat: p.coords.latitude, lng: p.coords.longitude, accuracy_m: p.coords.accuracy });
    await db.kvSet('patrol', patrol);
    const out = document.getElementById('track-n');
    if (out) out.textContent = t('track_points', { n: patrol.track.length });
  }, () => {}, { enableHighAccuracy: true, maximumAge: 10000 });
}

function stopTracking() {
  if (watchId !== null) navigator.geolocation.clearWatch(watchId);
  watchId = null;
}

function choose(options, current, onPick, labelId, multiple = false) {
  return h('div', { class: 'grid2', role: multiple ? 'group' : 'radiogroup', 'aria-labelledby': labelId }, options.map((o) => {
    const on = multiple ? current.includes(o.value) : current === o.value;
    return h('button', { type: 'button', class: on ? 'big' : 'big sec', 'data-value': o.value,
      [multiple ? 'aria-pressed' : 'aria-checked']: String(on), role: multiple ? null : 'radio', onclick: () => onPick(o.value) }, o.label);
  }));
}

export async function render() {
  const read = await cachedGet(`/api/checklists/${KEY}`);
  const tpl = read.template || read;
  const patrol = await db.kvGet('patrol');
  // The 告知 text read to each person met: fetched (and cached for offline) before the patrol starts.
  const notice = await cachedGet('/api/patrols/notice').catch(() => null);
  return patrol && patrol.user === session.user.username ? running(patrol, tpl, notice) : startForm(tpl);
}

async function startForm(tpl) {
  const zones = await cachedGet('/api/sites?kind=patrol_zone&limit=200').catch(() => ({ items: [] }));
  const zone = h('select', { required: true, name: 'zone' }, zones.items.map((z) => h('option', { value: z.id }, z.name)));
  const team = h('input', { name: 'team', value: session.user.display_name || session.user.username, autocomplete: 'off' });
  const campaign = h('input', { name: 'campaign', placeholder: t('patrol_campaign_ph') });
  const warn = h('select', { name: 'warning' }, opts(tpl, 'warning_level').map((o) => h('option', { value: o.value }, o.label)));
  const form = h('form', { class: 'card' }, field(t('patrol_zone'), zone), field(t('patrol_team'), team),
    field(t('patrol_campaign'), campaign), field(t('patrol_warning'), warn),
    h('button', { type: 'submit', class: 'big', id: 'patrol-start' }, t('patrol_start')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const patrol = { id: uuid(), user: session.user.username, zone_id: Number(zone.value), zone_name: zone.selectedOptions[0]?.textContent || '',
      team: team.value.split(/[,，、]/).map((s) => s.trim()).filter(Boolean).slice(0, 20), campaign_tag: campaign.value.trim(),
      warning_level: warn.value, started_at: new Date().toISOString(), track: [], encounters: [], answers: {},
      template_version: tpl.version };
    if (!patrol.team.length) { team.focus(); return; }
    await db.kvSet('patrol', patrol);
    route();
  });
  return h('div', {}, h('h1', {}, t('patrol_title')), zones.items.length ? form : h('p', {}, t('no_results')));
}

function running(patrol, tpl, notice) {
  startTracking(patrol);
  const box = h('div', {});
  let enc = null;
  let ending = false;
  const save = () => db.kvSet('patrol', patrol);
  const header = () => [h('h1', {}, t('patrol_running')), h('p', {}, patrol.zone_name, ' · ', formatDate(patrol.started_at, true)),
    h('p', { class: 'muted' }, h('span', { id: 'enc-n' }, t('encounters_n', { n: patrol.encounters.length })), ' · ',
      h('span', { id: 'track-n' }, t('track_points', { n: patrol.track.length })))];

  const encounterForm = () => {
    const pickOne = (key) => (v) => { enc[key] = v; draw(); };
    const toggle = (v) => { enc.vulnerable = enc.vulnerable.includes(v) ? enc.vulnerable.filter((x) => x !== v) : [...enc.vulnerable, v]; draw(); };
    const ready = enc.sex && enc.age_band && enc.action;
    const minor = enc.vulnerable.includes('minor') || MINOR_BANDS.includes(enc.age_band);
    const problem = h('p', { class: 'error', role: 'alert', id: 'enc-problem' });
    return [h('h2', {}, t('encounter_add')),
      h('h3', { id: 'enc-sex' }, pick(findItem(tpl, 'sex')?.label)), choose(opts(tpl, 'sex'), enc.sex, pickOne('sex'), 'enc-sex'),
      h('h3', { id: 'enc-age' }, pick(findItem(tpl, 'age_band')?.label)), choose(opts(tpl, 'age_band'), enc.age_band, pickOne('age_band'), 'enc-age'),
      h('h3', { id: 'enc-flags' }, pick(findItem(tpl, 'vulnerable')?.label)), choose(opts(tpl, 'vulnerable'), enc.vulnerable, toggle, 'enc-flags', true),
      h('h3', { id: 'enc-action' }, pick(findItem(tpl, 'action')?.label)), choose(opts(tpl, 'action'), enc.action, pickOne('action'), 'enc-action'),
      h('h3', { id: 'enc-photos' }, pick(findItem(tpl, 'photos')?.label)),
      // A minor's photo only marked needed with its reason (rules.face_photo_problem).
      minor && h('div', { id: 'enc-face' }, h('p', { class: 'hint' }, t('face_rule')),
        h('label', { class: 'row' }, h('input', { type: 'checkbox', id: 'enc-face-needed', checked: !!enc.face_needed,
          onchange: (ev) => { enc.face_needed = ev.target.checked; } }), t('face_needed')),
        field(t('face_reason'), h('input', { id: 'enc-face-reason', maxlength: 200, value: enc.face_reason || '',
          oninput: (ev) => { enc.face_reason = ev.target.value; } }))),
      photosEl({ addPhoto, photoSrc }, () => enc.pics, () => {}, 'enc-photos'),
      h('details', { id: 'enc-notice', open: true }, h('summary', {}, t('notice_title')),
        h('p', { lang: getLang() }, notice ? notice[getLang()] || notice['zh-CN'] : t('notice_offline'))),
      h('label', { class: 'row' }, h('input', { type: 'checkbox', id: 'enc-notice-given', checked: enc.notice_given,
        onchange: (ev) => { enc.notice_given = ev.target.checked; } }), t('notice_given')),
      problem,
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'big', id: 'enc-save', disabled: !ready, onclick: async () => {
          const photos = enc.pics.photos || [];
          const reason = minor && enc.face_needed ? (enc.face_reason || '').trim() : '';
          const why = minor && (enc.face_needed ? !reason && 'face_reason_missing' : photos.length && 'face_photo_minor');
          if (why) { problem.textContent = t(why); return; }
          const e = { id: enc.id, met_at: enc.met_at, sex: enc.sex, age_band: enc.age_band, action: enc.action,
            follow_up_needed: enc.vulnerable.length > 0 || enc.action === 'refused_supplies_given', notice_given: !!enc.notice_given };
          if (photos.length) e.photo_ids = photos;
          if (reason) { e.face_needed = true; e.face_reason = reason; }
          for (const v of enc.vulnerable) if (FLAG[v]) e[FLAG[v]] = true;
          if (enc.lat !== undefined) { e.lat = enc.lat; e.lng = enc.lng; }
          patrol.encounters.push(e);
          enc = null;
          await save();
          draw();
        } }, t('save')),
        h('button', { type: 'button', class: 'big sec', onclick: () => {
          for (const id of enc.pics.photos || []) db.del('blobs', id); // no photo left of a person not recorded
          enc = null; draw();
        } }, t('cancel')))];
  };

  const endForm = () => {
    const et = endTemplate(tpl);
    const problems = h('div', { role: 'alert' });
    const weatherItem = findItem(tpl, 'weather');
    const placeItem = findItem(tpl, 'place_types');
    const typed = { sections: [{ key: 'typed', title: t('patrol_end'), items: [placeItem, weatherItem].filter(Boolean) }] };
    const onChange = () => save();
    return [h('h2', {}, t('patrol_end')),
      renderChecklist(typed, { answers: patrol.answers, onChange, addPhoto, photoSrc, locate }),
      renderChecklist(et, { answers: patrol.answers, onChange, addPhoto, photoSrc, locate }),
      problems,
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'big danger', id: 'patrol-finish', onclick: async () => {
          const all = { ...et, sections: [...typed.sections, ...et.sections] };
          const p = progress(all, patrol.answers);
          if (!p.complete) { problems.textContent = t('missing_answers', { n: p.missing.length + p.photoMissing.length + p.invalid.length }); return; }
          const answers = submissionAnswers(et, patrol.answers);
          const extra = submissionAnswers(typed, patrol.answers);
          stopTracking();
          const body = { zone_id: patrol.zone_id, started_at: patrol.started_at, ended_at: new Date().toISOString(), team: patrol.team,
            campaign_tag: patrol.campaign_tag, warning_level: patrol.warning_level, weather: extra.weather || '',
            place_types: extra.place_types || [], track: patrol.track, template_version: patrol.template_version,
            answers, encounters: patrol.encounters };
          await queue({ id: patrol.id, type: 'patrol', method: 'PUT', path: `/api/patrols/${patrol.id}`, body,
            label: `${t('patrol_title')} · ${patrol.zone_name}` }, [...photoIds(patrol.answers), ...patrol.encounters.flatMap((x) => x.photo_ids || [])],
          [['kv', { key: 'patrol', value: null }]]); // the patrol ends in the write that queues it
          toast(t('patrol_ended'));
          route();
        } }, t('patrol_end')),
        h('button', { type: 'button', class: 'big sec', onclick: () => { ending = false; draw(); } }, t('back')))];
  };

  const draw = () => {
    clear(box).append(...header());
    if (enc) box.append(...encounterForm());
    else if (ending) box.append(...endForm());
    else {
      box.append(h('button', { type: 'button', class: 'big', id: 'enc-add', onclick: () => {
        enc = { id: uuid(), met_at: new Date().toISOString(), vulnerable: [], pics: {} };
        locate().then((p) => { if (enc) { enc.lat = p.lat; enc.lng = p.lng; } }, () => {});
        draw();
      } }, '＋ ', t('encounter_add')),
      h('button', { type: 'button', class: 'big sec', id: 'patrol-end', onclick: () => { ending = true; draw(); } }, t('patrol_end')));
    }
  };
  draw();
  return box;
}
