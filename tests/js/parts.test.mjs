import { test } from 'node:test';
import assert from 'node:assert/strict';
import { byText } from '../../pwa/js/views/parts.js';

test('byText orders ISO dates by time and codes by their characters, missing values first, without localeCompare', () => {
  const deadlines = ['2026-12-10', null, '2026-01-31', '2026-12-04', '', '2025-12-31'];
  assert.deepEqual(deadlines.slice().sort(byText), [null, '', '2025-12-31', '2026-01-31', '2026-12-04', '2026-12-10']);
  const updated = ['2026-12-04T09:30:00.000Z', '2026-12-04T10:05:00.000Z', '2026-11-30T23:59:59.000Z'];
  assert.deepEqual(updated.slice().sort((a, b) => byText(b, a)), ['2026-12-04T10:05:00.000Z', '2026-12-04T09:30:00.000Z', '2026-11-30T23:59:59.000Z']);
  assert.deepEqual(['620102', '6201', '620100'].sort(byText), ['6201', '620100', '620102']);
  assert.equal(byText('a', 'a'), 0);
  assert.doesNotMatch(byText.toString(), /localeCompare/);
});
