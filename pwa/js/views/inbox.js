import { t, formatDate, pick } from '../i18n.js';
import { h } from '../dom.js';
import * as api from '../api.js';
import { cachedGet, refreshUnread, route } from '../app.js';

export function notificationLink(n) {
  if (n.finding_id) return `#/finding/${n.finding_id}`;
  if (n.subject_type === 'finding' && n.subject_id) return `#/finding/${n.subject_id}`;
  if (n.site_id) return `#/site/${n.site_id}`;
  return null;
}

export async function render() {
  const data = await cachedGet('/api/notifications?limit=100');
  const rows = data.items || data;
  const list = h('ul', { class: 'list', id: 'inbox' }, rows.map((n) => {
    const unread = !n.read_at && !n.read;
    const link = notificationLink(n);
    const title = pick(n.title || n.subject || n.kind);
    return h('li', { class: unread ? 'unread tier-orange' : '' },
      link ? h('a', { class: 'main', href: link }, title) : h('div', { class: 'q' }, title),
      n.body || n.message ? h('div', {}, pick(n.body || n.message)) : null,
      h('div', { class: 'row' }, h('span', { class: 'muted' }, formatDate(n.created_at, true)),
        unread ? h('button', { type: 'button', class: 'link', onclick: async () => {
          await api.send('POST', `/api/notifications/${n.id}/read`);
          await refreshUnread();
          route();
        } }, t('mark_read')) : null));
  }));
  return h('div', {}, h('h1', {}, t('inbox_title')), rows.length ? list : h('p', {}, t('inbox_empty')));
}
