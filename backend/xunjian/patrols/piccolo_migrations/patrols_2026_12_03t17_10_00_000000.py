"""Written by hand (issue 15, personal data): the counts that person retention keeps (`encounter_count`, one row per
zone, week, sex, age band, flags and action: a unique index made after the table, as Piccolo has no composite unique
constraint), and on `encounter` whether the notice (告知) was given and why a face photo of a minor was needed."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Boolean, ForeignKey, Integer, Serial, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-12-03T17:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "encounter_count; encounter.notice_given, face_needed, face_reason"

INDEX = ("CREATE UNIQUE INDEX encounter_count_key ON encounter_count (zone, region_path, week_start, sex, age_band, "
         "is_minor, is_elderly, is_disabled, suspected_mental_illness, critically_ill, action)")


class Site(Table, tablename="site", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


def _params(**overrides) -> dict:
    params = {"null": False, "primary_key": False, "unique": False, "index": False, "index_method": IndexMethod.btree,
              "choices": None, "db_column_name": None, "secret": False}
    return params | overrides


class _TableThenIndex(MigrationManager):
    async def run(self, backwards: bool = False):
        engine = engine_finder()
        async with engine.transaction():
            if backwards:
                await engine.run_ddl("DROP INDEX encounter_count_key")
            await super().run(backwards=backwards)
            if not backwards:
                await engine.run_ddl(INDEX)


async def forwards():
    manager = _TableThenIndex(migration_id=ID, app_name="patrols", description=DESCRIPTION)
    manager.add_table(class_name="EncounterCount", tablename="encounter_count", schema=None, columns=None)
    columns = [
        ("zone", ForeignKey, _params(references=Site, on_delete=OnDelete.cascade, on_update=OnUpdate.cascade,
                                     target_column=None, null=True, index=True)),
        ("region_path", Varchar, _params(length=255, default="", index=True)),
        ("week_start", Varchar, _params(length=10, default="")),
        ("sex", Varchar, _params(length=8, default="")),
        ("age_band", Varchar, _params(length=16, default="")),
        *[(flag, Boolean, _params(default=False)) for flag in (
            "is_minor", "is_elderly", "is_disabled", "suspected_mental_illness", "critically_ill")],
        ("action", Varchar, _params(length=32, default="")),
        ("encounters", Integer, _params(default=0)),
    ]
    for name, column_class, params in columns:
        manager.add_column(table_class_name="EncounterCount", tablename="encounter_count", column_name=name,
                           db_column_name=name, column_class_name=column_class.__name__, column_class=column_class,
                           params=params, schema=None)
    for name, column_class, params in [
        ("notice_given", Boolean, _params(default=False)),
        ("face_needed", Boolean, _params(default=False)),
        ("face_reason", Varchar, _params(length=200, default="")),
    ]:
        manager.add_column(table_class_name="Encounter", tablename="encounter", column_name=name,
                           db_column_name=name, column_class_name=column_class.__name__, column_class=column_class,
                           params=params, schema=None)
    return manager
