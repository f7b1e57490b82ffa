"""Written by hand: the roll-up's and the snapshots' keys take the site kind; the kind filled in on the ratings and
the roll-up counted afresh from them. Snapshots written before keep kind "" (their kinds are not known): a scope of
some kinds only (the lottery centre's) has no trend before this migration."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T23:11:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "risk keys by site kind"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="risk", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        await engine.run_ddl("UPDATE site_risk SET kind = (SELECT s.kind FROM site s WHERE s.id = site_risk.site)")
        await engine.run_ddl("DROP INDEX risk_rollup_path_tier")
        await engine.run_ddl("DELETE FROM risk_rollup")
        await engine.run_ddl(
            "INSERT INTO risk_rollup (region_path, kind, tier, sites, overdue_l0, overdue_l1, overdue_l2, overdue_l3, "
            "rated_at) SELECT region_path, kind, tier, COUNT(*), SUM(overdue_l0), SUM(overdue_l1), SUM(overdue_l2), "
            "SUM(overdue_l3), MAX(rated_at) FROM site_risk GROUP BY region_path, kind, tier")
        await engine.run_ddl(
            "CREATE UNIQUE INDEX risk_rollup_path_kind_tier ON risk_rollup (region_path, kind, tier)")
        await engine.run_ddl("DROP INDEX risk_snapshot_day_region_tier")
        await engine.run_ddl(
            "CREATE UNIQUE INDEX risk_snapshot_day_region_kind_tier ON risk_snapshot (day, region, kind, tier)")

    async def run_backwards():
        # The counts merged over the kinds again, under the keys without them.
        engine = engine_finder()
        await engine.run_ddl("DROP INDEX risk_snapshot_day_region_kind_tier")
        await engine.run_ddl(
            "INSERT INTO risk_snapshot (day, region, kind, tier, sites) SELECT day, region, '', tier, SUM(sites) "
            "FROM risk_snapshot WHERE kind <> '' GROUP BY day, region, tier")
        await engine.run_ddl("DELETE FROM risk_snapshot WHERE kind <> ''")
        await engine.run_ddl("CREATE UNIQUE INDEX risk_snapshot_day_region_tier ON risk_snapshot (day, region, tier)")
        await engine.run_ddl("DROP INDEX risk_rollup_path_kind_tier")
        await engine.run_ddl("DELETE FROM risk_rollup")
        await engine.run_ddl(
            "INSERT INTO risk_rollup (region_path, kind, tier, sites, overdue_l0, overdue_l1, overdue_l2, overdue_l3, "
            "rated_at) SELECT region_path, '', tier, COUNT(*), SUM(overdue_l0), SUM(overdue_l1), SUM(overdue_l2), "
            "SUM(overdue_l3), MAX(rated_at) FROM site_risk GROUP BY region_path, tier")
        await engine.run_ddl("CREATE UNIQUE INDEX risk_rollup_path_tier ON risk_rollup (region_path, tier)")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
