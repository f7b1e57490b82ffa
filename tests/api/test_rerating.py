"""A change to a finding re-rates its site at once: the board is never a night behind."""

import uuid

from tests.api.checklist_answers import all_compliant, payload


async def test_submission_and_closure_move_the_tier_at_once(client, demo, as_user):
    inspector, supervisor, manager = await as_user("inspector"), await as_user("supervisor"), await as_user("manager")
    site = demo.sites["YL-620102-001"]
    answers = all_compliant("eldercare_safety")
    answers["exits_clear"] = {"result": "noncompliant", "note": "二楼东侧安全出口上锁", "photos": [str(uuid.uuid4())]}
    r = await client.put(f"/api/inspections/{uuid.uuid4()}", headers=inspector, json=payload(site, answers=answers))
    assert r.status_code == 201, r.text
    # No risk job has run: the submission itself rated the site.
    risk = await client.get(f"/api/risk/sites/{site}", headers=supervisor)
    assert risk.status_code == 200, risk.text
    assert risk.json()["tier"] in ("orange", "red")
    finding = r.json()["findings"][0]["id"]
    r = await client.post(f"/api/findings/{finding}/responses", headers=manager,
                          json={"note": "已拆除门锁，恢复畅通", "photos": [str(uuid.uuid4())]})
    assert r.status_code == 201, r.text
    history = (await client.get(f"/api/risk/sites/{site}", headers=supervisor)).json()
    assert history["tier"] in ("orange", "red")  # responded is not closed: the hazard still counts
