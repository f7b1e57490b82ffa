from ..jobs.registry import JobSpec, register
from .service import run_job

register(JobSpec(
    name="risk",
    fn=run_job,
    description="Rate every site (set-based SQL): tier, score and factors; history and the day's tier snapshot",
    trigger=("cron", {"hour": 2, "minute": 30}),  # nightly, Beijing time; findings re-rate their site at once
    misfire_grace_time=6 * 3600,
))
