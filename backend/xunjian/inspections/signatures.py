"""Signatures of a submitted inspection (issue 13): each inspector's, and the site's person in charge's or their
refusal (拒签) before a witness. A signature is evidence like a photo: its image goes through the photo pipeline
(photos/links.py decides which photos it may use), its SHA-256 is recorded, it is audited, and it is never edited.

Keyed by the client's UUID, so an offline phone replays safely: the same id with the same content answers 200, with
other content 409 `signature_final`; a second signature for a signer already signed is 409 `already_signed`. The
write locks the inspection's row (IMMEDIATE on SQLite), so concurrent duplicates leave one row; `slot` is unique as
well. Who holds the pen cannot be proven by the server, as on paper: the record says who captured it (`captured_by`,
one of the inspection's inspectors) and when the server received it (`signed_at`).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import msgspec

from .. import db
from ..accounts.principal import Principal
from ..audit import service as audit
from ..errors import Conflict, Forbidden, Invalid
from ..findings.service import lock_for_update
from ..photos import service as photos
from ..photos.links import link_photos
from . import people, rules
from . import service as inspections
from .schemas import NAME_MAX, InspectionRead, SignaturePut, SignatureRead
from .tables import Inspection, InspectionSignature


async def of(inspection_id: uuid.UUID) -> list[dict]:
    """The inspection's signatures, in the order they were recorded."""
    return await InspectionSignature.select().where(InspectionSignature.inspection == inspection_id).order_by(
        InspectionSignature.signed_at).order_by(InspectionSignature.slot)


def reads(rows: list[dict]) -> list[SignatureRead]:
    return [SignatureRead(id=r["id"], signer=r["signer"], user_id=r["user"], name=r["name"], refused=bool(r["refused"]),
                          witness_name=r["witness_name"], photo_id=r["photo_id"],
                          refusal_photo_id=r["refusal_photo_id"], signed_at=r["signed_at"]) for r in rows]


def _image(sig: dict) -> uuid.UUID | None:
    return sig["photo_id"] or sig["refusal_photo_id"]


async def put_signature(principal: Principal, inspection_id: uuid.UUID, signature_id: uuid.UUID,
                        data: SignaturePut, *, now: datetime | None = None) -> tuple[InspectionRead, bool]:
    """Record a signature, or recognise its replay. Returns the inspection and whether the signature was created."""
    row = await inspections.load_row(principal, inspection_id)  # 404 outside the caller's scope
    team = await people.inspectors_of(inspection_id)
    by_id = {i.user_id: i for i in team}
    if principal.id not in by_id:
        raise Forbidden("Only the inspection's inspectors record its signatures")
    if row["status"] != "submitted":
        raise Conflict("Signatures are taken once the inspection is submitted", code="inspection_not_submitted")
    sig = msgspec.to_builtins(data)
    errors = rules.signature_errors(sig, set(by_id), NAME_MAX)
    if errors:
        raise Invalid("The signature is not valid", details=errors)
    if data.signer == "site":
        sig["name"] = data.name.strip()
        if data.witness_name is not None:
            sig["witness_name"] = data.witness_name.strip()
    else:
        sig["name"] = None  # an inspector signs under the recorded name
    content_hash = rules.payload_hash(sig)
    slot = rules.signature_slot(inspection_id, data.signer, data.user_id)
    now = now or datetime.now(timezone.utc)
    async with db.write_transaction():
        await lock_for_update(Inspection.select(Inspection.id).where(Inspection.id == inspection_id),
                              Inspection).first()
        existing = await InspectionSignature.select(InspectionSignature.inspection, InspectionSignature.content_hash) \
            .where(InspectionSignature.id == signature_id).first()
        if existing is not None:
            if existing["inspection"] != inspection_id or existing["content_hash"] != content_hash:
                raise Conflict("This signature is recorded with other content and is final", code="signature_final")
            created = False
        else:
            if await InspectionSignature.exists().where(InspectionSignature.slot == slot):
                raise Conflict("This signer has already signed the inspection", code="already_signed")
            if data.photo_id is not None:
                await link_photos(principal.id, [data.photo_id], "signature", signature_id, row["site"],
                                  field="photo_id")
            if data.refusal_photo_id is not None:
                await link_photos(principal.id, [data.refusal_photo_id], "signature", signature_id, row["site"],
                                  field="refusal_photo_id")
            image = _image(sig)
            digest = (await photos.hashes_of([image], principal.id)).get(str(image)) if image else None
            name = by_id[data.user_id].name if data.signer == "inspector" else sig["name"]
            await InspectionSignature.insert(InspectionSignature(
                id=signature_id, inspection=inspection_id, slot=slot, signer=data.signer, user=data.user_id,
                name=name, photo_id=data.photo_id, refused=data.refused, witness_name=sig["witness_name"],
                refusal_photo_id=data.refusal_photo_id, image_sha256=digest, content_hash=content_hash,
                captured_by=principal.id, signed_at=now,
            ))
            await audit.record(
                principal, "inspection.sign", "inspection_signature", signature_id, site_id=row["site"],
                after={"inspection": str(inspection_id), "signer": data.signer, "user_id": data.user_id, "name": name,
                       "refused": data.refused, "witness_name": sig["witness_name"],
                       "photo_id": data.photo_id and str(data.photo_id),
                       "refusal_photo_id": data.refusal_photo_id and str(data.refusal_photo_id),
                       "image_sha256": digest, "captured_by": principal.id},
            )
            created = True
    return await inspections.get_inspection(principal, inspection_id), created


async def settle_hashes(rows: list[dict]) -> None:
    """Record the image hash of signatures whose photo arrived after them (called when a document prints them)."""
    for r in rows:
        image = _image(r)
        if r["image_sha256"] is None and image is not None:
            digest = (await photos.hashes_of([image], r["captured_by"])).get(str(image))
            if digest:
                await InspectionSignature.update({InspectionSignature.image_sha256: digest}).where(
                    (InspectionSignature.id == r["id"]) & InspectionSignature.image_sha256.is_null())
                r["image_sha256"] = digest
