async def test_health_and_login(client, demo, as_user):
    assert (await client.get("/healthz")).status_code == 200
    r = await client.get("/readyz")
    assert r.status_code == 200 and r.json()["checks"]["database"] is True
    for name in ["admin", "supervisor", "inspector", "inspector2", "manager", "manager2"]:
        headers = await as_user(name)
        me = await client.get("/api/me", headers=headers)
        assert me.status_code == 200 and me.json()["username"] == name
