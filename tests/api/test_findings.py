import csv
import io
import uuid
from datetime import datetime, timedelta, timezone

from xunjian.audit.tables import AuditEvent
from xunjian.findings.tables import Finding

from .checklist_answers import all_compliant, payload

SITE_OK = {"lat": 36.0579, "lng": 103.8413}


async def _submit(client, headers, site_id: int, **noncompliant) -> dict:
    answers = all_compliant("eldercare_safety")
    for key, answer in noncompliant.items():
        answers[key] = {"result": "noncompliant", **answer}
    r = await client.put(f"/api/inspections/{uuid.uuid4()}", json=payload(site_id, answers=answers), headers=headers)
    assert r.status_code == 201, r.text
    return {f["item_key"]: f["id"] for f in r.json()["findings"]}


async def test_a_major_hazard_through_its_whole_life(client, demo, as_user):
    inspector, manager, other = await as_user("inspector"), await as_user("manager"), await as_user("manager2")
    supervisor = await as_user("supervisor")
    ids = await _submit(client, inspector, demo.sites["YL-620102-001"],
                        exits_clear={"note": "安全出口上锁", "photos": [str(uuid.uuid4())]})
    fid = ids["exits_clear"]
    url = f"/api/findings/{fid}"

    async def step(path, body, headers, expect):
        assert (await client.post(url + path, json=body, headers=other)).status_code == 404
        r = await client.post(url + path, json=body, headers=headers)
        assert r.status_code == expect, r.text
        return r.json()

    assert (await client.get(url, headers=other)).status_code == 404
    assert (await client.get(url + "/history", headers=other)).status_code == 404
    done = await step("/responses", {"note": "已拆除门锁", "photos": [str(uuid.uuid4())]}, manager, 201)
    assert done["status"] == "responded"
    done = await step("/verification", {"decision": "reject", "note": "门锁仍在"}, inspector, 200)
    assert done["status"] == "open" and done["last_reason"] == "门锁仍在"
    done = await step("/responses", {"note": "门锁已拆除，更换为推杠门"}, manager, 201)
    assert done["status"] == "responded"
    # A major hazard does not close on paper.
    r = await client.post(url + "/verification", json={"decision": "accept"}, headers=supervisor)
    assert r.status_code == 409
    assert r.json()["details"]["status"] == "responded"
    assert r.json()["details"]["allowed_actions"] == ["reject"]
    done = await step("/verification", {"decision": "recheck", "location": SITE_OK, "note": "现场复查通过"}, inspector, 200)
    assert done["rechecked_at"] is not None and done["status"] == "responded"
    # Passed on site, it waits for a supervisor: the inspector who found it cannot close it alone.
    assert "accept" not in done["allowed_actions"]
    r = await client.post(url + "/verification", json={"decision": "accept"}, headers=inspector)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    done = await step("/verification", {"decision": "accept"}, supervisor, 200)
    assert done["status"] == "closed" and done["closed_at"] is not None and done["allowed_actions"] == []
    r = await client.post(url + "/responses", json={"note": "再次反馈"}, headers=manager)
    assert r.status_code == 409 and r.json()["details"]["allowed_actions"] == []

    history = (await client.get(url + "/history", headers=manager)).json()
    assert [e["action"] for e in history] == [
        "finding.create", "finding.respond", "finding.reject", "finding.respond", "finding.recheck", "finding.accept",
    ]
    assert [e["actor_name"] for e in history] == ["inspector", "manager", "inspector", "manager", "inspector",
                                                  "supervisor"]
    # People are shown by their names, as on every other screen, not by their usernames.
    assert [e["actor_display_name"] for e in history][:2] == ["兰州市检查员 王磊", "福寿园养老院 院长 张红"]
    assert all(e["actor_display_name"] for e in history)
    assert history[2]["before"]["status"] == "responded" and history[2]["after"]["status"] == "open"
    assert history[4]["after"]["distance_m"] < 50 and history[4]["after"]["far"] is False
    assert all(e["client_addr"] == "127.0.0.1" for e in history)
    times = [e["at"] for e in history]
    assert times == sorted(times)

    detail = (await client.get(url, headers=manager)).json()
    assert [r["note"] for r in detail["responses"]] == ["已拆除门锁", "门锁已拆除，更换为推杠门"]
    assert [v["decision"] for v in detail["verifications"]] == ["reject", "recheck", "accept"]


async def test_who_may_do_what(client, demo, as_user):
    inspector, manager = await as_user("inspector"), await as_user("manager")
    ids = await _submit(client, inspector, demo.sites["YL-620102-001"], lighting_ok={})
    url = f"/api/findings/{ids['lighting_ok']}"
    # Only the site's manager responds; verifying needs a response first; re-checks are for inspectors.
    assert (await client.post(url + "/responses", json={"note": "x"}, headers=inspector)).status_code == 403
    admin = await as_user("admin")
    assert (await client.post(url + "/responses", json={"note": "x"}, headers=admin)).status_code == 403
    r = await client.post(url + "/verification", json={"decision": "accept"}, headers=inspector)
    assert r.status_code == 409 and r.json()["details"]["allowed_actions"] == []
    assert (await client.post(url + "/verification", json={"decision": "accept"}, headers=manager)).status_code == 403
    assert (await client.post(url + "/responses", json={"note": "  "}, headers=manager)).status_code == 422
    assert (await client.post(url + "/responses", json={"note": "已更换灯具"}, headers=manager)).status_code == 201
    r = await client.post(url + "/verification", json={"decision": "recheck", "location": SITE_OK},
                          headers=await as_user("supervisor"))
    assert r.status_code == 403
    r = await client.post(url + "/verification", json={"decision": "recheck"}, headers=inspector)
    assert r.status_code == 422 and r.json()["details"]["field"] == "location"
    assert (await client.post(url + "/verification", json={"decision": "reject"}, headers=inspector)).status_code == 422
    # A general finding may close without a re-check.
    r = await client.post(url + "/verification", json={"decision": "accept"}, headers=inspector)
    assert r.status_code == 200 and r.json()["status"] == "closed"


async def test_extension_requested_approved_and_refused(client, demo, as_user):
    inspector, manager = await as_user("inspector"), await as_user("manager")
    ids = await _submit(client, inspector, demo.sites["YL-620102-001"], lighting_ok={}, handrails_ok={})
    first, second = f"/api/findings/{ids['lighting_ok']}", f"/api/findings/{ids['handrails_ok']}"
    deadline = datetime.fromisoformat((await client.get(first, headers=manager)).json()["finding"]["deadline"])
    asked = (deadline + timedelta(days=10)).isoformat()
    r = await client.post(first + "/extension", json={"action": "approve"}, headers=inspector)
    assert r.status_code == 409 and r.json()["details"]["extension_status"] is None
    r = await client.post(first + "/extension", json={"action": "request", "deadline": asked}, headers=inspector)
    assert r.status_code == 403
    r = await client.post(first + "/extension", json={"action": "request", "reason": "灯具到货需要时间",
                                                      "deadline": (deadline - timedelta(days=1)).isoformat()},
                          headers=manager)
    assert r.status_code == 422
    r = await client.post(first + "/extension", json={"action": "request", "reason": "灯具到货需要时间",
                                                      "deadline": asked}, headers=manager)
    assert r.status_code == 200 and r.json()["extension_status"] == "requested"
    r = await client.post(first + "/extension", json={"action": "request", "reason": "再延", "deadline": asked},
                          headers=manager)
    assert r.status_code == 409
    r = await client.post(first + "/extension", json={"action": "approve"}, headers=manager)
    assert r.status_code == 403
    r = await client.post(first + "/extension", json={"action": "approve"}, headers=inspector)
    assert r.status_code == 200 and r.json()["extension_status"] == "approved"
    assert datetime.fromisoformat(r.json()["deadline"]) == datetime.fromisoformat(asked)

    await client.post(second + "/extension", json={"action": "request", "reason": "资金未到位", "deadline": asked},
                      headers=manager)
    r = await client.post(second + "/extension", json={"action": "refuse"}, headers=inspector)
    assert r.status_code == 422  # a refusal gives its reason
    r = await client.post(second + "/extension", json={"action": "refuse", "reason": "扶手可当天安装"},
                          headers=await as_user("supervisor"))
    assert r.status_code == 200 and r.json()["extension_status"] == "refused"
    assert datetime.fromisoformat(r.json()["deadline"]) == deadline
    history = (await client.get(second + "/history", headers=manager)).json()
    assert [e["action"] for e in history][-2:] == ["finding.request_extension", "finding.refuse_extension"]


async def test_list_filters_and_scope(client, demo, as_user):
    inspector, inspector2 = await as_user("inspector"), await as_user("inspector2")
    await _submit(client, inspector, demo.sites["YL-620102-001"], exits_clear={"photos": [str(uuid.uuid4())]},
                  lighting_ok={})
    await _submit(client, inspector2, demo.sites["YL-620502-004"], lighting_ok={})
    # Age one finding past its deadline.
    past = datetime.now(timezone.utc) - timedelta(days=1)
    await Finding.update({Finding.deadline: past}).where(Finding.item_key == "lighting_ok")

    async def ids(headers, query=""):
        """The findings of these two sites (the demo data has findings elsewhere)."""
        r = await client.get("/api/findings" + query, headers=headers)
        assert r.status_code == 200, r.text
        return sorted((f["site_code"], f["item_key"]) for f in r.json()["items"]
                      if f["site_code"] in ("YL-620102-001", "YL-620502-004"))

    supervisor = await as_user("supervisor")
    assert len(await ids(supervisor)) == 3
    assert await ids(inspector) == [("YL-620102-001", "exits_clear"), ("YL-620102-001", "lighting_ok")]
    assert await ids(await as_user("manager2")) == [("YL-620502-004", "lighting_ok")]
    assert await ids(supervisor, "?grade=major") == [("YL-620102-001", "exits_clear")]
    assert await ids(supervisor, "?overdue=true") == [("YL-620102-001", "lighting_ok"),
                                                      ("YL-620502-004", "lighting_ok")]
    assert await ids(supervisor, f"?overdue=false&site={demo.sites['YL-620102-001']}") == [
        ("YL-620102-001", "exits_clear")]
    assert await ids(supervisor, "?status=closed") == []
    assert (await client.get("/api/findings?status=lost", headers=supervisor)).status_code == 422
    lz = demo.sites["YL-620102-001"]
    page = (await client.get(f"/api/findings?site={lz}&limit=1&offset=1", headers=supervisor)).json()
    assert page["total"] == 2 and len(page["items"]) == 1


async def test_csv_export_follows_the_list_filters(client, demo, as_user):
    inspector = await as_user("inspector")
    await _submit(client, inspector, demo.sites["YL-620102-001"], exits_clear={"photos": [str(uuid.uuid4())]},
                  lighting_ok={})
    await _submit(client, await as_user("inspector2"), demo.sites["YL-620502-004"], lighting_ok={})
    await Finding.update({Finding.title: "=HYPERLINK(\"http://x\")"}).where(Finding.item_key == "lighting_ok")
    r = await client.get(f"/api/findings/export.csv?grade=general&site={demo.sites['YL-620102-001']}",
                         headers=inspector)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["编号", "场所编码", "场所名称", "隐患", "等级"]
    assert [(row[1], row[4]) for row in rows[1:]] == [("YL-620102-001", "一般隐患")]
    assert rows[1][3].startswith("'=")  # not a formula in a spreadsheet
    everything = (await client.get("/api/findings/export.csv", headers=await as_user("supervisor"))).text
    listed = (await client.get("/api/findings", headers=await as_user("supervisor"))).json()["total"]
    assert everything.count("\n") == listed + 1 and everything.count("YL-620502-004") == 1
    assert (await client.get("/api/findings/export.csv?grade=x", headers=inspector)).status_code == 422


async def test_audit_events_cannot_be_changed_through_the_api(client, demo, as_user):
    inspector = await as_user("inspector")
    ids = await _submit(client, inspector, demo.sites["YL-620102-001"], lighting_ok={})
    url = f"/api/findings/{ids['lighting_ok']}/history"
    admin = await as_user("admin")
    before = await AuditEvent.count()
    for method in ("put", "patch", "delete", "post"):
        r = await client.request(method.upper(), url, headers=admin)
        assert r.status_code == 405
    assert await AuditEvent.count() == before


async def test_an_offline_retry_of_an_action_changes_nothing(client, demo, as_user):
    inspector, manager = await as_user("inspector"), await as_user("manager")
    ids = await _submit(client, inspector, demo.sites["YL-620102-001"], lighting_ok={})
    url = f"/api/findings/{ids['lighting_ok']}"
    body = {"note": "已更换灯具", "client_id": str(uuid.uuid4())}
    first = await client.post(url + "/responses", json=body, headers=manager)
    again = await client.post(url + "/responses", json=body, headers=manager)  # the ack was lost; the phone resends
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["status"] == "responded"
    other = await client.post(url + "/responses", json={**body, "client_id": str(uuid.uuid4())}, headers=manager)
    assert other.status_code == 409
    verdict = {"decision": "reject", "note": "照片看不清", "client_id": str(uuid.uuid4())}
    assert (await client.post(url + "/verification", json=verdict, headers=inspector)).status_code == 200
    assert (await client.post(url + "/verification", json=verdict, headers=inspector)).status_code == 200
    # Someone else's action is not theirs to replay: the supervisor's reject meets an open finding.
    r = await client.post(url + "/verification", json=verdict, headers=await as_user("supervisor"))
    assert r.status_code == 409
    detail = (await client.get(url, headers=manager)).json()
    assert len(detail["responses"]) == 1 and len(detail["verifications"]) == 1
    history = (await client.get(url + "/history", headers=manager)).json()
    assert [e["action"] for e in history] == ["finding.create", "finding.respond", "finding.reject"]


async def test_concurrent_actions_on_one_finding_apply_once(client, demo, as_user, monkeypatch):
    import asyncio

    from xunjian.findings import service

    inspector, manager = await as_user("inspector"), await as_user("manager")
    ids = await _submit(client, inspector, demo.sites["YL-620102-001"], lighting_ok={})
    url = f"/api/findings/{ids['lighting_ok']}"
    fetch = service._fetch

    async def slow_fetch(*args, **kwargs):
        # Widen the window between reading the state and writing the change, where a race would slip in.
        row = await fetch(*args, **kwargs)
        await asyncio.sleep(0.05)
        return row

    monkeypatch.setattr(service, "_fetch", slow_fetch)
    responses = await asyncio.gather(*[
        client.post(url + "/responses", json={"note": f"第{n}次反馈"}, headers=manager) for n in range(5)])
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409, 409]
    detail = (await client.get(url, headers=manager)).json()
    assert len(detail["responses"]) == 1
