// Checklist templates: every stored version (the active one marked), upload a version as JSON (errors shown with
// their JSON path), its difference from the version before, and activation after a confirmation.
import { h, clear, t, toast, get, call, table, area, button, fileInput, when, errText } from './common.js';
import { pick } from '../i18n.js';

export function jsonErrors(err) {
  const list = Array.isArray(err.details) ? err.details : [];
  return [h('p', { class: 'error', role: 'alert' }, errText(err)),
    ...(list.length ? [table([[t('a_json_path'), (e) => h('code', {}, e.path || '$')], [t('a_problem'), (e) => e.message]], list, { id: 'json-errors' })] : [])];
}

// Upload a JSON file to path; shows errors in out, calls done(answer) when stored.
export function uploader(path, out, done) {
  const file = fileInput('.json,application/json');
  file.id = 'upload-' + path.split('/').pop();
  const send = async () => {
    const f = file.files[0];
    if (!f) return;
    let doc;
    try { doc = JSON.parse(await f.text()); } catch (e) { clear(out).append(h('p', { class: 'error', role: 'alert' }, t('a_bad_json', { m: e.message }))); return; }
    try { clear(out); await done(await call('POST', path, { json: doc }), doc); } catch (err) { clear(out).append(...jsonErrors(err)); }
  };
  return h('div', { class: 'card' }, h('label', { for: file.id }, t('a_upload_json')), file, h('div', { class: 'row' }, button(t('a_upload'), send, '')));
}

const itemRows = (list) => list.map((i) => `${pick(i.title) || i.item}${i.section ? ` (${pick(i.section)})` : ''}`);
const show = (v) => (v === undefined || v === null ? '—' : typeof v === 'object' ? JSON.stringify(pick(v) || v) : String(v));

export function diffView(d) {
  const block = (key, lines) => (lines.length ? [h('h3', {}, t(key, { n: lines.length })), h('ul', { class: `diff ${key}` }, lines.map((l) => h('li', {}, l)))] : []);
  const changed = d.changed.map((c) => h('li', { 'data-item': c.item }, h('strong', {}, pick(c.title) || c.item), ' ',
    h('span', { class: 'muted' }, c.item), h('ul', {}, Object.entries(c.changes).map(([f, [a, b]]) => h('li', {}, `${f}: `, h('del', {}, show(a)), ' → ', h('ins', {}, show(b)))))));
  const none = !d.added.length && !d.removed.length && !d.changed.length && !d.sections_added.length && !d.sections_removed.length;
  return h('section', { class: 'card', id: 'template-diff' },
    h('h2', {}, t('a_diff_title', { k: d.key, a: d.from_version ?? '—', b: d.to_version })),
    none ? h('p', {}, t('a_no_change')) : null,
    ...block('a_sections_added', d.sections_added.map((s) => pick(s.title) || s.section)),
    ...block('a_sections_removed', d.sections_removed.map((s) => pick(s.title) || s.section)),
    ...block('a_items_added', itemRows(d.added)),
    ...block('a_items_removed', itemRows(d.removed)),
    ...(d.changed.length ? [h('h3', {}, t('a_items_changed', { n: d.changed.length })), h('ul', { class: 'diff changed' }, changed)] : []));
}

export async function render() {
  const detail = h('div', { 'aria-live': 'polite' });
  const list = area({ id: 'template-list' });
  const showDiff = async (key, version) => {
    clear(detail).append(h('p', { class: 'muted' }, t('loading')));
    try { clear(detail).append(diffView(await get(`/api/admin/checklists/${key}/${version}/diff`))); } catch (err) { clear(detail).append(h('p', { class: 'error' }, errText(err))); }
    detail.scrollIntoView?.({ block: 'nearest' });
  };
  const load = () => list.load(async () => {
    const data = await get('/api/admin/checklists');
    return table([
      [t('a_key'), (c) => c.key],
      [t('a_version'), (c) => String(c.version)],
      [t('a_title'), (c) => pick(c.title)],
      [t('a_kind'), (c) => t(`kind_${c.site_kind}`)],
      [t('a_status'), (c) => (c.active ? h('span', { class: 'pill ok' }, t('a_active')) : '')],
      [t('a_source'), (c) => t(`a_src_${c.source}`)],
      [t('a_stored'), (c) => `${when(c.created_at)}${c.uploaded_by ? ' · ' + c.uploaded_by : ''}`],
      ['', (c) => h('div', { class: 'row' }, button(t('a_diff'), () => showDiff(c.key, c.version), 'link'),
        c.active ? null : button(t('a_activate'), async () => {
          if (!window.confirm(t('a_confirm_template', { k: c.key, v: c.version }))) return;
          await call('POST', `/api/admin/checklists/${c.key}/${c.version}/activate`);
          toast(t('a_activated', { v: c.version }));
          load();
        }, 'link'))],
    ], data.items, { 'data-rows': data.items.length });
  });
  const up = uploader('/api/admin/checklists', detail, async (c, doc) => {
    const key = c?.key ?? doc.key;
    const version = c?.version ?? doc.version;
    toast(t('a_uploaded', { k: key, v: version }));
    await load();
    await showDiff(key, version);
  });
  load();
  return h('div', {}, h('h1', {}, t('a_templates')), h('p', { class: 'muted' }, t('a_templates_help')), up, detail, list.el);
}
