// Small pieces several screens share.
import { t, pick, formatDate, levelName } from '../i18n.js';
import { h } from '../dom.js';

// ISO dates and ASCII codes compared as they are: localeCompare would load ICU's collator (tens of ms of a phone's
// start) for an order the plain comparison already gives. Missing values sort first.
export const byText = (a, b) => ((a || '') > (b || '')) - ((a || '') < (b || ''));

export function tierPill(tier) {
  const key = ['red', 'orange', 'yellow', 'blue'].includes(tier) ? tier : 'none';
  return h('span', { class: `pill ${key}` }, t(`tier_${key}`));
}

export function gradePill(grade) {
  return h('span', { class: grade === 'major' ? 'pill major' : 'pill' }, t(grade === 'major' ? 'grade_major' : 'grade_general'));
}

export function statusText(status) {
  const key = `status_${status}`;
  const s = t(key);
  return s === key ? status : s;
}

export function isOverdue(f) {
  return f.overdue ?? (f.deadline && f.status !== 'closed' && Date.parse(f.deadline) < Date.now());
}

export function findingItem(f) {
  return h('li', { class: f.grade === 'major' ? 'tier-red' : 'tier-yellow', 'data-finding': f.id },
    h('a', { class: 'main', href: `#/finding/${f.id}` }, pick(f.title || f.item_label) || f.description || `#${f.id}`),
    h('div', { class: 'row' }, gradePill(f.grade), h('span', { class: 'pill' }, statusText(f.status)),
      f.deadline ? h('span', { class: isOverdue(f) ? 'pill late' : 'muted' }, t('deadline', { d: formatDate(f.deadline) })) : null,
      f.escalation_level ? h('span', { class: 'pill late' }, levelName(f.escalation_level)) : null),
    f.site_name ? h('div', { class: 'muted' }, f.site_name) : null);
}

// Lateness (检查逾期) as its own reason beside the site's own risk: the days, the points, and the site's own tier when
// the lateness alone raised the tier shown.
export function lateNote(r) {
  if (!r.lateness) return null;
  const own = r.own_tier && r.own_tier !== r.tier ? ` · ${t('own_tier', { t: t(`tier_${r.own_tier}`) })}` : '';
  return h('p', { class: 'muted late-reason' }, t('late_reason', { d: Math.round(r.lateness.value), p: r.lateness.contribution }), own);
}

// A risk factor as a person reads it: "未整改重大隐患：1".
export function factorText(f) {
  if (typeof f === 'string') return f;
  if (f.factor === 'override') {
    const k = `override_${f.value}`;
    return t(k) === k ? String(f.value) : t(k);
  }
  const k = `factor_${f.factor}`;
  return `${t(k) === k ? f.factor : t(k)}${t('colon')}${f.value}`;
}
