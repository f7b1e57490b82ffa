import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LAYOUTS, coverageRows, frame, layout, mercator, tiles, worst } from '../../pwa/js/desk/map.js';

const GANSU = ['620100', '620200', '620300', '620400', '620500', '620600', '620700', '620800', '620900', '621000',
  '621100', '621200', '622900', '623000'];
const region = (code, counts = {}) => ({ region_id: Number(code), code, name: code, counts, total: 0 });

test('a tile takes its worst tier; none without sites', () => {
  assert.equal(worst({ red: 0, orange: 2, yellow: 5, blue: 1 }), 'orange');
  assert.equal(worst({ red: 1, orange: 0, yellow: 0, blue: 0 }), 'red');
  assert.equal(worst({ red: 0, orange: 0, yellow: 0, blue: 0 }), null);
});

test("Gansu's 14 prefectures each have a place of their own, west to east roughly as they lie", () => {
  const { tiles: placed, cols } = layout(GANSU.map((c) => region(c)), LAYOUTS[620000]);
  assert.equal(placed.length, 14);
  assert.equal(new Set(placed.map((t) => `${t.col},${t.row}`)).size, 14);
  const at = Object.fromEntries(placed.map((t) => [t.code, t]));
  assert.ok(at['620900'].col < at['620100'].col && at['620100'].col < at['621000'].col); // 酒泉 · 兰州 · 庆阳
  assert.ok(at['620500'].row > at['620100'].row); // 天水 south of 兰州
  assert.ok(cols >= 7);
});

test('regions without a layout (and the region\'s own row) fill rows below, in their order', () => {
  const kids = ['620102', '620103', '620104', '620121', '620122'].map((c) => region(c));
  const own = { ...region('620100'), direct: true };
  const { tiles: placed, cols, rows } = layout([...kids, own], LAYOUTS[620100]);
  assert.equal(cols, 3);
  assert.deepEqual(placed.map((t) => [t.col, t.row]), [[0, 0], [1, 0], [2, 0], [0, 1], [1, 1], [2, 1]]);
  assert.equal(rows, 2);
  const mixed = layout([region('620100'), { ...region('620000'), direct: true }], LAYOUTS[620000]).tiles;
  assert.deepEqual([mixed[1].col, mixed[1].row], [0, 3]); // below 兰州's row
});

test('Web Mercator: the origin, north up, and the frame keeps every point of the bounds inside', () => {
  assert.deepEqual(mercator(0, 0).map((v) => +v.toFixed(6)), [0.5, 0.5]);
  assert.ok(mercator(40, 100)[1] < mercator(30, 100)[1]);
  const b = { south: 32.6, west: 92.8, north: 42.8, east: 108.7 }; // Gansu's sites
  const f = frame(b, 720, 420);
  for (const [lat, lng] of [[b.south, b.west], [b.north, b.east], [b.south, b.east], [b.north, b.west]]) {
    const [x, y] = f.project(lat, lng);
    assert.ok(x >= 0 && x <= 720 && y >= 0 && y <= 420, `${lat},${lng} -> ${x},${y}`);
  }
  const [cx, cy] = f.project(37.7, 100.75);
  assert.ok(Math.abs(cx - 360) < 1 && Math.abs(cy - 210) < 30);
  const one = frame({ south: 36.06, west: 103.83, north: 36.06, east: 103.83 }, 720, 420); // one site
  assert.deepEqual(one.project(36.06, 103.83).map(Math.round), [360, 210]);
});

test('the base layer asks for a bounded number of tiles that cover the frame', () => {
  const f = frame({ south: 32.6, west: 92.8, north: 42.8, east: 108.7 }, 720, 420);
  const ts = tiles(f);
  assert.ok(ts.length > 0 && ts.length <= 24);
  const minX = Math.min(...ts.map((t) => t.px)), minY = Math.min(...ts.map((t) => t.py));
  const maxX = Math.max(...ts.map((t) => t.px + t.size)), maxY = Math.max(...ts.map((t) => t.py + t.size));
  assert.ok(minX <= 0 && minY <= 0 && maxX >= 720 && maxY >= 420);
  assert.equal(new Set(ts.map((t) => t.z)).size, 1);
});

test('coverage: a row per county, a column per site kind', () => {
  const { kinds, rows } = coverageRows([
    { region_id: 1, region_name: '城关区', site_kind: 'eldercare', sites: 4, inspected: 3 },
    { region_id: 1, region_name: '城关区', site_kind: 'lottery_outlet', sites: 10, inspected: 2 },
    { region_id: 2, region_name: '七里河区', site_kind: 'eldercare', sites: 2, inspected: 0 },
  ]);
  assert.deepEqual(kinds, ['eldercare', 'lottery_outlet']);
  assert.deepEqual(rows.map((r) => r.name), ['城关区', '七里河区']);
  assert.equal(rows[1].cells.lottery_outlet, undefined);
  assert.equal(rows[0].cells.eldercare.inspected, 3);
});
