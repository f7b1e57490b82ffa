// Regions: the tree province → prefecture → county → township, and adding a township or street under a county.
import { h, clear, t, toast, call, form, input, regions } from './common.js';

function addForm(county, done) {
  return form({
    id: `add-under-${county.id}`,
    rows: [
      ['code', t('a_region_code'), input({ inputmode: 'numeric', placeholder: `${county.code}001` })],
      ['name', t('a_name'), input({ placeholder: t('a_township_ph') })],
    ],
    label: t('a_add'),
    submit: async (v) => {
      await call('POST', '/api/admin/regions', { json: { code: v.code, name: v.name, level: 'township', parent_id: county.id } });
      toast(t('a_saved'));
      done();
    },
  });
}

export async function render() {
  const box = h('div', { id: 'region-tree' });
  const opened = new Set(); // kept open across redraws, so an added township shows where it was added
  const draw = async (fresh) => {
    const list = await regions(fresh);
    const kids = new Map();
    for (const r of list) kids.set(r.parent_id ?? 0, [...(kids.get(r.parent_id ?? 0) || []), r]);
    const node = (r) => {
      const children = kids.get(r.id) || [];
      const label = h('span', {}, r.name, ' ', h('span', { class: 'muted' }, `${r.code} · ${t(`a_level_${r.level}`)}`));
      const li = h('li', { 'data-region': r.code });
      const slot = h('div');
      const add = r.level === 'county' ? h('button', { type: 'button', class: 'link', onclick: () => {
        clear(slot).append(addForm(r, () => { opened.add(r.id).add(r.parent_id); draw(true); }));
        slot.querySelector('input').focus();
      } }, t('a_add_township')) : null;
      if (!children.length) { li.append(...[label, add, slot].filter(Boolean)); return li; }
      const toggle = (e) => (e.target.open ? opened.add(r.id) : opened.delete(r.id));
      li.append(h('details', { open: r.level === 'province' || opened.has(r.id), ontoggle: toggle }, h('summary', {}, label, ' ', h('span', { class: 'muted' }, `(${children.length})`)),
        add, slot, h('ul', { class: 'tree' }, children.map(node))));
      return li;
    };
    clear(box).append(h('ul', { class: 'tree' }, (kids.get(0) || []).map(node)));
  };
  await draw(false);
  return h('div', {}, h('h1', {}, t('a_regions_title')), h('p', { class: 'muted' }, t('a_regions_help')), box);
}
