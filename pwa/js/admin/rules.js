// Risk rules: the stored versions, upload one, dry-run it (how many sites change tier, which transitions, by
// prefecture, examples), then activate it after a confirmation; activation re-rates and says how many changed.
import { h, clear, t, toast, get, call, table, area, button, when, errText } from './common.js';
import { uploader } from './templates.js';
import { tierPill } from '../views/parts.js';

function dryRunView(d, activate) {
  const transitions = Object.entries(d.transitions || {}).sort((a, b) => b[1] - a[1]);
  return h('section', { class: 'card', id: 'rules-dry-run' },
    h('h2', {}, t('a_dry_title', { v: d.version })),
    h('dl', { class: 'counts' },
      h('dt', {}, t('a_sites_rated')), h('dd', { 'data-n': 'sites_rated' }, String(d.sites_rated)),
      h('dt', {}, t('a_sites_changing')), h('dd', { 'data-n': 'sites_changing' }, String(d.sites_changing))),
    transitions.length ? [h('h3', {}, t('a_transitions')), table([
      [t('a_from_to'), ([k]) => { const [a, b] = k.split('->'); return [tierPill(a), ' → ', tierPill(b)]; }],
      [t('a_count'), ([, n]) => String(n)],
    ], transitions, { id: 'rules-transitions' })] : null,
    (d.by_region || []).length ? [h('h3', {}, t('a_by_prefecture')), table([
      [t('board_region'), (r) => r.region_name], [t('a_sites_changing'), (r) => String(r.changing)],
    ], d.by_region, { id: 'rules-by-region' })] : null,
    (d.examples || []).length ? [h('h3', {}, t('a_examples')), table([
      [t('site'), (e) => h('a', { href: `#/site/${e.site_id}` }, e.site_name)],
      [t('a_from_to'), (e) => [tierPill(e.from), ' → ', tierPill(e.to)]],
    ], d.examples, { id: 'rules-examples' })] : null,
    activate);
}

export async function render() {
  const detail = h('div', { 'aria-live': 'polite' });
  const list = area({ id: 'rules-list' });
  const activate = (v) => button(t('a_activate_v', { v }), async () => {
    if (!window.confirm(t('a_confirm_rules', { v }))) return;
    const r = await call('POST', `/api/admin/risk-rules/${v}/activate`);
    clear(detail).append(h('p', { class: 'ok', role: 'status', id: 'rules-activated' }, t('a_rules_activated', { v: r.version, n: r.sites_changed })));
    load();
  }, '');
  const dryRun = async (v, active) => {
    clear(detail).append(h('p', { class: 'muted' }, t('a_checking')));
    try { clear(detail).append(dryRunView(await call('POST', `/api/admin/risk-rules/${v}/dry-run`), active ? null : activate(v))); } catch (err) { clear(detail).append(h('p', { class: 'error' }, errText(err))); }
  };
  const view = async (v) => {
    const doc = await get(`/api/admin/risk-rules/${v}`);
    clear(detail).append(h('section', { class: 'card' }, h('h2', {}, t('a_version_n', { v })), h('pre', { class: 'json' }, JSON.stringify(doc, null, 2))));
  };
  const load = () => list.load(async () => {
    const data = await get('/api/admin/risk-rules');
    return table([
      [t('a_version'), (r) => String(r.version)],
      [t('a_status'), (r) => (r.active ? h('span', { class: 'pill ok' }, t('a_active')) : '')],
      [t('a_source'), (r) => t(`a_src_${r.source}`)],
      [t('a_description'), (r) => r.description || ''],
      [t('a_stored'), (r) => when(r.created_at)],
      ['', (r) => h('div', { class: 'row' }, button(t('a_view'), () => view(r.version), 'link'),
        r.active ? null : button(t('a_dry_run'), () => dryRun(r.version, r.active), 'link'))],
    ], data.items);
  });
  const up = uploader('/api/admin/risk-rules', detail, async (r, doc) => {
    const v = r?.version ?? doc.version;
    toast(t('a_uploaded', { k: t('a_rules'), v }));
    await load();
    await dryRun(v, false);
  });
  load();
  return h('div', {}, h('h1', {}, t('a_rules_title')), h('p', { class: 'muted' }, t('a_rules_help')), up, detail, list.el);
}
