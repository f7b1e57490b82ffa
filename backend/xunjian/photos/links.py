"""How other domains refer to photos. Call inside the referring record's transaction."""

from __future__ import annotations

import uuid
from typing import Iterable

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


async def link_photos(photo_ids: Iterable[str | uuid.UUID], entity_type: str, entity_id: object, site_id: int,
                      restricted: bool = False) -> None:
    """Record that `entity_type/entity_id` (a record of site `site_id`) refers to these photos. Idempotent."""
    ids = sorted({uuid.UUID(str(p)) for p in photo_ids})
    if not ids:
        return
    existing = {
        r["photo_id"]
        for r in await PhotoLink.select(PhotoLink.photo_id).where(
            (PhotoLink.entity_type == entity_type) & (PhotoLink.entity_id == str(entity_id))
            & PhotoLink.photo_id.is_in(ids)
        )
    }
    new = [
        PhotoLink(photo_id=p, entity_type=entity_type, entity_id=str(entity_id), site_id=site_id,
                  restricted=restricted)
        for p in ids
        if p not in existing and str(p) not in {str(e) for e in existing}
    ]
    if new:
        await PhotoLink.insert(*new)
