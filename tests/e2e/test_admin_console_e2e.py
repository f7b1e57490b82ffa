"""The admin console in headless Chromium at 1366 px, against a real server (issue 14's second "Must show"): the admin
dry-runs an XLSX of 4,000 lottery outlets with three bad rows and sees each error by row and column, imports the
corrected file, uploads a new checklist version and sees its difference, dry-runs a risk rules change and sees the
figures, adds a township, exports the sites and finds the import in the audit log, and creates an inspector for one
county, who then, in a fresh context, sees only that county's sites. No console screen is wider than the window."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import httpx
import openpyxl
import pytest

from .conftest import PASSWORD
from .test_pwa_offline import api_token, login, new_page, see

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
DESKTOP = {"width": 1366, "height": 900}
SCREENS = ["accounts", "sites", "import", "regions", "templates", "rules", "jobs", "webhooks", "audit"]
HEADERS = ["编码", "名称", "类型", "县区", "地址", "纬度", "经度", "运营方", "床位", "许可证"]
# Demo counties the outlets are spread over (by name or by code); the new inspector is for 榆中县, which also holds
# demo sites, some in its townships.
COUNTIES = ["城关区", "620103", "榆中县", "秦州区", "通渭县"]
COUNTY = "榆中县"
INSPECTOR_PASSWORD = "county-inspector-pw-1"
BAD = {5: ("纬度", "北纬三十六度"), 1200: ("类型", "便利店"), 3999: ("县区", "不存在县")}  # spreadsheet row: column, value


def outlet_rows(bad: bool):
    for n in range(4000):
        county = COUNTIES[n % len(COUNTIES)]
        row = [f"FC-E2E-{n:05d}", f"福彩投注站 E2E {n:05d}", "福利彩票投注站", county, f"测试路 {n} 号",
               35.0 + n / 10000, 104.0 + n / 10000, f"业主 {n}", None, f"LIC-{n:05d}"]
        sheet_row = n + 2  # the header is row 1
        if bad and sheet_row in BAD:
            column, value = BAD[sheet_row]
            row[HEADERS.index(column)] = value
        yield row


def write_xlsx(path: Path, bad: bool) -> Path:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("场所")
    ws.append(HEADERS)
    for row in outlet_rows(bad):
        ws.append(row)
    wb.save(path)
    return path


def desktop_page(browser, server, username, password=PASSWORD):
    ctx, page = new_page(browser, server, DESKTOP)
    login(page, username, password)
    return ctx, page


def screen(page, name):
    page.goto(page.url.split("#")[0] + f"#/admin/{name}")
    see(page, f".console[data-screen={name}]")
    page.wait_for_function("() => !document.querySelector('#main[aria-busy]') && "
                           "![...document.querySelectorAll('#main .muted')].some((p) => p.textContent === '加载中…')")


def error_rows(page):
    return [tuple(td.inner_text() for td in tr.query_selector_all("td")[:2])
            for tr in page.query_selector_all("#import-errors tbody tr")]


def test_admin_dry_runs_then_imports_4000_sites_from_xlsx(server, browser, tmp_path):
    admin = api_token(server, "admin")
    ctx, page = desktop_page(browser, server, "admin")

    # The console is the admin's home, in Chinese by default.
    see(page, ".console[data-screen=accounts]")
    assert page.inner_text("#nav a.active") == "管理"

    # Import: the dry run of the file with three bad rows lists exactly those rows and columns, and writes nothing.
    screen(page, "import")
    page.set_input_files("#import-file", str(write_xlsx(tmp_path / "outlets-bad.xlsx", bad=True)))
    page.click("#import-dry")
    see(page, "#import-errors", timeout=120000)
    assert sorted(error_rows(page)) == sorted((str(row), column) for row, (column, _) in BAD.items())
    assert page.inner_text("#import-counts [data-n=total_rows]") == "4000"
    assert page.is_disabled("#import-go")
    sites = httpx.get(server["base"] + "/api/admin/sites", params={"q": "FC-E2E-", "limit": 1}, headers=admin).json()
    assert sites["total"] == 0

    # The corrected file: a clean dry run enables the import, which creates the 4,000 sites.
    page.set_input_files("#import-file", str(write_xlsx(tmp_path / "outlets.xlsx", bad=False)))
    assert page.is_disabled("#import-go")
    page.click("#import-dry")
    page.wait_for_function("() => document.querySelector('#import-counts') && "
                           "!document.querySelector('#import-go').disabled",
                           timeout=120000)
    assert page.query_selector("#import-errors") is None
    assert page.inner_text("#import-counts [data-n=created]") == "4000"
    page.click("#import-go")
    page.wait_for_function("() => document.querySelector('#import-result h2')?.textContent === '导入完成'", timeout=120000)
    assert page.inner_text("#import-counts [data-n=created]") == "4000"
    assert page.inner_text("#import-counts [data-n=errors]") == "0"

    # The sites screen finds them.
    screen(page, "sites")
    page.fill(".filters input[name=q]", "FC-E2E-")
    page.click(".filters button[type=submit]")
    page.wait_for_function("() => document.querySelector('#admin-site-list-total')?.textContent === '共 4000 个'")
    assert page.errors == []
    ctx.close()


def test_admin_uploads_a_checklist_version_and_dry_runs_a_rules_change(server, browser, tmp_path):
    admin = api_token(server, "admin")
    ctx, page = desktop_page(browser, server, "admin")

    # A new version of a shipped checklist with one item changed: uploaded, its difference shown.
    template = json.loads((REPO / "schemas/checklists/lottery_outlet_audit.json").read_text("utf-8"))
    new = copy.deepcopy(template)
    new["version"] = template["version"] + 1
    item = next(i for s in new["sections"] for i in s["items"] if i.get("type") == "check")
    item["label"] = "E2E 修改后的检查项"
    (tmp_path / "template.json").write_text(json.dumps(new, ensure_ascii=False), "utf-8")
    screen(page, "templates")
    page.set_input_files("input[type=file]", str(tmp_path / "template.json"))
    page.click(".card button:has-text('上传')")
    see(page, f"#template-diff [data-item={item['key']}]")
    diff = page.inner_text("#template-diff")
    assert "E2E 修改后的检查项" in diff and f"第 {new['version']} 版" in diff
    assert page.query_selector("#template-diff .diff.a_items_added") is None  # only the one change

    # A risk rules change with lower thresholds: the dry run's figures are on screen, nothing is activated.
    rules = json.loads((REPO / "schemas/risk-rules/v1.json").read_text("utf-8"))
    rules.pop("$schema", None)
    rules["version"] = 3  # above the shipped version 2, in version 1's layout (still accepted)
    rules["description"] = "E2E: red from 20 points"
    rules["thresholds"] = {"yellow": 5, "orange": 10, "red": 20}
    (tmp_path / "rules.json").write_text(json.dumps(rules), "utf-8")
    screen(page, "rules")
    page.set_input_files("input[type=file]", str(tmp_path / "rules.json"))
    page.click(".card button:has-text('上传')")
    see(page, "#rules-dry-run", timeout=60000)
    figures = httpx.post(server["base"] + "/api/admin/risk-rules/3/dry-run", headers=admin).json()
    assert page.inner_text("#rules-dry-run [data-n=sites_rated]") == str(figures["sites_rated"])
    assert page.inner_text("#rules-dry-run [data-n=sites_changing]") == str(figures["sites_changing"])
    assert figures["sites_rated"] >= 4000 and figures["sites_changing"] > 0
    print("risk rules dry run:", {k: figures[k] for k in ("sites_rated", "sites_changing", "transitions")})
    rows = page.query_selector_all("#rules-transitions tbody tr")
    counts = sorted(int(tr.query_selector_all("td")[1].inner_text()) for tr in rows)
    assert counts == sorted(figures["transitions"].values())
    versions = httpx.get(server["base"] + "/api/admin/risk-rules", headers=admin).json()["items"]
    assert [r["version"] for r in versions if r["active"]] == [2]
    assert page.errors == []
    ctx.close()


def test_admin_adds_a_township_exports_the_sites_and_finds_the_import_in_the_audit_log(server, browser, tmp_path):
    ctx, page = desktop_page(browser, server, "admin")

    # A township added under a county shows in the tree at once, under that county.
    screen(page, "regions")
    page.click("summary:has-text('定西市')")
    page.click("li[data-region='621121'] > button")
    page.fill("form[id^=add-under] input[name=code]", "621121100")
    page.fill("form[id^=add-under] input[name=name]", "平襄镇")
    page.click("form[id^=add-under] button[type=submit]")
    see(page, "li[data-region='621121'] li[data-region='621121100']")

    # The export of the filtered list downloads as XLSX with the import's columns and every matching site.
    screen(page, "sites")
    page.fill(".filters input[name=q]", "FC-E2E-")
    with page.expect_download() as download:
        page.click("button:has-text('导出 XLSX')")
    path = tmp_path / "export.xlsx"
    download.value.save_as(path)
    rows = list(openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("编码", "名称") and len(rows) == 4000 + 1

    # The audit log, filtered by the admin's username, holds the import as one event.
    screen(page, "audit")
    page.fill(".filters input[name=actor]", "admin")
    page.fill(".filters input[name=action]", "site.import")
    page.click(".filters button[type=submit]")
    page.wait_for_function("() => document.querySelector('#audit-list-total')?.textContent === '共 1 个'")
    assert '"created":4000' in page.inner_text("#audit-list tbody")
    assert page.errors == []
    ctx.close()


def test_admin_creates_a_county_inspector_who_then_sees_only_that_county(server, browser):
    admin = api_token(server, "admin")
    regions = httpx.get(server["base"] + "/api/regions", headers=admin).json()["items"]
    county = next(r for r in regions if r["name"] == COUNTY)
    subtree = {county["name"]} | {r["name"] for r in regions if r["parent_id"] == county["id"]}
    ctx, page = desktop_page(browser, server, "admin")

    # An inspector for one county, with a certificate number; a bad username is answered next to its field.
    screen(page, "accounts")
    page.click("#user-new")
    form = "#user-create"
    page.fill(f"{form} input[name=username]", "x")
    page.fill(f"{form} input[name=password]", INSPECTOR_PASSWORD)
    page.select_option(f"{form} select[name=role]", "inspector")
    page.fill(f"{form} input[name=display_name]", "榆中县检查员 赵强")
    page.fill(f"{form} input[name=certificate_no]", "甘执 6201230001")
    page.select_option(f"{form} select[name=region_ids]", str(county["id"]))
    page.click(f"{form} button[type=submit]")
    see(page, f"{form} [data-field=username] .ferr:not(:empty)")
    page.fill(f"{form} input[name=username]", "yuzhong")
    page.click(f"{form} button[type=submit]")
    see(page, "#user-list [data-user=yuzhong]")
    row = page.inner_text("#user-list tr:has([data-user=yuzhong])")
    assert "甘执 6201230001" in row and COUNTY in row
    assert page.errors == []
    ctx.close()

    # The new inspector, in a fresh context, sees only the county's sites, and no console.
    ctx, page = desktop_page(browser, server, "yuzhong", INSPECTOR_PASSWORD)
    page.goto(server["base"] + "/#/sites")
    see(page, "#site-list li")
    shown = [li.inner_text().split(" · ")[-1] for li in page.query_selector_all("#site-list li")]
    assert shown and set(shown) <= subtree, shown
    r = httpx.post(server["base"] + "/api/auth/login", json={"username": "yuzhong", "password": INSPECTOR_PASSWORD})
    mine = httpx.get(server["base"] + "/api/sites", params={"limit": 1},
                     headers={"Authorization": "Bearer " + r.json()["token"]}).json()
    in_county = httpx.get(server["base"] + "/api/sites", params={"region": county["id"], "limit": 1},
                          headers=admin).json()
    assert mine["total"] == in_county["total"]
    assert len(shown) == min(50, in_county["total"])
    assert page.query_selector("nav#nav a[href='#/admin']") is None
    page.goto(server["base"] + "/#/admin/accounts")
    see(page, "#main h1")
    assert page.query_selector(".console") is None
    ctx.close()


def test_no_console_screen_is_wider_than_the_window_at_1366_or_1024_px(server, browser):
    ctx, page = desktop_page(browser, server, "admin")
    for window in (DESKTOP["width"], 1024):
        page.set_viewport_size({"width": window, "height": DESKTOP["height"]})
        for name in SCREENS:
            screen(page, name)
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= window, f"{name} is {width} px wide in a {window} px window"
    assert page.errors == []
    ctx.close()
