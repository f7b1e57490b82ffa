"""Contention on the embedded database waits instead of failing: many concurrent read-then-write requests and a job
run through the ASGI app give no 500 and lose no write."""

import asyncio
import uuid

import pytest

from tests.api.checklist_answers import payload
from xunjian.inspections.tables import Inspection
from xunjian.jobs.registry import load_all


async def test_sixty_concurrent_inspection_puts_and_job_runs_all_succeed(client, demo, as_user, backend):
    if backend.name != "sqlite":
        pytest.skip("SQLite's single writer")
    inspector, admin = await as_user("inspector"), await as_user("admin")
    site = demo.sites["YL-620102-001"]
    ids = [uuid.uuid4() for _ in range(60)]

    async def put(inspection_id, i):
        return await client.put(f"/api/inspections/{inspection_id}", headers=inspector,
                                json=payload(site, status="draft", remarks=f"并发{i}"))

    async def run_job(name):
        return await client.post(f"/api/admin/jobs/{name}/run", headers=admin)

    jobs = [run_job(name) for name in sorted(load_all()) for _ in range(5)]
    responses = await asyncio.gather(*[put(inspection_id, i) for i, inspection_id in enumerate(ids)], *jobs)
    failures = [(r.status_code, r.text[:200]) for r in responses if r.status_code >= 300]
    assert failures == []
    stored = {row["id"] for row in await Inspection.select(Inspection.id).where(Inspection.id.is_in(ids))}
    assert stored == set(ids)
