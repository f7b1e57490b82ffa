"""Written by hand: on PostgreSQL, site.region_path indexed for prefix matching (varchar_pattern_ops), so that a
region's scope (`region_path LIKE '/…/%'`) reads that region's sites instead of scanning the country's (the plain
index serves LIKE only under the C collation). SQLite's LIKE ignores case and uses no index either way."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T12:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "site.region_path for prefix matching"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="sites", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        if engine.engine_type == "postgres":
            await engine.run_ddl("CREATE INDEX site_region_path_prefix ON site (region_path varchar_pattern_ops)")

    async def run_backwards():
        engine = engine_finder()
        if engine.engine_type == "postgres":
            await engine.run_ddl("DROP INDEX site_region_path_prefix")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
