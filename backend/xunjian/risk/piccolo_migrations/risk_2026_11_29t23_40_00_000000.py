"""Written by hand: risk_rollup's unique key, filled from the ratings already there, and site_risk's indexes.

The board now counts from risk_rollup, so site_risk loses the two covering indexes it had for that (every rating
change had to update them); the red and orange lists keep (tier, score) and get (tier, region_path) for a region.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T23:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "risk rollup key and site_risk indexes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="risk", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        await engine.run_ddl("CREATE UNIQUE INDEX risk_rollup_path_tier ON risk_rollup (region_path, tier)")
        await engine.run_ddl("DROP INDEX site_risk_region_tier")
        if engine.engine_type == "postgres":
            await engine.run_ddl("DROP INDEX site_risk_path_prefix")
            # LIKE 'prefix%' needs pattern ops on PostgreSQL; SQLite's board uses a range over the binary order.
            await engine.run_ddl(
                "CREATE INDEX site_risk_tier_path ON site_risk (tier, region_path varchar_pattern_ops)")
        else:
            await engine.run_ddl("CREATE INDEX site_risk_tier_path ON site_risk (tier, region_path)")
        # Fill the roll-up from the ratings already there.
        await engine.run_ddl(
            "INSERT INTO risk_rollup (region_path, tier, sites, overdue_l0, overdue_l1, overdue_l2, overdue_l3, "
            "rated_at) SELECT region_path, tier, COUNT(*), SUM(overdue_l0), SUM(overdue_l1), SUM(overdue_l2), "
            "SUM(overdue_l3), MAX(rated_at) FROM site_risk GROUP BY region_path, tier")

    async def run_backwards():
        engine = engine_finder()
        await engine.run_ddl("DROP INDEX site_risk_tier_path")
        await engine.run_ddl("CREATE INDEX site_risk_region_tier ON site_risk (region_path, tier, overdue_l0, "
                             "overdue_l1, overdue_l2, overdue_l3, rated_at)")
        if engine.engine_type == "postgres":
            await engine.run_ddl(
                "CREATE INDEX site_risk_path_prefix ON site_risk (region_path varchar_pattern_ops, tier) "
                "INCLUDE (overdue_l0, overdue_l1, overdue_l2, overdue_l3, rated_at)")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
