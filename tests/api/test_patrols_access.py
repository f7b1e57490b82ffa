"""Who sees the people met on patrols: 404 outside, every allowed read in the audit trail."""

from __future__ import annotations

import uuid
from datetime import timedelta

from tests.api.test_patrols import ZONE_LZ, patrol_body, recent_start, submit, three_encounters
from tests.integration.photos import support
from xunjian.accounts import service as accounts
from xunjian.accounts.schemas import UserCreate
from xunjian.audit.tables import AuditEvent
from tests.conftest import DEMO_PASSWORD, login


async def _recorded(client, demo, as_user):
    """A Lanzhou patrol by `inspector` with a photo of the minor, and a person record linked to that encounter."""
    inspector = await as_user("inspector")
    photo_id = uuid.uuid4()
    r = await client.put(f"/api/photos/{photo_id}", content=support.jpeg(),
                         headers={**inspector, "Content-Type": "image/jpeg"})
    assert r.status_code == 201, r.text
    started = recent_start()
    encounters = three_encounters(started)
    # A minor's photo is taken only when needed, and marked so (issue 15).
    encounters[0].update(photo_ids=[str(photo_id)], face_needed=True, face_reason="寻亲需要面部照片")
    patrol_id, r = await submit(client, inspector, patrol_body(demo.sites[ZONE_LZ], started, encounters))
    assert r.status_code == 201, r.text
    case_id = next(e["case"]["id"] for e in r.json()["encounters"] if e["case"])
    minor_id = encounters[0]["id"]
    r = await client.post("/api/persons", json={
        "site_id": demo.sites[ZONE_LZ], "sex": "male", "age_band": "age_14_17", "features": ["红色书包"],
        "tracing_status": "pending", "encounter_id": minor_id,
    }, headers=await as_user("supervisor"))
    assert r.status_code == 201, r.text
    return {"patrol": patrol_id, "encounter": minor_id, "person": r.json()["id"], "photo": str(photo_id),
            "case": case_id}


def _urls(ids: dict) -> dict[str, str]:
    return {
        "patrol": f"/api/patrols/{ids['patrol']}",
        "encounter": f"/api/encounters/{ids['encounter']}",
        "person": f"/api/persons/{ids['person']}",
        "photo": f"/api/photos/{ids['photo']}",
        "case": f"/api/follow-up-cases/{ids['case']}",
    }


async def test_managers_and_other_regions_get_404_for_everything(client, demo, as_user):
    ids = await _recorded(client, demo, as_user)
    for user in ("manager", "manager2", "inspector2"):
        headers = await as_user(user)
        for what, url in _urls(ids).items():
            r = await client.get(url, headers=headers)
            assert r.status_code == 404, (user, what, r.status_code)
            assert r.json()["code"] == "not_found"
    # Nor do they find the person through lists, search or candidates.
    for user in ("manager", "inspector2"):
        headers = await as_user(user)
        for url in ("/api/persons", "/api/follow-up-cases", f"/api/encounters/{ids['encounter']}/candidates"):
            r = await client.get(url, headers=headers)
            assert r.status_code in (403, 404) or not r.json()["items"], (user, url, r.text)


async def test_every_allowed_read_is_in_the_audit_trail(client, demo, as_user):
    ids = await _recorded(client, demo, as_user)
    urls = _urls(ids)
    for user in ("privacy", "supervisor", "inspector"):  # `privacy`: an admin holding the personal-data grant
        headers = await as_user(user)
        for what, url in urls.items():
            r = await client.get(url, headers=headers)
            assert r.status_code == 200, (user, what, r.text)
    expected = {
        "patrol.read_people": ("patrol", ids["patrol"]),
        "encounter.read": ("encounter", ids["encounter"]),
        "person.read": ("person", str(ids["person"])),
        "photo.view_restricted": ("photo", ids["photo"]),
        "case.read": ("follow_up_case", str(ids["case"])),
    }
    for action, (entity_type, entity_id) in expected.items():
        events = await AuditEvent.select(AuditEvent.actor_name).where(
            (AuditEvent.action == action) & (AuditEvent.entity_type == entity_type)
            & (AuditEvent.entity_id == entity_id))
        assert sorted(e["actor_name"] for e in events) == ["inspector", "privacy", "supervisor"], action


async def test_another_inspector_of_the_region_sees_the_patrol_but_not_the_people(client, demo, as_user):
    ids = await _recorded(client, demo, as_user)
    await accounts.create_user(None, UserCreate(
        username="inspector_lz2", password=DEMO_PASSWORD, role="inspector", display_name="兰州市检查员 二",
        region_ids=[demo.regions["620100"]], site_ids=[]))
    headers = await login(client, "inspector_lz2")
    patrol = await client.get(f"/api/patrols/{ids['patrol']}", headers=headers)
    assert patrol.status_code == 200 and patrol.json()["encounters"] is None
    assert patrol.json()["encounter_count"] == 3
    for what in ("encounter", "person", "photo", "case"):
        assert (await client.get(_urls(ids)[what], headers=headers)).status_code == 404, what
    # Their own encounters are theirs to see.
    started = recent_start() + timedelta(minutes=30)
    _, r = await submit(client, headers, patrol_body(demo.sites[ZONE_LZ], started, three_encounters(started)))
    assert r.status_code == 201 and len(r.json()["encounters"]) == 3


async def test_the_recording_inspector_sees_the_linked_person_but_cannot_link(client, demo, as_user):
    ids = await _recorded(client, demo, as_user)
    headers = await as_user("inspector")
    person = await client.get(f"/api/persons/{ids['person']}", headers=headers)
    assert person.status_code == 200
    assert [e["id"] for e in person.json()["encounters"]] == [ids["encounter"]]
    r = await client.delete(f"/api/encounters/{ids['encounter']}/person", headers=headers)
    assert r.status_code == 403
    assert (await client.get("/api/persons", headers=headers)).status_code == 403
