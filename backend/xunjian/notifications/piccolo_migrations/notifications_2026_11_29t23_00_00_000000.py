"""Written by hand: Piccolo's auto migrations cannot add multi-column unique constraints on SQLite, so the
unique and composite indexes the notifications jobs rely on are created here (same DDL on both engines)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T23:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique and composite indexes"

STATEMENTS = ['CREATE UNIQUE INDEX notification_user_event ON notification ("user", event_key)', 'CREATE INDEX notification_user_unread ON notification ("user", read_at)', 'CREATE UNIQUE INDEX webhook_delivery_subscription_event ON webhook_delivery (subscription, event_key)', 'CREATE INDEX webhook_delivery_due ON webhook_delivery (status, next_attempt_at)']
INDEXES = ['notification_user_event', 'notification_user_unread', 'webhook_delivery_subscription_event', 'webhook_delivery_due']


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="notifications", description=DESCRIPTION)

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
