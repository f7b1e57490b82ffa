"""Analytics (issue 16): exact figures on a small seeded data set in 2025 (March and April, Beijing months), scope,
the XLSX read back with a formula-like cell neutralised, and the period's bounds."""

from __future__ import annotations

import io
import uuid
from datetime import datetime

import openpyxl
import pytest

from xunjian.analytics.rules import LOCAL_TZ


def bj(*args) -> datetime:
    return datetime(*args, tzinfo=LOCAL_TZ)


PERIOD = "year=2025&month_from=3&month_to=4"
FORMULA = "=HYPERLINK(\"http://x\",\"点我\")"


async def _seed(demo) -> dict:
    from xunjian.escalation.tables import EscalationStep
    from xunjian.findings.tables import Finding, FindingExtension, FindingListing
    from xunjian.inspections.tables import Inspection

    lz, ts = demo.sites["YL-620102-001"], demo.sites["YL-620502-004"]
    inspector = demo.users["inspector"]
    insp = uuid.uuid4()
    await Inspection.insert(Inspection(id=insp, site=lz, inspector=inspector, template_key="eldercare_safety",
                                       template_version=4, status="submitted", content_hash="x",
                                       submitted_at=bj(2025, 4, 3, 10)))
    # A manager's self-inspection: its findings are findings, but it covers nothing.
    self_insp = uuid.uuid4()
    await Inspection.insert(Inspection(id=self_insp, site=lz, inspector=demo.users["manager"],
                                       template_key="eldercare_safety", template_version=4, status="submitted",
                                       self_inspection=True, content_hash="y", submitted_at=bj(2025, 3, 26, 10)))

    async def finding(site, title, deadline, *, created, closed=None, grade="general", item=None, first=None,
                      status=None, inspection=None):
        row = Finding(site=site, title=title, grade=grade, deadline=deadline, created_at=created, closed_at=closed,
                      status=status or ("closed" if closed else "open"), created_by=inspector, first_deadline=first,
                      inspection=(inspection or insp) if item else None, item_key=item)
        return (await Finding.insert(row).returning(Finding.id))[0]["id"]

    f = {
        # Deadlines in April 2025 (Beijing): on time to the second, one day late, still open.
        "f1": await finding(lz, "安全出口上锁", bj(2025, 4, 10, 12), created=bj(2025, 3, 26, 12),
                            closed=bj(2025, 4, 10, 12), item="exit_blocked"),
        "f2": await finding(lz, "安全出口上锁", bj(2025, 4, 10, 12), created=bj(2025, 3, 26, 12),
                            closed=bj(2025, 4, 11, 12), item="exit_blocked", inspection=self_insp),
        "f3": await finding(lz, FORMULA, bj(2025, 4, 20, 12), created=bj(2025, 4, 5, 12), item="fire_ext"),
        # 00:30 on 1 May in Beijing is still 30 April in UTC: a May deadline, outside the period.
        "f4": await finding(lz, "电动车室内充电", bj(2025, 5, 1, 0, 30), created=bj(2025, 4, 16, 0, 30)),
        # 00:30 on 1 April in Beijing is 31 March in UTC: an April deadline.
        "f5": await finding(lz, "药品过期", bj(2025, 4, 1, 0, 30), created=bj(2025, 3, 17), closed=bj(2025, 3, 30)),
        # Extended from 20 March to 15 April (approved on 5 April), closed on 12 April: on time, due in April.
        "f6": await finding(lz, "夜间巡查记录缺失", bj(2025, 4, 15), created=bj(2025, 3, 5), closed=bj(2025, 4, 12),
                            first=bj(2025, 3, 20)),
        "f7": await finding(ts, "照明不足", bj(2025, 4, 5), created=bj(2025, 3, 21), closed=bj(2025, 4, 6)),
        # Major hazards.
        "m1": await finding(lz, "消防设施不合格", bj(2025, 3, 15), created=bj(2025, 2, 10), grade="major"),
        "m2": await finding(lz, "特种设备未检验", bj(2025, 6, 30), created=bj(2025, 3, 5), closed=bj(2025, 4, 2),
                            grade="major"),
        "m3": await finding(lz, "彩钢板建筑", bj(2025, 6, 30), created=bj(2025, 4, 8), grade="major"),
    }
    await FindingExtension.insert(FindingExtension(finding=f["f6"], action="approve", deadline=bj(2025, 4, 15),
                                                   by=demo.users["supervisor"], at=bj(2025, 4, 5)))

    def step(fid, step, level, at, grade="general", proposal=False):
        return EscalationStep(subject_type="finding", subject_id=fid, step=step, level=level, grade=grade, site_id=lz,
                              deadline=at, due_at=at, taken_at=at, batch="b", proposal=proposal)

    await EscalationStep.insert(
        step(f["f6"], "level1", 1, bj(2025, 3, 20)), step(f["f3"], "level1", 1, bj(2025, 4, 20, 13)),
        step(f["m1"], "level2", 2, bj(2025, 3, 15), "major"),
        step(f["m1"], "listing", 3, bj(2025, 3, 18), "major", proposal=True))
    await FindingListing.insert(FindingListing(finding=f["m1"], decision="confirm", authority=demo.regions["620100"],
                                               by=demo.users["supervisor"], at=bj(2025, 4, 3)))
    await Finding.update({Finding.escalation_level: 3, Finding.listing: "confirmed"}).where(Finding.id == f["m1"])
    return f


async def _county_supervisor(client, demo, username: str, county: str) -> dict:
    from xunjian.accounts import service as accounts
    from xunjian.accounts.schemas import UserCreate

    from tests.conftest import DEMO_PASSWORD, login

    await accounts.create_user(None, UserCreate(username=username, password=DEMO_PASSWORD, role="supervisor",
                                                region_ids=[demo.regions[county]]))
    return await login(client, username)


async def test_figures_of_a_seeded_quarter(client, demo, as_user):
    await _seed(demo)
    sup = await as_user("supervisor")
    r = await client.get(f"/api/analytics?{PERIOD}&region={demo.regions['620100']}", headers=sup)
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["period"]["months"] == ["2025-03", "2025-04"]
    assert (a["period"]["this_month"], a["period"]["previous_month"]) == ("2025-04", "2025-03")
    rect = {m["month"]: m for m in a["rectification"]}
    # f1 closed at its deadline: on time; f2 one day late: late; f3 still open; f5 (00:30 on 1 April) and the
    # extended f6 on time; f4 (00:30 on 1 May) not in April.
    assert rect["2025-04"] == {"month": "2025-04", "due": 5, "closed_on_time": 3, "closed_late": 1, "still_open": 1,
                               "on_time_pct": 60.0}
    # m1, due on 15 March, is still open.
    assert (rect["2025-03"]["due"], rect["2025-03"]["still_open"], rect["2025-03"]["on_time_pct"]) == (1, 1, 0.0)
    assert a["rectification_total"]["due"] == 6
    assert a["rectification_previous"]["month"] == "2025-03"

    major = {m["month"]: m for m in a["major_hazards"]}
    assert major["2025-03"] == {"month": "2025-03", "open_at_start": 1, "raised": 1, "closed": 0, "open_at_end": 2}
    assert major["2025-04"] == {"month": "2025-04", "open_at_start": 2, "raised": 1, "closed": 1, "open_at_end": 2}
    assert [h["title"] for h in a["open_major_hazards"]] == ["消防设施不合格", "彩钢板建筑"]
    assert a["open_major_hazards_total"] == 2

    overdue = {(o["subject_type"], o["level"]): o for o in a["overdue"]}
    assert [overdue[("finding", lv)]["level_name"] for lv in range(4)] == ["逾期未督办", "催办", "督办", "挂牌督办"]
    # At the end of April: f3, f4, m1, m3 open; f3 overdue at 催办, m1 listed. At the end of March: f1, f2, f6, m1,
    # m2 open; f6 past its first deadline (extended only on 5 April) at 催办, m1 at 督办 (the proposal raises nothing).
    assert {lv: (overdue[("finding", lv)]["overdue"], overdue[("finding", lv)]["open"]) for lv in range(4)} == \
        {0: (0, 4), 1: (1, 4), 2: (0, 4), 3: (1, 4)}
    assert {lv: (overdue[("finding", lv)]["previous_overdue"], overdue[("finding", lv)]["previous_open"])
            for lv in range(4)} == {0: (0, 5), 1: (1, 5), 2: (1, 5), 3: (0, 5)}
    assert overdue[("finding", 1)]["share_pct"] == 25.0 and overdue[("finding", 2)]["previous_share_pct"] == 20.0
    assert [o["level_name"] for o in a["overdue"] if o["subject_type"] == "follow_up_case"] == \
        ["逾期未督办", "催办", "督办"]

    assert [(t["template_key"], t["item_key"], t["count"], t["this_month"], t["previous_month"])
            for t in a["top_items"]] == [("eldercare_safety", "exit_blocked", 2, 0, 2),
                                         ("eldercare_safety", "fire_ext", 1, 1, 0)]
    cov = {c["region_name"]: c for c in a["coverage"]}
    assert (cov["城关区"]["sites"], cov["城关区"]["inspected"], cov["城关区"]["coverage_pct"]) == (2, 1, 50.0)
    assert (cov["城关区"]["inspected_this_month"], cov["城关区"]["inspected_previous_month"]) == (1, 0)
    assert a["coverage_total"]["inspected"] == 1

    # The province: 天水's late finding too.
    whole = (await client.get(f"/api/analytics?{PERIOD}", headers=sup)).json()
    april = next(m for m in whole["rectification"] if m["month"] == "2025-04")
    assert (april["due"], april["closed_late"]) == (6, 2)


async def test_scope_county_supervisor_and_other_roles(client, demo, as_user):
    await _seed(demo)
    ts_sup = await _county_supervisor(client, demo, "qz_sup", "620502")  # 秦州区
    mine = (await client.get(f"/api/analytics?{PERIOD}", headers=ts_sup)).json()
    april = next(m for m in mine["rectification"] if m["month"] == "2025-04")
    assert (april["due"], april["closed_on_time"], april["closed_late"]) == (1, 0, 1)
    assert mine["open_major_hazards"] == [] and mine["top_items"] == []
    assert {c["region_name"] for c in mine["coverage"]} == {"秦州区"}
    assert mine["region"]["name"] == "我的辖区"
    for path in ("/api/analytics", "/api/analytics/export.xlsx", "/api/analytics/export.csv?table=overdue"):
        sep = "&" if "?" in path else "?"
        r = await client.get(f"{path}{sep}region={demo.regions['620100']}", headers=ts_sup)
        assert r.status_code == 404, path
        for role in ("inspector", "manager"):
            assert (await client.get(path, headers=await as_user(role))).status_code == 403, (path, role)


async def test_xlsx_and_csv_read_back(client, demo, as_user):
    await _seed(demo)
    sup = await as_user("supervisor")
    r = await client.get(f"/api/analytics/export.xlsx?{PERIOD}", headers=sup)
    assert r.status_code == 200 and r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["整改率", "重大隐患清零", "未销号重大隐患", "逾期（按督办级别）", "高频不合格检查项", "检查覆盖率"]
    rect = list(book["整改率"].iter_rows(values_only=True))
    assert rect[0][:2] == ("月份", "到期隐患") and rect[2] == ("2025-04", 6, 3, 2, 1, 50.0)
    items = list(book["高频不合格检查项"].iter_rows(values_only=True))
    cell = next(c for row in items for c in row if isinstance(c, str) and "HYPERLINK" in c)
    assert cell == "'" + FORMULA  # neutralised, and a text cell, not a formula
    assert all(c.data_type != "f" for row in book["高频不合格检查项"].iter_rows() for c in row)

    one = await client.get(f"/api/analytics/export.xlsx?{PERIOD}&table=coverage", headers=sup)
    assert openpyxl.load_workbook(io.BytesIO(one.content)).sheetnames == ["检查覆盖率"]
    csv = await client.get(f"/api/analytics/export.csv?{PERIOD}&table=top_items", headers=sup)
    assert csv.status_code == 200 and csv.text.lstrip("\ufeff").startswith("排名,检查表,检查项")
    assert "'=HYPERLINK" in csv.text
    assert (await client.get(f"/api/analytics/export.csv?{PERIOD}", headers=sup)).status_code in (400, 422)


@pytest.mark.parametrize("query", ["year=1999", "year=2101", "month_from=0", "month_to=13", "month_from=5&month_to=4",
                                   "month_from=abc"])
async def test_period_bounds(client, demo, as_user, query):
    r = await client.get(f"/api/analytics?{query}", headers=await as_user("supervisor"))
    assert r.status_code in (400, 422) and "code" in r.json()


async def test_defaults_this_year_to_this_month(client, demo, as_user):
    r = (await client.get("/api/analytics", headers=await as_user("admin"))).json()
    now = datetime.now(LOCAL_TZ)
    assert r["period"]["year"] == now.year and r["period"]["months"][-1] == f"{now.year}-{now.month:02d}"
    assert len(r["period"]["months"]) == now.month and r["region"]["name"] == "全部"
