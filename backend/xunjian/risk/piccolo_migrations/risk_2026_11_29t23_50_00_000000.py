"""risk_rating loses its index on site alone (auto-generated); the next migration adds (site, rated_at)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import ForeignKey

ID = "2026-11-29T23:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "history: no single-column site index"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="risk", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="RiskRating",
        tablename="risk_rating",
        column_name="site",
        db_column_name="site",
        params={"index": False},
        old_params={"index": True},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    return manager
