"""GET /api/patrols/counts: aggregates only, scoped, bounded, the same before and after the person retention."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from tests.api.test_patrols import ZONE_LZ, encounter, patrol_body, recent_start, submit
from xunjian.patrols import counts as counts_service
from xunjian.patrols.retention import purge_patrol_data
from xunjian.patrols.tables import Encounter, EncounterCount, PersonRecord


async def test_counts_are_aggregates_and_the_same_before_and_after_a_person_purge(client, demo, as_user, settings, app):
    inspector, supervisor = await as_user("inspector"), await as_user("supervisor")
    started = recent_start()
    met = [encounter(started + timedelta(minutes=5), details="桥洞下", is_elderly=True, age_band="age_60_79"),
           encounter(started + timedelta(minutes=15), age_band="age_60_79"),
           encounter(started + timedelta(minutes=25), sex="female", age_band="age_18_59")]
    _, r = await submit(client, inspector, patrol_body(demo.sites[ZONE_LZ], started, met))
    assert r.status_code == 201, r.text
    for case in (e["case"] for e in r.json()["encounters"] if e["case"]):
        r = await client.post(f"/api/follow-up-cases/{case['id']}/close", json={"outcome": "declined_after_follow_up"},
                              headers=inspector)
        assert r.status_code == 200
    r = await client.post("/api/persons", json={"site_id": demo.sites[ZONE_LZ], "sex": "male", "age_band": "age_60_79",
                                                "encounter_id": met[0]["id"]}, headers=supervisor)
    assert r.status_code == 201, r.text
    until = (datetime.now(timezone.utc) + timedelta(days=1)).date().isoformat()
    r = await client.get("/api/patrols/counts", params={"until": until}, headers=supervisor)
    assert r.status_code == 200, r.text
    before = r.json()
    assert before["total"] == 3
    assert sorted((i["zone_id"], i["sex"], i["age_band"], i["encounters"]) for i in before["items"]) == [
        (demo.sites[ZONE_LZ], "female", "age_18_59", 1), (demo.sites[ZONE_LZ], "male", "age_60_79", 2)]
    assert "桥洞下" not in r.text and met[0]["id"] not in r.text  # nothing about a person

    # An admin without the personal-data grant reads the counts (aggregate), an inspector does not.
    assert (await client.get("/api/patrols/counts", params={"until": until}, headers=await as_user("admin"))).json() \
        == before
    assert (await client.get("/api/patrols/counts", headers=inspector)).status_code == 403

    now = datetime.now(timezone.utc)
    purged = await purge_patrol_data(now + timedelta(days=731), settings, app.state.photo_store)
    assert purged["persons_purged"] == 1 and purged["person_encounters_deleted"] == 1
    assert await PersonRecord.count() == 0 and await Encounter.count() == 2 and await EncounterCount.count() == 1
    r = await client.get("/api/patrols/counts", params={"until": until}, headers=supervisor)
    assert r.json() == before, "the purge moves one encounter into the counts, the figures stay"


async def test_counts_are_bounded_and_scoped(client, demo, as_user):
    supervisor = await as_user("supervisor")
    today = date.today()
    for params, field in (({"since": today.isoformat(), "until": (today - timedelta(days=1)).isoformat()}, "since"),
                          ({"since": (today - timedelta(days=400)).isoformat(), "until": today.isoformat()}, "until"),
                          ({"since": "yesterday"}, None)):
        r = await client.get("/api/patrols/counts", params=params, headers=supervisor)
        assert r.status_code in (400, 422) and set(r.json()) == {"code", "message", "details"}, r.text
        if field:
            assert [d["field"] for d in r.json()["details"]] == [field]
    # null is not "no bound": it was read as one left out, and the answer covered the default period instead.
    for name in ("since", "until"):
        r = await client.get("/api/patrols/counts", params={name: "null"}, headers=supervisor)
        assert r.status_code == 422 and set(r.json()) == {"code", "message", "details"}, r.text
        assert [d["key"] for d in r.json()["details"]] == [name]
    started = recent_start()
    _, r = await submit(client, await as_user("inspector"), patrol_body(demo.sites[ZONE_LZ], started,
                                                                        [encounter(started + timedelta(minutes=5))]))
    assert r.status_code == 201, r.text
    until = (today + timedelta(days=1)).isoformat()
    r = await client.get("/api/patrols/counts", params={"until": until}, headers=supervisor)
    assert r.json()["total"] == 1
    # The region filter narrows within the scope: 天水 holds none of it; the lottery centre reads no patrol data.
    r = await client.get("/api/patrols/counts", params={"until": until, "region": demo.regions["620500"]},
                         headers=supervisor)
    assert r.status_code == 200 and r.json()["total"] == 0
    r = await client.get("/api/patrols/counts", params={"until": until, "region": demo.regions["620100"]},
                         headers=supervisor)
    assert r.json()["total"] == 1
    assert (await client.get("/api/patrols/counts", headers=await as_user("lottery"))).status_code == 403


async def test_the_default_period_ends_on_the_beijing_date_and_a_since_alone_reads_a_year_from_it(
        client, demo, as_user, monkeypatch):
    supervisor = await as_user("supervisor")
    # 16:30 UTC is 00:30 the next day in Beijing: "today" is that next day, whatever the server's own zone.
    utc_day = datetime.now(timezone.utc).date() - timedelta(days=10)
    moment = datetime(utc_day.year, utc_day.month, utc_day.day, 16, 30, tzinfo=timezone.utc)
    monkeypatch.setattr(counts_service, "utcnow", lambda: moment)
    beijing = utc_day + timedelta(days=1)

    async def period(**params) -> tuple[str, str]:
        r = await client.get("/api/patrols/counts", params=params, headers=supervisor)
        assert r.status_code == 200, r.text
        return r.json()["since"], r.json()["until"]

    monday = lambda d: (d - timedelta(days=d.weekday())).isoformat()  # noqa: E731
    assert await period() == (monday(beijing - timedelta(weeks=12)), beijing.isoformat())
    # since alone: to today when that is within a year, else the year from since (not a refusal).
    recent = beijing - timedelta(days=30)
    assert await period(since=recent.isoformat()) == (monday(recent), beijing.isoformat())
    old = beijing - timedelta(days=500)
    assert await period(since=old.isoformat()) == (monday(old), (old + timedelta(days=366)).isoformat())
    # A since after the Beijing today is still refused, naming since; so is an explicit period over a year.
    for params, field in (({"since": (beijing + timedelta(days=1)).isoformat()}, "since"),
                          ({"since": old.isoformat(), "until": beijing.isoformat()}, "until")):
        r = await client.get("/api/patrols/counts", params=params, headers=supervisor)
        assert r.status_code == 422 and [d["field"] for d in r.json()["details"]] == [field], r.text


async def test_the_openapi_states_the_counts_vocabularies_and_the_periods_bounds(client):
    """What the fuzzing and an integrator read: the same enums as an encounter, dates as dates, the bounds said."""
    doc = (await client.get("/schema/openapi.json")).json()
    schemas = doc["components"]["schemas"]
    row, encounter_in = schemas["CountRow"]["properties"], schemas["EncounterIn"]["properties"]
    for field in ("sex", "age_band", "action"):
        assert row[field]["enum"] == encounter_in[field]["enum"], field
    assert row["week_start"]["format"] == "date" and schemas["CountsRead"]["properties"]["until"]["format"] == "date"
    params = {p["name"]: p for p in doc["paths"]["/api/patrols/counts"]["get"]["parameters"]}
    assert "Asia/Shanghai" in params["until"]["description"] and "with since alone" in params["until"]["description"]
    assert "366 days" in params["until"]["description"] and "not after until" in params["since"]["description"]
    assert params["region"]["schema"]["minimum"] == 1
