import { t } from '../i18n.js';
import { h, clear, field } from '../dom.js';
import { cachedGet, errorText } from '../app.js';
import { query } from '../api.js';

export function distanceText(m) {
  if (m === null || m === undefined) return '';
  return m < 1000 ? t('distance_m', { n: Math.round(m) }) : t('distance_km', { n: (m / 1000).toFixed(1) });
}

export function siteItem(s) {
  return h('li', { 'data-site': s.id },
    h('a', { class: 'main', href: `#/site/${s.id}` }, s.name),
    h('div', { class: 'muted' }, t(`kind_${s.kind}`), ' · ', s.code, s.region_name ? ' · ' + s.region_name : '',
      s.distance_m != null ? ' · ' + distanceText(s.distance_m) : ''));
}

export async function render() {
  const q = h('input', { type: 'search', name: 'q', placeholder: t('search_ph'), enterkeyhint: 'search' });
  const results = h('div', { 'aria-live': 'polite' });
  const show = async (params) => {
    clear(results).append(h('p', { class: 'muted' }, t('loading')));
    try {
      const data = await cachedGet(query('/api/sites', { limit: 50, ...params }));
      clear(results).append(data.items.length ? h('ul', { class: 'list', id: 'site-list' }, data.items.map(siteItem)) : h('p', {}, t('no_results')));
    } catch (err) {
      // Offline and never searched this: filter the site list kept for offline use.
      const kept = await cachedGet('/api/sites?limit=200').catch(() => null);
      const needle = (params.q || '').toLowerCase();
      const items = kept ? kept.items.filter((s) => !needle || `${s.name} ${s.code} ${s.address}`.toLowerCase().includes(needle)) : [];
      clear(results).append(items.length ? h('ul', { class: 'list', id: 'site-list' }, items.map(siteItem)) : h('p', { class: 'muted' }, errorText(err)));
    }
  };
  const form = h('form', { role: 'search', class: 'row' }, h('div', { class: 'grow' }, field(t('search'), q)),
    h('button', { type: 'submit' }, t('search')));
  form.addEventListener('submit', (e) => { e.preventDefault(); show({ q: q.value.trim() }); });
  const near = h('button', { type: 'button', class: 'sec', id: 'nearest', onclick: () => {
    if (!navigator.geolocation) { clear(results).append(h('p', {}, t('no_location'))); return; }
    clear(results).append(h('p', { class: 'muted' }, t('locating')));
    navigator.geolocation.getCurrentPosition(
      (p) => show({ near: `${p.coords.latitude.toFixed(6)},${p.coords.longitude.toFixed(6)}` }),
      () => clear(results).append(h('p', { class: 'error' }, t('no_location'))),
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  } }, t('nearest'));
  show({});
  return h('div', {}, h('h1', {}, t('sites_title')), form, near, results);
}
