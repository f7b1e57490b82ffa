"""The schematic risk map (风险四色图): a tile per child region with its tier counts, the rated sites as points, scoped
like the board; a national map is capped; a 天地图 key is handed out only when configured."""

from __future__ import annotations

from tests.api.test_risk import LZ, LZ2, TS, _world
from tests.conftest import login
from tests.integration.jobs import factory


async def test_the_province_map_has_a_tile_per_prefecture_and_every_rated_site_as_a_point(client, demo, as_user):
    await _world(demo)
    headers = await as_user("supervisor")
    board = (await client.get("/api/risk/board", headers=headers)).json()
    r = await client.get("/api/risk/map", headers=headers)
    assert r.status_code == 200, r.text
    m = r.json()
    assert m["region"]["code"] == "620000" and m["counts"] == board["counts"]
    assert m["children"] == board["children"]  # the same counts as the board's table
    assert len(m["children"]) == 14
    tiers = {p["site_id"]: p["tier"] for p in m["points"]}
    assert tiers[demo.sites[LZ]] == "red" and tiers[demo.sites[LZ2]] == "orange" and tiers[demo.sites[TS]] == "orange"
    assert [p["tier"] for p in m["points"][:3]] == ["red", "orange", "orange"]  # worst first
    assert m["points_total"] == len(m["points"]) <= sum(m["counts"].values())
    b = m["bounds"]
    assert all(b["south"] <= p["lat"] <= b["north"] and b["west"] <= p["lng"] <= b["east"] for p in m["points"])
    assert m["tianditu_key"] is None
    assert set(m["points"][0]) == {"site_id", "name", "tier", "lat", "lng"}


async def test_a_county_supervisor_sees_only_their_countys_tiles_and_points(client, demo):
    await _world(demo)
    await factory.supervisor("sup_chengguan", demo.regions["620102"])
    headers = await login(client, "sup_chengguan")
    m = (await client.get("/api/risk/map", headers=headers)).json()
    assert m["region"]["code"] == "620102"
    ids = {p["site_id"] for p in m["points"]}
    assert demo.sites[LZ] in ids and demo.sites[LZ2] not in ids and demo.sites[TS] not in ids
    assert m["counts"]["red"] == 1 and m["counts"]["orange"] == 0
    assert all(c["code"].startswith("620102") for c in m["children"])
    for other in ("620103", "620100", "620500", "620000"):
        r = await client.get(f"/api/risk/map?region={demo.regions[other]}", headers=headers)
        assert r.status_code == 404, other
    assert (await client.get("/api/risk/map?region=999999", headers=headers)).status_code == 404


async def test_a_national_map_returns_at_most_the_cap_worst_first_and_says_how_many(client, demo, as_user,
                                                                                    monkeypatch):
    await _world(demo)
    from xunjian.risk import map as risk_map

    monkeypatch.setattr(risk_map, "MAP_POINTS", 2)
    m = (await client.get("/api/risk/map", headers=await as_user("admin"))).json()
    assert m["points_cap"] == 2 and len(m["points"]) == 2
    assert m["points_total"] > 2
    assert [p["tier"] for p in m["points"]] == ["red", "orange"]


async def test_the_tianditu_key_is_given_only_when_configured(app, client, demo, as_user):
    headers = await as_user("inspector")
    assert (await client.get("/api/risk/map", headers=headers)).json()["tianditu_key"] is None
    app.state.settings = app.state.settings.with_(tianditu_key="browser-key")
    assert (await client.get("/api/risk/map", headers=headers)).json()["tianditu_key"] == "browser-key"
    assert (await client.get("/api/risk/map", headers=await as_user("manager"))).status_code == 403


def test_the_pages_may_load_tianditu_tiles_only_with_a_key():
    from xunjian.app import _csp
    from xunjian.config import Settings

    assert "tianditu" not in _csp(Settings())
    assert "img-src 'self' data: blob: https://*.tianditu.gov.cn;" in _csp(Settings(tianditu_key="k"))
