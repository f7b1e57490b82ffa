// The supervisor's risk board: tier counts per child region with drill-down, red and orange sites with their
// reasons, overdue rectifications by escalation level, and the 12-week trend drawn in SVG.
import { t, pick, formatDate } from '../i18n.js';
import { h, s } from '../dom.js';
import { cachedGet } from '../app.js';
import { query } from '../api.js';
import { tierPill } from './parts.js';

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
    s('text', { x: 4, y: P, 'font-size': 12, fill: '#4a5560' }, String(max)),
    s('text', { x: 4, y: H - P, 'font-size': 12, fill: '#4a5560' }, '0'));
  for (const tier of TIERS) {
    const d = points.map((p, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(count(p, tier)).toFixed(1)}`).join(' ');
    if (d) svg.append(s('path', { d, fill: 'none', stroke: COLORS[tier], 'stroke-width': 3 }, s('title', {}, t(`tier_${tier}`))));
  }
  if (points.length) {
    svg.append(s('text', { x: P, y: H - 8, 'font-size': 12, fill: '#4a5560' }, formatDate(points[0].week || points[0].day)),
      s('text', { x: W - P, y: H - 8, 'font-size': 12, fill: '#4a5560', 'text-anchor': 'end' }, formatDate(points[points.length - 1].week || points[points.length - 1].day)));
  }
  return svg;
}

export async function render({ params }) {
  const b = await cachedGet(query('/api/risk/board', { region: params.region }));
  const region = b.region || {};
  const out = h('div', {}, h('h1', {}, t('board_title'), region.name ? ` · ${region.name}` : ''));
  if (region.parent_id) out.append(h('p', {}, h('a', { href: `#/board?region=${region.parent_id}` }, '↑ ', t('drill_up'))));
  const totals = b.totals || b.counts || {};
  out.append(h('div', { class: 'tiers', id: 'tier-totals' }, TIERS.map((k) => h('div', { class: `pill ${k}` }, t(`tier_${k}`), h('br', {}), String(count(totals, k))))));

  const children = b.children || b.regions || [];
  if (children.length) {
    out.append(h('h2', {}, t('board_region')), h('table', { id: 'regions' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('board_region')), TIERS.map((k) => h('th', { scope: 'col' }, t(`tier_${k}`))))),
      h('tbody', {}, children.map((c) => h('tr', {},
        h('th', { scope: 'row' }, c.has_children === false ? (c.name || c.region_name)
          : h('a', { href: `#/board?region=${c.region_id ?? c.id}` }, c.name || c.region_name)),
        TIERS.map((k) => h('td', { class: 'n' }, String(count(c, k)))))))));
  }

  const hot = b.red_orange || b.sites || [];
  out.append(h('h2', {}, t('red_orange')));
  out.append(hot.length ? h('ul', { class: 'list', id: 'hot-sites' }, hot.map((site) => h('li', { class: `tier-${site.tier}`, 'data-site': site.site_id ?? site.id },
    h('a', { class: 'main', href: `#/site/${site.site_id ?? site.id}` }, site.site_name || site.name),
    h('div', { class: 'row' }, tierPill(site.tier), site.region_name ? h('span', { class: 'muted' }, site.region_name) : null),
    (site.reasons || site.factors || []).length ? h('ul', {}, (site.reasons || site.factors).slice(0, 4).map((r) => h('li', {}, typeof r === 'string' ? r : pick(r.label || r.name || r.factor)))) : null)))
    : h('p', { class: 'muted' }, t('no_results')));

  const overdue = b.overdue_by_level || b.overdue || {};
  const levels = Array.isArray(overdue) ? overdue : Object.entries(overdue).map(([level, n]) => ({ level, count: n }));
  out.append(h('h2', {}, t('overdue_levels')), h('table', { id: 'overdue' }, h('tbody', {}, levels.map((l) => h('tr', {},
    h('th', { scope: 'row' }, h('a', { href: `#/findings?status=&overdue=true` }, t('level_n', { n: String(l.level).replace(/^l/, '') }))),
    h('td', { class: 'n' }, String(l.count ?? l.n ?? 0)))))));

  const trend = b.trend || [];
  out.append(h('h2', {}, t('trend')), h('div', { class: 'trend' }, trendSvg(trend)));
  return out;
}
