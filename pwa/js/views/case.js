// One follow-up case opened by a patrol encounter: its reasons, deadline and escalation, the person met (only on
// request: every read is audited) and closing it with an outcome. Nothing here is kept in IndexedDB.
import { t, formatDate, pick, levelName } from '../i18n.js';
import { h, field, clear, toast } from '../dom.js';
import * as api from '../api.js';
import { cachedGet, route, errorText } from '../app.js';
import { findItem } from './patrol.js';

export const OUTCOMES = ['placed_at_station', 'returned_home', 'hospitalised', 'declined_after_follow_up', 'handed_to_police', 'not_found_again'];
const FLAGS = { is_minor: 'minor', is_elderly: 'elderly', is_disabled: 'disabled', suspected_mental_illness: 'mental_illness', critically_ill: 'critically_ill' };

async function get(path) {
  const r = await api.send('GET', path);
  if (r.status !== 200) throw new api.ApiError(r.status, r.code, r.message);
  return r.data;
}

const row = (label, value) => (value || value === 0 ? [h('dt', {}, label), h('dd', {}, value)] : []);

// The encounter's coded answers read through the street-patrol template's own option labels.
async function person(c, box) {
  const read = await cachedGet('/api/checklists/street_patrol').catch(() => null);
  const tpl = read?.template || read || { sections: [] };
  const label = (key, v) => pick((findItem(tpl, key)?.options || []).find((o) => o.value === v)?.label) || v;
  const e = await get(`/api/encounters/${c.encounter_id}`);
  const flags = Object.entries(FLAGS).filter(([k]) => e[k]).map(([, v]) => label('vulnerable', v));
  clear(box).append(h('dl', { id: 'encounter' },
    row(t('enc_met'), formatDate(e.met_at, true)), row(t('enc_sex'), label('sex', e.sex)),
    row(t('enc_age'), label('age_band', e.age_band)), row(t('enc_flags'), flags.join('、')),
    row(t('enc_place'), e.place_type && label('place_type', e.place_type)), row(t('enc_action'), label('action', e.action)),
    row(t('enc_features'), e.features.join('、')), row(t('note'), e.purged ? t('enc_purged') : e.details)));
}

function closeForm(c) {
  const outcome = h('select', { required: true, name: 'outcome' }, h('option', { value: '' }, t('select_ph')),
    OUTCOMES.map((o) => h('option', { value: o }, t(`outcome_${o}`))));
  const note = h('textarea', { name: 'note', maxlength: 1000 });
  const form = h('form', { class: 'card', id: 'close-case' }, h('h2', {}, t('case_close')), field(t('case_outcome'), outcome),
    field(t('note'), note), h('button', { type: 'submit', class: 'big' }, t('case_close')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!outcome.value) { outcome.focus(); return; }
    // Online only: closing is not idempotent, a replay would be refused once the case is closed.
    const r = await api.send('POST', `/api/follow-up-cases/${c.id}/close`, { json: { outcome: outcome.value, note: note.value.trim() } });
    if (r.status === 200) { toast(t('case_closed')); route(); } else toast(errorText(r), 'error');
  });
  return form;
}

export async function render({ args }) {
  const c = await get(`/api/follow-up-cases/${Number(args[0])}`);
  const box = h('div', {}, h('button', { type: 'button', class: 'sec', id: 'show-person', onclick: () => person(c, box).catch((err) => toast(errorText(err), 'error')) }, t('enc_show')));
  return h('div', {}, h('h1', {}, t('case_title', { n: c.id })),
    h('div', { class: 'row' }, h('span', { class: 'pill', id: 'case-status', 'data-status': c.status }, t(`case_st_${c.status}`)),
      c.urgent ? h('span', { class: 'pill late' }, t('case_urgent')) : null,
      c.overdue ? h('span', { class: 'pill late' }, t('overdue')) : null,
      c.escalation_level ? h('span', { class: 'pill late' }, levelName(c.escalation_level)) : null),
    h('dl', {}, row(t('patrol_zone'), c.zone_name), row(t('reasons'), c.reasons.map((r) => t(`case_${r}`)).join('、')),
      row(t('case_opened_at'), formatDate(c.opened_at, true)), row(t('case_deadline'), formatDate(c.deadline, true)),
      c.outcome ? row(t('case_outcome'), t(`outcome_${c.outcome}`)) : [], row(t('note'), c.outcome_note),
      c.closed_at ? row(t('case_closed_at'), formatDate(c.closed_at, true)) : []),
    box, c.status === 'open' ? closeForm(c) : null);
}
