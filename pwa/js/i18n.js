// Every user-visible string goes through t(). zh-CN is the default and lives here; English is a pack loaded on
// switch (lang/en.js). DOM-free.
const zh = {
  app_name: '巡检', lang_switch: 'English', lang_label: '切换语言', loading: '加载中…',
  login: '登录', logout: '退出登录', username: '用户名', password: '密码', login_failed: '用户名或密码错误',
  login_again: '登录已过期，请重新登录。待发送的记录已保存，登录后自动发送。', login_title: '登录巡检',
  offline: '离线', online: '在线', nav_home: '首页', nav_sites: '场所', nav_findings: '隐患', nav_board: '风险', nav_plans: '计划', nav_analytics: '统计',
  nt_due_soon: '即将到期', skip_content: '跳到内容', nav_label: '主导航', nav_inbox: '消息', nav_console: '管理', nav_patrol: '巡查', nav_outbox: '待发送', unread: '{n} 条未读',
  outbox_waiting: '{n} 条待发送', outbox_empty: '没有待发送的记录', last_sync: '上次同步 {t}', never_synced: '尚未同步',
  sync_now: '立即同步', syncing: '同步中…', sync_rejected: '发送失败：{m}',
  sync_offline: '离线，联网后自动发送', sync_unreachable: '连不上服务器，稍后自动重试', sync_busy: '服务器繁忙，稍后自动重试',
  sync_retry: '服务器暂时出错，稍后自动重试', sync_login: '请重新登录，登录后自动发送', do_fix: '请按原因修改后点“重试”，或放弃此记录。',
  do_login: '请以 {u} 登录后点“重试”。', do_discard: '已无法发送，请放弃此记录。', sent: '已发送', as_of: '截至 {t}',
  discard: '放弃此记录', confirm_discard: '确定放弃这条未发送的记录？',
  co_inspectors: '同行检查人员', co_none: '无可选检查人员（请联网打开场所）', co_required: '本次检查须有两名检查人员：请选择同行检查人员',
  tasks_title: '我的抽查任务', task_open: '待检查', task_in_progress: '检查中', task_done: '已完成', task_overdue: '逾期未完成',
  due_title: '待检查场所', due_empty: '暂无到期的检查', due_in: '{n} 天后到期', overdue_by: '逾期 {n} 天', due_today: '今天到期',
  drafts_title: '草稿', drafts_empty: '没有草稿', continue: '继续', start_inspection: '开始检查', self_inspection: '开始自查',
  sites_title: '场所', search: '搜索场所', search_ph: '名称、编号或地址', nearest: '附近场所', locating: '正在定位…',
  no_location: '无法获取位置', distance_m: '{n} 米', distance_km: '{n} 公里', no_results: '没有结果',
  kind_eldercare: '养老机构', kind_lottery_outlet: '福彩投注站', kind_patrol_zone: '巡查区域', kind_rescue_station: '救助管理站',
  tier_red: '重大风险', tier_orange: '较大风险', tier_yellow: '一般风险', tier_blue: '低风险', tier_none: '未评级',
  template_missing: '此场所类型的检查表尚未下载，请联网后重试', offline_unavailable: '离线时无法加载，请联网后重试',
  ans_yes: '符合', ans_no: '不符合', ans_na: '不适用', basis: '依据', grade_general: '一般隐患', grade_major: '重大隐患',
  default_grade: '默认等级：{g}，整改 {d} 天', photo_required: '不符合时须拍照', add_photo: '拍照', remove_photo: '删除照片',
  note: '备注', add_entry: '添加一条', remove_entry: '删除此条', entry_n: '第 {n} 条', location_get: '获取位置',
  location_value: '纬度 {lat}，经度 {lng}（±{acc} 米）', checkin: '签到位置', saved: '已自动保存', sections: '各节', sections_done: '已完成 {a}/{n} 节', section_answered: '，本节已答 {a}/{n}（按当前显示的必答项）',
  prev_section: '上一节', next_section: '下一节', all_comply: '本节全部符合', comply_confirm: '本节 {n} 项未答的检查项标为“符合”？已答的不变，仍可修改。',
  submit: '提交', submit_confirm: '提交后不能修改，确定提交？', submitted: '已提交，等待发送', missing_answers: '还有 {n} 项未答',
  missing_photo: '「{item}」不符合时须拍照', number_range: '范围 {min}–{max}', select_ph: '请选择',
  delete_draft: '删除草稿', confirm_delete_draft: '确定删除此草稿？', deadline_days: '整改期限（天）',
  findings_title: '隐患', status_open: '待整改', status_responded: '待复查', status_closed: '已销号', status_all: '全部',
  status_reopened: '已退回', deadline: '期限 {d}', overdue: '已逾期', finding_none: '没有隐患', respond: '整改反馈',
  response_note: '整改说明', send: '发送', ask_extension: '申请延期', new_deadline: '新期限',
  reason: '理由', verify: '核查', accept: '复查合格，予以销号', reject: '退回', history: '记录', print_notice: '打印整改通知书', nav_sign: '签名',
  level_n: '督办 {n} 级', level_1: '催办', level_2: '督办', level_3: '挂牌督办', board_title: '风险看板', board_region: '区域', red_orange: '红色、橙色场所', reasons: '原因',
  overdue_levels: '逾期未整改（按督办级别）', overdue_l0: '逾期未督办', direct_row: '本级（{name}）', trend: '12 周趋势', drill_up: '返回上级',
  inbox_title: '消息', inbox_empty: '没有消息', mark_read: '标为已读', read_all: '全部标为已读', unread_only: '只看未读', inbox_kind: '类型',
  inbox_settings: '通知设置', mute_hint: '取消勾选的类型不再进入你的消息。', kind_required: '依法必须送达，不能关闭', saved_ok: '已保存',
  alerts_on: '开启通知提醒', alerts_denied: '通知提醒已被拒绝，可在浏览器的网站设置中开启。',
  'nk_finding.raised': '检查发现隐患', 'nk_finding.self_reported': '自查发现隐患', 'nk_finding.responded': '隐患整改反馈',
  'nk_finding.rechecked': '现场复查通过', 'nk_finding.rejected': '整改未通过', 'nk_finding.closed': '隐患销号', 'nk_finding.extension_requested': '延期申请',
  'nk_finding.extension_approved': '延期已批准', 'nk_finding.extension_refused': '延期未批准', 'nk_finding.awaiting_closure': '重大隐患待确认销号', 'nk_finding.extension_proposed': '重大隐患延期待审批',
  'nk_finding.listed': '挂牌督办', 'nk_finding.listing_declined': '不予挂牌督办', 'nk_case.opened': '跟进个案登记',
  'nk_site.decision': '监管决定', 'nk_finding.plan_submitted': '重大隐患整改方案', ev_finding_submit_plan: '提交整改方案', ev_finding_propose_extension: '提请延期', ev_finding_confirm_listing: '挂牌督办', ev_finding_decline_listing: '不予挂牌', ev_escalation_listing: '拟挂牌督办', propose: '提请审批', listing_title: '拟挂牌督办', listing_confirm: '确认挂牌', listing_decline: '不予挂牌',
  'nk_case.closed': '跟进个案办结', nk_escalation: '逾期督办',
  notice_title: '告知（请向对方出示或宣读）', notice_given: '已告知', notice_offline: '告知文本尚未下载，请联网后打开巡查', patrol_title: '街面巡查', patrol_start: '开始巡查', patrol_end: '结束巡查', patrol_zone: '巡查区域', encounter_add: '记录一名人员',
  encounters_n: '已记录 {n} 人', track_points: '轨迹点 {n} 个', patrol_ended: '巡查已结束，等待发送', patrol_running: '巡查进行中',
  face_rule: '未成年人非必要不拍照；确需拍摄面部的（如寻亲）须标明并写明理由', face_needed: '确需拍摄面部', face_reason: '拍摄理由', face_reason_missing: '请写明拍摄理由', face_photo_minor: '未成年人的照片须标明确需拍摄并写明理由，否则请删除',
  colon: '：', back: '返回', save: '保存', cancel: '取消', error: '出错了：{m}', forbidden: '无权访问', not_found: '未找到',
  storage_persist_denied: '浏览器可能在空间不足时清除离线数据',
  photo_n: '{n} 张照片', from_gallery: '相册照片', site: '场所', inspector: '检查员', date: '日期',
  numbers_say_no: '所填数字表明本项不符合，只能选“不符合”', invalid_value: '数值不在允许范围内', export_csv: '导出 CSV', findings_n: '将生成 {n} 项隐患。', self_reported: '自查发现', retry: '重试', outbox_rejected: '{n} 条发送失败', correct_draft: '修改后重新提交', raise_major: '判定为重大隐患', extra_findings: '其他隐患', extra_hint: '检查表未涵盖的隐患', extra_one: '隐患', extra_title: '隐患名称', extra_grade: '隐患等级', extra_description: '隐患描述', photo_size: '照片压缩（最长边）', photo_px: '{n} 像素', factor_open_general: '未整改一般隐患', factor_open_major: '未整改重大隐患',
  factor_overdue: '逾期未整改隐患', factor_escalation: '督办级别合计', factor_noncompliance: '近期检查不符合率（%）',
  factor_inspection_overdue: '检查逾期天数', factor_beds: '床位数', factor_full_care_share: '失能老人占比（%）', factor_override: '直接判定', late_reason: '检查逾期 {d} 天（+{p} 分，检查未按期，不是场所自身风险）', own_tier: '自身风险：{t}', factor_building_type: '建筑结构', factor_building_height: '建筑高度（米）', factor_immobile_upstairs: '二层以上失能老人', factor_fire_acceptance: '消防验收', factor_grade: '等级评定', factor_complaints: '近12个月投诉', factor_sales_volume: '销量等级', factor_instant_tickets: '销售即开票',
  override_major_at_level: '重大隐患已挂牌督办', override_open_major_count: '多项重大隐患未整改', override_open_major: '存在未整改重大隐患',
  next_due: '下次检查 {d}', rated_at: '评级时间 {d}', total_n: '共 {n} 个', recheck: '现场复查', approve: '同意', refuse: '不同意', patrol_team: '巡查队员（用逗号分隔）', patrol_campaign: '专项行动', patrol_campaign_ph: '寒冬送温暖',
  patrol_warning: '气象预警',
  ev_finding_create: '发现隐患', ev_finding_respond: '整改反馈', ev_finding_reject: '退回', ev_finding_recheck: '现场复查', ev_finding_accept: '复查合格，予以销号', ev_finding_request_extension: '申请延期', ev_finding_approve_extension: '同意延期', ev_finding_refuse_extension: '不同意延期', ev_escalation_reminder: '到期提醒', ev_escalation_level1: '逾期通知', ev_escalation_level2: '督办', ev_escalation_level3: '挂牌督办',
  coverage_title: '巡查覆盖', cov_in_time: '按时巡查', cov_late: '逾期未巡', cov_never: '从未巡查', cov_status: '状态', cov_last: '上次巡查', cov_daily: '寒潮期间每日',
  cases_title: '待跟进个案（按登记时长）', cases_none: '没有待跟进的个案', case_open_n: '待跟进', case_title: '跟进个案 #{n}', case_urgent: '须当日跟进',
  case_opened: '登记 {d}', case_opened_at: '登记时间', case_deadline: '跟进期限', case_closed_at: '办结时间', case_close: '办结', case_outcome: '结果',
  case_closed: '已办结', case_st_open: '跟进中', case_st_closed: '已办结',
  case_minor: '未成年人', case_critically_ill: '危重病人', case_mental_illness: '疑似精神障碍', case_elderly: '老年人', case_disabled: '残疾人',
  case_refusal: '拒绝救助', case_requested: '需要跟进',
  age_under_1d: '不足 1 天', age_1_to_3d: '1–3 天', age_3_to_7d: '3–7 天', age_over_7d: '7 天以上',
  outcome_placed_at_station: '已入站救助', outcome_returned_home: '已返乡', outcome_hospitalised: '已送医', outcome_declined_after_follow_up: '跟进后仍拒绝救助',
  outcome_handed_to_police: '已移交公安', outcome_not_found_again: '未再找到',
  enc_show: '查看所遇人员信息', enc_met: '遇见时间', enc_sex: '性别', enc_age: '年龄段', enc_flags: '特殊情况', enc_place: '地点类型',
  enc_action: '处置', enc_features: '体貌特征', system: '系统', enc_purged: '已按保存期限删除',
  decisions_title: '监管决定',
  plan_title: '五到位整改方案', plan_submit: '提交整改方案', plan_revise: '修改整改方案', plan_measures: '整改措施',
  plan_responsible: '整改责任人', plan_funds: '整改资金', plan_complete_by: '完成时限', plan_contingency: '应急预案',
  plan_due: '整改方案须于 {d} 前提交', plan_overdue: '整改方案逾期未提交（期限 {d}）', plan_late: '逾期提交',
  plan_revision: '共 {n} 版，以最新一版为准',
};


// English starts empty and is filled from its pack (lang/en.js) on first use; the admin console and the desk add
// their own strings to both, whichever loads first.
export const DICTS = { 'zh-CN': zh, en: {} };
const PACKS = { en: () => import('./lang/en.js') };
// A pack's `texts`: the checklist templates' Chinese texts in its language (pick() looks a plain string up there).
const TEXTS = { en: {} };
// A pack's `notes`: notification titles by kind, with {site} and {title} (noteTitle).
const NOTES = { en: {} };
const loaded = new Set(['zh-CN']);
let current = 'zh-CN';

// Switch to `lang`, loading its pack first. Without the pack (offline before it was ever fetched) or for an unknown
// language, Chinese stays: the answer is the language now in use.
export async function setLang(lang) {
  if (!loaded.has(lang) && PACKS[lang]) {
    try {
      const pack = await PACKS[lang]();
      Object.assign(DICTS[lang], pack[lang]);
      Object.assign(TEXTS[lang], await pack.texts?.().catch(() => ({})));
      Object.assign(NOTES[lang], pack.notes);
      loaded.add(lang);
    } catch { /* not reachable: keep Chinese */ }
  }
  current = loaded.has(lang) ? lang : 'zh-CN';
  return current;
}
export function getLang() { return current; }

export function t(key, vars) {
  const s = DICTS[current][key] ?? DICTS['zh-CN'][key] ?? key;
  if (!vars) return s;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

// A notification's title in the chosen language. The server words it in Chinese; in another language it is worded
// here from its kind, its site (body) and the subject's own title, where the pack words that kind (else as sent).
export function noteTitle(n) {
  if (current === 'zh-CN' || !n.subject_title) return n.title;
  const title = pick(n.subject_title);
  if (n.kind === 'escalation') return `${n.level ? levelName(n.level) : t('nt_due_soon')}${t('colon')}${title}`;
  const words = NOTES[current]?.[n.kind];
  return words ? words.replace('{site}', () => n.body).replace('{title}', () => title) : n.title;
}

// An escalation level by its name (催办, 督办, 挂牌督办); a level without a name of its own says its number.
export function levelName(n) {
  const key = `level_${n}`;
  return key in DICTS[current] || key in DICTS['zh-CN'] ? t(key) : t('level_n', { n });
}

// Template text may be a string or {zh, en}: pick the one for the current language. A string is the template's
// Chinese, shown in the current language when its pack translates it (one engine for every template and version).
export function pick(text) {
  if (text == null) return '';
  if (typeof text === 'string') return TEXTS[current]?.[text] ?? text;
  return (current === 'en' ? text.en : text.zh) || text.zh || text['zh-CN'] || text.en || '';
}

// Intl's zh-CN and en-GB shapes (2026/12/04 09:30, 04/12/2026, 09:30) in Asia/Shanghai, made by hand: the zone has
// been UTC+8 without daylight saving since 1991, and a page's first use of Intl (loading ICU) blocked a phone's main
// thread for about 150 ms of the board's start (4x CPU slowdown).
const p2 = (n) => String(n).padStart(2, '0');
export function formatDate(iso, withTime = false) {
  if (!iso) return '';
  const ms = new Date(iso).getTime();
  if (Number.isNaN(ms)) return String(iso);
  const d = new Date(ms + 288e5);
  const [y, mo, day] = [d.getUTCFullYear(), p2(d.getUTCMonth() + 1), p2(d.getUTCDate())];
  const time = withTime ? `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}` : '';
  return current === 'en' ? `${day}/${mo}/${y}${time && ', ' + time}` : `${y}/${mo}/${day}${time && ' ' + time}`;
}

// Today in Asia/Shanghai as YYYY-MM-DD, for date inputs: the UTC date is yesterday's before 08:00 Beijing time.
export function today() { return new Date(Date.now() + 288e5).toISOString().slice(0, 10); }
