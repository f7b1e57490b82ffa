"""Written by hand: the 执法证号 of inspectors and supervisors (issue 14).

Nullable (most accounts have none, and SQLite migrations cannot change nullability later), unique where set through
a unique index: SQLite cannot add a UNIQUE column, and both engines let any number of rows hold NULL in a unique
index. The index needs the column, and Piccolo runs raw steps before it adds columns, so it is made after them inside
the migration's transaction.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder

ID = "2026-12-03T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "app_user.certificate_no"

INDEX = "CREATE UNIQUE INDEX app_user_certificate_no ON app_user (certificate_no)"


class _AddColumnThenIndex(MigrationManager):
    async def run(self, backwards: bool = False):
        engine = engine_finder()
        async with engine.transaction():
            if backwards:
                await engine.run_ddl("DROP INDEX app_user_certificate_no")
            await super().run(backwards=backwards)
            if not backwards:
                await engine.run_ddl(INDEX)


async def forwards():
    manager = _AddColumnThenIndex(migration_id=ID, app_name="accounts", description=DESCRIPTION)
    manager.add_column(
        table_class_name="User",
        tablename="app_user",
        column_name="certificate_no",
        db_column_name="certificate_no",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 40,
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
