"""Written by hand: webhook_delivery indexed by created_at, the column the housekeeping job purges finished
deliveries by (without it every purge scanned the whole delivery log)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T01:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "webhook deliveries by created_at"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="notifications", description=DESCRIPTION)

    async def run():
        await engine_finder().run_ddl(
            "CREATE INDEX webhook_delivery_created_at ON webhook_delivery (created_at)")

    async def run_backwards():
        await engine_finder().run_ddl("DROP INDEX webhook_delivery_created_at")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
