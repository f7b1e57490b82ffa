"""A decision on a site names its basis (the article) and a fine its amount (lottery outlets, issue 15)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-03T16:47:53:642859"
VERSION = "1.38.0"
DESCRIPTION = "site decisions of lottery outlets: basis and a fine amount"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="escalation", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="SiteDecision",
        tablename="site_decision",
        column_name="amount_yuan",
        db_column_name="amount_yuan",
        column_class_name="Integer",
        column_class=Integer,
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

    manager.add_column(
        table_class_name="SiteDecision",
        tablename="site_decision",
        column_name="basis",
        db_column_name="basis",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 200,
            "default": "",
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
