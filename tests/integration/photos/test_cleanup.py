"""cleanup_photos: unreferenced photos go 24 h after upload; objects without a row and temporary files of interrupted
writes go once past the grace period."""

import os
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
    assert counts == {"unreferenced_deleted": 1, "orphan_objects_deleted": 0, "temporary_files_deleted": 0}  # the orphan is still in its grace
    remaining = {r["id"] for r in await Photo.select(Photo.id)}
    assert remaining == {linked, fresh}
    assert not any(f.startswith(str(lonely)) for f in files(settings))

    counts = await cleanup_photos(now + timedelta(hours=2), store)
    assert counts == {"unreferenced_deleted": 0, "orphan_objects_deleted": 1, "temporary_files_deleted": 0}
    assert len(files(settings)) == 6 and orphan not in files(settings)

    # A day later the fresh photo, still referenced by nothing, goes as well.
    counts = await cleanup_photos(now + timedelta(hours=25), store)
    assert counts == {"unreferenced_deleted": 1, "orphan_objects_deleted": 0, "temporary_files_deleted": 0}
    assert {r["id"] for r in await Photo.select(Photo.id)} == {linked}
    assert len(files(settings)) == 3


async def test_cleanup_removes_what_a_killed_upload_left_but_not_a_write_in_progress(app, client, demo, as_user,
                                                                                      settings):
    store = app.state.photo_store
    photo = await put_photo(client, await as_user("inspector"), color=(1, 2, 3))
    folder = next(settings.photo_dir.glob(f"{photo}/*"))
    now = datetime.now(timezone.utc)
    # What LocalPhotoStore.put leaves when its process is killed between writing and renaming: a temporary file
    # beside the photo's objects, and one in a folder of its own (the first object of an upload).
    killed_beside = folder / ".upload-beside"
    killed_alone = settings.photo_dir / str(uuid.uuid4()) / ("0" * 16) / ".upload-alone"
    in_progress = folder / ".upload-writing"
    killed_alone.parent.mkdir(parents=True)
    for path in (killed_beside, killed_alone, in_progress):
        path.write_bytes(b"half a photo")
    hours_ago = (now - timedelta(hours=2)).timestamp()
    for path in (killed_beside, killed_alone):
        os.utime(path, (hours_ago, hours_ago))

    counts = await cleanup_photos(now, store)
    assert not killed_beside.exists() and not killed_alone.parent.parent.exists()
    assert counts["temporary_files_deleted"] == 2
    assert in_progress.exists(), "a file written a moment ago may still be in the middle of an upload"
    assert len([f for f in files(settings) if f.startswith(str(photo)) and "/." not in f]) == 3, "the photo stays"
    r = await client.get(f"/api/photos/{photo}", headers=await as_user("inspector"))
    assert (await client.get(r.json()["urls"]["display"], headers=await as_user("inspector"))).status_code == 200


async def test_cleanup_is_registered_as_a_job():
    import xunjian.photos.job  # noqa: F401
    from xunjian.jobs.registry import JOBS

    assert "photo_cleanup" in JOBS
