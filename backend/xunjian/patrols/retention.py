"""Retention (PIPL 第十九条: keep it no longer than needed; 第四十七条: delete once the period is over).

- After `patrol_retention_days` (default 90), an encounter linked to no person record and with no open follow-up case
  loses its free text, features, location and photos. The flags and the action stay as anonymous statistics. Every
  purged encounter is an audit event.
- After `person_retention_days` (default 730) since a person record's last encounter (its creation when it has none),
  with no open case on any of them, the record, its encounters, their closed cases, photo links and photos are
  deleted. What is deleted is first added to `encounter_count` (zone, week, sex, age band, flags, action), in the same
  transaction, set-based: a few statements per batch whatever its size. One audit event per batch names the records.

The run reports counts; a second run over the same data deletes and counts nothing.
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
from . import rules, sql
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


def _marks(values: list) -> str:
    return ", ".join("{}" for _ in values)


async def _purge_persons_batch(ids: list[int], cutoff: datetime) -> tuple[int, int, int, list[str]]:
    """One transaction: re-check which of these records are still due (an encounter or a case may have come since),
    count their encounters into `encounter_count`, delete photos, cases, encounters and records. Returns (persons,
    encounters, photos deleted, object keys)."""
    async with db.write_transaction():
        due = {r["id"] for r in await db.fetch(sql.DUE_PERSONS.format(limit=len(ids)), cutoff)}
        ids = [i for i in ids if i in due]
        if not ids:
            return 0, 0, 0, []
        marks = _marks(ids)
        week = sql.WEEK_START["sqlite" if db.is_sqlite() else "postgres"]
        await db.fetch(sql.ADD_COUNTS.format(week=week, ids=marks), *ids)
        photo_ids = sorted({str(r["photo_id"]) for r in await db.fetch(sql.DELETE_PHOTO_LINKS.format(ids=marks),
                                                                         *ids)})
        keys: list[str] = []
        if photo_ids:
            photos = [uuid.UUID(p) for p in photo_ids]
            for row in await db.fetch(sql.DELETE_UNLINKED_PHOTOS.format(photos=_marks(photos)), *photos):
                keys.extend(row.values())
        await db.fetch(sql.DELETE_CASES.format(ids=marks), *ids)
        encounters = await db.fetch(sql.DELETE_ENCOUNTERS.format(ids=marks), *ids)
        persons = await db.fetch(sql.DELETE_PERSONS.format(ids=marks), *ids)
        await audit.record(None, "person.purge", "person", "retention", after={
            "person_ids": sorted(r["id"] for r in persons), "encounters": len(encounters),
            "photos_deleted": len(keys) // 3, "retention_cutoff": cutoff.isoformat()})
    return len(persons), len(encounters), len(keys) // 3, keys


async def purge_persons(now: datetime, settings: Settings, store: PhotoStore) -> dict[str, int]:
    cutoff = rules.purge_cutoff(now, settings.person_retention_days)
    counts = {"persons_purged": 0, "person_encounters_deleted": 0, "person_photos_deleted": 0}
    while True:
        ids = [r["id"] for r in await db.fetch(sql.DUE_PERSONS.format(limit=BATCH), cutoff)]
        if not ids:
            break
        persons, encounters, photos, keys = await _purge_persons_batch(ids, cutoff)
        counts["persons_purged"] += persons
        counts["person_encounters_deleted"] += encounters
        counts["person_photos_deleted"] += photos
        await _delete_objects(store, keys, counts)
        if persons == 0:
            break
    return counts


async def _delete_objects(store: PhotoStore, keys: list[str], counts: dict[str, int]) -> None:
    """Rows first, objects after: an object left behind by a store outage has no row, and the photo cleanup job's
    orphan sweep removes it."""
    if not keys:
        return
    try:
        await store.delete_many(keys)
        counts["photo_objects_deleted"] = counts.get("photo_objects_deleted", 0) + len(keys)
    except StoreUnavailable as exc:
        log.warning("Retention could not delete %d photo objects: %s", len(keys), exc)
        counts["photo_objects_failed"] = counts.get("photo_objects_failed", 0) + len(keys)


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
        await _delete_objects(store, keys, counts)
        if purged == 0:
            break  # everything due changed state under us; the next run sees it again
    return counts | await purge_persons(now, settings, store)
