"""Written by hand (issue 15, encryption at rest): the blind indexes of a person record's name and hometown, the ids
of the keys personal data was sealed with (`pii_key`), and room for sealed values: on PostgreSQL, the name, hometown
and face reason become TEXT (a sealed value is longer than the plain one; SQLite does not enforce VARCHAR lengths,
so there is nothing to change there)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder

ID = "2026-12-03T23:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "person_record name_bidx, hometown_bidx; pii_key; sealed columns as TEXT"

# (table, column): the type before.
TO_TEXT = {("person_record", "name"): "VARCHAR(50)", ("person_record", "hometown"): "VARCHAR(100)",
           ("encounter", "face_reason"): "VARCHAR(200)"}


def _params(**overrides) -> dict:
    params = {"null": False, "primary_key": False, "unique": False, "index": False, "index_method": IndexMethod.btree,
              "choices": None, "db_column_name": None, "secret": False}
    return params | overrides


class _WithTypes(MigrationManager):
    async def run(self, backwards: bool = False):
        engine = engine_finder()
        async with engine.transaction():
            await super().run(backwards=backwards)
            if engine.engine_type == "postgres":
                for (table, column), before in TO_TEXT.items():
                    kind = before if backwards else "TEXT"
                    await engine.run_ddl(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE {kind}')


async def forwards():
    manager = _WithTypes(migration_id=ID, app_name="patrols", description=DESCRIPTION)
    for name in ("name_bidx", "hometown_bidx"):
        manager.add_column(table_class_name="PersonRecord", tablename="person_record", column_name=name,
                           db_column_name=name, column_class_name="Varchar", column_class=Varchar,
                           params=_params(length=64, default="", index=True), schema=None)
    manager.add_table(class_name="PiiKey", tablename="pii_key", schema=None, columns=None)
    manager.add_column(table_class_name="PiiKey", tablename="pii_key", column_name="kid", db_column_name="kid",
                       column_class_name="Varchar", column_class=Varchar,
                       params=_params(length=16, default="", unique=True), schema=None)
    manager.add_column(table_class_name="PiiKey", tablename="pii_key", column_name="first_used_at",
                       db_column_name="first_used_at", column_class_name="Timestamptz", column_class=Timestamptz,
                       params=_params(default=TimestamptzNow()), schema=None)
    return manager
