// The supervisor's risk board: tier counts per child region with drill-down, red and orange sites with their
// reasons, overdue rectifications by escalation level, and the 12-week trend drawn in SVG.
import { t, pick, formatDate } from '../i18n.js';
import { h, s } from '../dom.js';
import { cachedGet } from '../app.js';
import { query } from '../api.js';
import { tierPill, factorText } from './parts.js';

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
    svg.append(s('text', { x: P, y: H - 8, 'font-size': 12, fill: '#4a5560' }, formatDate(points[0].week_start)),
      s('text', { x: W - P, y: H - 8, 'font-size': 12, fill: '#4a5560', 'text-anchor': 'end' }, formatDate(points[points.length - 1].week_start)));
  }
  return svg;
}

export async function render({ params }) {
  const b = await cachedGet(query('/api/risk/board', { region: params.region }));
  const region = b.region || {};
  const out = h('div', {}, h('h1', {}, t('board_title'), region.name ? ` · ${region.name}` : ''),
    b.rated_at ? h('p', { class: 'muted' }, t('rated_at', { d: formatDate(b.rated_at, true) })) : null);
  if (region.parent_id && params.region) out.append(h('p', {}, h('a', { href: `#/board?region=${region.parent_id}` }, '↑ ', t('drill_up'))));
  out.append(h('div', { class: 'tiers', id: 'tier-totals' }, TIERS.map((k) => h('div', { class: `pill ${k}` }, t(`tier_${k}`), h('br', {}), String(count(b.counts, k))))));

  if (b.children?.length) {
    out.append(h('h2', {}, t('board_region')), h('table', { id: 'regions' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('board_region')), TIERS.map((k) => h('th', { scope: 'col' }, t(`tier_${k}`))))),
      h('tbody', {}, b.children.map((c) => h('tr', {},
        h('th', { scope: 'row' }, h('a', { href: `#/board?region=${c.region_id}` }, c.name)),
        TIERS.map((k) => h('td', { class: 'n' }, String(count(c.counts, k)))))))));
  }

  const hot = b.red_orange || [];
  out.append(h('h2', {}, t('red_orange'), b.red_orange_total > hot.length ? ` (${t('total_n', { n: b.red_orange_total })})` : ''));
  out.append(hot.length ? h('ul', { class: 'list', id: 'hot-sites' }, hot.map((site) => h('li', { class: `tier-${site.tier}`, 'data-site': site.site_id },
    h('a', { class: 'main', href: `#/site/${site.site_id}` }, site.name),
    h('div', { class: 'row' }, tierPill(site.tier), h('span', { class: 'muted' }, site.region_name)),
    site.reasons?.length ? h('ul', { 'aria-label': t('reasons') }, site.reasons.map((r) => h('li', {}, factorText(r)))) : null)))
    : h('p', { class: 'muted' }, t('no_results')));

  const levels = Object.entries(b.overdue_by_level || {}).sort(([a], [c]) => Number(a) - Number(c));
  out.append(h('h2', {}, t('overdue_levels')), h('table', { id: 'overdue' }, h('tbody', {}, levels.map(([level, n]) => h('tr', {},
    h('th', { scope: 'row' }, Number(level) === 0 ? t('overdue') : t('level_n', { n: level })),
    h('td', { class: 'n' }, n ? h('a', { href: '#/findings?status=&overdue=true' }, String(n)) : '0'))))));

  out.append(h('p', {}, h('a', { class: 'btn sec', href: query('/api/risk/board.csv', { region: params.region }), download: 'risk-board.csv' }, t('export_csv'))));
  out.append(h('h2', {}, t('trend')), h('div', { class: 'trend' }, trendSvg(b.trend || []),
    h('div', { class: 'legend', 'aria-hidden': 'true' }, TIERS.map((k) => h('span', { class: `pill ${k}` }, t(`tier_${k}`))))));
  return out;
}
