// The four-colour risk map (风险四色图), patrol routes and inspection coverage on the board. Desktop and online only:
// the board loads it with import(), never precached. No boundary is drawn (DOMAIN.md §8): regions are labelled tiles,
// sites points in a plain Web-Mercator frame, with 天地图 beneath only when the deployment gave a key.
import { DICTS, t, formatDate } from '../i18n.js';
import { h, s } from '../dom.js';
import { send, query } from '../api.js';

Object.assign(DICTS['zh-CN'], {
  m_red: '红', m_orange: '橙', m_yellow: '黄', m_blue: '蓝', m_title: '风险四色图', m_points: '场所分布（{n} 个）', m_capped: '显示风险最高的 {n} 个，共 {m} 个',
  m_open: '查看下级', m_routes: '巡查轨迹', m_met: '遇见人员处', m_track: '轨迹', m_none: '无坐标',
  m_cov: '检查覆盖率（{y} 年）', m_cov_csv: '导出覆盖率 CSV', m_county: '县（市、区）', m_base: '底图：天地图',
  a_persuaded_to_station: '劝导入站', a_escorted: '护送', a_sent_to_hospital: '送医', a_refused_supplies_given: '拒绝救助，发放物资',
  a_police_called: '报警', a_ticket_home: '购票返乡', a_minor_temporary_guardianship: '未成年人临时监护',
  a_mental_health_institution: '送精神卫生机构', a_family_took_home: '家属接回',
});
Object.assign(DICTS.en, {
  m_red: 'R', m_orange: 'O', m_yellow: 'Y', m_blue: 'B', m_title: 'Risk map', m_points: 'Sites ({n})', m_capped: 'the {n} riskiest of {m} shown', m_open: 'open',
  m_routes: 'Patrol routes', m_met: 'people met', m_track: 'track', m_none: 'no coordinates',
  m_cov: 'Inspection coverage ({y})', m_cov_csv: 'Export coverage CSV', m_county: 'County', m_base: 'Base map: Tianditu',
  a_persuaded_to_station: 'persuaded to the station', a_escorted: 'escorted', a_sent_to_hospital: 'sent to hospital',
  a_refused_supplies_given: 'refused aid, supplies given', a_police_called: 'police called', a_ticket_home: 'ticket home',
  a_minor_temporary_guardianship: 'temporary guardianship', a_mental_health_institution: 'mental health institution',
  a_family_took_home: 'family took home',
});

export const TIERS = ['red', 'orange', 'yellow', 'blue'];
const FILL = { red: '#b71c1c', orange: '#ef6c00', yellow: '#fbc02d', blue: '#1565c0' };
// Where each prefecture's tile sits (column, row), roughly as they lie: a layout table per province.
export const LAYOUTS = {
  620000: {
    620900: [0, 0], 620200: [1, 0], 620700: [2, 0], 620300: [3, 0], 620600: [3, 1], 620400: [4, 1], 621000: [6, 1],
    622900: [3, 2], 620100: [4, 2], 621100: [5, 2], 620800: [6, 2], 623000: [3, 3], 620500: [5, 3], 621200: [4, 4],
  },
};

export const worst = (counts) => TIERS.find((k) => (counts?.[k] || 0) > 0) || null;

// Tiles at their table places; regions the table lacks (every region of a province without one, a county's
// townships, the region's own row) fill rows below in their order.
export function layout(children, table) {
  const tiles = [], rest = [];
  for (const c of children) {
    const p = !c.direct && table?.[c.code];
    if (p) tiles.push({ ...c, col: p[0], row: p[1] }); else rest.push(c);
  }
  const top = tiles.reduce((n, c) => Math.max(n, c.row + 1), 0);
  const cols = Math.max(tiles.reduce((n, c) => Math.max(n, c.col + 1), 0), Math.ceil(Math.sqrt(rest.length)), 1);
  rest.forEach((c, i) => tiles.push({ ...c, col: i % cols, row: top + Math.floor(i / cols) }));
  return { tiles, cols, rows: tiles.reduce((n, c) => Math.max(n, c.row + 1), 0) };
}

// Web Mercator in world units (0..1 both ways, y down), as 天地图's tiles are cut.
export function mercator(lat, lng) {
  const r = (Math.max(-85, Math.min(85, lat)) * Math.PI) / 180;
  return [(lng + 180) / 360, (1 - Math.log(Math.tan(Math.PI / 4 + r / 2)) / Math.PI) / 2];
}

// The bounds (padded, at least a few km wide) fitted into W×H px with one scale, centred; `minx`, `miny` the world
// point at the frame's top left.
export function frame(b, W, H, pad = 0.08) {
  const [x0, y1] = mercator(b.south, b.west), [x1, y0] = mercator(b.north, b.east);
  const w = Math.max(x1 - x0, 1e-4) * (1 + 2 * pad), hh = Math.max(y1 - y0, 1e-4) * (1 + 2 * pad);
  const k = Math.min(W / w, H / hh);
  const minx = (x0 + x1) / 2 - W / (2 * k), miny = (y0 + y1) / 2 - H / (2 * k);
  const project = (lat, lng) => { const [x, y] = mercator(lat, lng); return [(x - minx) * k, (y - miny) * k]; };
  return { k, minx, miny, W, H, project };
}

// The 天地图 tiles under a frame: the zoom whose tiles are about 256 px, at most `max` of them.
export function tiles(f, max = 24) {
  let z = Math.max(1, Math.min(18, Math.round(Math.log2(f.k / 256))));
  for (;; z--) {
    const n = 2 ** z, size = f.k / n;
    const xa = Math.floor(f.minx * n), xb = Math.floor((f.minx + f.W / f.k) * n);
    const ya = Math.floor(f.miny * n), yb = Math.floor((f.miny + f.H / f.k) * n);
    if ((xb - xa + 1) * (yb - ya + 1) <= max || z === 1) {
      const out = [];
      for (let x = xa; x <= xb; x++) for (let y = ya; y <= yb; y++) {
        out.push({ z, x, y, px: (x / n - f.minx) * f.k, py: (y / n - f.miny) * f.k, size });
      }
      return out;
    }
  }
}

const tileUrl = (layer, { z, x, y }, key) => `https://t${(x + y) % 8}.tianditu.gov.cn/${layer}_w/wmts?SERVICE=WMTS`
  + `&REQUEST=GetTile&VERSION=1.0.0&LAYER=${layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX=${z}`
  + `&TILEROW=${y}&TILECOL=${x}&tk=${encodeURIComponent(key)}`;

const STYLE = `.mtiles{display:grid;gap:4px;margin:8px 0}.mtiles>*{display:block;border:2px solid #fff;border-radius:6px;
padding:6px 4px;font:inherit;font-size:.85rem;font-weight:400;line-height:1.3;text-align:center;min-height:64px;
min-width:0;background:#eceff1;color:#1a1a1a}
.mtiles button{cursor:pointer}.mtiles button:focus-visible{outline:3px solid #0b5394;outline-offset:2px}
.mtiles .red,.mtiles .blue{color:#fff}.mtiles .red{background:#b71c1c}.mtiles .orange{background:#ef6c00}
.mtiles .yellow{background:#fbc02d}.mtiles .blue{background:#1565c0}.mtiles b{display:block}
.mframe{width:100%;max-width:720px;height:auto;border:1px solid #c9d1d9;background:#f5f7f9}`;

// The page's CSP allows no inline style: a constructed sheet and CSSOM properties are not inline markup.
let sheet;
function style() {
  if (sheet) return;
  sheet = new CSSStyleSheet();
  sheet.replaceSync(STYLE);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}

function tile(c) {
  const tier = worst(c.counts);
  const label = [c.direct ? t('direct_row', { name: c.name }) : c.name,
    TIERS.map((k) => `${t(`tier_${k}`)} ${c.counts[k] || 0}`).join(' · ')];
  const body = [h('b', {}, label[0]), TIERS.map((k) => h('span', {}, `${t(`m_${k}`)}${c.counts[k] || 0} `))];
  const attrs = { class: tier || 'none', 'data-region': c.region_id, 'data-tier': tier || 'none' };
  // The region's own sites (本级) are this board already: a plain box, not a button.
  const el = c.direct ? h('div', attrs, body) : h('button', { ...attrs, type: 'button', 'aria-label': label.join(t('colon')), title: t('m_open'),
    onclick: () => { location.hash = `#/board?region=${c.region_id}`; } }, body);
  Object.assign(el.style, { gridColumn: c.col + 1, gridRow: c.row + 1 });
  return el;
}

function frameSvg(bounds, label, draw) {
  const W = 720, H = 420;
  const svg = s('svg', { class: 'mframe', viewBox: `0 0 ${W} ${H}`, role: 'group', 'aria-label': label });
  if (!bounds) return svg;
  const f = frame(bounds, W, H);
  if (key) {
    for (const ti of tiles(f)) {
      for (const layer of ['vec', 'cva']) {
        svg.append(s('image', { href: tileUrl(layer, ti, key), x: ti.px.toFixed(1), y: ti.py.toFixed(1),
          width: ti.size.toFixed(1), height: ti.size.toFixed(1), 'aria-hidden': 'true' }));
      }
    }
  }
  draw(svg, f.project);
  return svg;
}

let key = null;

function pointsSvg(m) {
  const shown = [...m.points].reverse(); // the worst drawn last, on top
  return frameSvg(m.bounds, t('m_points', { n: m.points.length }), (svg, p) => {
    for (const pt of shown) {
      const [x, y] = p(pt.lat, pt.lng);
      const name = `${pt.name} · ${t(`tier_${pt.tier}`)}`;
      svg.append(s('a', { href: `#/site/${pt.site_id}`, 'data-site': pt.site_id, 'data-tier': pt.tier, 'aria-label': name },
        s('title', {}, name),
        s('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: 6, fill: FILL[pt.tier], stroke: '#fff', 'stroke-width': 1.5 })));
    }
  });
}

export function routeSvg(r) {
  const pts = [...r.track, ...(r.encounters || [])];
  const bounds = pts.length ? { south: Math.min(...pts.map((x) => x.lat)), north: Math.max(...pts.map((x) => x.lat)),
    west: Math.min(...pts.map((x) => x.lng)), east: Math.max(...pts.map((x) => x.lng)) } : null;
  return frameSvg(bounds, `${t('m_routes')} · ${r.zone_name}`, (svg, p) => {
    const d = r.track.map((x, i) => { const [a, b] = p(x.lat, x.lng); return `${i ? 'L' : 'M'}${a.toFixed(1)},${b.toFixed(1)}`; }).join(' ');
    if (d) svg.append(s('path', { d, fill: 'none', stroke: '#0b5394', 'stroke-width': 3, 'data-track': r.track.length },
      s('title', {}, t('m_track'))));
    for (const e of r.encounters || []) {
      const [x, y] = p(e.lat, e.lng);
      svg.append(s('rect', { x: (x - 6).toFixed(1), y: (y - 6).toFixed(1), width: 12, height: 12, fill: '#6a1b9a',
        stroke: '#fff', 'data-action': e.action }, s('title', {}, `${t('m_met')} · ${t(`a_${e.action}`)}`)));
    }
  });
}

async function routes() {
  const list = await send('GET', query('/api/patrols', { limit: 10 }));
  const items = list.status === 200 ? list.data.items.filter((p) => p.ended_at) : [];
  if (!items.length) return null;
  const view = h('div', { id: 'route-view' });
  const show = async (p) => {
    const r = await send('GET', `/api/patrols/${p.id}/route`);
    if (r.status === 200) view.replaceChildren(h('p', { class: 'muted' }, p.zone_name, ' · ', formatDate(p.started_at, true)), routeSvg(r.data));
  };
  return h('section', { id: 'routes' }, h('h2', {}, t('m_routes')),
    h('ul', { class: 'list' }, items.map((p) => h('li', {}, h('button', { type: 'button', class: 'btn sec', 'data-patrol': p.id,
      onclick: () => show(p) }, p.zone_name, ' · ', formatDate(p.started_at, true))))), view);
}

export function coverageRows(counties) {
  const kinds = [...new Set(counties.map((r) => r.site_kind))].sort();
  const byCounty = new Map();
  for (const r of counties) {
    if (!byCounty.has(r.region_id)) byCounty.set(r.region_id, { name: r.region_name, cells: {} });
    byCounty.get(r.region_id).cells[r.site_kind] = r;
  }
  return { kinds, rows: [...byCounty.values()] };
}

const pct = (c) => (c && c.sites ? `${c.inspected}/${c.sites} (${Math.round((100 * c.inspected) / c.sites)}%)` : '—');

async function coverage(region) {
  const r = await send('GET', query('/api/plans/coverage', { region }));
  if (r.status !== 200) return null;
  const { kinds, rows } = coverageRows(r.data.counties);
  return h('section', { id: 'coverage-plans' }, h('h2', {}, t('m_cov', { y: r.data.year })),
    h('table', { id: 'coverage-table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('m_county')), kinds.map((k) => h('th', { scope: 'col' }, t(`kind_${k}`))))),
      h('tbody', {}, rows.map((c) => h('tr', {}, h('th', { scope: 'row' }, c.name), kinds.map((k) => h('td', { class: 'n' }, pct(c.cells[k]))))))),
    h('p', {}, h('a', { class: 'btn sec', href: query('/api/plans/coverage.csv', { region }), download: 'coverage.csv' }, t('m_cov_csv'))));
}

// The board's desk part: the map, then patrol routes and coverage for those the API shows them to (`extras`
// false: not asked for at all, as for the lottery centre, to whom both answer 403).
export async function mount(box, region, { extras = true } = {}) {
  const r = await send('GET', query('/api/risk/map', { region }));
  if (r.status !== 200) return;
  style();
  const m = r.data;
  key = m.tianditu_key;
  const { tiles: placed, cols } = layout(m.children, LAYOUTS[m.region.code]);
  const grid = h('div', { class: 'mtiles', id: 'map-tiles' }, placed.map(tile));
  grid.style.gridTemplateColumns = `repeat(${cols},minmax(0,1fr))`;
  // Beside the board's tables, before its exports and trend.
  const at = box.querySelector('.board') || box.lastChild;
  at.after(h('section', { id: 'risk-map' }, h('h2', {}, t('m_title')),
    placed.length ? grid : null,
    h('h3', {}, t('m_points', { n: m.points_total })),
    m.points_total > m.points.length ? h('p', { class: 'muted' }, t('m_capped', { n: m.points.length, m: m.points_total })) : null,
    m.bounds ? pointsSvg(m) : h('p', { class: 'muted' }, t('m_none')),
    h('div', { class: 'legend' }, TIERS.map((k) => h('span', { class: `pill ${k}` }, `${t(`tier_${k}`)} ${m.counts[k] || 0}`))),
    key ? h('p', { class: 'muted' }, t('m_base')) : null));
  if (!extras) return;
  const [a, b] = await Promise.all([routes().catch(() => null), coverage(region).catch(() => null)]);
  box.querySelector('#risk-map').after(...[a, b].filter(Boolean));
}
