"""Pure site rules: kinds and the fields each requires, coordinates, distances."""

from __future__ import annotations

import math

from ..errors import Invalid

KINDS = {
    "eldercare": "养老机构",
    "lottery_outlet": "福彩投注站",
    "patrol_zone": "巡查区域",
    "rescue_station": "救助管理站",
}

# Lengths the site table holds, and the bounds of its numbers (schemas.py and the import check the same).
CODE_MAX, NAME_MAX, ADDRESS_MAX, OPERATOR_MAX = 64, 200, 300, 200
BEDS_MAX = RADIUS_MAX = 100_000

# Gansu and every other province lie well inside these; anything else is a typo, not a place.
LAT_RANGE, LNG_RANGE = (-90.0, 90.0), (-180.0, 180.0)


def parse_near(value: str) -> tuple[float, float]:
    try:
        lat_s, lng_s = value.split(",")
        lat, lng = float(lat_s), float(lng_s)
    except ValueError:
        raise Invalid("near must be LAT,LNG", details={"parameter": "near"}) from None
    check_coordinates(lat, lng, field="near")
    return lat, lng


def check_coordinates(lat: float | None, lng: float | None, field: str = "lat") -> None:
    if (lat is None) != (lng is None):
        raise Invalid("lat and lng go together", details={"field": field})
    if lat is None:
        return
    if not (math.isfinite(lat) and math.isfinite(lng)) or not (LAT_RANGE[0] <= lat <= LAT_RANGE[1]) or not (
        LNG_RANGE[0] <= lng <= LNG_RANGE[1]
    ):
        raise Invalid("Coordinates out of range", details={"field": field})


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


def lng_scale(lat: float) -> float:
    """Squared-distance ordering on a flat projection: good enough to rank nearby sites, and plain SQL arithmetic."""
    return math.cos(math.radians(lat))


def validate_kind_fields(kind: str, fields: dict) -> None:
    """What each kind needs to be inspected and rated."""
    if kind not in KINDS:
        raise Invalid(f"Unknown site kind {kind!r}", details={"field": "kind", "allowed": sorted(KINDS)})
    errors = []
    if kind == "eldercare":
        if fields.get("ownership") not in ("public", "private"):
            errors.append({"field": "ownership", "message": "public or private"})
        beds = fields.get("approved_beds")
        if beds is None or beds < 0:
            errors.append({"field": "approved_beds", "message": "required, at least 0"})
    if kind == "patrol_zone":
        if fields.get("radius_m") is None and not fields.get("polygon"):
            errors.append({"field": "radius_m", "message": "a patrol zone needs a radius or a polygon"})
        if fields.get("radius_m") is not None and fields["radius_m"] <= 0:
            errors.append({"field": "radius_m", "message": "must be positive"})
    if kind != "eldercare" and fields.get("approved_beds") is not None:
        errors.append({"field": "approved_beds", "message": "only eldercare institutions have beds"})
    polygon = fields.get("polygon")
    if polygon is not None:
        if len(polygon) < 3:
            errors.append({"field": "polygon", "message": "at least three [lat, lng] points"})
        else:
            for pt in polygon:
                try:
                    check_coordinates(pt[0], pt[1], "polygon")
                except (Invalid, IndexError, TypeError):
                    errors.append({"field": "polygon", "message": "points are [lat, lng]"})
                    break
    if fields.get("lat") is None and kind != "patrol_zone" or (kind == "patrol_zone" and fields.get("lat") is None
                                                               and not polygon):
        errors.append({"field": "lat", "message": "the site's location is required"})
    if errors:
        raise Invalid("The site is not valid", details=errors)
    check_coordinates(fields.get("lat"), fields.get("lng"))
