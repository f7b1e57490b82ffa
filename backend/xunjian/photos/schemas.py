import uuid
from datetime import datetime

import msgspec


class PhotoUrls(msgspec.Struct):
    """Short-lived URLs (at most 5 minutes). `original` only for supervisors and admins: it keeps the GPS position."""

    display: str
    thumb: str
    original: str | None
    expires_at: datetime


class PhotoRead(msgspec.Struct):
    id: uuid.UUID
    content_type: str
    size_bytes: int
    sha256: str
    width: int
    height: int
    taken_at: datetime | None
    created_at: datetime
    uploader_id: int
    gps_lat: float | None
    gps_lng: float | None
    urls: PhotoUrls
