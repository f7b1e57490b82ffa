// The signing screen #/sign/{inspection uuid}: a pad for each inspector recorded with the inspection (with the
// certificate number) and for the site's person in charge, who may refuse (拒签) before a witness with a photo of
// the scene instead. A signature is a PNG stored like a photo and sent through the outbox (photo first, then the
// PUT .../signatures/{id}), so one captured offline waits on the phone until the server takes it. Loaded by
// import() and kept by the service worker like the pad.
import { h, field, toast } from '../dom.js';
import { DICTS, t, formatDate } from '../i18n.js';
import * as api from '../api.js';
import * as db from '../db.js';
import { uuid } from '../outbox.js';
import { queue, storePhoto, session, outbox } from '../app.js';
import { addPhoto } from '../views/run.js';
import { createPad } from './pad.js';
import { documents } from './docs.js';

Object.assign(DICTS['zh-CN'], {
  sg_title: '签名', sg_count: '已签名 {a}/{n}', sg_cert: '执法证号 {c}', sg_nocert: '执法证号未登记', sg_site: '被检查单位负责人',
  sg_name: '负责人姓名', sg_save: '确认签名', sg_done: '已签名 {t}', sg_wait: '已签名，等待发送', sg_refused: '拒签（见证人 {w}）',
  sg_refuse: '拒签', sg_witness: '见证人姓名', sg_photo: '现场照片', sg_need: '请填写姓名', sg_offline: '离线：签名保存在手机上，联网后自动发送',
  sg_failed: '未能发送：{m}', sg_empty: '请在框内签名', sg_list: '待签名',
});
Object.assign(DICTS.en, {
  sg_title: 'Signatures', sg_count: 'Signed {a}/{n}', sg_cert: 'Certificate {c}', sg_nocert: 'No certificate recorded',
  sg_site: 'Person in charge of the site', sg_name: 'Name of the person in charge', sg_save: 'Confirm signature',
  sg_done: 'Signed {t}', sg_wait: 'Signed, waiting to be sent', sg_refused: 'Refused to sign (witness {w})',
  sg_refuse: 'Refuses to sign', sg_witness: 'Witness name', sg_photo: 'Photo of the scene', sg_need: 'Please enter the name',
  sg_offline: 'Offline: the signature is kept on the phone and sent when online', sg_failed: 'Not sent: {m}', sg_empty: 'Please sign inside the box', sg_list: 'To be signed',
});

const kept = async (path) => (await db.cacheGet(path))?.value;

// The inspection as the server has it, else the copy kept when it was last seen, else (submitted offline, not sent
// yet) the runner's draft: the inspectors are the user and the co-inspectors named in it.
async function load(id) {
  const path = `/api/inspections/${id}`;
  // The draft is read first: the outbox deletes it once the server has the inspection, which the GET then finds.
  const d = await db.get('drafts', id);
  const r = await api.send('GET', path);
  if (r.status === 200) { await db.cacheSet(path, r.data); return r.data; }
  const copy = await kept(path);
  if (copy) return copy;
  if (!d) throw new api.ApiError(r.status || 404, r.code, r.message);
  const me = session.me || (await kept('/api/me')) || {};
  const opts = (await kept(`/api/inspectors?site_id=${d.site.id}`)) || [];
  return { id, site_name: d.site.name, signatures: [], inspectors: [
    { user_id: session.user.id, name: me.display_name || session.user.display_name, certificate_no: me.certificate_no },
    ...(d.co || []).map((u) => opts.find((o) => o.user_id === u) || { user_id: u, name: `#${u}` })] };
}

const slot = (s) => (s.signer === 'site' ? 'site' : `u${s.user_id}`);

// The inspections this phone has to have signed still, listed on the home screen: the way back to their signing
// screen, for one without findings too.
const toSignKey = () => `tosign:${session.user.username}`;
export async function toSign(box) {
  const list = (await db.kvGet(toSignKey())) || [];
  if (list.length) box.append(h('h2', { id: 'tosign-h' }, t('sg_list')), h('ul', { class: 'list', id: 'tosign' },
    list.map((x) => h('li', {}, h('a', { class: 'main', href: `#/sign/${x.id}` }, x.site), ' ', formatDate(x.at, true)))));
}
let listed = Promise.resolve();
const remember = (insp, open) => {
  const key = toSignKey();
  listed = listed.then(async () => {
    const list = ((await db.kvGet(key)) || []).filter((x) => x.id !== insp.id);
    if (open) list.unshift({ id: insp.id, site: insp.site_name, at: insp.submitted_at || new Date().toISOString() });
    await db.kvSet(key, list.slice(0, 30));
  }).catch(() => {});
};

export async function render({ args }) {
  const id = args[0];
  const insp = await load(id);
  const done = new Map(insp.signatures.map((s) => [slot(s), s]));
  const mine = (await outbox.list()).filter((i) => i.type === 'signature' && i.path.startsWith(`/api/inspections/${id}/`));
  const waiting = new Map(mine.filter((i) => i.state !== 'rejected').map((i) => [slot(i.body), i]));
  const failed = new Map(mine.filter((i) => i.state === 'rejected').map((i) => [slot(i.body), i]));
  const signers = [...insp.inspectors.map((i) => ({ key: `u${i.user_id}`, i })), { key: 'site' }];
  const count = h('p', { id: 'sign-count', 'aria-live': 'polite' });
  const tally = () => {
    const n = signers.filter((s) => done.has(s.key) || waiting.has(s.key)).length;
    count.textContent = t('sg_count', { a: n, n: signers.length });
    count.dataset.signed = n;
    remember(insp, signers.some((s) => !done.has(s.key)));
  };

  const card = (s) => {
    const box = h('section', { class: 'card', 'data-signer': s.key });
    const status = h('p', { class: 'ok', 'data-status': '' });
    const show = () => {
      const sig = done.get(s.key);
      status.dataset.status = sig ? 'signed' : 'waiting';
      status.textContent = sig ? (sig.refused ? t('sg_refused', { w: sig.witness_name }) : t('sg_done', { t: formatDate(sig.signed_at, true) }))
        : t('sg_wait');
      box.replaceChildren(box.firstChild, status);
    };
    box.append(s.i ? h('h2', {}, s.i.name, h('small', { class: 'muted' }, ' · ', s.i.certificate_no ? t('sg_cert', { c: s.i.certificate_no }) : t('sg_nocert')))
      : h('h2', {}, t('sg_site'), done.get('site')?.name ? ` · ${done.get('site').name}` : ''));
    if (done.has(s.key) || waiting.has(s.key)) { show(); return box; }

    const msg = h('p', { class: 'error', role: 'alert', hidden: !failed.has(s.key) },
      failed.has(s.key) ? t('sg_failed', { m: failed.get(s.key).error?.message || '' }) : '');
    const pad = createPad({ who: s.i?.name || t('sg_site'), onchange: () => { msg.hidden = true; } });
    const name = h('input', { name: 'signer-name', autocomplete: 'off', maxlength: 100 });
    const witness = h('input', { name: 'witness', autocomplete: 'off', maxlength: 100 });
    const refusal = { photo: null };
    const thumb = h('span', { class: 'muted' });
    const shot = h('input', { type: 'file', accept: 'image/*', capture: 'environment', onchange: async () => {
      const f = shot.files[0];
      if (f) { refusal.photo = await addPhoto(f); thumb.textContent = '✓'; thumb.dataset.photo = refusal.photo; }
    } });
    const refuseBox = h('div', { hidden: true }, field(t('sg_witness'), witness), field(t('sg_photo'), shot), thumb);
    const refuse = h('input', { type: 'checkbox', name: 'refused', onchange: () => {
      refuseBox.hidden = !refuse.checked; pad.el.hidden = refuse.checked;
    } });
    const save = async () => {
      const sid = uuid();
      const body = s.i ? { signer: 'inspector', user_id: s.i.user_id } : { signer: 'site', name: name.value.trim() };
      const photos = [];
      const fail = (text) => { msg.textContent = text; msg.hidden = false; };
      if (!s.i && !body.name) return fail(t('sg_need'));
      if (!s.i && refuse.checked) {
        Object.assign(body, { refused: true, witness_name: witness.value.trim() });
        if (!body.witness_name) return fail(t('sg_need'));
        if (refusal.photo) { body.refusal_photo_id = refusal.photo; photos.push(refusal.photo); }
      } else {
        const png = await pad.toBlob();
        if (!png) return fail(t('sg_empty'));
        body.photo_id = await storePhoto(png);
        photos.push(body.photo_id);
      }
      const item = { id: sid, type: 'signature', method: 'PUT', path: `/api/inspections/${id}/signatures/${sid}`, body,
        label: `${insp.site_name} · ${t('sg_title')} · ${s.i?.name || body.name}` };
      const { sent } = await queue(item, photos);
      waiting.set(s.key, item);
      show();
      tally();
      if (!navigator.onLine) toast(t('sg_offline'));
      // The server's answer (the outbox view says why one waits or was refused).
      const left = await sent;
      if (left?.state === 'rejected') { waiting.delete(s.key); failed.set(s.key, left); box.replaceWith(card(s)); tally(); return; }
      if (!left) {
        const r = await api.send('GET', `/api/inspections/${id}`);
        const sig = r.data?.signatures?.find((x) => x.id === sid);
        if (sig) { done.set(s.key, sig); show(); tally(); }
      }
    };
    box.append(...(s.i ? [] : [field(t('sg_name'), name), h('label', { class: 'row' }, refuse, t('sg_refuse'))]),
      pad.el, refuseBox, msg, h('button', { type: 'button', class: 'big', 'data-save': s.key, onclick: save }, t('sg_save')));
    return box;
  };

  const out = h('div', { id: 'sign' }, h('h1', { id: 'sign-h' }, t('sg_title')), h('p', {}, insp.site_name), count,
    ...signers.map(card), documents({ inspection_id: id, notice: !insp.findings || insp.findings.length > 0 }));
  tally();
  return out;
}
