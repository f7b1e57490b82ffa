"""Written by hand (PostgreSQL only): leave room on finding pages for updates.

A finding is updated several times in its life (response, verification, extension) and the escalation job sets its
level, which is not indexed; with free space on the page those updates are HOT (no new entries in the table's seven
indexes). Applies to pages written from now on (VACUUM FULL rewrites existing ones)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T23:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "finding fillfactor"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="findings", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        if engine.engine_type == "postgres":
            await engine.run_ddl("ALTER TABLE finding SET (fillfactor = 85)")

    async def run_backwards():
        engine = engine_finder()
        if engine.engine_type == "postgres":
            await engine.run_ddl("ALTER TABLE finding RESET (fillfactor)")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
