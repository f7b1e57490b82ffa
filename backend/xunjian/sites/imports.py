"""Pure rules of the bulk site import and export: the columns, reading a cell, validating a row against the site
rules, and what an imported row changes. No database, no HTTP: sites/bulk.py loads and writes, sites/sheets.py reads
and writes the files."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from ..csvout import FORMULA_LEADERS
from ..errors import Invalid
from . import attributes as site_attributes
from . import rules

MAX_ROWS = 50_000


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # the Chinese header the export writes
    aliases: tuple[str, ...]  # other headers accepted, compared lower-cased


COLUMNS = (
    Column("code", "编码", ("code", "站点编码", "机构编码")),
    Column("name", "名称", ("name", "站点名称", "机构名称")),
    Column("kind", "类型", ("kind", "类别")),
    Column("county", "县区", ("county", "县（区）", "县(区)", "区县", "region")),
    Column("address", "地址", ("address",)),
    Column("lat", "纬度", ("lat", "latitude")),
    Column("lng", "经度", ("lng", "lon", "longitude")),
    Column("operator", "运营方", ("operator", "运营单位", "业主")),
    Column("beds", "床位", ("beds", "approved_beds", "核定床位", "床位数")),
    Column("licence", "许可证", ("licence", "license", "许可证号")),
    # Not in a bureau's usual sheet, but the site rules need them: an eldercare institution is public or private,
    # and a patrol zone has a radius.
    Column("ownership", "性质", ("ownership", "公办/民办")),
    Column("radius", "半径", ("radius", "radius_m", "半径(米)", "半径（米）")),
    # A column per site attribute of schemas/site-attributes.schema.json (the licence is the one above).
    *(Column(f"attr.{a.name}", a.header, (a.name,)) for a in site_attributes.attributes() if a.name != "licence"),
)
ATTRIBUTES = {f"attr.{a.name}": a for a in site_attributes.attributes() if a.name != "licence"}
_BOOLEAN_NAMES = {"是": True, "否": False, "true": True, "false": False, "yes": True, "no": False, "1": True,
                  "0": False, "有": True, "无": False}
BY_FIELD = {c.field: c for c in COLUMNS}
REQUIRED = ("code", "name", "kind", "county")
_HEADERS = {name.lower(): c.field for c in COLUMNS for name in (c.header, *c.aliases)}

KIND_NAMES = {
    "养老机构": "eldercare", "福利彩票投注站": "lottery_outlet", "福彩投注站": "lottery_outlet",
    "救助管理站": "rescue_station", "巡查片区": "patrol_zone", "巡查区域": "patrol_zone",
    **{k: k for k in rules.KINDS},
}
KIND_LABELS = {"eldercare": "养老机构", "lottery_outlet": "福利彩票投注站", "rescue_station": "救助管理站",
               "patrol_zone": "巡查片区"}
OWNERSHIP_NAMES = {"公办": "public", "民办": "private", "public": "public", "private": "private"}
OWNERSHIP_LABELS = {"public": "公办", "private": "民办"}
COUNTY_LEVELS = ("county", "township")
LICENCE_MAX = 100

# Which column a site rule's field belongs to (sites/rules.py speaks of fields).
_FIELD_COLUMN = {"lat": "lat", "lng": "lng", "approved_beds": "beds", "ownership": "ownership",
                 "radius_m": "radius", "polygon": "radius", "kind": "kind", "field": "code"}


@dataclass
class RowError:
    row: int
    column: str
    code: str
    message: str


# Unicode's control characters (category Cc), as one scan rather than a lookup per character.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


class CellError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


# ---------------------------------------------------------------- headers

@dataclass
class Layout:
    """Which column index holds which field, and each field's header as the file writes it."""

    index: dict[str, int] = field(default_factory=dict)
    written: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str:
        return self.written.get(name, BY_FIELD[name].header)


def _header_text(value: Any) -> str:
    return "" if value is None else str(value).replace("\ufeff", "").replace("\u3000", " ").strip()


def read_headers(cells: list) -> tuple[Layout, list[RowError]]:
    layout, errors = Layout(), []
    for i, value in enumerate(cells):
        text = _header_text(value)
        if not text:
            continue
        name = _HEADERS.get(text.lower())
        if name is None:
            errors.append(RowError(1, text, "unknown_column",
                                   f"Unknown column {text!r}; the columns are "
                                   + ", ".join(f"{c.header}/{c.aliases[0]}" for c in COLUMNS)))
        elif name in layout.index:
            errors.append(RowError(1, text, "duplicate_column", f"{layout.written[name]!r} and {text!r} are the "
                                                                "same column"))
        else:
            layout.index[name], layout.written[name] = i, text
    for name in REQUIRED:
        if name not in layout.index:
            errors.append(RowError(1, BY_FIELD[name].header, "missing_column",
                                   f"The column {BY_FIELD[name].header} ({BY_FIELD[name].aliases[0]}) is required"))
    return layout, errors


# ---------------------------------------------------------------- cells

def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Any, max_length: int, *, required: bool = False) -> str:
    """A text cell, as text: a formula is kept as its text and never evaluated; the apostrophe csvout puts before
    such text is taken off again, so an export re-imports unchanged."""
    if value is None:
        out = ""
    elif isinstance(value, bool):
        raise CellError("invalid_text", "Expected text, not TRUE/FALSE")
    elif isinstance(value, int):
        out = str(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise CellError("invalid_text", "Expected text")
        if abs(value) >= 2**53:
            # Past 2**53 a spreadsheet number has lost digits: the code or number it was is gone.
            raise CellError("imprecise_number", "A number this long has lost digits; format the column as text")
        out = str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, (datetime, date, time)):
        raise CellError("invalid_text", "Expected text, not a date")
    elif isinstance(value, str):
        out = value
    else:  # an array formula and the like: its text
        out = str(getattr(value, "text", "") or "")
    out = out.strip()
    if len(out) > 1 and out[0] == "'" and out[1] in FORMULA_LEADERS:
        out = out[1:]
    if _CONTROL.search(out):
        raise CellError("control_characters", "Contains control characters (line breaks, tabs…)")
    if required and not out:
        raise CellError("required", "Required")
    if len(out) > max_length:
        raise CellError("too_long", f"At most {max_length} characters (this has {len(out)})")
    return out


def number(value: Any, low: float, high: float) -> float | None:
    if is_blank(value):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise CellError("invalid_number", "Expected a number")
    try:
        out = float(value.strip().lstrip("'") if isinstance(value, str) else value)
    except (ValueError, OverflowError):
        raise CellError("invalid_number", f"Expected a number, not {str(value)[:40]!r}") from None
    if not math.isfinite(out):
        raise CellError("invalid_number", "Expected a finite number")
    if not (low <= out <= high):
        raise CellError("out_of_range", f"Must be between {low:g} and {high:g}")
    return out


def integer(value: Any, low: int, high: int) -> int | None:
    out = number(value, low, high)
    if out is None:
        return None
    if not out.is_integer():
        raise CellError("invalid_number", "Expected a whole number")
    return int(out)


def choice(value: Any, names: dict[str, str], what: str) -> str | None:
    raw = text(value, 40)
    if not raw:
        return None
    found = names.get(raw) or names.get(raw.lower())
    if found is None:
        raise CellError(f"unknown_{what}", f"Unknown {what} {raw!r}; one of " + ", ".join(sorted(set(names))))
    return found


# ---------------------------------------------------------------- regions

@dataclass(frozen=True)
class RegionRef:
    id: int
    code: str
    name: str
    level: str
    path: str
    parent_name: str


class RegionIndex:
    """Regions by code and by name, for the 县区 column."""

    def __init__(self, regions: list[RegionRef]):
        self.by_id = {r.id: r for r in regions}
        self.by_code = {r.code: r for r in regions}
        self.by_name: dict[str, list[RegionRef]] = {}
        for r in regions:
            if r.level in COUNTY_LEVELS:
                self.by_name.setdefault(r.name, []).append(r)

    def find(self, value: str) -> RegionRef:
        region = self.by_code.get(value)
        if region is None:
            candidates = self.by_name.get(value, [])
            if not candidates:
                raise CellError("unknown_region", f"No county or township is named or coded {value!r}")
            if len(candidates) > 1:
                raise CellError("ambiguous_region", f"{value!r} is ambiguous; write the code of one of "
                                + "; ".join(f"{r.code} ({r.parent_name}{r.name})" for r in candidates))
            region = candidates[0]
        return region

    def label(self, region_id: int) -> str:
        """What the export writes: the name where it names one county or township, else the code."""
        region = self.by_id[region_id]
        return region.name if len(self.by_name.get(region.name, [])) == 1 else region.code


# ---------------------------------------------------------------- rows

# The site's columns an import may write, as the database holds them (attributes holds the licence).
WRITABLE = ("name", "region", "region_path", "address", "lat", "lng", "operator", "ownership", "approved_beds",
            "radius_m", "attributes")


@dataclass
class Parsed:
    row: int
    code: str
    kind: str | None
    values: dict[str, Any]  # WRITABLE keys, only those the file's columns give
    licence: str | None = None
    has_licence: bool = False
    attributes: dict[str, Any] = field(default_factory=dict)  # the attribute columns' values (None: blank, cleared)


def parse_row(row_no: int, cells: list, layout: Layout, regions: RegionIndex) -> tuple[Parsed | None, list[RowError]]:
    errors: list[RowError] = []
    values: dict[str, Any] = {}
    out = Parsed(row=row_no, code="", kind=None, values=values)

    def cell(name: str) -> Any:
        i = layout.index[name]
        return cells[i] if i < len(cells) else None

    def read(name: str, fn) -> None:
        if name not in layout.index:
            return
        try:
            fn(cell(name))
        except CellError as exc:
            errors.append(RowError(row_no, layout.header(name), exc.code, exc.message))

    def set_code(v):
        out.code = text(v, rules.CODE_MAX, required=True)

    def set_kind(v):
        out.kind = choice(v, KIND_NAMES, "kind")
        if out.kind is None:
            raise CellError("required", "Required")

    def set_county(v):
        region = regions.find(text(v, 64, required=True))
        values["region"], values["region_path"] = region.id, region.path

    def set_licence(v):
        out.licence, out.has_licence = text(v, LICENCE_MAX) or None, True

    read("code", set_code)
    read("name", lambda v: values.__setitem__("name", text(v, rules.NAME_MAX, required=True)))
    read("kind", set_kind)
    read("county", set_county)
    read("address", lambda v: values.__setitem__("address", text(v, rules.ADDRESS_MAX)))
    read("lat", lambda v: values.__setitem__("lat", number(v, *rules.LAT_RANGE)))
    read("lng", lambda v: values.__setitem__("lng", number(v, *rules.LNG_RANGE)))
    read("operator", lambda v: values.__setitem__("operator", text(v, rules.OPERATOR_MAX)))
    read("beds", lambda v: values.__setitem__("approved_beds", integer(v, 0, rules.BEDS_MAX)))
    read("licence", set_licence)
    read("ownership", lambda v: values.__setitem__("ownership", choice(v, OWNERSHIP_NAMES, "ownership")))
    read("radius", lambda v: values.__setitem__("radius_m", integer(v, 1, rules.RADIUS_MAX)))
    for column, attribute in ATTRIBUTES.items():
        read(column, lambda v, a=attribute: out.attributes.__setitem__(a.name, attribute_cell(v, a)))
    return (None if errors else out), errors


def attribute_cell(value: Any, a: site_attributes.Attribute) -> Any:
    """An attribute's cell as its value: a number within its bounds, one of its choices (the value or its Chinese
    label), yes/no (是/否), or text; None when blank."""
    if a.type == "integer":
        return integer(value, int(a.minimum), int(a.maximum))
    if a.type == "number":
        return number(value, a.minimum, a.maximum)
    if a.type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        return choice(value, _BOOLEAN_NAMES, "yes_no")
    if a.type == "choice":
        names = {**{v: v for v, _ in a.choices}, **{label: v for v, label in a.choices}}
        if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
            value = str(int(value))  # a grade typed as a number
        return choice(value, names, a.name)
    return text(value, a.max_length or 100) or None


_NEW_SITE = {"address": "", "lat": None, "lng": None, "operator": "", "ownership": None, "approved_beds": None,
             "radius_m": None, "polygon": None, "attributes": {}}


@dataclass
class Outcome:
    status: str  # created, updated, unchanged
    values: dict[str, Any]  # the site's WRITABLE values after the import
    errors: list[RowError]


def apply_row(parsed: Parsed, current: dict | None, layout: Layout, regions: RegionIndex) -> Outcome:
    """What the row makes of the site `current` (None: a new one): the merged values, validated with the site
    rules, and whether anything changed. Columns the file does not have leave the site's values alone."""
    errors: list[RowError] = []
    base = dict(current) if current is not None else {**_NEW_SITE, "kind": parsed.kind}
    merged = {**base, **parsed.values}
    attributes = dict(base.get("attributes") or {})
    if parsed.has_licence:
        if parsed.licence is None:
            attributes.pop("licence", None)
        else:
            attributes["licence"] = parsed.licence
    kind = base["kind"]
    for name, value in parsed.attributes.items():
        if value is None:
            attributes.pop(name, None)
        elif kind not in ATTRIBUTES[f"attr.{name}"].kinds:
            errors.append(RowError(parsed.row, layout.header(f"attr.{name}"), "not_for_kind",
                                   f"{KIND_LABELS.get(kind, kind)}没有此项 (a {kind} has no {name})"))
        else:
            attributes[name] = value
    merged["attributes"] = attributes
    if current is not None and parsed.kind is not None and parsed.kind != current["kind"]:
        errors.append(RowError(parsed.row, layout.header("kind"), "kind_mismatch",
                               f"The site {parsed.code} is a {KIND_LABELS.get(current['kind'], current['kind'])}; "
                               "a site's kind does not change"))
    moved = current is None or merged["region"] != current["region"]
    if moved and regions.by_id[merged["region"]].level not in COUNTY_LEVELS:
        errors.append(RowError(parsed.row, layout.header("county"), "region_level",
                               "A site belongs to a county or a township"))
    if not errors:
        fields = {"lat": merged["lat"], "lng": merged["lng"], "ownership": merged["ownership"],
                  "approved_beds": merged["approved_beds"], "radius_m": merged["radius_m"],
                  "polygon": merged.get("polygon")}
        try:
            rules.validate_kind_fields(base["kind"], fields)
        except Invalid as exc:
            problems = exc.details if isinstance(exc.details, list) else [{**(exc.details or {}),
                                                                           "message": exc.message}]
            for p in problems:
                name = _FIELD_COLUMN.get(p.get("field", ""), "code")
                errors.append(RowError(parsed.row, layout.header(name), "invalid_site",
                                       p.get("message") or exc.message))
    if not errors:
        for p in site_attributes.problems(kind, attributes):
            column = f"attr.{p['field'].removeprefix('attributes.')}"
            errors.append(RowError(parsed.row, layout.header(column if column in ATTRIBUTES else "licence"),
                                   "invalid_attribute", p["message"]))
    values = {k: merged.get(k) for k in WRITABLE}
    if current is None:
        status = "created"
    else:
        status = "unchanged" if all(values[k] == current.get(k) for k in WRITABLE) else "updated"
    return Outcome(status, values, errors)


def duplicate_error(parsed: Parsed, first_row: int, layout: Layout) -> RowError:
    return RowError(parsed.row, layout.header("code"), "duplicate_code",
                    f"The code {parsed.code} is also in row {first_row}")


# ---------------------------------------------------------------- export

def export_header() -> list[str]:
    return [c.header for c in COLUMNS]


def export_row(site: dict, regions: RegionIndex) -> list:
    attributes = site.get("attributes") or {}
    return [site["code"], site["name"], KIND_LABELS.get(site["kind"], site["kind"]), regions.label(site["region"]),
            site["address"], site["lat"], site["lng"], site["operator"], site["approved_beds"],
            attributes.get("licence"), OWNERSHIP_LABELS.get(site["ownership"] or ""), site["radius_m"],
            *(_attribute_out(attributes.get(a.name), a) for a in ATTRIBUTES.values())]


def _attribute_out(value: Any, a: site_attributes.Attribute) -> Any:
    """What the export writes for an attribute: a choice's Chinese label, 是/否, or the value (re-imports unchanged)."""
    if value is None:
        return None
    if a.type == "boolean" and isinstance(value, bool):
        return "是" if value else "否"
    return dict(a.choices).get(value, value) if a.type == "choice" else value
