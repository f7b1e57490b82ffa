"""Written by hand: the admin's audit view filters by actor, newest first (issue 14). Entity and site filters already
have their indexes (audit_event_entity, audit_event.site_id)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit events by actor"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="audit", description=DESCRIPTION)

    async def run():
        await engine_finder().run_ddl("CREATE INDEX audit_event_actor ON audit_event (actor, at)")

    async def run_backwards():
        await engine_finder().run_ddl("DROP INDEX audit_event_actor")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
