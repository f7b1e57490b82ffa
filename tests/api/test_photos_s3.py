"""The photo API on the S3 store (moto's server mode, a real HTTP server) and with the store unreachable."""

import contextlib
import hashlib
import io
import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from PIL import Image

from tests.conftest import login, running
from tests.integration.photos import support
from xunjian.photos.links import link_photos
from xunjian.photos.tables import Photo


@pytest.fixture(scope="module")
def s3_endpoint():
    with support.moto_server() as endpoint:
        yield endpoint


@contextlib.asynccontextmanager
async def app_client(settings):
    from xunjian import demo
    from xunjian.app import create_app

    app = create_app(settings)
    async with running(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            await demo.load(settings)
            yield app, client


async def test_upload_to_s3_and_fetch_through_presigned_urls(settings, s3_endpoint):
    bucket = f"xj-{uuid.uuid4().hex[:12]}"
    s3 = settings.with_(s3_endpoint=s3_endpoint, s3_access_key="key", s3_secret_key="secret", s3_bucket=bucket)
    async with app_client(s3) as (app, client):
        assert app.state.photo_store.kind == "s3"
        assert (await client.get("/readyz")).json()["checks"]["photo_store"] is True
        data = support.two_tone_jpeg(orientation=6)
        photo_id = uuid.uuid4()
        r = await client.put(f"/api/photos/{photo_id}", content=data,
                             headers={**await login(client, "inspector"), "Content-Type": "image/jpeg"})
        assert r.status_code == 201, r.text
        from xunjian.sites.tables import Site

        site = await Site.select(Site.id).where(Site.code == "YL-620102-001").first()
        await link_photos(r.json()["uploader_id"], [photo_id], "finding", 1, site["id"])
        r = await client.get(f"/api/photos/{photo_id}", headers=await login(client, "supervisor"))
        urls = r.json()["urls"]
        async with httpx.AsyncClient() as outside:
            for name in ("display", "thumb", "original"):
                assert urls[name].startswith(s3_endpoint + f"/{bucket}/")
                assert int(parse_qs(urlsplit(urls[name]).query)["X-Amz-Expires"][0]) <= 300
            original = await outside.get(urls["original"])
            assert hashlib.sha256(original.content).hexdigest() == r.json()["sha256"] == hashlib.sha256(data).hexdigest()
            display = Image.open(io.BytesIO((await outside.get(urls["display"])).content))
            assert not display.getexif() and display.height > display.width
        objects = list(app.state.photo_store.client.list_objects(bucket, recursive=True))
        assert len(objects) == 3
        manager2 = await client.get(f"/api/photos/{photo_id}", headers=await login(client, "manager2"))
        assert manager2.status_code == 404 and s3_endpoint not in manager2.text


async def test_store_down_answers_503_and_records_nothing(settings):
    dead = settings.with_(s3_endpoint=f"http://127.0.0.1:{support.free_port()}", s3_access_key="k",
                          s3_secret_key="s", s3_bucket="xj-down")
    async with app_client(dead) as (app, client):
        r = await client.put(f"/api/photos/{uuid.uuid4()}", content=support.jpeg(),
                             headers={**await login(client, "inspector"), "Content-Type": "image/jpeg"})
        assert r.status_code == 503 and int(r.headers["Retry-After"]) > 0
        assert r.json()["code"] == "photo_store_unavailable"
        assert await Photo.count() == 0
        ready = await client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["details"]["photo_store"] is False
        # Hostile input is still refused as such: the store is not even asked.
        r = await client.put(f"/api/photos/{uuid.uuid4()}", content=support.SVG,
                             headers={**await login(client, "inspector"), "Content-Type": "image/jpeg"})
        assert r.status_code == 415
