// Checklist template logic without the DOM: which items show, what is answered, what is missing, and the
// inspection body the server takes. A template is data: sections of items; item types check, number, choice,
// text, photo, location, and repeat groups whose sub-items are filled any number of times.

export const CHECK = { yes: 'compliant', no: 'noncompliant', na: 'na' };

export function itemText(item) { return item.label ?? item.title ?? item.text ?? item.key; }

// Condition shapes accepted: {item, equals}, {item, in: [...]}, {item, not_equals}; under show_if / visible_if / when.
export function condition(item) { return item.show_if ?? item.visible_if ?? item.when ?? null; }

// Answers are kept as {value, note?, photos?, deadline_days?} (repeat groups as {entries}).
export function valueOf(answer) {
  return answer == null ? undefined : answer.value;
}

function matches(cond, value) {
  if ('equals' in cond) return Array.isArray(value) ? value.includes(cond.equals) : value === cond.equals;
  if ('in' in cond) return Array.isArray(value) ? value.some((v) => cond.in.includes(v)) : cond.in.includes(value);
  if ('not_equals' in cond) return value !== undefined && value !== cond.not_equals;
  if ('answered' in cond) return (value !== undefined && value !== null && value !== '') === cond.answered;
  return value !== undefined;
}

// scopes: answer maps to look the condition's item up in, innermost first (a repeat entry, then the inspection).
export function isVisible(item, ...scopes) {
  const cond = condition(item);
  if (!cond) return true;
  const conds = Array.isArray(cond) ? cond : [cond];
  return conds.every((c) => {
    const ref = c.item ?? c.key;
    const scope = scopes.find((s) => s && ref in s);
    return matches(c, valueOf(scope ? scope[ref] : undefined));
  });
}

export function isAnswered(item, answer) {
  const v = valueOf(answer);
  if (item.type === 'repeat') return true; // zero entries is a valid answer ("nobody met")
  if (item.type === 'photo') return Array.isArray(answer?.photos) && answer.photos.length >= Math.max(1, item.min_count || 0);
  if (item.type === 'location') return v && typeof v.lat === 'number' && typeof v.lng === 'number';
  if (Array.isArray(v)) return v.length > 0;
  return v !== undefined && v !== null && v !== '';
}

export function isRequired(item) {
  if (item.required !== undefined) return !!item.required;
  return item.type === 'check';
}

export function needsPhoto(item, answer) {
  return item.type === 'check' && !!(item.photo_required_when_noncompliant)
    && valueOf(answer) === CHECK.no && !(answer?.photos?.length);
}

export function numberProblem(item, value) {
  if (value === undefined || value === null || value === '') return null;
  const n = Number(value);
  if (!Number.isFinite(n)) return 'nan';
  const min = item.min ?? item.minimum;
  const max = item.max ?? item.maximum;
  if (min !== undefined && n < min) return 'min';
  if (max !== undefined && n > max) return 'max';
  if (item.integer && !Number.isInteger(n)) return 'integer';
  return null;
}

// A check whose `noncompliant_when` holds (two numbers of the same inspection, as the server's engine compares
// them) may only be answered noncompliant.
export function numbersSayNoncompliant(item, answers) {
  const rule = item.noncompliant_when;
  if (!rule) return false;
  const a = valueOf(answers[rule.item]), b = valueOf(answers[rule.less_than.item]);
  if (typeof a !== 'number' || typeof b !== 'number') return false;
  return a < b / (rule.less_than.divided_by ?? 1);
}

// Walk every visible item, entering repeat entries; fn(item, answer, path) where path names the place for errors.
export function walk(template, answers, fn) {
  for (const section of template.sections || []) {
    for (const item of section.items || []) {
      if (!isVisible(item, answers)) continue;
      const answer = answers[item.key];
      fn(item, answer, [item.key], section);
      if (item.type === 'repeat') {
        (answer?.entries || []).forEach((entry, i) => {
          for (const sub of item.items || []) {
            if (!isVisible(sub, entry, answers)) continue;
            fn(sub, entry[sub.key], [item.key, i, sub.key], section);
          }
        });
      }
    }
  }
}

export function progress(template, answers) {
  let total = 0, answered = 0;
  const missing = [], photoMissing = [], invalid = [];
  walk(template, answers, (item, answer, path) => {
    if (item.type === 'repeat') return;
    const req = isRequired(item);
    const done = isAnswered(item, answer);
    if (req) total += 1;
    if (req && done) answered += 1;
    if (req && !done) missing.push(path);
    if (needsPhoto(item, answer)) photoMissing.push(path);
    if (item.type === 'number' && numberProblem(item, valueOf(answer))) invalid.push(path);
    if (item.type === 'check' && isAnswered(item, answer) && valueOf(answer) !== CHECK.no
        && numbersSayNoncompliant(item, answers)) invalid.push(path);
  });
  return { total, answered, missing, photoMissing, invalid, complete: !missing.length && !photoMissing.length && !invalid.length };
}

export function nonCompliant(template, answers) {
  const out = [];
  walk(template, answers, (item, answer, path) => { if (item.type === 'check' && valueOf(answer) === CHECK.no) out.push({ item, answer, path }); });
  return out;
}

// Every photo id a draft refers to (to queue them before the record).
export function photoIds(answers) {
  const ids = [];
  const visit = (a) => {
    if (!a || typeof a !== 'object') return;
    if (Array.isArray(a.photos)) ids.push(...a.photos);
    if (Array.isArray(a.entries)) a.entries.forEach((e) => Object.values(e).forEach(visit));
  };
  Object.values(answers || {}).forEach(visit);
  return [...new Set(ids)];
}

// One answer in the server's shape (backend/xunjian/checklists/rules.py): check {result, note?, photos?,
// deadline_days?}; number; choice value or list; text; photo id list; location {lat, lng, accuracy_m?}.
export function answerBody(item, answer) {
  const v = valueOf(answer);
  switch (item.type) {
    case 'check': {
      const out = { result: v };
      if (answer.note) out.note = answer.note;
      if (answer.photos?.length) out.photos = [...answer.photos];
      if (v === CHECK.no && answer.deadline_days) out.deadline_days = Number(answer.deadline_days);
      if (v === CHECK.no && answer.grade === 'major') out.grade = 'major';
      return out;
    }
    case 'number': return Number(v);
    case 'photo': return [...(answer.photos || [])];
    case 'location': {
      const out = { lat: v.lat, lng: v.lng };
      if (typeof v.accuracy === 'number') out.accuracy_m = v.accuracy;
      return out;
    }
    default: return v;
  }
}

// The answers as the server takes them: only visible items, keyed by item key; repeat groups as lists of entries.
export function submissionAnswers(template, answers) {
  const out = {};
  for (const section of template.sections || []) {
    for (const item of section.items || []) {
      if (!isVisible(item, answers)) continue;
      const answer = answers[item.key];
      if (item.type === 'repeat') {
        out[item.key] = (answer?.entries || []).map((entry) => {
          const e = {};
          for (const sub of item.items || []) {
            if (isVisible(sub, entry, answers) && isAnswered(sub, entry[sub.key])) e[sub.key] = answerBody(sub, entry[sub.key]);
          }
          return e;
        });
      } else if (isAnswered(item, answer)) {
        out[item.key] = answerBody(item, answer);
      }
    }
  }
  return out;
}
