"""Authorization cases of the analytics (supervisors and admins; other roles 403 whatever the region)."""

from tests.api.authz import Case

READ = {"admin": 200, "supervisor": 200, "inspector": 403, "inspector2": 403, "manager": 403, "manager2": 403,
        "lottery": 403}


async def setup(client, demo, as_user):
    return {"region_lz": str(demo.regions["620100"])}


CASES = [
    Case("GET", "/api/analytics", READ),
    Case("GET", "/api/analytics?region={region_lz}&year=2026&month_from=1&month_to=3", READ),
    Case("GET", "/api/analytics?region=2147483647", {**READ, "admin": 404, "supervisor": 404}),
    Case("GET", "/api/analytics/export.xlsx", READ),
    Case("GET", "/api/analytics/export.xlsx?region={region_lz}&table=overdue", READ),
    Case("GET", "/api/analytics/export.csv?table=coverage", READ),
    Case("GET", "/api/analytics/export.csv?region={region_lz}&table=rectification", READ),
]
