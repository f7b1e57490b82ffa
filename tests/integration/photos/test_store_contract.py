"""One contract for both photo stores: the local folder and S3 (against moto's server mode, a real HTTP server)."""

import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.integration.photos.support import free_port, moto_server
from xunjian.photos import rules
from xunjian.photos.store import InvalidKey, LocalPhotoStore, S3PhotoStore, StoreUnavailable

SECRET = b"contract-secret"


@pytest.fixture(scope="module")
def s3_endpoint():
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture(params=["local", "s3"])
async def store(request, tmp_path):
    if request.param == "local":
        s = LocalPhotoStore(tmp_path / "photos", SECRET)
    else:
        s = S3PhotoStore(request.getfixturevalue("s3_endpoint"), "key", "secret",
                         f"contract-{uuid.uuid4().hex[:12]}")
    await s.start()
    return s


def key(name="display.jpg", photo=None):
    return f"{photo or uuid.uuid4()}/{'0123456789abcdef'}/{name}"


async def test_put_get_roundtrip_is_byte_exact(store):
    k = key("original.png")
    data = bytes(range(256)) * 1000
    await store.put(k, data, "image/png")
    assert await store.get(k) == data


async def test_put_replaces_whole_object(store):
    k = key()
    await store.put(k, b"first version", "image/jpeg")
    await store.put(k, b"second", "image/jpeg")
    assert await store.get(k) == b"second"


async def test_missing_object_is_keyerror(store):
    with pytest.raises(KeyError):
        await store.get(key())


async def test_delete_is_idempotent(store):
    k = key()
    await store.put(k, b"x", "image/jpeg")
    await store.delete(k)
    await store.delete(k)
    with pytest.raises(KeyError):
        await store.get(k)


async def test_list_shows_every_object_with_time(store):
    photo = uuid.uuid4()
    keys = {key(n, photo) for n in ("original.jpg", "display.jpg", "thumb.jpg")}
    for k in keys:
        await store.put(k, b"abc", "image/jpeg")
    listed = {o.key: o for o in await store.list()}
    assert keys <= set(listed)
    now = datetime.now(timezone.utc)
    for k in keys:
        assert listed[k].size == 3
        assert abs(listed[k].modified - now) < timedelta(minutes=2)


async def test_only_photo_keys_are_accepted(store):
    for bad in ["../../etc/passwd", "x/y/z.jpg", ""]:
        with pytest.raises(InvalidKey):
            await store.put(bad, b"x", "image/jpeg")
        with pytest.raises(InvalidKey):
            await store.get(bad)


async def test_url_lives_at_most_five_minutes(store):
    k = key()
    await store.put(k, b"jpeg bytes", "image/jpeg")
    now = datetime.now(timezone.utc)
    url = await store.url(k, now, ttl=timedelta(days=7))
    query = parse_qs(urlsplit(url).query)
    if store.kind == "s3":
        assert int(query["X-Amz-Expires"][0]) <= 300
        async with httpx.AsyncClient() as c:
            response = await c.get(url)
        assert response.status_code == 200 and response.content == b"jpeg bytes"
    else:
        assert int(query["exp"][0]) - now.timestamp() <= 300
        assert rules.check_signature(SECRET, k, query["exp"][0], query["sig"][0], now) is None


async def test_ping(store):
    assert await store.ping() is True


async def test_s3_bucket_is_created_private(s3_endpoint):
    from minio.error import S3Error

    bucket = f"fresh-{uuid.uuid4().hex[:12]}"
    s = S3PhotoStore(s3_endpoint, "key", "secret", bucket)
    assert not s.client.bucket_exists(bucket)
    await s.start()
    assert s.client.bucket_exists(bucket)
    with pytest.raises(S3Error) as info:
        s.client.get_bucket_policy(bucket)
    assert info.value.code == "NoSuchBucketPolicy"


async def test_s3_public_policy_is_removed(s3_endpoint):
    import json

    bucket = f"public-{uuid.uuid4().hex[:12]}"
    s = S3PhotoStore(s3_endpoint, "key", "secret", bucket)
    s.client.make_bucket(bucket)
    s.client.set_bucket_policy(bucket, json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": ["s3:GetObject"],
        "Resource": [f"arn:aws:s3:::{bucket}/*"]}]}))
    await s.start()
    with pytest.raises(Exception):
        s.client.get_bucket_policy(bucket)


async def test_unreachable_stores_say_so(tmp_path):
    dead = S3PhotoStore(f"http://127.0.0.1:{free_port()}", "k", "s", "nobucket-here", timeout=1)
    assert await dead.ping() is False
    with pytest.raises(StoreUnavailable):
        await dead.put(key(), b"x", "image/jpeg")
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    local = LocalPhotoStore(blocked / "photos", SECRET)
    assert await local.ping() is False
    with pytest.raises(StoreUnavailable):
        await local.put(key(), b"x", "image/jpeg")
