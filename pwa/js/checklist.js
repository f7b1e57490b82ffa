// Renders any checklist template from its JSON: sections, every item type, conditional items, repeat groups.
// Answers live in draft.answers; every change calls onChange() (which autosaves) and re-checks visibility.
import { t, pick } from './i18n.js';
import { h, uid, clear } from './dom.js';
import { CHECK, isVisible, itemText, numberProblem, numbersSayNoncompliant, valueOf } from './template.js';

function options(item) {
  return (item.options || item.choices || []).map((o) => (typeof o === 'object' ? { value: o.value ?? o.key, label: pick(o.label ?? o.title ?? o.value) } : { value: o, label: String(o) }));
}

// ctx: {answers, onChange, addPhoto(file) → id, photoSrc(id) → Promise<url>, locate() → Promise<{lat,lng,accuracy}>}
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
    // holder: the object that holds this item's answer (the inspection's answers or a repeat entry)
    const get = () => holder[item.key] || (holder[item.key] = {});
    const el = h('div', { class: 'item', 'data-item': path.join('.'), id: 'item-' + path.join('-') });
    const qid = uid('q');
    el.append(h('div', { class: 'q', id: qid }, pick(itemText(item)), item.unit ? ` (${pick(item.unit)})` : ''));
    if (item.basis) el.append(h('div', { class: 'basis' }, t('basis'), '：', pick(item.basis)));
    if (item.type === 'check') {
      const grade = item.grade;
      const days = item.rectify_days;
      if (grade) el.append(h('div', { class: 'basis' }, t('default_grade', { g: t(grade === 'major' ? 'grade_major' : 'grade_general'), d: days ?? '—' })));
    }
    if (item.help || item.hint) el.append(h('div', { class: 'hint' }, pick(item.help || item.hint)));
    if (item.noncompliant_when) {
      const hint = h('div', { class: 'error', role: 'alert', hidden: true }, t('numbers_say_no'));
      numberRules.push([hint, item, get]);
      el.append(hint);
    }

    if (item.type === 'repeat') {
      el.append(repeatEl(item, get(), scopes, path));
    } else {
      el.append(control(item, get, qid, scopes, el));
    }
    if (item.show_if || item.visible_if || item.when) {
      conditional.push([el, item, scopes]);
      el.hidden = !isVisible(item, ...scopes());
    }
    return el;
  }

  function radios(name, opts, current, labelledby, onPick, extraClass) {
    const box = h('div', { class: 'choices', role: 'radiogroup', 'aria-labelledby': labelledby });
    const labels = [];
    for (const o of opts) {
      const input = h('input', { type: 'radio', name, value: o.value, checked: current === o.value });
      const label = h('label', { class: current === o.value ? `sel ${extraClass(o.value)}` : '' }, input, o.label);
      input.addEventListener('change', () => {
        labels.forEach((l) => { l.className = ''; });
        label.className = `sel ${extraClass(o.value)}`;
        onPick(o.value);
      });
      labels.push(label);
      box.append(label);
    }
    return box;
  }

  function control(item, get, qid, scopes, itemBox) {
    const wrap = h('div', {});
    const name = uid('n');
    const ans = get();
    switch (item.type) {
      case 'check': {
        const extra = h('div', {});
        const renderExtra = () => {
          clear(extra);
          if (valueOf(get()) === CHECK.no) {
            const days = h('input', { type: 'number', inputmode: 'numeric', min: 1, max: item.rectify_days ?? 365,
              value: get().deadline_days ?? '', placeholder: String(item.rectify_days ?? '') });
            days.id = uid();
            days.addEventListener('change', () => { get().deadline_days = days.value ? Number(days.value) : undefined; changed(); });
            extra.append(h('div', { class: 'field' }, h('label', { for: days.id }, t('deadline_days')), days));
            if (item.grade === 'general') {
              // The inspector may judge a general item's hazard major on site (never the other way round).
              const major = h('input', { type: 'checkbox', checked: get().grade === 'major' });
              major.addEventListener('change', () => { get().grade = major.checked ? 'major' : undefined; changed(); });
              extra.append(h('label', { class: 'check' }, major, t('raise_major')));
            }
            if (item.photo_required_when_noncompliant) extra.append(h('div', { class: 'hint' }, t('photo_required')));
          }
        };
        wrap.append(radios(name, [{ value: CHECK.yes, label: t('ans_yes') }, { value: CHECK.no, label: t('ans_no') }, { value: CHECK.na, label: t('ans_na') }],
          valueOf(ans), qid, (v) => { get().value = v; renderExtra(); changed(); }, (v) => (v === CHECK.no ? 'no' : '')), extra);
        renderExtra();
        wrap.append(photosEl(get), noteEl(get));
        break;
      }
      case 'number': {
        const input = h('input', { type: 'number', inputmode: 'decimal', step: item.integer ? 1 : 'any', min: item.min ?? item.minimum, max: item.max ?? item.maximum,
          value: valueOf(ans) ?? '', 'aria-labelledby': qid });
        const err = h('div', { class: 'error', hidden: true, role: 'alert' });
        input.addEventListener('input', () => {
          get().value = input.value === '' ? undefined : Number(input.value);
          const p = numberProblem(item, get().value);
          err.hidden = !p;
          err.textContent = p ? t('number_range', { min: item.min ?? item.minimum ?? '', max: item.max ?? item.maximum ?? '' }) : '';
          changed();
        });
        wrap.append(input, err);
        break;
      }
      case 'choice': {
        const opts = options(item);
        if (item.multiple) {
          const box = h('div', { class: 'choices', role: 'group', 'aria-labelledby': qid });
          for (const o of opts) {
            const cur = Array.isArray(valueOf(ans)) ? valueOf(ans) : [];
            const input = h('input', { type: 'checkbox', value: o.value, checked: cur.includes(o.value) });
            const label = h('label', { class: cur.includes(o.value) ? 'sel' : '' }, input, o.label);
            input.addEventListener('change', () => {
              const set = new Set(Array.isArray(valueOf(get())) ? valueOf(get()) : []);
              if (input.checked) set.add(o.value); else set.delete(o.value);
              get().value = opts.map((x) => x.value).filter((v) => set.has(v));
              label.className = input.checked ? 'sel' : '';
              changed();
            });
            box.append(label);
          }
          wrap.append(box);
        } else if (opts.length <= 4) {
          wrap.append(radios(name, opts, valueOf(ans), qid, (v) => { get().value = v; changed(); }, () => ''));
        } else {
          const sel = h('select', { 'aria-labelledby': qid }, h('option', { value: '' }, t('select_ph')),
            opts.map((o) => h('option', { value: o.value, selected: valueOf(ans) === o.value }, o.label)));
          sel.addEventListener('change', () => { get().value = sel.value || undefined; changed(); });
          wrap.append(sel);
        }
        break;
      }
      case 'text': {
        const ta = h('textarea', { 'aria-labelledby': qid, value: valueOf(ans) ?? '' });
        ta.addEventListener('input', () => { get().value = ta.value; changed(); });
        wrap.append(ta);
        break;
      }
      case 'photo':
        wrap.append(photosEl(get, qid));
        break;
      case 'location': {
        const out = h('div', { class: 'muted' });
        const show = () => { const v = valueOf(get()); out.textContent = v ? t('location_value', { lat: v.lat.toFixed(5), lng: v.lng.toFixed(5), acc: Math.round(v.accuracy || 0) }) : ''; };
        const btn = h('button', { type: 'button', class: 'sec', 'aria-describedby': qid, onclick: async () => {
          try { get().value = await ctx.locate(); show(); changed(); } catch { out.textContent = t('no_location'); }
        } }, t('location_get'));
        show();
        wrap.append(btn, out);
        break;
      }
      default: {
        const ta = h('input', { 'aria-labelledby': qid, value: valueOf(ans) ?? '' });
        ta.addEventListener('input', () => { get().value = ta.value; changed(); });
        wrap.append(ta);
      }
    }
    return wrap;
  }

  function noteEl(get) {
    const ta = h('textarea', { value: get().note || '', rows: 2 });
    ta.id = uid();
    ta.addEventListener('input', () => { get().note = ta.value || undefined; ctx.onChange(); });
    return h('details', { class: 'field' }, h('summary', {}, t('note')), h('label', { for: ta.id, class: 'hint' }, t('note')), ta);
  }

  function photosEl(get, labelledby) {
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
    const input = h('input', { type: 'file', accept: 'image/*', capture: 'environment' });
    input.addEventListener('change', async () => {
      for (const file of input.files) {
        const id = await ctx.addPhoto(file);
        (get().photos || (get().photos = [])).push(id);
      }
      input.value = '';
      draw();
      changed();
    });
    draw();
    const btn = h('label', { class: 'btn sec file-btn' }, input, t('add_photo'));
    if (labelledby) input.setAttribute('aria-describedby', labelledby);
    return h('div', {}, row, btn);
  }

  function repeatEl(item, group, scopes, path) {
    group.entries = group.entries || [];
    const list = h('div', {});
    const draw = () => {
      clear(list);
      group.entries.forEach((entry, i) => {
        const box = h('fieldset', { class: 'entry' }, h('legend', {}, item.entry_label ? `${pick(item.entry_label)} ${i + 1}` : t('entry_n', { n: i + 1 })));
        for (const sub of item.items || []) box.append(itemEl(sub, entry, () => [entry, ...scopes()], [...path, i, sub.key]));
        box.append(h('button', { type: 'button', class: 'link', onclick: () => { group.entries.splice(i, 1); draw(); changed(); } }, t('remove_entry')));
        list.append(box);
      });
    };
    draw();
    return h('div', {}, list, h('button', { type: 'button', class: 'sec', onclick: () => { group.entries.push({}); draw(); changed(); } }, '＋ ', t('add_entry')));
  }

  const root = h('div', { class: 'checklist' });
  const sectionEl = (section) => {
    const sid = uid('s');
    const sec = h('section', { class: 'section', 'aria-labelledby': sid }, h('h2', { id: sid }, pick(section.title ?? section.label ?? section.key)));
    for (const item of section.items || []) sec.append(itemEl(item, ctx.answers, () => [ctx.answers], [item.key]));
    return sec;
  };
  // The first section at once, the rest one per task: a 45-item checklist never blocks the phone for long.
  const [first, ...rest] = template.sections || [];
  if (first) root.append(sectionEl(first));
  root.ready = (async () => {
    for (const section of rest) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      root.append(sectionEl(section));
    }
    refresh();
    root.dataset.ready = 'true';
  })();
  return root;
}
