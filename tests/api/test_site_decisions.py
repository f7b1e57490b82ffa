"""Decisions on a site beyond the ladder (约谈, 停业整顿, 恢复营业): recorded by supervisors in scope, in order, once per
device action, audited and announced to the site's managers."""

from __future__ import annotations

import uuid

from tests.integration.jobs import factory
from xunjian.audit.tables import AuditEvent
from xunjian.notifications.tables import Notification

LZ, TS = "YL-620102-001", "YL-620502-004"


async def test_a_supervisor_talks_suspends_and_lifts_and_the_site_sees_it(client, demo, as_user):
    supervisor, manager, inspector = await as_user("supervisor"), await as_user("manager"), await as_user("inspector")
    await factory.supervisor("sup_tianshui", demo.regions["620500"])
    other = await as_user("sup_tianshui")
    site = demo.sites[LZ]
    hazard = await factory.finding(site, demo.users["inspector"], grade="major", deadline=factory.utcnow())
    foreign = await factory.finding(demo.sites[TS], demo.users["inspector2"], deadline=factory.utcnow())
    url = f"/api/sites/{site}/decisions"

    async def post(body, headers, expect):
        r = await client.post(url, json=body, headers=headers)
        assert r.status_code == expect, r.text
        return r.json()

    talk = {"kind": "talk", "reason": "重大隐患逾期未整改，约谈机构负责人", "finding_id": hazard}
    assert (await post(talk, other, 404))["code"] == "not_found"
    await post(talk, inspector, 403)
    await post(talk, manager, 403)
    await post({**talk, "reason": " "}, supervisor, 422)
    await post({**talk, "finding_id": foreign}, supervisor, 422)
    body = {**talk, "client_id": str(uuid.uuid4())}
    first = await post(body, supervisor, 201)
    assert (first["kind"], first["kind_name"], first["finding_id"]) == ("talk", "约谈", hazard)
    assert (await post(body, supervisor, 200))["id"] == first["id"]  # the device's retry

    await post({"kind": "suspension_lifted", "reason": "整改完成"}, supervisor, 409)
    await post({"kind": "suspension", "reason": "安全出口长期封堵，责令停业整顿"}, supervisor, 201)
    await post({"kind": "suspension", "reason": "再次"}, supervisor, 409)
    await post({"kind": "suspension_lifted", "reason": "复查合格，准予恢复营业"}, supervisor, 201)

    seen = (await client.get(url, headers=manager)).json()
    assert [d["kind"] for d in seen] == ["talk", "suspension", "suspension_lifted"]
    assert (await client.get(url, headers=other)).status_code == 404
    assert [e["action"] for e in await AuditEvent.select(AuditEvent.action).where(
        (AuditEvent.entity_type == "site") & (AuditEvent.entity_id == str(site))).order_by(AuditEvent.id)] == [
        "site.talk", "site.suspension", "site.suspension_lifted"]
    told = await Notification.select(Notification.title).where(
        (Notification.kind == "site.decision") & (Notification.user == demo.users["manager"])).order_by(Notification.id)
    assert [n["title"].split("：")[-1] for n in told] == ["约谈", "停业整顿", "恢复营业"]
