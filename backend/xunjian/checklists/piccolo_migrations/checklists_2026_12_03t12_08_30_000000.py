"""Written by hand, apart from the columns' migration: Piccolo runs a migration's raw SQL before its column changes,
so this backfill cannot share a file with them. Every version stored before activation existed could be pinned, so
each counts as having been active; the highest of each key is the active one (the behaviour until now)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T12:08:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "template activation: earlier versions"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="checklists", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        await engine.run_ddl("UPDATE checklist_template SET activated_at = loaded_at WHERE activated_at IS NULL")
        await engine.run_ddl(
            "UPDATE checklist_template SET active = TRUE WHERE version = "
            '(SELECT MAX(t.version) FROM checklist_template t WHERE t."key" = checklist_template."key")')

    manager.add_raw(run)
    return manager
