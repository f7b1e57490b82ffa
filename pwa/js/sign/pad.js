// A signature pad for the signing screen: a <canvas> drawn with pointer events (touch, pen and mouse alike), 清除
// clears it, and an empty pad cannot be saved. Loaded by import() (the shell is at its budget); the service worker
// keeps a copy once fetched, like the language packs, so a phone that signed once online can sign offline.
import { h } from '../dom.js';
import { DICTS, t } from '../i18n.js';

Object.assign(DICTS['zh-CN'], {
  sign_clear: '清除', sign_empty: '请在框内签名', sign_pad: '{who} 签名区',
});
Object.assign(DICTS.en, {
  sign_clear: 'Clear', sign_empty: 'Please sign inside the box', sign_pad: 'Signature of {who}',
});

// createPad({who}) -> {el, isEmpty(), clear(), toBlob()}; onchange(empty) is called after each stroke and clear.
export function createPad({ who, onchange } = {}) {
  const canvas = h('canvas', { class: 'sigpad', role: 'img', 'aria-label': t('sign_pad', { who: who || '' }) });
  canvas.style.cssText = 'display:block;width:100%;height:180px;border:1px solid #888;border-radius:6px;background:#fff;touch-action:none';
  const hint = h('small', { class: 'hint' }, t('sign_empty'));
  let strokes = 0;
  let last = null;
  const ctx = () => {
    // The drawing buffer follows the box's size (and the screen's pixel ratio) the first time it is drawn on.
    const r = canvas.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(r.width * ratio)) {
      canvas.width = Math.round(r.width * ratio);
      canvas.height = Math.round(r.height * ratio);
    }
    const c = canvas.getContext('2d');
    c.setTransform(ratio, 0, 0, ratio, 0, 0);
    c.lineWidth = 2.5; c.lineCap = 'round'; c.lineJoin = 'round'; c.strokeStyle = '#000';
    return c;
  };
  const at = (e) => { const r = canvas.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
  canvas.addEventListener('pointerdown', (e) => {
    e.preventDefault();
    canvas.setPointerCapture?.(e.pointerId);
    last = at(e);
    const c = ctx();
    c.beginPath(); c.arc(last[0], last[1], 1.2, 0, 2 * Math.PI); c.fill();
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!last) return;
    const p = at(e);
    const c = ctx();
    c.beginPath(); c.moveTo(last[0], last[1]); c.lineTo(p[0], p[1]); c.stroke();
    last = p;
  });
  const end = () => {
    if (!last) return;
    last = null;
    strokes += 1;
    hint.hidden = true;
    onchange?.(false);
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  const clear = () => {
    ctx().clearRect(0, 0, canvas.width, canvas.height);
    strokes = 0;
    hint.hidden = false;
    onchange?.(true);
  };
  const button = h('button', { type: 'button', class: 'secondary', onclick: clear }, t('sign_clear'));
  button.style.minHeight = '44px';
  const el = h('div', { class: 'sigpad-box' }, canvas, hint, button);
  return {
    el,
    isEmpty: () => strokes === 0,
    clear,
    // The PNG of the signature; null for an empty pad, which cannot be saved.
    toBlob: () => (strokes === 0 ? Promise.resolve(null) : new Promise((ok) => canvas.toBlob(ok, 'image/png'))),
  };
}
