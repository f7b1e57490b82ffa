"""Bulk import and export of sites (issue 14): every row's errors by row and column, nothing half-written, idempotent
by code, and an export that re-imports unchanged."""

from __future__ import annotations

import csv
import functools
import io
import time
import zipfile

import openpyxl
import pytest

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["编码", "名称", "类型", "县区", "地址", "纬度", "经度", "运营方", "床位", "许可证", "性质"]


def outlet_rows(n: int, prefix: str = "FC-T") -> list[list]:
    rows = []
    for i in range(n):
        county = ("城关区", "620103", "榆中县", "秦州区")[i % 4]
        rows.append([f"{prefix}-{i:05d}", f"福彩投注站 {prefix}{i}", "福利彩票投注站", county, f"测试路{i}号",
                     36.0 + i / 100000, 103.8 + i / 100000, f"业主{i}", None, f"FC{i:06d}", None])
    return rows


def xlsx(header: list, rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(header: list, rows: list[list], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return out.getvalue().encode(encoding)


async def post_import(client, headers, data: bytes, dry_run: bool, content_type: str = XLSX):
    return await client.post(f"/api/admin/sites/import?dry_run={'true' if dry_run else 'false'}", content=data,
                             headers={**headers, "Content-Type": content_type})


async def site_count() -> int:
    from xunjian.sites.tables import Site

    return await Site.count()


async def import_events() -> list[dict]:
    from xunjian.audit.tables import AuditEvent

    return await AuditEvent.select().where(AuditEvent.action == "site.import").output(load_json=True)


async def test_4000_rows_import_from_xlsx_and_csv_and_show_up_for_inspectors(client, demo, as_user, backend):
    admin = await as_user("admin")
    before = await site_count()
    data = xlsx(HEADER, outlet_rows(4000))
    r = await post_import(client, admin, data, dry_run=True)
    assert r.status_code == 200, r.text
    assert r.json() == {"dry_run": True, "total_rows": 4000, "created": 4000, "updated": 0, "unchanged": 0,
                        "errors": []}
    assert await site_count() == before  # a dry run writes nothing
    started = time.perf_counter()
    r = await post_import(client, admin, data, dry_run=False)
    elapsed = time.perf_counter() - started
    print(f"\n[{backend.name}] 4,000-row XLSX import: {elapsed:.2f} s")
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["errors"]) == (4000, [])
    assert await site_count() == before + 4000
    events = await import_events()
    assert len(events) == 1 and events[0]["after"]["created"] == 4000 and len(events[0]["entity_id"]) == 64

    # The 兰州 inspector sees the new 城关区 outlets at once, on the due list and rated on the board.
    inspector, supervisor = await as_user("inspector"), await as_user("supervisor")
    r = await client.get("/api/sites?q=FC-T-00000&limit=5", headers=inspector)
    assert [s["code"] for s in r.json()["items"]] == ["FC-T-00000"]
    site = r.json()["items"][0]
    assert site["attributes"]["licence"] == "FC000000" and site["region_name"] == "城关区"
    due = (await client.get("/api/inspections/due?kind=lottery_outlet&limit=200", headers=inspector)).json()
    assert due["total"] >= 2000 and any(s["code"].startswith("FC-T-") for s in due["items"])
    assert (await client.get(f"/api/risk/sites/{site['id']}", headers=supervisor)).json()["tier"] is not None
    r = await client.get("/api/sites?q=FC-T-00003&limit=5", headers=inspector)  # 秦州区 is 天水's
    assert r.json()["items"] == []

    # The same file again changes nothing.
    r = await post_import(client, admin, data, dry_run=False)
    assert (r.json()["created"], r.json()["updated"], r.json()["unchanged"]) == (0, 0, 4000)
    assert await site_count() == before + 4000

    csv_data = csv_bytes(HEADER, outlet_rows(4000, prefix="FC-C"))
    started = time.perf_counter()
    r = await post_import(client, admin, csv_data, dry_run=False, content_type="text/csv")
    print(f"[{backend.name}] 4,000-row CSV import: {time.perf_counter() - started:.2f} s")
    assert (r.status_code, r.json()["created"]) == (200, 4000), r.text
    assert await site_count() == before + 8000


async def test_dry_run_reports_exactly_the_bad_rows_and_nothing_is_written(client, demo, as_user):
    admin = await as_user("admin")
    rows = outlet_rows(20)
    rows[3][5] = "北纬36度"       # row 5: 纬度
    rows[7][2] = "游乐场"         # row 9: 类型
    rows[10][3] = "不存在县"      # row 12: 县区
    before = await site_count()
    r = await post_import(client, admin, xlsx(HEADER, rows), dry_run=True)
    assert r.status_code == 200
    report = r.json()
    assert (report["total_rows"], report["created"]) == (20, 17)
    assert [(e["row"], e["column"], e["code"]) for e in report["errors"]] == [
        (5, "纬度", "invalid_number"), (9, "类型", "unknown_kind"), (12, "县区", "unknown_region")]
    assert all(e["message"] for e in report["errors"])
    r = await post_import(client, admin, xlsx(HEADER, rows), dry_run=False)
    assert r.status_code == 422 and r.json()["code"] == "import_invalid"
    assert [(e["row"], e["column"]) for e in r.json()["details"]["errors"]] == [(5, "纬度"), (9, "类型"), (12, "县区")]
    assert await site_count() == before and await import_events() == []
    rows[3][5], rows[7][2], rows[10][3] = 36.1, "福利彩票投注站", "七里河区"
    r = await post_import(client, admin, xlsx(HEADER, rows), dry_run=False)
    assert (r.status_code, r.json()["created"]) == (200, 20), r.text
    assert await site_count() == before + 20


async def test_reimport_updates_only_changed_rows_and_english_headers_in_any_order(client, demo, as_user):
    admin = await as_user("admin")
    rows = outlet_rows(10)
    assert (await post_import(client, admin, xlsx(HEADER, rows), dry_run=False)).json()["created"] == 10
    english = ["county", "name", "code", "kind"]
    changed = [[r[3], r[1], r[0], "lottery_outlet"] for r in rows]
    changed[4][1] = "改名的投注站"
    r = await post_import(client, admin, csv_bytes(english, changed), dry_run=False, content_type="text/csv")
    assert (r.json()["created"], r.json()["updated"], r.json()["unchanged"]) == (0, 1, 9), r.text
    site = (await client.get("/api/admin/sites?q=FC-T-00004", headers=admin)).json()["items"][0]
    # Columns the file does not have are left alone.
    assert (site["name"], site["address"], site["attributes"]["licence"]) == ("改名的投注站", "测试路4号", "FC000004")
    r = await post_import(client, admin, csv_bytes(english, [[*changed[0][:3], "eldercare"]]), dry_run=True,
                          content_type="text/csv")
    assert [e["code"] for e in r.json()["errors"]] == ["kind_mismatch"]


async def test_duplicate_codes_eldercare_rules_and_ambiguous_counties(client, demo, as_user):
    admin = await as_user("admin")
    for code, county in (("620102901", demo.regions["620102"]), ("620502901", demo.regions["620502"])):
        r = await client.post("/api/admin/regions", headers=admin,
                              json={"code": code, "name": "新华街道", "level": "township", "parent_id": county})
        assert r.status_code == 201, r.text
    rows = [
        ["YL-T-1", "养老院一", "养老机构", "城关区", "", 36.05, 103.84, "", 40, "", "民办"],
        ["YL-T-1", "养老院重复", "养老机构", "城关区", "", 36.05, 103.84, "", 40, "", "民办"],
        ["YL-T-2", "养老院二", "养老机构", "城关区", "", 36.05, 103.84, "", None, "", None],
        ["FC-T-3", "投注站", "福利彩票投注站", "新华街道", "", 36.05, 103.84, "", None, "", None],
        ["FC-T-4", "投注站", "福利彩票投注站", "620502901", "", 34.58, 105.72, "", None, "", None],
        ["FC-T-5", "投注站", "福利彩票投注站", "620100", "", 36.05, 103.84, "", None, "", None],
    ]
    report = (await post_import(client, admin, xlsx(HEADER, rows), dry_run=True)).json()
    errors = [(e["row"], e["column"], e["code"]) for e in report["errors"]]
    assert sorted(errors) == [(3, "编码", "duplicate_code"), (4, "床位", "invalid_site"), (4, "性质", "invalid_site"),
                      (5, "县区", "ambiguous_region"), (7, "县区", "region_level")]
    ambiguous = next(e for e in report["errors"] if e["code"] == "ambiguous_region")["message"]
    assert "620102901" in ambiguous and "620502901" in ambiguous
    assert report["created"] == 2  # YL-T-1 (first), FC-T-4 (by code)


async def test_export_reimports_unchanged(client, demo, as_user):
    admin = await as_user("admin")
    hostile = [["FC-X-1", "=HYPERLINK(\"http://x\")", "福利彩票投注站", "城关区", "@SUM(1)", 36.1, 103.8, "-2+3",
                None, "+1", None]]
    assert (await post_import(client, admin, xlsx(HEADER, hostile), dry_run=False)).json()["created"] == 1
    total = (await client.get("/api/admin/sites?limit=1", headers=admin)).json()["total"]
    for path, content_type in (("export.xlsx", XLSX), ("export.csv", "text/csv")):
        r = await client.get(f"/api/admin/sites/{path}", headers=admin)
        assert r.status_code == 200 and r.headers["content-type"].startswith(content_type)
        report = (await post_import(client, admin, r.content, dry_run=False, content_type=content_type)).json()
        assert (report["created"], report["updated"], report["unchanged"], report["errors"]) == (0, 0, total, []), \
            (path, report)
    r = await client.get("/api/admin/sites/export.csv", headers=admin)
    assert "'=HYPERLINK" in r.text and "'@SUM(1)" in r.text  # the spreadsheet shows text, never runs it
    book = openpyxl.load_workbook(io.BytesIO((await client.get("/api/admin/sites/export.xlsx", headers=admin)).content))
    cell = next(row[1] for row in book.active.iter_rows() if row[0].value == "FC-X-1")
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    site = (await client.get("/api/admin/sites?q=FC-X-1", headers=admin)).json()["items"][0]
    assert (site["name"], site["address"], site["operator"]) == ("=HYPERLINK(\"http://x\")", "@SUM(1)", "-2+3")
    lottery = (await client.get("/api/admin/sites/export.csv?kind=lottery_outlet", headers=admin)).text
    assert "养老机构" not in lottery and "FC-X-1" in lottery


async def test_gb18030_csv_as_a_bureaus_excel_writes_it(client, demo, as_user):
    admin = await as_user("admin")
    data = csv_bytes(HEADER, outlet_rows(3), encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    r = await post_import(client, admin, data, dry_run=False, content_type="text/csv")
    assert (r.status_code, r.json()["created"]) == (200, 3), r.text
    names = {s["name"] for s in (await client.get("/api/admin/sites?q=FC-T", headers=admin)).json()["items"]}
    assert "福彩投注站 FC-T0" in names


@functools.cache
def _zip_with_huge_sheet() -> bytes:
    """A few hundred KB that unpack to 210 MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            for _ in range(210):
                sheet.write(b" " * 2**20)
    return out.getvalue()


def _zip_of_text() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "编码,名称")
    return out.getvalue()


async def test_hostile_files_and_values_are_4xx_never_500(client, demo, as_user):
    admin = await as_user("admin")
    before = await site_count()
    for label, data, status, code in [
        ("empty", b"", 422, "empty_body"),
        ("blank", b"  \n ", 422, "empty_body"),
        ("truncated zip", _zip_with_huge_sheet()[:2000], 422, "unreadable_file"),
        ("zip that is no workbook", _zip_of_text(), 422, "unreadable_file"),
        ("zip bomb", _zip_with_huge_sheet(), 413, "payload_too_large"),
        ("binary", b"\x00\x01\x02" * 100, 415, "unsupported_media_type"),
        ("old xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, 415, "unsupported_media_type"),
        ("headers missing", csv_bytes(["名称", "地址"], [["a", "b"]]), 422, "import_invalid"),
        ("unknown header", csv_bytes([*HEADER, "备注"], outlet_rows(1)), 422, "import_invalid"),
        ("too many rows", csv_bytes(["编码"], [[f"C{i}"] for i in range(50_001)]), 422, "too_many_rows"),
        ("over 10 MB", b"a" * (10 * 1024 * 1024 + 1), 413, "payload_too_large"),
    ]:
        for dry_run in (True, False):
            r = await post_import(client, admin, data, dry_run=dry_run)
            assert (r.status_code, r.json()["code"]) == (status, code), (label, dry_run, r.text[:300])
    missing = (await post_import(client, admin, csv_bytes(["名称", "地址"], [["a", "b"]]), True)).json()
    assert {e["column"] for e in missing["details"]["errors"]} == {"编码", "类型", "县区"}

    rows = outlet_rows(7)
    rows[0][1] = "=1+1"                     # a formula: stored as its text
    rows[1][5] = "=A1*2"                    # a formula where a number belongs
    rows[2][8] = 99999999999999999999999    # 64-bit+ beds (and on a lottery outlet)
    rows[3][5], rows[3][6] = "NaN", "inf"
    rows[4][1] = "名" * 300
    rows[5][0] = 2**70                      # a number as a code: the spreadsheet keeps 15 digits of it
    rows[6][4] = "地址\n换行"
    book = xlsx(HEADER, rows)
    report = (await post_import(client, admin, book, dry_run=True)).json()
    assert [(e["row"], e["column"], e["code"]) for e in report["errors"]] == [
        (3, "纬度", "invalid_number"), (4, "床位", "out_of_range"), (5, "纬度", "invalid_number"),
        (5, "经度", "invalid_number"), (6, "名称", "too_long"), (7, "编码", "imprecise_number"),
        (8, "地址", "control_characters")]
    assert (await post_import(client, admin, book, dry_run=False)).status_code == 422
    assert await site_count() == before
    rows = [rows[0], [62010299, *rows[5][1:]]]
    assert (await post_import(client, admin, xlsx(HEADER, rows), dry_run=False)).json()["created"] == 2
    names = {s["code"]: s["name"] for s in (await client.get("/api/admin/sites?q=FC-T", headers=admin)).json()["items"]}
    assert names["FC-T-00000"] == "=1+1"
    numeric = (await client.get("/api/admin/sites?q=62010299", headers=admin)).json()["items"]
    assert [s["code"] for s in numeric] == ["62010299"]


async def test_admin_list_includes_inactive_sites_and_deactivation_is_audited(client, demo, as_user):
    from xunjian.audit.tables import AuditEvent

    admin = await as_user("admin")
    site = demo.sites["FC-62010201"]
    r = await client.patch(f"/api/admin/sites/{site}", headers=admin, json={"is_active": False})
    assert r.status_code == 200 and r.json()["is_active"] is False
    event = await AuditEvent.select().where((AuditEvent.action == "site.update") & (AuditEvent.site_id == site)) \
        .output(load_json=True).first()
    assert event["after"] == {"is_active": False}
    everything = (await client.get("/api/admin/sites?limit=200", headers=admin)).json()
    assert everything["total"] == len(demo.sites)
    inactive = (await client.get("/api/admin/sites?active=false", headers=admin)).json()
    assert [s["code"] for s in inactive["items"]] == ["FC-62010201"]
    active = (await client.get("/api/admin/sites?active=true&kind=lottery_outlet&limit=200", headers=admin)).json()
    assert "FC-62010201" not in {s["code"] for s in active["items"]} and active["total"] == 6
    public = (await client.get("/api/sites?kind=lottery_outlet&limit=200", headers=admin)).json()
    assert public["total"] == 6
    lanzhou = (await client.get(f"/api/admin/sites?region={demo.regions['620100']}&limit=200", headers=admin)).json()
    assert lanzhou["items"] and all(s["code"].split("-")[1].startswith("6201") for s in lanzhou["items"])
    paged = (await client.get("/api/admin/sites?limit=2&offset=2", headers=admin)).json()
    assert len(paged["items"]) == 2 and paged["total"] == len(demo.sites)


async def test_only_admins_import_export_and_list(client, demo, as_user):
    data = xlsx(HEADER, outlet_rows(1))
    for user in ("supervisor", "inspector", "manager"):
        headers = await as_user(user)
        assert (await post_import(client, headers, data, dry_run=False)).status_code == 403
        for path in ("/api/admin/sites", "/api/admin/sites/export.csv", "/api/admin/sites/export.xlsx"):
            assert (await client.get(path, headers=headers)).status_code == 403
    assert await site_count() == len(demo.sites)
