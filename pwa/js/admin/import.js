// Bulk import of sites from XLSX or CSV: a dry run lists every error by row and column; only a clean dry run of
// the same file enables the import, which then shows what it did.
import { h, clear, t, call, table, fileInput, errText } from './common.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const SHOWN = 500; // errors listed on screen; the rest are counted

function send(file, dryRun) {
  const type = /\.xlsx$/i.test(file.name) ? XLSX : 'text/csv';
  return call('POST', `/api/admin/sites/import?dry_run=${dryRun}`, { blob: file, contentType: type });
}

function counts(r) {
  return h('dl', { class: 'counts', id: 'import-counts' },
    h('dt', {}, t('a_rows')), h('dd', { 'data-n': 'total_rows' }, String(r.total_rows)),
    h('dt', {}, t('a_created')), h('dd', { 'data-n': 'created' }, String(r.created)),
    h('dt', {}, t('a_updated')), h('dd', { 'data-n': 'updated' }, String(r.updated)),
    h('dt', {}, t('a_unchanged')), h('dd', { 'data-n': 'unchanged' }, String(r.unchanged)),
    h('dt', {}, t('a_errors')), h('dd', { 'data-n': 'errors' }, String(r.errors.length)));
}

function report(r) {
  const out = [h('h2', {}, r.dry_run ? t('a_dry_result') : t('a_import_done')), counts(r)];
  if (r.errors.length) {
    out.push(h('p', { class: 'error', role: 'alert' }, t('a_import_errors', { n: r.errors.length })),
      table([
        [t('a_row'), (e) => String(e.row)],
        [t('a_column'), (e) => e.column || ''],
        [t('a_problem'), (e) => e.message || e.code],
      ], r.errors.slice(0, SHOWN), { id: 'import-errors' }));
    if (r.errors.length > SHOWN) out.push(h('p', { class: 'muted' }, t('a_more', { n: r.errors.length - SHOWN })));
  }
  return out;
}

export async function render() {
  const file = fileInput('.xlsx,.csv,text/csv,' + XLSX);
  file.id = 'import-file';
  const result = h('div', { id: 'import-result', 'aria-live': 'polite' });
  const dry = h('button', { type: 'button', id: 'import-dry', class: 'sec', disabled: true }, t('a_dry_run'));
  const go = h('button', { type: 'button', id: 'import-go', disabled: true }, t('a_import_now'));
  let checked = null; // the file whose dry run came back clean
  const run = async (dryRun) => {
    const f = file.files[0];
    dry.disabled = go.disabled = true;
    clear(result).append(h('p', { class: 'muted' }, t(dryRun ? 'a_checking' : 'a_importing')));
    try {
      const r = await send(f, dryRun);
      checked = dryRun && !r.errors.length ? f : null;
      clear(result).append(...report(r));
    } catch (err) {
      checked = null;
      // Errors found when importing for real come back as 422 with the report as details.
      clear(result).append(...(err.details?.errors ? report(err.details) : [h('p', { class: 'error', role: 'alert' }, errText(err))]));
    } finally {
      dry.disabled = !file.files[0];
      go.disabled = checked !== file.files[0];
    }
  };
  file.addEventListener('change', () => { checked = null; dry.disabled = !file.files[0]; go.disabled = true; clear(result); });
  dry.addEventListener('click', () => run(true));
  go.addEventListener('click', () => run(false));
  return h('div', {}, h('h1', {}, t('a_import_title')),
    h('p', { class: 'muted' }, t('a_import_help')),
    h('div', { class: 'card' }, h('label', { for: 'import-file' }, t('a_choose_file')), file,
      h('div', { class: 'row' }, dry, go)),
    result);
}
