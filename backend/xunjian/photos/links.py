"""How other domains refer to photos. Call inside the referring record's transaction.

A link is a permission: whoever sees the linked record's site may see the photo. So `link_photos` is the one place
that decides which photos a record may refer to, for every kind of record:

- Only the acting user's own photos: the caller of the request (for findings derived from an inspection, its
  submitter; for patrol encounters, the patrol's submitter).
- A photo's links all share one site and one restriction. A photo that is already evidence of a record of one site
  cannot be linked to a record of another site; a restricted photo (a person met on a patrol) never gets an
  unrestricted link, nor an unrestricted one a restricted link. Records of one submission (an inspection's answers
  and the findings derived from them) share the site, so they keep sharing their photos.
- An id whose photo has not arrived yet may be linked (offline clients send the record first; there is no foreign
  key on purpose). The link records who made it, and a link grants viewing only while the photo's uploader is the
  user who linked it: pre-linking someone else's future id grants nothing. Only the acting user's own links count
  for the rule above, since nobody else's can grant anything.

A refused link is 422 `photo_not_usable` naming the field and the id, the same for every reason, so nothing about
another user's photo leaks; raised inside the record's transaction, it rolls the whole record back.
"""

from __future__ import annotations

import uuid
from typing import Iterable

from .. import db
from ..errors import Invalid
from .tables import PhotoLink


def parse_photo_ids(values: Iterable[str], field: str = "photos") -> list[uuid.UUID]:
    ids = []
    for v in values:
        try:
            ids.append(uuid.UUID(str(v)))
        except ValueError:
            raise Invalid(f"{v!r} is not a photo id", details={"field": field}) from None
    return ids


def _refused(photo_id: uuid.UUID, field: str) -> Invalid:
    return Invalid("This photo cannot be used in this record: only your own photos, and a photo that is evidence "
                   "of one site (or of a patrol) stays with it", code="photo_not_usable",
                   details={"field": field, "photo_id": str(photo_id)})


async def link_photos(actor_id: int, photo_ids: Iterable[str | uuid.UUID], entity_type: str, entity_id: object,
                      site_id: int, *, restricted: bool = False, field: str = "photos") -> None:
    """Record that `entity_type/entity_id` (a record of site `site_id`, made by user `actor_id`) refers to these
    photos, after checking the rule above. Idempotent."""
    ids = sorted({uuid.UUID(str(p)) for p in photo_ids})
    if not ids:
        return
    placeholders = ", ".join("{}" for _ in ids)
    owners = {
        str(r["id"]): r["uploader"]
        for r in await db.fetch(f"SELECT id, uploader FROM photo WHERE id IN ({placeholders})", *ids)
    }
    # The acting user's links of these photos elsewhere (another user's links grant nothing, so do not count).
    elsewhere = await db.fetch(
        "SELECT photo_id, site_id, restricted FROM photo_link "
        f"WHERE photo_id IN ({placeholders}) AND linked_by = {{}} AND NOT (entity_type = {{}} AND entity_id = {{}})",
        *ids, actor_id, entity_type, str(entity_id),
    )
    for p in ids:
        if owners.get(str(p), actor_id) != actor_id:
            raise _refused(p, field)
    for link in elsewhere:
        if link["site_id"] != site_id or bool(link["restricted"]) != restricted:
            raise _refused(uuid.UUID(str(link["photo_id"])), field)
    existing = {
        str(r["photo_id"])
        for r in await PhotoLink.select(PhotoLink.photo_id).where(
            (PhotoLink.entity_type == entity_type) & (PhotoLink.entity_id == str(entity_id))
            & PhotoLink.photo_id.is_in(ids)
        )
    }
    new = [
        PhotoLink(photo_id=p, entity_type=entity_type, entity_id=str(entity_id), site_id=site_id,
                  restricted=restricted, linked_by=actor_id)
        for p in ids
        if str(p) not in existing
    ]
    if new:
        await PhotoLink.insert(*new)
