"""Every screen of the inspector, the manager, the supervisor and the lottery centre at 360, 390 and 1366 px, in Chinese and in English:
nothing may pass the right edge of the screen (the page does not scroll sideways, and no element's box reaches past
the viewport unless it sits in a box that scrolls sideways itself, like a wide table). The same run writes a
screenshot of each screen x width x language to $XUNJIAN_SCREENSHOTS (default test-artifacts/screenshots): artifacts
for people to look at, never committed. The admin console is left out: it is a desktop screen with its own tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .test_decisions_e2e import OUTLET, outlet_finding
from .test_notifications_e2e import submit_major_hazard
from .test_pwa_offline import SITE_CODE, checklist_ready, db_rows, login, new_page, see

pytestmark = pytest.mark.e2e

WIDTHS = (360, 390, 1366)
LANGS = ("zh-CN", "en")
SHOTS = Path(os.environ.get("XUNJIAN_SCREENSHOTS") or Path(__file__).parents[2] / "test-artifacts" / "screenshots")

# What passes the right edge: the page's own sideways scroll; each visible element whose right edge is past the
# viewport, unless an ancestor below <body> scrolls or clips sideways (then that ancestor is judged instead); and each
# box that hides part of its content sideways (a tab bar one must scroll to reach "Inbox" cuts it as much as the edge
# does). Form controls scroll their own text; a .tablewrap is a wide table meant to scroll in its box.
OVERFLOW = """() => {
  const w = innerWidth;
  const name = (el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.className} "${(el.textContent || '').trim().slice(0, 24)}"`;
  const held = (el) => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
    if (getComputedStyle(p).overflowX !== 'visible') return true; } return false; };
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (!(r.width > 0 && r.height > 0)) continue;
    if (r.right > w + 0.5 && !held(el)) wide.push(`${name(el)} right ${Math.round(r.right)}`);
    if (getComputedStyle(el).overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1
        && !['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName) && !el.classList.contains('tablewrap')) {
      wide.push(`${name(el)} hides ${el.scrollWidth - el.clientWidth} px sideways`);
    }
  }
  return { scroll: document.documentElement.scrollWidth - w, wide: wide.slice(0, 6) };
}"""


def visit(page, url):
    """Open a screen and wait until it has rendered in place of the one before."""
    page.evaluate("() => document.querySelector('#main > *')?.setAttribute('data-left', '')")
    if page.url == url:  # the same hash again changes nothing: load it afresh
        page.reload()
    else:
        page.goto(url)
    settled(page)


def settled(page):
    page.wait_for_function("() => document.querySelector('#main > :not([data-left])') && !document.querySelector('#main[aria-busy]')")
    if page.query_selector(".checklist"):
        checklist_ready(page)


def first_link(page, prefix: str) -> str | None:
    """The first link of a list (lists fill in after their screen renders); None when the list has none."""
    try:
        page.wait_for_selector(f"#main a[href^='{prefix}']", timeout=5000)
    except Exception:
        return None
    return page.get_attribute(f"#main a[href^='{prefix}']", "href").split("?")[0]


def screens_of(page, server, role) -> dict[str, str]:
    """The screens a person of this role reaches, by name: the tab bar's, and one of each detail screen."""
    names = {"inspector": ["", "sites", "findings", "patrol", "inbox", "outbox"],
             "manager": ["", "findings", "sites", "inbox", "outbox"],
             "supervisor": ["board", "plans", "analytics", "findings", "sites", "inbox", "outbox"],
             "lottery": ["board", "sites", "findings", "inbox", "outbox"]}[role]
    base = server["base"]
    screens = {name or "home": f"#/{name}" for name in names}
    for listing, prefix in (("sites", "#/site/"), ("findings?status=", "#/finding/"), ("board", "#/case/"), ("plans", "#/plans/")):
        if listing.split("?")[0] not in names:
            continue
        visit(page, base + "/#/" + listing)
        link = first_link(page, prefix)
        if link:
            screens[prefix.strip("#/")] = link
    if role in ("supervisor", "lottery") and "site" in screens:  # the desk's decisions on that site
        screens["decisions"] = screens["site"].replace("#/site/", "#/decisions/")
    if role == "inspector" and "finding" in screens:  # the signing screen of that finding's inspection
        (inspection,), = db_rows(server, "SELECT inspection FROM finding WHERE id = ?", int(screens["finding"].rsplit("/", 1)[1]))
        screens["sign"] = f"#/sign/{inspection}"
    if role == "inspector":  # the checklist runner: a new draft of an eldercare inspection
        site_id = db_rows(server, "SELECT id FROM site WHERE code = ?", SITE_CODE)[0][0]
        visit(page, f"{base}/#/site/{site_id}")
        see(page, "#start")
        page.click("#start")
        see(page, ".checklist")
        settled(page)
        screens["run"] = "#/" + page.url.split("#/", 1)[1]
    return screens


@pytest.mark.parametrize("role", ["inspector", "manager", "supervisor", "lottery"])
def test_every_screen_fits_360_390_and_1366_px_in_both_languages(server, browser, role):
    if role == "manager":  # the demo has no finding at the manager's home: one to answer (with its 五到位 plan form)
        submit_major_hazard(server, db_rows(server, "SELECT id FROM site WHERE code = ?", SITE_CODE)[0][0])
    if role == "lottery":  # the welfare-lottery centre: a finding of one of its outlets
        outlet_finding(server, db_rows(server, "SELECT id FROM site WHERE code = ?", OUTLET)[0][0])
    ctx, page = new_page(browser, server, {"width": 390, "height": 844})
    login(page, role)
    base = server["base"]
    screens = screens_of(page, server, role)
    assert {"site", "finding"} <= screens.keys(), screens
    SHOTS.mkdir(parents=True, exist_ok=True)
    found = []
    for lang in LANGS:
        if page.evaluate("document.documentElement.lang") != lang:
            page.click("#tools button[lang]")
            page.wait_for_function("(l) => document.documentElement.lang === l", arg=lang)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 780 if width < 1000 else 768})
            for name, hash_ in screens.items():
                visit(page, base + "/" + hash_)
                page.screenshot(path=str(SHOTS / f"{role}-{name}-{width}-{lang}.png"), full_page=True)
                out = page.evaluate(OVERFLOW)
                if out["scroll"] > 0 or out["wide"]:
                    found.append((lang, width, name, out))
    assert found == [], "\n".join(map(str, found))
    assert not page.errors, page.errors
    ctx.close()


# Every tab of the bar, judged where a person would tap it: whole inside the screen, its label not clipped, and the
# tab itself what is under its centre (not covered by a neighbour or cut by the bar).
TABS = """(extra) => {
  const nav = document.getElementById('nav');
  for (const l of extra) { const a = document.createElement('a'); a.href = '#/findings'; a.textContent = l; nav.append(a); }
  return [...nav.querySelectorAll('a')].map((a) => {
    const r = a.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return { text: a.textContent.trim(), top: r.top, left: r.left, right: r.right, clipped: a.scrollWidth > a.clientWidth + 1,
             hit: !!hit && (hit === a || a.contains(hit)) };
  });
}"""


def test_the_largest_tab_bar_and_three_more_tabs_fit_360_px_in_both_languages(server, browser):
    """The supervisors' navigation is the largest (six tabs, like the admins'); the tab bar wraps by design, so three
    more tabs with long English labels (a lottery centre, documents, a plans tab...) still leave every tab whole on a
    360 px screen, reachable by a tap, and nothing wider than the screen."""
    ctx, page = new_page(browser, server, {"width": 360, "height": 780})
    login(page, "supervisor")
    bad = []
    for lang in LANGS:
        if page.evaluate("document.documentElement.lang") != lang:
            page.click("#tools button[lang]")
            page.wait_for_function("(l) => document.documentElement.lang === l", arg=lang)
        visit(page, server["base"] + "/#/findings")
        page.evaluate("() => scrollTo(0, 0)")
        tabs = page.evaluate(TABS, [])
        assert len(tabs) == 6, tabs
        top = tabs[0]["top"]
        # added and measured in one synchronous call, so a re-render of the bar cannot come in between
        tabs = page.evaluate(TABS, ["Lottery centre", "Documents", "Inspection plans"])
        assert len(tabs) == 9, tabs
        page.screenshot(path=str(SHOTS / f"supervisor-tabs9-360-{lang}.png"))
        for tab in tabs:
            if tab["left"] < -0.5 or tab["right"] > 360.5 or tab["clipped"] or not tab["hit"]:
                bad.append((lang, tab))
        out = page.evaluate("() => { const n = document.getElementById('nav'); return n.scrollWidth - n.clientWidth; }")
        if out > 1:
            bad.append((lang, f"the bar hides {out} px sideways"))
        # the bar stays where it was: nine tabs take more rows, not a sideways scroll
        assert tabs[0]["top"] == top and max(t["top"] for t in tabs) > top, tabs
    assert bad == [], "\n".join(map(str, bad))
    assert not page.errors, page.errors
    ctx.close()
