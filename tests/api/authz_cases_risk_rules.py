"""Authorization cases of the risk rules' administration: admins only."""

from tests.api.authz import Case
from xunjian.config import REPO_DIR

ONLY_ADMIN = {"admin": 200, "supervisor": 403, "inspector": 403, "inspector2": 403, "manager": 403, "manager2": 403,
              "lottery": 403}
# The shipped version 1 again: the same content, so 200 (stored already) for the admin, and nothing changes.
SAME = (REPO_DIR / "schemas" / "risk-rules" / "v1.json").read_bytes()


async def setup(client, demo, as_user):
    return {"rules_version": "1"}


CASES = [
    Case("GET", "/api/admin/risk-rules", ONLY_ADMIN),
    Case("GET", "/api/admin/risk-rules/{rules_version}", ONLY_ADMIN),
    Case("POST", "/api/admin/risk-rules", ONLY_ADMIN, content=SAME, headers={"Content-Type": "application/json"}),
    Case("POST", "/api/admin/risk-rules/{rules_version}/dry-run", ONLY_ADMIN),
    Case("POST", "/api/admin/risk-rules/{rules_version}/activate", ONLY_ADMIN),
]
