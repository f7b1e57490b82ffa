// Patrol mode: start a patrol in a zone, add the people met with large buttons, record the track while the app is
// open, end it. The whole patrol goes through the outbox as one idempotent PUT.
import { t, formatDate } from '../i18n.js';
import { h, field, clear, toast } from '../dom.js';
import * as db from '../db.js';
import { cachedGet, queue, session, route } from '../app.js';
import { uuid } from '../outbox.js';

const SEX = ['male', 'female', 'unknown'];
const AGE = ['child', 'teen', 'adult', 'middle_aged', 'elderly', 'unknown'];
const FLAGS = ['is_minor', 'is_elderly', 'is_disabled', 'suspected_mental_illness', 'critically_ill'];
const ACTION = ['persuaded_to_station', 'escorted', 'sent_to_hospital', 'refused_supplies_given', 'police_called', 'ticket_home', 'none'];
const WARN = ['none', 'blue', 'yellow', 'orange', 'red'];

let watchId = null;

function startTracking(patrol) {
  if (watchId !== null || !navigator.geolocation) return;
  watchId = navigator.geolocation.watchPosition(async (p) => {
    const last = patrol.track[patrol.track.length - 1];
    const tms = p.timestamp;
    if (last && tms - Date.parse(last.t) < 20000) return; // one point per 20 s is plenty for a walking patrol
    patrol.track.push({ t: new Date(tms).toISOString(), lat: p.coords.latitude, lng: p.coords.longitude, accuracy_m: p.coords.accuracy });
    await db.kvSet('patrol', patrol);
    const out = document.getElementById('track-n');
    if (out) out.textContent = t('track_points', { n: patrol.track.length });
  }, () => {}, { enableHighAccuracy: true, maximumAge: 10000 });
}

function stopTracking() {
  if (watchId !== null) navigator.geolocation.clearWatch(watchId);
  watchId = null;
}

function buttons(values, prefix, current, onPick, labelId) {
  return h('div', { class: 'grid2', role: 'radiogroup', 'aria-labelledby': labelId }, values.map((v) => h('button', {
    type: 'button', class: current === v ? 'big' : 'big sec', role: 'radio', 'aria-checked': String(current === v),
    'data-value': v, onclick: () => onPick(v) }, t(prefix + v))));
}

export async function render() {
  const patrol = await db.kvGet('patrol');
  return patrol ? running(patrol) : startForm();
}

async function startForm() {
  const zones = await cachedGet('/api/sites?kind=patrol_zone&limit=200').catch(() => ({ items: [] }));
  const zone = h('select', { required: true }, zones.items.map((z) => h('option', { value: z.id }, z.name)));
  const team = h('input', { value: session.user.display_name || session.user.username, autocomplete: 'off' });
  const campaign = h('input', { placeholder: '寒冬送温暖' });
  const warn = h('select', {}, WARN.map((w) => h('option', { value: w }, t('warn_' + w))));
  const start = h('button', { type: 'submit', class: 'big', id: 'patrol-start' }, t('patrol_start'));
  const form = h('form', { class: 'card' }, field(t('patrol_zone'), zone), field(t('patrol_team'), team),
    field(t('patrol_campaign'), campaign), field(t('patrol_warning'), warn), start);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const patrol = { id: uuid(), zone_id: Number(zone.value), zone_name: zone.selectedOptions[0]?.textContent || '',
      team: team.value.split(/[,，、]/).map((s) => s.trim()).filter(Boolean).slice(0, 20),
      campaign_tag: campaign.value.trim(), warning_level: warn.value, started_at: new Date().toISOString(), track: [], encounters: [],
      user: session.user.username };
    await db.kvSet('patrol', patrol);
    route();
  });
  return h('div', {}, h('h1', {}, t('patrol_title')), zones.items.length ? form : h('p', {}, t('no_results')));
}

function running(patrol) {
  startTracking(patrol);
  const box = h('div', {});
  let enc = null;
  const save = () => db.kvSet('patrol', patrol);
  const draw = () => {
    clear(box);
    box.append(h('h1', {}, t('patrol_running')),
      h('p', {}, patrol.zone_name, ' · ', formatDate(patrol.started_at, true)),
      h('p', { class: 'muted' }, h('span', { id: 'enc-n' }, t('encounters_n', { n: patrol.encounters.length })), ' · ',
        h('span', { id: 'track-n' }, t('track_points', { n: patrol.track.length }))));
    if (!enc) {
      box.append(h('button', { type: 'button', class: 'big', id: 'enc-add', onclick: () => {
        enc = { id: uuid(), met_at: new Date().toISOString(), sex: 'unknown', age_band: 'unknown', action: 'none' };
        navigator.geolocation?.getCurrentPosition((p) => { if (enc) { enc.lat = p.coords.latitude; enc.lng = p.coords.longitude; } }, () => {});
        draw();
      } }, '＋ ', t('encounter_add')),
      h('button', { type: 'button', class: 'big danger', id: 'patrol-end', onclick: async () => {
        stopTracking();
        const body = { zone_id: patrol.zone_id, started_at: patrol.started_at, ended_at: new Date().toISOString(), team: patrol.team,
          campaign_tag: patrol.campaign_tag, warning_level: patrol.warning_level, track: patrol.track, encounters: patrol.encounters };
        await queue({ id: patrol.id, type: 'patrol', method: 'PUT', path: `/api/patrols/${patrol.id}`, body,
          label: `${t('patrol_title')} · ${patrol.zone_name}` });
        await db.kvSet('patrol', null);
        toast(t('patrol_ended'));
        route();
      } }, t('patrol_end')));
      return;
    }
    const pick = (key) => (v) => { enc[key] = v; draw(); };
    box.append(h('h2', {}, t('encounter_add')),
      h('h3', { id: 'enc-sex' }, t('enc_sex')), buttons(SEX, 'sex_', enc.sex, pick('sex'), 'enc-sex'),
      h('h3', { id: 'enc-age' }, t('enc_age')), buttons(AGE, 'age_', enc.age_band, pick('age_band'), 'enc-age'),
      h('h3', { id: 'enc-flags' }, t('enc_flags')),
      h('div', { class: 'grid2', role: 'group', 'aria-labelledby': 'enc-flags' }, FLAGS.map((f) => h('button', { type: 'button',
        class: enc[f] ? 'big' : 'big sec', 'aria-pressed': String(!!enc[f]), 'data-value': f,
        onclick: () => { enc[f] = !enc[f]; draw(); } }, t('flag_' + f)))),
      h('h3', { id: 'enc-action' }, t('enc_action')), buttons(ACTION, 'act_', enc.action, pick('action'), 'enc-action'),
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'big', id: 'enc-save', onclick: async () => {
          enc.follow_up_needed = FLAGS.some((f) => enc[f]) || enc.action === 'refused_supplies_given';
          patrol.encounters.push(enc); enc = null; await save(); draw();
        } }, t('save')),
        h('button', { type: 'button', class: 'big sec', onclick: () => { enc = null; draw(); } }, t('cancel'))));
  };
  draw();
  return box;
}
