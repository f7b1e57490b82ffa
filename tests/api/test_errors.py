import pytest


async def test_unknown_route_and_method_use_the_error_body(client):
    r = await client.get("/api/nothing-here")
    assert r.status_code == 404 and set(r.json()) == {"code", "message", "details"}
    r = await client.delete("/healthz")
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"


async def test_malformed_bodies_are_4xx_never_500(client, demo, as_user):
    admin = await as_user("admin")
    bad_bodies = [b"{not json", b"[]", b'{"kind": 5}', b"", b'{"kind":"eldercare","code":"x","name":"y","region_id":"a"}',
                  "{\"kind\":\"eldercare\",\"code\":\"\u0000\"}".encode()]
    for body in bad_bodies:
        r = await client.post("/api/admin/sites", headers={**admin, "content-type": "application/json"}, content=body)
        assert 400 <= r.status_code < 500, (body, r.status_code, r.text)
        assert set(r.json()) == {"code", "message", "details"}


async def test_login_validation(client):
    r = await client.post("/api/auth/login", json={"username": "a"})
    assert r.status_code == 422 and r.json()["code"] == "invalid"
    r = await client.post("/api/auth/login", json={"username": "a", "password": "b", "extra": 1})
    assert r.status_code == 422


async def test_ids_beyond_the_database_range_are_invalid_not_500(client, demo, as_user):
    admin = await as_user("admin")
    r = await client.patch("/api/admin/users/468060121983815", headers=admin,
                           json={"role": "inspector", "region_ids": [-2274862181]})
    assert r.status_code in (404, 422) and set(r.json()) == {"code", "message", "details"}
    r = await client.get(f"/api/sites/{2**70}", headers=admin)
    assert r.status_code in (404, 422)


async def test_large_responses_are_gzipped_for_phones(client, demo, as_user):
    r = await client.get("/api/regions", headers={**(await as_user("inspector")), "Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers.get("content-encoding") == "gzip"
    assert len(r.json()["items"]) == 39  # httpx decoded it


async def test_sqlite_lock_held_by_another_process_is_503_with_retry_after(app, client, demo, as_user, backend):
    """Another process (here a plain sqlite3 connection) holds the write lock longer than our busy timeout: the
    write is answered 503 with Retry-After and the uniform body, not 500."""
    if backend.name != "sqlite":
        pytest.skip("SQLite's write lock")
    import asyncio
    import sqlite3
    import threading
    import uuid

    from .checklist_answers import payload

    headers = await as_user("inspector")
    engine = app.state.engine
    engine.connection_kwargs["timeout"] = 0.2  # our busy timeout, shortened so that the test does not wait 30 s
    await engine.close_pool()  # the pool's connections were opened with the 30 s timeout (the test waited 30 s)
    other = sqlite3.connect(engine.path, isolation_level=None)
    threads_before = set(threading.enumerate())
    try:
        other.execute("BEGIN IMMEDIATE")
        r = await client.put(f"/api/inspections/{uuid.uuid4()}", headers=headers,
                             json=payload(demo.sites["YL-620102-001"], status="draft"))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert r.status_code == 503, r.text
    assert r.json()["code"] == "database_busy" and set(r.json()) == {"code", "message", "details"}
    assert int(r.headers["Retry-After"]) > 0
    # The transaction's own connection is closed too: its worker thread (not a daemon) once outlived the failed
    # BEGIN, one per busy answer, and kept the process from exiting.
    for _ in range(50):
        leaked = [t for t in set(threading.enumerate()) - threads_before if t.is_alive() and not t.daemon]
        if not leaked:
            break
        await asyncio.sleep(0.02)
    assert leaked == []


async def test_head_answers_like_get_without_a_body(client, demo, as_user):
    headers = await as_user("inspector")
    for path, auth in [("/healthz", {}), ("/", {}), ("/api/sites", headers), ("/api/sites", {}),
                       (f"/api/sites/{demo.sites['YL-620102-001']}", headers), ("/api/nothing-here", headers)]:
        get, head = await client.get(path, headers=auth), await client.head(path, headers=auth)
        assert head.status_code == get.status_code, path
        assert head.content == b""
        assert head.headers.get("content-type") == get.headers.get("content-type"), path
    assert (await client.head("/api/auth/login")).status_code == 405  # no GET there, no HEAD either


async def test_options_allows_exactly_the_methods_the_path_serves(client):
    zero = "00000000-0000-0000-0000-000000000000"
    expected = {
        "/api/me": {"GET", "HEAD", "PATCH", "OPTIONS"},
        f"/api/inspections/{zero}": {"GET", "HEAD", "PUT", "OPTIONS"},
        "/api/auth/login": {"POST", "OPTIONS"},
        "/api/admin/users/1": {"GET", "HEAD", "PATCH", "OPTIONS"},
        f"/api/encounters/{zero}/person": {"PUT", "DELETE", "OPTIONS"},
    }
    for path, methods in expected.items():
        r = await client.options(path)
        assert r.status_code == 204
        assert set(r.headers["allow"].split(", ")) == methods, path
        for method in {"GET", "POST", "PUT", "PATCH", "DELETE"} - methods:
            assert (await client.request(method, path)).status_code == 405, (method, path)
