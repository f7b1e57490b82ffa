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
    # Measured by the phone at capture (X-Capture-* headers of the upload); the position, like the EXIF GPS, only for
    # supervisors and admins. `origin`: camera, or gallery (a picture picked from the phone's gallery, not taken now).
    captured_at: datetime | None = None
    origin: str | None = None
    captured_lat: float | None = None
    captured_lng: float | None = None
    captured_accuracy_m: float | None = None
