"""A patrol's route on the map: the track for whoever may see the patrol; where people were met and the action taken
only for those who may see the people, and nothing else of them; read audited as the patrol is."""

from __future__ import annotations

from tests.api.test_patrols import ZONE_LZ, patrol_body, recent_start, submit, three_encounters
from tests.conftest import DEMO_PASSWORD, login
from xunjian.accounts import service as accounts
from xunjian.accounts.schemas import UserCreate
from xunjian.audit.tables import AuditEvent


async def _patrol(client, demo, as_user) -> str:
    started = recent_start()
    patrol_id, r = await submit(client, await as_user("inspector"),
                                patrol_body(demo.sites[ZONE_LZ], started, three_encounters(started)))
    assert r.status_code == 201, r.text
    return patrol_id


async def test_a_supervisor_sees_the_track_and_where_people_were_met_with_the_action_only(client, demo, as_user):
    patrol_id = await _patrol(client, demo, as_user)
    r = await client.get(f"/api/patrols/{patrol_id}/route", headers=await as_user("supervisor"))
    assert r.status_code == 200, r.text
    route = r.json()
    assert [p["lat"] for p in route["track"]] == [36.034, 36.035, 36.036, 36.037]
    assert [e["action"] for e in route["encounters"]] == ["escorted", "refused_supplies_given", "persuaded_to_station"]
    assert all(set(e) == {"lat", "lng", "action"} for e in route["encounters"])
    events = await AuditEvent.select(AuditEvent.actor_name).where(
        (AuditEvent.action == "patrol.read_people") & (AuditEvent.entity_id == patrol_id))
    assert [e["actor_name"] for e in events] == ["supervisor"]


async def test_another_inspector_of_the_region_sees_the_track_not_the_people(client, demo, as_user):
    patrol_id = await _patrol(client, demo, as_user)
    await accounts.create_user(None, UserCreate(
        username="inspector_lz2", password=DEMO_PASSWORD, role="inspector", display_name="兰州市检查员 二",
        region_ids=[demo.regions["620100"]], site_ids=[]))
    route = (await client.get(f"/api/patrols/{patrol_id}/route", headers=await login(client, "inspector_lz2"))).json()
    assert len(route["track"]) == 4 and route["encounters"] is None
    events = await AuditEvent.select(AuditEvent.action).where(
        (AuditEvent.actor_name == "inspector_lz2") & (AuditEvent.entity_id == patrol_id))
    assert [e["action"] for e in events] == ["patrol.read"]
    for user in ("inspector2", "manager"):
        assert (await client.get(f"/api/patrols/{patrol_id}/route", headers=await as_user(user))).status_code == 404
