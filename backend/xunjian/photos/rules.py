"""Photo rules without I/O: object keys, signed URLs, EXIF values, who may see what."""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

# Presigned and signed URLs live at most this long (the issue: "valid at most 5 minutes").
URL_TTL = timedelta(minutes=5)

# Objects younger than this are never treated as orphans: an upload may be between its store write and its row.
ORPHAN_GRACE = timedelta(hours=1)
# A photo nobody refers to this long after upload is deleted (offline clients upload photos before the record).
UNREFERENCED_AFTER = timedelta(hours=24)

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
PRIVILEGED_ROLES = frozenset({"supervisor", "admin"})

# EXIF times carry no zone unless OffsetTime* is set; cameras here are on China time.
DEFAULT_EXIF_TZ = timezone(timedelta(hours=8))

_KEY_RE = re.compile(
    r"^(?P<photo>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/(?P<version>[0-9a-f]{16})/"
    r"(?P<name>original\.(?:jpg|png|webp)|display\.jpg|thumb\.jpg)$"
)
NAME_RE = r"original\.(?:jpg|png|webp)|display\.jpg|thumb\.jpg"

# Issued documents' PDFs (the documents app) live in the same store, one object per document and hash. They are
# immutable evidence: the orphan sweep, which only ever considers photo keys, never removes them.
_DOCUMENT_KEY_RE = re.compile(r"^documents/[0-9]{1,12}/[0-9a-f]{64}\.pdf$")


def document_key(document_id: int, sha256: str) -> str:
    return f"documents/{document_id}/{sha256}.pdf"


def is_document_key(key: str) -> bool:
    return _DOCUMENT_KEY_RE.match(key) is not None


@dataclass(frozen=True)
class Keys:
    original: str
    display: str
    thumb: str

    def all(self) -> tuple[str, str, str]:
        return (self.original, self.display, self.thumb)


def object_keys(photo_id: uuid.UUID, sha256: str, content_type: str) -> Keys:
    """Keys carry a digest prefix, so two different uploads racing for one id never overwrite each other's objects."""
    base = f"{photo_id}/{sha256[:16]}"
    return Keys(f"{base}/original.{EXTENSIONS[content_type]}", f"{base}/display.jpg", f"{base}/thumb.jpg")


def parse_key(key: str) -> tuple[str, str, str] | None:
    """(photo id, version, name) of a well-formed key, else None."""
    m = _KEY_RE.match(key)
    return (m["photo"], m["version"], m["name"]) if m else None


def content_type_of_name(name: str) -> str:
    ext = name.rsplit(".", 1)[-1]
    return {v: k for k, v in EXTENSIONS.items()}[ext]


# ---------------------------------------------------------------- signed URLs of the local store

def sign(secret: bytes, key: str, expires: int) -> str:
    return hmac.new(secret, f"{key}\n{expires}".encode(), hashlib.sha256).hexdigest()


def signed_query(secret: bytes, key: str, now: datetime, ttl: timedelta = URL_TTL) -> dict[str, str]:
    ttl = min(ttl, URL_TTL)
    expires = int((now + ttl).timestamp())
    parsed = parse_key(key)
    return {"v": parsed[1] if parsed else "", "exp": str(expires), "sig": sign(secret, key, expires)}


# What we issue: Unix seconds in ASCII digits, and a hex SHA-256. Anything else (non-ASCII, which compare_digest
# refuses with a TypeError, or numbers int() would take in other scripts or with signs and spaces) is not ours.
_EXPIRES_RE = re.compile(r"^[0-9]{1,12}$")
_SIG_RE = re.compile(r"^[0-9a-f]{64}$")


def check_signature(secret: bytes, key: str, expires: str, sig: str, now: datetime) -> str | None:
    """None when the URL is valid now, else the reason it is not."""
    if not isinstance(expires, str) or not isinstance(sig, str) or not _EXPIRES_RE.fullmatch(expires) \
            or not _SIG_RE.fullmatch(sig):
        return "bad_signature"
    exp = int(expires)
    if not hmac.compare_digest(sign(secret, key, exp).encode(), sig.encode()):
        return "bad_signature"
    if now.timestamp() > exp:
        return "expired"
    if exp - now.timestamp() > URL_TTL.total_seconds() + 5:
        return "bad_signature"  # never issued by us: a lifetime beyond the limit
    return None


# ---------------------------------------------------------------- EXIF values

def _number(value: Any) -> float | None:
    try:
        if isinstance(value, tuple) and len(value) == 2:  # (numerator, denominator) from older encoders
            value = value[0] / value[1]
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def gps_coordinate(ref: Any, dms: Any, refs: str, limit: float) -> float | None:
    """Degrees/minutes/seconds and a hemisphere letter (one of `refs`, positive first) → signed decimal degrees,
    or None when malformed."""
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    if not isinstance(ref, str):
        return None
    ref = ref.strip("\x00 ").upper()
    if len(ref) != 1 or ref not in refs:
        return None
    if not isinstance(dms, (tuple, list)) or not 1 <= len(dms) <= 3:
        return None
    parts = [_number(p) for p in dms]
    if any(p is None or p < 0 for p in parts):
        return None
    parts += [0.0] * (3 - len(parts))
    deg, minutes, seconds = parts
    if minutes >= 60 or seconds >= 60:
        return None
    value = deg + minutes / 60 + seconds / 3600
    if value > limit:
        return None
    return round(-value if ref == refs[1] else value, 7)


def gps_position(gps_ifd: dict) -> tuple[float, float] | None:
    """(lat, lng) from a GPS IFD (tags 1–4), or None when missing or malformed."""
    lat = gps_coordinate(gps_ifd.get(1), gps_ifd.get(2), "NS", 90.0)
    lng = gps_coordinate(gps_ifd.get(3), gps_ifd.get(4), "EW", 180.0)
    if lat is None or lng is None:
        return None
    return lat, lng


_OFFSET_RE = re.compile(r"^([+-])(\d{2}):(\d{2})$")


def exif_time(value: Any, offset: Any = None) -> datetime | None:
    """'YYYY:MM:DD HH:MM:SS' (+ optional '+08:00') → aware UTC; None when malformed or absurd."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    try:
        local = datetime.strptime(value.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    tz = DEFAULT_EXIF_TZ
    if isinstance(offset, bytes):
        offset = offset.decode("ascii", "replace")
    if isinstance(offset, str) and (m := _OFFSET_RE.match(offset.strip("\x00 "))):
        delta = timedelta(hours=int(m[2]), minutes=int(m[3]))
        if delta <= timedelta(hours=14):
            tz = timezone(-delta if m[1] == "-" else delta)
    if local.year < 1990:
        return None
    return local.replace(tzinfo=tz).astimezone(timezone.utc)


def exif_text(value: Any, limit: int = 64) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = "".join(ch for ch in value if ch.isprintable()).strip()
    return value[:limit] or None


# ---------------------------------------------------------------- access

@dataclass(frozen=True)
class Link:
    """A PhotoLink as seen by the caller: whether its site is in the caller's scope."""

    site_id: int
    restricted: bool
    in_scope: bool


def visible_links(role: str, is_uploader: bool, links: Iterable[Link], reads_people: bool = False) -> list[Link]:
    """The links through which the caller sees the photo.

    Restricted links (people met on patrols) count only for callers who read personal data (supervisors; admins with
    the personal-data grant: accounts.rules.reads_people) in scope; managers never see them.
    """
    out = []
    for link in links:
        if not link.in_scope:
            continue
        if link.restricted and not reads_people:
            continue
        out.append(link)
    return out


def may_view(role: str, is_uploader: bool, links: Iterable[Link], reads_people: bool = False) -> bool:
    return is_uploader or bool(visible_links(role, is_uploader, links, reads_people))


def sees_original(role: str) -> bool:
    """The original keeps the GPS position: supervisors and admins only."""
    return role in PRIVILEGED_ROLES


ORIGINS = ("camera", "gallery")
# A capture time more than this ahead of the server's clock is a wrong phone clock, not a photo from the future.
CAPTURE_CLOCK_SKEW = timedelta(days=1)
_POSITION_RE = re.compile(r"^(-?\d{1,3}(?:\.\d{1,10})?),(-?\d{1,3}(?:\.\d{1,10})?)(?:,(\d{1,6}(?:\.\d{1,3})?))?$")


@dataclass(frozen=True)
class Capture:
    """What the phone measured when the photo was taken (headers of the upload, see the controller)."""

    at: datetime | None = None
    lat: float | None = None
    lng: float | None = None
    accuracy_m: float | None = None
    origin: str | None = None


def parse_capture(at: str | None, position: str | None, origin: str | None, now: datetime) -> tuple[Capture, str | None]:
    """(capture, error): the headers X-Capture-Time (ISO 8601 with an offset), X-Capture-Position ("lat,lng" or
    "lat,lng,accuracy in metres") and X-Capture-Origin (camera | gallery), each optional. An error names the header."""
    when = lat = lng = acc = None
    if at:
        try:
            when = datetime.fromisoformat(at.strip().replace("Z", "+00:00"))
        except ValueError:
            return Capture(), "X-Capture-Time"
        if when.tzinfo is None or when.year < 2000 or when > now + CAPTURE_CLOCK_SKEW:
            return Capture(), "X-Capture-Time"
        when = when.astimezone(timezone.utc)
    if position:
        m = _POSITION_RE.match(position.strip())
        if not m:
            return Capture(), "X-Capture-Position"
        lat, lng = float(m[1]), float(m[2])
        acc = float(m[3]) if m[3] else None
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            return Capture(), "X-Capture-Position"
    if origin and origin not in ORIGINS:
        return Capture(), "X-Capture-Origin"
    return Capture(at=when, lat=lat, lng=lng, accuracy_m=acc, origin=origin or None), None
