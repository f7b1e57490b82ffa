"""The signature pad of the signing screen (pwa/js/sign/pad.js) in real headless Chromium: strokes drawn with the
mouse and a finger tap make a PNG, 清除 empties it again, an empty pad gives nothing to save; and the module, kept
out of the shell, is kept by the service worker once fetched, so it loads offline after a reload."""

from __future__ import annotations

import base64

import pytest

from .test_pwa_offline import new_page

pytestmark = pytest.mark.e2e

MOUNT = """async (who) => {
  const { createPad } = await import('/js/sign/pad.js');
  document.querySelector('#xj-pad-test')?.remove();
  const box = document.createElement('div');
  box.id = 'xj-pad-test';
  box.style.cssText = 'position:fixed;left:10px;top:10px;width:320px;z-index:9999;background:#fff';
  window.xjChanges = [];
  window.xjPad = createPad({ who, onchange: (empty) => window.xjChanges.push(empty) });
  box.append(window.xjPad.el);
  document.body.append(box);
  return window.xjPad.isEmpty();
}"""
PNG = """async () => {
  const b = await window.xjPad.toBlob();
  if (!b) return null;
  const bytes = new Uint8Array(await b.arrayBuffer());
  let s = ''; for (const x of bytes) s += String.fromCharCode(x);
  return [b.type, btoa(s)];
}"""
INKED = """() => { const c = document.querySelector('#xj-pad-test canvas');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }"""


def draw(page, points):
    box = page.locator("#xj-pad-test canvas").bounding_box()
    page.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=4)
    page.mouse.up()


def test_strokes_make_a_png_clear_empties_and_an_empty_pad_gives_nothing(server, browser):
    ctx, page = new_page(browser, server)
    try:
        assert page.evaluate(MOUNT, "张三") is True
        assert page.evaluate(PNG) is None, "an empty pad cannot be saved"
        assert page.get_by_text("请在框内签名").is_visible()
        draw(page, [(20, 40), (80, 120), (140, 50), (220, 130), (300, 60)])
        assert page.evaluate("window.xjPad.isEmpty()") is False
        assert page.evaluate(INKED) > 200, "the stroke is drawn on the canvas"
        kind, data = page.evaluate(PNG)
        png = base64.b64decode(data)
        assert kind == "image/png" and png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 500
        assert page.get_by_text("请在框内签名").is_hidden()
        page.get_by_role("button", name="清除").click()
        assert page.evaluate("window.xjPad.isEmpty()") is True
        assert page.evaluate(INKED) == 0
        assert page.evaluate(PNG) is None
        assert page.evaluate("window.xjChanges") == [False, True]
        assert page.locator("#xj-pad-test button").bounding_box()["height"] >= 44, "a large tap target"
        assert page.errors == []
    finally:
        ctx.close()


def test_a_finger_signs_too_and_english_says_clear(server, browser):
    ctx = browser.new_context(viewport={"width": 360, "height": 780}, has_touch=True, is_mobile=True)
    page = ctx.new_page()
    try:
        page.goto(server["base"] + "/")
        # The app's own start-up sets its saved language (Chinese) once IndexedDB answers; switch only after it, or
        # start-up can switch back to Chinese under the test (seen in CI).
        page.wait_for_selector("input[name=username]")
        page.evaluate("async () => (await import('/js/i18n.js')).setLang('en')")
        page.evaluate(MOUNT, "Li Si")
        assert page.get_by_role("button", name="Clear").is_visible()
        assert page.get_by_text("Please sign inside the box").is_visible()
        box = page.locator("#xj-pad-test canvas").bounding_box()
        page.touchscreen.tap(box["x"] + 100, box["y"] + 90)
        assert page.evaluate("window.xjPad.isEmpty()") is False
        assert page.evaluate(INKED) > 0
    finally:
        ctx.close()


def test_the_pad_module_loads_offline_once_fetched(server, browser):
    ctx, page = new_page(browser, server)
    try:
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30000)
        page.evaluate(MOUNT, "张三")  # fetched online once, through the service worker, which keeps it
        kept = page.evaluate("""async () => { for (const n of await caches.keys()) {
          if (n.startsWith('xj-lang-') && await (await caches.open(n)).match('/js/sign/pad.js')) return n; } return null; }""")
        assert kept, "the service worker keeps the pad module (the HTTP cache alone could serve it offline)"
        ctx.set_offline(True)
        page.reload()
        assert page.evaluate(MOUNT, "张三") is True
        draw(page, [(20, 40), (200, 120)])
        assert page.evaluate(PNG)[0] == "image/png"
    finally:
        ctx.set_offline(False)
        ctx.close()
