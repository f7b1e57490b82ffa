from ..jobs.registry import JobSpec, register
from .service import run_job

register(JobSpec(
    name="escalation",
    fn=run_job,
    description="Escalate open findings (and other registered subjects) along the rectification ladder",
    trigger=("cron", {"minute": 5}),  # hourly: the ladder counts in days, an hour's delay is harmless
    misfire_grace_time=3600,
))
