"""Authorization cases of escalation and documents: everyone reads the ladders; only the listing authority's
supervisors decide a listing (none of the demo's roles: the demo supervisor is the province's, the authority of a
城关区 site is 兰州市); admins set how an authority numbers its documents."""

from datetime import datetime, timedelta, timezone

from tests.api.authz import Case

ALL_200 = {"admin": 200, "supervisor": 200, "inspector": 200, "inspector2": 200, "manager": 200, "manager2": 200,
           "lottery": 200}
ONLY_ADMIN = {"admin": 200, "supervisor": 403, "inspector": 403, "inspector2": 403, "manager": 403, "manager2": 403,
              "lottery": 403}
SEES_LZ = {"admin": 200, "supervisor": 200, "inspector": 200, "inspector2": 404, "manager": 200, "manager2": 404,
           "lottery": 404}
SUPERVISORS_LZ = {"admin": 403, "supervisor": 201, "inspector": 403, "inspector2": 404, "manager": 403,
                  "manager2": 404, "lottery": 404}
NOT_THE_AUTHORITY_LZ = {"admin": 403, "supervisor": 403, "inspector": 403, "inspector2": 404, "manager": 403,
                        "manager2": 404, "lottery": 404}

SEES_FC = {"admin": 200, "supervisor": 200, "inspector": 200, "inspector2": 404, "manager": 404, "manager2": 404,
           "lottery": 200}
OUTLET_DECIDERS = {"admin": 403, "supervisor": 403, "inspector": 403, "inspector2": 404, "manager": 404,
                   "manager2": 404, "lottery": 403}


async def setup(client, demo, as_user):
    from xunjian.findings.tables import Finding

    now = datetime.now(timezone.utc)
    rows = await Finding.insert(Finding(
        site=demo.sites["YL-620102-001"], title="安全出口上锁", basis="检查实践", grade="major", status="open",
        deadline=now - timedelta(days=5), created_by=demo.users["inspector"], escalation_level=2,
        listing="proposed", listing_authority=demo.regions["620100"],
    )).returning(Finding.id)
    return {"proposed_lz": str(rows[0]["id"]), "region_lz": str(demo.regions["620100"])}


CASES = [
    Case("GET", "/api/escalation/ladders", ALL_200),
    Case("POST", "/api/findings/{proposed_lz}/listing", NOT_THE_AUTHORITY_LZ,
         body={"decision": "confirm", "reason": "逾期未整改"}),
    Case("POST", "/api/findings/{proposed_lz}/listing", NOT_THE_AUTHORITY_LZ,
         body={"decision": "decline", "reason": "风险可控"}),
    Case("POST", "/api/findings/{proposed_lz}/plan",
         {"admin": 403, "supervisor": 403, "inspector": 403, "inspector2": 404, "manager": 201, "manager2": 404,
          "lottery": 404},
         body={"measures": "拆除门锁，更换推杠门", "funds": "自筹2万元", "complete_by": "2026-12-31T18:00:00+08:00",
               "responsible": "王院长", "contingency": "整改期间安排专人值守出口"}),
    Case("GET", "/api/sites/{site_lz}/decisions", SEES_LZ),
    Case("POST", "/api/sites/{site_lz}/decisions", SUPERVISORS_LZ, body={"kind": "talk", "reason": "逾期未整改，约谈负责人"}),
    # A lottery outlet: the supervisors fine it (第四十一条), the lottery centre suspends its terminal.
    Case("GET", "/api/sites/{site_fc}/decisions", SEES_FC),
    Case("POST", "/api/sites/{site_fc}/decisions", {**OUTLET_DECIDERS, "supervisor": 201},
         body={"kind": "fine", "reason": "向未成年人销售彩票", "amount_yuan": 5000}),
    Case("POST", "/api/sites/{site_fc}/decisions", {**OUTLET_DECIDERS, "lottery": 201},
         body={"kind": "terminal_suspended", "reason": "向未成年人销售彩票，暂停销售终端"}),
    Case("GET", "/api/admin/document-authorities/{region_lz}", ONLY_ADMIN),
    Case("PUT", "/api/admin/document-authorities/{region_lz}", ONLY_ADMIN, body={"abbr": "兰"}),
]
