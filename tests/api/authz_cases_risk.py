"""Authorization cases of the risk board, a site's rating and the inspection due list (planning)."""

from tests.api.authz import ROLES, Case

# The lottery centre's board counts its outlets only (tests/api/test_lottery_centre.py).
BOARD = {"admin": 200, "supervisor": 200, "inspector": 200, "inspector2": 200, "manager": 403, "manager2": 403,
         "lottery": 200}
BOARD_LZ = {**BOARD, "inspector2": 404}


async def setup(client, demo, as_user):
    return {"region_lz": str(demo.regions["620100"]), "region_ts": str(demo.regions["620500"])}


CASES = [
    Case("GET", "/api/risk/board", BOARD),
    Case("GET", "/api/risk/board?region={region_lz}", BOARD_LZ),
    Case("GET", "/api/risk/board?region={region_ts}", {**BOARD, "inspector": 404}),
    Case("GET", "/api/risk/board.csv", BOARD),
    Case("GET", "/api/risk/map", BOARD),
    Case("GET", "/api/risk/map?region={region_lz}", BOARD_LZ),
    Case("GET", "/api/risk/map?region={region_ts}", {**BOARD, "inspector": 404}),
    Case("GET", "/api/risk/board.csv?region={region_lz}", BOARD_LZ),
    Case("GET", "/api/risk/sites/{site_lz}", {"admin": 200, "supervisor": 200, "inspector": 200, "inspector2": 404,
                                              "manager": 200, "manager2": 404, "lottery": 404}),
    Case("GET", "/api/risk/sites/{site_ts}", {"admin": 200, "supervisor": 200, "inspector": 404, "inspector2": 200,
                                              "manager": 404, "manager2": 200, "lottery": 404}),
    Case("GET", "/api/risk/sites/{site_fc}", {"admin": 200, "supervisor": 200, "inspector": 200, "inspector2": 404,
                                              "manager": 404, "manager2": 404, "lottery": 200}),
    Case("GET", "/api/inspections/due", {r: 200 for r in ROLES}),
    Case("GET", "/api/inspections/due?region={region_lz}&within_days=30",
         {"admin": 200, "supervisor": 200, "inspector": 200, "inspector2": 404, "manager": 200, "manager2": 200,
          "lottery": 200}),
]
