// What every console screen shares: calls that throw, tables, paging, forms whose errors sit next to the field,
// file uploads and authenticated downloads. Online only: the console is never precached.
import { t, formatDate } from '../i18n.js';
import { h, clear, field, uid, toast } from '../dom.js';
import * as api from '../api.js';

export { h, clear, t, toast, formatDate };
export const q = api.query;

export async function call(method, path, opts) {
  const r = await api.send(method, path, opts);
  if (r.status >= 200 && r.status < 300) return r.data;
  throw new api.ApiError(r.status, r.code, r.message, r.details);
}
export const get = (path, params) => call('GET', q(path, params));

export function errText(err) {
  if (err?.status === 0) return t('offline_unavailable');
  if (err?.status === 403) return t('forbidden');
  if (err?.status === 404) return t('not_found');
  return t('error', { m: err?.message || String(err) });
}

// Turns the error body's details into [field, message] pairs: {field}, [{field|key|path, message}] or msgspec's
// "… - at `$.field`".
export function fieldErrors(err) {
  const d = err?.details;
  const list = Array.isArray(d) ? d : d && typeof d === 'object' ? [d] : [];
  return list.map((e) => {
    const m = /at `\$\.([a-z_]+)/.exec(e.message || '');
    return [e.field || e.key || e.parameter || (m && m[1]) || '', e.field && !Array.isArray(d) ? err.message : e.message || err.message];
  });
}

// A form from [name, label, control] rows; each row has an error slot. submit(values) may throw an ApiError.
export function form({ rows, submit, label = t('save'), id }) {
  const slots = {};
  const alert = h('p', { class: 'error', role: 'alert', hidden: true });
  const el = h('form', { class: 'aform', id, novalidate: true });
  for (const [name, text, control, hint, extra] of rows) {
    if (!control) continue;
    control.name = control.name || name;
    slots[name] = h('small', { class: 'ferr', id: uid('e'), 'aria-live': 'polite' });
    control.setAttribute('aria-describedby', slots[name].id);
    const f = control.type === 'checkbox' ? h('div', { class: 'field' }, h('label', { class: 'check' }, control, text))
      : field(text, control, hint);
    f.dataset.field = name;
    f.append(...(extra ? [extra] : []), slots[name]);
    el.append(f);
  }
  const btn = h('button', { type: 'submit' }, label);
  el.append(alert, h('div', { class: 'row' }, btn));
  el.addEventListener('submit', async (e) => {
    e.preventDefault();
    Object.values(slots).forEach((s) => { s.textContent = ''; });
    alert.hidden = true;
    btn.disabled = true;
    try {
      await submit(values(el));
    } catch (err) {
      const rest = [];
      for (const [name, msg] of fieldErrors(err)) if (slots[name]) slots[name].textContent = msg; else if (msg !== err.message) rest.push(msg);
      if (rest.length || !el.querySelector('.ferr:not(:empty)')) { alert.textContent = [errText(err), ...rest].join(' · '); alert.hidden = false; }
    } finally { btn.disabled = false; }
  });
  return el;
}

function values(el) {
  const out = {};
  for (const c of el.elements) {
    if (!c.name) continue;
    if (c.type === 'checkbox') out[c.name] = c.checked;
    else if (c.multiple) out[c.name] = [...c.selectedOptions].map((o) => Number(o.value));
    else out[c.name] = c.value.trim();
  }
  return out;
}

export const input = (attrs = {}) => h('input', { type: 'text', ...attrs });
export function select(options, value, attrs = {}) {
  return h('select', attrs, options.map(([v, text]) => h('option', { value: v, selected: String(v) === String(value ?? '') }, text)));
}
export const any = (text = t('a_any')) => ['', text];
export const yesNo = () => [any(), ['true', t('a_yes')], ['false', t('a_no')]];

// A table from [[heading, cell(row)], ...]; a cell may return a string or nodes.
export function table(cols, rows, attrs = {}) {
  return h('div', { class: 'tablewrap' }, h('table', { class: 'atable', ...attrs },
    h('thead', {}, h('tr', {}, cols.map(([c]) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, cols.map(([, cell]) => h('td', {}, cell(r))))))));
}

export function pager({ total, limit, offset }, go) {
  const page = Math.floor(offset / limit) + 1;
  const pages = Math.max(1, Math.ceil(total / limit));
  return h('div', { class: 'row pager' },
    h('button', { type: 'button', class: 'sec', disabled: offset <= 0, onclick: () => go(Math.max(0, offset - limit)) }, t('a_prev')),
    h('span', {}, t('a_page', { p: page, n: pages, total })),
    h('button', { type: 'button', class: 'sec', disabled: offset + limit >= total, onclick: () => go(offset + limit) }, t('a_next')));
}

// A filter bar: controls plus a submit; changes call apply(values).
export function filters(controls, apply) {
  const el = h('form', { class: 'filters', role: 'search' },
    controls.map(([name, text, c]) => { c.name = name; return field(text, c); }),
    h('button', { type: 'submit' }, t('a_filter')));
  el.addEventListener('submit', (e) => { e.preventDefault(); apply(values(el)); });
  el.addEventListener('change', (e) => { if (e.target.tagName === 'SELECT') apply(values(el)); });
  return el;
}

// A list area that shows loading, its content, or the error; returns {el, load(fn)}.
export function area(attrs = {}) {
  const el = h('div', { 'aria-live': 'polite', ...attrs });
  return {
    el,
    async load(fn) {
      clear(el).append(h('p', { class: 'muted' }, t('loading')));
      try { clear(el).append(...[].concat(await fn()).filter(Boolean)); } catch (err) { clear(el).append(h('p', { class: 'error', role: 'alert' }, errText(err))); }
    },
  };
}

// A filtered, paged list of path's items: table(items) draws them; the filter bar's values replace the query, and
// prepare(query) may rewrite it (or return null: nothing can match).
export function paged(id, path, table, prepare = (p) => p) {
  let params = { limit: 50, offset: 0 };
  const box = area({ id });
  const load = () => box.load(async () => {
    const query = await prepare(params);
    if (!query) return h('p', {}, t('no_results'));
    const data = await get(path, query);
    return [h('p', { class: 'muted', id: `${id}-total` }, t('total_n', { n: data.total })), table(data.items),
      pager(data, (offset) => { params = { ...params, offset }; load(); })];
  });
  const bar = (controls) => filters(controls, (v) => { params = { ...v, limit: 50, offset: 0 }; load(); });
  return { el: box.el, load, bar };
}

// The create/edit panel above a list: open(x) shows panel(x, close); close() empties it and reloads the list.
export function editor(panel, reload) {
  const el = h('div');
  const close = (again = true) => { clear(el); if (again) reload(); };
  return { el, open: (x) => { clear(el).append(panel(x, close)); el.querySelector('input,select')?.focus(); } };
}

export const when = (iso) => (iso ? formatDate(iso, true) : '');
export const yes = (b) => (b ? t('a_yes') : t('a_no'));
export const kv = (o) => Object.entries(o || {}).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(', ');
export const activePill = (b) => h('span', { class: b ? 'pill ok' : 'pill' }, b ? t('a_active') : t('a_inactive'));

export function button(text, onclick, cls = 'sec') {
  const b = h('button', { type: 'button', class: cls });
  b.textContent = text;
  b.addEventListener('click', async () => {
    b.disabled = true;
    try { await onclick(); } catch (err) { toast(errText(err), 'error'); } finally { b.disabled = false; }
  });
  return b;
}

export function fileInput(accept) { return h('input', { type: 'file', accept }); }

// Downloads need the Bearer token, so fetch the file and hand the browser a blob URL.
export async function download(path, name) {
  const r = await api.send('GET', path, { raw: true, headers: { Accept: '*/*' } });
  if (r.status !== 200) throw new api.ApiError(r.status, r.code, r.message, r.details);
  const url = URL.createObjectURL(r.data);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// Region options indented by level, for selects; counties and townships only when sitesOnly.
let regionCache = null;
export async function regions(fresh = false) {
  if (fresh || !regionCache) regionCache = (await get('/api/regions')).items;
  return regionCache;
}
export function regionOptions(list, levels) {
  const kids = new Map();
  for (const r of list) kids.set(r.parent_id ?? 0, [...(kids.get(r.parent_id ?? 0) || []), r]);
  const out = [];
  const walk = (pid, depth) => (kids.get(pid) || []).forEach((r) => {
    if (!levels || levels.includes(r.level)) out.push([r.id, '\u3000'.repeat(depth) + r.name]);
    walk(r.id, depth + 1);
  });
  walk(0, 0);
  return out;
}
export const regionName = (list, id) => list.find((r) => r.id === id)?.name ?? (id == null ? '' : `#${id}`);

export const readText = (file) => file.text();
