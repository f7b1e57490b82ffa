"""The patrol jobs, registered with the job registry (listed in xunjian.jobs.registry.JOB_MODULES)."""

from __future__ import annotations

from ..jobs.registry import JobContext, JobSpec, register
from .retention import purge_patrol_data


async def run_retention(ctx: JobContext) -> dict[str, int]:
    return await purge_patrol_data(ctx.now, ctx.settings)


register(JobSpec(
    name="patrol_retention",
    fn=run_retention,
    description="Purge free text, features, location and photos of encounters past the retention period that no "
                "person record or open follow-up case needs; delete person records past theirs with their "
                "encounters, keeping only counts",
    trigger=("cron", {"hour": 3, "minute": 30}),
))
