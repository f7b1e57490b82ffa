"""Retention (PIPL: keep it no longer than needed): after `patrol_retention_days` (default 90), an encounter linked to
no person record and with no open follow-up case loses its free text, features, location and photos. The flags and
the action stay as anonymous statistics. Every purged encounter is an audit event; the run reports counts.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from .. import db
from ..audit import service as audit
from ..config import Settings
from ..photos.store import PhotoStore, StoreUnavailable, make_store
from ..photos.tables import Photo, PhotoLink
from . import rules
from .tables import Encounter, FollowUpCase

log = logging.getLogger("xunjian.patrols")

BATCH = 500


async def _due(cutoff: datetime, limit: int) -> list[dict]:
    return await db.fetch(
        "SELECT e.id AS id, e.zone AS zone FROM encounter e WHERE e.purged_at IS NULL AND e.person IS NULL "
        "AND e.met_at < {} AND NOT EXISTS (SELECT 1 FROM follow_up_case c WHERE c.encounter = e.id "
        "AND c.status = 'open') ORDER BY e.met_at LIMIT " + str(int(limit)),
        cutoff,
    )


async def _purge_batch(rows: list[dict], cutoff: datetime, now: datetime) -> tuple[int, int, list[str]]:
    """One transaction: re-check each encounter (a link or a case may have come since), clear it, drop its photo
    links, delete photos no other record refers to. Returns (encounters purged, photos deleted, object keys)."""
    purged, photos, keys = 0, 0, []
    async with db.write_transaction():
        for r in rows:
            enc = await Encounter.select(Encounter.id, Encounter.person, Encounter.met_at, Encounter.purged_at,
                                         Encounter.photo_ids).where(Encounter.id == r["id"]).output(
                load_json=True).first()
            open_case = await FollowUpCase.exists().where(
                (FollowUpCase.encounter == r["id"]) & (FollowUpCase.status == "open"))
            if enc is None or not rules.purgeable(met_at=enc["met_at"], linked=enc["person"] is not None,
                                                  has_open_case=open_case,
                                                  already_purged=enc["purged_at"] is not None, cutoff=cutoff):
                continue
            photo_ids = sorted({uuid.UUID(p) for p in enc["photo_ids"] or []} | {
                x["photo_id"] for x in await PhotoLink.select(PhotoLink.photo_id).where(
                    (PhotoLink.entity_type == "encounter") & (PhotoLink.entity_id == str(r["id"])))
            }, key=str)
            await PhotoLink.delete().where(
                (PhotoLink.entity_type == "encounter") & (PhotoLink.entity_id == str(r["id"])))
            deleted = 0
            for photo_id in photo_ids:
                if await PhotoLink.exists().where(PhotoLink.photo_id == photo_id):
                    continue  # another record still refers to it
                gone = await Photo.delete().where(Photo.id == photo_id).returning(
                    Photo.original_key, Photo.display_key, Photo.thumb_key)
                for row in gone:
                    keys.extend(row.values())
                    deleted += 1
            await Encounter.update({
                Encounter.details: "", Encounter.features: [], Encounter.lat: None, Encounter.lng: None,
                Encounter.answers: {}, Encounter.photo_ids: [], Encounter.earlier_record: "",
                Encounter.purged_at: now,
            }).where(Encounter.id == r["id"])
            await audit.record(None, "encounter.purge", "encounter", r["id"], site_id=r["zone"],
                               after={"photos_deleted": deleted, "retention_cutoff": cutoff.isoformat()})
            purged += 1
            photos += deleted
    return purged, photos, keys


async def purge_patrol_data(now: datetime, settings: Settings | None = None,
                            store: PhotoStore | None = None) -> dict[str, int]:
    settings = settings or Settings.from_env()
    store = store or make_store(settings)
    cutoff = rules.purge_cutoff(now, settings.patrol_retention_days)
    counts = {"encounters_purged": 0, "photos_deleted": 0, "photo_objects_deleted": 0, "photo_objects_failed": 0}
    while True:
        rows = await _due(cutoff, BATCH)
        if not rows:
            break
        purged, photos, keys = await _purge_batch(rows, cutoff, now)
        counts["encounters_purged"] += purged
        counts["photos_deleted"] += photos
        # Rows first, objects after: an object left behind by a store outage has no row, and the photo cleanup
        # job's orphan sweep removes it.
        try:
            await store.delete_many(keys)
            counts["photo_objects_deleted"] += len(keys)
        except StoreUnavailable as exc:
            log.warning("Retention could not delete %d photo objects: %s", len(keys), exc)
            counts["photo_objects_failed"] += len(keys)
        if purged == 0:
            break  # everything due changed state under us; the next run sees it again
    return counts
