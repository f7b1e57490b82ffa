"""Written by hand: rating history by (site, rated_at), read newest first for a site's page and by the housekeeping
job's "keep each site's latest rating"."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T23:55:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "history by site and time"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="risk", description=DESCRIPTION)

    async def run():
        await engine_finder().run_ddl("CREATE INDEX risk_rating_site_rated_at ON risk_rating (site, rated_at)")

    async def run_backwards():
        await engine_finder().run_ddl("DROP INDEX risk_rating_site_rated_at")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
