// Checklist template logic without the DOM: what shows, is answered or missing, and the body the server takes.

export const CHECK = { yes: 'compliant', no: 'noncompliant', na: 'na' };

// Answers are kept as {value, note?, photos?, deadline_days?} (repeat groups as {entries}).
export const valueOf = (answer) => answer?.value;

function matches(cond, value) {
  const vals = Array.isArray(value) ? value : [value];
  return 'equals' in cond ? vals.includes(cond.equals) : vals.some((v) => cond.in.includes(v));
}

// show_if is {item, equals} or {item, in}; scopes: answer maps to look it up in (a repeat entry, then the inspection).
export function isVisible(item, ...scopes) {
  const c = item.show_if;
  if (!c) return true;
  const scope = scopes.find((s) => s && c.item in s);
  return matches(c, valueOf(scope?.[c.item]));
}

export function isAnswered(item, answer) {
  const v = valueOf(answer);
  if (item.type === 'repeat') return true; // zero entries is a valid answer ("nobody met")
  if (item.type === 'photo') return Array.isArray(answer?.photos) && answer.photos.length >= Math.max(1, item.min_count || 0);
  if (item.type === 'location') return v && typeof v.lat === 'number' && typeof v.lng === 'number';
  if (Array.isArray(v)) return v.length > 0;
  return v !== undefined && v !== null && v !== '';
}

export const isRequired = (item) => item.required ?? item.type === 'check';

export function needsPhoto(item, answer) {
  return item.type === 'check' && !!(item.photo_required_when_noncompliant)
    && valueOf(answer) === CHECK.no && !(answer?.photos?.length);
}

export function numberProblem(item, value) {
  if (value === undefined || value === null || value === '') return null;
  const n = Number(value);
  if (!Number.isFinite(n)) return 'nan';
  if (n < item.min) return 'min';
  if (n > item.max) return 'max';
  if (item.integer && !Number.isInteger(n)) return 'integer';
  return null;
}

// A check whose `noncompliant_when` holds (compared as the server does) may only be answered noncompliant.
export function numbersSayNoncompliant(item, answers) {
  const rule = item.noncompliant_when;
  if (!rule) return false;
  const a = valueOf(answers[rule.item]), b = valueOf(answers[rule.less_than.item]);
  if (typeof a !== 'number' || typeof b !== 'number') return false;
  return a < b / (rule.less_than.divided_by ?? 1);
}

// Walk every visible item, entering repeat entries; fn(item, answer, path) where path names the place for errors.
export function walk(template, answers, fn) {
  for (const section of template.sections) {
    for (const item of section.items) {
      if (!isVisible(item, answers)) continue;
      const answer = answers[item.key];
      fn(item, answer, [item.key], section);
      if (item.type === 'repeat') {
        (answer?.entries || []).forEach((entry, i) => {
          for (const sub of item.items) {
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

// One answer in the server's shape (the answer shapes of backend/xunjian/checklists/rules.py).
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
  walk(template, answers, (item, answer, [key, i, sub]) => {
    if (item.type === 'repeat') out[key] = (answer?.entries || []).map(() => ({}));
    else if (isAnswered(item, answer)) (sub ? out[key][i] : out)[sub ?? key] = answerBody(item, answer);
  });
  return out;
}

// Per section: required items answered of those shown now; overall: sections done, a total that never jumps.
export function sectionProgress(template, answers) {
  const secs = template.sections.map((s) => ({ key: s.key, shown: 0, answered: 0, counted: s.items.some(isRequired) }));
  walk(template, answers, (item, answer, path, section) => {
    const s = secs[template.sections.indexOf(section)];
    if (item.type !== 'repeat' && isRequired(item)) { s.shown += 1; if (isAnswered(item, answer)) s.answered += 1; }
  });
  const counted = secs.filter((s) => s.counted);
  for (const s of secs) s.done = s.answered === s.shown;
  return { sections: secs, done: counted.filter((s) => s.done).length, total: counted.length };
}

// "All comply": a section's shown, unanswered checks become compliant, except one its numbers say is not.
export function allComply(template, answers, sectionKey) {
  const keys = [];
  for (const item of template.sections.find((s) => s.key === sectionKey).items) {
    if (item.type !== 'check' || !isVisible(item, answers) || isAnswered(item, answers[item.key])
        || numbersSayNoncompliant(item, answers)) continue;
    answers[item.key] = { ...answers[item.key], value: CHECK.yes };
    keys.push(item.key);
  }
  return keys;
}

// A multiple choice after (un)ticking value: an exclusive option ("none") stands alone.
export function toggleChoice(options, current, value, on) {
  const excl = (v) => options.find((o) => o.value === v)?.exclusive;
  const keep = on ? current.filter((v) => !excl(v) && !excl(value)) : current;
  return options.map((o) => o.value).filter((v) => (v === value ? on : keep.includes(v)));
}
