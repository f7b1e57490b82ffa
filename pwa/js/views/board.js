// The supervisor's risk board. Patrol cases describe vulnerable people: fetched fresh, never kept offline.
import { t, formatDate, levelName } from '../i18n.js';
import { h, s } from '../dom.js';
import { cachedGet, session } from '../app.js';
import { query, send } from '../api.js';
import { tierPill, factorText, lateNote, byText } from './parts.js';

export const TIERS = ['red', 'orange', 'yellow', 'blue'];
const COLORS = { red: '#b71c1c', orange: '#e65100', yellow: '#f9a825', blue: '#1565c0' };

const count = (obj, tier) => Number((obj && (obj[tier] ?? obj.counts?.[tier])) || 0);

export function trendSvg(points) {
  const W = 600, H = 200, P = 28;
  const max = Math.max(1, ...points.flatMap((p) => TIERS.map((k) => count(p, k))));
  const x = (i) => P + (points.length > 1 ? (i * (W - 2 * P)) / (points.length - 1) : (W - 2 * P) / 2);
  const y = (v) => H - P - (v * (H - 2 * P)) / max;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': t('trend') },
    s('title', {}, t('trend')),
    s('line', { x1: P, y1: H - P, x2: W - P, y2: H - P, stroke: '#6b7785' }),
    s('text', { x: 4, y: P }, String(max)),
    s('text', { x: 4, y: H - P }, '0'));
  for (const tier of TIERS) {
    const d = points.map((p, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(count(p, tier)).toFixed(1)}`).join(' ');
    if (d) svg.append(s('path', { d, fill: 'none', stroke: COLORS[tier], 'stroke-width': 3 }, s('title', {}, t(`tier_${tier}`))));
  }
  if (points.length) {
    svg.append(s('text', { x: P, y: H - 8 }, formatDate(points[0].week_start)),
      s('text', { x: W - P, y: H - 8, 'text-anchor': 'end' }, formatDate(points[points.length - 1].week_start)));
  }
  return svg;
}

const COVERAGE = ['late', 'never', 'in_time'];
const boxes = (id, keys, f) => h('div', { class: 'tiers', id }, keys.map((k) => {
  const [cls, label, n] = f(k);
  return h('div', { class: `pill ${cls}`, 'data-status': k }, label, h('br', {}), String(n || 0));
}));
export const AGES = ['under_1d', '1_to_3d', '3_to_7d', 'over_7d'];

export function caseItem(c) {
  return h('li', { class: c.urgent ? 'tier-red' : 'tier-yellow', 'data-case': c.id },
    h('a', { class: 'main', href: `#/case/${c.id}` }, c.reasons.map((r) => t(`case_${r}`)).join('、') || t('case_title', { n: c.id })),
    h('div', { class: 'row' }, c.urgent ? h('span', { class: 'pill late' }, t('case_urgent')) : null,
      h('span', { class: c.overdue ? 'pill late' : 'muted' }, t('deadline', { d: formatDate(c.deadline, true) })),
      c.escalation_level ? h('span', { class: 'pill late' }, levelName(c.escalation_level)) : null),
    h('div', { class: 'muted' }, c.zone_name, ' · ', t('case_opened', { d: formatDate(c.opened_at, true) })));
}

async function patrols(region) {
  const [cov, list] = await Promise.all([send('GET', query('/api/patrols/coverage', { region })),
    send('GET', query('/api/follow-up-cases', { status: 'open', region, limit: 200 }))]);
  if (cov.status !== 200) return cov.status ? null : h('p', { class: 'muted' }, t('offline_unavailable'));
  const c = cov.data;
  const zones = [...c.zones].sort((a, z) => COVERAGE.indexOf(a.status) - COVERAGE.indexOf(z.status) || byText(a.code, z.code));
  const shown = zones.slice(0, 50);
  const cases = list.data?.items || [];
  return h('section', { id: 'patrols' }, h('h2', {}, t('coverage_title')),
    boxes('coverage-counts', COVERAGE, (k) => [`cov-${k}`, t(`cov_${k}`), c.counts[k]]),
    shown.length ? h('table', { id: 'coverage' },
      h('thead', {}, h('tr', {}, [t('patrol_zone'), t('cov_status'), t('cov_last'), t('case_open_n')].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, shown.map((z) => h('tr', { 'data-zone': z.zone_id, 'data-status': z.status },
        h('th', { scope: 'row' }, z.name, h('br', {}), h('small', { class: 'muted' }, z.region_name)),
        h('td', {}, h('span', { class: `pill cov-${z.status}` }, t(`cov_${z.status}`)), z.cold_wave ? h('small', {}, ' ', t('cov_daily')) : null),
        h('td', {}, z.last_patrol_at ? formatDate(z.last_patrol_at) : '—'),
        h('td', { class: 'n' }, String(z.open_cases))))))
      : h('p', { class: 'muted' }, t('no_results')),
    zones.length > shown.length ? h('p', { class: 'muted' }, t('total_n', { n: zones.length })) : null,
    h('h2', {}, t('cases_title')),
    h('table', { id: 'case-ages' }, h('tbody', {}, AGES.map((k) => h('tr', {}, h('th', { scope: 'row' }, t(`age_${k}`)),
      h('td', { class: 'n' }, String(c.open_cases.by_age[k] || 0)))),
      h('tr', {}, h('th', { scope: 'row' }, t('overdue')), h('td', { class: 'n' }, String(c.open_cases.overdue))))),
    cases.length ? h('ul', { class: 'list', id: 'cases' }, cases.map(caseItem)) : h('p', { class: 'muted' }, t('cases_none')));
}

export async function render({ params }) {
  // The lottery centre's board is its outlets': patrols are not its business (their API answers it 403).
  const cov = session.user?.role === 'lottery_centre' ? null : patrols(params.region).catch(() => null);
  const b = await cachedGet(query('/api/risk/board', { region: params.region }));
  const region = b.region || {};
  const out = h('div', {}, h('h1', {}, t('board_title'), region.name ? ` · ${region.name}` : ''),
    b.rated_at ? h('p', { class: 'muted' }, t('rated_at', { d: formatDate(b.rated_at, true) })) : null);
  if (region.parent_id && params.region) out.append(h('p', {}, h('a', { href: `#/board?region=${region.parent_id}` }, '↑ ', t('drill_up'))));
  out.append(boxes('tier-totals', TIERS, (k) => [k, t(`tier_${k}`), count(b.counts, k)]));

  const hot = b.red_orange || [];
  const main = h('section', {}, h('h2', {}, t('red_orange'), b.red_orange_total > hot.length ? ` (${t('total_n', { n: b.red_orange_total })})` : ''),
    hot.length ? h('ul', { class: 'list', id: 'hot-sites' }, hot.map((site) => h('li', { class: `tier-${site.tier}`, 'data-site': site.site_id },
      h('a', { class: 'main', href: `#/site/${site.site_id}` }, site.name),
      h('div', { class: 'row' }, tierPill(site.tier), h('span', { class: 'muted' }, site.region_name)),
      site.reasons?.length ? h('ul', { 'aria-label': t('reasons') }, site.reasons.map((r) => h('li', {}, factorText(r)))) : null,
      lateNote(site))))
      : h('p', { class: 'muted' }, t('no_results')));
  const side = h('section', {});
  if (b.children?.length) {
    side.append(h('h2', {}, t('board_region')), h('table', { id: 'regions' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('board_region')), TIERS.map((k) => h('th', { scope: 'col' }, t(`tier_${k}`))))),
      h('tbody', {}, b.children.map((c) => h('tr', {},
        h('th', { scope: 'row' }, c.direct ? t('direct_row', { name: c.name }) : h('a', { href: `#/board?region=${c.region_id}` }, c.name)),
        TIERS.map((k) => h('td', { class: 'n' }, String(count(c.counts, k)))))))));
  }

  const levels = Object.entries(b.overdue_by_level || {}).sort(([a], [c]) => Number(a) - Number(c));
  side.append(h('h2', {}, t('overdue_levels')), h('table', { id: 'overdue' }, h('tbody', {}, levels.map(([level, n]) => h('tr', {},
    h('th', { scope: 'row' }, Number(level) === 0 ? t('overdue_l0') : levelName(level)),
    h('td', { class: 'n' }, n ? h('a', { href: '#/findings?status=&overdue=true' }, String(n)) : '0'))))));
  out.append(h('div', { class: 'board' }, main, side));
  const centre = session.user?.role === 'lottery_centre';
  if (innerWidth > 999 && navigator.onLine) import('../desk/map.js').then((m) => m.mount(out, params.region, { extras: !centre }), () => 0);

  out.append(h('p', {}, h('a', { class: 'btn sec', href: query('/api/risk/board.csv', { region: params.region }), download: 'risk-board.csv' }, t('export_csv'))));
  out.append(h('h2', {}, t('trend')), h('div', { class: 'trend' }, trendSvg(b.trend || []),
    h('div', { class: 'legend', 'aria-hidden': 'true' }, TIERS.map((k) => h('span', { class: `pill ${k}` }, t(`tier_${k}`))))));
  const section = await cov;
  if (section) out.append(section);
  return out;
}
