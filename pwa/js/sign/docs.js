// An inspection's documents (现场检查笔录, 责令整改通知书) and a closed finding's (整改复查意见书): view, download, print.
// A plain link cannot carry the bearer token: each PDF is fetched with it and opened from an object URL, in a new
// tab (the browser's or phone's viewer), an <a download>, or a frame to print (if that fails, the viewer opens).
// A 409 signatures_missing says who has still to sign and links to the signing screen.
import { h, clear } from '../dom.js';
import { DICTS, t } from '../i18n.js';
import * as api from '../api.js';

Object.assign(DICTS['zh-CN'], {
  doc_record: '现场检查笔录', doc_notice: '责令整改通知书', doc_recheck: '整改复查意见书', doc_view: '查看', doc_download: '下载',
  doc_print: '打印', doc_missing: '尚待签名：{who}', doc_sign: '去签名', doc_site: '被检查单位负责人', doc_title: '文书',
  doc_no_findings: '本次检查未发现隐患，没有整改通知书', doc_document_not_issued: '文书尚未由检查人员签发',
  doc_document_not_ready: '尚不能出具',
});
Object.assign(DICTS.en, {
  doc_record: 'On-site record', doc_notice: 'Rectification notice', doc_recheck: 'Re-check opinion', doc_view: 'View',
  doc_download: 'Download', doc_print: 'Print', doc_missing: 'Still to sign: {who}', doc_sign: 'Sign now',
  doc_site: 'the person in charge of the site', doc_title: 'Documents',
  doc_no_findings: 'No hazard was found, so there is no rectification notice',
  doc_document_not_issued: 'Not issued yet by the inspectors', doc_document_not_ready: 'Not ready yet',
});

// The PDF as {url, name}, or throws the API's error (status 0 offline).
async function pdf(path) {
  const r = await api.send('GET', path, { raw: true, headers: { Accept: 'application/pdf' } });
  if (r.status !== 200) throw new api.ApiError(r.status, r.code, r.message, r.details);
  const url = URL.createObjectURL(r.data);
  setTimeout(() => URL.revokeObjectURL(url), 300e3);
  return { url, name: r.filename || path.split('/').pop() };
}

const click = (attrs) => { const a = h('a', attrs); document.body.append(a); a.click(); a.remove(); };

const ACTIONS = {
  view: ({ url }) => click({ href: url, target: '_blank', rel: 'noopener' }),
  download: ({ url, name }) => click({ href: url, download: name }),
  print: (doc) => {
    // Not display:none: Chromium's PDF viewer must lay the frame out to print it.
    const f = h('iframe', { src: doc.url, title: doc.name, 'aria-hidden': 'true', tabindex: '-1' });
    f.style.cssText = 'position:fixed;right:0;bottom:0;width:1px;height:1px;border:0;opacity:0';
    f.onload = () => { try { f.contentWindow.print(); } catch { ACTIONS.view(doc); } setTimeout(() => f.remove(), 60e3); };
    document.body.append(f);
  },
};

function problem(err, inspectionId) {
  if (err.code !== 'signatures_missing') {
    const known = `doc_${err.code}` in DICTS['zh-CN'] && t(`doc_${err.code}`);
    return h('p', { class: 'error', role: 'alert', 'data-code': err.code }, err.status === 0 ? t('offline_unavailable') : known || err.message || err.code);
  }
  const who = (err.details?.missing || []).map((m) => (m.signer === 'site' ? t('doc_site') : m.name)).join('、');
  return h('p', { class: 'error', role: 'alert', 'data-code': err.code }, t('doc_missing', { who: who || '…' }), ' ',
    h('a', { href: `#/sign/${inspectionId}`, class: 'btn sec' }, t('doc_sign')));
}

// finding-like {inspection_id, id?, status?}: the inspection's record and notice (when it has findings), and the
// finding's re-check opinion once it is closed.
export function documents({ inspection_id: insp, id, status, notice = true }) {
  const list = [['record', `/api/inspections/${insp}/record.pdf`], notice && ['notice', `/api/inspections/${insp}/notice.pdf`],
    id && status === 'closed' && ['recheck', `/api/findings/${id}/recheck.pdf`]].filter(Boolean);
  const note = h('div', { 'aria-live': 'polite' });
  const row = ([kind, path]) => h('p', { class: 'row', 'data-doc': kind }, h('strong', {}, t(`doc_${kind}`)),
    ...Object.keys(ACTIONS).map((act) => h('button', { type: 'button', class: 'sec', 'data-act': act,
      'aria-label': `${t(`doc_${act}`)} ${t(`doc_${kind}`)}`, onclick: async (e) => {
      clear(note);
      e.target.disabled = true;
      try { ACTIONS[act](await pdf(path)); } catch (err) { note.append(problem(err, insp)); } finally { e.target.disabled = false; }
    } }, t(`doc_${act}`))));
  return h('section', { id: 'docs' }, h('h2', {}, t('doc_title')), list.map(row), note);
}
