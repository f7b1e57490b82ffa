"""The risk board and a site's rating, as supervisors and inspectors see them: scoped, with reasons, drill-down,
overdue rectifications by escalation level, the weekly trend and CSV."""

from __future__ import annotations

import csv
import io

import pytest
from datetime import datetime, timedelta, timezone

from xunjian.escalation.service import escalate
from xunjian.risk import service as risk

from tests.conftest import login
from tests.integration.jobs import factory

# LZ2 and TS are lottery outlets: an open major hazard makes them orange (an eldercare institution red, rules v2).
LZ, LZ2, TS = "YL-620102-001", "FC-62010305", "FC-62050203"


async def _world(demo) -> None:
    """兰州 城关: a major hazard listed at level 3 (red); 兰州 七里河: one open major (orange); 天水: one open major
    (orange)."""
    await factory.close_existing_findings()
    now = factory.utcnow() + timedelta(seconds=1)  # after the demo's own rating
    inspector, inspector2 = demo.users["inspector"], demo.users["inspector2"]
    # Level 3 is a listing decision (挂牌督办), no longer the ladder's timer: 兰州市 confirmed this one.
    await factory.finding(demo.sites[LZ], inspector, grade="major", deadline=now - timedelta(days=5),
                          escalation_level=3, listing="confirmed", listing_authority=demo.regions["620100"])
    await factory.finding(demo.sites[LZ], inspector, grade="general", deadline=now - timedelta(days=1))
    await factory.finding(demo.sites[LZ2], inspector, grade="major", deadline=now + timedelta(days=20))
    await factory.finding(demo.sites[TS], inspector2, grade="major", deadline=now + timedelta(days=20))
    await escalate(now)  # takes the ladder steps and re-rates the sites concerned
    await risk.rate_sites(now)


async def test_board_of_the_province_drills_down_with_reasons(client, demo, as_user):
    await _world(demo)
    r = await client.get("/api/risk/board", headers=await as_user("supervisor"))
    assert r.status_code == 200, r.text
    board = r.json()
    assert board["region"]["code"] == "620000"
    assert board["counts"]["red"] == 1 and board["counts"]["orange"] == 2
    children = {c["code"]: c for c in board["children"]}
    assert len(children) == 14  # the prefectures
    assert children["620100"]["counts"]["red"] == 1 and children["620100"]["counts"]["orange"] == 1
    assert children["620500"]["counts"]["orange"] == 1
    assert sum(c["total"] for c in board["children"]) == board["total"]
    top = board["red_orange"][0]
    assert top["code"] == LZ and top["tier"] == "red"
    assert top["reasons"][0] == {"factor": "override", "value": "major_at_level", "contribution": 0.0}
    assert [s["tier"] for s in board["red_orange"]] == ["red", "orange", "orange"]
    assert board["overdue_by_level"] == {"0": 0, "1": 1, "2": 0, "3": 1}
    assert len(board["trend"]) == 12
    assert board["trend"][-1]["counts"]["red"] == 1

    # Drill down: province → prefecture → county.
    lanzhou = (await client.get(f"/api/risk/board?region={demo.regions['620100']}",
                                headers=await as_user("supervisor"))).json()
    counties = {c["code"]: c for c in lanzhou["children"]}
    assert counties["620102"]["counts"]["red"] == 1 and counties["620103"]["counts"]["orange"] == 1
    county = (await client.get(f"/api/risk/board?region={demo.regions['620102']}",
                               headers=await as_user("supervisor"))).json()
    assert county["region"]["level"] == "county" and county["counts"]["red"] == 1
    assert {s["code"] for s in county["red_orange"]} == {LZ}


async def test_a_prefecture_supervisor_never_sees_another_prefectures_sites(client, demo):
    await _world(demo)
    await factory.supervisor("sup_lanzhou", demo.regions["620100"])
    headers = await login(client, "sup_lanzhou")
    board = (await client.get("/api/risk/board", headers=headers)).json()
    assert board["region"]["code"] == "620100"  # their own region by default
    assert {s["code"] for s in board["red_orange"]} == {LZ, LZ2}
    assert board["counts"]["orange"] == 1 and board["counts"]["red"] == 1
    assert (await client.get(f"/api/risk/board?region={demo.regions['620500']}", headers=headers)).status_code == 404
    assert (await client.get(f"/api/risk/board?region={demo.regions['620000']}", headers=headers)).status_code == 404
    assert (await client.get(f"/api/risk/sites/{demo.sites[TS]}", headers=headers)).status_code == 404
    exported = (await client.get("/api/risk/board.csv", headers=headers)).text
    codes = {row["site_code"] for row in csv.DictReader(io.StringIO(exported.lstrip("\ufeff")))}
    assert LZ in codes and TS not in codes
    assert all(c.startswith(("YL-6201", "FC-6201", "JZ-620100")) for c in codes)


async def test_csv_export_lists_every_rated_site_worst_first(client, demo, as_user):
    await _world(demo)
    r = await client.get("/api/risk/board.csv", headers=await as_user("admin"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    board = (await client.get("/api/risk/board", headers=await as_user("admin"))).json()
    assert len(rows) == board["total"]
    assert [row["tier"] for row in rows[:3]] == ["red", "orange", "orange"]
    assert "override=major_at_level" in rows[0]["reasons"]


async def test_csv_export_pages_through_every_site_once_in_order(client, demo, as_user, monkeypatch):
    """Paged within each tier: with pages of 2 rows, every rated site still comes exactly once, worst first (tier,
    then score at the moment), ties included."""
    from xunjian.risk import service as risk_service
    from xunjian.risk.tables import SiteRisk

    await _world(demo)
    monkeypatch.setattr(risk_service, "CSV_PAGE", 2)
    # Equal scores across a page boundary: the keyset must not skip or repeat them.
    never_late = datetime(2100, 1, 1, tzinfo=timezone.utc)
    await SiteRisk.update({SiteRisk.base_score: 1.0, SiteRisk.inspection_due_at: never_late}) \
        .where(SiteRisk.tier == "blue")
    r = await client.get("/api/risk/board.csv", headers=await as_user("admin"))
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    codes = [row["site_code"] for row in rows]
    assert len(codes) == len(set(codes)) == await SiteRisk.count()
    rank = {"red": 0, "orange": 1, "yellow": 2, "blue": 3}
    keys = [(rank[row["tier"]], -float(row["score"])) for row in rows]
    assert keys == sorted(keys)


async def test_a_sites_rating_lists_every_factor_and_its_history(client, demo, as_user):
    await _world(demo)
    r = await client.get(f"/api/risk/sites/{demo.sites[LZ]}", headers=await as_user("manager"))
    assert r.status_code == 200, r.text
    site = r.json()
    assert site["tier"] == "red" and site["rules_version"] == 2
    assert [f["factor"] for f in site["factors"]] == [
        "open_general", "open_major", "overdue", "escalation", "noncompliance", "inspection_overdue", "beds",
        "full_care_share", "override", "building_type", "building_height", "immobile_upstairs", "fire_acceptance",
        "grade", "complaints"]
    assert site["score"] == round(sum(f["contribution"] for f in site["factors"]), 2) or abs(
        site["score"] - sum(f["contribution"] for f in site["factors"])) < 0.05
    assert site["overdue_by_level"]["3"] == 1 and site["open_findings"] == 2
    assert site["frequency_days"] == 14  # red
    assert [h["tier"] for h in site["history"]][0] == "red"


async def test_the_trend_shows_the_last_twelve_weeks(client, demo, as_user):
    await factory.close_existing_findings()
    now = factory.utcnow()
    # Ratings run on three past weeks; the major hazard appeared five weeks ago.
    await factory.finding(demo.sites[LZ], demo.users["inspector"], grade="major", deadline=now + timedelta(days=60),
                          created_at=now - timedelta(weeks=5))
    for weeks in (8, 3, 0):
        await risk.rate_sites(now - timedelta(weeks=weeks))
    trend = (await client.get("/api/risk/board", headers=await as_user("admin"))).json()["trend"]
    assert len(trend) == 12
    with_data = [p for p in trend if p["day"]]
    assert len(with_data) == 3
    # Eight weeks ago the hazard did not exist yet; three weeks ago and now it is open.
    assert [p["counts"]["red"] for p in with_data] == [0, 1, 1]  # an eldercare major hazard: red (v2)
    assert with_data[0]["counts"]["blue"] > 0
    assert [p["week_start"] for p in trend] == sorted(p["week_start"] for p in trend)


async def test_the_trend_follows_a_new_rating_the_same_day(client, demo, as_user, monkeypatch):
    """The board remembers its trend until the next rating: a rating later the same day shows at once, also when it
    ran in another process (which cannot make this one forget: the roll-up's new rating time is a new key)."""
    await factory.close_existing_findings()
    now = factory.utcnow() + timedelta(seconds=1)
    await risk.rate_sites(now)
    before = (await client.get("/api/risk/board", headers=await as_user("supervisor"))).json()["trend"][-1]
    assert (await client.get("/api/risk/board", headers=await as_user("supervisor"))).json()["trend"][-1] == before
    await factory.finding(demo.sites[LZ], demo.users["inspector"], grade="major", deadline=now + timedelta(days=20))
    monkeypatch.setattr(risk, "forget_trends", lambda: None)  # as if the rating ran in the scheduler's process
    await risk.rate_sites(now + timedelta(minutes=5))
    after = (await client.get("/api/risk/board", headers=await as_user("supervisor"))).json()["trend"][-1]
    assert after["counts"]["red"] == before["counts"]["red"] + 1


async def test_red_and_orange_lists_are_the_best_scores_now(client, demo, as_user, monkeypatch):
    """The lists order by the score at the moment (base score plus lateness points counted to now) and keep the top
    ones only, scoring just the sites whose base score could reach them: checked against scoring every site, with
    base scores and lateness arranged so that late sites overtake better base scores and some cannot."""
    from xunjian.risk import rules as R
    from xunjian.risk.tables import SiteRisk

    await _world(demo)
    rules = risk.current_rules()
    cap = R.lateness_rules(rules)["max_points"]
    per_day = R.lateness_rules(rules)["points_per_day"]
    now = factory.utcnow()
    rows = await SiteRisk.select(SiteRisk.site).order_by(SiteRisk.site)
    # (base score, days late): capped, partly late, not late, and a base too low to reach the top however late.
    shapes = [(100.0, 0), (90.0, 200), (85.0, 10), (81.0, 60), (75.0, 0), (60.0, 200), (99.5, 2), (40.0, 0)]
    for row, (base, days) in zip(rows, shapes):
        await SiteRisk.update({SiteRisk.tier: "red", SiteRisk.base_score: base,
                               SiteRisk.inspection_due_at: now - timedelta(days=days)}) \
            .where(SiteRisk.site == row["site"])
    # No orange site left (the world's orange outlets lie beyond the first eight): the list is red only.
    await SiteRisk.update({SiteRisk.tier: "blue"}).where(SiteRisk.tier == "orange")
    monkeypatch.setattr(risk, "BOARD_SITES", 4)
    board = (await client.get("/api/risk/board", headers=await as_user("admin"))).json()
    red = await SiteRisk.select().where(SiteRisk.tier == "red")
    everyone = sorted(((R.live_score(rules, r["base_score"], r["inspection_due_at"], now), r["site"]) for r in red),
                      key=lambda x: (-x[0], x[1]))
    assert [s["site_id"] for s in board["red_orange"]] == [site for _, site in everyone[:4]]
    assert [s["score"] for s in board["red_orange"]] == pytest.approx([score for score, _ in everyone[:4]], abs=0.02)
    # The late ones overtook better base scores: 90 + 20 (capped), 81 + 15, 99.5 + 0.5 over 100.
    assert board["red_orange"][0]["score"] == pytest.approx(90 + cap, abs=0.02)
    assert min(60 * per_day, cap) == 15


async def test_a_regions_own_sites_have_a_row_so_rows_add_up_to_the_totals(client, demo, as_user):
    # 城关区 has townships, but its sites hang on the county itself: without a row of their own every township row
    # read 0 while the totals counted them.
    await _world(demo)
    headers = await as_user("supervisor")
    for code in ("620000", "620100", "620102"):
        board = (await client.get(f"/api/risk/board?region={demo.regions[code]}", headers=headers)).json()
        for tier, n in board["counts"].items():
            assert sum(c["counts"][tier] for c in board["children"]) == n, (code, tier)
        assert sum(c["total"] for c in board["children"]) == board["total"]
        own = [c for c in board["children"] if c["direct"]]
        if code == "620102":
            assert own and own[0]["region_id"] == demo.regions["620102"] and own[0]["counts"]["red"] == 1
            assert {c["code"] for c in board["children"] if not c["direct"]} == {"620102002", "620102003"}
        else:
            assert not own  # every site of a province or prefecture is under one of its children


async def test_a_jobs_steps_in_a_findings_history_have_no_person(client, demo, as_user):
    await _world(demo)
    board = (await client.get("/api/risk/board", headers=await as_user("supervisor"))).json()
    finding = (await client.get(f"/api/findings?site={board['red_orange'][0]['site_id']}",
                                headers=await as_user("supervisor"))).json()["items"][0]
    history = (await client.get(f"/api/findings/{finding['id']}/history", headers=await as_user("supervisor"))).json()
    jobs = [e for e in history if e["actor_id"] is None]
    assert jobs and all(e["actor_display_name"] is None and e["actor_name"] == "system" for e in jobs)


async def test_lateness_is_its_own_reason_beside_the_sites_own_risk(client, demo, as_user):
    """A site overdue for inspection shows the days as `lateness` (检查逾期), not among the reasons of its own risk;
    its own score and tier leave the lateness points out."""
    await factory.clear_findings_and_inspections()
    now = factory.utcnow()
    outlet = demo.sites["FC-62010201"]
    await factory.inspection(outlet, demo.users["inspector"], submitted_at=now - timedelta(days=40))
    await factory.finding(outlet, demo.users["inspector"], grade="major", deadline=now + timedelta(days=10))
    await risk.rate_sites(now)
    site = (await client.get(f"/api/risk/sites/{outlet}", headers=await as_user("supervisor"))).json()
    assert site["tier"] == site["own_tier"] == "orange"  # a lottery outlet's open major hazard (rules v2)
    assert site["lateness"]["factor"] == "inspection_overdue" and abs(site["lateness"]["value"] - 19) < 0.1
    assert site["score"] == pytest.approx(site["own_score"] + site["lateness"]["contribution"], abs=0.02)
    assert "inspection_overdue" not in {f["factor"] for f in site["reasons"]}
    board = (await client.get("/api/risk/board", headers=await as_user("supervisor"))).json()
    row = next(s for s in board["red_orange"] if s["site_id"] == outlet)
    assert row["lateness"] == site["lateness"] and row["own_score"] == site["own_score"]
    assert "inspection_overdue" not in {f["factor"] for f in row["reasons"]}
