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


async def test_rerating_reads_a_row_per_kind_of_finding_not_per_finding(client, demo, as_user):
    """The facts a re-rating scores are counted in SQL: 300 open findings alike are one fact, and the rating is the
    one 300 separate findings would give."""
    from datetime import datetime, timedelta, timezone

    from xunjian.findings.tables import Finding
    from xunjian.risk import rules as R
    from xunjian.risk.service import site_facts
    from xunjian.risk.versions import current_rules

    site = demo.sites["YL-620102-001"]
    now = datetime.now(timezone.utc)
    await Finding.insert(*[
        Finding(site=site, title=f"隐患 {n}", grade="general", status="open", deadline=now - timedelta(days=3),
                escalation_level=1, created_by=demo.users["inspector"], created_at=now - timedelta(days=20))
        for n in range(300)])
    rules = current_rules()
    facts = await site_facts(site, now, rules)
    assert len(facts.findings) <= 3 and sum(f.count for f in facts.findings) >= 300
    one_by_one = R.SiteFacts(**{**facts.__dict__, "findings": tuple(
        R.FindingFact(f.grade, f.overdue, f.escalation_level, f.risk_weight, f.self_reported)
        for f in facts.findings for _ in range(f.count))})
    assert R.score(facts, rules, now) == R.score(one_by_one, rules, now)
