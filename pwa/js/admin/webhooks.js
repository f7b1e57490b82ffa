// Webhooks: list, create (the signing secret is shown once), stop, and each one's deliveries with redelivery.
import { h, clear, t, toast, get, call, form, input, select, any, table, area, button, when, regions, regionOptions, regionName, activePill } from './common.js';
import { status } from './jobs.js';

export async function render() {
  const regionList = await regions();
  const detail = h('div', { 'aria-live': 'polite' });
  const list = area({ id: 'webhook-list' });
  const deliveries = (w) => {
    const box = area({ id: 'delivery-list' });
    const load = () => box.load(async () => {
      const data = await get(`/api/admin/webhooks/${w.id}/deliveries`, { limit: 100 });
      return table([
        [t('a_event'), (d) => d.event_type],
        [t('a_status'), (d) => status(d.status)],
        [t('a_attempts'), (d) => String(d.attempts)],
        [t('a_last_answer'), (d) => [d.last_status_code ?? '', ' ', d.last_error || ''].join('')],
        [t('a_created_at'), (d) => when(d.created_at)],
        [t('a_delivered_at'), (d) => when(d.delivered_at)],
        ['', (d) => (d.status === 'pending' ? '' : button(t('a_redeliver'), async () => {
          await call('POST', `/api/admin/webhooks/${w.id}/deliveries/${d.id}/redeliver`);
          toast(t('a_requeued'));
          load();
        }, 'link'))],
      ], data.items);
    });
    clear(detail).append(h('section', { class: 'card' }, h('h2', {}, t('a_deliveries_of', { w: w.name })), box.el));
    load();
  };
  const load = () => list.load(async () => {
    const data = await get('/api/admin/webhooks');
    return table([
      [t('a_name'), (w) => w.name],
      [t('a_url'), (w) => h('code', {}, w.url)],
      [t('board_region'), (w) => (w.region_id ? regionName(regionList, w.region_id) : t('a_all_regions'))],
      [t('a_events'), (w) => (w.event_types.length ? w.event_types.join(', ') : t('a_all_events'))],
      [t('a_status'), (w) => activePill(w.is_active)],
      [t('a_created_at'), (w) => when(w.created_at)],
      ['', (w) => h('div', { class: 'row' }, button(t('a_deliveries'), () => deliveries(w), 'link'),
        w.is_active ? button(t('a_stop'), async () => {
          if (!window.confirm(t('a_confirm_stop', { w: w.name }))) return;
          await call('DELETE', `/api/admin/webhooks/${w.id}`);
          load();
        }, 'link') : null)],
    ], data.items);
  });
  const create = form({
    id: 'webhook-create',
    rows: [
      ['name', t('a_name'), input()],
      ['url', t('a_url'), input({ type: 'url', placeholder: 'https://' })],
      ['secret', t('a_secret'), input({ autocomplete: 'off' }), t('a_secret_hint')],
      ['region_id', t('board_region'), select([any(t('a_all_regions')), ...regionOptions(regionList)])],
      ['event_types', t('a_events'), input({ placeholder: 'finding.created, …' }), t('a_events_hint')],
    ],
    label: t('a_create'),
    submit: async (v) => {
      const body = { name: v.name, url: v.url, region_id: v.region_id ? Number(v.region_id) : null,
        event_types: v.event_types.split(/[,，\s]+/).filter(Boolean) };
      if (v.secret) body.secret = v.secret;
      const w = await call('POST', '/api/admin/webhooks', { json: body });
      clear(detail).append(h('section', { class: 'card' }, h('p', {}, t('a_secret_once')), h('code', { id: 'webhook-secret' }, w.secret || '')));
      create.reset();
      load();
    },
  });
  load();
  return h('div', {}, h('h1', {}, t('a_webhooks')),
    h('details', { class: 'card' }, h('summary', {}, t('a_new_webhook')), create), detail, list.el);
}
