from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from ..paging import Id
from . import rules

Kind = Literal["eldercare", "lottery_outlet", "patrol_zone", "rescue_station"]
# Coordinates as sites/rules.py checks them (WGS-84 degrees).
Lat = Annotated[float, Meta(ge=-90, le=90)]
Lng = Annotated[float, Meta(ge=-180, le=180)]
Beds = Annotated[int, Meta(ge=0, le=rules.BEDS_MAX)]
Radius = Annotated[int, Meta(ge=1, le=rules.RADIUS_MAX, description="metres")]
Code = Annotated[str, Meta(min_length=1, max_length=rules.CODE_MAX)]
Name = Annotated[str, Meta(min_length=1, max_length=rules.NAME_MAX)]
Address = Annotated[str, Meta(max_length=rules.ADDRESS_MAX)]
Operator = Annotated[str, Meta(max_length=rules.OPERATOR_MAX)]


class SiteRead(msgspec.Struct):
    id: int
    kind: str
    code: str
    name: str
    region_id: int
    region_name: str
    address: str
    lat: float | None
    lng: float | None
    operator: str
    ownership: str | None
    approved_beds: int | None
    radius_m: int | None
    polygon: list[list[float]] | None
    place_types: list[str]
    attributes: dict
    is_active: bool
    distance_m: float | None = None


class SiteList(msgspec.Struct):
    items: list[SiteRead]
    total: int
    limit: int
    offset: int


class SiteCreate(msgspec.Struct, forbid_unknown_fields=True):
    kind: Kind
    code: Code
    name: Name
    region_id: Id
    address: Address = ""
    lat: Lat | None = None
    lng: Lng | None = None
    operator: Operator = ""
    ownership: Literal["public", "private"] | None = None
    approved_beds: Beds | None = None
    radius_m: Radius | None = None
    polygon: list[list[float]] | None = None
    place_types: list[str] = []
    attributes: dict = {}


class SiteUpdate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name | None = None
    region_id: Id | None = None
    address: Address | None = None
    lat: Lat | None = None
    lng: Lng | None = None
    operator: Operator | None = None
    ownership: Literal["public", "private"] | None = None
    approved_beds: Beds | None = None
    radius_m: Radius | None = None
    polygon: list[list[float]] | None = None
    place_types: list[str] | None = None
    attributes: dict | None = None
    is_active: bool | None = None


class SiteAttributeRead(msgspec.Struct):
    """One attribute a site's `attributes` may hold (schemas/site-attributes.schema.json): the kinds that have it,
    its type and bounds, its choices with their Chinese labels, and its column header in the import."""

    name: str
    header: str
    kinds: list[str]
    type: Literal["integer", "number", "boolean", "choice", "text"]
    minimum: float | None
    maximum: float | None
    choices: list[list[str]]  # [value, label]


class ImportRowError(msgspec.Struct):
    row: int  # the spreadsheet's row number; the header is row 1
    column: str  # the header as the file writes it
    code: str
    message: str


class ImportReport(msgspec.Struct):
    dry_run: bool
    total_rows: int
    created: int
    updated: int
    unchanged: int
    errors: list[ImportRowError]
