// The inbox as the shell keeps it: when to ask for the unread count, what the badge says, which notifications are
// new, and where each one leads. No DOM: the page and the service worker call these, node tests run them.
import { backoff } from './sync.js';

export const POLL_MS = 60000;
const HIDDEN_LONG = 10 * 60000;

// About a minute, ±20 % so that phones opened at the same moment spread out; every 10 minutes once the app has been
// in the background for 10 minutes; after failures the outbox's back-off (with its jitter and its 15-minute cap).
export function nextPoll({ failures = 0, hiddenFor = 0, random = Math.random } = {}) {
  if (failures) return backoff(failures, { base: POLL_MS, random });
  return Math.round((hiddenFor > HIDDEN_LONG ? HIDDEN_LONG : POLL_MS) * (0.8 + 0.4 * random()));
}

// saved: {n, at} as the server last said; reads waiting in the outbox are already taken off. Offline the count is
// the last known one, marked as of when it was known.
export function badge(saved, pendingReads = 0, online = true) {
  if (!saved || saved.n == null) return null;
  return { n: Math.max(0, saved.n - pendingReads), at: saved.at, stale: !online };
}

// Unread notifications newer than the newest already seen. The first look (seen unknown: a new login on this phone)
// only sets the mark, so nobody gets their whole backlog as system notifications.
export function fresh(items, seen) {
  const top = items.reduce((m, n) => Math.max(m, n.id), seen || 0);
  return { show: seen == null ? [] : items.filter((n) => !n.read_at && n.id > seen), seen: top };
}

const ROUTE = { finding: 'finding', follow_up_case: 'case', patrol_case: 'case' };

// The PWA route of a notification's subject; anything else opens its site.
export function notificationLink(n) {
  const to = ROUTE[n.subject_type];
  if (to && n.subject_id) return `#/${to}/${n.subject_id}`;
  return n.site_id ? `#/site/${n.site_id}` : null;
}
