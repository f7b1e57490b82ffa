"""Issue once, store, never re-render: the one path from a document request to its PDF bytes.

The first request of a document issues its number (or finds the one already issued for the subject and kind,
e.g. a listing's 督办通知书), renders the sheet in a worker thread, stores the bytes through the photo store (local
folder or S3: `documents/{id}/{sha256}.pdf`, see photos/rules.py) and records the SHA-256 in `issued_document`,
audited (`document.issue`, `document.store`). Every later request streams the stored bytes: identical, same hash.

Concurrent first requests: in one process they queue on a lock per document and the later ones find the stored
file; across processes the number is issued once (documents.service.issue_once) and the first recorded hash wins,
a loser removing its own object. Rendering is deterministic (the sheet's creation time is the issue time), so two
renders of one document are the same bytes anyway.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import weakref
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Awaitable, Callable

import anyio

from ..errors import Conflict, ServiceUnavailable
from ..photos import rules as photo_rules
from ..photos.store import PhotoStore, StoreUnavailable
from . import pdf, service
from .service import LOCAL_TZ, IssuedRead

# Rendering costs CPU (fpdf2 is pure Python): at most this many at once per process; others wait their turn.
RENDERERS = anyio.CapacityLimiter(2)
STAFF = frozenset({"inspector", "supervisor", "admin"})

log = logging.getLogger(__name__)
_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


@dataclass(frozen=True)
class Subject:
    kind: str  # documents.rules.KINDS
    subject_type: str
    subject_id: str
    site_id: int
    authority: service.Authority


@dataclass(frozen=True)
class Delivered:
    document: IssuedRead
    data: bytes

    @property
    def filename(self) -> str:
        return f"{self.document.number}.pdf"


def local_date(value: datetime) -> str:
    return value.astimezone(LOCAL_TZ).strftime("%Y年%m月%d日")


def _unavailable(exc: Exception) -> ServiceUnavailable:
    log.warning("Document store unavailable: %s", exc)
    return ServiceUnavailable("The document store is unavailable; try again later", code="photo_store_unavailable")


async def _stored(store: PhotoStore, document: IssuedRead) -> bytes:
    key = photo_rules.document_key(document.id, document.sha256)
    try:
        return await store.get(key)
    except StoreUnavailable as exc:
        raise _unavailable(exc) from None
    except KeyError:
        # The issued file is gone from the store (a restored backup without it, a deleted object). It is never
        # silently made again: someone has to restore it, and until then the answer says so.
        log.error("Issued document %s (%s) has no stored file %s", document.id, document.number, key)
        raise ServiceUnavailable("This document's stored file is missing; the administrators have been told",
                                 code="document_file_missing") from None


async def deliver(actor, store: PhotoStore, subject: Subject,
                  sheet_of: Callable[[IssuedRead], Awaitable[pdf.Sheet]], *, now: datetime | None = None,
                  ready: Callable[[], Awaitable[None]] | None = None) -> Delivered:
    """The document's PDF, issued and stored on the first request. Only staff (inspectors, supervisors, admins)
    issue a number; anyone who sees the subject may receive a document once it is numbered. `ready` raises when the
    subject may not be issued yet (an on-site record still waiting for its signatures): asked only before a number
    is taken, so a document issued earlier is always delivered as it was issued."""
    key = f"{subject.kind}:{subject.subject_type}:{subject.subject_id}"
    lock = _locks.get(key)
    if lock is None:
        lock = _locks[key] = asyncio.Lock()
    async with lock:
        document = await service.issued_for(subject.subject_type, subject.subject_id, subject.kind)
        if document is not None and document.sha256:
            return Delivered(document, await _stored(store, document))
        if document is None:
            if getattr(actor, "role", None) not in STAFF:
                raise Conflict("This document has not been issued yet", code="document_not_issued")
            if ready is not None:
                await ready()
            document = await service.issue_once(
                actor, authority_region_id=subject.authority.region_id, kind=subject.kind,
                subject_type=subject.subject_type, subject_id=subject.subject_id,
                now=now or datetime.now(timezone.utc), site_id=subject.site_id)
            if document.sha256:  # another process stored it meanwhile
                return Delivered(document, await _stored(store, document))
        sheet = await sheet_of(document)
        data = await anyio.to_thread.run_sync(pdf.render, sheet, document.issued_at, limiter=RENDERERS)
        digest = hashlib.sha256(data).hexdigest()
        try:
            await store.put(photo_rules.document_key(document.id, digest), data, "application/pdf")
        except StoreUnavailable as exc:
            raise _unavailable(exc) from None
        recorded = await service.record_file(actor, document, digest, subject.site_id)
        if recorded.sha256 == digest:
            return Delivered(recorded, data)
        try:  # another process recorded its file first: that one is the document
            await store.delete(photo_rules.document_key(document.id, digest))
        except StoreUnavailable:
            pass
        return Delivered(recorded, await _stored(store, recorded))
