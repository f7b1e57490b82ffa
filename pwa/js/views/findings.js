import { t } from '../i18n.js';
import { h, clear } from '../dom.js';
import { cachedGet, errorText } from '../app.js';
import { query } from '../api.js';
import { findingItem, byText } from './parts.js';

const STATUSES = ['open', 'responded', 'closed', ''];

export async function render({ params }) {
  const list = h('div', { 'aria-live': 'polite' });
  let status = params.status ?? 'open';
  const tabs = h('div', { class: 'row', role: 'group', 'aria-label': t('findings_title') });
  const load = async () => {
    clear(tabs).append(...STATUSES.map((s) => h('button', { type: 'button', class: s === status ? '' : 'sec', 'aria-pressed': String(s === status),
      onclick: () => { status = s; load(); } }, s ? t(`status_${s}`) : t('status_all'))),
    h('button', { type: 'button', class: params.overdue ? '' : 'sec', 'aria-pressed': String(!!params.overdue),
      onclick: () => { params.overdue = params.overdue ? '' : 'true'; load(); } }, t('overdue')));
    clear(list).append(h('p', { class: 'muted' }, t('loading')));
    try {
      const data = await cachedGet(query('/api/findings', { status, site: params.site, overdue: params.overdue, limit: 200 }));
      const rows = (data.items || data).slice().sort((a, b) => byText(a.deadline, b.deadline));
      clear(list).append(rows.length ? h('ul', { class: 'list', id: 'findings' }, rows.map(findingItem)) : h('p', {}, t('finding_none')));
    } catch (err) {
      clear(list).append(h('p', { class: 'error' }, errorText(err)));
    }
  };
  await load();
  // The export uses the session cookie set at login (a plain link cannot carry the Bearer token).
  const csv = h('a', { class: 'btn sec', href: query('/api/findings/export.csv', { status, site: params.site, overdue: params.overdue }), download: 'findings.csv' }, t('export_csv'));
  tabs.addEventListener('click', () => { csv.href = query('/api/findings/export.csv', { status, site: params.site, overdue: params.overdue }); });
  return h('div', {}, h('h1', {}, t('findings_title')), tabs, list, navigator.onLine ? h('p', {}, csv) : null);
}
