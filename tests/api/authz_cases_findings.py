"""Authorization cases of findings: reading in scope, the manager responds, inspectors and supervisors verify."""

from datetime import datetime, timedelta, timezone

from tests.api.authz import Case

SEES_LZ = {"admin": 200, "supervisor": 200, "inspector": 200, "inspector2": 404, "manager": 200, "manager2": 404,
           "lottery": 404}
SEES_TS = {"admin": 200, "supervisor": 200, "inspector": 404, "inspector2": 200, "manager": 404, "manager2": 200,
           "lottery": 404}
ALL_200 = {"admin": 200, "supervisor": 200, "inspector": 200, "inspector2": 200, "manager": 200, "manager2": 200,
           "lottery": 200}
VERIFIERS_LZ = {"admin": 403, "supervisor": 200, "inspector": 200, "inspector2": 404, "manager": 403, "manager2": 404,
                "lottery": 404}
LATER = (datetime.now(timezone.utc) + timedelta(days=60)).isoformat()


async def setup(client, demo, as_user):
    from xunjian.findings.tables import Finding

    now = datetime.now(timezone.utc)
    values = {}
    for name, site, status, extension in [
        ("finding_lz", "YL-620102-001", "open", None), ("finding_ts", "YL-620502-004", "open", None),
        ("finding_fc", "FC-62010201", "open", None), ("responded_lz", "YL-620102-001", "responded", None),
        ("extension_lz", "YL-620102-001", "open", "requested"),
    ]:
        rows = await Finding.insert(Finding(
            site=demo.sites[site], title="走廊照明不足", basis="检查实践", grade="general", status=status,
            extension_status=extension, requested_deadline=now + timedelta(days=30) if extension else None,
            deadline=now + timedelta(days=15), created_by=demo.users["inspector"],
        )).returning(Finding.id)
        values[name] = str(rows[0]["id"])
    return values


CASES = [
    Case("GET", "/api/findings", ALL_200),
    Case("GET", "/api/findings/export.csv", ALL_200),
    Case("GET", "/api/findings/{finding_lz}", SEES_LZ),
    Case("GET", "/api/findings/{finding_ts}", SEES_TS),
    Case("GET", "/api/findings/{finding_lz}/history", SEES_LZ),
    Case("GET", "/api/findings/{finding_fc}", {**SEES_LZ, "manager": 404, "lottery": 200}),
    Case("GET", "/api/findings/{finding_ts}/history", SEES_TS),
    Case("POST", "/api/findings/{finding_lz}/responses",
         {"admin": 403, "supervisor": 403, "inspector": 403, "inspector2": 404, "manager": 201, "manager2": 404,
          "lottery": 404},
         body={"note": "已更换灯具"}),
    Case("POST", "/api/findings/{finding_ts}/responses",
         {"admin": 403, "supervisor": 403, "inspector": 404, "inspector2": 403, "manager": 404, "manager2": 201,
          "lottery": 404},
         body={"note": "已更换灯具"}),
    Case("POST", "/api/findings/{responded_lz}/verification", VERIFIERS_LZ, body={"decision": "accept"}),
    Case("POST", "/api/findings/{responded_lz}/verification", VERIFIERS_LZ,
         body={"decision": "reject", "note": "照片不清晰"}),
    Case("POST", "/api/findings/{responded_lz}/verification",
         {"admin": 403, "supervisor": 403, "inspector": 200, "inspector2": 404, "manager": 403, "manager2": 404,
          "lottery": 404},
         body={"decision": "recheck", "location": {"lat": 36.0578, "lng": 103.8412}}),
    Case("POST", "/api/findings/{finding_lz}/extension",
         {"admin": 403, "supervisor": 403, "inspector": 403, "inspector2": 404, "manager": 200, "manager2": 404,
          "lottery": 404},
         body={"action": "request", "deadline": LATER, "reason": "灯具到货需要时间"}),
    Case("POST", "/api/findings/{extension_lz}/extension", VERIFIERS_LZ, body={"action": "approve"}),
    Case("POST", "/api/findings/{extension_lz}/extension", VERIFIERS_LZ, body={"action": "refuse", "reason": "不予延期"}),
]
