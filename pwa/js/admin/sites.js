// Sites: filter and page through every site (inactive ones too), create, edit, deactivate, export.
import {
  h, t, toast, call, form, input, select, any, yesNo, table, paged, editor, button, regions, regionOptions, activePill,
  download, q,
} from './common.js';

export const KINDS = ['eldercare', 'lottery_outlet', 'rescue_station', 'patrol_zone'];
const num = (v) => (v === '' ? null : Number(v));

// The attributes each kind may hold (schemas/site-attributes.schema.json, from the server): a field each, shown for
// the kinds that have it; the server checks the values against the kind's schema.
let attributeList;
const attributeDefs = async () => (attributeList ||= await call('GET', '/api/admin/sites/attributes'));
function attributeControl(a, value) {
  if (a.type === 'choice') return select([any(t('select_ph')), ...a.choices], value);
  if (a.type === 'boolean') return select(yesNo(), value);
  return input({ value: value ?? '', inputmode: a.type === 'text' ? 'text' : 'decimal' });
}
function attributeValue(a, v) {
  if (v === '' || v == null) return undefined;
  if (a.type === 'integer' || a.type === 'number') return Number(v);
  return a.type === 'boolean' ? v === 'true' : v;
}

function siteForm(site, regionList, done, defs) {
  const editing = !!site;
  const kind = select(KINDS.map((k) => [k, t(`kind_${k}`)]), site?.kind || 'eldercare', { disabled: editing });
  const f = (name, attrs) => input({ value: site?.[name] ?? '', ...attrs });
  const rows = [
    ['kind', t('a_kind'), kind],
    ['code', t('a_code'), f('code', { disabled: editing })],
    ['name', t('a_name'), f('name')],
    ['region_id', t('a_county'), select([any(t('select_ph')), ...regionOptions(regionList, ['county', 'township'])], site?.region_id)],
    ['address', t('a_address'), f('address')],
    ['lat', t('a_lat'), f('lat', { inputmode: 'decimal' })],
    ['lng', t('a_lng'), f('lng', { inputmode: 'decimal' })],
    ['operator', t('a_operator'), f('operator')],
    ['ownership', t('a_ownership'), select([any(t('select_ph')), ['public', t('a_public')], ['private', t('a_private')]], site?.ownership)],
    ['approved_beds', t('a_beds'), f('approved_beds', { inputmode: 'numeric' })],
    ['radius_m', t('a_radius'), f('radius_m', { inputmode: 'numeric' })],
    ['licence', t('a_licence'), input({ value: site?.attributes?.licence ?? '' })],
    ...defs.filter((a) => a.name !== 'licence').map((a) => [`attr_${a.name}`, a.header, attributeControl(a, site?.attributes?.[a.name])]),
  ];
  const el = form({
    id: editing ? 'site-edit' : 'site-create',
    rows,
    label: editing ? t('save') : t('a_create'),
    submit: async (v) => {
      const k = editing ? site.kind : v.kind;
      const body = { name: v.name, region_id: num(v.region_id), address: v.address, lat: num(v.lat), lng: num(v.lng), operator: v.operator };
      if (k === 'eldercare') Object.assign(body, { ownership: v.ownership || null, approved_beds: num(v.approved_beds) });
      if (k === 'patrol_zone') body.radius_m = num(v.radius_m);
      const attributes = { ...(site?.attributes || {}) };
      if (v.licence) attributes.licence = v.licence; else delete attributes.licence;
      for (const a of defs.filter((d) => d.name !== 'licence' && d.kinds.includes(k))) {
        const value = attributeValue(a, v[`attr_${a.name}`]);
        if (value === undefined) delete attributes[a.name]; else attributes[a.name] = value;
      }
      body.attributes = attributes;
      if (editing) await call('PATCH', `/api/admin/sites/${site.id}`, { json: body });
      else await call('POST', '/api/admin/sites', { json: { ...body, kind: k, code: v.code } });
      toast(t('a_saved'));
      done();
    },
  });
  const shape = () => {
    const k = kind.value;
    for (const n of ['ownership', 'approved_beds']) el.querySelector(`[data-field=${n}]`).hidden = k !== 'eldercare';
    el.querySelector('[data-field=radius_m]').hidden = k !== 'patrol_zone';
    for (const a of defs) if (a.name !== 'licence') el.querySelector(`[data-field=attr_${a.name}]`).hidden = !a.kinds.includes(k);
  };
  kind.addEventListener('change', shape);
  shape();
  return el;
}

function sitePanel(site, regionList, done, defs) {
  const panel = h('section', { class: 'card panel', 'aria-labelledby': 'site-panel-h' },
    h('h2', { id: 'site-panel-h' }, site ? t('a_edit_site', { s: site.name }) : t('a_new_site')), siteForm(site, regionList, done, defs));
  const row = h('div', { class: 'row' });
  if (site) {
    row.append(button(site.is_active ? t('a_deactivate') : t('a_reactivate'), async () => {
      if (site.is_active && !window.confirm(t('a_confirm_site_off', { s: site.name }))) return;
      await call('PATCH', `/api/admin/sites/${site.id}`, { json: { is_active: !site.is_active } });
      toast(t('a_saved'));
      done();
    }, site.is_active ? 'danger' : 'sec'));
  }
  row.append(h('button', { type: 'button', class: 'link', onclick: () => done(false) }, t('cancel')));
  panel.append(row);
  return panel;
}

export async function render() {
  const [regionList, defs] = await Promise.all([regions(), attributeDefs()]);
  const list = paged('admin-site-list', '/api/admin/sites', (items) => table([
    [t('a_code'), (s) => s.code],
    [t('a_name'), (s) => s.name],
    [t('a_kind'), (s) => t(`kind_${s.kind}`)],
    [t('a_county'), (s) => s.region_name],
    [t('a_address'), (s) => s.address],
    [t('a_status'), (s) => activePill(s.is_active)],
    ['', (s) => h('button', { type: 'button', class: 'link', onclick: () => panel.open(s) }, t('a_edit'))],
  ], items));
  const panel = editor((s, close) => sitePanel(s, regionList, close, defs), list.load);
  const bar = list.bar([
    ['kind', t('a_kind'), select([any(), ...KINDS.map((k) => [k, t(`kind_${k}`)])])],
    ['region', t('board_region'), select([any(), ...regionOptions(regionList)])],
    ['active', t('a_active'), select(yesNo())],
    ['q', t('a_search'), input({ type: 'search', placeholder: t('search_ph') })],
  ]);
  // Export what the filters show (the form's current values), every page of it.
  const exportBtn = (ext) => button(t('a_export', { f: ext.toUpperCase() }), () => {
    const f = Object.fromEntries([...new FormData(bar)].filter(([, v]) => v));
    return download(q(`/api/admin/sites/export.${ext}`, f), `sites.${ext}`);
  });
  list.load();
  return h('div', {},
    h('div', { class: 'row spread' }, h('h1', {}, t('a_sites')),
      h('div', { class: 'row' }, h('a', { class: 'btn sec', href: '#/admin/import' }, t('a_import')), exportBtn('xlsx'), exportBtn('csv'),
        h('button', { type: 'button', id: 'site-new', onclick: () => panel.open(null) }, t('a_new_site')))),
    bar, panel.el, list.el);
}
