"""Photo uploads, reads and cleanup.

Order of an upload: read the body (size limit) → hash → an existing row decides 200/409 → Pillow (422/415) →
objects into the store (503 when down, with whatever was written removed again) → the row and its audit event in
one transaction. A rejected upload leaves nothing behind; an object that outlives a crash is swept by the cleanup.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import uuid
from datetime import datetime, timezone
from typing import AsyncIterator

import anyio

from .. import db
from ..audit import service as audit
from ..config import Settings
from ..errors import Conflict, Invalid, NotFound, PayloadTooLarge, ServiceUnavailable, UnsupportedMedia
from . import imaging, rules
from .schemas import PhotoRead, PhotoUrls
from .store import PhotoStore, StoreUnavailable, make_store
from .tables import Photo

log = logging.getLogger("xunjian.photos")

RETRY_AFTER = 30

def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _unavailable(exc: Exception) -> ServiceUnavailable:
    log.warning("Photo store unavailable: %s", exc)
    return ServiceUnavailable("The photo store is unavailable; try again later", code="photo_store_unavailable",
                              retry_after=RETRY_AFTER)


async def read_limited(chunks: AsyncIterator[bytes], limit: int, declared: int | None = None,
                       what: str = "A photo") -> bytes:
    """The body, refused with 413 as soon as it passes `limit`: the rest is never read."""
    if declared is not None and declared > limit:
        raise PayloadTooLarge(f"{what} may have at most {limit} bytes", details={"limit": limit})
    buf = bytearray()
    async for chunk in chunks:
        buf += chunk
        if len(buf) > limit:
            raise PayloadTooLarge(f"{what} may have at most {limit} bytes", details={"limit": limit})
    return bytes(buf)


_REJECTIONS = {
    "empty": lambda m: Invalid(m, code="empty_body", details={"field": "body"}),
    "unsupported": lambda m: UnsupportedMedia(m, details={"field": "body", "accepted": sorted(rules.FORMATS.values())}),
    "too_many_pixels": lambda m: Invalid(m, code="too_many_pixels", details={"field": "body"}),
    "corrupt": lambda m: Invalid(m, code="corrupt_image", details={"field": "body"}),
}


# Decoding is CPU- and memory-heavy: at most one image per core at a time, whatever the number of uploads.
_PILLOW_SLOTS = threading.BoundedSemaphore(max(2, os.cpu_count() or 2))


def _process(data: bytes, max_pixels: int) -> imaging.Processed:
    with _PILLOW_SLOTS:
        return imaging.process(data, max_pixels)


def capture_of(at: str | None, position: str | None, origin: str | None) -> rules.Capture:
    """The X-Capture-* headers of an upload, validated (422 `invalid_capture` naming the header)."""
    capture, bad = rules.parse_capture(at, position, origin, utcnow())
    if bad:
        raise Invalid(f"{bad} is not valid", code="invalid_capture", details={"field": bad})
    return capture


async def upload_photo(principal, store: PhotoStore, settings: Settings, photo_id: uuid.UUID,
                       data: bytes, capture: rules.Capture = rules.Capture()) -> tuple[PhotoRead, bool]:
    """Store a photo under the client's id. Returns (photo, created). `capture`: what the phone measured when the
    photo was taken; a replay keeps what the first upload said."""
    sha256 = hashlib.sha256(data).hexdigest()
    existing = await Photo.select().where(Photo.id == photo_id).first()
    if existing is not None:
        return await _replay(principal, store, existing, sha256), False

    try:
        processed = await anyio.to_thread.run_sync(_process, data, settings.photo_max_pixels)
    except imaging.ImageRejected as exc:
        raise _REJECTIONS[exc.kind](exc.message) from None

    keys = rules.object_keys(photo_id, sha256, processed.content_type)
    written: list[str] = []
    try:
        for key, body, ctype in ((keys.original, data, processed.content_type),
                                 (keys.display, processed.display, "image/jpeg"),
                                 (keys.thumb, processed.thumb, "image/jpeg")):
            await store.put(key, body, ctype)
            written.append(key)
    except StoreUnavailable as exc:
        await _discard(store, written)
        raise _unavailable(exc) from None

    row = dict(
        id=photo_id, uploader=principal.id, content_type=processed.content_type, size_bytes=len(data),
        sha256=sha256, width=processed.width, height=processed.height, taken_at=processed.taken_at,
        gps_lat=processed.gps[0] if processed.gps else None, gps_lng=processed.gps[1] if processed.gps else None,
        exif=processed.exif, captured_at=capture.at, captured_lat=capture.lat, captured_lng=capture.lng,
        captured_accuracy_m=capture.accuracy_m, origin=capture.origin, original_key=keys.original, display_key=keys.display, thumb_key=keys.thumb,
    )
    try:
        async with db.write_transaction():
            inserted = await Photo.insert(Photo(**row)).on_conflict(action="DO NOTHING").returning(Photo.id)
            stored = await Photo.select().where(Photo.id == photo_id).first()
            created = bool(inserted)
            if created:
                await audit.record(principal, "photo.upload", "photo", photo_id, after={
                    "sha256": sha256, "size_bytes": len(data), "content_type": processed.content_type})
    except BaseException:
        await _discard(store, written)
        raise
    if not created:
        # Lost a race for this id. Same bytes: the same keys, now the winner's objects. Other bytes: ours go.
        if stored["sha256"] != sha256:
            await _discard(store, written)
        return await _replay(principal, store, stored, sha256), False
    return await _read(principal, store, stored), True


async def _replay(principal, store: PhotoStore, row: dict, sha256: str) -> PhotoRead:
    if not await _may_view(principal, row):
        # Do not reveal anything about a photo the caller cannot see.
        raise Conflict("This photo id is taken", code="photo_conflict")
    if row["sha256"] != sha256:
        raise Conflict("This photo id already holds other bytes", code="photo_conflict",
                       details={"sha256": row["sha256"]})
    return await _read(principal, store, row)


async def _discard(store: PhotoStore, keys: list[str]) -> None:
    for key in keys:
        try:
            await store.delete(key)
        except StoreUnavailable:
            log.warning("Could not remove %s after a failed upload; the cleanup job will", key)


async def _links(principal, row: dict) -> list[rules.Link]:
    """The links that count for the photo `row`: those its uploader made (see links.py)."""
    scope_sql, scope_args = principal.scope.sql("s")
    rows = await db.fetch(
        "SELECT l.site_id AS site_id, l.restricted AS restricted, "
        f"CASE WHEN s.id IS NOT NULL AND {scope_sql} THEN 1 ELSE 0 END AS in_scope "
        "FROM photo_link l LEFT JOIN site s ON s.id = l.site_id WHERE l.photo_id = {} AND l.linked_by = {}",
        *scope_args, row["id"], row["uploader"],
    )
    return [rules.Link(site_id=r["site_id"], restricted=bool(r["restricted"]), in_scope=bool(r["in_scope"]))
            for r in rows]


async def _may_view(principal, row: dict) -> bool:
    links = await _links(principal, row)
    return rules.may_view(principal.role, row["uploader"] == principal.id, links, principal.reads_people)


async def get_photo(principal, store: PhotoStore, photo_id: uuid.UUID) -> PhotoRead:
    row = await Photo.select().where(Photo.id == photo_id).first()
    if row is None:
        raise NotFound("Photo not found")
    links = await _links(principal, row)
    is_uploader = row["uploader"] == principal.id
    if not rules.may_view(principal.role, is_uploader, links, principal.reads_people):
        raise NotFound("Photo not found")
    restricted = any(link.restricted for link in links)
    original = rules.sees_original(principal.role)
    if restricted or original:
        seen = rules.visible_links(principal.role, is_uploader, links, principal.reads_people)
        site_id = seen[0].site_id if seen else None
        async with db.write_transaction():
            if restricted:
                await audit.record(principal, "photo.view_restricted", "photo", photo_id, site_id=site_id)
            if original:
                await audit.record(principal, "photo.original_url", "photo", photo_id, site_id=site_id)
    return await _read(principal, store, row)


async def _read(principal, store: PhotoStore, row: dict) -> PhotoRead:
    now = utcnow()
    privileged = rules.sees_original(principal.role)
    try:
        urls = PhotoUrls(
            display=await store.url(row["display_key"], now),
            thumb=await store.url(row["thumb_key"], now),
            original=await store.url(row["original_key"], now) if privileged else None,
            expires_at=now + rules.URL_TTL,
        )
    except StoreUnavailable as exc:
        raise _unavailable(exc) from None
    return PhotoRead(
        id=row["id"], content_type=row["content_type"], size_bytes=row["size_bytes"], sha256=row["sha256"],
        width=row["width"], height=row["height"], taken_at=row["taken_at"], created_at=row["created_at"],
        uploader_id=row["uploader"],
        gps_lat=row["gps_lat"] if privileged else None, gps_lng=row["gps_lng"] if privileged else None,
        captured_at=row["captured_at"], origin=row["origin"],
        captured_lat=row["captured_lat"] if privileged else None,
        captured_lng=row["captured_lng"] if privileged else None,
        captured_accuracy_m=row["captured_accuracy_m"] if privileged else None,
        urls=urls,
    )


async def read_file(store: PhotoStore, secret: bytes, photo_id: uuid.UUID, name: str, version: str, expires: str,
                    sig: str) -> tuple[bytes, str]:
    """Bytes behind a signed URL of the local store. A bad or expired signature is 403."""
    from ..errors import Forbidden

    key = f"{photo_id}/{version}/{name}"
    if rules.parse_key(key) is None:
        raise NotFound("Photo not found")
    problem = rules.check_signature(secret, key, expires, sig, utcnow())
    if problem == "expired":
        raise Forbidden("This photo link has expired; ask for the photo again", code="url_expired")
    if problem:
        raise Forbidden("This photo link is not valid", code="bad_signature")
    try:
        return await store.get(key), rules.content_type_of_name(name)
    except KeyError:
        raise NotFound("Photo not found") from None
    except StoreUnavailable as exc:
        raise _unavailable(exc) from None


def register(app) -> None:
    """Called by create_app: the store on app.state, its readiness check, and preparing it at start."""
    store = make_store(app.state.settings)
    app.state.photo_store = store
    app.state.signing_key = app.state.settings.signing_key()
    app.state.readiness_checks["photo_store"] = store.ping

    async def start(_app) -> None:
        try:
            await store.start()
        except StoreUnavailable as exc:  # the app still serves; /readyz reports the store and uploads answer 503
            log.warning("Photo store not ready at start: %s", exc)

    app.state.startup_hooks.append(start)


# ---------------------------------------------------------------- cleanup job

async def cleanup_photos(now: datetime, store: PhotoStore | None = None) -> dict:
    """Delete photos nothing refers to 24 h after upload, objects no row accounts for and temporary files of
    interrupted writes (both older than an hour)."""
    store = store or make_store(Settings.from_env())
    cutoff = now - rules.UNREFERENCED_AFTER
    stale = await db.fetch(
        "SELECT p.id AS id FROM photo p WHERE p.created_at < {} "
        "AND NOT EXISTS (SELECT 1 FROM photo_link l WHERE l.photo_id = p.id)",
        cutoff,
    )
    deleted = 0
    for r in stale:
        async with db.write_transaction():
            # Re-checked inside the transaction: a record may have linked the photo a moment ago.
            gone = await db.fetch(
                "DELETE FROM photo WHERE id = {} AND NOT EXISTS (SELECT 1 FROM photo_link l WHERE l.photo_id = {}) "
                "RETURNING original_key, display_key, thumb_key",
                r["id"], r["id"],
            )
        if gone:
            deleted += 1
            try:
                await store.delete_many(gone[0].values())
            except StoreUnavailable:
                pass  # the objects now have no row: the sweep below (or the next run) removes them
    known = set()
    for r in await Photo.select(Photo.original_key, Photo.display_key, Photo.thumb_key):
        known.update(r.values())
    orphans = 0
    try:
        for obj in await store.list():
            if obj.key in known or obj.modified > now - rules.ORPHAN_GRACE or rules.parse_key(obj.key) is None:
                continue
            await store.delete(obj.key)
            orphans += 1
        temporary = await store.sweep_temporary(now - rules.ORPHAN_GRACE)
    except StoreUnavailable as exc:
        log.warning("Photo cleanup could not sweep the store: %s", exc)
        temporary = 0
    return {"unreferenced_deleted": deleted, "orphan_objects_deleted": orphans, "temporary_files_deleted": temporary}


async def _objects(store: PhotoStore, photo_ids: list[str], column, what: str) -> dict[str, bytes]:
    """One stored object of each photo that has arrived (`column` its key), by id; a photo on its way is absent."""
    ids = [uuid.UUID(p) for p in photo_ids]
    if not ids:
        return {}
    out = {}
    try:
        for r in await Photo.select(Photo.id, column.as_alias("key")).where(Photo.id.is_in(ids)):
            try:
                out[str(r["id"])] = await store.get(r["key"])
            except KeyError:
                log.warning("Photo %s has no %s object", r["id"], what)
    except StoreUnavailable as exc:
        raise _unavailable(exc) from None
    return out


async def thumbnails(store: PhotoStore, photo_ids: list[str]) -> dict[str, bytes]:
    """The thumbnails' bytes of the photos that have arrived, by id (an issued document prints them). The ids come
    from a record the caller already read in its scope; a photo still on its way is simply absent."""
    return await _objects(store, photo_ids, Photo.thumb_key, "thumbnail")


async def originals(store: PhotoStore, photo_ids: list[str]) -> dict[str, bytes]:
    """The byte-exact originals of the photos that have arrived, by id: a signature is printed as it was drawn,
    not as its JPEG display copy. The ids come from a record the caller already read in its scope."""
    return await _objects(store, photo_ids, Photo.original_key, "original")


async def hashes_of(photo_ids: list[uuid.UUID], uploader: int) -> dict[str, str]:
    """The SHA-256 of the originals of these photos that have arrived from `uploader`, by id (a signature records
    its image's)."""
    if not photo_ids:
        return {}
    rows = await Photo.select(Photo.id, Photo.sha256).where(Photo.id.is_in(photo_ids) & (Photo.uploader == uploader))
    return {str(r["id"]): r["sha256"] for r in rows}

