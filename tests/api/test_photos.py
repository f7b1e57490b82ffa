"""Photo upload and access through HTTP: hostile files, idempotency, evidence integrity, scope, URL lifetime."""

import hashlib
import io
import uuid
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from tests.integration.photos import support
from xunjian.audit.tables import AuditEvent
from xunjian.photos import rules
from xunjian.photos.links import link_photos
from xunjian.photos.tables import Photo

JPEG = {"Content-Type": "image/jpeg"}


async def upload(client, headers, data, photo_id=None, content_type="image/jpeg"):
    photo_id = photo_id or uuid.uuid4()
    response = await client.put(f"/api/photos/{photo_id}", content=data,
                                headers={**headers, "Content-Type": content_type})
    return photo_id, response


def stored_files(settings):
    return sorted(p for p in settings.photo_dir.rglob("*") if p.is_file())


async def assert_nothing_left(settings):
    assert await Photo.count() == 0
    assert stored_files(settings) == []


@pytest.mark.parametrize("name, data, status", [
    ("decompression bomb PNG", support.bomb_png(), 422),
    ("truncated JPEG", support.truncated_jpeg(), 422),
    ("text as image/jpeg", support.TEXT, 415),
    ("SVG", support.SVG, 415),
    ("GIF", support.gif(), 415),
    ("empty body", b"", 422),
])
async def test_hostile_files_are_refused_and_leave_nothing(client, demo, as_user, settings, name, data, status):
    _, r = await upload(client, await as_user("inspector"), data)
    assert r.status_code == status, (name, r.text)
    assert r.json()["details"]["field"] == "body"
    await assert_nothing_left(settings)


async def test_oversize_body_is_refused_while_streaming(client, demo, as_user, settings):
    sent = []
    chunk = b"\xff" * 65536

    async def body():
        for _ in range(settings.photo_max_bytes // len(chunk) + 50):
            sent.append(len(chunk))
            yield chunk

    r = await client.put(f"/api/photos/{uuid.uuid4()}", content=body(),
                         headers={**await as_user("inspector"), **JPEG})
    assert r.status_code == 413
    assert sum(sent) < settings.photo_max_bytes + 4 * len(chunk), "the rest of the body was not read"
    # A declared length over the limit is refused before reading anything.
    r = await client.put(f"/api/photos/{uuid.uuid4()}", content=b"x" * 100,
                         headers={**await as_user("inspector"), **JPEG,
                                  "Content-Length": str(settings.photo_max_bytes + 1)})
    assert r.status_code == 413
    await assert_nothing_left(settings)


async def test_gps_photo_original_is_exact_and_derivatives_are_clean(client, demo, as_user, settings):
    data = support.two_tone_jpeg(orientation=6)
    photo_id, r = await upload(client, await as_user("inspector"), data)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert (body["width"], body["height"]) == (200, 400)
    assert body["taken_at"] == "2026-11-20T01:30:00Z"
    assert body["gps_lat"] is None and body["urls"]["original"] is None  # inspectors see neither

    row = await Photo.select().where(Photo.id == photo_id).first()
    assert row["gps_lat"] == pytest.approx(36.0579167) and row["gps_lng"] == pytest.approx(103.8366667)

    await link_photos(demo.users["inspector"], [photo_id], "finding", 1, demo.sites["YL-620102-001"])
    admin = await client.get(f"/api/photos/{photo_id}", headers=await as_user("admin"))
    urls = admin.json()["urls"]
    assert admin.json()["gps_lat"] == pytest.approx(36.0579167)
    original = await client.get(urls["original"], headers=await as_user("admin"))
    assert original.status_code == 200 and original.content == data
    assert hashlib.sha256(original.content).hexdigest() == body["sha256"]
    for variant in ("display", "thumb"):
        got = await client.get(urls[variant], headers=await as_user("admin"))
        assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
        im = Image.open(io.BytesIO(got.content))
        assert not im.getexif(), f"{variant} keeps EXIF"
        assert all(not 0xE1 <= m <= 0xEF for m in support.app_markers(got.content))
        assert im.height > im.width
        top = im.getpixel((im.width // 2, 3))
        assert top[0] > 150 and top[2] < 80, "upright: the red half is on top"


async def test_malformed_gps_exif_is_stored_without_gps(client, demo, as_user):
    for data in (support.jpeg_with_bad_gps(), support.jpeg_with_broken_gps_pointer()):
        photo_id, r = await upload(client, await as_user("inspector"), data)
        assert r.status_code == 201, r.text
        row = await Photo.select(Photo.gps_lat, Photo.gps_lng).where(Photo.id == photo_id).first()
        assert row == {"gps_lat": None, "gps_lng": None}


async def test_format_is_decided_by_content(client, demo, as_user):
    _, r = await upload(client, await as_user("inspector"), support.png(), content_type="image/jpeg")
    assert r.status_code == 201 and r.json()["content_type"] == "image/png"
    _, r = await upload(client, await as_user("inspector"), support.webp(), content_type="application/octet-stream")
    assert r.status_code == 201 and r.json()["content_type"] == "image/webp"


async def test_upload_is_idempotent_by_id(client, demo, as_user, settings):
    headers = await as_user("inspector")
    data = support.jpeg()
    photo_id, first = await upload(client, headers, data)
    _, again = await upload(client, headers, data, photo_id)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["sha256"] == first.json()["sha256"]
    _, other = await upload(client, headers, support.jpeg(color=(0, 0, 255)), photo_id)
    assert other.status_code == 409
    assert await Photo.count() == 1
    assert len(stored_files(settings)) == 3
    # Someone who cannot see the photo learns nothing from reusing its id.
    _, foreign = await upload(client, await as_user("inspector2"), data, photo_id)
    assert foreign.status_code == 409 and "sha256" not in (foreign.json()["details"] or {})
    uploads = await AuditEvent.count().where(AuditEvent.action == "photo.upload")
    assert uploads == 1


async def test_concurrent_replays_leave_one_photo(client, demo, as_user, settings):
    import asyncio

    headers = await as_user("inspector")
    data = support.jpeg((800, 600))
    photo_id = uuid.uuid4()
    results = await asyncio.gather(*[upload(client, headers, data, photo_id) for _ in range(6)])
    statuses = sorted(r.status_code for _, r in results)
    assert statuses.count(201) == 1 and statuses.count(200) == 5, statuses
    assert await Photo.count() == 1 and len(stored_files(settings)) == 3


async def test_scope_follows_the_referring_record(client, demo, as_user):
    photo_id, r = await upload(client, await as_user("inspector"), support.two_tone_jpeg())
    assert r.status_code == 201
    # Before any record refers to it, only the uploader (and nobody else) sees it.
    assert (await client.get(f"/api/photos/{photo_id}", headers=await as_user("inspector"))).status_code == 200
    for user in ("manager", "manager2", "inspector2", "supervisor"):
        assert (await client.get(f"/api/photos/{photo_id}", headers=await as_user(user))).status_code == 404, user
    await link_photos(demo.users["inspector"], [photo_id], "finding", 1, demo.sites["YL-620102-001"])
    for user, status in [("manager", 200), ("supervisor", 200), ("admin", 200), ("manager2", 404),
                         ("inspector2", 404)]:
        r = await client.get(f"/api/photos/{photo_id}", headers=await as_user(user))
        assert r.status_code == status, user
        if status == 404:
            assert "urls" not in r.text and "sha256" not in r.text
    manager_view = (await client.get(f"/api/photos/{photo_id}", headers=await as_user("manager"))).json()
    assert manager_view["urls"]["original"] is None and manager_view["gps_lat"] is None


async def test_photo_linked_before_upload_is_visible_on_arrival(client, demo, as_user):
    photo_id = uuid.uuid4()
    await link_photos(demo.users["manager2"], [photo_id], "response", 7, demo.sites["YL-620502-004"])
    _, r = await upload(client, await as_user("manager2"), support.jpeg(), photo_id)
    assert r.status_code == 201
    assert (await client.get(f"/api/photos/{photo_id}", headers=await as_user("inspector2"))).status_code == 200
    assert (await client.get(f"/api/photos/{photo_id}", headers=await as_user("manager"))).status_code == 404


async def test_restricted_photo_of_a_person_met(client, demo, as_user):
    photo_id, _ = await upload(client, await as_user("inspector"), support.jpeg())
    zone = demo.sites["XC-620102-01"]
    await link_photos(demo.users["inspector"], [photo_id], "encounter", "e-1", zone, restricted=True)
    expect = {"inspector": 200, "supervisor": 200, "admin": 404, "privacy": 200, "manager": 404, "manager2": 404, "inspector2": 404}
    for user, status in expect.items():
        r = await client.get(f"/api/photos/{photo_id}", headers=await as_user(user))
        assert r.status_code == status, user
    views = await AuditEvent.select(AuditEvent.actor_name).where(
        (AuditEvent.action == "photo.view_restricted") & (AuditEvent.entity_id == str(photo_id)))
    assert sorted(v["actor_name"] for v in views) == ["inspector", "privacy", "supervisor"]


async def test_every_original_url_is_audited(client, demo, as_user):
    photo_id, _ = await upload(client, await as_user("inspector"), support.jpeg())
    await link_photos(demo.users["inspector"], [photo_id], "finding", 2, demo.sites["YL-620102-001"])
    for user in ("supervisor", "supervisor", "privacy", "manager", "inspector"):
        await client.get(f"/api/photos/{photo_id}", headers=await as_user(user))
    events = await AuditEvent.select(AuditEvent.actor_name, AuditEvent.site_id).where(
        (AuditEvent.action == "photo.original_url") & (AuditEvent.entity_id == str(photo_id)))
    assert sorted(e["actor_name"] for e in events) == ["privacy", "supervisor", "supervisor"]
    assert {e["site_id"] for e in events} == {demo.sites["YL-620102-001"]}


async def test_local_urls_expire_and_cannot_be_altered(client, demo, as_user, settings):
    photo_id, r = await upload(client, await as_user("inspector"), support.jpeg())
    headers = await as_user("inspector")
    url = r.json()["urls"]["display"]
    query = parse_qs(urlsplit(url).query)
    issued = datetime.now(timezone.utc).timestamp()
    assert int(query["exp"][0]) - issued <= 300
    assert (await client.get(url, headers=headers)).status_code == 200
    key = f"{photo_id}/{query['v'][0]}/display.jpg"
    # The same link, signed with a past issue time: the server refuses it once its five minutes are over.
    stale = rules.signed_query(settings.signing_key(), key, datetime(2026, 1, 1, tzinfo=timezone.utc))
    r = await client.get(f"/api/photos/{photo_id}/file/display.jpg", params=stale, headers=headers)
    assert r.status_code == 403 and r.json()["code"] == "url_expired"
    forged = dict(query, exp=str(int(query["exp"][0]) + 1))
    forged = {k: v if isinstance(v, str) else v[0] for k, v in forged.items()}
    r = await client.get(f"/api/photos/{photo_id}/file/display.jpg", params=forged, headers=headers)
    assert r.status_code == 403
    other = {k: v[0] for k, v in query.items()}
    r = await client.get(f"/api/photos/{photo_id}/file/original.jpg", params=other, headers=headers)
    assert r.status_code == 403, "a display link does not open the original"


HOSTILE_SIGNATURES = ["", "zz", "é" * 64, "ä", "中文", "\x00", "0" * 20000, "A" * 64, "%"]
HOSTILE_EXPIRIES = ["", "abc", "-1", "1e10", "0x10", " 12", "٣٣٣", "１２３", str(2**64), str(-2**63 - 1), "9" * 5000]


async def test_malformed_signed_url_parameters_are_refused_never_500(client, demo, as_user):
    photo_id, r = await upload(client, await as_user("inspector"), support.jpeg())
    headers = await as_user("inspector")
    url = urlsplit(r.json()["urls"]["display"])
    good = {k: v[0] for k, v in parse_qs(url.query).items()}
    folder = url.path.rsplit("/", 1)[0]
    attempts = [(url.path, dict(good, sig=sig), {403}) for sig in HOSTILE_SIGNATURES]
    attempts += [(url.path, dict(good, exp=exp), {403}) for exp in HOSTILE_EXPIRIES]
    # The valid signature, with its expiry spelled another way int() would accept: still not a URL we issued.
    attempts += [(url.path, dict(good, exp=exp), {403}) for exp in (" " + good["exp"], "+" + good["exp"])]
    # Version and name are described by patterns in the OpenAPI: refused as invalid (or unknown), never a crash.
    attempts += [(url.path, dict(good, v=v), {403, 404, 422}) for v in ("", "zz", "é" * 16, "0" * 17, "0" * 16)]
    attempts += [(f"{folder}/{name}", good, {403, 404, 422})
                 for name in ("original.exe", "display.jpg%00", "..%2F..%2Fsecret_key", "%C3%A9", "x" * 5000)]
    for path, params, allowed in attempts:
        r = await client.get(path, params=params, headers=headers)
        assert r.status_code in allowed, (path[-30:], {k: v[:30] for k, v in params.items()}, r.text)
        assert set(r.json()) == {"code", "message", "details"}
    assert (await client.get(url.path, params=good, headers=headers)).status_code == 200


async def test_readyz_reports_the_photo_store(client, demo):
    r = await client.get("/readyz")
    assert r.status_code == 200 and r.json()["checks"]["photo_store"] is True


async def test_secret_key_is_generated_once_per_data_dir(settings, tmp_path):
    key = settings.signing_key()
    assert len(key) >= 32 and settings.signing_key() == key
    assert (settings.data_dir / "secret_key").stat().st_mode & 0o077 == 0
    assert settings.with_(data_dir=tmp_path / "elsewhere").signing_key() != key
    assert settings.with_(secret_key="from-the-environment").signing_key() == b"from-the-environment"


async def test_store_failing_midway_leaves_nothing(app, client, demo, as_user, settings):
    from xunjian.photos.store import LocalPhotoStore, StoreUnavailable

    class FailsOnThumb(LocalPhotoStore):
        async def put(self, key, data, content_type):
            if key.endswith("thumb.jpg"):
                raise StoreUnavailable("disk full")
            await super().put(key, data, content_type)

    app.state.photo_store = FailsOnThumb(settings.photo_dir, settings.signing_key())
    _, r = await upload(client, await as_user("inspector"), support.jpeg())
    assert r.status_code == 503 and r.headers["Retry-After"]
    await assert_nothing_left(settings)
    assert await AuditEvent.count().where(AuditEvent.action == "photo.upload") == 0
