"""Written by hand: Piccolo's auto migrations cannot add multi-column unique constraints on SQLite, so the
unique and composite indexes the risk jobs rely on are created here (same DDL on both engines)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T23:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique and composite indexes"

STATEMENTS = ['CREATE UNIQUE INDEX risk_snapshot_day_region_tier ON risk_snapshot (day, region, tier)', 'CREATE INDEX site_risk_region_tier ON site_risk (region_path, tier, overdue_l0, overdue_l1, overdue_l2, overdue_l3, rated_at)', 'CREATE INDEX site_risk_tier_score ON site_risk (tier, score)']
INDEXES = ['risk_snapshot_day_region_tier', 'site_risk_region_tier', 'site_risk_tier_score']


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="risk", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)
        if engine.engine_type == "postgres":
            # The board's subtree filter is a LIKE 'prefix%': PostgreSQL needs pattern ops to use an index for it.
            # Covering, so the board's counts are an index-only scan rather than a read of every rating's factors.
            await engine.run_ddl(
                "CREATE INDEX site_risk_path_prefix ON site_risk (region_path varchar_pattern_ops, tier) "
                "INCLUDE (overdue_l0, overdue_l1, overdue_l2, overdue_l3, rated_at)")
            # Every run rewrites each site's row; free space on the page lets PostgreSQL update it in place (HOT)
            # without touching the indexes when the tier and region stay the same.
            await engine.run_ddl("ALTER TABLE site_risk SET (fillfactor = 50)")

    async def run_backwards():
        engine = engine_finder()
        if engine.engine_type == "postgres":
            await engine.run_ddl("DROP INDEX site_risk_path_prefix")
        for name in reversed(INDEXES):
            await engine.run_ddl(f"DROP INDEX {name}")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
