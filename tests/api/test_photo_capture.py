"""What the phone measured when a photo was taken (X-Capture-* headers): the PWA re-encodes photos, which drops the
EXIF, so the capture time, the position and camera-or-gallery travel as headers and are kept with the photo."""

import uuid
import pytest

from tests.api.test_inspections import _eldercare_with_two_hazards, payload
from tests.integration.photos import support
from xunjian.photos.tables import Photo

TAKEN = "2026-12-03T09:15:00+08:00"


async def put_photo(client, headers, capture, photo=None):
    photo = photo or uuid.uuid4()
    r = await client.put(f"/api/photos/{photo}", content=support.jpeg((640, 480)),
                         headers={**headers, "Content-Type": "image/jpeg", **capture})
    return photo, r


async def test_capture_time_place_and_origin_are_kept_and_the_place_shown_only_to_supervisors(client, demo, as_user):
    inspector = await as_user("inspector")
    photo, r = await put_photo(client, inspector, {"X-Capture-Time": TAKEN, "X-Capture-Position": "36.061089,103.834304,12",
                                                   "X-Capture-Origin": "camera"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["captured_at"] == "2026-12-03T01:15:00Z" and body["origin"] == "camera"
    # Like the EXIF GPS, the position is for supervisors and admins.
    assert body["captured_lat"] is None
    row = await Photo.select().where(Photo.id == photo).first()
    assert (row["captured_lat"], row["captured_lng"], row["captured_accuracy_m"]) == (36.061089, 103.834304, 12.0)
    # A replay with other headers keeps what the first upload said.
    _, again = await put_photo(client, inspector, {"X-Capture-Origin": "gallery"}, photo)
    assert again.status_code == 200 and again.json()["origin"] == "camera"


async def test_a_photo_without_capture_headers_has_none(client, demo, as_user):
    _, r = await put_photo(client, await as_user("inspector"), {})
    assert r.status_code == 201
    assert r.json()["captured_at"] is None and r.json()["origin"] is None


@pytest.mark.parametrize("header, value", [
    ("X-Capture-Time", "yesterday"),
    ("X-Capture-Time", "2026-12-03T09:15:00"),  # no offset: which clock?
    ("X-Capture-Time", "1970-01-01T00:00:00Z"),
    ("X-Capture-Time", "2999-01-01T00:00:00+08:00"),  # beyond a day past the server's clock
    ("X-Capture-Position", "91,10"),
    ("X-Capture-Position", "36.1,200"),
    ("X-Capture-Position", "36.1;103.8"),
    ("X-Capture-Position", "NaN,NaN"),
    ("X-Capture-Origin", "screenshot"),
])
async def test_bad_capture_headers_are_422_and_store_nothing(client, demo, as_user, settings, header, value):
    _, r = await put_photo(client, await as_user("inspector"), {header: value})
    assert r.status_code in (400, 422), r.text
    assert r.json()["code"] in ("invalid_capture", "invalid", "validation_error") and r.status_code == 422
    assert await Photo.count() == 0


async def test_a_gallery_pick_is_marked_on_the_notice(client, demo, as_user):
    inspector = await as_user("inspector")
    photo, r = await put_photo(client, inspector, {"X-Capture-Time": TAKEN, "X-Capture-Origin": "gallery"})
    assert r.status_code == 201
    inspection_id = uuid.uuid4()
    r = await client.put(f"/api/inspections/{inspection_id}", headers=inspector,
                         json=payload(demo.sites["YL-620102-001"], answers=_eldercare_with_two_hazards(str(photo))))
    assert r.status_code == 201, r.text
    html = (await client.get(f"/api/inspections/{inspection_id}/notice", headers=await as_user("manager"))).text
    assert "<figcaption>相册照片</figcaption>" in html
