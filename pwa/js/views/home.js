import { t, formatDate, pick } from '../i18n.js';
import { h } from '../dom.js';
import * as db from '../db.js';
import { cachedGet, session, errorText } from '../app.js';
import { tierPill, findingItem, byText } from './parts.js';

export async function render() {
  const role = session.user.role;
  const out = h('div', {}, h('h1', {}, t('nav_home')));
  out.append(await draftsBlock());
  // The inspections still to be signed (sign/screen.js, once the service worker keeps it).
  if (role === 'inspector' && navigator.serviceWorker?.controller) {
    const box = h('div', {});
    out.append(box);
    import('../sign/screen.js').then((m) => m.toSign(box)).catch(() => {});
  }
  if (role === 'manager') out.append(await managerBlock());
  else {
    const tasks = role === 'inspector' && await tasksBlock();
    if (tasks) out.append(tasks);
    out.append(await dueBlock());
  }
  return out;
}

async function draftsBlock() {
  const drafts = (await db.all('drafts')).filter((d) => d.user === session.user.username && !d.submitted)
    .sort((a, b) => byText(b.updated_at, a.updated_at));
  return h('section', { 'aria-labelledby': 'drafts-h' }, h('h2', { id: 'drafts-h' }, t('drafts_title')),
    drafts.length ? h('ul', { class: 'list', id: 'drafts' }, drafts.map((d) => h('li', {},
      h('a', { class: 'main', href: `#/run/${d.id}` }, d.site?.name || d.site_id),
      h('div', { class: 'muted' }, pick(d.template?.title), ' · ', formatDate(d.updated_at, true))))) : h('p', { class: 'muted' }, t('drafts_empty')));
}

export function dueText(row) {
  const late = row.days_overdue;
  if (typeof late !== 'number') return '';
  if (late >= 1) return t('overdue_by', { n: Math.floor(late) });
  if (late > -1) return t('due_today');
  return t('due_in', { n: Math.floor(-late) });
}

// Tasks drawn for this inspector (双随机), above the due list; the last copy answers offline.
async function tasksBlock() {
  const sec = h('section', { 'aria-labelledby': 'tasks-h' }, h('h2', { id: 'tasks-h' }, t('tasks_title')));
  try {
    const rows = (await cachedGet('/api/plans/tasks')).items.filter((r) => r.status !== 'done');
    if (!rows.length) return null;
    sec.append(h('ul', { class: 'list', id: 'tasks' }, rows.map((r) => h('li', { 'data-task': r.id },
      h('a', { class: 'main', href: `#/site/${r.site_id}?task=${r.id}` }, r.site_name),
      h('div', { class: 'row' }, h('span', { class: r.status === 'overdue' ? 'pill late' : 'pill' }, t(`task_${r.status}`)),
        h('span', { class: 'muted' }, r.plan_name, ' · ', formatDate(r.period_end))),
      h('div', { class: 'muted' }, r.inspector_names.join('、'))))));
  } catch (err) {
    sec.append(h('p', { class: 'muted' }, errorText(err)));
  }
  return sec;
}

async function dueBlock() {
  const sec = h('section', { 'aria-labelledby': 'due-h' }, h('h2', { id: 'due-h' }, t('due_title')));
  try {
    const data = await cachedGet('/api/inspections/due');
    const rows = data.items || data;
    if (!rows.length) { sec.append(h('p', { class: 'muted' }, t('due_empty'))); return sec; }
    sec.append(h('ul', { class: 'list', id: 'due' }, rows.map((r) => {
      const late = r.days_overdue >= 1;
      return h('li', { class: `tier-${r.tier || 'none'}`, 'data-site': r.site_id },
        h('a', { class: 'main', href: `#/site/${r.site_id}` }, r.name),
        h('div', { class: 'row' }, tierPill(r.tier), h('span', { class: late ? 'pill late' : 'muted' }, dueText(r)),
          h('span', { class: 'muted' }, formatDate(r.due_at))),
        h('div', { class: 'muted' }, t(`kind_${r.kind}`), ' · ', r.region_name));
    })));
  } catch (err) {
    sec.append(h('p', { class: 'muted' }, errorText(err)));
  }
  return sec;
}

async function managerBlock() {
  const sec = h('section', { 'aria-labelledby': 'mf-h' }, h('h2', { id: 'mf-h' }, t('findings_title')));
  try {
    const data = await cachedGet('/api/findings?status=open');
    const rows = data.items || data;
    sec.append(rows.length ? h('ul', { class: 'list', id: 'findings' }, rows.map(findingItem)) : h('p', { class: 'muted' }, t('finding_none')));
    sec.append(h('p', {}, h('a', { href: '#/findings' }, t('status_all'))));
  } catch (err) {
    sec.append(h('p', { class: 'muted' }, errorText(err)));
  }
  for (const siteId of session.me?.site_ids || []) {
    sec.append(h('p', {}, h('a', { class: 'btn sec', href: `#/site/${siteId}` }, t('self_inspection'))));
  }
  return sec;
}
