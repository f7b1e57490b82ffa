import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from ..paging import Id
from ..sites.schemas import Lat, Lng


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


class FindingBrief(msgspec.Struct):
    id: int
    item_key: str | None
    title: str
    grade: str
    status: str
    deadline: datetime


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
