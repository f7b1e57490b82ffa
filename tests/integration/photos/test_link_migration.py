"""The migration that adds photo_link.linked_by: links made before it count for their photo's uploader."""

import importlib
import uuid

from tests.integration.photos import support
from xunjian import db
from xunjian.photos.tables import PhotoLink

migration = importlib.import_module("xunjian.photos.piccolo_migrations.photos_2026_12_03t07_00_00_000000")


async def test_existing_links_are_backfilled_from_their_photos_uploader(client, demo, as_user):
    inspector = await as_user("inspector")
    photo = uuid.uuid4()
    r = await client.put(f"/api/photos/{photo}", content=support.jpeg(), headers={**inspector,
                                                                                  "Content-Type": "image/jpeg"})
    assert r.status_code == 201, r.text
    manager = await migration.forwards()
    await manager.run(backwards=True)  # the database as it was before: no linked_by
    not_arrived = uuid.uuid4()
    for photo_id in (photo, not_arrived):
        await db.fetch("INSERT INTO photo_link (photo_id, entity_type, entity_id, site_id, restricted, created_at) "
                       "VALUES ({}, 'finding', '1', {}, FALSE, CURRENT_TIMESTAMP)", photo_id, demo.sites["YL-620102-001"])

    await manager.run()

    links = {str(r["photo_id"]): r["linked_by"] for r in await PhotoLink.select(PhotoLink.photo_id,
                                                                                 PhotoLink.linked_by)}
    assert links == {str(photo): demo.users["inspector"], str(not_arrived): None}
    assert (await client.get(f"/api/photos/{photo}", headers=await as_user("manager"))).status_code == 200
