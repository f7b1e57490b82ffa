"""The photo cleanup job, registered with the job registry (listed in xunjian.jobs.registry.JOB_MODULES)."""

from __future__ import annotations

from ..jobs.registry import JobContext, JobSpec, register
from .service import cleanup_photos
from .store import make_store


async def run_cleanup(ctx: JobContext) -> dict[str, int]:
    return await cleanup_photos(ctx.now, make_store(ctx.settings))


register(JobSpec(
    name="photo_cleanup",
    fn=run_cleanup,
    description="Delete photos nothing refers to 24 hours after upload, stored objects no photo row accounts for, "
                "and temporary files that interrupted uploads left",
    # After patrol_retention (03:30), which may leave encounter photos unreferenced.
    trigger=("cron", {"hour": 4, "minute": 0}),
))
