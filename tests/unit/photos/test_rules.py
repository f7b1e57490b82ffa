import uuid
from datetime import datetime, timedelta, timezone

import pytest

from xunjian.photos import rules
from xunjian.photos.rules import Link

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
SECRET = b"test-secret"
PHOTO = uuid.UUID("1b4e28ba-2fa1-11d2-883f-0016d3cca427")


def test_keys_are_versioned_by_digest_and_parse_back():
    keys = rules.object_keys(PHOTO, "ab" * 32, "image/png")
    assert keys.original == f"{PHOTO}/{'ab' * 8}/original.png"
    assert keys.display.endswith("/display.jpg") and keys.thumb.endswith("/thumb.jpg")
    other = rules.object_keys(PHOTO, "cd" * 32, "image/png")
    assert set(keys.all()).isdisjoint(other.all())
    assert rules.parse_key(keys.thumb) == (str(PHOTO), "ab" * 8, "thumb.jpg")


@pytest.mark.parametrize("key", ["../etc/passwd", f"{PHOTO}/{'a' * 16}/../../x", f"{PHOTO}/{'a' * 16}/original.gif",
                                 f"{PHOTO}/ABCDEF0123456789/display.jpg", "", f"{PHOTO}/display.jpg"])
def test_foreign_keys_are_refused(key):
    assert rules.parse_key(key) is None


def test_signed_url_is_valid_until_it_expires():
    key = rules.object_keys(PHOTO, "ab" * 32, "image/jpeg").display
    q = rules.signed_query(SECRET, key, NOW)
    assert int(q["exp"]) - NOW.timestamp() == 300
    assert rules.check_signature(SECRET, key, q["exp"], q["sig"], NOW + timedelta(minutes=4)) is None
    assert rules.check_signature(SECRET, key, q["exp"], q["sig"], NOW + timedelta(minutes=5, seconds=1)) == "expired"


def test_signature_binds_key_expiry_and_secret():
    key = rules.object_keys(PHOTO, "ab" * 32, "image/jpeg").display
    q = rules.signed_query(SECRET, key, NOW)
    original = rules.object_keys(PHOTO, "ab" * 32, "image/jpeg").original
    assert rules.check_signature(SECRET, original, q["exp"], q["sig"], NOW) == "bad_signature"
    assert rules.check_signature(SECRET, key, str(int(q["exp"]) + 3600), q["sig"], NOW) == "bad_signature"
    assert rules.check_signature(b"other", key, q["exp"], q["sig"], NOW) == "bad_signature"
    assert rules.check_signature(SECRET, key, "soon", q["sig"], NOW) == "bad_signature"


def test_lifetime_is_capped_at_five_minutes():
    key = rules.object_keys(PHOTO, "ab" * 32, "image/jpeg").thumb
    q = rules.signed_query(SECRET, key, NOW, ttl=timedelta(days=7))
    assert int(q["exp"]) - NOW.timestamp() == 300
    # A long-lived URL signed with our key by some other means is still refused.
    far = int((NOW + timedelta(hours=1)).timestamp())
    assert rules.check_signature(SECRET, key, str(far), rules.sign(SECRET, key, far), NOW) == "bad_signature"


def test_gps_position_from_dms():
    lat, lng = rules.gps_position({1: "N", 2: (36.0, 3.0, 28.5), 3: "E", 4: (103.0, 50.0, 12.0)})
    assert lat == pytest.approx(36.057917, abs=1e-6) and lng == pytest.approx(103.836667, abs=1e-6)
    assert rules.gps_position({1: b"S\x00", 2: (33.0, 30.0, 0.0), 3: "W", 4: (70.0, 0.0, 0.0)}) == (-33.5, -70.0)


@pytest.mark.parametrize("gps", [
    {},
    {1: "Q", 2: (36.0, 3.0, 28.0), 3: "E", 4: (103.0, 0.0, 0.0)},
    {1: "E", 2: (36.0, 3.0, 28.0), 3: "N", 4: (103.0, 0.0, 0.0)},
    {1: "N", 2: (36.0, 75.0, 1.0), 3: "E", 4: (103.0, 0.0, 0.0)},
    {1: "N", 2: (95.0, 0.0, 0.0), 3: "E", 4: (103.0, 0.0, 0.0)},
    {1: "N", 2: (36.0, 0.0, 0.0), 3: "E", 4: (1000.0, 0.0, 0.0)},
    {1: "N", 2: ((36, 0), 0.0, 0.0), 3: "E", 4: (103.0, 0.0, 0.0)},
    {1: "N", 2: (float("nan"), 0.0, 0.0), 3: "E", 4: (103.0, 0.0, 0.0)},
    {1: "N", 2: "36 3 28", 3: "E", 4: (103.0, 0.0, 0.0)},
    {1: 7, 2: (36.0,), 3: "E", 4: (103.0, -1.0, 0.0)},
])
def test_malformed_gps_gives_no_position(gps):
    assert rules.gps_position(gps) is None


def test_exif_time_uses_its_offset_or_china_time():
    assert rules.exif_time("2026:11:20 09:30:00", "+08:00") == datetime(2026, 11, 20, 1, 30, tzinfo=timezone.utc)
    assert rules.exif_time("2026:11:20 09:30:00", "-05:00") == datetime(2026, 11, 20, 14, 30, tzinfo=timezone.utc)
    assert rules.exif_time("2026:11:20 09:30:00") == datetime(2026, 11, 20, 1, 30, tzinfo=timezone.utc)
    for bad in ["0000:00:00 00:00:00", "yesterday", None, 12, "2026:13:40 99:00:00"]:
        assert rules.exif_time(bad) is None


def test_visibility_follows_links_in_scope():
    lz = Link(site_id=1, restricted=False, in_scope=True)
    ts = Link(site_id=2, restricted=False, in_scope=False)
    assert rules.may_view("manager", False, [lz])
    assert not rules.may_view("manager", False, [ts])
    assert not rules.may_view("inspector", False, [])
    assert rules.may_view("inspector", True, [])  # the uploader, before any record refers to the photo


def test_restricted_links_only_for_readers_of_personal_data():
    patrol = Link(site_id=3, restricted=True, in_scope=True)
    for role in ("manager", "inspector", "admin"):
        assert not rules.may_view(role, False, [patrol])  # an admin without the personal-data grant included
    for role in ("supervisor", "admin"):
        assert rules.may_view(role, False, [patrol], reads_people=True)
    assert not rules.may_view("supervisor", False, [Link(site_id=3, restricted=True, in_scope=False)], True)
    assert rules.may_view("inspector", True, [patrol])
    assert rules.sees_original("supervisor") and rules.sees_original("admin")
    assert not any(rules.sees_original(r) for r in ("inspector", "manager"))


def test_capture_headers_parse_to_utc_and_bounds():
    from xunjian.photos.rules import parse_capture

    now = datetime(2026, 12, 3, 12, tzinfo=timezone.utc)
    c, bad = parse_capture("2026-12-03T09:15:00+08:00", "36.06,103.83,12.5", "camera", now)
    assert bad is None and c.at == datetime(2026, 12, 3, 1, 15, tzinfo=timezone.utc)
    assert (c.lat, c.lng, c.accuracy_m, c.origin) == (36.06, 103.83, 12.5, "camera")
    assert parse_capture(None, "36.06,103.83", None, now)[0].accuracy_m is None
    assert parse_capture(None, None, None, now) == (parse_capture("", "", "", now)[0], None)
    assert parse_capture("2026-12-05T00:00:00Z", None, None, now)[1] == "X-Capture-Time"
    assert parse_capture(None, "-90.5,0", None, now)[1] == "X-Capture-Position"
    assert parse_capture(None, "1e3,0", None, now)[1] == "X-Capture-Position"
    assert parse_capture(None, None, "Camera", now)[1] == "X-Capture-Origin"
