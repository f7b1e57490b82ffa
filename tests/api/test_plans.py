"""Inspection plans and the random draw (双随机一公开): reproducible draws that become final when published, scoping,
hostile input, parallel draws and publications, tasks linked to inspections, the public page and coverage."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

from xunjian.accounts import service as accounts
from xunjian.accounts.schemas import UserCreate
from xunjian.plans.tables import PlanDraw, PlanTask

from tests.api.checklist_answers import payload
from tests.conftest import DEMO_PASSWORD

LANZHOU_INSPECTABLE = ["YL-620102-001", "YL-620103-002", "YL-620123-003", "FC-62010201", "FC-62010305",
                       "FC-62012311"]


async def _inspector(username: str, region_id: int, display: str | None = None) -> int:
    user = await accounts.create_user(None, UserCreate(
        username=username, password=DEMO_PASSWORD, role="inspector", display_name=display or username,
        region_ids=[region_id]))
    return user.id


def _plan(demo, pool, **extra) -> dict:
    today = date.today()
    body = {"name": "2026年兰州市养老机构和投注站双随机抽查", "kind": "routine", "region_id": demo.regions["620100"],
            "site_kinds": ["eldercare", "lottery_outlet"], "period_start": today.isoformat(),
            "period_end": (today + timedelta(days=30)).isoformat(), "pool": pool, "count": 3}
    body.update(extra)
    return body


async def _create(client, headers, body) -> dict:
    response = await client.post("/api/plans", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def _lanzhou_pool(demo) -> list[int]:
    second = await _inspector("lz_inspector_b", demo.regions["620100"], "兰州市检查员 赵强")
    return [demo.users["inspector"], second]


async def test_same_seed_same_draw_and_a_published_draw_is_final(client, demo, as_user):
    """Must show: the same seed and inputs draw the same; once published, drawing again is refused."""
    sup = await as_user("supervisor")
    plan = await _create(client, sup, _plan(demo, await _lanzhou_pool(demo)))
    assert plan["status"] == "draft" and plan["tier_weights"] == {"red": 4, "orange": 3, "yellow": 2, "blue": 1}
    url = f"/api/plans/{plan['id']}"
    first = (await client.post(url + "/draw", json={"seed": "兰州-2026-01"}, headers=sup)).json()
    again = (await client.post(url + "/draw", json={"seed": "兰州-2026-01"}, headers=sup)).json()
    assert [(t["site_id"], t["inspectors"]) for t in first["tasks"]] == \
        [(t["site_id"], t["inspectors"]) for t in again["tasks"]]
    assert len(first["tasks"]) == 3 and first["eligible"] == 6 and first["algorithm_version"] == 1
    assert {t["site_id"] for t in first["tasks"]} <= {demo.sites[c] for c in LANZHOU_INSPECTABLE}
    assert all(len(set(t["inspectors"])) == 2 for t in first["tasks"])
    others = [(await client.post(url + "/draw", json={"seed": f"s{i}"}, headers=sup)).json() for i in range(6)]
    assert len({tuple(t["site_id"] for t in d["tasks"]) for d in others}) > 1
    redrawn = (await client.post(url + "/draw", json={"seed": "兰州-2026-01"}, headers=sup)).json()
    assert redrawn["tasks"] == first["tasks"]  # the stored draw is the latest one
    check = (await client.get(url + "/draw/verify", headers=sup)).json()
    assert check["matches"] is True and check["seed"] == "兰州-2026-01"

    assert (await client.patch(url, json={"count": 4}, headers=sup)).status_code == 409
    published = await client.post(url + "/publish", headers=sup)
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert published.json()["progress"] == {"open": 3, "in_progress": 0, "done": 0, "overdue": 0}
    refused = await client.post(url + "/draw", json={"seed": "another"}, headers=sup)
    assert refused.status_code == 409 and refused.json()["code"] == "plan_published"
    assert (await client.post(url + "/draw", headers=sup)).status_code == 409
    assert (await client.post(url + "/publish", headers=sup)).status_code == 409
    assert (await client.delete(url, headers=sup)).status_code == 409
    final = (await client.get(url + "/draw", headers=sup)).json()
    assert final["tasks"] == first["tasks"] and final["published"] is True


async def test_a_draw_without_a_seed_picks_a_random_one(client, demo, as_user):
    sup = await as_user("supervisor")
    plan = await _create(client, sup, _plan(demo, await _lanzhou_pool(demo), count=None, share=0.5))
    seeds = {(await client.post(f"/api/plans/{plan['id']}/draw", headers=sup)).json()["seed"] for _ in range(3)}
    assert len(seeds) == 3 and all(len(s) == 32 for s in seeds)
    draw = (await client.get(f"/api/plans/{plan['id']}/draw", headers=sup)).json()
    assert len(draw["tasks"]) == 3  # half of 6, rounded up


async def test_scoping_of_plans(client, demo, as_user):
    sup = await as_user("supervisor")
    pool = await _lanzhou_pool(demo)
    plan = await _create(client, sup, _plan(demo, pool))
    url = f"/api/plans/{plan['id']}"
    # An inspector reads a plan only once it gives them a task; another prefecture's inspector never.
    for user in ("inspector", "inspector2"):
        assert (await client.get(url, headers=await as_user(user))).status_code == 404
    assert (await client.get(url, headers=await as_user("manager"))).status_code == 403
    await client.post(url + "/draw", json={"seed": "x"}, headers=sup)
    await client.post(url + "/publish", headers=sup)
    drawn_inspector = {u for t in (await client.get(url + "/draw", headers=sup)).json()["tasks"]
                       for u in t["inspectors"]}
    assert demo.users["inspector"] in drawn_inspector
    inspector = await as_user("inspector")
    assert (await client.get(url, headers=inspector)).status_code == 200
    assert (await client.post(url + "/draw", headers=inspector)).status_code == 403
    ts = await as_user("inspector2")
    assert (await client.get(url, headers=ts)).status_code == 404
    assert (await client.get(url + "/draw", headers=ts)).status_code == 404
    assert (await client.get("/api/plans", headers=ts)).json()["items"] == []
    assert (await client.get(f"/api/plans/tasks?plan={plan['id']}", headers=ts)).status_code == 404
    # The pool picker lists 兰州's inspectors (and those above it), not 天水's.
    picker = await client.get(f"/api/plans/inspectors?region={demo.regions['620100']}", headers=sup)
    assert {u["id"] for u in picker.json()} == set(pool)
    # A supervisor of 天水 does not see 兰州's plans and cannot plan there.
    ts_sup = await _supervisor(client, demo, "ts_supervisor", "620500")
    assert (await client.get(f"/api/plans/inspectors?region={demo.regions['620100']}", headers=ts_sup)) \
        .status_code == 404
    assert (await client.get(url, headers=ts_sup)).status_code == 404
    assert (await client.get("/api/plans", headers=ts_sup)).json()["total"] == 0
    refused = await client.post("/api/plans", json=_plan(demo, pool), headers=ts_sup)
    assert refused.status_code == 422 and refused.json()["details"][0]["field"] == "region_id"


async def _supervisor(client, demo, username: str, region_code: str) -> dict:
    await accounts.create_user(None, UserCreate(username=username, password=DEMO_PASSWORD, role="supervisor",
                                                region_ids=[demo.regions[region_code]]))
    response = await client.post("/api/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def test_hostile_input_is_refused(client, demo, as_user):
    sup = await as_user("supervisor")
    pool = await _lanzhou_pool(demo)
    bad = [
        {"count": 10**7}, {"count": 0}, {"count": None, "share": 1.5}, {"count": None, "share": 0},
        {"share": 0.5}, {"count": None}, {"pool": []}, {"pool": [pool[0]]}, {"pool": [pool[0], 2**63]},
        {"pool": [pool[0], 2**40]}, {"pool": [pool[0], demo.users["inspector2"]]},
        {"pool": [pool[0], demo.users["supervisor"]]}, {"pool": [pool[0], 999_999]},
        {"region_id": 2**40}, {"region_id": 999_999}, {"site_kinds": ["patrol_zone"]}, {"site_kinds": []},
        {"kind": "joint"}, {"kind": "raid"}, {"name": ""}, {"name": "x" * 201},
        {"period_end": "2020-01-01"}, {"template_key": "street_patrol"}, {"template_key": "nope"},
        {"tier_weights": {"red": -1}}, {"tier_weights": {"purple": 2}}, {"extra": 1},
    ]
    for change in bad:
        response = await client.post("/api/plans", json={**_plan(demo, pool), **change}, headers=sup)
        assert response.status_code == 422, (change, response.status_code, response.text)
        assert set(response.json()) == {"code", "message", "details"}
    for path in ("/api/plans/0", f"/api/plans/{2**63}", "/api/plans/999999"):
        assert (await client.get(path, headers=sup)).status_code in (404, 422), path
    plan = await _create(client, sup, _plan(demo, pool))
    assert (await client.post(f"/api/plans/{plan['id']}/draw", json={"seed": "x" * 129}, headers=sup)) \
        .status_code == 422
    assert (await client.post(f"/api/plans/{plan['id']}/publish", headers=sup)).status_code == 409  # not drawn
    assert (await client.get(f"/api/plans/{plan['id']}/draw", headers=sup)).status_code == 404
    joint = await _create(client, sup, _plan(demo, pool, kind="joint", partner="市消防救援支队",
                                             site_kinds=["eldercare"], template_key="eldercare_safety"))
    assert joint["partner"] == "市消防救援支队"
    assert (await client.get("/api/plans", headers=sup)).json()["total"] == 2


async def test_a_pool_that_cannot_cover_a_site_is_told_which(client, demo, as_user):
    sup = await as_user("supervisor")
    # 兰州's inspector and 天水's cover 兰州's and 天水's sites once each: no site of either gets a pair.
    body = _plan(demo, [demo.users["inspector"], demo.users["inspector2"]], region_id=demo.regions["620000"],
                 count=None, share=1.0)
    plan = await _create(client, sup, body)
    response = await client.post(f"/api/plans/{plan['id']}/draw", json={"seed": "s"}, headers=sup)
    assert response.status_code == 422 and response.json()["code"] == "pool_too_small"
    named = {d["site_name"] for d in response.json()["details"]}
    assert "兰州市城关区福寿园养老院" in named and "天水市秦州区康乐老年公寓" in named
    assert (await client.get(f"/api/plans/{plan['id']}", headers=sup)).json()["status"] == "draft"


async def test_conflicts_of_interest_are_never_drawn(client, demo, as_user):
    sup = await as_user("supervisor")
    pool = await _lanzhou_pool(demo) + [await _inspector("lz_inspector_c", demo.regions["620100"])]
    conflicted = pool[2]
    site = demo.sites["YL-620102-001"]
    made = await client.post("/api/plans/conflicts", json={"inspector_id": conflicted, "site_id": site,
                                                           "note": "配偶在该院任职"}, headers=sup)
    assert made.status_code == 201, made.text
    by_operator = await client.post("/api/plans/conflicts", json={"inspector_id": conflicted,
                                                                  "operator": "七里河区民政局"}, headers=sup)
    assert by_operator.status_code == 201
    assert (await client.post("/api/plans/conflicts", json={"inspector_id": conflicted}, headers=sup)) \
        .status_code == 422
    assert (await client.post("/api/plans/conflicts", json={"inspector_id": demo.users["manager"], "site_id": site},
                              headers=sup)).status_code == 422
    assert len((await client.get("/api/plans/conflicts", headers=sup)).json()) == 2
    assert (await client.get("/api/plans/conflicts", headers=await as_user("inspector"))).status_code == 403
    plan = await _create(client, sup, _plan(demo, pool, count=None, share=1.0))
    for seed in ("a", "b", "c", "d"):
        draw = (await client.post(f"/api/plans/{plan['id']}/draw", json={"seed": seed}, headers=sup)).json()
        pairs = {t["site_id"]: t["inspectors"] for t in draw["tasks"]}
        assert conflicted not in pairs[site] and conflicted not in pairs[demo.sites["YL-620103-002"]]
        assert sorted(pairs[site]) == sorted(pool[:2])
        assert [c for c in draw["inputs"]["conflicts"] if c[0] == conflicted]
    removed = await client.delete(f"/api/plans/conflicts/{made.json()['id']}", headers=sup)
    assert removed.status_code == 200
    assert len((await client.get("/api/plans/conflicts", headers=sup)).json()) == 1


async def test_parallel_draws_and_publications_leave_one_draw(client, demo, as_user):
    sup = await as_user("supervisor")
    plan = await _create(client, sup, _plan(demo, await _lanzhou_pool(demo)))
    url = f"/api/plans/{plan['id']}"
    draws = await asyncio.gather(*[client.post(url + "/draw", json={"seed": f"p{i}"}, headers=sup)
                                   for i in range(6)])
    assert all(r.status_code == 200 for r in draws), [r.text for r in draws]
    assert await PlanDraw.count().where(PlanDraw.plan == plan["id"]) == 1
    mixed = await asyncio.gather(*[client.post(url + "/publish", headers=sup) for _ in range(4)],
                                 *[client.post(url + "/draw", json={"seed": f"q{i}"}, headers=sup)
                                   for i in range(4)])
    statuses = sorted(r.status_code for r in mixed[:4])
    assert statuses == [200, 409, 409, 409], [r.text for r in mixed]
    assert await PlanDraw.count().where(PlanDraw.plan == plan["id"]) == 1
    stored = (await client.get(url + "/draw", headers=sup)).json()
    tasks = await PlanTask.select(PlanTask.site).where(PlanTask.plan == plan["id"])
    assert sorted(t["site"] for t in tasks) == sorted(t["site_id"] for t in stored["tasks"])


async def _published(client, demo, sup, **extra) -> tuple[dict, dict]:
    plan = await _create(client, sup, _plan(demo, await _lanzhou_pool(demo), count=None, share=1.0, **extra))
    await client.post(f"/api/plans/{plan['id']}/draw", json={"seed": "tasks"}, headers=sup)
    await client.post(f"/api/plans/{plan['id']}/publish", headers=sup)
    return plan, (await client.get(f"/api/plans/{plan['id']}/draw", headers=sup)).json()


async def test_tasks_are_linked_to_inspections_and_show_progress(client, demo, as_user):
    sup = await as_user("supervisor")
    plan, draw = await _published(client, demo, sup, site_kinds=["eldercare"])
    inspector = await as_user("inspector")
    tasks = (await client.get("/api/plans/tasks?mine=true", headers=inspector)).json()
    assert tasks["total"] == 3 and {t["status"] for t in tasks["items"]} == {"open"}
    assert all(demo.users["inspector"] in t["inspectors"] for t in tasks["items"])
    task = tasks["items"][0]
    other_site = next(s for s in draw["tasks"] if s["site_id"] != task["site_id"])["site_id"]
    wrong = await client.put(f"/api/inspections/{uuid.uuid4()}", headers=inspector,
                             json=payload(other_site, task_id=task["id"]))
    assert wrong.status_code == 422 and wrong.json()["details"][0]["field"] == "task_id"
    stranger = await _inspector("lz_stranger", demo.regions["620100"])
    login = await client.post("/api/auth/login", json={"username": "lz_stranger", "password": DEMO_PASSWORD})
    not_mine = await client.put(f"/api/inspections/{uuid.uuid4()}", json=payload(task["site_id"], task_id=task["id"]),
                                headers={"Authorization": f"Bearer {login.json()['token']}"})
    assert stranger and not_mine.status_code == 422
    for bad in (0, 2**40):
        response = await client.put(f"/api/inspections/{uuid.uuid4()}", headers=inspector,
                                    json=payload(task["site_id"], task_id=bad))
        assert response.status_code == 422
    key = uuid.uuid4()
    draft = await client.put(f"/api/inspections/{key}", headers=inspector,
                             json=payload(task["site_id"], status="draft", task_id=task["id"]))
    assert draft.status_code == 201, draft.text
    progress = (await client.get(f"/api/plans/{plan['id']}", headers=sup)).json()["progress"]
    assert progress == {"open": 2, "in_progress": 1, "done": 0, "overdue": 0}
    body = payload(task["site_id"], task_id=task["id"])
    assert (await client.put(f"/api/inspections/{key}", headers=inspector, json=body)).status_code == 200
    assert (await client.put(f"/api/inspections/{key}", headers=inspector, json=body)).status_code == 200  # replay
    progress = (await client.get(f"/api/plans/{plan['id']}", headers=inspector)).json()["progress"]
    assert progress == {"open": 2, "in_progress": 0, "done": 1, "overdue": 0}
    again = await client.put(f"/api/inspections/{uuid.uuid4()}", headers=inspector, json=body)
    assert again.status_code == 422  # the task is done by the first inspection
    mine = (await client.get("/api/plans/tasks", headers=inspector)).json()["items"]
    assert [t["status"] for t in mine][-1] == "done" and mine[-1]["inspection_id"] == str(key)
    # Without a task an inspection is as before.
    assert (await client.put(f"/api/inspections/{uuid.uuid4()}", headers=inspector,
                             json=payload(task["site_id"]))).status_code == 201


async def test_tasks_past_the_period_are_overdue(client, demo, as_user):
    sup = await as_user("supervisor")
    past = date.today() - timedelta(days=40)
    plan, _ = await _published(client, demo, sup, site_kinds=["eldercare"], period_start=past.isoformat(),
                               period_end=(past + timedelta(days=30)).isoformat())
    progress = (await client.get(f"/api/plans/{plan['id']}", headers=sup)).json()["progress"]
    assert progress == {"open": 0, "in_progress": 0, "done": 0, "overdue": 3}
    tasks = (await client.get("/api/plans/tasks", headers=await as_user("inspector"))).json()["items"]
    assert {t["status"] for t in tasks} == {"overdue"}


async def test_the_public_page_needs_no_session_and_holds_no_personal_data(client, demo, as_user):
    sup = await as_user("supervisor")
    plan, draw = await _published(client, demo, sup)
    inspector = await as_user("inspector")
    task = next(t for t in (await client.get("/api/plans/tasks", headers=inspector)).json()["items"]
                if t["site_kind"] == "eldercare")
    hazard = {"title": "消防通道堆放杂物", "grade": "general"}
    done = await client.put(f"/api/inspections/{uuid.uuid4()}", headers=inspector,
                            json=payload(task["site_id"], task_id=task["id"], extra_findings=[hazard]))
    assert done.status_code == 201, done.text
    page = await client.get(f"/public/plans/{plan['id']}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert plan["name"] in text and "兰州市" in text and task["site_name"] in text and "发现隐患" in text
    data = (await client.get(f"/public/plans/{plan['id']}.json")).json()
    assert len(data["sites"]) == 6 and data["authority"] == "兰州市"
    summary = next(s for s in data["sites"] if s["name"] == task["site_name"])
    assert summary["result"] == "hazards_found" and summary["hazards_found"] == 1 and summary["rectified"] == 0
    assert summary["county"] in {"城关区", "七里河区", "榆中县"} and summary["inspected_on"]
    assert {s["status"] for s in data["sites"]} == {"done", "pending"}
    personal = ["兰州市检查员 王磊", "兰州市检查员 赵强", "王建国", "李秀兰", "赵德明", "福寿园养老院 院长 张红",
                "inspector", "兰州火车站及东岗立交桥下", "东方红广场", "patrol"]
    for body in (text, page.text, str(data)):
        for word in personal:
            assert word not in body, word
    assert "inspectors" not in data["sites"][0]
    # Unpublished, unknown or malformed: 404, with or without a session.
    draft = await _create(client, sup, _plan(demo, await _lanzhou_pool_again(demo)))
    for path in (f"/public/plans/{draft['id']}", f"/public/plans/{draft['id']}.json", "/public/plans/999999",
                 "/public/plans/abc", f"/public/plans/{2**70}.json", "/public/plans/-1"):
        assert (await client.get(path)).status_code == 404, path
    assert (await client.get(f"/api/plans/{plan['id']}", headers=sup)).json()["public_url"] == \
        f"/public/plans/{plan['id']}"


async def _lanzhou_pool_again(demo) -> list[int]:
    return [demo.users["inspector"], await _inspector("lz_inspector_d", demo.regions["620100"])]


async def test_coverage_per_county_kind_and_plan(client, demo, as_user):
    sup = await as_user("supervisor")
    plan, _ = await _published(client, demo, sup, site_kinds=["eldercare"])
    inspector = await as_user("inspector")
    task = (await client.get("/api/plans/tasks", headers=inspector)).json()["items"][0]
    await client.put(f"/api/inspections/{uuid.uuid4()}", headers=inspector,
                     json=payload(task["site_id"], task_id=task["id"],
                                  extra_findings=[{"title": "电动车室内充电", "grade": "general"}]))
    year = date.today().year
    report = (await client.get(f"/api/plans/coverage?year={year}&region={demo.regions['620100']}",
                               headers=sup)).json()
    rows = {(r["region_name"], r["site_kind"]): (r["sites"], r["inspected"]) for r in report["counties"]}
    assert rows[("城关区", "lottery_outlet")] == (1, 0)
    assert sum(v[1] for k, v in rows.items() if k[1] == "eldercare") == 1
    assert sum(v[0] for k, v in rows.items() if k[1] == "eldercare") == 3
    assert not [k for k in rows if k[1] == "patrol_zone"]
    assert report["plans"] == [{"plan_id": plan["id"], "plan_name": plan["name"], "drawn": 3, "done": 1,
                                "hazards_found": 1, "rectified": 0}]
    whole = (await client.get("/api/plans/coverage", headers=sup)).json()
    assert whole["year"] == year and {r["region_name"] for r in whole["counties"]} >= {"城关区", "秦州区"}
    assert (await client.get(f"/api/plans/coverage?year={year - 1}", headers=sup)).json()["plans"] == []
    csv = await client.get(f"/api/plans/coverage.csv?region={demo.regions['620100']}", headers=sup)
    assert csv.status_code == 200 and csv.text.lstrip("\ufeff").startswith("年度,县(市、区)")
    assert "城关区" in csv.text
    assert (await client.get("/api/plans/coverage", headers=inspector)).status_code == 403
    assert (await client.get("/api/plans/coverage?year=1900", headers=sup)).status_code == 422
    ts_sup = await _supervisor(client, demo, "ts_sup2", "620500")
    assert (await client.get(f"/api/plans/coverage?region={demo.regions['620100']}", headers=ts_sup)) \
        .status_code == 404
    assert "城关区" not in str((await client.get("/api/plans/coverage", headers=ts_sup)).json())


async def test_a_draw_over_the_provinces_lottery_outlets_and_200_inspectors(client, demo, as_user):
    """Must show: 3,757 outlets and 200 inspectors, drawn through the API. Printed, not asserted on time."""
    import time

    from xunjian.accounts.tables import User, UserRegion
    from xunjian.regions.tables import Region
    from xunjian.sites.tables import Site

    counties = await Region.select(Region.id, Region.path).where(Region.level == "county").order_by(Region.id)
    outlets = [Site(kind="lottery_outlet", code=f"FC-BENCH-{i:05d}", name=f"福彩投注站 {i:05d}",
                    region=counties[i % len(counties)]["id"], region_path=counties[i % len(counties)]["path"],
                    operator=f"代销者{i}") for i in range(3757)]
    for i in range(0, len(outlets), 1000):
        await Site.insert(*outlets[i:i + 1000])
    users = await User.insert(*[User(username=f"bench_inspector_{j}", display_name=f"检查员{j}", role="inspector",
                                     password_hash="x") for j in range(200)]).returning(User.id)
    pool = [u["id"] for u in users]
    await UserRegion.insert(*[UserRegion(user=uid, region=counties[j % len(counties)]["id"] if j % 4
                                         else demo.regions["620000"]) for j, uid in enumerate(pool)])
    sup = await as_user("supervisor")
    plan = await _create(client, sup, _plan(demo, pool, region_id=demo.regions["620000"],
                                            site_kinds=["lottery_outlet"], count=None, share=1.0))
    started = time.perf_counter()
    response = await client.post(f"/api/plans/{plan['id']}/draw", json={"seed": "甘肃-2026"}, headers=sup)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text[:300]
    tasks = response.json()["tasks"]
    print(f"\nPOST /api/plans/{{id}}/draw over {len(tasks)} outlets and {len(pool)} inspectors: {elapsed * 1000:.0f} ms")
    assert len(tasks) == 3757 + 7  # the demo's outlets too
    started = time.perf_counter()
    assert (await client.get(f"/api/plans/{plan['id']}/draw/verify", headers=sup)).json()["matches"] is True
    print(f"GET …/draw/verify: {(time.perf_counter() - started) * 1000:.0f} ms")
    started = time.perf_counter()
    assert (await client.post(f"/api/plans/{plan['id']}/publish", headers=sup)).status_code == 200
    print(f"POST …/publish ({len(tasks)} tasks): {(time.perf_counter() - started) * 1000:.0f} ms")
    assert len((await client.get(f"/public/plans/{plan['id']}.json")).json()["sites"]) == len(tasks)
