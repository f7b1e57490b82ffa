"""A proposal rung of the ladder (挂牌督办 proposed) is marked on its step (auto-generated)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-03T11:53:58:745881"
VERSION = "1.38.0"
DESCRIPTION = "proposal steps"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="escalation", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="EscalationStep",
        tablename="escalation_step",
        column_name="proposal",
        db_column_name="proposal",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": False,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
