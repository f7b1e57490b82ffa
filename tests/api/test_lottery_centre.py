"""The welfare-lottery centre (福彩中心, role lottery_centre): it sees the lottery outlets of its regions and nothing
else, hears of their major hazards, ladder steps and decisions, and suspends and restores an outlet's terminal or
ends its agency contract; the civil-affairs supervisors order correction and fine (彩票管理条例 第四十一条)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from tests.integration.jobs import factory
from xunjian.audit.tables import AuditEvent
from xunjian.db import is_sqlite
from xunjian.escalation.service import escalate
from xunjian.escalation.tables import SiteDecision
from xunjian.notifications.tables import Notification

OUTLET, OUTLET_TS, ELDERCARE, ZONE = "FC-62010201", "FC-62050203", "YL-620102-001", "XC-620102-01"


async def _lottery_for_lanzhou(demo):
    """A centre account of 兰州市 only (the demo's `lottery` is the province's)."""
    from xunjian.accounts import service as accounts
    from xunjian.accounts.schemas import UserCreate

    from tests.conftest import DEMO_PASSWORD

    await accounts.create_user(None, UserCreate(username="lottery_lz", password=DEMO_PASSWORD, role="lottery_centre",
                                                region_ids=[demo.regions["620100"]]))


async def test_the_centre_sees_its_outlets_and_nothing_else(client, demo, as_user):
    await _lottery_for_lanzhou(demo)
    centre = await as_user("lottery_lz")
    sites = (await client.get("/api/sites?limit=200", headers=centre)).json()["items"]
    assert sites and {s["kind"] for s in sites} == {"lottery_outlet"}
    assert {s["code"] for s in sites} == {"FC-62010201", "FC-62010305", "FC-62012311"}  # 兰州's, not 天水's
    assert (await client.get(f"/api/sites/{demo.sites[OUTLET]}", headers=centre)).status_code == 200
    for code in (ELDERCARE, ZONE, OUTLET_TS):
        assert (await client.get(f"/api/sites/{demo.sites[code]}", headers=centre)).status_code == 404, code
        assert (await client.get(f"/api/risk/sites/{demo.sites[code]}", headers=centre)).status_code == 404, code
    mine = await factory.finding(demo.sites[OUTLET], demo.users["inspector"], deadline=factory.utcnow())
    other = await factory.finding(demo.sites[ELDERCARE], demo.users["inspector"], deadline=factory.utcnow())
    listed = (await client.get("/api/findings?limit=100", headers=centre)).json()["items"]
    assert [f["id"] for f in listed] == [mine]
    assert (await client.get(f"/api/findings/{other}", headers=centre)).status_code == 404
    assert (await client.get("/api/patrols", headers=centre)).status_code == 403
    due = (await client.get("/api/inspections/due?limit=100", headers=centre)).json()["items"]
    assert due and {d["kind"] for d in due} == {"lottery_outlet"}


async def test_an_admin_creates_a_centre_account_linked_to_regions(client, demo, as_user):
    admin = await as_user("admin")
    body = {"username": "fc_ts", "password": "centre-password-1", "role": "lottery_centre",
            "region_ids": [demo.regions["620500"]]}
    r = await client.post("/api/admin/users", json=body, headers=admin)
    assert r.status_code == 201, r.text
    assert r.json()["role"] == "lottery_centre"
    r = await client.post("/api/admin/users", json={**body, "username": "fc_none", "region_ids": []}, headers=admin)
    assert r.status_code == 422


async def test_an_outlets_ladder_tells_the_centre_and_an_eldercare_ladder_does_not(client, demo):
    await factory.close_existing_findings()
    await _lottery_for_lanzhou(demo)
    await factory.supervisor("sup_lz", demo.regions["620100"])
    now = factory.utcnow()
    outlet = await factory.finding(demo.sites[OUTLET], demo.users["inspector"], grade="major",
                                   deadline=now - timedelta(days=4))
    home = await factory.finding(demo.sites[ELDERCARE], demo.users["inspector"], grade="major",
                                 deadline=now - timedelta(days=4))
    await escalate(now)
    rows = await Notification.select(Notification.subject_id, Notification.user._.username.as_alias("username")).where(
        Notification.kind == "escalation")
    told = {}
    for r in rows:
        told.setdefault(r["subject_id"], set()).add(r["username"])
    assert {"lottery", "lottery_lz", "sup_lz"} <= told[str(outlet)]  # and the prefecture's supervisor, as for any site
    assert not {"lottery", "lottery_lz"} & told[str(home)]
    await escalate(now)  # each step once
    assert await Notification.count().where(Notification.kind == "escalation") == len(rows)


async def _post(client, site_id, headers, body, expect):
    r = await client.post(f"/api/sites/{site_id}/decisions", json=body, headers=headers)
    assert r.status_code == expect, r.text
    return r.json()


async def test_decisions_on_an_outlet_by_who_may_take_them(client, demo, as_user):
    supervisor, centre, inspector = await as_user("supervisor"), await as_user("lottery"), await as_user("inspector")
    outlet, home = demo.sites[OUTLET], demo.sites[ELDERCARE]
    fine = {"kind": "fine", "reason": "向未成年人销售彩票", "amount_yuan": 5000}
    for amount in (1999, 10001, 0, -5):
        assert (await _post(client, outlet, supervisor, {**fine, "amount_yuan": amount}, 422))["code"] == "invalid"
    await _post(client, outlet, supervisor, {"kind": "fine", "reason": "无金额"}, 422)
    await _post(client, outlet, supervisor, {"kind": "talk", "reason": "约谈", "amount_yuan": 3000}, 422)
    await _post(client, home, supervisor, fine, 422)  # not an outlet
    await _post(client, outlet, centre, fine, 403)  # the centre does not fine
    await _post(client, outlet, inspector, fine, 403)
    await _post(client, home, centre, {"kind": "talk", "reason": "约谈"}, 404)  # out of the centre's scope
    terminal = {"kind": "terminal_suspended", "reason": "向未成年人销售彩票，暂停销售终端"}
    await _post(client, outlet, supervisor, terminal, 403)  # the centre's measure

    ordered = await _post(client, outlet, supervisor, {"kind": "correction_ordered", "reason": "限期改正"}, 201)
    assert (ordered["kind_name"], ordered["basis"]) == ("责令改正", "《彩票管理条例》第四十一条第一款")
    await _post(client, outlet, centre, {"kind": "contract_ended", "reason": "解除代销合同"}, 409)  # no fine yet
    fined = await _post(client, outlet, supervisor, {**fine, "amount_yuan": 2000}, 201)
    assert (fined["amount_yuan"], fined["basis"]) == (2000, "《彩票管理条例》第四十一条第一款")
    await _post(client, outlet, supervisor, {**fine, "amount_yuan": 10000}, 201)

    suspended = await _post(client, outlet, centre, terminal, 201)
    assert suspended["kind_name"] == "暂停销售终端" and "第十六条" in suspended["basis"]
    assert (await _post(client, outlet, centre, terminal, 409))["code"] == "already_suspended"
    restore = {"kind": "terminal_restored", "reason": "整改完成，恢复销售终端"}
    await _post(client, outlet, centre, restore, 201)
    assert (await _post(client, outlet, centre, restore, 409))["code"] == "not_suspended"

    ended = await _post(client, outlet, centre, {"kind": "contract_ended", "reason": "受罚后解除代销合同"}, 201)
    assert ended["basis"] == "《彩票管理条例》第四十一条第二款"
    assert (await _post(client, outlet, centre, terminal, 409))["code"] == "contract_ended"
    # Final: the outlet is out of service, off the lists and the due list, its record kept.
    site = (await client.get(f"/api/sites/{outlet}", headers=centre)).json()
    assert site["is_active"] is False
    listed = (await client.get("/api/sites?kind=lottery_outlet&limit=200", headers=centre)).json()["items"]
    assert outlet not in {s["id"] for s in listed}
    due = (await client.get("/api/inspections/due?limit=200", headers=supervisor)).json()["items"]
    assert due and outlet not in {d["site_id"] for d in due}
    kinds = [d["kind"] for d in (await client.get(f"/api/sites/{outlet}/decisions", headers=centre)).json()]
    assert kinds == ["correction_ordered", "fine", "fine", "terminal_suspended", "terminal_restored",
                     "contract_ended"]
    actions = [e["action"] for e in await AuditEvent.select(AuditEvent.action).where(
        (AuditEvent.entity_type == "site") & (AuditEvent.entity_id == str(outlet))).order_by(AuditEvent.id)]
    assert actions == ["site.correction_ordered", "site.fine", "site.fine", "site.terminal_suspended",
                       "site.terminal_restored", "site.contract_ended"]
    # Both sides hear of each other's decisions (never of their own).
    told = await Notification.select(Notification.title, Notification.user._.username.as_alias("who")).where(
        Notification.kind == "site.decision").order_by(Notification.id)
    centre_titles = [n["title"].split("：")[-1] for n in told if n["who"] == "lottery"]
    supervisor_titles = [n["title"].split("：")[-1] for n in told if n["who"] == "supervisor"]
    assert centre_titles == ["责令改正", "罚款 2000元", "罚款 10000元"]
    assert supervisor_titles == ["暂停销售终端", "恢复销售终端", "终止代销合同"]


async def test_the_centre_suspends_and_restores_a_terminal_once_per_device_action(client, demo, as_user):
    centre = await as_user("lottery")
    outlet = demo.sites[OUTLET]
    body = {"kind": "terminal_suspended", "reason": "销售终端接入互联网", "client_id": str(uuid.uuid4())}
    if is_sqlite():
        answers = [(await client.post(f"/api/sites/{outlet}/decisions", json=body, headers=centre)).status_code
                   for _ in range(5)]
    else:  # concurrent replays: the site row lock lets one through, the others see its record
        answers = [r.status_code for r in await asyncio.gather(*(
            client.post(f"/api/sites/{outlet}/decisions", json=body, headers=centre) for _ in range(5)))]
    assert sorted(answers) == [200, 200, 200, 200, 201]
    assert await SiteDecision.count().where(SiteDecision.site == outlet) == 1
    assert await Notification.count().where((Notification.kind == "site.decision")
                                            & (Notification.user == demo.users["supervisor"])) == 1
    restore = {"kind": "terminal_restored", "reason": "已断开互联网，恢复销售", "client_id": str(uuid.uuid4())}
    assert (await client.post(f"/api/sites/{outlet}/decisions", json=restore, headers=centre)).status_code == 201
    assert (await client.post(f"/api/sites/{outlet}/decisions", json=restore, headers=centre)).status_code == 200
    kinds = [d["kind"] for d in (await client.get(f"/api/sites/{outlet}/decisions", headers=centre)).json()]
    assert kinds == ["terminal_suspended", "terminal_restored"]


async def test_the_centres_board_counts_only_the_outlets_of_its_regions(client, demo, as_user):
    """The board, its CSV and map, as the centre of 兰州市 sees them: its outlets' tiers, red and orange list, overdue
    counts and trend, none of the eldercare institution's (red here) nor 天水's outlet."""
    from xunjian.escalation.service import escalate
    from xunjian.regions.tables import Region
    from xunjian.risk import service as risk
    from xunjian.sites.tables import Site

    await factory.close_existing_findings()
    await _lottery_for_lanzhou(demo)
    now = factory.utcnow() + timedelta(seconds=1)
    inspector = demo.users["inspector"]
    await factory.finding(demo.sites[ELDERCARE], inspector, grade="major", deadline=now - timedelta(days=5))
    await factory.finding(demo.sites["FC-62010305"], inspector, grade="major", deadline=now + timedelta(days=20))
    await factory.finding(demo.sites[OUTLET], inspector, grade="general", deadline=now - timedelta(days=2))
    await factory.finding(demo.sites[OUTLET_TS], demo.users["inspector2"], grade="major",
                          deadline=now + timedelta(days=20))
    await escalate(now)
    await risk.rate_sites(now)
    lz_path = (await Region.select(Region.path).where(Region.code == "620100").first())["path"]
    outlets_lz = await Site.count().where((Site.kind == "lottery_outlet") & (Site.is_active == True)  # noqa: E712
                                          & Site.region_path.like(lz_path + "%"))

    centre = await as_user("lottery_lz")
    r = await client.get("/api/risk/board", headers=centre)
    assert r.status_code == 200, r.text
    board = r.json()
    assert board["region"]["code"] == "620100"
    assert board["total"] == outlets_lz == 3
    assert board["counts"]["red"] == 0 and board["counts"]["orange"] == 1
    assert [s["code"] for s in board["red_orange"]] == ["FC-62010305"]
    assert sum(c["total"] for c in board["children"]) == board["total"]
    assert board["overdue_by_level"]["0"] + board["overdue_by_level"]["1"] == 1  # the outlet's general hazard only
    assert sum(board["trend"][-1]["counts"].values()) == 3 and board["trend"][-1]["counts"]["orange"] == 1

    # The supervisor of the same region counts every kind: the eldercare institution is red there.
    supervisor = (await client.get(f"/api/risk/board?region={demo.regions['620100']}",
                                   headers=await as_user("supervisor"))).json()
    assert supervisor["counts"]["red"] == 1 and supervisor["total"] > board["total"]
    assert sum(supervisor["trend"][-1]["counts"].values()) == supervisor["total"]

    rows = (await client.get("/api/risk/board.csv", headers=centre)).text.splitlines()[1:]
    assert sorted(row.split(",")[0] for row in rows) == ["FC-62010201", "FC-62010305", "FC-62012311"]
    points = (await client.get("/api/risk/map", headers=centre)).json()
    assert points["counts"] == board["counts"]
    assert {p["site_id"] for p in points["points"]} <= {demo.sites[c] for c in ("FC-62010201", "FC-62010305",
                                                                                 "FC-62012311")}
    # Another prefecture's board is out of its scope; the province's centre counts both prefectures' outlets.
    assert (await client.get(f"/api/risk/board?region={demo.regions['620500']}", headers=centre)).status_code == 404
    province = (await client.get("/api/risk/board", headers=await as_user("lottery"))).json()
    assert province["counts"]["red"] == 0 and province["counts"]["orange"] == 2
    assert province["total"] == await Site.count().where((Site.kind == "lottery_outlet")
                                                         & (Site.is_active == True))  # noqa: E712
