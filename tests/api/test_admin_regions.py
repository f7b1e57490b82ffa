"""Admins add towns and street sub-districts (乡镇/街道) under counties; the tree is drawable from GET /api/regions."""

from __future__ import annotations


async def test_townships_under_counties_only(client, demo, as_user):
    admin, inspector = await as_user("admin"), await as_user("inspector")
    county, prefecture = demo.regions["620102"], demo.regions["620100"]
    before = (await client.get("/api/regions", headers=inspector)).json()["items"]  # fills the cache
    r = await client.post("/api/admin/regions", headers=admin,
                          json={"code": "620102010", "name": "雁北街道", "level": "township", "parent_id": county})
    assert r.status_code == 201, r.text
    created = r.json()
    assert (created["level"], created["parent_id"], created["path"]) == ("township", county,
                                                                         "/620000/620100/620102/620102010/")
    # Visible at once, with what the PWA needs to draw the tree.
    items = (await client.get("/api/regions", headers=inspector)).json()["items"]
    assert len(items) == len(before) + 1
    row = next(x for x in items if x["code"] == "620102010")
    assert set(row) == {"id", "code", "name", "level", "parent_id", "path"} and row["name"] == "雁北街道"
    assert all(x["path"].endswith(f"/{x['code']}/") for x in items)
    for body, status in [
        ({"code": "620102010", "name": "重复", "level": "township", "parent_id": county}, 409),
        ({"code": "620100011", "name": "乡", "level": "township", "parent_id": prefecture}, 422),
        ({"code": "620102012", "name": "县", "level": "county", "parent_id": county}, 422),
        ({"code": "620102013", "name": "乡", "level": "township", "parent_id": created["id"]}, 422),
        ({"code": "620102014", "name": "乡", "level": "township", "parent_id": 999999}, 422),
        ({"code": "620102015", "name": "乡", "level": "township"}, 422),
        ({"code": "62010x016", "name": "乡", "level": "township", "parent_id": county}, 422),
        ({"code": "620102017", "name": "", "level": "township", "parent_id": county}, 422),
        ({"code": "620102018", "name": "名" * 65, "level": "township", "parent_id": county}, 422),
        ({"code": "620102019", "name": "a\nb", "level": "township", "parent_id": county}, 422),
        ({"code": "620102020", "name": "乡", "level": "village", "parent_id": county}, 422),
    ]:
        r = await client.post("/api/admin/regions", headers=admin, json=body)
        assert (r.status_code, set(r.json())) == (status, {"code", "message", "details"}), (body, r.text)
    assert len((await client.get("/api/regions", headers=inspector)).json()["items"]) == len(before) + 1
