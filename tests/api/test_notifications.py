"""The inbox: escalation steps arrive for the right people, unread counts, marking read; nobody reads another's."""

from __future__ import annotations

from datetime import timedelta

from xunjian.escalation.service import escalate

from tests.integration.jobs import factory

LZ = "YL-620102-001"


async def test_an_overdue_finding_lands_in_the_managers_and_inspectors_inbox(client, demo, as_user):
    await factory.close_existing_findings()
    deadline = factory.utcnow() + timedelta(days=5)
    fid = await factory.finding(demo.sites[LZ], demo.users["inspector"], deadline=deadline, title="消防通道堵塞")
    await escalate(deadline)
    manager, inspector, manager2 = await as_user("manager"), await as_user("inspector"), await as_user("manager2")

    inbox = (await client.get("/api/notifications", headers=manager)).json()
    assert inbox["unread"] == 1 and inbox["total"] == 1
    note = inbox["items"][0]
    assert note["title"] == "整改逾期催办：消防通道堵塞" and note["level"] == 1
    assert note["subject_type"] == "finding" and note["subject_id"] == str(fid)
    assert note["site_id"] == demo.sites[LZ] and note["read_at"] is None
    assert (await client.get("/api/notifications", headers=inspector)).json()["total"] == 1
    assert (await client.get("/api/notifications", headers=manager2)).json()["total"] == 0

    # Another user cannot read (or even see) it.
    assert (await client.post(f"/api/notifications/{note['id']}/read", headers=manager2)).status_code == 404
    r = await client.post(f"/api/notifications/{note['id']}/read", headers=manager)
    assert r.status_code == 200 and r.json()["read_at"] is not None
    again = await client.post(f"/api/notifications/{note['id']}/read", headers=manager)
    assert again.json()["read_at"] == r.json()["read_at"]  # idempotent
    assert (await client.get("/api/notifications/unread-count", headers=manager)).json() == {"unread": 0}
    assert (await client.get("/api/notifications?unread=true", headers=manager)).json()["items"] == []


async def test_read_all_and_paging(client, demo, as_user):
    from xunjian.notifications import service

    for i in range(5):
        await service.notify([demo.users["inspector2"]], kind="test", event_key=f"t{i}", title=f"消息 {i}")
    await service.notify([demo.users["inspector2"]], kind="test", event_key="t0", title="重复")  # once per event
    headers = await as_user("inspector2")
    page = (await client.get("/api/notifications?limit=2&offset=0", headers=headers)).json()
    assert page["total"] == 5 and len(page["items"]) == 2 and page["unread"] == 5
    assert page["items"][0]["title"] == "消息 4"  # newest first
    r = await client.post("/api/notifications/read-all", headers=headers)
    assert r.json() == {"marked": 5}
    assert (await client.get("/api/notifications/unread-count", headers=headers)).json() == {"unread": 0}
    assert (await client.get("/api/notifications?limit=500", headers=headers)).status_code == 422


async def test_webhook_administration(client, demo, as_user):
    admin = await as_user("admin")
    r = await client.post("/api/admin/webhooks", headers=admin, json={"name": "市平台", "url": "https://example.org/h",
                                                                      "region_id": demo.regions["620100"]})
    assert r.status_code == 201
    hook = r.json()
    assert len(hook["secret"]) >= 32 and hook["region_id"] == demo.regions["620100"]
    listed = (await client.get("/api/admin/webhooks", headers=admin)).json()["items"]
    assert [h["id"] for h in listed] == [hook["id"]] and listed[0]["secret"] is None  # shown once only
    bad = await client.post("/api/admin/webhooks", headers=admin, json={"name": "x", "url": "ftp://example.org"})
    assert bad.status_code == 422
    bad = await client.post("/api/admin/webhooks", headers=admin, json={"name": "x", "url": "https://e.org/h",
                                                                        "region_id": 999999})
    assert bad.status_code == 422 and bad.json()["details"] == {"field": "region_id"}
    bad = await client.post("/api/admin/webhooks", headers=admin, json={"name": "x", "url": "https://e.org/h",
                                                                        "colour": "red"})
    assert bad.status_code == 422
    assert (await client.delete(f"/api/admin/webhooks/{hook['id']}", headers=admin)).status_code == 204
    assert (await client.get("/api/admin/webhooks", headers=admin)).json()["items"][0]["is_active"] is False
    assert (await client.delete("/api/admin/webhooks/999999", headers=admin)).status_code == 404
    assert (await client.get("/api/admin/webhooks/999999/deliveries", headers=admin)).status_code == 404
