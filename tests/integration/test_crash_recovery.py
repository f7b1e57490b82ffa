"""`kill -9` in the middle of bursts of inspection and photo PUTs loses no acknowledged write.

A write the server answered 2xx is durable: after a restart on the same data it reads back intact, and replaying it
(as a device's outbox does after a lost answer) is 200 against the same record, not a second one.
"""

from __future__ import annotations

import hashlib
import io
import threading
import time
import uuid

import httpx
import pytest

from tests.api.checklist_answers import payload
from tests.conftest import DEMO_PASSWORD
from tests.integration.serve import Server, demo_database, login, small_jpeg

# Sites in the demo inspector's region (兰州市).
SITES = ["YL-620102-001", "YL-620103-002", "YL-620123-003"]
WRITERS = 6
ACKS_BEFORE_KILL = 40


def _site_ids(url: str, headers: dict) -> list[int]:
    r = httpx.get(f"{url}/api/sites", params={"limit": 100}, headers=headers, timeout=30)
    r.raise_for_status()
    return [s["id"] for s in r.json()["items"] if s["code"] in SITES]


def _decoded_size(data: bytes) -> tuple[int, int] | None:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return image.size
    except OSError:
        return None


def _burst(url: str, headers: dict, site_ids: list[int], worker: int, stop: threading.Event,
           acked: list[tuple]) -> None:
    """PUT inspections and photos in turn until told to stop or the server is gone; keep what was acknowledged."""
    n = 0
    with httpx.Client(base_url=url, headers=headers, timeout=10) as client:
        while not stop.is_set():
            n += 1
            ident = uuid.uuid4()
            try:
                if n % 2:
                    body = payload(site_ids[n % len(site_ids)], status="submitted" if n % 3 else "draft",
                                   remarks=f"burst {worker}-{n}")
                    r = client.put(f"/api/inspections/{ident}", json=body)
                    if 200 <= r.status_code < 300:
                        acked.append(("inspection", ident, body))
                else:
                    data = small_jpeg(worker * 100_000 + n)
                    r = client.put(f"/api/photos/{ident}", content=data, headers={"Content-Type": "image/jpeg"})
                    if 200 <= r.status_code < 300:
                        acked.append(("photo", ident, data))
            except httpx.HTTPError:
                return  # the server was killed under this request


def test_acknowledged_writes_survive_kill_9(backend, demo_snapshot, tmp_path):
    env = demo_database(backend, demo_snapshot, tmp_path / "data")
    server = Server(env, tmp_path / "server.log").start()
    try:
        inspector = login(server.url, "inspector", DEMO_PASSWORD)
        site_ids = _site_ids(server.url, inspector)
        assert len(site_ids) == len(SITES)
        acked: list[tuple] = []
        stop = threading.Event()
        threads = [threading.Thread(target=_burst, args=(server.url, inspector, site_ids, w, stop, acked))
                   for w in range(WRITERS)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 15
        while len(acked) < ACKS_BEFORE_KILL and time.monotonic() < deadline:
            time.sleep(0.02)
        server.kill9()  # while the writers are still sending
        stop.set()
        for t in threads:
            t.join(15)
    finally:
        server.stop()
    assert len(acked) >= ACKS_BEFORE_KILL, server.log_tail()

    with Server(env, tmp_path / "server-restarted.log", port=server.port) as again, \
            httpx.Client(base_url=again.url, timeout=30) as client:
        # The original bytes as the local photo store keeps them (no API hands an inspector the original).
        stored = {hashlib.sha256(f.read_bytes()).hexdigest() for f in (tmp_path / "data" / "photos").rglob("*")
                  if f.is_file()}
        missing, changed, replays = [], [], []
        for kind, ident, sent in acked:
            if kind == "inspection":
                r = client.get(f"/api/inspections/{ident}", headers=inspector)
                if r.status_code != 200:
                    missing.append((kind, ident, r.status_code))
                    continue
                got = r.json()
                if (got["answers"], got["status"], got["remarks"]) != (sent["answers"], sent["status"],
                                                                       sent["remarks"]):
                    changed.append((kind, ident, got))
                replay = client.put(f"/api/inspections/{ident}", json=sent, headers=inspector)
            else:
                r = client.get(f"/api/photos/{ident}", headers=inspector)  # its uploader
                if r.status_code != 200:
                    missing.append((kind, ident, r.status_code))
                    continue
                meta = r.json()
                display = client.get(meta["urls"]["display"], headers=inspector)
                digest = hashlib.sha256(sent).hexdigest()
                found = (meta["sha256"], meta["size_bytes"], digest in stored, _decoded_size(display.content))
                if found != (digest, len(sent), True, (meta["width"], meta["height"])):
                    changed.append((kind, ident, found, display.status_code))
                replay = client.put(f"/api/photos/{ident}", content=sent, headers={
                    **inspector, "Content-Type": "image/jpeg"})
            if replay.status_code != 200:
                replays.append((kind, ident, replay.status_code, replay.text[:200]))
    kinds = {k for k, _, _ in acked}
    assert kinds == {"inspection", "photo"}
    assert missing == [] and changed == [] and replays == []
