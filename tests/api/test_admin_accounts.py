"""Account administration (issue 14): 执法证号, the filtered list, no locking oneself out, every change audited."""

from __future__ import annotations


async def _events(action: str, user_id: int) -> list[dict]:
    from xunjian.audit.tables import AuditEvent

    return await AuditEvent.select().where(
        (AuditEvent.action == action) & (AuditEvent.entity_id == str(user_id))).output(load_json=True)


async def test_certificate_numbers_for_inspectors_and_supervisors_only(client, demo, as_user):
    admin = await as_user("admin")
    base = {"password": "long-enough-1", "role": "inspector", "region_ids": [demo.regions["620102"]]}
    r = await client.post("/api/admin/users", headers=admin,
                          json={**base, "username": "insp9", "certificate_no": "甘执法 62010001"})
    assert r.status_code == 201 and r.json()["certificate_no"] == "甘执法 62010001", r.text
    user = r.json()["id"]
    headers = {"Authorization": "Bearer " + (await client.post(
        "/api/auth/login", json={"username": "insp9", "password": "long-enough-1"})).json()["token"]}
    assert (await client.get("/api/me", headers=headers)).json()["certificate_no"] == "甘执法 62010001"
    for bad, status in [("甘执法 62010001", 409), ("x" * 41, 422), ("", 422), ("62\n01", 422), ("62\x0701", 422),
                        (" 620", 422)]:
        r = await client.post("/api/admin/users", headers=admin, json={**base, "username": "insp10",
                                                                       "certificate_no": bad})
        assert (r.status_code, set(r.json())) == (status, {"code", "message", "details"}), (bad, r.text)
    r = await client.post("/api/admin/users", headers=admin, json={
        "username": "mgr9", "password": "long-enough-1", "role": "manager", "site_ids": [demo.sites["YL-620102-001"]],
        "certificate_no": "62019999"})
    assert r.status_code == 422 and r.json()["details"] == {"field": "certificate_no"}
    r = await client.patch(f"/api/admin/users/{demo.users['supervisor']}", headers=admin,
                           json={"certificate_no": "甘执法 62010001"})
    assert r.status_code == 409
    r = await client.patch(f"/api/admin/users/{demo.users['supervisor']}", headers=admin,
                           json={"certificate_no": "甘执法 62000002"})
    assert r.status_code == 200 and r.json()["certificate_no"] == "甘执法 62000002"
    assert (await client.patch(f"/api/admin/users/{demo.users['manager']}", headers=admin,
                               json={"certificate_no": "62019999"})).status_code == 422
    # "" removes the number; a role without numbers drops it.
    r = await client.patch(f"/api/admin/users/{user}", headers=admin, json={"certificate_no": ""})
    assert r.json()["certificate_no"] is None
    await client.patch(f"/api/admin/users/{user}", headers=admin, json={"certificate_no": "62010003"})
    r = await client.patch(f"/api/admin/users/{user}", headers=admin,
                           json={"role": "manager", "site_ids": [demo.sites["YL-620102-001"]]})
    assert r.status_code == 200 and r.json()["certificate_no"] is None
    # Two accounts without a number are fine (the unique index admits any number of NULLs).
    assert (await client.post("/api/admin/users", headers=admin, json={**base, "username": "insp11"})).status_code == 201
    assert (await client.post("/api/admin/users", headers=admin, json={**base, "username": "insp12"})).status_code == 201


async def test_an_admin_cannot_lock_themselves_out(client, demo, as_user):
    admin = await as_user("admin")
    me = demo.users["admin"]
    for body in ({"is_active": False}, {"role": "supervisor", "region_ids": [demo.regions["620000"]]}):
        r = await client.patch(f"/api/admin/users/{me}", headers=admin, json=body)
        assert (r.status_code, r.json()["code"]) == (422, "cannot_change_self"), body
    r = await client.post(f"/api/admin/users/{me}/deactivate", headers=admin)
    assert (r.status_code, r.json()["code"]) == (422, "cannot_change_self")
    assert (await client.get("/api/me", headers=admin)).status_code == 200
    assert (await client.patch(f"/api/admin/users/{me}", headers=admin, json={"display_name": "管理员"})).status_code \
        == 200
    # Another admin may do it.
    r = await client.post("/api/admin/users", headers=admin,
                          json={"username": "admin2", "password": "long-enough-1", "role": "admin"})
    other = r.json()["id"]
    assert (await client.post(f"/api/admin/users/{other}/deactivate", headers=admin)).status_code == 200


async def test_self_region_removal_is_refused(client, demo, as_user):
    from xunjian.accounts.rules import self_change_problem

    assert self_change_problem("supervisor", True, {1, 2}, "supervisor", True, {1}) is not None
    assert self_change_problem("supervisor", True, {1}, "supervisor", True, {1, 2}) is None
    assert self_change_problem("admin", True, set(), "admin", True, set()) is None


async def test_every_change_is_audited(client, demo, as_user):
    admin = await as_user("admin")
    r = await client.post("/api/admin/users", headers=admin, json={
        "username": "insp20", "password": "long-enough-1", "role": "inspector", "region_ids": [demo.regions["620102"]],
        "certificate_no": "62010020"})
    user = r.json()["id"]
    await client.patch(f"/api/admin/users/{user}", headers=admin, json={"display_name": "张三"})
    await client.post(f"/api/admin/users/{user}/password", headers=admin, json={"new_password": "another-pass-1"})
    await client.post(f"/api/admin/users/{user}/deactivate", headers=admin)
    created = await _events("user.create", user)
    assert len(created) == 1 and created[0]["after"]["certificate_no"] == "62010020"
    updated = await _events("user.update", user)
    assert len(updated) == 1 and updated[0]["after"]["display_name"] == "张三"
    assert len(await _events("user.reset_password", user)) == 1
    deactivated = await _events("user.deactivate", user)
    assert len(deactivated) == 1 and deactivated[0]["after"]["is_active"] is False
    assert {e["actor_name"] for e in created + updated + deactivated} == {"admin"}


async def test_user_list_filters_and_pages(client, demo, as_user):
    admin = await as_user("admin")
    page = (await client.get("/api/admin/users?limit=2", headers=admin)).json()
    assert len(page["items"]) == 2 and page["total"] == len(demo.users) and (page["limit"], page["offset"]) == (2, 0)
    rest = (await client.get("/api/admin/users?limit=200&offset=2", headers=admin)).json()
    assert {u["id"] for u in page["items"]} | {u["id"] for u in rest["items"]} == set(demo.users.values())
    inspectors = (await client.get("/api/admin/users?role=inspector", headers=admin)).json()
    assert {u["username"] for u in inspectors["items"]} == {"inspector", "inspector2"}
    assert (await client.get("/api/admin/users?q=INSPECTOR2", headers=admin)).json()["total"] == 1
    # By region: linked to 兰州 or a county inside it.
    lanzhou = (await client.get(f"/api/admin/users?region={demo.regions['620100']}", headers=admin)).json()
    assert {u["username"] for u in lanzhou["items"]} == {"inspector"}
    await client.post(f"/api/admin/users/{demo.users['inspector2']}/deactivate", headers=admin)
    inactive = (await client.get("/api/admin/users?active=false", headers=admin)).json()
    assert [u["username"] for u in inactive["items"]] == ["inspector2"]
    assert (await client.get("/api/admin/users?active=true", headers=admin)).json()["total"] == len(demo.users) - 1
    for query in ("role=castle", "limit=0", "limit=201", "region=abc", "active=maybe"):
        r = await client.get(f"/api/admin/users?{query}", headers=admin)
        assert r.status_code in (400, 422), query
    assert (await client.get("/api/admin/users?region=999999", headers=admin)).status_code == 404
    assert (await client.get("/api/admin/users", headers=await as_user("supervisor"))).status_code == 403


async def test_a_certificate_number_taken_by_a_concurrent_request_is_409(client, demo, as_user, monkeypatch):
    """Two admins give the same number at the same moment: both pass the check, the unique index refuses one."""
    from xunjian.accounts import service

    async def passes(number, user_id):
        return None

    monkeypatch.setattr(service, "_refuse_taken_certificate", passes)
    admin = await as_user("admin")
    base = {"password": "long-enough-1", "role": "inspector", "region_ids": [demo.regions["620102"]],
            "certificate_no": "62010777"}
    assert (await client.post("/api/admin/users", headers=admin, json={**base, "username": "race1"})).status_code == 201
    r = await client.post("/api/admin/users", headers=admin, json={**base, "username": "race2"})
    assert (r.status_code, r.json()["code"]) == (409, "conflict")
    listing = (await client.get("/api/admin/users?q=race", headers=admin)).json()
    assert [u["username"] for u in listing["items"]] == ["race1"]
