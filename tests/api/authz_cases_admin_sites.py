"""Authorization cases of the admin console's back end (issue 14): the admin site list, import, export, audit view."""

from tests.api.authz import Case

CSV = "编码,名称,类型,县区,纬度,经度\nFC-AUTHZ-1,投注站,福利彩票投注站,城关区,36.05,103.84\n".encode()


def only_admin(ok: int) -> dict[str, int]:
    return {"admin": ok, "supervisor": 403, "inspector": 403, "inspector2": 403, "manager": 403, "manager2": 403,
            "lottery": 403}


CASES = [
    Case("GET", "/api/admin/sites", only_admin(200)),
    Case("POST", "/api/admin/sites/import?dry_run=false", only_admin(200), content=CSV,
         headers={"Content-Type": "text/csv"}),
    Case("GET", "/api/admin/sites/export.xlsx", only_admin(200)),
    Case("GET", "/api/admin/sites/export.csv", only_admin(200)),
    Case("GET", "/api/admin/sites/attributes", only_admin(200)),
    Case("GET", "/api/admin/audit", only_admin(200)),
    # The review of personal-data access: holders of the personal-data grant only, not admins as such.
    Case("GET", "/api/privacy/access-log", {**only_admin(403), "privacy": 200}),
    Case("GET", "/api/privacy/access-log?user=1&person=1&since=2026-01-01T00:00:00Z&limit=10",
         {**only_admin(403), "privacy": 200}),
]
