// Renders any checklist template from its JSON into ctx.answers; every change re-checks visibility and calls onChange.
import { t, pick } from './i18n.js';
import { h, uid, clear } from './dom.js';
import { CHECK, allComply, isVisible, numberProblem, numbersSayNoncompliant, toggleChoice, valueOf } from './template.js';

export const where = (v) => t('location_value', { lat: v.lat.toFixed(5), lng: v.lng.toFixed(5), acc: Math.round(v.accuracy || 0) });

// ctx: {answers, onChange, addPhoto(file) → id, photoSrc(id) → Promise<url>, locate() → Promise<{lat,lng,accuracy}>,
// head(section) → an element under the section's title}
export function renderChecklist(template, ctx) {
  const conditional = []; // [element, item, scopes()] re-evaluated after each change
  const numberRules = []; // [hint, item, answer()]: a check the recorded numbers say is noncompliant
  const refresh = () => {
    for (const [el, item, scopes] of conditional) el.hidden = !isVisible(item, ...scopes());
    for (const [hint, item, get] of numberRules) {
      hint.hidden = !(numbersSayNoncompliant(item, ctx.answers) && valueOf(get()) !== CHECK.no);
    }
  };
  const changed = () => { refresh(); ctx.onChange(); };

  function itemEl(item, holder, scopes, path) {
    // holder: the inspection's answers or a repeat entry
    const get = () => holder[item.key] || (holder[item.key] = {});
    const qid = uid('q');
    const el = h('div', { class: 'item', id: 'item-' + path.join('-') },
      h('div', { class: 'q', id: qid }, pick(item.label), item.unit && ` (${pick(item.unit)})`),
      item.basis && h('div', { class: 'basis' }, t('basis'), t('colon'), pick(item.basis)),
      item.grade && h('div', { class: 'basis' }, t('default_grade', { g: t('grade_' + item.grade), d: item.rectify_days })),
      item.help && h('div', { class: 'hint' }, pick(item.help)));
    if (item.noncompliant_when) {
      const hint = h('div', { class: 'error', role: 'alert', hidden: true }, t('numbers_say_no'));
      numberRules.push([hint, item, get]);
      el.append(hint);
    }

    el.append(item.type === 'repeat' ? repeatEl(item, get(), scopes, path) : control(item, get, qid));
    if (item.show_if) {
      conditional.push([el, item, scopes]);
      el.hidden = !isVisible(item, ...scopes());
    }
    return el;
  }

  // CSS marks the chosen option (label:has(:checked)), whoever sets the input.
  function radios(opts, current, labelledby, onPick) {
    const name = uid('n');
    return h('div', { class: 'choices', role: 'radiogroup', 'aria-labelledby': labelledby }, opts.map((o) => h('label', {},
      h('input', { type: 'radio', name, value: o.value, checked: current === o.value, onchange: () => onPick(o.value) }), o.label)));
  }

  function control(item, get, qid) {
    const wrap = h('div', {});
    const ans = get();
    switch (item.type) {
      case 'check': {
        const extra = h('div', {});
        const renderExtra = () => {
          clear(extra);
          if (valueOf(get()) === CHECK.no) {
            const days = h('input', { type: 'number', inputmode: 'numeric', min: 1, max: item.rectify_days ?? 365, id: uid(),
              value: get().deadline_days ?? '', placeholder: String(item.rectify_days ?? ''),
              onchange: () => { get().deadline_days = days.value ? Number(days.value) : undefined; changed(); } });
            extra.append(h('div', { class: 'field' }, h('label', { for: days.id }, t('deadline_days')), days));
            if (item.grade === 'general') {
              // The inspector may judge a general item's hazard major on site (never the other way round).
              const major = h('input', { type: 'checkbox', checked: get().grade === 'major',
                onchange: () => { get().grade = major.checked ? 'major' : undefined; changed(); } });
              extra.append(h('label', { class: 'check' }, major, t('raise_major')));
            }
            if (item.photo_required_when_noncompliant) extra.append(h('div', { class: 'hint' }, t('photo_required')));
          }
        };
        wrap.append(radios(['yes', 'no', 'na'].map((k) => ({ value: CHECK[k], label: t('ans_' + k) })),
          valueOf(ans), qid, (v) => { get().value = v; renderExtra(); changed(); }), extra);
        renderExtra();
        wrap.append(photosEl(ctx, get, changed), noteEl(get));
        break;
      }
      case 'number': {
        const input = h('input', { type: 'number', inputmode: 'decimal', step: item.integer ? 1 : 'any', min: item.min, max: item.max,
          value: valueOf(ans) ?? '', 'aria-labelledby': qid });
        const err = h('div', { class: 'error', hidden: true, role: 'alert' });
        input.addEventListener('input', () => {
          get().value = input.value === '' ? undefined : Number(input.value);
          const p = numberProblem(item, get().value);
          err.hidden = !p;
          err.textContent = p ? t('number_range', { min: item.min ?? '', max: item.max ?? '' }) : '';
          changed();
        });
        wrap.append(input, err);
        break;
      }
      case 'choice': {
        const opts = item.options.map((o) => ({ ...o, label: pick(o.label) }));
        if (item.multiple) {
          const box = h('div', { class: 'choices', role: 'group', 'aria-labelledby': qid });
          const cur = () => valueOf(get()) || [];
          const inputs = opts.map((o) => h('input', { type: 'checkbox', value: o.value, checked: cur().includes(o.value), onchange: (e) => {
            get().value = toggleChoice(opts, cur(), o.value, e.target.checked);
            for (const i of inputs) i.checked = cur().includes(i.value);
            changed();
          } }));
          box.append(...inputs.map((i, n) => h('label', {}, i, opts[n].label)));
          wrap.append(box);
        } else if (opts.length <= 4) {
          wrap.append(radios(opts, valueOf(ans), qid, (v) => { get().value = v; changed(); }));
        } else {
          const sel = h('select', { 'aria-labelledby': qid, onchange: () => { get().value = sel.value || undefined; changed(); } },
            h('option', { value: '' }, t('select_ph')), opts.map((o) => h('option', { value: o.value, selected: valueOf(ans) === o.value }, o.label)));
          wrap.append(sel);
        }
        break;
      }
      case 'photo':
        wrap.append(photosEl(ctx, get, changed, qid));
        break;
      case 'location': {
        const out = h('div', { class: 'muted' });
        const show = () => { out.textContent = valueOf(get()) ? where(valueOf(get())) : ''; };
        const btn = h('button', { type: 'button', class: 'sec', 'aria-describedby': qid, onclick: async () => {
          try { get().value = await ctx.locate(); show(); changed(); } catch { out.textContent = t('no_location'); }
        } }, t('location_get'));
        show();
        wrap.append(btn, out);
        break;
      }
      default: { // text
        const ta = h(item.type === 'text' ? 'textarea' : 'input', { 'aria-labelledby': qid, value: valueOf(ans) ?? '',
          oninput: () => { get().value = ta.value; changed(); } });
        wrap.append(ta);
      }
    }
    return wrap;
  }

  function noteEl(get) {
    const ta = h('textarea', { value: get().note || '', rows: 2, id: uid(), oninput: () => { get().note = ta.value || undefined; ctx.onChange(); } });
    return h('details', { class: 'field' }, h('summary', {}, t('note')), h('label', { for: ta.id, class: 'hint' }, t('note')), ta);
  }

  function repeatEl(item, group, scopes, path) {
    group.entries ||= [];
    const list = h('div', {});
    const draw = () => {
      clear(list);
      group.entries.forEach((entry, i) => {
        const box = h('fieldset', { class: 'entry' }, h('legend', {}, item.entry_label ? `${pick(item.entry_label)} ${i + 1}` : t('entry_n', { n: i + 1 })));
        for (const sub of item.items) box.append(itemEl(sub, entry, () => [entry, ...scopes()], [...path, i, sub.key]));
        box.append(h('button', { type: 'button', class: 'link', onclick: () => { group.entries.splice(i, 1); draw(); changed(); } }, t('remove_entry')));
        list.append(box);
      });
    };
    draw();
    return h('div', {}, list, h('button', { type: 'button', class: 'sec', onclick: () => { group.entries.push({}); draw(); changed(); } }, '＋ ', t('add_entry')));
  }

  const root = h('div', { class: 'checklist' });
  root.comply = (key) => {
    for (const k of allComply(template, ctx.answers, key)) root.querySelector(`#item-${k} input[value=${CHECK.yes}]`).checked = true;
    changed();
  };
  const sectionEl = (section) => {
    const sid = uid('s');
    const sec = h('section', { class: 'section', 'aria-labelledby': sid, 'data-section': section.key },
      h('h2', { id: sid }, pick(section.title)), ctx.head?.(section));
    for (const item of section.items) sec.append(itemEl(item, ctx.answers, () => [ctx.answers], [item.key]));
    return sec;
  };
  // The first section at once, the rest one per task: a 45-item checklist never blocks the phone for long.
  const [first, ...rest] = template.sections;
  root.append(sectionEl(first));
  root.ready = (async () => {
    for (const section of rest) {
      await new Promise((resolve) => setTimeout(resolve));
      root.append(sectionEl(section));
    }
    refresh();
    root.dataset.ready = 'true';
  })();
  return root;
}

// get().photos, taken by ctx.addPhoto; also the encounter form's, so every photo has the same capture.
export function photosEl(ctx, get, changed, labelledby) {
  const row = h('div', { class: 'photos' });
  const draw = () => {
    clear(row);
    for (const id of get().photos || []) {
      const img = h('img', { alt: t('photo_n', { n: 1 }), 'data-photo': id });
      ctx.photoSrc(id).then((src) => { if (src) img.src = src; });
      row.append(h('figure', {}, img, h('button', { type: 'button', class: 'link', 'aria-label': t('remove_photo'), onclick: () => {
        get().photos = (get().photos || []).filter((p) => p !== id); draw(); changed();
      } }, '✕')));
    }
  };
  const input = h('input', { type: 'file', accept: 'image/*', capture: 'environment', 'aria-describedby': labelledby, onchange: async () => {
    for (const file of input.files) (get().photos || (get().photos = [])).push(await ctx.addPhoto(file));
    input.value = '';
    draw();
    changed();
  } });
  draw();
  return h('div', {}, row, h('label', { class: 'btn sec file-btn' }, input, t('add_photo')));
}
