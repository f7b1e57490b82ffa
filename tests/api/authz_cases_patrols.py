"""Authorization matrix of the patrol endpoints.

Bodies that must name records created by `setup` (a zone, a person, a region) are module-level dicts that `setup`
fills in place before every unsafe request: the harness sends `case.body` as it is.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from tests.api.authz import Case

PATROL_BODY: dict = {}
LINK_BODY: dict = {}
PERSON_BODY: dict = {}
CAMPAIGN_BODY: dict = {}

STAFF_ONLY = {"admin": 200, "supervisor": 200, "inspector": 200, "inspector2": 200, "manager": 403, "manager2": 403,
              "lottery": 403}
# The people met and the person register: an admin without the personal-data grant gets 404; `privacy` holds it.
LZ_PEOPLE = {"admin": 404, "supervisor": 200, "inspector": 200, "inspector2": 404, "manager": 404, "manager2": 404,
             "lottery": 404, "privacy": 200}
REGISTRAR_LZ = {"admin": 404, "supervisor": 200, "inspector": 403, "inspector2": 403, "manager": 404,
                "manager2": 404, "lottery": 404, "privacy": 200}


def _patrol(zone_id: int, minor: bool = True) -> dict:
    started = (datetime.now(timezone.utc) - timedelta(hours=2)).replace(microsecond=0)
    return {
        "zone_id": zone_id, "started_at": started.isoformat(), "ended_at": (started + timedelta(hours=1)).isoformat(),
        "team": ["巡查队员"], "weather": "snow", "place_types": ["station"],
        "answers": {k: "yes" for k in ("key_places_covered", "supplies_carried", "vulnerable_escorted")},
        "encounters": [{
            "id": str(uuid.uuid4()), "met_at": (started + timedelta(minutes=10)).isoformat(), "sex": "female",
            "age_band": "age_14_17" if minor else "age_18_59", "is_minor": minor, "action": "escorted",
            "features": ["蓝色外套"],
        }],
    }


async def setup(client, demo, as_user) -> dict[str, str]:
    zone_lz, zone_ts = demo.sites["XC-620102-01"], demo.sites["XC-620502-01"]
    lz = _patrol(zone_lz)
    lz_id = str(uuid.uuid4())
    r = await client.put(f"/api/patrols/{lz_id}", json=lz, headers=await as_user("inspector"))
    assert r.status_code == 201, r.text
    encounter = r.json()["encounters"][0]
    ts_id = str(uuid.uuid4())
    r = await client.put(f"/api/patrols/{ts_id}", json=_patrol(zone_ts), headers=await as_user("inspector2"))
    assert r.status_code == 201, r.text
    supervisor = await as_user("supervisor")
    # A person linked to the Lanzhou encounter, and one more to link in the PUT case.
    r = await client.post("/api/persons", json={"site_id": zone_lz, "sex": "female", "age_band": "age_14_17",
                                                "features": ["蓝色外套"], "encounter_id": encounter["id"]},
                          headers=supervisor)
    assert r.status_code == 201, r.text
    person_lz = r.json()["id"]
    unlinked = _patrol(zone_lz, minor=False)
    r = await client.put(f"/api/patrols/{uuid.uuid4()}", json=unlinked, headers=await as_user("inspector"))
    assert r.status_code == 201, r.text
    r = await client.post("/api/persons", json={"site_id": zone_lz, "sex": "female", "age_band": "age_18_59"},
                          headers=supervisor)
    other_person = r.json()["id"]

    PATROL_BODY.clear()
    PATROL_BODY.update(_patrol(zone_lz))
    LINK_BODY.clear()
    LINK_BODY.update({"person_id": other_person})
    PERSON_BODY.clear()
    PERSON_BODY.update({"site_id": zone_lz, "sex": "male", "age_band": "age_60_79", "features": ["白发"]})
    now = datetime.now(timezone.utc)
    CAMPAIGN_BODY.clear()
    CAMPAIGN_BODY.update({"region_id": demo.regions["620100"], "tag": "寒冬送温暖", "starts_at": now.isoformat(),
                          "ends_at": (now + timedelta(days=7)).isoformat()})
    return {
        "new_patrol": str(uuid.uuid4()), "patrol_lz": lz_id, "patrol_ts": ts_id,
        "encounter_lz": encounter["id"], "encounter_unlinked": unlinked["encounters"][0]["id"],
        "case_lz": str(encounter["case"]["id"]), "person_lz": str(person_lz),
    }


CASES = [
    Case("PUT", "/api/patrols/{new_patrol}", {"admin": 201, "supervisor": 201, "inspector": 201, "inspector2": 422,
                                               "manager": 403, "manager2": 403, "lottery": 403}, body=PATROL_BODY),
    # The patrol itself is not personal data: an admin without the grant gets it, without the people (tested apart).
    Case("GET", "/api/patrols/{patrol_lz}", {**LZ_PEOPLE, "admin": 200}),
    Case("GET", "/api/patrols/{patrol_ts}", {"admin": 200, "supervisor": 200, "inspector": 404, "inspector2": 200,
                                              "manager": 404, "manager2": 404, "lottery": 404}),
    Case("GET", "/api/patrols/{patrol_lz}/route", {**LZ_PEOPLE, "admin": 200}),  # like the patrol: without people
    Case("GET", "/api/patrols/{patrol_ts}/route", {"admin": 200, "supervisor": 200, "inspector": 404,
                                                    "inspector2": 200, "manager": 404, "manager2": 404,
                                                    "lottery": 404}),
    Case("GET", "/api/patrols", STAFF_ONLY),
    Case("GET", "/api/patrols/coverage", STAFF_ONLY),
    Case("GET", "/api/patrols/notice", STAFF_ONLY),
    # aggregates only: no personal-data grant needed, supervisors and admins
    Case("GET", "/api/patrols/counts", {"admin": 200, "supervisor": 200, "inspector": 403, "inspector2": 403,
                                        "manager": 403, "manager2": 403, "lottery": 403}),
    Case("GET", "/api/encounters/{encounter_lz}", LZ_PEOPLE),
    Case("GET", "/api/encounters/{encounter_lz}/candidates", REGISTRAR_LZ),
    Case("PUT", "/api/encounters/{encounter_unlinked}/person", REGISTRAR_LZ, body=LINK_BODY),
    Case("DELETE", "/api/encounters/{encounter_lz}/person", REGISTRAR_LZ),
    Case("GET", "/api/follow-up-cases", STAFF_ONLY),
    Case("GET", "/api/follow-up-cases/{case_lz}", LZ_PEOPLE),
    Case("POST", "/api/follow-up-cases/{case_lz}/close", LZ_PEOPLE, body={"outcome": "placed_at_station"}),
    Case("GET", "/api/persons", {"admin": 404, "supervisor": 200, "inspector": 403, "inspector2": 403,
                                 "manager": 403, "manager2": 403, "lottery": 403, "privacy": 200}),
    Case("POST", "/api/persons", {"admin": 404, "supervisor": 201, "inspector": 403, "inspector2": 403,
                                  "manager": 403, "manager2": 403, "lottery": 403, "privacy": 201}, body=PERSON_BODY),
    Case("GET", "/api/persons/{person_lz}", LZ_PEOPLE),
    Case("PATCH", "/api/persons/{person_lz}", REGISTRAR_LZ, body={"tracing_status": "notice_published"}),
    Case("GET", "/api/campaigns", STAFF_ONLY),
    Case("POST", "/api/admin/campaigns", {"admin": 201, "supervisor": 403, "inspector": 403, "inspector2": 403,
                                          "manager": 403, "manager2": 403, "lottery": 403}, body=CAMPAIGN_BODY),
]
