// Every user-visible string goes through t(). zh-CN is the default; English is the switch. DOM-free.
const zh = {
  app_name: '巡检', lang_switch: 'English', lang_label: '切换语言', loading: '加载中…',
  login: '登录', logout: '退出登录', username: '用户名', password: '密码', login_failed: '用户名或密码错误',
  login_again: '登录已过期，请重新登录。待发送的记录已保存，登录后自动发送。', login_title: '登录巡检',
  offline: '离线', online: '在线', nav_home: '首页', nav_sites: '场所', nav_findings: '隐患', nav_board: '风险', nav_plans: '计划',
  nav_inbox: '消息', nav_console: '管理', nav_patrol: '巡查', nav_outbox: '待发送', unread: '{n} 条未读',
  outbox_waiting: '{n} 条待发送', outbox_empty: '没有待发送的记录', last_sync: '上次同步 {t}', never_synced: '尚未同步',
  sync_now: '立即同步', syncing: '同步中…', sync_rejected: '发送失败：{m}',
  sync_offline: '离线，联网后自动发送', sync_unreachable: '连不上服务器，稍后自动重试', sync_busy: '服务器繁忙，稍后自动重试',
  sync_retry: '服务器暂时出错，稍后自动重试', sync_login: '请重新登录，登录后自动发送', do_fix: '请按原因修改后点“重试”，或放弃此记录。',
  do_login: '请以 {u} 登录后点“重试”。', do_discard: '已无法发送，请放弃此记录。', sent: '已发送', as_of: '截至 {t}',
  discard: '放弃此记录', confirm_discard: '确定放弃这条未发送的记录？',
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
  response_note: '整改说明', send: '发送', queued: '已保存，联网后发送', ask_extension: '申请延期', new_deadline: '新期限',
  reason: '理由', verify: '核查', accept: '复查合格，予以销号', reject: '退回', history: '记录', print_notice: '打印整改通知书',
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
  patrol_title: '街面巡查', patrol_start: '开始巡查', patrol_end: '结束巡查', patrol_zone: '巡查区域', encounter_add: '记录一名人员',
  encounters_n: '已记录 {n} 人', track_points: '轨迹点 {n} 个', patrol_ended: '巡查已结束，等待发送', patrol_running: '巡查进行中',
  back: '返回', save: '保存', cancel: '取消', error: '出错了：{m}', forbidden: '无权访问', not_found: '未找到',
  storage_persist_denied: '浏览器可能在空间不足时清除离线数据',
  photo_n: '{n} 张照片', site: '场所', inspector: '检查员', date: '日期',
  numbers_say_no: '所填数字表明本项不符合，只能选“不符合”', invalid_value: '数值不在允许范围内', export_csv: '导出 CSV', findings_n: '将生成 {n} 项隐患。', self_reported: '自查发现', retry: '重试', outbox_rejected: '{n} 条发送失败', correct_draft: '修改后重新提交', raise_major: '判定为重大隐患', extra_findings: '其他隐患', extra_hint: '检查表未涵盖的隐患', extra_one: '隐患', extra_title: '隐患名称', extra_grade: '隐患等级', extra_description: '隐患描述', photo_size: '照片压缩（最长边）', photo_px: '{n} 像素', factor_open_general: '未整改一般隐患', factor_open_major: '未整改重大隐患',
  factor_overdue: '逾期未整改隐患', factor_escalation: '督办级别合计', factor_noncompliance: '近期检查不符合率（%）',
  factor_inspection_overdue: '检查逾期天数', factor_beds: '床位数', factor_full_care_share: '失能老人占比（%）', factor_override: '直接判定',
  override_major_at_level: '重大隐患已挂牌督办', override_open_major_count: '多项重大隐患未整改', override_open_major: '存在未整改重大隐患',
  next_due: '下次检查 {d}', rated_at: '评级时间 {d}', total_n: '共 {n} 个', recheck: '现场复查', approve: '同意', refuse: '不同意', patrol_team: '巡查队员（用逗号分隔）', patrol_campaign: '专项行动',
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
};

const en = {
  app_name: 'Xunjian', lang_switch: '中文', lang_label: 'Switch language', loading: 'Loading…',
  login: 'Log in', logout: 'Log out', username: 'Username', password: 'Password', login_failed: 'Wrong username or password',
  login_again: 'Your session expired. Please log in again. Unsent records are kept and will be sent after login.',
  login_title: 'Log in to Xunjian',
  offline: 'Offline', online: 'Online', nav_home: 'Home', nav_sites: 'Sites', nav_findings: 'Findings', nav_board: 'Risk', nav_plans: 'Plans',
  nav_inbox: 'Inbox', nav_console: 'Console', nav_patrol: 'Patrol', nav_outbox: 'Outbox', unread: '{n} unread',
  outbox_waiting: '{n} waiting to send', outbox_empty: 'Nothing waiting to send', last_sync: 'Last sync {t}',
  never_synced: 'Not synced yet', sync_now: 'Sync now', syncing: 'Syncing…', sync_rejected: 'Failed: {m}',
  sync_offline: 'Offline — will send when connected', sync_unreachable: 'Cannot reach the server; will retry by itself',
  sync_busy: 'Server busy, retrying by itself', sync_retry: 'Server error; will retry by itself',
  sync_login: 'Log in again; it will be sent then', do_fix: 'Fix the cause and press Retry, or discard it.',
  do_login: 'Log in as {u}, then press Retry.', do_discard: 'It can no longer be sent: discard it.', sent: 'Sent', as_of: 'as of {t}', discard: 'Discard this record', confirm_discard: 'Discard this unsent record?',
  tasks_title: 'My drawn tasks', task_open: 'to do', task_in_progress: 'in progress', task_done: 'done', task_overdue: 'overdue',
  due_title: 'Due inspections', due_empty: 'No inspections due', due_in: 'due in {n} days', overdue_by: '{n} days overdue',
  due_today: 'due today', drafts_title: 'Drafts', drafts_empty: 'No drafts', continue: 'Continue',
  start_inspection: 'Start inspection', self_inspection: 'Start self-inspection',
  sites_title: 'Sites', search: 'Search sites', search_ph: 'Name, code or address', nearest: 'Nearest sites',
  locating: 'Locating…', no_location: 'Location unavailable', distance_m: '{n} m', distance_km: '{n} km', no_results: 'No results',
  kind_eldercare: 'Eldercare institution', kind_lottery_outlet: 'Lottery outlet', kind_patrol_zone: 'Patrol zone',
  kind_rescue_station: 'Rescue station',
  tier_red: 'Red', tier_orange: 'Orange', tier_yellow: 'Yellow', tier_blue: 'Blue', tier_none: 'Not rated',
  template_missing: 'The checklist for this kind of site is not downloaded yet; go online and retry',
  offline_unavailable: 'Not available offline; go online and retry',
  ans_yes: 'Compliant', ans_no: 'Non-compliant', ans_na: 'N/A', basis: 'Basis', grade_general: 'General hazard',
  grade_major: 'Major hazard', default_grade: 'Default: {g}, {d} days to fix', photo_required: 'Photo required if non-compliant',
  add_photo: 'Take photo', remove_photo: 'Remove photo', note: 'Note', add_entry: 'Add one', remove_entry: 'Remove this entry',
  entry_n: 'Entry {n}', location_get: 'Get location', location_value: 'lat {lat}, lng {lng} (±{acc} m)', checkin: 'Check-in location',
  saved: 'Saved', sections: 'Sections', sections_done: '{a}/{n} sections done', section_answered: '; here {a}/{n} (required items shown now)',
  prev_section: 'Previous', next_section: 'Next', all_comply: 'All comply', comply_confirm: 'Mark {n} unanswered checks compliant? Answers given stay; all can be changed.', submit: 'Submit', submit_confirm: 'A submitted inspection cannot be changed. Submit?',
  submitted: 'Submitted; waiting to send', missing_answers: '{n} items unanswered',
  missing_photo: '"{item}" needs a photo when non-compliant', number_range: 'Range {min}–{max}',
  select_ph: 'Choose…', delete_draft: 'Delete draft', confirm_delete_draft: 'Delete this draft?', deadline_days: 'Days to fix',
  findings_title: 'Findings', status_open: 'Open', status_responded: 'Awaiting re-check', status_closed: 'Closed', status_all: 'All',
  status_reopened: 'Reopened', deadline: 'Due {d}', overdue: 'Overdue', finding_none: 'No findings', respond: 'Respond',
  response_note: 'What was done', send: 'Send', queued: 'Saved; will be sent when online', ask_extension: 'Ask for more time',
  new_deadline: 'New deadline', reason: 'Reason', verify: 'Verify', accept: 'Re-check passed: close', reject: 'Reject', history: 'History',
  print_notice: 'Print rectification notice', level_n: 'Level {n}', level_1: 'Reminder', level_2: 'Supervision',
  level_3: 'Listed supervision', board_title: 'Risk board', board_region: 'Region',
  red_orange: 'Red and orange sites', reasons: 'Reasons', overdue_levels: 'Overdue, by escalation step',
  overdue_l0: 'Overdue, not escalated', direct_row: 'Directly under {name}',
  trend: 'Trend, 12 weeks', drill_up: 'Up one level',
  inbox_title: 'Inbox', inbox_empty: 'No messages', mark_read: 'Mark read', read_all: 'Mark all read', unread_only: 'Unread only',
  inbox_kind: 'Kind', inbox_settings: 'Notification settings', mute_hint: 'Unticked kinds no longer reach your inbox.',
  kind_required: 'required by law, cannot be turned off', saved_ok: 'Saved', alerts_on: 'Turn on alerts',
  alerts_denied: 'Alerts are blocked: allow them in the browser’s site settings.',
  'nk_finding.raised': 'Hazard found', 'nk_finding.self_reported': 'Hazard in a self-inspection',
  'nk_finding.responded': 'Rectification reported', 'nk_finding.rechecked': 'Re-check passed', 'nk_finding.rejected': 'Rectification rejected',
  'nk_finding.closed': 'Hazard closed', 'nk_finding.extension_requested': 'Extension asked', 'nk_finding.extension_approved': 'Extension approved',
  'nk_finding.extension_refused': 'Extension refused', 'nk_finding.awaiting_closure': 'Major hazard awaiting closure',
  'nk_finding.extension_proposed': 'Major hazard extension to approve', 'nk_finding.listed': 'Listed for supervision',
  'nk_finding.listing_declined': 'Listing declined', 'nk_case.opened': 'Follow-up case registered', 'nk_case.closed': 'Follow-up case concluded',
  'nk_site.decision': 'Decision on a site', 'nk_finding.plan_submitted': 'Rectification plan', ev_finding_submit_plan: 'Rectification plan submitted', ev_finding_propose_extension: 'Extension proposed', ev_finding_confirm_listing: 'Listed for supervision', ev_finding_decline_listing: 'Listing declined', ev_escalation_listing: 'Proposed for listing', propose: 'Propose', listing_title: 'Proposed for listed supervision', listing_confirm: 'List it', listing_decline: 'Decline',
  nk_escalation: 'Overdue supervision',
  patrol_title: 'Street patrol', patrol_start: 'Start patrol', patrol_end: 'End patrol', patrol_zone: 'Patrol zone',
  encounter_add: 'Record a person', encounters_n: '{n} people recorded', track_points: '{n} track points',
  patrol_ended: 'Patrol ended; waiting to send', patrol_running: 'Patrol in progress',
  back: 'Back', save: 'Save', cancel: 'Cancel', error: 'Error: {m}', forbidden: 'Not allowed', not_found: 'Not found',
  storage_persist_denied: 'The browser may clear offline data when space runs low',
  photo_n: '{n} photos', site: 'Site', inspector: 'Inspector', date: 'Date',
  numbers_say_no: 'The numbers recorded make this item non-compliant: only “non-compliant” fits',
  invalid_value: 'value out of range', export_csv: 'Export CSV', findings_n: '{n} findings will be raised.', self_reported: 'Self-reported', retry: 'Retry', outbox_rejected: '{n} failed', correct_draft: 'Correct and submit again', raise_major: 'Judge it a major hazard', extra_findings: 'Other hazards', extra_hint: 'Hazards no checklist item covers', extra_one: 'Hazard', extra_title: 'Hazard', extra_grade: 'Grade', extra_description: 'Description', photo_size: 'Photo size (longest side)', photo_px: '{n} px', factor_open_general: 'Open general hazards', factor_open_major: 'Open major hazards',
  factor_overdue: 'Overdue hazards', factor_escalation: 'Escalation levels, summed', factor_noncompliance: 'Recent non-compliance (%)',
  factor_inspection_overdue: 'Days past inspection due', factor_beds: 'Beds', factor_full_care_share: 'Full-care residents (%)',
  factor_override: 'Decided directly', override_major_at_level: 'Major hazard under listed supervision', override_open_major_count: 'Several open major hazards',
  override_open_major: 'Open major hazard', next_due: 'Next inspection {d}', rated_at: 'Rated {d}', total_n: '{n} in all', recheck: 'On-site re-check', approve: 'Approve', refuse: 'Refuse', patrol_team: 'Team members (comma-separated)',
  patrol_campaign: 'Campaign', patrol_warning: 'Weather warning',
  ev_finding_create: 'Found', ev_finding_respond: 'Response', ev_finding_reject: 'Rejected', ev_finding_recheck: 'On-site re-check', ev_finding_accept: 'Re-check passed: closed', ev_finding_request_extension: 'More time asked', ev_finding_approve_extension: 'Extension approved', ev_finding_refuse_extension: 'Extension refused', ev_escalation_reminder: 'Deadline reminder', ev_escalation_level1: 'Overdue notice', ev_escalation_level2: 'Supervision letter', ev_escalation_level3: 'Listed supervision',
  coverage_title: 'Patrol coverage', cov_in_time: 'Patrolled in time', cov_late: 'Late', cov_never: 'Never patrolled', cov_status: 'Status', cov_last: 'Last patrol', cov_daily: 'daily in the cold wave',
  cases_title: 'Open follow-up cases by time since registration', cases_none: 'No open follow-up cases', case_open_n: 'Open cases', case_title: 'Follow-up case #{n}', case_urgent: 'Same day',
  case_opened: 'Registered {d}', case_opened_at: 'Registered', case_deadline: 'Follow up by', case_closed_at: 'Concluded', case_close: 'Conclude the case', case_outcome: 'Outcome',
  case_closed: 'Case concluded', case_st_open: 'Open', case_st_closed: 'Concluded',
  case_minor: 'Minor', case_critically_ill: 'Critically ill', case_mental_illness: 'Suspected mental illness', case_elderly: 'Elderly', case_disabled: 'Disabled',
  case_refusal: 'Refused aid', case_requested: 'Follow-up asked for',
  age_under_1d: 'Under 1 day', age_1_to_3d: '1–3 days', age_3_to_7d: '3–7 days', age_over_7d: 'Over 7 days',
  outcome_placed_at_station: 'Taken in by a station', outcome_returned_home: 'Returned home', outcome_hospitalised: 'Hospitalised', outcome_declined_after_follow_up: 'Declined after follow-up',
  outcome_handed_to_police: 'Handed to the police', outcome_not_found_again: 'Not found again',
  enc_show: 'Show the person met', enc_met: 'Met at', enc_sex: 'Sex', enc_age: 'Age band', enc_flags: 'Vulnerable', enc_place: 'Place',
  enc_action: 'Action taken', enc_features: 'Visible features', system: 'System', enc_purged: 'Deleted after the retention period',
};

export const DICTS = { 'zh-CN': zh, en };
let current = 'zh-CN';

export function setLang(lang) { current = DICTS[lang] ? lang : 'zh-CN'; return current; }
export function getLang() { return current; }

export function t(key, vars) {
  const s = DICTS[current][key] ?? DICTS['zh-CN'][key] ?? key;
  if (!vars) return s;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

// An escalation level by its name (催办, 督办, 挂牌督办); a level without a name of its own says its number.
export function levelName(n) {
  const key = `level_${n}`;
  return key in DICTS[current] || key in DICTS['zh-CN'] ? t(key) : t('level_n', { n });
}

// Template text may be a string or {zh, en}: pick the one for the current language.
export function pick(text) {
  if (text == null) return '';
  if (typeof text === 'string') return text;
  return (current === 'en' ? text.en : text.zh) || text.zh || text['zh-CN'] || text.en || '';
}

export function formatDate(iso, withTime = false) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const opts = { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' };
  if (withTime) Object.assign(opts, { hour: '2-digit', minute: '2-digit', hour12: false });
  return new Intl.DateTimeFormat(current === 'en' ? 'en-GB' : 'zh-CN', opts).format(d);
}
