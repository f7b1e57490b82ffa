"""A supervisor opens 统计 from the navigation on a desktop: the tables are shown, and the download is a valid XLSX
with every table as a sheet (and one table's button gives that table alone)."""

from __future__ import annotations

import io

import openpyxl
import pytest

from .test_pwa_offline import CHINESE, login, new_page, see

pytestmark = pytest.mark.e2e

SHEETS = ["整改率", "重大隐患清零", "未销号重大隐患", "逾期（按督办级别）", "高频不合格检查项", "检查覆盖率"]


def test_the_analytics_screen_shows_the_tables_and_downloads_xlsx(server, browser):
    ctx, page = new_page(browser, server, viewport={"width": 1366, "height": 900})
    ctx.set_default_timeout(20000)
    login(page, "supervisor")
    page.click("nav#nav a[href='#/analytics']")
    see(page, "#t-rect tbody tr")
    for table in ("#t-rect", "#t-major", "#t-majors", "#t-overdue", "#t-top", "#t-cov"):
        see(page, table)
    months = page.eval_on_selector("#analytics-form select[name=month_to]", "s => Number(s.value)")
    # A row per month of the period, and the total.
    assert page.locator("#t-rect tbody tr").count() == months + 1
    assert "催办" in page.inner_text("#t-overdue") and "挂牌督办" in page.inner_text("#t-overdue")
    # The checklist of a frequent item by its title, not its key.
    checklists = page.locator("#t-top tbody tr td:nth-child(2)").all_inner_texts()
    assert checklists and "养老机构安全隐患排查检查表" in checklists and "eldercare_safety" not in checklists, checklists
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1366

    with page.expect_download() as info:
        page.click("#xlsx-all")
    data = open(info.value.path(), "rb").read()
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == SHEETS
    header = next(book["整改率"].iter_rows(values_only=True))
    assert header[:3] == ("月份", "到期隐患", "按期销号")

    with page.expect_download() as info:
        page.click("#a-coverage button.xlsx")
    assert info.value.suggested_filename == "analytics-coverage.xlsx"
    assert openpyxl.load_workbook(io.BytesIO(open(info.value.path(), "rb").read())).sheetnames == ["检查覆盖率"]

    # In English the levels are named in English, the subject kinds too.
    page.click("#tools button[lang]")
    # switched (and saved, before the chrome is drawn in English) before the reload below
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    page.click("nav#nav a[href='#/analytics']")
    page.reload()
    see(page, "#t-overdue")
    assert "Follow-up cases" in page.inner_text("#t-overdue")
    assert "Eldercare institution safety hazard checklist" in page.inner_text("#t-top")
    # The items are named as their findings are, in English too (an item's hazard text, or "Non-compliant: label").
    assert page.evaluate(CHINESE, "#t-top td") == [], "no Chinese in the ten most frequent items"
    assert "Corridors or stairs poorly lit" in page.inner_text("#t-top")
    # So is a finding in the list of findings.
    page.click("nav#nav a[href='#/findings']")
    see(page, "#findings a.main")
    assert "Handrails in corridors, toilets or stairs missing or loose" in page.inner_text("#findings")
    assert not page.errors, page.errors
    ctx.close()
