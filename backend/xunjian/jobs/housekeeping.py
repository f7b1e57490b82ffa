"""The housekeeping job: deletes old records that the jobs produce, so their tables stop growing without bound.

With `notification_retention_days` (default 180) and `history_retention_days` (default 730), counted back from the
job's clock:
- notifications created before the notification cutoff, read or unread: an inbox is not an archive, and the
  finding's history and the board keep the facts;
- risk rating history rated before the cutoff, except each site's latest row (the site page shows it with its
  factors), however old;
- tier snapshots of days before the cutoff (the board's trend reads 12 weeks);
- job runs that finished (any status but `running`, so never this run's own record) and started before the cutoff;
- webhook deliveries delivered or failed and created before the cutoff, with their attempts; pending ones stay;
- escalation steps of subjects closed before the cutoff, for the subject sources that say which those are
  (`SubjectSource.closed_sql`). The steps are what makes each rung happen exactly once, so the steps of a subject
  that can still come back to the ladder (open, responded) stay.

Audit events are never deleted here: the trail is append-only (the patrol retention job already removes the
personal data from encounters).

Each purge is one set-based DELETE in its own short write transaction: writers elsewhere never wait long, and a run
that fails midway keeps what it did (the next run does the rest).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .. import db
from ..config import Settings
from ..escalation.sources import load_sources
from ..risk.service import forget_trends, local_day
from .registry import JobContext, JobSpec, register
from .sqlkit import execute_counting

# Deletes the ratings older than the cutoff that a newer rating of the same site supersedes: each site's latest row
# (the highest id among equal times) has no newer one and stays. Both engines read the rows due from the rated_at
# index (a range below the cutoff) and probe the (site, rated_at) index for a newer rating; PostgreSQL hashes the table
# when very many are due (a first purge: 240,000 of 1.1 million rows in 0.7 s; a day's 4,000 in 25 ms).
_RATINGS = (
    "DELETE FROM risk_rating WHERE rated_at < {} AND EXISTS (SELECT 1 FROM risk_rating newer "
    "WHERE newer.site = risk_rating.site AND (newer.rated_at > risk_rating.rated_at "
    "OR (newer.rated_at = risk_rating.rated_at AND newer.id > risk_rating.id)))"
)
# Delivered and failed are final; a pending delivery is still being sent.
_FINISHED_DELIVERIES = "status IN ('delivered', 'failed') AND created_at < {}"


async def _purge(sql: str, *args) -> int:
    async with db.write_transaction():
        return await execute_counting(sql, *args)


async def _purge_snapshots(before) -> int:
    deleted = await _purge("DELETE FROM risk_snapshot WHERE day < {}", before)
    forget_trends()  # the board's trend remembered the days
    return deleted


async def _purge_webhooks(cutoff: datetime) -> tuple[int, int]:
    """(deliveries, attempts) deleted: the attempts first (they refer to their delivery), in one transaction."""
    async with db.write_transaction():
        attempts = await execute_counting(
            "DELETE FROM webhook_attempt WHERE delivery IN "
            f"(SELECT id FROM webhook_delivery WHERE {_FINISHED_DELIVERIES})", cutoff)
        deliveries = await execute_counting(f"DELETE FROM webhook_delivery WHERE {_FINISHED_DELIVERIES}", cutoff)
    return deliveries, attempts


async def _purge_escalation_steps(cutoff: datetime) -> int:
    deleted = 0
    for source in load_sources().values():
        if source.closed_sql:
            # SQLite probes the (subject_type, subject_id, step) unique index for each closed subject; PostgreSQL
            # hash-joins the steps with the closed subjects (2 million findings, 630,000 steps: 0.8 s).
            deleted += await _purge(
                "DELETE FROM escalation_step WHERE subject_type = {} "
                f"AND subject_id IN (SELECT closed.subject_id FROM ({source.closed_sql}) closed)",
                source.subject_type, cutoff)
    return deleted


async def housekeep(now: datetime, settings: Settings) -> dict[str, int]:
    inbox_cutoff = now - timedelta(days=settings.notification_retention_days)
    cutoff = now - timedelta(days=settings.history_retention_days)
    counts = {
        "notifications": await _purge("DELETE FROM notification WHERE created_at < {}", inbox_cutoff),
        "risk_ratings": await _purge(_RATINGS, cutoff),
        # Snapshot days are Beijing dates, like the board's trend.
        "risk_snapshots": await _purge_snapshots(local_day(cutoff)),
        # Never a run still under way, this one included.
        "job_runs": await _purge("DELETE FROM job_run WHERE status <> 'running' AND started_at < {}", cutoff),
    }
    counts["webhook_deliveries"], counts["webhook_attempts"] = await _purge_webhooks(cutoff)
    counts["escalation_steps"] = await _purge_escalation_steps(cutoff)
    return counts


async def run_housekeeping(ctx: JobContext) -> dict[str, int]:
    return await housekeep(ctx.now, ctx.settings)


register(JobSpec(
    name="housekeeping",
    fn=run_housekeeping,
    description="Delete old notifications, rating history, tier snapshots, job runs, finished webhook deliveries "
                "and the escalation steps of long-closed subjects (audit events stay)",
    # After the nightly risk run (02:30), patrol retention (03:30) and photo cleanup (04:00).
    trigger=("cron", {"hour": 4, "minute": 15}),
    misfire_grace_time=6 * 3600,
    coalesce=True,
))
