// The audit log: who did what to which record, filtered by actor, entity, site and time, newest first, paged.
import { h, t, get, input, table, pager, filters, area, when } from './common.js';

// datetime-local values are the viewer's local time; the API takes ISO UTC.
const iso = (v) => (v ? new Date(v).toISOString() : '');

// The API filters by ids; people type a username or a site code, so look those up (an unknown one matches nothing).
async function idOf(value, path, key) {
  if (!value || /^\d+$/.test(value)) return value;
  const hit = (await get(path, { q: value, limit: 20 })).items.find((x) => x[key] === value);
  return hit ? hit.id : -1;
}

export async function render() {
  const list = area({ id: 'audit-list' });
  let params = { limit: 50, offset: 0 };
  const load = () => list.load(async () => {
    const actor = await idOf(params.actor, '/api/admin/users', 'username');
    const site = await idOf(params.site, '/api/admin/sites', 'code');
    if (actor === -1 || site === -1) return h('p', {}, t('no_results'));
    const data = await get('/api/admin/audit', { ...params, actor, site });
    return [
      h('p', { class: 'muted' }, t('total_n', { n: data.total })),
      table([
        [t('a_at'), (e) => when(e.at)],
        [t('a_actor'), (e) => (e.actor_username ? `${e.actor_display_name || e.actor_username} (${e.actor_username})` : '—')],
        [t('a_action'), (e) => e.action],
        [t('a_entity'), (e) => `${e.entity_type} ${e.entity_id ?? ''}`],
        [t('site'), (e) => (e.site_id ? h('a', { href: `#/site/${e.site_id}` }, `#${e.site_id}`) : '')],
        [t('a_details'), (e) => h('code', { class: 'clip' }, e.details ? JSON.stringify(e.details) : '')],
        [t('a_from'), (e) => e.client_addr || ''],
      ], data.items),
      pager(data, (offset) => { params = { ...params, offset }; load(); }),
    ];
  });
  const bar = filters([
    ['actor', t('a_actor'), input({ placeholder: t('a_actor_ph') })],
    ['action', t('a_action'), input()],
    ['entity_type', t('a_entity_type'), input({ placeholder: 'site, user, finding…' })],
    ['entity_id', t('a_entity_id'), input()],
    ['site', t('site'), input({ placeholder: t('a_site_ph') })],
    ['since', t('a_since'), input({ type: 'datetime-local' })],
    ['until', t('a_until'), input({ type: 'datetime-local' })],
  ], (v) => { params = { ...v, since: iso(v.since), until: iso(v.until), limit: 50, offset: 0 }; load(); });
  load();
  return h('div', {}, h('h1', {}, t('a_audit')), bar, list.el);
}
