"""Written by hand: site_risk indexed by (tier, base_score), which bounds the board's red and orange lists (their
best base scores less the lateness cap; see service.board)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-30T01:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "site_risk by tier and base score"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="risk", description=DESCRIPTION)

    async def run():
        await engine_finder().run_ddl("CREATE INDEX site_risk_tier_base ON site_risk (tier, base_score)")

    async def run_backwards():
        await engine_finder().run_ddl("DROP INDEX site_risk_tier_base")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
