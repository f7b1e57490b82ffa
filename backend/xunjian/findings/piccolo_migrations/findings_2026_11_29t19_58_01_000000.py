"""Written by hand: Piccolo's auto migrations cannot add a multi-column unique constraint on SQLite.

One finding per (inspection, item_key): concurrent replays of a submission can never duplicate an item's finding.
Findings the inspector added have no item_key and are not constrained (NULLs are distinct on both engines).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T19:58:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique (inspection, item_key); open findings by deadline"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="findings", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        await engine.run_ddl(
            "CREATE UNIQUE INDEX finding_inspection_item_key ON finding (inspection, item_key) "
            "WHERE item_key IS NOT NULL"
        )
        await engine.run_ddl("CREATE INDEX finding_site_status ON finding (site, status)")

    async def run_backwards():
        engine = engine_finder()
        await engine.run_ddl("DROP INDEX finding_site_status")
        await engine.run_ddl("DROP INDEX finding_inspection_item_key")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
