import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { CHECK, answerBody, isVisible, progress, nonCompliant, photoIds, submissionAnswers, numberProblem, walk,
  sectionProgress, allComply, toggleChoice } from '../../pwa/js/template.js';

const T = {
  key: 'demo', version: 3, title: 'Demo', site_kind: 'eldercare',
  sections: [
    { key: 's1', title: 'One', items: [
      { key: 'exits', type: 'check', label: 'Exits clear', basis: 'x', grade: 'major', rectify_days: 30, risk_weight: 5,
        photo_required_when_noncompliant: true },
      { key: 'has_canteen', type: 'choice', label: 'Canteen?', options: [{ value: 'yes', label: 'Y' }, { value: 'no', label: 'N' }], required: true },
      { key: 'food_licence', type: 'check', label: 'Food licence', basis: 'y', grade: 'major', rectify_days: 30, risk_weight: 5,
        show_if: { item: 'has_canteen', equals: 'yes' } },
      { key: 'beds', type: 'number', label: 'Beds', min: 0, max: 1000, integer: true },
    ] },
    { key: 's2', title: 'People', items: [
      { key: 'people', type: 'repeat', label: 'People', items: [
        { key: 'age', type: 'choice', label: 'Age', options: [{ value: 'child', label: 'C' }, { value: 'adult', label: 'A' }], required: true },
        { key: 'school', type: 'text', label: 'School', required: true, show_if: { item: 'age', in: ['child'] } },
      ] },
    ] },
  ],
};

test('conditional items count only when their condition holds', () => {
  const a = { exits: { value: CHECK.yes }, has_canteen: { value: 'no' } };
  let p = progress(T, a);
  assert.equal(p.total, 2);
  assert.equal(p.complete, true);
  a.has_canteen.value = 'yes';
  p = progress(T, a);
  assert.equal(p.total, 3);
  assert.deepEqual(p.missing, [['food_licence']]);
  assert.equal(isVisible(T.sections[0].items[2], a), true);
});

test('a non-compliant check that needs a photo blocks submission until it has one', () => {
  const a = { exits: { value: CHECK.no }, has_canteen: { value: 'no' } };
  assert.deepEqual(progress(T, a).photoMissing, [['exits']]);
  assert.equal(progress(T, a).complete, false);
  a.exits.photos = ['p1'];
  assert.equal(progress(T, a).complete, true);
  assert.deepEqual(nonCompliant(T, a).map((n) => n.item.key), ['exits']);
});

test('repeat entries: conditions look at their own entry first', () => {
  const a = { exits: { value: CHECK.yes }, has_canteen: { value: 'no' },
    people: { entries: [{ age: { value: 'child' } }, { age: { value: 'adult' } }] } };
  const p = progress(T, a);
  assert.deepEqual(p.missing, [['people', 0, 'school']]);
  a.people.entries[0].school = { value: 'No. 3 Primary' };
  assert.equal(progress(T, a).complete, true);
});

test('an unanswered optional number is neither missing nor invalid', () => {
  const p = progress(T, { exits: { value: CHECK.yes }, has_canteen: { value: 'no' }, beds: {} });
  assert.deepEqual(p.invalid, []);
  assert.equal(p.complete, true);
});

test('numbers out of bounds are invalid', () => {
  const item = T.sections[0].items[3];
  assert.equal(numberProblem(item, 5), null);
  assert.equal(numberProblem(item, -1), 'min');
  assert.equal(numberProblem(item, 1001), 'max');
  assert.equal(numberProblem(item, 2.5), 'integer');
  assert.equal(progress(T, { exits: { value: CHECK.yes }, has_canteen: { value: 'no' }, beds: { value: 5000 } }).complete, false);
});

test('the submitted answers leave out hidden items and carry photos, notes and deadlines', () => {
  const a = { exits: { value: CHECK.no, photos: ['p1', 'p2'], note: 'locked', deadline_days: 7 },
    has_canteen: { value: 'no' }, food_licence: { value: CHECK.no }, beds: { value: '120' },
    people: { entries: [{ age: { value: 'adult' }, school: { value: 'stale' } }] } };
  const out = submissionAnswers(T, a);
  assert.deepEqual(out.exits, { result: 'noncompliant', note: 'locked', photos: ['p1', 'p2'], deadline_days: 7 });
  assert.equal('food_licence' in out, false, 'hidden by has_canteen=no');
  assert.equal(out.beds, 120);
  assert.equal(out.has_canteen, 'no');
  assert.deepEqual(out.people, [{ age: 'adult' }], 'the hidden school answer is left out');
  assert.deepEqual(answerBody({ type: 'location' }, { value: { lat: 1, lng: 2, accuracy: 5 } }), { lat: 1, lng: 2, accuracy_m: 5 });
  assert.deepEqual(answerBody({ type: 'photo' }, { photos: ['a'] }), ['a']);
  assert.deepEqual(answerBody({ type: 'check' }, { value: 'compliant', deadline_days: 3 }), { result: 'compliant' });
  assert.deepEqual(photoIds(a), ['p1', 'p2']);
});

test('every shipped template walks: each item has a type the runner renders', () => {
  const dir = new URL('../../schemas/checklists/', import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 3);
  const types = new Set(['check', 'number', 'choice', 'text', 'photo', 'location', 'repeat']);
  for (const f of files) {
    const tpl = JSON.parse(readFileSync(new URL(f, dir)));
    let n = 0;
    walk(tpl, {}, (item) => { n += 1; assert.ok(types.has(item.type), `${f}: ${item.key} has type ${item.type}`); });
    assert.ok(n > 0, f);
    const p = progress(tpl, {});
    assert.equal(p.complete, p.total === 0, `${f}: an empty draft is incomplete`);
  }
});

test('a check the recorded numbers contradict cannot be submitted as compliant', () => {
  const S = { key: 'n', version: 1, title: 'N', site_kind: 'eldercare', sections: [{ key: 's', title: 'S', items: [
    { key: 'residents', type: 'number', label: 'Residents' },
    { key: 'night_staff', type: 'number', label: 'Night staff' },
    { key: 'enough', type: 'check', label: 'Enough', basis: 'x', grade: 'general', rectify_days: 15, risk_weight: 2,
      noncompliant_when: { item: 'night_staff', less_than: { item: 'residents', divided_by: 30 } } },
  ] }] };
  const a = { residents: { value: 61 }, night_staff: { value: 2 }, enough: { value: CHECK.yes } };
  assert.deepEqual(progress(S, a).invalid, [['enough']]);
  a.enough = { value: CHECK.no };
  assert.equal(progress(S, a).complete, true);
  a.residents = { value: 60 };
  a.enough = { value: CHECK.yes };
  assert.equal(progress(S, a).complete, true);
});

test('overall progress counts sections, a number that stays as conditional items appear; each section says what it shows now', () => {
  const a = {};
  const before = sectionProgress(T, a);
  assert.equal(before.total, 1, 'only s1 asks anything (a repeat group of zero entries is a valid answer)');
  assert.deepEqual(before.sections.map((s) => [s.key, s.answered, s.shown]), [['s1', 0, 2], ['s2', 0, 0]]);
  a.has_canteen = { value: 'yes' }; // food_licence appears
  const mid = sectionProgress(T, a);
  assert.equal(mid.total, 1);
  assert.deepEqual([mid.sections[0].answered, mid.sections[0].shown, mid.done], [1, 3, 0]);
  a.exits = { value: CHECK.no }; a.food_licence = { value: CHECK.yes };
  const after = sectionProgress(T, a);
  assert.deepEqual([after.sections[0].answered, after.sections[0].shown, after.done, after.total], [3, 3, 1, 1]);
});

test('all comply answers the shown, unanswered checks of one section and nothing else', () => {
  const tpl = { sections: [
    { key: 'a', items: [
      { key: 'c1', type: 'check' }, { key: 'c2', type: 'check' },
      { key: 'canteen', type: 'choice', required: true, options: [{ value: 'yes', label: 'Y' }, { value: 'no', label: 'N' }] },
      { key: 'food', type: 'check', show_if: { item: 'canteen', equals: 'yes' } },
      { key: 'staff', type: 'number' }, { key: 'residents', type: 'number' },
      { key: 'enough', type: 'check', noncompliant_when: { item: 'staff', less_than: { item: 'residents', divided_by: 10 } } },
    ] },
    { key: 'b', items: [{ key: 'c3', type: 'check' }] },
  ] };
  const answers = { c2: { value: CHECK.no, note: 'locked', deadline_days: 3 }, canteen: { value: 'no' }, staff: { value: 1 }, residents: { value: 40 } };
  assert.deepEqual(allComply(tpl, answers, 'a'), ['c1']);
  assert.deepEqual(answers.c1, { value: CHECK.yes });
  assert.deepEqual(answers.c2, { value: CHECK.no, note: 'locked', deadline_days: 3 }, 'an answer given is never overwritten');
  assert.equal(answers.food, undefined, 'a hidden item stays unanswered (and is not sent)');
  assert.equal(answers.enough, undefined, 'too few staff for the residents: the inspector decides, not the shortcut');
  assert.equal(answers.c3, undefined, 'another section is untouched');
  assert.deepEqual(allComply(tpl, answers, 'a'), [], 'a second tap changes nothing');
  answers.c1.value = CHECK.na; // each item stays changeable
  assert.deepEqual(allComply(tpl, answers, 'a'), []);
  assert.equal(answers.c1.value, CHECK.na);
  assert.equal(progress(tpl, answers).missing.length, 2, 'enough and c3 are still to answer');
});

test('an exclusive option ("none") of a multiple choice stands alone', () => {
  const opts = [{ value: 'elevator' }, { value: 'boiler' }, { value: 'none', exclusive: true }];
  assert.deepEqual(toggleChoice(opts, ['elevator', 'boiler'], 'none', true), ['none']);
  assert.deepEqual(toggleChoice(opts, ['none'], 'elevator', true), ['elevator']);
  assert.deepEqual(toggleChoice(opts, ['elevator'], 'boiler', true), ['elevator', 'boiler']);
  assert.deepEqual(toggleChoice(opts, ['elevator', 'boiler'], 'elevator', false), ['boiler']);
  assert.deepEqual(toggleChoice(opts.map(({ value }) => ({ value })), ['elevator'], 'none', true), ['elevator', 'none'],
    'without the flag every option combines');
});

test("the patrol form's minor age bands are the server's (rules.MINOR_BANDS) and the template's options", () => {
  // The template's options carry no "minor" mark, so patrol.js keeps a copy: it must not drift from the API's rule,
  // which refuses a minor's face photo without face_needed and a reason.
  const src = (p) => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');
  const bands = (text, re) => [...text.match(re)[1].matchAll(/['"]([a-z0-9_]+)['"]/g)].map((m) => m[1]);
  const pwa = bands(src('pwa/js/views/patrol.js'), /const MINOR_BANDS = \[([^\]]*)\]/);
  const api = bands(src('backend/xunjian/patrols/rules.py'), /^MINOR_BANDS = \(([^)]*)\)/m);
  assert.deepEqual(pwa, api);
  const tpl = JSON.parse(src('schemas/checklists/street_patrol.json'));
  const items = tpl.sections.flatMap((s) => s.items).flatMap((i) => [i, ...(i.items || [])]);
  const ages = items.find((i) => i.key === 'age_band').options.map((o) => o.value);
  assert.ok(api.length === 2 && api.every((b) => ages.includes(b)), `${api} in ${ages}`);
});
