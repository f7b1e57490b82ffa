"""Pure inspection rules: the idempotency decision, the check-in, and the findings a submission yields."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..checklists import rules as engine
from ..findings import rules as finding_rules
from ..sites.rules import haversine_m

TITLE_LENGTH = 300
DESCRIPTION_LENGTH = 2000
MAX_EXTRA_FINDINGS = 50


@dataclass(frozen=True)
class NewFinding:
    item_key: str | None
    title: str
    description: str
    basis: str
    grade: str
    deadline: datetime
    risk_weight: float
    photos: tuple[str, ...]


def counted_sql(d, alias: str = "") -> str:
    """SQL condition: an inspection that counts toward its site's schedule and rating — submitted, and not a
    manager's self-inspection (`d` a jobs.sqlkit.Dialect, `alias` a table alias)."""
    a = f"{alias}." if alias else ""
    return f"{a}status = 'submitted' AND {a}self_inspection = {d.false} AND {a}submitted_at IS NOT NULL"


def decide(existing: dict | None, caller_id: int, site_id: int, template: tuple[str, int], content_hash: str) -> str:
    """What a PUT does to the stored inspection with the same id:
    "create", "replay" (identical: answer 200, change nothing), "update" (a draft changes) or "conflict"."""
    if existing is None:
        return "create"
    same_record = (existing["inspector"] == caller_id and existing["site"] == site_id
                   and (existing["template_key"], existing["template_version"]) == template)
    if not same_record:
        return "conflict"
    if existing["content_hash"] == content_hash:
        return "replay"
    if existing["status"] == "submitted":
        return "conflict"
    return "update"


def checkin(site_lat: float | None, site_lng: float | None, point: dict | None,
            far_meters: int) -> tuple[float | None, bool]:
    """Distance from the site to the check-in point, and whether it is far (flagged, never refused)."""
    if point is None or site_lat is None or site_lng is None:
        return None, False
    distance = round(haversine_m(site_lat, site_lng, point["lat"], point["lng"]), 1)
    return distance, distance > far_meters


def extra_finding_errors(extras: list[dict]) -> list[dict]:
    """Findings the inspector added (no item covers them): title, grade, deadline within the default, photo ids."""
    errors: list[dict] = []
    if len(extras) > MAX_EXTRA_FINDINGS:
        return [{"item": "extra_findings", "message": f"at most {MAX_EXTRA_FINDINGS}"}]
    for n, extra in enumerate(extras):
        path = f"extra_findings[{n}]"
        if not extra["title"].strip() or len(extra["title"]) > TITLE_LENGTH:
            errors.append({"item": f"{path}.title", "message": f"1 to {TITLE_LENGTH} characters"})
        if len(extra["description"]) > DESCRIPTION_LENGTH or len(extra["basis"]) > TITLE_LENGTH:
            errors.append({"item": path, "message": "description or basis too long"})
        limit = finding_rules.DEFAULT_DAYS[extra["grade"]]
        days = extra["deadline_days"]
        if days is not None and not 1 <= days <= limit:
            errors.append({"item": f"{path}.deadline_days",
                           "message": f"1 to {limit} days (the deadline may be shortened, never lengthened)"})
        ev = engine.Evaluation()
        engine.photo_list(extra["photos"], f"{path}.photos", ev, engine.DEFAULT_MAX_PHOTOS)
        errors.extend(ev.errors)
    return errors


def findings_of(evaluation: engine.Evaluation, extras: list[dict], submitted_at: datetime) -> list[NewFinding]:
    """One finding per noncompliant check item, and one per added finding; deadlines from the submission time."""
    found = [
        NewFinding(item_key=nc.item_key, title=nc.title, description=nc.note, basis=nc.basis, grade=nc.grade,
                   deadline=finding_rules.deadline_after(submitted_at, nc.deadline_days), risk_weight=nc.risk_weight,
                   photos=nc.photos)
        for nc in evaluation.noncompliant
    ]
    for extra in extras:
        days = extra["deadline_days"] or finding_rules.DEFAULT_DAYS[extra["grade"]]
        found.append(NewFinding(
            item_key=None, title=extra["title"].strip(), description=extra["description"],
            basis=extra["basis"] or "检查发现", grade=extra["grade"],
            deadline=finding_rules.deadline_after(submitted_at, days),
            risk_weight=finding_rules.DEFAULT_WEIGHT[extra["grade"]], photos=tuple(extra["photos"]),
        ))
    return found


def payload_hash(payload: Any) -> str:
    return engine.canonical_hash(payload)


# ------------------------------------------------------------------------------------------------ inspectors, signatures

def needs_two_inspectors(site_kind: str, from_task: bool, self_inspection: bool, kinds: tuple[str, ...]) -> bool:
    """Whether a submission needs a second inspector: an administrative inspection of a plan task (双随机 draws
    pairs), or of a site kind the settings name. A manager's self-inspection (自查) never does."""
    return not self_inspection and (from_task or site_kind in kinds)


def co_inspector_errors(caller_id: int, ids: list[int], usable: set[int]) -> list[int]:
    """The named co-inspectors that cannot be: the caller, a repeat, or not among the usable inspectors."""
    seen: set[int] = set()
    wrong = []
    for uid in ids:
        if uid == caller_id or uid in seen or uid not in usable:
            wrong.append(uid)
        seen.add(uid)
    return wrong


def signature_slot(inspection_id: object, signer: str, user_id: int | None) -> str:
    """One signature per signer of an inspection: each inspector, and the site."""
    return f"{inspection_id}:inspector:{user_id}" if signer == "inspector" else f"{inspection_id}:site"


def signature_errors(sig: dict, inspector_ids: set[int], name_max: int) -> list[dict]:
    """What is wrong with a signature's fields (SignaturePut as a dict), each naming its field."""
    errors = []

    def wrong(field: str, message: str) -> None:
        errors.append({"field": field, "message": message})

    if sig["signer"] == "inspector":
        if sig["user_id"] not in inspector_ids:
            wrong("user_id", "one of the inspection's recorded inspectors")
        if sig["photo_id"] is None:
            wrong("photo_id", "the signature's image is required")
        if sig["refused"]:
            wrong("refused", "only the site may refuse to sign")
        for field in ("witness_name", "refusal_photo_id"):
            if sig[field] is not None:
                wrong(field, "only for a refusal by the site")
        return errors
    if sig["user_id"] is not None:
        wrong("user_id", "the site's signer is named, not an account")
    name = (sig["name"] or "").strip()
    if not 1 <= len(name) <= name_max:
        wrong("name", f"the person in charge's name, 1 to {name_max} characters")
    if sig["refused"]:
        witness = (sig["witness_name"] or "").strip()
        if not 1 <= len(witness) <= name_max:
            wrong("witness_name", f"a refusal needs its witness, 1 to {name_max} characters")
        if sig["photo_id"] is not None:
            wrong("photo_id", "a refusal has no signature image (a photo of the scene is refusal_photo_id)")
    else:
        if sig["photo_id"] is None:
            wrong("photo_id", "the signature's image, or refused")
        for field in ("witness_name", "refusal_photo_id"):
            if sig[field] is not None:
                wrong(field, "only for a refusal")
    return errors


def missing_signers(inspector_ids: list[int], signatures: list[dict]) -> list[dict]:
    """Who has still to sign: each recorded inspector without a signature ({"signer": "inspector", "user_id"}), then
    the site ({"signer": "site"}) unless its person in charge signed or refused before a witness."""
    signed = {s["user"] for s in signatures if s["signer"] == "inspector"}
    missing = [{"signer": "inspector", "user_id": i} for i in inspector_ids if i not in signed]
    if not any(s["signer"] == "site" for s in signatures):
        missing.append({"signer": "site"})
    return missing


def signatures_complete(inspector_ids: list[int], signatures: list[dict]) -> bool:
    """Every recorded inspector signed, and the site signed or refused."""
    return bool(inspector_ids) and not missing_signers(inspector_ids, signatures)
