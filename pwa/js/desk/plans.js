// Inspection plans (双随机一公开) for supervisors: create a plan, draw it, see the draw, publish it. Desktop and online
// only: loaded with import(), never precached, so the inspectors' offline shell does not carry it or its strings.
import { DICTS, t, formatDate, today } from '../i18n.js';
import { h, field, toast } from '../dom.js';
import * as api from '../api.js';
import { go, errorText } from '../app.js';
import { tierPill } from '../views/parts.js';

Object.assign(DICTS['zh-CN'], {
  p_title: '检查计划', p_new: '新建计划', p_name: '计划名称', p_kind: '检查类型', p_partner: '联合部门', p_region: '区域',
  p_kinds: '检查对象类型', p_start: '开始日期', p_end: '结束日期', p_count: '抽取数量', p_pool: '检查人员库（至少两人）',
  p_create: '创建', p_seed: '随机种子（可不填）', p_draw: '随机抽取', p_redraw: '重新抽取', p_publish: '确认并公开',
  p_confirm: '公开后抽取结果不可更改，确定？', p_verify: '复核抽取', p_ok: '复核一致', p_bad: '复核不一致',
  p_site: '检查对象', p_tier: '风险等级', p_pair: '检查人员', p_public: '公开页面', p_none: '暂无计划',
  p_progress: '完成 {d}/{n}', p_algo: '种子 {s} · 算法版本 {v} · 符合条件 {e} 个',
  pk_routine: '日常检查', pk_special: '专项检查', pk_complaint: '投诉举报检查', pk_joint: '联合检查',
  ps_draft: '草稿', ps_drawn: '已抽取', ps_published: '已公开',
});
Object.assign(DICTS.en, {
  p_title: 'Inspection plans', p_new: 'New plan', p_name: 'Plan name', p_kind: 'Kind', p_partner: 'Partner department',
  p_region: 'Region', p_kinds: 'Site kinds', p_start: 'Start', p_end: 'End', p_count: 'Sites to draw',
  p_pool: 'Inspector pool (two at least)', p_create: 'Create', p_seed: 'Seed (optional)', p_draw: 'Draw',
  p_redraw: 'Draw again', p_publish: 'Confirm and publish', p_confirm: 'Once published the draw is final. Publish?',
  p_verify: 'Verify the draw', p_ok: 'The draw verifies', p_bad: 'The draw does not verify', p_site: 'Site',
  p_tier: 'Risk tier', p_pair: 'Inspectors', p_public: 'Public page', p_none: 'No plans yet', p_progress: 'done {d}/{n}',
  p_algo: 'seed {s} · algorithm version {v} · {e} eligible', pk_routine: 'Routine', pk_special: 'Special campaign',
  pk_complaint: 'Complaint', pk_joint: 'Joint', ps_draft: 'draft', ps_drawn: 'drawn', ps_published: 'published',
});

const KINDS = ['routine', 'special', 'complaint', 'joint'];
const SITE_KINDS = ['eldercare', 'lottery_outlet', 'rescue_station'];

async function call(method, path, json) {
  const r = await api.send(method, path, { json });
  if (r.status === 0 || r.status >= 400) throw new api.ApiError(r.status, r.code, r.message, r.details);
  return r.data;
}

const msgBox = () => h('p', { class: 'error', role: 'alert', hidden: true });
function fail(box, err) {
  const d = Array.isArray(err.details) ? err.details.map((x) => x.site_name || [x.field, x.message].filter(Boolean).join(': ')) : [];
  box.textContent = [errorText(err), ...d].join('；');
  box.hidden = false;
}

export async function render({ args }) {
  return args[0] ? plan(args[0]) : list();
}

async function list() {
  const out = h('div', {}, h('h1', {}, t('p_title')));
  const plans = (await call('GET', '/api/plans?limit=200')).items;
  out.append(plans.length ? h('ul', { class: 'list', id: 'plans' }, plans.map((p) => h('li', {},
    h('a', { class: 'main', href: `#/plans/${p.id}` }, p.name),
    h('div', { class: 'muted' }, t(`pk_${p.kind}`), ' · ', p.region_name, ' · ', formatDate(p.period_start), '–',
      formatDate(p.period_end), ' · ', t(`ps_${p.status}`), ' · ', t('p_progress', { d: p.progress.done,
        n: p.progress.done + p.progress.open + p.progress.in_progress + p.progress.overdue }))))) : h('p', { class: 'muted' }, t('p_none')));
  out.append(await form());
  return out;
}

async function form() {
  const all = await call('GET', '/api/regions');
  const regions = (all.items || all).filter((r) => r.level !== 'township');
  const input = (name, type = 'text', extra = {}) => h('input', { name, type, required: true, ...extra });
  const name = input('name', 'text', { maxlength: 200 });
  const kind = h('select', { name: 'kind' }, KINDS.map((k) => h('option', { value: k }, t(`pk_${k}`))));
  const partner = input('partner', 'text', { required: false, maxlength: 200 });
  const region = h('select', { name: 'region' }, regions.map((r) => h('option', { value: r.id }, r.name)));
  const kinds = h('div', { class: 'row', id: 'plan-kinds' }, SITE_KINDS.map((k) => h('label', {},
    h('input', { type: 'checkbox', value: k, checked: k === 'eldercare' }), t(`kind_${k}`))));
  const start = input('start', 'date', { value: today() });
  const end = input('end', 'date', { value: today() });
  const count = input('count', 'number', { min: 1, value: 5 });
  const pool = h('div', { id: 'plan-pool' });
  // Choosing another region empties the pool at once (the previous region's people are not this one's, and could be
  // submitted with it while the list loads); an answer for a region chosen before the last one is dropped.
  let asked = 0;
  const loadPool = async () => {
    const mine = ++asked;
    pool.replaceChildren();
    const people = await call('GET', `/api/plans/inspectors?region=${region.value}`).catch(() => []);
    if (mine !== asked) return;
    pool.replaceChildren(...people.map((u) => h('label', {}, h('input', { type: 'checkbox', value: u.id, checked: true }), u.display_name)));
  };
  region.addEventListener('change', loadPool);
  await loadPool();
  const msg = msgBox();
  const checked = (box) => [...box.querySelectorAll('input:checked')].map((i) => i.value);
  const submit = async (e) => {
    e.preventDefault();
    msg.hidden = true;
    try {
      const made = await call('POST', '/api/plans', { name: name.value, kind: kind.value, partner: partner.value,
        region_id: +region.value, site_kinds: checked(kinds), period_start: start.value, period_end: end.value,
        count: +count.value, pool: checked(pool).map(Number) });
      go(`plans/${made.id}`);
    } catch (err) { fail(msg, err); }
  };
  return h('form', { id: 'plan-form', onsubmit: submit }, h('h2', {}, t('p_new')),
    field(t('p_name'), name), field(t('p_kind'), kind), field(t('p_partner'), partner), field(t('p_region'), region),
    h('fieldset', {}, h('legend', {}, t('p_kinds')), kinds), field(t('p_start'), start), field(t('p_end'), end),
    field(t('p_count'), count), h('fieldset', {}, h('legend', {}, t('p_pool')), pool), msg,
    h('button', { type: 'submit', id: 'plan-create' }, t('p_create')));
}

async function plan(id) {
  const p = await call('GET', `/api/plans/${id}`);
  const msg = msgBox();
  const act = (fn) => async () => {
    msg.hidden = true;
    try { await fn(); go(`plans/${id}`); } catch (err) { fail(msg, err); }
  };
  const out = h('div', {}, h('h1', {}, p.name),
    h('p', { class: 'muted' }, t(`pk_${p.kind}`), p.partner ? `（${p.partner}）` : '', ' · ', p.region_name, ' · ',
      formatDate(p.period_start), '–', formatDate(p.period_end), ' · ', h('span', { id: 'plan-status' }, t(`ps_${p.status}`))));
  if (p.status !== 'published') {
    const seed = h('input', { name: 'seed', maxlength: 128 });
    out.append(field(t('p_seed'), seed), h('div', { class: 'row' },
      h('button', { type: 'button', id: 'plan-draw', onclick: act(() => call('POST', `/api/plans/${id}/draw`, seed.value ? { seed: seed.value } : {})) },
        p.status === 'drawn' ? t('p_redraw') : t('p_draw')),
      p.status === 'drawn' ? h('button', { type: 'button', id: 'plan-publish', onclick: act(async () => {
        if (confirm(t('p_confirm'))) await call('POST', `/api/plans/${id}/publish`);
      }) }, t('p_publish')) : null));
  } else {
    out.append(h('p', {}, h('a', { href: p.public_url, id: 'plan-public', target: '_blank', rel: 'noopener' }, t('p_public'))));
  }
  out.append(msg);
  if (p.status === 'draft') return out;
  const d = await call('GET', `/api/plans/${id}/draw`);
  const check = h('span', { id: 'plan-check', role: 'status' });
  out.append(h('p', { class: 'muted', id: 'plan-seed' }, t('p_algo', { s: d.seed, v: d.algorithm_version, e: d.eligible }), ' ',
    h('button', { type: 'button', class: 'link', onclick: async () => {
      try { check.textContent = (await call('GET', `/api/plans/${id}/draw/verify`)).matches ? t('p_ok') : t('p_bad'); } catch (err) { toast(errorText(err), 'error'); }
    } }, t('p_verify')), ' ', check),
  h('table', { id: 'plan-draw-table' }, h('thead', {}, h('tr', {}, [t('p_site'), t('p_tier'), t('p_pair')].map((c) => h('th', {}, c)))),
    h('tbody', {}, d.tasks.map((x) => h('tr', {}, h('td', {}, x.site_name, h('div', { class: 'muted' }, t(`kind_${x.site_kind}`))),
      h('td', {}, tierPill(x.tier)), h('td', {}, x.inspector_names.join('、')))))));
  return out;
}
