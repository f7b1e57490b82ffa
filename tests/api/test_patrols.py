"""Street patrols through the API: submission, replays, follow-up cases, validation."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta, timezone

from xunjian.audit.tables import AuditEvent
from xunjian.patrols import rules
from xunjian.patrols.tables import Encounter, FollowUpCase, Patrol

ZONE_LZ = "XC-620102-01"  # 兰州火车站及东岗立交桥下 (inspector's region)
ZONE_TS = "XC-620502-01"  # 天水火车站周边 (inspector2's region)
CHECKS = ("key_places_covered", "supplies_carried", "cold_wave_daily", "vulnerable_escorted")


def encounter(met_at: datetime, **overrides) -> dict:
    body = {
        "id": str(uuid.uuid4()), "met_at": met_at.isoformat(), "sex": "male", "age_band": "age_18_59",
        "action": "persuaded_to_station", "place_type": "station", "lat": 36.034, "lng": 103.853,
    }
    body.update(overrides)
    return body


def patrol_body(zone_id: int, started_at: datetime, encounters: list[dict], ended: bool = True, **overrides) -> dict:
    body = {
        "zone_id": zone_id, "started_at": started_at.isoformat(), "team": ["王磊", "刘洋"],
        "campaign_tag": "寒冬送温暖", "weather": "snow", "warning_level": "blue", "place_types": ["station"],
        "track": [
            {"t": (started_at + timedelta(minutes=i * 5)).isoformat(), "lat": 36.034 + i * 0.001, "lng": 103.853,
             "accuracy_m": 8.0}
            for i in range(4)
        ],
        "encounters": encounters,
        # The street-patrol template's checks (required once the patrol has ended).
        "answers": {key: "yes" for key in CHECKS},
    }
    if ended:
        body["ended_at"] = (started_at + timedelta(hours=2)).isoformat()
    body.update(overrides)
    return body


def three_encounters(started_at: datetime) -> list[dict]:
    """A minor, a refusal and an ordinary adult."""
    return [
        encounter(started_at + timedelta(minutes=10), age_band="age_14_17", is_minor=True, action="escorted",
                  features=["红色书包"], details="自称与家人走散"),
        encounter(started_at + timedelta(minutes=30), action="refused_supplies_given", features=["左腿跛行"],
                  details="拒绝进站，已发放棉被和食品"),
        encounter(started_at + timedelta(minutes=50)),
    ]


async def submit(client, headers, body, patrol_id=None):
    patrol_id = patrol_id or str(uuid.uuid4())
    response = await client.put(f"/api/patrols/{patrol_id}", json=body, headers=headers)
    return patrol_id, response


def recent_start() -> datetime:
    # Hours ago, as from a phone that was offline for the shift.
    return (datetime.now(timezone.utc) - timedelta(hours=5)).replace(microsecond=0)


async def test_three_encounters_open_exactly_two_cases_with_their_deadlines(client, demo, as_user):
    started = recent_start()
    body = patrol_body(demo.sites[ZONE_LZ], started, three_encounters(started))
    patrol_id, r = await submit(client, await as_user("inspector"), body)
    assert r.status_code == 201, r.text
    patrol = r.json()
    assert patrol["encounter_count"] == 3 and len(patrol["encounters"]) == 3
    by_id = {e["id"]: e for e in patrol["encounters"]}
    minor, refusal, adult = (by_id[e["id"]] for e in body["encounters"])
    assert adult["case"] is None
    assert minor["case"]["reasons"] == ["minor"]
    assert refusal["case"]["reasons"] == ["refusal"]

    cases = await FollowUpCase.select().where(FollowUpCase.zone == demo.sites[ZONE_LZ])
    assert len(cases) == 2
    deadlines = {str(c["encounter"]): c["deadline"] for c in cases}
    met_minor = datetime.fromisoformat(body["encounters"][0]["met_at"])
    met_refusal = datetime.fromisoformat(body["encounters"][1]["met_at"])
    # Minor: by the end of the day of the encounter, Asia/Shanghai.
    local_day = met_minor.astimezone(rules.LOCAL_TZ).date()
    expected_minor = datetime(local_day.year, local_day.month, local_day.day, 23, 59, 59, 999999,
                              tzinfo=rules.LOCAL_TZ)
    assert deadlines[minor["id"]] == expected_minor
    # Refusal: our default, the end of the third day after.
    refusal_day = met_refusal.astimezone(rules.LOCAL_TZ).date() + timedelta(days=3)
    assert deadlines[refusal["id"]] == datetime(refusal_day.year, refusal_day.month, refusal_day.day, 23, 59, 59,
                                                999999, tzinfo=rules.LOCAL_TZ)
    assert minor["case"]["deadline"] == expected_minor.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


async def test_five_concurrent_replays_change_nothing(client, demo, as_user):
    headers = await as_user("inspector")
    started = recent_start()
    body = patrol_body(demo.sites[ZONE_LZ], started, three_encounters(started))
    patrol_id = str(uuid.uuid4())
    first = await client.put(f"/api/patrols/{patrol_id}", json=body, headers=headers)
    assert first.status_code == 201
    before = {
        "patrols": await Patrol.count(), "encounters": await Encounter.count(), "cases": await FollowUpCase.count(),
        "events": await AuditEvent.count().where(AuditEvent.action != "auth.login"),
        "row": await Patrol.select().where(Patrol.id == patrol_id).first(),
    }
    replays = await asyncio.gather(*[
        client.put(f"/api/patrols/{patrol_id}", json=body, headers=headers) for _ in range(5)
    ])
    assert [r.status_code for r in replays] == [200] * 5
    assert all(r.json() == first.json() for r in replays)
    after = {
        "patrols": await Patrol.count(), "encounters": await Encounter.count(), "cases": await FollowUpCase.count(),
        "events": await AuditEvent.count().where(AuditEvent.action != "auth.login"),
        "row": await Patrol.select().where(Patrol.id == patrol_id).first(),
    }
    assert after == before == {**before, "patrols": 1, "encounters": 3, "cases": 2}


async def test_five_concurrent_first_submissions_make_one_patrol(client, demo, as_user):
    headers = await as_user("inspector")
    started = recent_start()
    body = patrol_body(demo.sites[ZONE_LZ], started, three_encounters(started))
    patrol_id = str(uuid.uuid4())
    responses = await asyncio.gather(*[
        client.put(f"/api/patrols/{patrol_id}", json=body, headers=headers) for _ in range(5)
    ])
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 200, 201]
    assert await Patrol.count() == 1 and await Encounter.count() == 3 and await FollowUpCase.count() == 2
    assert await AuditEvent.count().where(AuditEvent.action == "patrol.create") == 1


async def test_an_ended_patrol_with_different_content_is_a_conflict(client, demo, as_user):
    headers = await as_user("inspector")
    started = recent_start()
    body = patrol_body(demo.sites[ZONE_LZ], started, three_encounters(started))
    patrol_id, r = await submit(client, headers, body)
    assert r.status_code == 201
    changed = {**body, "weather": "clear"}
    r = await client.put(f"/api/patrols/{patrol_id}", json=changed, headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    stored = await client.get(f"/api/patrols/{patrol_id}", headers=headers)
    assert stored.json()["weather"] == "snow"
    # The same content with times in another UTC offset is the same patrol.
    shifted = {**body, "started_at": started.astimezone(rules.LOCAL_TZ).isoformat()}
    r = await client.put(f"/api/patrols/{patrol_id}", json=shifted, headers=headers)
    assert r.status_code == 200, r.text


async def test_a_patrol_under_way_grows_but_sent_encounters_stay(client, demo, as_user):
    headers = await as_user("inspector")
    started = recent_start()
    encounters = three_encounters(started)
    draft = patrol_body(demo.sites[ZONE_LZ], started, encounters[:1], ended=False)
    patrol_id, r = await submit(client, headers, draft)
    assert r.status_code == 201 and r.json()["ended_at"] is None
    final = patrol_body(demo.sites[ZONE_LZ], started, encounters, ended=True)
    r = await client.put(f"/api/patrols/{patrol_id}", json=final, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["encounter_count"] == 3 and await FollowUpCase.count() == 2
    # Removing or changing an encounter already sent is refused.
    r = await client.put(f"/api/patrols/{patrol_id}", json={**final, "ended_at": None, "encounters": encounters[1:]},
                         headers=headers)
    assert r.status_code == 409


async def test_invalid_patrols_get_422_naming_the_field(client, demo, as_user):
    headers = await as_user("inspector")
    started = recent_start()
    zone = demo.sites[ZONE_LZ]
    cases = [
        (patrol_body(zone, started, [encounter(started + timedelta(hours=5))]), "encounters[0].met_at"),
        (patrol_body(zone, started, [], ended_at=(started - timedelta(hours=1)).isoformat()), "ended_at"),
        (patrol_body(demo.sites["YL-620102-001"], started, []), "zone_id"),
        (patrol_body(demo.sites[ZONE_TS], started, []), "zone_id"),
        (patrol_body(zone, started, [encounter(started, referral_target_id=demo.sites["YL-620102-001"])]),
         "encounters[0].referral_target_id"),
        (patrol_body(zone, started, [encounter(started, age_band="age_60_79", is_minor=True)]),
         "encounters[0].age_band"),
    ]
    for body, field in cases:
        _, r = await submit(client, headers, body)
        assert r.status_code == 422, (field, r.text)
        assert field in r.text, (field, r.text)
    for bad in [{"sex": "x"}, {"unknown_field": 1}, {"met_at": "2026-11-29T10:00:00"}]:
        _, r = await submit(client, headers, patrol_body(zone, started, [{**encounter(started), **bad}]))
        assert r.status_code == 422, (bad, r.text)
    assert await Patrol.count() == 0 and await Encounter.count() == 0


async def test_a_patrol_sent_days_later_still_counts_from_when_people_were_met(client, demo, as_user):
    started = (datetime.now(timezone.utc) - timedelta(days=3)).replace(microsecond=0)
    body = patrol_body(demo.sites[ZONE_LZ], started, three_encounters(started))
    _, r = await submit(client, await as_user("inspector"), body)
    assert r.status_code == 201
    minor_case = next(e["case"] for e in r.json()["encounters"] if e["is_minor"])
    assert minor_case["overdue"] is True  # a same-day deadline three days ago


async def test_closing_a_case_records_its_outcome_once(client, demo, as_user):
    headers = await as_user("inspector")
    started = recent_start()
    _, r = await submit(client, headers, patrol_body(demo.sites[ZONE_LZ], started, three_encounters(started)))
    case_ids = [e["case"]["id"] for e in r.json()["encounters"] if e["case"]]
    listed = await client.get("/api/follow-up-cases?status=open", headers=await as_user("supervisor"))
    assert sorted(c["id"] for c in listed.json()["items"]) == sorted(case_ids)
    r = await client.post(f"/api/follow-up-cases/{case_ids[0]}/close",
                          json={"outcome": "placed_at_station", "note": "已入站"}, headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "closed" and r.json()["outcome"] == "placed_at_station"
    replay = await client.post(f"/api/follow-up-cases/{case_ids[0]}/close",
                               json={"outcome": "placed_at_station", "note": "已入站"}, headers=headers)
    assert replay.status_code == 200 and replay.json()["closed_at"] == r.json()["closed_at"]  # offline retry
    again = await client.post(f"/api/follow-up-cases/{case_ids[0]}/close",
                              json={"outcome": "returned_home"}, headers=headers)
    assert again.status_code == 409
    bad = await client.post(f"/api/follow-up-cases/{case_ids[1]}/close", json={"outcome": "vanished"},
                            headers=headers)
    assert bad.status_code == 422
    listed = await client.get("/api/follow-up-cases?status=open", headers=headers)
    assert [c["id"] for c in listed.json()["items"]] == [case_ids[1]]


async def test_cases_filter_by_region(client, demo, as_user):
    headers = await as_user("inspector")
    started = recent_start()
    _, r = await submit(client, headers, patrol_body(demo.sites[ZONE_LZ], started, three_encounters(started)))
    supervisor = await as_user("supervisor")
    lanzhou = await client.get(f"/api/follow-up-cases?region={demo.regions['620100']}", headers=supervisor)
    tianshui = await client.get(f"/api/follow-up-cases?region={demo.regions['620500']}", headers=supervisor)
    assert lanzhou.json()["total"] == 2 and tianshui.json()["total"] == 0
    assert (await client.get("/api/follow-up-cases?region=999999", headers=supervisor)).status_code == 404


async def test_the_street_patrol_template_decides_options_and_required_items(client, demo, as_user):
    headers = await as_user("inspector")
    started = recent_start()
    zone = demo.sites[ZONE_LZ]
    photos = [str(uuid.uuid4()) for _ in range(4)]
    cases = [
        (patrol_body(zone, started, [], weather="sunny"), "weather"),
        (patrol_body(zone, started, [], answers={}), "answers.key_places_covered"),
        (patrol_body(zone, started, [encounter(started, place_type="mall")]), "encounters[0].place_type"),
        (patrol_body(zone, started, [encounter(started, photo_ids=photos)]), "encounters[0].photo_ids"),
        (patrol_body(zone, started, [encounter(started, answers={"shoe_size": 42})]),
         "encounters[0].answers.shoe_size"),
        (patrol_body(zone, started, [], template_version=99), "template_version"),
        (patrol_body(zone, started, [], answers={"encounters": []}), "answers.encounters"),
        (patrol_body(zone, started, [encounter(started, answers={"note": "x"})]), "encounters[0].answers.note"),
    ]
    for body, field in cases:
        _, r = await submit(client, headers, body)
        assert r.status_code == 422, (field, r.text)
        assert field in [d["field"] for d in r.json()["details"]], (field, r.text)
    # Under way, the required checks may still be missing; the version in force is pinned.
    _, r = await submit(client, headers, patrol_body(zone, started, [], ended=False, answers={}))
    assert r.status_code == 201, r.text
    assert r.json()["template_version"] == 2


async def test_a_patrol_belongs_to_its_recorder_and_lists_carry_no_people(client, demo, as_user):
    started = recent_start()
    body = patrol_body(demo.sites[ZONE_LZ], started, three_encounters(started))
    patrol_id, r = await submit(client, await as_user("inspector"), body)
    assert r.status_code == 201
    # The same id from another user (even a supervisor who may see it) is not theirs to replay.
    r = await client.put(f"/api/patrols/{patrol_id}", json=body, headers=await as_user("supervisor"))
    assert r.status_code == 409
    r = await client.put(f"/api/patrols/{patrol_id}", json=body, headers=await as_user("inspector2"))
    assert r.status_code == 422  # the zone is outside inspector2's scope
    listed = await client.get("/api/patrols", params={"since": (started - timedelta(hours=1)).isoformat()},
                              headers=await as_user("supervisor"))
    assert listed.status_code == 200 and [p["id"] for p in listed.json()["items"]] == [patrol_id]
    assert "encounters" not in listed.json()["items"][0]
    assert (await client.get("/api/patrols", params={"since": "2026-11-29T10:00:00"},
                             headers=await as_user("supervisor"))).status_code == 422
    assert (await client.get("/api/patrols", headers=await as_user("inspector2"))).json()["items"] == []


async def test_five_concurrent_final_submissions_of_a_patrol_under_way_apply_once(client, demo, as_user):
    headers = await as_user("inspector")
    started = recent_start()
    encounters = three_encounters(started)
    patrol_id, r = await submit(client, headers, patrol_body(demo.sites[ZONE_LZ], started, encounters[:1],
                                                             ended=False))
    assert r.status_code == 201
    final = patrol_body(demo.sites[ZONE_LZ], started, encounters)
    responses = await asyncio.gather(*[
        client.put(f"/api/patrols/{patrol_id}", json=final, headers=headers) for _ in range(5)
    ])
    assert [x.status_code for x in responses] == [200] * 5, [x.text for x in responses]
    assert await Encounter.count() == 3 and await FollowUpCase.count() == 2
    assert await AuditEvent.count().where(AuditEvent.action == "patrol.update") == 1


async def test_a_patrol_pinned_to_version_1_keeps_its_graded_checks_and_version_2_takes_observations(
        client, demo, as_user):
    headers = await as_user("inspector")
    started = recent_start()
    zone = demo.sites[ZONE_LZ]
    v1 = patrol_body(zone, started, [], template_version=1,
                     answers={key: {"result": "compliant"} for key in CHECKS})
    _, r = await submit(client, headers, v1)
    assert r.status_code == 201, r.text
    assert r.json()["template_version"] == 1 and r.json()["answers"]["key_places_covered"] == {"result": "compliant"}
    # Version 2 records the same points as yes/no observations: a graded answer is refused there.
    _, r = await submit(client, headers, patrol_body(zone, started, [], answers={key: {"result": "compliant"}
                                                                               for key in CHECKS}))
    assert r.status_code == 422 and "answers.key_places_covered" in [d["field"] for d in r.json()["details"]]


async def test_the_new_actions_and_weather_of_version_2_are_accepted(client, demo, as_user):
    headers = await as_user("inspector")
    started = recent_start()
    zone = demo.sites[ZONE_LZ]
    people = [encounter(started + timedelta(minutes=5), age_band="age_under_14", is_minor=True,
                        action="minor_temporary_guardianship"),
              encounter(started + timedelta(minutes=9), suspected_mental_illness=True, action="mental_health_institution"),
              encounter(started + timedelta(minutes=12), age_band="age_60_79", is_elderly=True, action="family_took_home")]
    _, r = await submit(client, headers, patrol_body(zone, started, people, weather="cold_wave"))
    assert r.status_code == 201, r.text
    assert sorted(e["action"] for e in r.json()["encounters"]) == [
        "family_took_home", "mental_health_institution", "minor_temporary_guardianship"]
    # Version 1 never had these actions: a patrol pinned to it may not use them.
    _, r = await submit(client, headers, patrol_body(zone, started, people[:1], template_version=1,
                                                     answers={key: {"result": "compliant"} for key in CHECKS}))
    assert r.status_code == 422 and "encounters[0].action" in [d["field"] for d in r.json()["details"]]
