"""Written by hand: a record's history (a finding's events, in order) is read by (entity_type, entity_id). Without
this index every history read scanned the whole trail, which only grows (about 140 ms at 830,000 events)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T23:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit events by entity"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="audit", description=DESCRIPTION)

    async def run():
        await engine_finder().run_ddl("CREATE INDEX audit_event_entity ON audit_event (entity_type, entity_id, at)")

    async def run_backwards():
        await engine_finder().run_ddl("DROP INDEX audit_event_entity")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
