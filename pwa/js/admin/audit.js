// The audit log: who did what to which record, filtered by actor, entity, site and time, newest first, paged.
import { h, t, get, input, table, paged, when } from './common.js';

// datetime-local values are the viewer's local time; the API takes ISO UTC.
const iso = (v) => (v ? new Date(v).toISOString() : '');

// The API filters by ids; people type a username or a site code, so look those up (an unknown one matches nothing).
async function idOf(value, path, key) {
  if (!value || /^\d+$/.test(value)) return value;
  const hit = (await get(path, { q: value, limit: 20 })).items.find((x) => x[key] === value);
  return hit ? hit.id : -1;
}

export async function render() {
  const list = paged('audit-list', '/api/admin/audit', (items) => table([
    [t('a_at'), (e) => when(e.at)],
    [t('a_actor'), (e) => (e.actor_username ? `${e.actor_display_name || e.actor_username} (${e.actor_username})` : '—')],
    [t('a_action'), (e) => e.action],
    [t('a_entity'), (e) => `${e.entity_type} ${e.entity_id ?? ''}`],
    [t('site'), (e) => (e.site_id ? h('a', { href: `#/site/${e.site_id}` }, `#${e.site_id}`) : '')],
    [t('a_details'), (e) => h('code', { class: 'clip' }, e.details ? JSON.stringify(e.details) : '')],
    [t('a_from'), (e) => e.client_addr || ''],
  ], items), async (p) => {
    const actor = await idOf(p.actor, '/api/admin/users', 'username');
    const site = await idOf(p.site, '/api/admin/sites', 'code');
    return actor === -1 || site === -1 ? null : { ...p, actor, site, since: iso(p.since), until: iso(p.until) };
  });
  const bar = list.bar([
    ['actor', t('a_actor'), input({ placeholder: t('a_actor_ph') })],
    ['action', t('a_action'), input()],
    ['entity_type', t('a_entity_type'), input({ placeholder: 'site, user, finding…' })],
    ['entity_id', t('a_entity_id'), input()],
    ['site', t('site'), input({ placeholder: t('a_site_ph') })],
    ['since', t('a_since'), input({ type: 'datetime-local' })],
    ['until', t('a_until'), input({ type: 'datetime-local' })],
  ]);
  list.load();
  return h('div', {}, h('h1', {}, t('a_audit')), bar, list.el);
}
