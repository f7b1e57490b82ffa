import { t, formatDate } from '../i18n.js';
import { h } from '../dom.js';
import * as db from '../db.js';
import { cachedGet, lastKnown, session, go, errorText } from '../app.js';
import { uuid } from '../outbox.js';
import { tierPill, factorText, lateNote } from './parts.js';
import { beginCheckin } from './run.js';

export async function findSite(id) {
  try { return await cachedGet(`/api/sites/${id}`); } catch (err) {
    const kept = await db.cacheGet('/api/sites?limit=200');
    const s = kept?.value.items.find((x) => String(x.id) === String(id));
    if (s) return s;
    throw err;
  }
}

export async function templateFor(kind) {
  const list = await cachedGet('/api/checklists');
  const rows = list.items || list;
  const meta = rows.find((r) => (r.site_kind || r.kind) === kind);
  if (!meta) return null;
  const read = await cachedGet(`/api/checklists/${meta.key}`);
  return read.template || read;
}

export async function startDraft(site, template, taskId) {
  const draft = { id: uuid(), user: session.user.username, self: session.user.role === 'manager', task_id: taskId ? +taskId : undefined,
    site: { id: site.id, name: site.name, kind: site.kind, code: site.code, lat: site.lat, lng: site.lng },
    template, answers: {}, started_at: new Date().toISOString(), updated_at: new Date().toISOString() };
  await db.put('drafts', draft);
  return draft;
}

// Offline, the last risk card fetched, else the tier the due list gave, each with when it was fetched.
async function risk(id) {
  try { return await lastKnown(`/api/risk/sites/${id}`); } catch {
    const due = await db.cacheGet('/api/inspections/due');
    const d = due?.value.items?.find((x) => x.site_id === id);
    return d ? { data: { tier: d.tier, next_due_at: d.due_at }, at: due.at } : {};
  }
}

export async function render({ args, params }) {
  const site = await findSite(args[0]);
  const out = h('div', {}, h('h1', {}, site.name),
    h('p', { class: 'muted' }, t(`kind_${site.kind}`), ' · ', site.code, ' · ', site.region_name || ''),
    site.address ? h('p', {}, site.address) : null);
  const { data: r, at } = await risk(site.id);
  if (r) {
    out.append(h('div', { class: 'card', id: 'site-risk' }, h('div', { class: 'row' }, tierPill(r.tier),
      r.next_due_at ? h('span', { class: 'muted' }, t('next_due', { d: formatDate(r.next_due_at) })) : null),
    r.reasons?.length ? h('ul', { 'aria-label': t('reasons') }, r.reasons.map((f) => h('li', {}, factorText(f)))) : null,
    lateNote(r),
    at ? h('p', { class: 'muted', id: 'risk-asof' }, t('as_of', { t: formatDate(at, true) })) : r.rated_at ? h('p', { class: 'muted' }, t('rated_at', { d: formatDate(r.rated_at) })) : null));
  }
  const msg = h('p', { class: 'error', role: 'alert', hidden: true });
  const drafts = (await db.all('drafts')).filter((d) => d.site?.id === site.id && d.user === session.user.username && !d.submitted);
  const canRun = ['inspector', 'manager'].includes(session.user.role) && site.kind !== 'patrol_zone';
  if (canRun) {
    // Kept for the runner's co-inspector picker, so a site opened online can be inspected by two offline.
    if (session.user.role === 'inspector') cachedGet(`/api/inspectors?site_id=${site.id}`).catch(() => null);
    out.append(h('div', { class: 'row' }, ...drafts.map((d) => h('a', { class: 'btn sec', href: `#/run/${d.id}` }, t('continue'), ' · ', formatDate(d.updated_at, true))),
      h('button', { type: 'button', class: 'big', id: 'start', onclick: async () => {
        beginCheckin();
        try {
          const template = await templateFor(site.kind);
          if (!template) { msg.textContent = t('template_missing'); msg.hidden = false; return; }
          const d = await startDraft(site, template, params.task);
          go(`run/${d.id}`);
        } catch (err) { msg.textContent = err.status === 0 ? t('template_missing') : errorText(err); msg.hidden = false; }
      } }, session.user.role === 'manager' ? t('self_inspection') : t('start_inspection'))), msg);
  }
  if (['inspector', 'supervisor', 'admin', 'manager', 'lottery_centre'].includes(session.user.role)) {
    out.append(h('p', {}, h('a', { href: `#/findings?site=${site.id}` }, t('findings_title'))));
  }
  // The desk's decisions on the site (desk/decisions.js): who decides, and admins who read them.
  if (['supervisor', 'lottery_centre', 'admin'].includes(session.user.role) && site.kind !== 'patrol_zone') {
    out.append(h('p', {}, h('a', { href: `#/decisions/${site.id}`, id: 'decisions-link' }, t('decisions_title'))));
  }
  return out;
}
