// Jobs: each scheduled job with its last run and "run now"; the recent runs with what each did.
import { h, t, toast, get, call, table, area, paged, button, select, any, when, kv } from './common.js';

export const status = (s) => h('span', { class: s === 'ok' || s === 'delivered' ? 'pill ok' : ['running', 'pending', 'skipped'].includes(s) ? 'pill' : 'pill late' },
  t(`a_st_${s}`) === `a_st_${s}` ? s : t(`a_st_${s}`));

export async function render() {
  const jobs = area({ id: 'job-list' });
  const runs = paged('run-list', '/api/admin/jobs/runs', (items) => table([
    [t('a_job'), (r) => r.name],
    [t('a_trigger'), (r) => r.trigger],
    [t('a_started'), (r) => when(r.started_at)],
    [t('a_finished'), (r) => when(r.finished_at)],
    [t('a_status'), (r) => status(r.status)],
    [t('a_did'), (r) => kv(r.counts)],
    [t('a_error'), (r) => r.error || ''],
  ], items));
  let names = [];
  const loadJobs = () => jobs.load(async () => {
    const data = await get('/api/admin/jobs');
    names = data.items.map((j) => j.name);
    return table([
      [t('a_job'), (j) => h('strong', {}, j.name)],
      [t('a_description'), (j) => j.description],
      [t('a_schedule'), (j) => `${j.trigger} ${kv(j.schedule)}`],
      [t('a_last_run'), (j) => (j.last_run ? [status(j.last_run.status), ' ', when(j.last_run.finished_at || j.last_run.started_at), ' ', kv(j.last_run.counts)] : '—')],
      ['', (j) => button(t('a_run_now'), async () => {
        if (!window.confirm(t('a_confirm_run', { j: j.name }))) return;
        const r = await call('POST', `/api/admin/jobs/${encodeURIComponent(j.name)}/run`);
        toast(t('a_ran', { j: j.name, s: t(`a_st_${r.status}`), c: kv(r.counts) }));
        loadJobs();
        runs.load();
      }, 'link')],
    ], data.items);
  });
  await loadJobs();
  const bar = runs.bar([['name', t('a_job'), select([any(), ...names.map((n) => [n, n])])]]);
  runs.load();
  return h('div', {}, h('h1', {}, t('a_jobs')), jobs.el, h('h2', {}, t('a_recent_runs')), bar, runs.el);
}
