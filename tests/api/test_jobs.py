"""Running jobs on demand as an admin, and the run log."""

from __future__ import annotations

from xunjian.audit.tables import AuditEvent


async def test_admin_runs_a_job_with_a_clock_and_lists_the_runs(client, demo, as_user):
    admin = await as_user("admin")
    r = await client.post("/api/admin/jobs/risk/run", headers=admin, json={"now": "2026-12-01T02:30:00+08:00"})
    assert r.status_code == 200, r.text
    run = r.json()
    assert run["status"] == "ok" and run["trigger"] == "api" and run["now"] == "2026-11-30T18:30:00Z"
    assert run["counts"]["sites_rated"] > 0
    r = await client.post("/api/admin/jobs/escalation/run", headers=admin)  # no body: now
    assert r.status_code == 200 and r.json()["status"] == "ok"

    runs = (await client.get("/api/admin/jobs/runs", headers=admin)).json()["items"]
    assert [x["name"] for x in runs] == ["escalation", "risk"]  # newest first
    only = (await client.get("/api/admin/jobs/runs?name=risk", headers=admin)).json()["items"]
    assert [x["id"] for x in only] == [run["id"]]
    jobs = {j["name"]: j for j in (await client.get("/api/admin/jobs", headers=admin)).json()["items"]}
    assert jobs["risk"]["last_run"]["id"] == run["id"] and jobs["risk"]["max_instances"] == 1
    assert jobs["webhooks"]["last_run"] is None
    audit = await AuditEvent.select(AuditEvent.action, AuditEvent.actor_name).where(AuditEvent.action == "job.run")
    assert [a["actor_name"] for a in audit] == ["admin", "admin"]


async def test_bad_requests_to_run_a_job(client, demo, as_user):
    admin = await as_user("admin")
    r = await client.post("/api/admin/jobs/nope/run", headers=admin)
    assert r.status_code == 404 and "risk" in r.json()["details"]["jobs"]
    assert (await client.post("/api/admin/jobs/risk/run", headers=admin, json={"now": "soon"})).status_code == 422
    r = await client.post("/api/admin/jobs/risk/run", headers=admin, json={"now": "2026-12-01T02:30:00"})
    assert r.status_code == 422 and r.json()["details"] == {"field": "now"}
    assert (await client.post("/api/admin/jobs/risk/run", headers=admin, json={"at": "x"})).status_code == 422
    assert (await client.post("/api/admin/jobs/risk/run", headers=await as_user("supervisor"))).status_code == 403


async def test_runs_are_paged_and_filtered_by_name_with_what_each_did(client, demo, as_user):
    admin = await as_user("admin")
    for name in ("risk", "escalation", "risk", "webhooks", "risk"):
        assert (await client.post(f"/api/admin/jobs/{name}/run", headers=admin)).json()["status"] == "ok"
    page = (await client.get("/api/admin/jobs/runs?name=risk&limit=2", headers=admin)).json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (3, 2, 0, 2)
    rest = (await client.get("/api/admin/jobs/runs?name=risk&limit=2&offset=2", headers=admin)).json()
    ids = [r["id"] for r in page["items"] + rest["items"]]
    assert len(rest["items"]) == 1 and ids == sorted(ids, reverse=True) and len(set(ids)) == 3
    assert all(r["name"] == "risk" and r["counts"]["sites_rated"] > 0 for r in page["items"] + rest["items"])
    everything = (await client.get("/api/admin/jobs/runs", headers=admin)).json()
    assert everything["total"] == 5 and {r["name"] for r in everything["items"]} == {"risk", "escalation", "webhooks"}
    webhooks = (await client.get("/api/admin/jobs/runs?name=webhooks", headers=admin)).json()["items"][0]
    assert set(webhooks["counts"]) == {"delivered", "retry", "failed"}
    assert (await client.get("/api/admin/jobs/runs?offset=-1", headers=admin)).status_code == 422
    assert (await client.get("/api/admin/jobs/runs?limit=500", headers=admin)).status_code == 422
