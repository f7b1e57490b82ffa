"""PostgreSQL going away while the server runs: every endpoint answers 503 with Retry-After and the uniform body,
/readyz 503, and service resumes when the database is back. The shared server is never stopped: the app reaches it
through a TCP forwarder of the test's own, which the test closes (with every connection through it) and reopens."""

import asyncio
import contextlib
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.api.checklist_answers import payload
from tests.conftest import DEMO_PASSWORD, login, running


class Forwarder:
    """127.0.0.1:<free port> piped to the real database's address."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = 0
        self.server = None
        self.writers: set[asyncio.StreamWriter] = set()

    async def open(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        self.server.close()
        for writer in list(self.writers):
            writer.transport.abort()
        await self.server.wait_closed()

    async def _serve(self, reader, writer) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self.writers |= {writer, up_writer}

        async def pipe(src, dst):
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.writers -= {writer, up_writer}


def _via(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    netloc = (netloc[0] + "@" if len(netloc) == 2 else "") + f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


async def test_database_outage_is_503_with_retry_after_and_service_resumes(settings, demo, backend):
    if backend.name != "postgres":
        pytest.skip("a PostgreSQL server to go away")
    import httpx

    from xunjian.app import create_app

    real = urlsplit(settings.database_url)
    forwarder = Forwarder(real.hostname, real.port or 5432)
    await forwarder.open()
    # In a thread: Piccolo's engine connects once while it is built, blocking its thread, and the forwarder that
    # connection goes through is served by this loop (built here, it waited out two 60-second connect timeouts).
    app = await asyncio.to_thread(create_app, settings.with_(database_url=_via(settings.database_url, forwarder.port)))
    try:
        async with running(app):
            transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                headers = await login(client, "inspector")
                site = demo.sites["YL-620102-001"]

                def requests():
                    return [
                        client.get("/api/sites", headers=headers),
                        client.get(f"/api/sites/{site}", headers=headers),
                        client.put(f"/api/inspections/{uuid.uuid4()}", headers=headers,
                                   json=payload(site, status="draft")),
                        client.post("/api/auth/login", json={"username": "inspector2", "password": DEMO_PASSWORD}),
                    ]

                await forwarder.close()
                for r in [await request for request in requests()]:
                    assert r.status_code == 503, (r.request.method, r.request.url.path, r.status_code, r.text)
                    assert int(r.headers["Retry-After"]) > 0
                    assert set(r.json()) == {"code", "message", "details"}
                    assert r.json()["code"] == "database_unavailable"
                ready = await client.get("/readyz")
                assert ready.status_code == 503 and int(ready.headers["Retry-After"]) > 0

                await forwarder.open()
                statuses = [(await request).status_code for request in requests()]
                assert statuses == [200, 200, 201, 200]
                assert (await client.get("/readyz")).status_code == 200
    finally:
        await forwarder.close()
