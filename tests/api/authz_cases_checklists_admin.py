"""Authorization cases of the checklist templates' administration: admins only."""

import json

from tests.api.authz import Case
from tests.api.checklist_answers import TEMPLATES

ONLY_ADMIN = {"admin": 200, "supervisor": 403, "inspector": 403, "inspector2": 403, "manager": 403, "manager2": 403,
              "lottery": 403}
_DOC = json.loads((TEMPLATES / "lottery_outlet_audit.json").read_text(encoding="utf-8"))
# The shipped version again: the same content, so 200 (stored already) for the admin, and nothing changes.
SAME = json.dumps(_DOC, ensure_ascii=False).encode()



async def setup(client, demo, as_user):
    return {"template": "lottery_outlet_audit", "version": "1"}


CASES = [
    Case("GET", "/api/admin/checklists", ONLY_ADMIN),
    Case("POST", "/api/admin/checklists", ONLY_ADMIN, content=SAME, headers={"Content-Type": "application/json"}),
    Case("GET", "/api/admin/checklists/{template}/{version}/diff?against=1", ONLY_ADMIN),
    Case("POST", "/api/admin/checklists/{template}/{version}/activate", ONLY_ADMIN),
]
