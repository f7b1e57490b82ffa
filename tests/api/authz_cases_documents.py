"""Authorization cases of the issued documents (PDF): scoped exactly like their inspection or finding. setup() has
each document issued first by an inspector of the site, so every role in scope then receives the same PDF."""

import uuid
from datetime import timedelta

from tests.api.authz import Case
from tests.api.checklist_answers import all_compliant, payload
from tests.api.signing import sign
from tests.integration.jobs import factory
from xunjian.escalation.service import escalate

SEES_LZ = {"admin": 200, "supervisor": 200, "inspector": 200, "inspector2": 404, "manager": 200, "manager2": 404,
           "lottery": 404}
SEES_TS = {"admin": 200, "supervisor": 200, "inspector": 404, "inspector2": 200, "manager": 404, "manager2": 200,
           "lottery": 404}


async def _inspected(client, headers, site_id: int) -> tuple[str, int]:
    answers = all_compliant("eldercare_safety")
    answers["night_staff_sufficient"] = {"result": "noncompliant", "note": "夜班仅1人"}
    inspection_id = str(uuid.uuid4())
    r = await client.put(f"/api/inspections/{inspection_id}", json=payload(site_id, answers=answers),
                         headers=headers)
    assert r.status_code == 201, r.text
    return inspection_id, r.json()["findings"][0]["id"]


async def setup(client, demo, as_user):
    values = {}
    for name, user, manager, code in (("lz", "inspector", "manager", "YL-620102-001"),
                                      ("ts", "inspector2", "manager2", "YL-620502-004")):
        headers = await as_user(user)
        inspection_id, finding_id = await _inspected(client, headers, demo.sites[code])
        r = await client.post(f"/api/findings/{finding_id}/responses", json={"note": "已增配夜班人员"},
                              headers=await as_user(manager))
        assert r.status_code == 201, r.text
        r = await client.post(f"/api/findings/{finding_id}/verification", json={"decision": "accept"},
                              headers=headers)
        assert r.status_code == 200, r.text
        values[f"inspection_{name}"], values[f"finding_{name}"] = inspection_id, str(finding_id)
        await sign(client, headers, inspection_id)
        for path in (f"/api/inspections/{inspection_id}/record.pdf", f"/api/inspections/{inspection_id}/notice.pdf",
                     f"/api/findings/{finding_id}/recheck.pdf"):
            assert (await client.get(path, headers=headers)).status_code == 200, path
    await factory.supervisor("sup_lz_docs", demo.regions["620100"])
    deadline = factory.utcnow() - timedelta(days=10)
    listed = await factory.finding(demo.sites["YL-620102-001"], demo.users["inspector"], grade="major",
                                   deadline=deadline)
    await escalate(deadline + timedelta(days=3))
    r = await client.post(f"/api/findings/{listed}/listing", json={"decision": "confirm", "reason": "逾期"},
                          headers=await as_user("sup_lz_docs"))
    assert r.status_code == 200, r.text
    values["listed_lz"] = str(listed)
    return values


CASES = [
    Case("GET", "/api/inspections/{inspection_lz}/record.pdf", SEES_LZ),
    Case("GET", "/api/inspections/{inspection_ts}/record.pdf", SEES_TS),
    Case("GET", "/api/inspections/{inspection_lz}/notice.pdf", SEES_LZ),
    Case("GET", "/api/inspections/{inspection_ts}/notice.pdf", SEES_TS),
    Case("GET", "/api/findings/{finding_lz}/recheck.pdf", SEES_LZ),
    Case("GET", "/api/findings/{finding_ts}/recheck.pdf", SEES_TS),
    Case("GET", "/api/findings/{listed_lz}/supervision.pdf", SEES_LZ),
]
