"""site_risk keeps the score without the lateness points (base_score) instead of the score: the score at any moment
adds the lateness points counted from inspection_due_at, so the passage of time changes no stored rating (a late
site's score rose every night, and each night rewrote every such rating with a history row). The (tier, score) index
goes with the column: the red and orange lists order by the score at the moment, over (tier, region_path).

Ratings stored before have base_score 0 until the next run rewrites them (it sees them all as changed). Written by
hand: the index must go before SQLite can drop the column, and Piccolo runs raw statements first."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import DoublePrecision
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder

ID = "2026-11-30T01:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "current ratings keep the score without lateness"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="risk", description=DESCRIPTION)

    async def run():
        await engine_finder().run_ddl("DROP INDEX site_risk_tier_score")

    manager.add_raw(run)

    manager.add_column(
        table_class_name="SiteRisk",
        tablename="site_risk",
        column_name="base_score",
        db_column_name="base_score",
        column_class_name="DoublePrecision",
        column_class=DoublePrecision,
        params={
            "default": 0.0,
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

    manager.drop_column(
        table_class_name="SiteRisk",
        tablename="site_risk",
        column_name="score",
        db_column_name="score",
        schema=None,
    )

    return manager
