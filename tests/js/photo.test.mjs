import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitWithin, PHOTO_DEFAULTS } from '../../pwa/js/photo.js';

test('photos are shrunk to 2560 px on the longest side by default, never enlarged', () => {
  assert.equal(PHOTO_DEFAULTS.maxSide, 2560);
  assert.deepEqual(fitWithin(4000, 3000, 2560), { width: 2560, height: 1920 });
  assert.deepEqual(fitWithin(3000, 4000, 2560), { width: 1920, height: 2560 });
  assert.deepEqual(fitWithin(1200, 900, 2560), { width: 1200, height: 900 });
  assert.deepEqual(fitWithin(10000, 10, 1280), { width: 1280, height: 1 });
});
