// The figures a bureau reports upward (统计分析) for supervisors: each table with its XLSX download. Desktop and online
// only: loaded with import(), never precached. Definitions are the API's (README "Analytics").
import { DICTS, t, pick, getLang, levelName, formatDate } from '../i18n.js';
import { h } from '../dom.js';
import * as api from '../api.js';
import { call, download, regions } from '../admin/common.js';
import { errorText } from '../app.js';

Object.assign(DICTS['zh-CN'], {
  a_title: '统计分析', a_year: '年度', a_from: '起始月', a_to: '截止月', a_region: '区域', a_mine: '我的辖区',
  a_show: '查询', a_xlsx: '导出 XLSX', a_all: '全部导出 XLSX', a_mom: '本月 {m}：{a}；上月 {p}：{b}',
  a_rect: '整改率（按整改期限所在月）', a_month: '月份', a_due: '到期隐患', a_ontime: '按期销号', a_late: '逾期销号',
  a_open: '尚未销号', a_rate: '按期整改率', a_total: '合计',
  a_major: '重大隐患清零', a_start: '月初未销号', a_raised: '新增', a_closed: '销号', a_end: '月末未销号',
  a_majors: '尚未销号的重大隐患（{n}）', a_site: '场所', a_county: '县（市、区）', a_finding: '隐患', a_deadline: '整改期限',
  a_level: '督办级别',
  a_overdue: '逾期未整改（按督办级别）', a_subject: '对象', a_count: '逾期数', a_share: '占在办', a_at: '截至 {t}',
  a_top: '高频不合格检查项（前十）', a_rank: '排名', a_template: '检查表', a_item: '检查项', a_times: '次数',
  a_this: '本月', a_prev: '上月',
  a_cov: '检查覆盖率（按县）', a_sites: '在册场所', a_inspected: '已检查', a_covp: '覆盖率',
  a_none: '无', s_finding: '隐患', s_follow_up_case: '街面巡查跟进个案', a_l0: '逾期未督办',
});
Object.assign(DICTS.en, {
  a_title: 'Analytics', a_year: 'Year', a_from: 'From month', a_to: 'To month', a_region: 'Region',
  a_mine: 'My area', a_show: 'Show', a_xlsx: 'XLSX', a_all: 'All tables as XLSX',
  a_mom: 'This month {m}: {a}; previous {p}: {b}',
  a_rect: 'Rectified on time (by the month of the deadline)', a_month: 'Month', a_due: 'Due',
  a_ontime: 'Closed on time', a_late: 'Closed late', a_open: 'Still open', a_rate: 'On time', a_total: 'Total',
  a_major: 'Major hazards cleared', a_start: 'Open at start', a_raised: 'Raised', a_closed: 'Closed',
  a_end: 'Open at end', a_majors: 'Major hazards still open ({n})', a_site: 'Site', a_county: 'County',
  a_finding: 'Hazard', a_deadline: 'Deadline', a_level: 'Level',
  a_overdue: 'Overdue by escalation level', a_subject: 'Subject', a_count: 'Overdue', a_share: 'Of open',
  a_at: 'as of {t}', a_top: 'Ten most frequent non-compliant items', a_rank: '#', a_template: 'Checklist',
  a_item: 'Item', a_times: 'Times', a_this: 'This month', a_prev: 'Previous',
  a_cov: 'Inspection coverage by county', a_sites: 'Sites', a_inspected: 'Inspected', a_covp: 'Coverage',
  a_none: 'None', s_finding: 'Findings', s_follow_up_case: 'Follow-up cases', a_l0: 'Overdue, not escalated',
});

const pct = (v) => (v == null ? '–' : `${v}%`);
const table = (id, head, rows) => h('div', { class: 'tablewrap' }, h('table', { id },
  h('thead', {}, h('tr', {}, head.map((k) => h('th', { scope: 'col' }, t(k))))),
  h('tbody', {}, rows.length ? rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c))))
    : h('tr', {}, h('td', { colspan: head.length, class: 'muted' }, t('a_none'))))));

export async function render({ params }) {
  const out = h('div', { id: 'analytics' }, h('h1', {}, t('a_title')));
  const all = await regions().catch(() => []);
  const now = new Date();
  const year = h('input', { name: 'year', type: 'number', min: 2000, max: 2100, value: params.year || now.getFullYear() });
  const months = (name, v) => h('select', { name }, Array.from({ length: 12 }, (_, i) =>
    h('option', { value: i + 1, selected: String(i + 1) === String(v) }, String(i + 1))));
  const from = months('month_from', params.month_from || 1);
  const to = months('month_to', params.month_to || now.getMonth() + 1);
  const region = h('select', { name: 'region' }, h('option', { value: '' }, t('a_mine')),
    all.filter((r) => r.level !== 'township').map((r) => h('option', { value: r.id, selected: String(r.id) === params.region }, r.name)));
  const box = h('div', { id: 'analytics-tables' });
  const msg = h('p', { class: 'error', role: 'alert', hidden: true });
  const query = () => ({ year: year.value, month_from: from.value, month_to: to.value, region: region.value });
  const save = (table) => download(api.query('/api/analytics/export.xlsx', { ...query(), table }),
    `analytics-${table || 'all'}.xlsx`).catch((err) => { msg.textContent = errorText(err); msg.hidden = false; });
  const show = async () => {
    msg.hidden = true;
    box.setAttribute('aria-busy', 'true');
    try {
      box.replaceChildren(...tables(await call('GET', api.query('/api/analytics', query())), save, await checklistTitles()));
    } catch (err) {
      msg.textContent = errorText(err);
      msg.hidden = false;
    } finally {
      box.removeAttribute('aria-busy');
    }
  };
  out.append(h('form', { class: 'row', id: 'analytics-form', onsubmit: (e) => { e.preventDefault(); show(); } },
    h('label', {}, t('a_year'), ' ', year), h('label', {}, t('a_from'), ' ', from), h('label', {}, t('a_to'), ' ', to),
    h('label', {}, t('a_region'), ' ', region), h('button', { type: 'submit' }, t('a_show')),
    h('button', { type: 'button', id: 'xlsx-all', onclick: () => save('') }, t('a_all'))), msg, box);
  await show();
  return out;
}

function section(id, title, save, ...body) {
  return h('section', { id: `a-${id}` }, h('div', { class: 'row' }, h('h2', {}, title),
    h('button', { type: 'button', class: 'xlsx', 'data-table': id, onclick: () => save(id) }, t('a_xlsx'))), ...body);
}

const subject = (o) => t(`s_${o.subject_type}`);
function level(o) {
  if (getLang() !== 'en') return o.level_name;
  return o.level ? levelName(o.level) : t('a_l0');
}

// A checklist by its title in the current language (its key only when the list cannot be read).
let titles = null;
async function checklistTitles() {
  titles ||= call('GET', '/api/checklists').then((list) => Object.fromEntries(list.map((c) => [c.key, c.title])), () => (titles = null, {}));
  const known = await titles;
  return (key) => (known[key] ? pick(known[key]) : key);
}

function tables(a, save, checklist) {
  const p = a.period;
  const rect = (r, label = r.month) => [label, r.due, r.closed_on_time, r.closed_late, r.still_open, pct(r.on_time_pct)];
  const thisRect = a.rectification.find((r) => r.month === p.this_month);
  const thisMajor = a.major_hazards.find((r) => r.month === p.this_month);
  const mom = (x, y) => h('p', { class: 'muted mom' }, t('a_mom', { m: p.this_month, a: x, p: p.previous_month, b: y }));
  return [
    section('rectification', t('a_rect'), save,
      table('t-rect', ['a_month', 'a_due', 'a_ontime', 'a_late', 'a_open', 'a_rate'],
        [...a.rectification.map((r) => rect(r)), rect(a.rectification_total, t('a_total'))]),
      mom(pct(thisRect.on_time_pct), pct(a.rectification_previous.on_time_pct))),
    section('major_hazards', t('a_major'), save,
      table('t-major', ['a_month', 'a_start', 'a_raised', 'a_closed', 'a_end'],
        a.major_hazards.map((r) => [r.month, r.open_at_start, r.raised, r.closed, r.open_at_end])),
      mom(thisMajor.open_at_end, a.major_hazards_previous.open_at_end),
      h('h3', {}, t('a_majors', { n: a.open_major_hazards_total })),
      table('t-majors', ['a_site', 'a_county', 'a_finding', 'a_deadline', 'a_level'], a.open_major_hazards.map((m) => [
        m.site_name, m.county, h('a', { href: `#/finding/${m.finding_id}` }, pick(m.title)), formatDate(m.deadline),
        m.escalation_level ? levelName(m.escalation_level) : '–']))),
    section('overdue', t('a_overdue'), save,
      h('p', { class: 'muted' }, t('a_at', { t: formatDate(a.overdue_at, true) }), ' · ', t('a_prev'), ' ',
        t('a_at', { t: formatDate(a.overdue_previous_at, true) })),
      table('t-overdue', ['a_subject', 'a_level', 'a_count', 'a_share', 'a_prev', 'a_share'], a.overdue.map((o) => [
        subject(o), level(o), o.overdue, pct(o.share_pct), o.previous_overdue, pct(o.previous_share_pct)]))),
    section('top_items', t('a_top'), save,
      table('t-top', ['a_rank', 'a_template', 'a_item', 'a_times', 'a_this', 'a_prev'], a.top_items.map((x, i) => [
        i + 1, checklist(x.template_key), h('span', { title: x.item_key }, pick(x.title)), x.count, x.this_month, x.previous_month]))),
    section('coverage', t('a_cov'), save,
      table('t-cov', ['a_county', 'a_sites', 'a_inspected', 'a_covp', 'a_this', 'a_prev'],
        [...a.coverage, a.coverage_total].map((c) => [c === a.coverage_total ? t('a_total') : c.region_name || '–',
          c.sites, c.inspected, pct(c.coverage_pct), pct(c.coverage_this_month_pct), pct(c.coverage_previous_month_pct)]))),
  ];
}
