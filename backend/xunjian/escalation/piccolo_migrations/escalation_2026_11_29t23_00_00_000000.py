"""Written by hand: Piccolo's auto migrations cannot add multi-column unique constraints on SQLite, so the
unique and composite indexes the escalation jobs rely on are created here (same DDL on both engines)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T23:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique and composite indexes"

STATEMENTS = [
    "CREATE UNIQUE INDEX escalation_step_subject_step ON escalation_step (subject_type, subject_id, step)",
    # The job's access path into the findings: open ones by deadline (most findings are closed and long past).
    "CREATE INDEX escalation_open_finding_deadline ON finding (deadline) WHERE status = 'open'",
    # Supervisors of a site's county or prefecture are found from the region: without this the notification
    # statement scans every supervisor for every step.
    "CREATE INDEX escalation_user_region_region ON user_region (region)",
]
INDEXES = ["escalation_step_subject_step", "escalation_open_finding_deadline", "escalation_user_region_region"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="escalation", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    async def run_backwards():
        engine = engine_finder()
        for name in reversed(INDEXES):
            await engine.run_ddl(f"DROP INDEX {name}")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
