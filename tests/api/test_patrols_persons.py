"""The repeat-wanderer register: candidate matches from features, linking by staff decision, family tracing."""

from __future__ import annotations

from datetime import timedelta

from tests.api.test_patrols import ZONE_LZ, encounter, patrol_body, recent_start, submit
from xunjian.audit.tables import AuditEvent


async def test_suggest_link_and_trace_a_repeat_wanderer(client, demo, as_user):
    supervisor, inspector = await as_user("supervisor"), await as_user("inspector")
    zone = demo.sites[ZONE_LZ]
    r = await client.post("/api/persons", json={
        "site_id": demo.sites["JZ-620100"], "sex": "male", "age_band": "age_60_79", "name": "",
        "features": ["左腿跛行", "甘肃口音"], "notes": "2025年冬季曾两次入站"}, headers=supervisor)
    assert r.status_code == 201, r.text
    known = r.json()
    assert known["code"].startswith("LS") and known["tracing_status"] == "pending"
    other = (await client.post("/api/persons", json={
        "site_id": zone, "sex": "female", "age_band": "age_60_79", "features": ["左腿跛行"]},
        headers=supervisor)).json()

    started = recent_start()
    met = encounter(started + timedelta(minutes=5), age_band="age_60_79", features=["左腿跛行", "甘肃口音"])
    _, r = await submit(client, inspector, patrol_body(zone, started, [met]))
    assert r.status_code == 201, r.text

    r = await client.get(f"/api/encounters/{met['id']}/candidates", headers=supervisor)
    assert r.status_code == 200
    assert [c["person_id"] for c in r.json()] == [known["id"]]  # the other is a woman: ruled out
    assert "feature:左腿跛行" in r.json()[0]["reasons"]

    r = await client.put(f"/api/encounters/{met['id']}/person", json={"person_id": known["id"]}, headers=supervisor)
    assert r.status_code == 200 and r.json()["person_id"] == known["id"]
    again = await client.put(f"/api/encounters/{met['id']}/person", json={"person_id": other["id"]},
                             headers=supervisor)
    assert again.status_code == 409  # unlink first: a link is a decision, not overwritten silently
    person = (await client.get(f"/api/persons/{known['id']}", headers=supervisor)).json()
    assert [e["id"] for e in person["encounters"]] == [met["id"]]

    r = await client.patch(f"/api/persons/{known['id']}", json={"tracing_status": "notice_published"},
                           headers=supervisor)
    assert r.status_code == 200 and r.json()["notice_published_at"] is not None
    r = await client.patch(f"/api/persons/{known['id']}", json={"tracing_status": "found"}, headers=supervisor)
    assert r.status_code == 422
    listed = await client.get("/api/persons", params={"tracing_status": "notice_published"}, headers=supervisor)
    assert [p["id"] for p in listed.json()["items"]] == [known["id"]]
    # The trail says who changed what, without copying the person's details into it.
    events = await AuditEvent.select(AuditEvent.action, AuditEvent.after).where(
        AuditEvent.entity_type == "person").output(load_json=True)
    assert {e["action"] for e in events} >= {"person.create", "person.update", "person.read", "person.list"}
    assert "左腿跛行" not in str([e["after"] for e in events])

    r = await client.delete(f"/api/encounters/{met['id']}/person", headers=supervisor)
    assert r.status_code == 200 and r.json()["person_id"] is None
    person = (await client.get(f"/api/persons/{known['id']}", headers=supervisor)).json()
    assert person["encounters"] == []


async def test_person_records_live_at_zones_or_stations_in_scope(client, demo, as_user):
    supervisor = await as_user("supervisor")
    r = await client.post("/api/persons", json={"site_id": demo.sites["YL-620102-001"], "sex": "male",
                                                "age_band": "unknown"}, headers=supervisor)
    assert r.status_code == 422 and r.json()["details"]["field"] == "site_id"
    r = await client.post("/api/persons", json={"site_id": demo.sites[ZONE_LZ], "sex": "male",
                                                "age_band": "unknown", "id_number": "620102..."},
                          headers=supervisor)
    assert r.status_code == 422  # no field for an ID number: collect the minimum


async def test_search_the_register(client, demo, as_user):
    supervisor = await as_user("supervisor")
    for name, hometown in (("张某", "Dingxi 定西"), ("", "天水")):
        r = await client.post("/api/persons", json={"site_id": demo.sites[ZONE_LZ], "sex": "male",
                                                    "age_band": "unknown", "name": name, "hometown": hometown},
                              headers=supervisor)
        assert r.status_code == 201
    # Name and hometown are sealed: found by the whole value (case, width and spaces aside), not by a part of it.
    found = await client.get("/api/persons", params={"q": "DINGXI定西"}, headers=supervisor)
    assert [p["name"] for p in found.json()["items"]] == ["张某"]
    assert found.json()["items"][0]["notice_overdue"] is False
    assert (await client.get("/api/persons", params={"q": "dingxi"}, headers=supervisor)).json()["items"] == []
    found = await client.get("/api/persons", params={"q": " 张某 "}, headers=supervisor)
    assert [p["hometown"] for p in found.json()["items"]] == ["Dingxi 定西"]
    # The register number is not sealed, and is still found by any part of it.
    code = found.json()["items"][0]["code"]
    found = await client.get("/api/persons", params={"q": code[-4:]}, headers=supervisor)
    assert code in [p["code"] for p in found.json()["items"]]
