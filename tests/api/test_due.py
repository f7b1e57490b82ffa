"""The inspectors' due list: due and overdue sites of their scope, worst tier first, then the most overdue."""

from __future__ import annotations

from datetime import timedelta

from xunjian.risk import service as risk

from tests.integration.jobs import factory

LANZHOU = ["YL-620102-001", "YL-620103-002", "YL-620123-003", "FC-62010201", "FC-62010305", "FC-62012311",
           "JZ-620100"]


async def _world(demo) -> None:
    await factory.clear_findings_and_inspections()
    now = factory.utcnow()
    inspector = demo.users["inspector"]
    ago = {"YL-620102-001": 20, "YL-620103-002": 100, "FC-62010201": 200, "YL-620123-003": 175}
    for code in LANZHOU:
        await factory.inspection(demo.sites[code], inspector, submitted_at=now - timedelta(days=ago.get(code, 1)))
    # A self-inspection does not count as a visit.
    await factory.inspection(demo.sites["FC-62010201"], inspector, submitted_at=now, self_inspection=True)
    await factory.finding(demo.sites["YL-620102-001"], inspector, grade="major", deadline=now - timedelta(days=30),
                          escalation_level=3)
    await risk.rate_sites(now)


async def test_due_list_orders_by_tier_then_lateness(client, demo, as_user):
    await _world(demo)
    r = await client.get("/api/inspections/due", headers=await as_user("inspector"))
    assert r.status_code == 200, r.text
    due = r.json()
    lz = [i for i in due["items"] if i["code"] in LANZHOU]
    assert [i["code"] for i in lz] == ["YL-620102-001", "FC-62010201", "YL-620123-003"]
    red, late, soon = lz
    assert red["tier"] == "red" and red["frequency_days"] == 14 and red["status"] == "overdue"
    assert abs(red["days_overdue"] - 6) < 0.2
    assert late["status"] == "overdue" and abs(late["days_overdue"] - 170) < 0.2  # a lottery outlet: monthly (v2)
    assert soon["status"] == "due" and abs(soon["days_overdue"] + 5) < 0.2
    # Only the inspector's prefecture.
    assert all(i["region_name"] in {"城关区", "七里河区", "榆中县", "兰州市"} or i["code"] in LANZHOU for i in due["items"])
    assert not any(i["code"].startswith(("YL-6205", "FC-6205", "JZ-620500")) for i in due["items"])
    assert due["total"] == len(due["items"])

    # Narrower window: the site due in five days drops out.
    narrow = (await client.get("/api/inspections/due?within_days=0", headers=await as_user("inspector"))).json()
    assert "YL-620123-003" not in [i["code"] for i in narrow["items"]]
    wide = (await client.get("/api/inspections/due?within_days=90", headers=await as_user("inspector"))).json()
    assert "YL-620103-002" in [i["code"] for i in wide["items"]]  # due in 80 days


async def test_a_visit_takes_the_site_off_the_list_at_once(client, demo, as_user):
    await _world(demo)
    headers = await as_user("inspector")
    before = [i["code"] for i in (await client.get("/api/inspections/due", headers=headers)).json()["items"]]
    assert "FC-62010201" in before
    await factory.inspection(demo.sites["FC-62010201"], demo.users["inspector"], submitted_at=factory.utcnow())
    after = [i["code"] for i in (await client.get("/api/inspections/due", headers=headers)).json()["items"]]
    assert "FC-62010201" not in after


async def test_scope_and_filters(client, demo, as_user):
    await _world(demo)
    ts = (await client.get("/api/inspections/due", headers=await as_user("inspector2"))).json()["items"]
    assert ts and all(i["code"] not in LANZHOU for i in ts)
    mine = (await client.get("/api/inspections/due?within_days=365", headers=await as_user("manager"))).json()
    assert [i["code"] for i in mine["items"]] == ["YL-620102-001"]
    kind = (await client.get("/api/inspections/due?kind=lottery_outlet", headers=await as_user("inspector"))).json()
    assert {i["kind"] for i in kind["items"]} == {"lottery_outlet"}
    r = await client.get("/api/inspections/due?kind=patrol_zone", headers=await as_user("inspector"))
    assert r.status_code == 422 and r.json()["details"]["parameter"] == "kind"
    county = (await client.get(f"/api/inspections/due?region={demo.regions['620102']}&within_days=365",
                               headers=await as_user("inspector"))).json()
    assert {i["code"] for i in county["items"]} <= {"YL-620102-001", "FC-62010201"}
    assert (await client.get(f"/api/inspections/due?region={demo.regions['620502']}",
                             headers=await as_user("inspector"))).status_code == 404
    everything = (await client.get("/api/inspections/due?limit=200", headers=await as_user("inspector"))).json()
    paged = (await client.get("/api/inspections/due?limit=1&offset=1", headers=await as_user("inspector"))).json()
    assert len(paged["items"]) == 1 and paged["total"] == everything["total"] >= 3
    assert paged["items"][0] == everything["items"][1]
    past = (await client.get(f"/api/inspections/due?limit=5&offset={everything['total'] + 10}",
                             headers=await as_user("inspector"))).json()
    assert past["items"] == [] and past["total"] == everything["total"]
