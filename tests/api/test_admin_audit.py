"""The audit view (issue 14): the trail newest first, filtered by actor, entity, site, action and time; admins only."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import quote


async def test_filters_and_newest_first(client, demo, as_user):
    admin = await as_user("admin")
    site = demo.sites["FC-62010201"]
    start = datetime.now(timezone.utc) - timedelta(seconds=1)
    await client.patch(f"/api/admin/sites/{site}", headers=admin, json={"address": "新地址 1 号"})
    await client.patch(f"/api/admin/sites/{site}", headers=admin, json={"address": "新地址 2 号"})
    await client.patch(f"/api/admin/users/{demo.users['inspector']}", headers=admin, json={"display_name": "李四"})

    everything = (await client.get("/api/admin/audit?limit=200", headers=admin)).json()
    ats = [e["at"] for e in everything["items"]]
    assert ats == sorted(ats, reverse=True) and everything["total"] == len(everything["items"])
    assert all(at.endswith("Z") or at.endswith("+00:00") for at in ats)

    by_site = (await client.get(f"/api/admin/audit?site={site}", headers=admin)).json()
    assert [e["details"]["after"]["address"] for e in by_site["items"]] == ["新地址 2 号", "新地址 1 号"]
    first = by_site["items"][0]
    assert (first["action"], first["entity_type"], first["entity_id"], first["site_id"]) == (
        "site.update", "site", str(site), site)
    assert (first["actor_id"], first["actor_username"], first["actor_display_name"]) == (
        demo.users["admin"], "admin", "系统管理员")
    assert first["client_addr"] == "127.0.0.1"

    r = await client.get(f"/api/admin/audit?entity_type=user&entity_id={demo.users['inspector']}", headers=admin)
    assert [e["action"] for e in r.json()["items"]] == ["user.update", "user.create"]
    r = await client.get("/api/admin/audit?action=user.update", headers=admin)
    assert r.json()["total"] == 1
    r = await client.get(f"/api/admin/audit?actor={demo.users['admin']}&action=site.update", headers=admin)
    assert r.json()["total"] == 2
    assert (await client.get(f"/api/admin/audit?actor={demo.users['manager']}&action=site.update",
                             headers=admin)).json()["total"] == 0
    since = quote(start.isoformat())
    recent = (await client.get(f"/api/admin/audit?since={since}&action=site.update", headers=admin)).json()
    assert recent["total"] == 2
    until = quote(start.isoformat())
    assert (await client.get(f"/api/admin/audit?until={until}&action=site.update", headers=admin)).json()["total"] == 0
    page = (await client.get("/api/admin/audit?limit=1&offset=1", headers=admin)).json()
    assert page["items"][0]["id"] == everything["items"][1]["id"]


async def test_bad_filters_are_4xx_and_only_admins_read_it(client, demo, as_user):
    admin = await as_user("admin")
    for query in ("since=yesterday", "site=abc", "actor=0", "limit=0", "offset=-1", "action=" + "x" * 65):
        r = await client.get(f"/api/admin/audit?{query}", headers=admin)
        assert r.status_code in (400, 422) and set(r.json()) == {"code", "message", "details"}, query
    for user in ("supervisor", "inspector", "manager"):
        assert (await client.get("/api/admin/audit", headers=await as_user(user))).status_code == 403
