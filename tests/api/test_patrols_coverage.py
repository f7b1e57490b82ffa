"""Coverage on the supervisor's board: zones patrolled in time, late or never; cold-wave campaigns make it daily."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta, timezone

from tests.api.test_patrols import patrol_body, three_encounters
from xunjian.patrols import rules


def _today_start(now: datetime) -> datetime:
    return datetime.combine(rules.local_date(now), time(0), tzinfo=rules.LOCAL_TZ).astimezone(timezone.utc)


async def _patrol(client, headers, zone_id: int, started: datetime, encounters=None) -> None:
    body = patrol_body(zone_id, started, encounters or [], ended=False)
    r = await client.put(f"/api/patrols/{uuid.uuid4()}", json=body, headers=headers)
    assert r.status_code == 201, r.text


async def _coverage(client, headers, **params) -> dict:
    r = await client.get("/api/patrols/coverage", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_zone_not_patrolled_within_a_week_is_late_and_one_never_patrolled_says_so(client, demo, as_user):
    now = datetime.now(timezone.utc).replace(microsecond=0)
    inspector = await as_user("inspector")
    await _patrol(client, inspector, demo.sites["XC-620102-01"], now - timedelta(days=8))
    await _patrol(client, inspector, demo.sites["XC-620102-02"], now - timedelta(days=2))
    board = await _coverage(client, await as_user("supervisor"))
    zones = {z["code"]: z for z in board["zones"]}
    assert zones["XC-620102-01"]["status"] == "late" and zones["XC-620102-01"]["frequency_days"] == 7
    assert zones["XC-620102-02"]["status"] == "in_time"
    assert zones["XC-620902-01"]["status"] == "never" and zones["XC-620902-01"]["last_patrol_at"] is None
    assert board["counts"] == {"in_time": 1, "late": 1, "never": 2}
    # An inspector sees the zones of their own region only.
    own = await _coverage(client, await as_user("inspector2"))
    assert [z["code"] for z in own["zones"]] == ["XC-620502-01"]


async def test_an_active_cold_wave_campaign_makes_yesterdays_patrol_late(client, demo, as_user):
    now = datetime.now(timezone.utc).replace(microsecond=0)
    inspector, inspector2 = await as_user("inspector"), await as_user("inspector2")
    await _patrol(client, inspector, demo.sites["XC-620102-01"], now - timedelta(days=1))
    await _patrol(client, inspector, demo.sites["XC-620102-02"], max(now - timedelta(minutes=1), _today_start(now)))
    await _patrol(client, inspector2, demo.sites["XC-620502-01"], now - timedelta(days=1))
    supervisor = await as_user("supervisor")
    before = {z["code"]: z["status"] for z in (await _coverage(client, supervisor))["zones"]}
    assert before["XC-620102-01"] == "in_time"

    r = await client.post("/api/admin/campaigns", json={
        "region_id": demo.regions["620100"], "tag": "寒冬送温暖",
        "starts_at": (now - timedelta(hours=12)).isoformat(), "ends_at": (now + timedelta(days=10)).isoformat(),
    }, headers=await as_user("admin"))
    assert r.status_code == 201 and r.json()["active"] is True
    zones = {z["code"]: z for z in (await _coverage(client, supervisor))["zones"]}
    assert zones["XC-620102-01"]["cold_wave"] and zones["XC-620102-01"]["frequency_days"] == 1
    assert zones["XC-620102-01"]["status"] == "late"
    assert zones["XC-620102-02"]["status"] == "in_time"
    # The campaign is Lanzhou's: Tianshui stays weekly.
    assert not zones["XC-620502-01"]["cold_wave"] and zones["XC-620502-01"]["status"] == "in_time"
    # Only an admin declares campaigns.
    r = await client.post("/api/admin/campaigns", json={
        "region_id": demo.regions["620100"], "tag": "寒冬送温暖", "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(days=1)).isoformat()}, headers=supervisor)
    assert r.status_code == 403


async def test_open_cases_by_age_on_the_board(client, demo, as_user):
    now = datetime.now(timezone.utc).replace(microsecond=0)
    inspector = await as_user("inspector")
    started = now - timedelta(hours=3)
    await _patrol(client, inspector, demo.sites["XC-620102-01"], started, three_encounters(started))
    board = await _coverage(client, await as_user("supervisor"))
    assert board["open_cases"]["total"] == 2
    assert board["open_cases"]["by_age"] == {"under_1d": 2, "1_to_3d": 0, "3_to_7d": 0, "over_7d": 0}
    assert {z["code"]: z["open_cases"] for z in board["zones"]}["XC-620102-01"] == 2
    assert (await _coverage(client, await as_user("inspector2")))["open_cases"]["total"] == 0
