"""site_risk keeps the date the days overdue count from instead of the days (auto-generated): the days grow every
day, the date changes only with an inspection or the tier."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-29T23:58:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "inspection due date instead of days late"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="risk", description=DESCRIPTION
    )

    manager.drop_column(
        table_class_name="SiteRisk",
        tablename="site_risk",
        column_name="days_late",
        db_column_name="days_late",
        schema=None,
    )

    manager.add_column(
        table_class_name="SiteRisk",
        tablename="site_risk",
        column_name="inspection_due_at",
        db_column_name="inspection_due_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
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
