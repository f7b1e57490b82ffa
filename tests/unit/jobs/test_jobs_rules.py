"""Job plumbing that needs no database: lock keys, the registry, the scheduler's job options."""

from xunjian.config import Settings
from xunjian.jobs.locks import lock_key
from xunjian.jobs.registry import load_all
from xunjian.jobs.scheduler import build_scheduler


def test_lock_keys_are_stable_distinct_bigints():
    keys = {name: lock_key(name) for name in ["risk", "escalation", "webhooks"]}
    assert len(set(keys.values())) == 3
    assert all(-(2**63) <= k < 2**63 for k in keys.values())
    assert lock_key("risk") == keys["risk"]


def test_every_job_is_scheduled_with_explicit_misfire_coalesce_and_one_instance():
    jobs = load_all()
    assert {"risk", "escalation", "webhooks"} <= set(jobs)
    scheduler = build_scheduler(Settings())
    scheduled = {job.id: job for job in scheduler.get_jobs()}
    assert set(scheduled) == set(jobs)
    for name, job in scheduled.items():
        assert job.max_instances == 1
        assert job.coalesce is True
        assert job.misfire_grace_time == jobs[name].misfire_grace_time >= 60
