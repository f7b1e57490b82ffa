"""Presigned URLs stop working after their lifetime, against an S3 server that enforces expiry (moto does not).

s3rver (npm) is started through npx; without Node.js or the npm registry the test is skipped with the reason.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from tests.integration.photos.support import free_port
from xunjian.photos import rules
from xunjian.photos.store import S3PhotoStore

S3RVER = "s3rver@3.7.1"


@pytest.fixture(scope="module")
def s3rver(tmp_path_factory):
    npx = shutil.which("npx")
    if npx is None:
        pytest.skip("npx (Node.js) is not installed")
    port = free_port()
    data = tmp_path_factory.mktemp("s3rver")
    proc = subprocess.Popen([npx, "--yes", S3RVER, "-d", str(data), "-a", "127.0.0.1", "-p", str(port), "--silent"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 120  # the first run downloads the package
        while True:
            if proc.poll() is not None:
                pytest.skip(f"s3rver did not start: {proc.stderr.read().decode()[-300:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.skip("s3rver did not start within 120 s")
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(10)


async def test_presigned_url_expires_after_five_minutes(s3rver):
    store = S3PhotoStore(s3rver, "S3RVER", "S3RVER", f"xj-{uuid.uuid4().hex[:10]}")
    await store.start()
    key = rules.object_keys(uuid.uuid4(), "ab" * 32, "image/jpeg").display
    await store.put(key, b"display bytes", "image/jpeg")
    now = datetime.now(timezone.utc)
    async with httpx.AsyncClient() as client:
        fresh = await client.get(await store.url(key, now))
        assert fresh.status_code == 200 and fresh.content == b"display bytes"
        # Issued 4 minutes ago: still inside its lifetime.
        assert (await client.get(await store.url(key, now - timedelta(minutes=4)))).status_code == 200
        # Issued 6 minutes ago, and one asking for a day but capped to 5 minutes: both refused by the server now.
        for url in (await store.url(key, now - timedelta(minutes=6)),
                    await store.url(key, now - timedelta(minutes=6), ttl=timedelta(days=1))):
            late = await client.get(url)
            assert late.status_code == 403 and "expired" in late.text
