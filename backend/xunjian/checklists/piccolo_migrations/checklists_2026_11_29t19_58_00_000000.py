"""Written by hand: Piccolo's auto migrations cannot add a multi-column unique constraint on SQLite."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T19:58:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique (key, version)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="checklists", description=DESCRIPTION)

    async def run():
        await engine_finder().run_ddl(
            'CREATE UNIQUE INDEX checklist_template_key_version ON checklist_template ("key", "version")'
        )

    async def run_backwards():
        await engine_finder().run_ddl("DROP INDEX checklist_template_key_version")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
