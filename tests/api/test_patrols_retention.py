"""Clock-driven retention: unlinked encounter photos and free text go after the period; linked ones stay."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from tests.api.test_patrols import ZONE_LZ, encounter, patrol_body, recent_start, submit
from tests.integration.photos import support
from xunjian.audit.tables import AuditEvent
from xunjian.jobs import registry
from xunjian.patrols import pii
from xunjian.patrols.retention import purge_patrol_data
from xunjian.patrols.tables import Encounter, EncounterCount, FollowUpCase, PersonRecord
from xunjian.photos.tables import Photo, PhotoLink


async def _photo(client, headers) -> str:
    photo_id = str(uuid.uuid4())
    r = await client.put(f"/api/photos/{photo_id}", content=support.jpeg(),
                         headers={**headers, "Content-Type": "image/jpeg"})
    assert r.status_code == 201, r.text
    return photo_id


def _files(settings, photo_id: str) -> list:
    return [p for p in settings.photo_dir.rglob("*") if p.is_file() and photo_id in str(p)]


async def test_unlinked_encounter_photo_is_purged_after_the_period_and_a_linked_one_stays(
        client, demo, as_user, settings, app):
    inspector = await as_user("inspector")
    unlinked_photo = await _photo(client, inspector)
    linked_photo = await _photo(client, inspector)
    case_photo = await _photo(client, inspector)
    started = recent_start()
    unlinked = encounter(started + timedelta(minutes=5), photo_ids=[unlinked_photo], details="桥洞下，穿灰色棉衣",
                         features=["灰色棉衣"])
    linked = encounter(started + timedelta(minutes=15), photo_ids=[linked_photo], details="多次在此遇到",
                       features=["左腿跛行"])
    with_case = encounter(started + timedelta(minutes=25), photo_ids=[case_photo], action="refused_supplies_given",
                          details="拒绝进站")
    _, r = await submit(client, inspector, patrol_body(demo.sites[ZONE_LZ], started, [unlinked, linked, with_case]))
    assert r.status_code == 201, r.text
    case_id = next(e["case"]["id"] for e in r.json()["encounters"] if e["case"])
    r = await client.post("/api/persons", json={
        "site_id": demo.sites[ZONE_LZ], "sex": "male", "age_band": "age_18_59", "features": ["左腿跛行"],
        "encounter_id": linked["id"]}, headers=await as_user("supervisor"))
    assert r.status_code == 201, r.text
    store = app.state.photo_store
    for p in (unlinked_photo, linked_photo, case_photo):
        assert len(_files(settings, p)) == 3  # original, display, thumbnail

    now = datetime.now(timezone.utc)
    # Before the period (90 days by default) nothing goes.
    counts = await purge_patrol_data(now + timedelta(days=89), settings, store)
    assert counts["encounters_purged"] == 0 and await Photo.count() == 3

    counts = await purge_patrol_data(now + timedelta(days=91), settings, store)
    assert counts == {"encounters_purged": 1, "photos_deleted": 1, "photo_objects_deleted": 3,
                      "photo_objects_failed": 0, "persons_purged": 0, "person_encounters_deleted": 0,
                      "person_photos_deleted": 0}
    assert await Photo.count().where(Photo.id == unlinked_photo) == 0
    assert await PhotoLink.count().where(PhotoLink.photo_id == unlinked_photo) == 0
    assert _files(settings, unlinked_photo) == []
    gone = await Encounter.select().where(Encounter.id == unlinked["id"]).output(load_json=True).first()
    assert gone["details"] == "" and gone["features"] == [] and gone["lat"] is None and gone["photo_ids"] == []
    assert gone["purged_at"] is not None and gone["sex"] == "male"  # the anonymous statistics stay
    # Linked to a person record: kept whole.
    kept = await Encounter.select().where(Encounter.id == linked["id"]).output(load_json=True).first()
    assert pii.opened("encounter", kept)["details"] == "多次在此遇到" and kept["purged_at"] is None
    assert await Photo.count().where(Photo.id == linked_photo) == 1 and len(_files(settings, linked_photo)) == 3
    # An open case keeps its encounter too, until it is closed.
    assert await Photo.count().where(Photo.id == case_photo) == 1
    events = await AuditEvent.select(AuditEvent.entity_id, AuditEvent.actor_name).where(
        AuditEvent.action == "encounter.purge")
    assert events == [{"entity_id": unlinked["id"], "actor_name": "system"}]

    r = await client.post(f"/api/follow-up-cases/{case_id}/close", json={"outcome": "declined_after_follow_up"},
                          headers=inspector)
    assert r.status_code == 200
    counts = await purge_patrol_data(now + timedelta(days=92), settings, store)
    assert counts["encounters_purged"] == 1 and _files(settings, case_photo) == []
    # A second run at the same time finds nothing more.
    assert (await purge_patrol_data(now + timedelta(days=92), settings, store))["encounters_purged"] == 0
    assert _files(settings, linked_photo)


async def test_the_period_comes_from_the_settings_and_the_job_is_registered(client, demo, as_user, settings, app):
    inspector = await as_user("inspector")
    photo = await _photo(client, inspector)
    started = recent_start()
    _, r = await submit(client, inspector, patrol_body(demo.sites[ZONE_LZ], started,
                                                       [encounter(started, photo_ids=[photo])]))
    assert r.status_code == 201
    short = settings.with_(patrol_retention_days=1)
    now = datetime.now(timezone.utc)
    assert (await purge_patrol_data(now, short, app.state.photo_store))["encounters_purged"] == 0
    counts = await purge_patrol_data(now + timedelta(days=2), short, app.state.photo_store)
    assert counts["encounters_purged"] == 1 and _files(settings, photo) == []
    import xunjian.patrols.jobs  # noqa: F401  (registers on import, as the scheduler does via JOB_MODULES)

    assert "xunjian.patrols.jobs" in registry.JOB_MODULES
    spec = registry.JOBS["patrol_retention"]
    photo2 = await _photo(client, inspector)
    started = recent_start()
    _, r = await submit(client, inspector, patrol_body(demo.sites[ZONE_LZ], started,
                                                       [encounter(started, photo_ids=[photo2])]))
    counts = await spec.fn(registry.JobContext(now=now + timedelta(days=91), settings=settings))
    assert counts["encounters_purged"] == 1 and _files(settings, photo2) == []


async def test_a_person_record_past_its_retention_is_deleted_and_only_counts_stay(
        client, demo, as_user, settings, app):
    """Two years (XUNJIAN_PERSON_RETENTION_DAYS=730) after the last encounter the record, its encounters, their
    cases and photos go; what went is added to the counts by zone, week, sex, age band and flags; a second run at
    the same time writes nothing."""
    inspector, supervisor = await as_user("inspector"), await as_user("supervisor")
    photo = await _photo(client, inspector)
    started = recent_start()
    first = encounter(started + timedelta(minutes=5), photo_ids=[photo], details="桥洞下", is_elderly=True,
                      age_band="age_60_79", action="refused_supplies_given")
    second = encounter(started + timedelta(minutes=25), details="再次遇到", is_elderly=True, age_band="age_60_79")
    _, r = await submit(client, inspector, patrol_body(demo.sites[ZONE_LZ], started, [first, second]))
    assert r.status_code == 201, r.text
    case_ids = [e["case"]["id"] for e in r.json()["encounters"] if e["case"]]  # elderly: a case each
    r = await client.post("/api/persons", json={"site_id": demo.sites[ZONE_LZ], "sex": "male",
                                                "age_band": "age_60_79", "notes": "多次入站", "encounter_id": first["id"]},
                          headers=supervisor)
    person_id = r.json()["id"]
    r = await client.put(f"/api/encounters/{second['id']}/person", json={"person_id": person_id}, headers=supervisor)
    assert r.status_code == 200
    # A fresh record with no encounter: its own creation starts the period.
    fresh = (await client.post("/api/persons", json={"site_id": demo.sites[ZONE_LZ], "sex": "female",
                                                      "age_band": "unknown"}, headers=supervisor)).json()["id"]
    store = app.state.photo_store
    now = datetime.now(timezone.utc)
    # An open case holds the record past the period.
    counts = await purge_patrol_data(now + timedelta(days=731), settings, store)
    assert counts["persons_purged"] == 1 and await PersonRecord.exists().where(PersonRecord.id == person_id)
    assert not await PersonRecord.exists().where(PersonRecord.id == fresh)
    for case_id in case_ids:
        r = await client.post(f"/api/follow-up-cases/{case_id}/close", json={"outcome": "declined_after_follow_up"},
                              headers=inspector)
        assert r.status_code == 200
    counts = await purge_patrol_data(now + timedelta(days=729), settings, store)
    assert counts["persons_purged"] == 0  # within two years of the last encounter

    counts = await purge_patrol_data(now + timedelta(days=731), settings, store)
    assert (counts["persons_purged"], counts["person_encounters_deleted"], counts["person_photos_deleted"]) == (1, 2, 1)
    assert not await PersonRecord.exists().where(PersonRecord.id == person_id)
    assert await Encounter.count().where(Encounter.id.is_in([first["id"], second["id"]])) == 0
    assert await FollowUpCase.count().where(FollowUpCase.id.is_in(case_ids)) == 0
    assert await Photo.count().where(Photo.id == photo) == 0 and _files(settings, photo) == []
    rows = await EncounterCount.select().order_by(EncounterCount.action)
    assert [(r["zone"], r["sex"], r["age_band"], bool(r["is_elderly"]), bool(r["is_minor"]), r["action"],
             r["encounters"]) for r in rows] == [
        (demo.sites[ZONE_LZ], "male", "age_60_79", True, False, "persuaded_to_station", 1),
        (demo.sites[ZONE_LZ], "male", "age_60_79", True, False, "refused_supplies_given", 1),
    ]
    week = datetime.fromisoformat(rows[0]["week_start"]).date()
    met = (datetime.fromisoformat(first["met_at"]) + timedelta(hours=8)).date()  # the week in Asia/Shanghai
    assert week.weekday() == 0 and week <= met < week + timedelta(days=7)
    events = await AuditEvent.select(AuditEvent.after).where(AuditEvent.action == "person.purge").output(
        load_json=True)
    assert [e["after"]["person_ids"] for e in events] == [[fresh], [person_id]]
    assert "桥洞下" not in str(events)

    again = await purge_patrol_data(now + timedelta(days=731), settings, store)
    assert again["persons_purged"] == 0
    assert [r["encounters"] for r in await EncounterCount.select().order_by(EncounterCount.action)] == [1, 1]
    assert await AuditEvent.count().where(AuditEvent.action == "person.purge") == 2
