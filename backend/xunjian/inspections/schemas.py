import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from ..paging import Id
from ..sites.schemas import Lat, Lng


MAX_CO_INSPECTORS = 4
NAME_MAX = 40  # a signer's or witness's name, as written on paper


class Location(msgspec.Struct, forbid_unknown_fields=True):
    lat: Lat
    lng: Lng
    accuracy_m: float | None = None


class ExtraFinding(msgspec.Struct, forbid_unknown_fields=True):
    """A finding no checklist item covers, added by the inspector."""

    title: str
    description: str = ""
    grade: Literal["general", "major"] = "general"
    deadline_days: Annotated[int, Meta(ge=1, le=365)] | None = None  # at most the default (general 15, major 30)
    photos: list[str] = []
    basis: str = ""


class InspectionPut(msgspec.Struct, forbid_unknown_fields=True):
    """The whole inspection as the device holds it. Replaying it is safe: identical content answers 200."""

    site_id: Id
    template_key: str
    template_version: Id
    status: Literal["draft", "submitted"]
    answers: dict[str, Any] = {}
    extra_findings: list[ExtraFinding] = []
    remarks: str = ""
    checkin: Location | None = None
    device_started_at: datetime | None = None
    device_submitted_at: datetime | None = None
    task_id: Id | None = None  # the plan task (双随机) this inspection carries out; the caller must be of its pair
    # The other inspectors present (the caller leads): active inspectors whose scope holds the site. Empty for an
    # inspection of a plan task: the task's other inspector.
    co_inspector_ids: Annotated[list[Id], Meta(max_length=MAX_CO_INSPECTORS)] = []


class FindingBrief(msgspec.Struct):
    id: int
    item_key: str | None
    title: str
    grade: str
    status: str
    deadline: datetime


class InspectorRead(msgspec.Struct):
    """One inspector of an inspection, with the certificate number (执法证号) held when it was recorded."""

    user_id: int
    name: str
    certificate_no: str | None
    lead: bool


class CoInspectorOption(msgspec.Struct):
    """An inspector who may be named as a co-inspector at a site."""

    user_id: int
    name: str
    certificate_no: str | None


class SignaturePut(msgspec.Struct, forbid_unknown_fields=True):
    """A signature of a submitted inspection. signer "inspector": `user_id` (one of the inspection's inspectors) and
    `photo_id` (the handwriting as an image). signer "site": the person in charge's `name`, and either `photo_id`
    or `refused` (拒签) with `witness_name` and optionally `refusal_photo_id`."""

    signer: Literal["inspector", "site"]
    user_id: Id | None = None
    name: Annotated[str, Meta(max_length=NAME_MAX)] | None = None
    photo_id: uuid.UUID | None = None
    refused: bool = False
    witness_name: Annotated[str, Meta(max_length=NAME_MAX)] | None = None
    refusal_photo_id: uuid.UUID | None = None


class SignatureRead(msgspec.Struct):
    id: uuid.UUID
    signer: str
    user_id: int | None
    name: str
    refused: bool
    witness_name: str | None
    photo_id: uuid.UUID | None
    refusal_photo_id: uuid.UUID | None
    signed_at: datetime


class InspectionRead(msgspec.Struct):
    id: uuid.UUID
    site_id: int
    site_name: str
    inspector_id: int
    inspector_name: str
    template_key: str
    template_version: int
    status: str
    self_inspection: bool
    answers: dict[str, Any]
    extra_findings: list[ExtraFinding]
    remarks: str
    checkin: Location | None
    checkin_distance_m: float | None
    checkin_far: bool
    device_started_at: datetime | None
    device_submitted_at: datetime | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    checks_answered: int
    checks_noncompliant: int
    findings: list[FindingBrief]
    inspectors: list[InspectorRead]  # the lead first
    signatures: list[SignatureRead]
    signatures_complete: bool  # every inspector signed, and the site signed or refused
