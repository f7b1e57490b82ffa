// Accounts: filter, create, edit, reset a password, deactivate. Errors land next to their field.
import {
  h, clear, t, toast, get, call, form, input, select, any, yesNo, table, paged, editor, button, regions, regionOptions,
  regionName, activePill,
} from './common.js';

const ROLES = ['inspector', 'manager', 'supervisor', 'admin'];
const CERT = ['inspector', 'supervisor']; // the roles that carry a 执法证号
const REGIONAL = ['inspector', 'supervisor'];
const roleText = (r) => t(`a_role_${r}`);

// Managers are linked to sites: search by name or code, pick; the picked ones are the selected options.
function sitePicker(ids) {
  const picked = h('select', { multiple: true, size: 4, class: 'picked' });
  const add = (s) => {
    if ([...picked.options].some((o) => Number(o.value) === s.id)) return;
    picked.append(h('option', { value: s.id, selected: true }, s.code ? `${s.name} (${s.code})` : s.name));
  };
  ids.forEach((id) => { add({ id, name: `#${id}` }); get(`/api/sites/${id}`).then((s) => { picked.querySelector(`option[value="${id}"]`).textContent = `${s.name} (${s.code})`; }).catch(() => {}); });
  const box = input({ type: 'search', placeholder: t('search_ph'), 'aria-label': t('a_site_find') });
  const found = h('div', { class: 'row' });
  const find = async () => {
    const data = await get('/api/admin/sites', { q: box.value.trim(), limit: 8 });
    clear(found).append(...data.items.map((s) => h('button', { type: 'button', class: 'link', onclick: () => add(s) }, `+ ${s.name} (${s.code})`)));
  };
  box.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); find().catch(() => {}); } });
  const extra = h('div', { class: 'picker' }, h('div', { class: 'row' }, box, h('button', { type: 'button', class: 'sec', onclick: () => find().catch(() => {}) }, t('search'))), found,
    h('small', { class: 'hint' }, t('a_sites_hint')));
  return { picked, extra };
}

function userForm(user, regionList, done) {
  const editing = !!user;
  const role = select(ROLES.map((r) => [r, roleText(r)]), user?.role || 'inspector');
  const regionSel = select(regionOptions(regionList), null, { multiple: true, size: 8 });
  for (const o of regionSel.options) o.selected = (user?.region_ids || []).includes(Number(o.value));
  const sites = sitePicker(user?.site_ids || []);
  const rows = [
    editing ? null : ['username', t('username'), input({ autocomplete: 'off', required: true })],
    editing ? null : ['password', t('password'), input({ type: 'password', autocomplete: 'new-password', required: true })],
    ['role', t('a_role'), role],
    ['display_name', t('a_display_name'), input({ value: user?.display_name || '' })],
    ['certificate_no', t('a_certificate'), input({ value: user?.certificate_no || '', maxlength: 40 })],
    ['region_ids', t('a_regions_of'), regionSel, t('a_multi_hint')],
    ['site_ids', t('a_sites_of'), sites.picked, null, sites.extra],
    editing ? ['is_active', t('a_active'), h('input', { type: 'checkbox', checked: user.is_active })] : null,
  ].filter(Boolean);
  const el = form({
    id: editing ? 'user-edit' : 'user-create',
    rows,
    label: editing ? t('save') : t('a_create'),
    submit: async (v) => {
      const body = { role: v.role, display_name: v.display_name };
      body.region_ids = REGIONAL.includes(v.role) ? v.region_ids : [];
      body.site_ids = v.role === 'manager' ? v.site_ids : [];
      if (CERT.includes(v.role) && v.certificate_no !== (user?.certificate_no || '')) body.certificate_no = v.certificate_no || null;
      if (editing) {
        body.is_active = v.is_active;
        await call('PATCH', `/api/admin/users/${user.id}`, { json: body });
      } else {
        Object.assign(body, { username: v.username, password: v.password });
        await call('POST', '/api/admin/users', { json: body });
      }
      toast(t('a_saved'));
      done();
    },
  });
  // Show only the fields the chosen role has.
  const shape = () => {
    const r = role.value;
    el.querySelector('[data-field=certificate_no]').hidden = !CERT.includes(r);
    el.querySelector('[data-field=region_ids]').hidden = !REGIONAL.includes(r);
    el.querySelector('[data-field=site_ids]').hidden = r !== 'manager';
  };
  role.addEventListener('change', shape);
  shape();
  return el;
}

function userPanel(user, regionList, done) {
  const panel = h('section', { class: 'card panel', 'aria-labelledby': 'user-panel-h' },
    h('h2', { id: 'user-panel-h' }, user ? t('a_edit_user', { u: user.username }) : t('a_new_user')),
    userForm(user, regionList, done));
  if (user) {
    panel.append(h('h3', {}, t('a_reset_pw')), form({
      id: 'user-password',
      rows: [['new_password', t('a_new_password'), input({ type: 'password', autocomplete: 'new-password' })]],
      label: t('a_reset_pw'),
      submit: async (v) => { await call('POST', `/api/admin/users/${user.id}/password`, { json: { new_password: v.new_password } }); toast(t('a_pw_reset')); },
    }));
    if (user.is_active) {
      panel.append(h('div', { class: 'row' }, button(t('a_deactivate'), async () => {
        if (!window.confirm(t('a_confirm_deactivate', { u: user.username }))) return;
        await call('POST', `/api/admin/users/${user.id}/deactivate`);
        toast(t('a_saved'));
        done();
      }, 'danger')));
    }
  }
  panel.append(h('div', { class: 'row' }, h('button', { type: 'button', class: 'link', onclick: () => done(false) }, t('cancel'))));
  return panel;
}

export async function render() {
  const regionList = await regions();
  const list = paged('user-list', '/api/admin/users', (items) => table([
    [t('username'), (u) => u.username],
    [t('a_display_name'), (u) => u.display_name],
    [t('a_role'), (u) => roleText(u.role)],
    [t('a_certificate'), (u) => u.certificate_no || ''],
    [t('a_scope'), (u) => (u.role === 'manager' ? t('a_n_sites', { n: u.site_ids.length }) : u.region_ids.map((id) => regionName(regionList, id)).join('、'))],
    [t('a_status'), (u) => activePill(u.is_active)],
    ['', (u) => h('button', { type: 'button', class: 'link', 'data-user': u.username, onclick: () => panel.open(u) }, t('a_edit'))],
  ], items));
  const panel = editor((u, close) => userPanel(u, regionList, close), list.load);
  const bar = list.bar([
    ['role', t('a_role'), select([any(), ...ROLES.map((r) => [r, roleText(r)])])],
    ['region', t('board_region'), select([any(), ...regionOptions(regionList)])],
    ['active', t('a_active'), select(yesNo())],
    ['q', t('a_search'), input({ type: 'search', placeholder: t('a_user_ph') })],
  ]);
  list.load();
  return h('div', {}, h('div', { class: 'row spread' }, h('h1', {}, t('a_accounts')),
    h('button', { type: 'button', id: 'user-new', onclick: () => panel.open(null) }, t('a_new_user'))), bar, panel.el, list.el);
}
