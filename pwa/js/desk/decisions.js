// Decisions on a site (约谈, 停业整顿, 责令改正, 罚款; the lottery centre's terminal and agency contract): the site's
// decisions, and a form for the kinds the caller may record there, sent through the outbox (its id is the
// decision's client_id: a replay changes nothing). Desktop and online only, like desk/plans.js: loaded with
// import(), never precached, its strings kept here.
import { DICTS, t, pick, formatDate } from '../i18n.js';
import { h, field, toast } from '../dom.js';
import * as api from '../api.js';
import { cachedGet, lastKnown, queue, outbox, route, renderStatus, session } from '../app.js';
import { uuid } from '../outbox.js';

Object.assign(DICTS['zh-CN'], {
  d_title: '监管决定', d_none: '暂无决定', d_new: '记录决定', d_kind: '决定类型', d_reason: '事实和理由',
  d_amount: '罚款金额（元）', d_amount_hint: '2,000 至 10,000 元（《彩票管理条例》第四十一条）', d_finding: '所涉隐患（可不选）',
  d_no_finding: '不涉及具体隐患', d_send: '记录', d_by: '{by} · {at}', d_basis: '依据：{b}', d_yuan: '{n} 元',
  d_pending: '{n} 条决定待发送', d_saved: '已保存，联网后发送', d_recorded: '已记录',
  d_kind_talk: '约谈', d_kind_suspension: '停业整顿', d_kind_suspension_lifted: '恢复营业', d_kind_correction_ordered: '责令改正',
  d_kind_fine: '罚款', d_kind_terminal_suspended: '暂停销售终端', d_kind_terminal_restored: '恢复销售终端',
  d_kind_contract_ended: '终止代销合同',
  d_err_amount: '罚款金额须为 2,000 至 10,000 元（《彩票管理条例》第四十一条），请修改后再记录。',
  d_err_no_penalty: '该投注站尚无依第四十一条作出的罚款记录，不能终止代销合同。',
  d_err_contract_ended: '该投注站的代销合同已终止，不能再作决定。',
  d_err_already_suspended: '该场所已处于此暂停状态。', d_err_not_suspended: '该场所并未暂停，无需恢复。',
  d_err_reason: '请填写事实和理由（不超过 2,000 字）。', d_err_finding: '所选隐患不属于该场所。',
  d_err_kind: '该决定只适用于福彩投注站。', d_err_forbidden: '你的角色不能记录此类决定。', d_err_other: '未能记录：{m}',
});
Object.assign(DICTS.en, {
  d_title: 'Decisions', d_none: 'No decisions yet', d_new: 'Record a decision', d_kind: 'Kind of decision',
  d_reason: 'Facts and reasons', d_amount: 'Fine (yuan)', d_amount_hint: '2,000 to 10,000 yuan (Lottery Regulations, Art. 41)',
  d_finding: 'Hazard concerned (optional)', d_no_finding: 'No particular hazard', d_send: 'Record', d_by: '{by} · {at}',
  d_basis: 'Basis: {b}', d_yuan: '{n} yuan', d_pending: '{n} decisions waiting to send',
  d_saved: 'Saved; it will be sent when online', d_recorded: 'Recorded',
  d_kind_talk: 'Talk with the operator', d_kind_suspension: 'Suspension', d_kind_suspension_lifted: 'Suspension lifted',
  d_kind_correction_ordered: 'Order to correct', d_kind_fine: 'Fine', d_kind_terminal_suspended: 'Terminal suspended',
  d_kind_terminal_restored: 'Terminal restored', d_kind_contract_ended: 'Agency contract ended',
  d_err_amount: 'A fine is 2,000 to 10,000 yuan (Lottery Regulations, Art. 41): change the amount and record again.',
  d_err_no_penalty: 'No fine under Art. 41 is recorded for this outlet, so its agency contract cannot be ended.',
  d_err_contract_ended: 'This outlet’s agency contract has ended: no further decision can be recorded.',
  d_err_already_suspended: 'The site is already suspended in this way.', d_err_not_suspended: 'The site is not suspended: there is nothing to restore.',
  d_err_reason: 'Give the facts and reasons (2,000 characters at most).', d_err_finding: 'That hazard is not one of this site’s.',
  d_err_kind: 'This decision applies to lottery outlets only.', d_err_forbidden: 'Your role cannot record this decision.',
  d_err_other: 'Not recorded: {m}',
});

// Who records which kind, and on which sites: the backend's table (escalation/decision_rules.py KINDS), which no
// endpoint hands out. Whether the site's earlier decisions allow one (a suspension already in force, a contract
// ended, no fine yet) is left to the server, whose answer is shown in words.
export const DECISION_KINDS = [
  ['talk', 'supervisor', false], ['suspension', 'supervisor', false], ['suspension_lifted', 'supervisor', false],
  ['correction_ordered', 'supervisor', true], ['fine', 'supervisor', true],
  ['terminal_suspended', 'lottery_centre', true], ['terminal_restored', 'lottery_centre', true],
  ['contract_ended', 'lottery_centre', true],
];
export const kindsFor = (role, siteKind) => DECISION_KINDS
  .filter(([, who, lotteryOnly]) => who === role && (!lotteryOnly || siteKind === 'lottery_outlet')).map(([k]) => k);

// The server's refusal (the outbox item's error: status, code, message, details) in words.
export function refusal(e) {
  const fields = Array.isArray(e.details) ? e.details.map((d) => d.key || d.field || d.message || '').join(' ')
    : String(e.details?.field || '');
  if (/amount_yuan/.test(fields)) return t('d_err_amount');
  if (/reason/.test(fields)) return t('d_err_reason');
  if (/finding_id/.test(fields)) return t('d_err_finding');
  if (/kind/.test(fields)) return t('d_err_kind');
  const key = `d_err_${e.code}`;
  if (t(key) !== key) return t(key);
  return e.status === 403 ? t('d_err_forbidden') : t('d_err_other', { m: e.message || e.code || e.status });
}

function item(d) {
  return h('li', { 'data-kind': d.kind, 'data-decision': d.id },
    h('div', { class: 'q' }, t(`d_kind_${d.kind}`), d.amount_yuan != null ? ` · ${t('d_yuan', { n: d.amount_yuan.toLocaleString() })}` : ''),
    h('div', { class: 'muted' }, t('d_by', { by: d.by_name, at: formatDate(d.at, true) })),
    d.basis ? h('div', { class: 'basis' }, t('d_basis', { b: d.basis })) : null,
    h('p', {}, d.reason),
    d.finding_id ? h('a', { href: `#/finding/${d.finding_id}` }, `#${d.finding_id}`) : null);
}

function form(site, kinds, findings) {
  const kind = h('select', { name: 'kind', id: 'decision-kind' }, kinds.map((k) => h('option', { value: k }, t(`d_kind_${k}`))));
  const reason = h('textarea', { name: 'reason', id: 'decision-reason', required: true, maxlength: 2000 });
  // No min/max on the amount: the server decides the range and its answer is shown (d_err_amount).
  const amount = h('input', { name: 'amount', id: 'decision-amount', type: 'number', inputmode: 'numeric', step: 1 });
  const amountField = field(t('d_amount'), amount, t('d_amount_hint'));
  const finding = h('select', { name: 'finding', id: 'decision-finding' }, h('option', { value: '' }, t('d_no_finding')),
    findings.map((f) => h('option', { value: f.id }, `#${f.id} ${pick(f.title)}`)));
  const msg = h('p', { class: 'error', role: 'alert', id: 'decision-error', hidden: true });
  const show = () => { amountField.hidden = kind.value !== 'fine'; };
  kind.addEventListener('change', show);
  show();
  const box = h('form', { class: 'card', id: 'decision-form', novalidate: true }, h('h2', {}, t('d_new')),
    field(t('d_kind'), kind), amountField, field(t('d_reason'), reason),
    findings.length ? field(t('d_finding'), finding) : null, msg,
    h('button', { type: 'submit', class: 'big', id: 'decision-send' }, t('d_send')));
  box.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.hidden = true;
    if (!reason.value.trim()) { msg.textContent = t('d_err_reason'); msg.hidden = false; reason.focus(); return; }
    const body = { kind: kind.value, reason: reason.value.trim() };
    if (kind.value === 'fine') body.amount_yuan = amount.value === '' ? null : Number(amount.value);
    if (finding.value) body.finding_id = Number(finding.value);
    const id = uuid();
    box.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    const left = await (await queue({ id, type: 'decision', method: 'POST', path: `/api/sites/${site.id}/decisions`,
      body: { ...body, client_id: id }, label: `${t('d_kind_' + body.kind)} · ${site.name}` })).sent;
    if (left?.state === 'rejected') {
      // Said here, with the form as it was filled in: the refused copy leaves the outbox.
      await outbox.discard(id);
      renderStatus();
      msg.textContent = refusal(left.error);
      msg.hidden = false;
      box.querySelectorAll('button').forEach((b) => { b.disabled = false; });
      return;
    }
    toast(left ? t('d_saved') : t('d_recorded'));
    route();
  });
  return box;
}

export async function render({ args }) {
  const site = await cachedGet(`/api/sites/${args[0]}`);
  // Offline (a decision just queued), the last list fetched, said with its time.
  const [{ data: decisions, at }, open] = await Promise.all([lastKnown(`/api/sites/${site.id}/decisions`),
    cachedGet(api.query('/api/findings', { site: site.id, status: 'open', limit: 100 })).catch(() => ({ items: [] }))]);
  const out = h('div', {}, h('h1', {}, t('d_title')),
    h('p', {}, h('a', { href: `#/site/${site.id}` }, site.name), h('span', { class: 'muted' }, ' · ', t(`kind_${site.kind}`))),
    at ? h('p', { class: 'muted' }, t('as_of', { t: formatDate(at, true) })) : null);
  out.append(decisions.length ? h('ul', { class: 'list', id: 'decisions' }, [...decisions].reverse().map(item))
    : h('p', { class: 'muted', id: 'decisions-none' }, t('d_none')));
  const pending = (await outbox.list()).filter((i) => i.path === `/api/sites/${site.id}/decisions` && i.state !== 'rejected');
  const kinds = kindsFor(session.user.role, site.kind);
  if (pending.length) out.append(h('p', { class: 'muted', id: 'decisions-pending' }, t('d_pending', { n: pending.length })));
  else if (kinds.length) out.append(form(site, kinds, open.items || []));
  return out;
}
