"""Generated, then extended by hand: who made each photo link (a link grants viewing only when the photo's uploader
made it, see photos/links.py).

Nullable, because SQLite migrations cannot change nullability. Existing links are backfilled from their photo's
uploader, in the same transaction as the new column; links whose photo has not arrived stay null and grant nothing.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder

ID = "2026-12-03T07:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "photo_link.linked_by"

BACKFILL = "UPDATE photo_link SET linked_by = (SELECT p.uploader FROM photo p WHERE p.id = photo_link.photo_id)"


class _AddColumnThenBackfill(MigrationManager):
    # Piccolo runs raw steps before adding columns; the backfill needs the column, so it runs after, inside one
    # transaction with the whole migration (the inner transaction of MigrationManager.run joins this one).
    async def run(self, backwards: bool = False):
        engine = engine_finder()
        async with engine.transaction():
            await super().run(backwards=backwards)
            if not backwards:
                await engine.run_ddl(BACKFILL)


async def forwards():
    manager = _AddColumnThenBackfill(migration_id=ID, app_name="photos", description=DESCRIPTION)

    manager.add_column(
        table_class_name="PhotoLink",
        tablename="photo_link",
        column_name="linked_by",
        db_column_name="linked_by",
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

    return manager
