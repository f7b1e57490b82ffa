// The admin console (desktop, online only): loaded with import() for the admin role, never precached, so the
// inspectors' offline shell does not carry it. One module per screen, loaded when opened.
import './strings.js';
import { h, t } from './common.js';

export const SCREENS = ['accounts', 'sites', 'import', 'regions', 'templates', 'rules', 'jobs', 'webhooks', 'audit'];

function stylesheet() {
  if (document.querySelector('link[data-admin]')) return;
  document.head.append(h('link', { rel: 'stylesheet', href: '/css/admin.css', 'data-admin': '' }));
}

export async function render({ params, args, session }) {
  stylesheet();
  const screen = SCREENS.includes(args[0]) ? args[0] : 'accounts';
  const mod = await import(`./${screen}.js`);
  const body = await mod.render({ params, args: args.slice(1), session });
  const tabs = h('nav', { class: 'subnav', 'aria-label': t('a_console') }, SCREENS.map((s) => h('a', {
    href: `#/admin/${s}`, id: `tab-${s}`, class: s === screen ? 'active' : null, 'aria-current': s === screen ? 'page' : null,
  }, t(`a_${s}`))));
  return h('div', { class: 'console', 'data-screen': screen }, tabs, body);
}
