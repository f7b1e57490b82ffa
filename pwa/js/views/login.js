import { t } from '../i18n.js';
import { h, field } from '../dom.js';
import * as api from '../api.js';
import { loggedIn, go, session, outbox } from '../app.js';

export async function render({ params }) {
  const user = h('input', { name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none',
    value: session.user?.username || '' });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const msg = h('p', { class: 'error', role: 'alert', hidden: true });
  const waiting = (await outbox.counts()).total;
  const form = h('form', { class: 'card', novalidate: true }, field(t('username'), user), field(t('password'), pass), msg,
    h('button', { type: 'submit', class: 'big', id: 'login-submit' }, t('login')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.hidden = true;
    const button = form.querySelector('button');
    button.disabled = true;
    button.textContent = t('loading');
    const r = await api.send('POST', '/api/auth/login', { json: { username: user.value.trim(), password: pass.value } });
    if (r.status === 200) { await loggedIn(r.data); go(''); return; }
    button.disabled = false;
    button.textContent = t('login');
    msg.textContent = r.status === 0 ? t('offline_unavailable') : r.status === 401 || r.status === 422 ? t('login_failed') : t('error', { m: r.message });
    msg.hidden = false;
  });
  return h('div', {},
    h('h1', {}, t('login_title')),
    params.expired || (session.user && waiting) ? h('p', { class: 'error', role: 'alert', id: 'expired' }, t('login_again')) : null,
    waiting ? h('p', { class: 'muted' }, t('outbox_waiting', { n: waiting })) : null,
    form);
}
