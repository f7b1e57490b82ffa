"""Drops the unused site_id and taken_at indexes of escalation_step (auto-generated)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.column_types import Timestamptz

ID = "2026-11-29T23:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "drop unused indexes"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="escalation", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="EscalationStep",
        tablename="escalation_step",
        column_name="site_id",
        db_column_name="site_id",
        params={"index": False},
        old_params={"index": True},
        column_class=Integer,
        old_column_class=Integer,
        schema=None,
    )

    manager.alter_column(
        table_class_name="EscalationStep",
        tablename="escalation_step",
        column_name="taken_at",
        db_column_name="taken_at",
        params={"index": False},
        old_params={"index": True},
        column_class=Timestamptz,
        old_column_class=Timestamptz,
        schema=None,
    )

    return manager
