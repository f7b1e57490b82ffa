"""The personal-data grant (issue 15): running the system does not open personal data; the grant does, is given by
another admin and audited; its holders review who read personal data (PIPL 第五十二条、第五十四条)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.api.test_patrols import ZONE_LZ, encounter, patrol_body, recent_start, submit
from xunjian.audit.tables import AuditEvent


async def _person_with_encounter(client, demo, as_user) -> tuple[int, dict, str]:
    inspector, supervisor = await as_user("inspector"), await as_user("supervisor")
    started = recent_start()
    met = encounter(started + timedelta(minutes=5), features=["红围巾"])
    patrol_id, r = await submit(client, inspector, patrol_body(demo.sites[ZONE_LZ], started, [met]))
    assert r.status_code == 201, r.text
    r = await client.post("/api/persons", json={"site_id": demo.sites[ZONE_LZ], "sex": "male", "age_band": "unknown",
                                                "encounter_id": met["id"]}, headers=supervisor)
    assert r.status_code == 201, r.text
    return r.json()["id"], met, str(patrol_id)


async def test_an_admin_without_the_grant_gets_404_on_persons_and_encounters(client, demo, as_user):
    person_id, met, patrol_id = await _person_with_encounter(client, demo, as_user)
    admin, privacy = await as_user("admin"), await as_user("privacy")
    for path in (f"/api/persons/{person_id}", "/api/persons", f"/api/encounters/{met['id']}",
                 f"/api/encounters/{met['id']}/candidates"):
        assert (await client.get(path, headers=admin)).status_code == 404, path
        assert (await client.get(path, headers=privacy)).status_code == 200, path
    r = await client.patch(f"/api/persons/{person_id}", json={"notes": "x"}, headers=admin)
    assert r.status_code == 404
    # The patrol itself (zone, times, team) is there; the people met on it are not.
    r = await client.get(f"/api/patrols/{patrol_id}", headers=admin)
    assert r.status_code == 200 and r.json()["encounters"] is None
    r = await client.get(f"/api/patrols/{patrol_id}", headers=privacy)
    assert [e["id"] for e in r.json()["encounters"]] == [met["id"]]
    me = (await client.get("/api/me", headers=privacy)).json()
    assert me["personal_data"] is True


async def test_the_grant_is_given_by_another_admin_and_audited(client, demo, as_user):
    person_id, _, _ = await _person_with_encounter(client, demo, as_user)
    admin, privacy = await as_user("admin"), await as_user("privacy")
    r = await client.patch(f"/api/admin/users/{demo.users['admin']}", json={"personal_data": True}, headers=admin)
    assert r.status_code == 422 and r.json()["code"] == "cannot_change_self"
    r = await client.patch(f"/api/admin/users/{demo.users['admin']}", json={"personal_data": True}, headers=privacy)
    assert r.status_code == 200 and r.json()["personal_data"] is True
    assert (await client.get(f"/api/persons/{person_id}", headers=admin)).status_code == 200
    r = await client.patch(f"/api/admin/users/{demo.users['admin']}", json={"personal_data": False}, headers=privacy)
    assert r.status_code == 200 and r.json()["personal_data"] is False
    assert (await client.get(f"/api/persons/{person_id}", headers=admin)).status_code == 404
    events = await AuditEvent.select(AuditEvent.actor_name, AuditEvent.after).where(
        (AuditEvent.action == "user.personal_data") & (AuditEvent.entity_id == str(demo.users["admin"]))
    ).order_by(AuditEvent.id).output(load_json=True)
    assert [(e["actor_name"], e["after"]["personal_data"]) for e in events] == [("privacy", True), ("privacy", False)]
    r = await client.post("/api/admin/users", json={"username": "dpo2", "password": "a-long-password-1",
                                                    "role": "admin", "personal_data": True}, headers=admin)
    assert r.status_code == 201 and r.json()["personal_data"] is True


async def test_the_access_review_filters_by_user_person_and_period_and_is_audited(client, demo, as_user):
    person_id, met, _ = await _person_with_encounter(client, demo, as_user)
    other_id, _, _ = await _person_with_encounter(client, demo, as_user)
    supervisor, privacy, admin = await as_user("supervisor"), await as_user("privacy"), await as_user("admin")
    assert (await client.get(f"/api/persons/{person_id}", headers=supervisor)).status_code == 200
    assert (await client.get(f"/api/encounters/{met['id']}", headers=supervisor)).status_code == 200
    assert (await client.get(f"/api/encounters/{met['id']}", headers=await as_user("inspector"))).status_code == 200
    assert (await client.get("/api/privacy/access-log", headers=admin)).status_code == 403

    r = await client.get("/api/privacy/access-log", params={"person": person_id}, headers=privacy)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    seen = {(e["actor_username"], e["action"], e["entity_id"]) for e in items}
    assert ("supervisor", "person.read", str(person_id)) in seen
    assert ("supervisor", "encounter.read", met["id"]) in seen
    assert not any(e["entity_type"] == "person" and e["entity_id"] == str(other_id) for e in items)

    r = await client.get("/api/privacy/access-log", params={"user": demo.users["inspector"]}, headers=privacy)
    assert {e["actor_username"] for e in r.json()["items"]} == {"inspector"}
    assert {e["action"] for e in r.json()["items"]} == {"encounter.read"}

    future = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
    r = await client.get("/api/privacy/access-log", params={"since": future}, headers=privacy)
    assert r.json()["total"] == 0
    r = await client.get("/api/privacy/access-log", params={"limit": 1}, headers=privacy)
    assert len(r.json()["items"]) == 1 and r.json()["total"] > 1
    assert (await client.get("/api/privacy/access-log", params={"limit": 100000}, headers=privacy)).status_code in (400, 422)
    # Each review is an event of the trail, and shows in the next review.
    r = await client.get("/api/privacy/access-log", params={"user": demo.users["privacy"]}, headers=privacy)
    assert {e["action"] for e in r.json()["items"]} == {"privacy.access_log"}
    assert r.json()["total"] == 4  # the four before this one


async def test_a_minors_photo_needs_face_needed_with_a_reason_and_the_notice_is_recorded(client, demo, as_user):
    from tests.api.test_patrols_retention import _photo

    inspector = await as_user("inspector")
    photo = await _photo(client, inspector)
    started = recent_start()
    child = encounter(started + timedelta(minutes=5), age_band="age_under_14", is_minor=True, photo_ids=[photo],
                      notice_given=True)
    _, r = await submit(client, inspector, patrol_body(demo.sites[ZONE_LZ], started, [child]))
    assert r.status_code == 422 and r.json()["details"][0]["field"] == "encounters[0].photo_ids"
    child.update(face_needed=True)
    _, r = await submit(client, inspector, patrol_body(demo.sites[ZONE_LZ], started, [child]))
    assert r.status_code == 422 and r.json()["details"][0]["field"] == "encounters[0].face_reason"
    child.update(face_reason="走失儿童，寻亲需要面部照片")
    patrol_id, r = await submit(client, inspector, patrol_body(demo.sites[ZONE_LZ], started, [child]))
    assert r.status_code == 201, r.text
    stored = r.json()["encounters"][0]
    assert (stored["notice_given"], stored["face_needed"], stored["face_reason"]) == (
        True, True, "走失儿童，寻亲需要面部照片")
    _, again = await submit(client, inspector, patrol_body(demo.sites[ZONE_LZ], started, [child]), patrol_id)
    assert again.status_code == 200  # an identical replay
    notice = (await client.get("/api/patrols/notice", headers=inspector)).json()
    assert "730天" in notice["zh-CN"] and "730 days" in notice["en"]
