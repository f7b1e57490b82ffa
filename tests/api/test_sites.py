async def test_scoped_listing_by_role(client, demo, as_user):
    async def codes(user, query=""):
        r = await client.get(f"/api/sites?limit=200{query}", headers=await as_user(user))
        assert r.status_code == 200
        return {s["code"] for s in r.json()["items"]}

    every = await codes("admin")
    assert len(every) == len(demo.sites) >= 20
    assert await codes("supervisor") == every  # the whole province
    lanzhou = await codes("inspector")
    tianshui = await codes("inspector2")
    assert "YL-620102-001" in lanzhou and "YL-620502-004" not in lanzhou
    assert "YL-620502-004" in tianshui and not (lanzhou & tianshui)
    assert await codes("manager") == {"YL-620102-001"}
    assert await codes("manager2") == {"YL-620502-004"}


async def test_filters_search_and_nearest_first(client, demo, as_user):
    admin = await as_user("admin")
    r = await client.get("/api/sites?kind=lottery_outlet&limit=200", headers=admin)
    assert {s["kind"] for s in r.json()["items"]} == {"lottery_outlet"} and r.json()["total"] == 7
    r = await client.get(f"/api/sites?region={demo.regions['620500']}&limit=200", headers=admin)
    assert all(s["code"].split("-")[1].startswith("6205") or s["code"].startswith(("FC-6205", "JZ-6205", "XC-6205"))
               for s in r.json()["items"])
    assert r.json()["total"] >= 4
    r = await client.get("/api/sites?q=福寿园", headers=admin)
    assert [s["code"] for s in r.json()["items"]] == ["YL-620102-001"]
    # Standing at 天水 railway station: the patrol zone there comes first, then other 天水 sites; 敦煌 last.
    r = await client.get("/api/sites?near=34.5818,105.8955&limit=200", headers=admin)
    items = r.json()["items"]
    assert items[0]["code"] == "XC-620502-01" and items[0]["distance_m"] < 50
    distances = [s["distance_m"] for s in items]
    assert distances == sorted(distances)
    assert items[-1]["code"] == "FC-62098202"
    assert all("lat" in s and "lng" in s for s in items)


async def test_near_respects_scope(client, demo, as_user):
    r = await client.get("/api/sites?near=34.5818,105.8955&limit=5", headers=await as_user("inspector"))
    assert all(not s["code"].startswith(("YL-6205", "FC-6205", "XC-6205")) for s in r.json()["items"])


async def test_bad_parameters_are_422(client, demo, as_user):
    admin = await as_user("admin")
    for query in ["near=abc", "near=100,500", "kind=castle", "limit=0", "limit=1000", "offset=-1", "region=abc"]:
        r = await client.get(f"/api/sites?{query}", headers=admin)
        assert r.status_code in (400, 422), (query, r.status_code)
        assert set(r.json()) == {"code", "message", "details"}
    assert (await client.get("/api/sites?region=999999", headers=admin)).status_code == 404


async def test_admin_creates_and_updates_sites(client, demo, as_user):
    admin = await as_user("admin")
    r = await client.post("/api/admin/sites", headers=admin, json={
        "kind": "eldercare", "code": "YL-NEW", "name": "新建养老院", "region_id": demo.regions["620102"],
        "lat": 36.05, "lng": 103.84})
    assert r.status_code == 422
    assert {d["field"] for d in r.json()["details"]} == {"ownership", "approved_beds"}
    r = await client.post("/api/admin/sites", headers=admin, json={
        "kind": "eldercare", "code": "YL-NEW", "name": "新建养老院", "region_id": demo.regions["620102"],
        "lat": 36.05, "lng": 103.84, "ownership": "private", "approved_beds": 40})
    assert r.status_code == 201 and r.json()["region_name"] == "城关区"
    site_id = r.json()["id"]
    headers = await as_user("inspector")
    assert (await client.get(f"/api/sites/{site_id}", headers=headers)).status_code == 200
    r = await client.patch(f"/api/admin/sites/{site_id}", headers=admin, json={"region_id": demo.regions["620502"]})
    assert r.status_code == 200
    # Moving the site to 天水 moves it out of the 兰州 inspector's scope at once.
    assert (await client.get(f"/api/sites/{site_id}", headers=headers)).status_code == 404
    r = await client.post("/api/admin/sites", headers=admin, json={
        "kind": "rescue_station", "code": "YL-NEW", "name": "重复", "region_id": 1, "lat": 36, "lng": 103})
    assert r.status_code == 409


async def test_regions_list_filters_and_shows_a_new_region_at_once(client, demo, as_user):
    """The regions list is cached in the app for a minute; adding a region must not wait for that."""
    inspector, admin = await as_user("inspector"), await as_user("admin")
    r = await client.get("/api/regions", headers=inspector)
    everything = {x["code"] for x in r.json()["items"]}
    assert {"620000", "620100", "620102"} <= everything
    r = await client.get(f"/api/regions?parent={demo.regions['620100']}", headers=inspector)
    children = {x["code"] for x in r.json()["items"]}
    assert "620102" in children and "620100" not in children and children < everything
    r = await client.get("/api/regions?level=prefecture", headers=inspector)
    assert {x["level"] for x in r.json()["items"]} == {"prefecture"} and len(r.json()["items"]) == 14
    r = await client.post("/api/admin/regions", headers=admin, json={
        "code": "620199", "name": "测试新区", "level": "county", "parent_id": demo.regions["620100"]})
    assert r.status_code == 201, r.text
    r = await client.get(f"/api/regions?parent={demo.regions['620100']}", headers=inspector)
    assert "620199" in {x["code"] for x in r.json()["items"]}
