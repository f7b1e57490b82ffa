"""cleanup_photos: unreferenced photos go 24 h after upload; objects without a row go once past the grace period."""

import uuid
from datetime import datetime, timedelta, timezone

from tests.integration.photos import support
from xunjian.photos import rules
from xunjian.photos.links import link_photos
from xunjian.photos.service import cleanup_photos
from xunjian.photos.tables import Photo


async def put_photo(client, headers, **kw):
    photo_id = uuid.uuid4()
    r = await client.put(f"/api/photos/{photo_id}", content=support.jpeg(**kw),
                         headers={**headers, "Content-Type": "image/jpeg"})
    assert r.status_code == 201, r.text
    return photo_id


def files(settings):
    return {p.relative_to(settings.photo_dir).as_posix() for p in settings.photo_dir.rglob("*") if p.is_file()}


async def test_cleanup_deletes_unreferenced_photos_and_orphans(app, client, demo, as_user, settings):
    store = app.state.photo_store
    headers = await as_user("inspector")
    now = datetime.now(timezone.utc)
    lonely = await put_photo(client, headers, color=(1, 2, 3))
    linked = await put_photo(client, headers, color=(4, 5, 6))
    fresh = await put_photo(client, headers, color=(7, 8, 9))
    await link_photos(demo.users["inspector"], [linked], "finding", 1, demo.sites["YL-620102-001"])
    await Photo.update({Photo.created_at: now - timedelta(hours=30)}).where(Photo.id.is_in([lonely, linked]))
    orphan = rules.object_keys(uuid.uuid4(), "ab" * 32, "image/jpeg").original
    await store.put(orphan, b"left by a crashed upload", "image/jpeg")
    assert len(files(settings)) == 10

    counts = await cleanup_photos(now, store)
    assert counts == {"unreferenced_deleted": 1, "orphan_objects_deleted": 0}  # the orphan is still in its grace
    remaining = {r["id"] for r in await Photo.select(Photo.id)}
    assert remaining == {linked, fresh}
    assert not any(f.startswith(str(lonely)) for f in files(settings))

    counts = await cleanup_photos(now + timedelta(hours=2), store)
    assert counts == {"unreferenced_deleted": 0, "orphan_objects_deleted": 1}
    assert len(files(settings)) == 6 and orphan not in files(settings)

    # A day later the fresh photo, still referenced by nothing, goes as well.
    counts = await cleanup_photos(now + timedelta(hours=25), store)
    assert counts == {"unreferenced_deleted": 1, "orphan_objects_deleted": 0}
    assert {r["id"] for r in await Photo.select(Photo.id)} == {linked}
    assert len(files(settings)) == 3


async def test_cleanup_is_registered_as_a_job():
    import xunjian.photos.job  # noqa: F401
    from xunjian.jobs.registry import JOBS

    assert "photo_cleanup" in JOBS
