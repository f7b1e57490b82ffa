"""Authorization cases of the jobs: admins only."""

from tests.api.authz import Case

ONLY_ADMIN = {"admin": 200, "supervisor": 403, "inspector": 403, "inspector2": 403, "manager": 403, "manager2": 403,
              "lottery": 403}



async def setup(client, demo, as_user):
    return {"job": "risk", "job_webhooks": "webhooks", "job_missing": "no-such-job"}


CASES = [
    Case("GET", "/api/admin/jobs", ONLY_ADMIN),
    Case("GET", "/api/admin/jobs/runs", ONLY_ADMIN),
    Case("GET", "/api/admin/jobs/runs?name=risk&limit=5", ONLY_ADMIN),
    Case("POST", "/api/admin/jobs/{job}/run", ONLY_ADMIN, body={"now": "2026-12-01T02:30:00+08:00"}),
    Case("POST", "/api/admin/jobs/{job_webhooks}/run", ONLY_ADMIN),
    Case("POST", "/api/admin/jobs/{job_missing}/run", {**ONLY_ADMIN, "admin": 404}),
]
