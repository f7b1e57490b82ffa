"""Thirty concurrent writers on the embedded database all succeed (IMMEDIATE transactions queue, never fail)."""

import asyncio

import pytest


async def test_thirty_concurrent_read_then_write_transactions(client, demo, backend):
    """SQLite's IMMEDIATE transactions serialise writers, so even a naive read-then-write loses nothing.
    (PostgreSQL code relies on unique constraints and row locks instead; READ COMMITTED would lose updates here.)"""
    if backend.name != "sqlite":
        pytest.skip("SQLite locking semantics")
    from xunjian import db
    from xunjian.sites.tables import Site

    site_id = demo.sites["YL-620102-001"]

    async def bump():
        async with db.write_transaction():
            row = await Site.select(Site.approved_beds).where(Site.id == site_id).first()
            await asyncio.sleep(0)  # let the others interleave between the read and the write
            await Site.update({Site.approved_beds: row["approved_beds"] + 1}).where(Site.id == site_id)

    before = (await Site.select(Site.approved_beds).where(Site.id == site_id).first())["approved_beds"]
    results = await asyncio.gather(*[bump() for _ in range(30)], return_exceptions=True)
    assert [r for r in results if isinstance(r, Exception)] == []
    after = (await Site.select(Site.approved_beds).where(Site.id == site_id).first())["approved_beds"]
    assert after == before + 30  # no lost update


async def test_thirty_concurrent_api_writers(client, demo, as_user):
    admin = await as_user("admin")

    async def create(i):
        return await client.post("/api/admin/sites", headers=admin, json={
            "kind": "lottery_outlet", "code": f"FC-C{i:03d}", "name": f"并发投注站{i}",
            "region_id": demo.regions["620102"], "lat": 36.05, "lng": 103.8})

    responses = await asyncio.gather(*[create(i) for i in range(30)])
    assert [r.status_code for r in responses] == [201] * 30
    r = await client.get("/api/sites?q=并发投注站&limit=100", headers=admin)
    assert r.json()["total"] == 30


async def test_write_transactions_reuse_the_pools_connections(client, demo, backend, monkeypatch):
    """A write transaction runs on a pooled connection: a hundred of them open no connection (and no thread) of
    their own, and one that fails leaves the pool usable with nothing written."""
    if backend.name != "sqlite":
        pytest.skip("the embedded engine's pool")
    import aiosqlite

    from xunjian import db
    from xunjian.sites.tables import Site

    site_id = demo.sites["YL-620102-001"]
    engine = db.current_engine()

    async def bump():
        async with db.write_transaction():
            row = await Site.select(Site.approved_beds).where(Site.id == site_id).first()
            await Site.update({Site.approved_beds: row["approved_beds"] + 1}).where(Site.id == site_id)

    await bump()
    before = (await Site.select(Site.approved_beds).where(Site.id == site_id).first())["approved_beds"]
    opened = []
    connect = aiosqlite.connect
    monkeypatch.setattr(aiosqlite, "connect", lambda *a, **k: opened.append(1) or connect(*a, **k))
    await asyncio.gather(*[bump() for _ in range(100)])
    assert len(opened) <= engine.pool_size

    with pytest.raises(RuntimeError):
        async with db.write_transaction():
            await Site.update({Site.approved_beds: 0}).where(Site.id == site_id)
            raise RuntimeError("half-way")
    after = (await Site.select(Site.approved_beds).where(Site.id == site_id).first())["approved_beds"]
    assert after == before + 100  # the failed one rolled back; the pool still answers
