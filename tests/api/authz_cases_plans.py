"""Authorization cases of inspection plans, their draw, tasks, conflicts of interest and coverage."""

from datetime import date, timedelta

from tests.api.authz import Case

MANAGE = {"admin": 200, "supervisor": 200, "inspector": 403, "inspector2": 403, "manager": 403, "manager2": 403,
          "lottery": 403}
CREATE = {**MANAGE, "admin": 201, "supervisor": 201}
READ = {"admin": 200, "supervisor": 200, "inspector": 200, "inspector2": 200, "manager": 403, "manager2": 403,
        "lottery": 403}
DRAFT_LZ = {**READ, "inspector": 404, "inspector2": 404}  # no inspector has a task in a draft
PUBLISHED_LZ = {**READ, "inspector2": 404}
TODAY = date.today()
# Static bodies name demo rows by id; setup() checks that the demo still numbers them so.
INSPECTOR, INSPECTOR2, PROVINCE = 3, 4, 1
PLAN = {"name": "全省福彩投注站专项检查", "kind": "special", "region_id": PROVINCE, "site_kinds": ["lottery_outlet"],
        "period_start": TODAY.isoformat(), "period_end": (TODAY + timedelta(days=30)).isoformat(),
        "pool": [INSPECTOR, INSPECTOR2], "count": 2}


async def setup(client, demo, as_user):
    from xunjian.accounts import service as accounts
    from xunjian.accounts.schemas import UserCreate
    from xunjian.accounts.tables import User

    from tests.conftest import DEMO_PASSWORD

    assert (demo.users["inspector"], demo.users["inspector2"], demo.regions["620000"]) == (INSPECTOR, INSPECTOR2,
                                                                                          PROVINCE)
    second = await User.select(User.id).where(User.username == "authz_lz_b").first()
    if second is None:
        second = {"id": (await accounts.create_user(None, UserCreate(
            username="authz_lz_b", password=DEMO_PASSWORD, role="inspector",
            region_ids=[demo.regions["620100"]]))).id}
    sup = await as_user("supervisor")
    body = {**PLAN, "region_id": demo.regions["620100"], "pool": [INSPECTOR, second["id"]],
            "site_kinds": ["eldercare", "lottery_outlet"]}
    ids = {}
    for name in ("draft", "drawn", "published"):
        ids[name] = str((await client.post("/api/plans", json=body, headers=sup)).json()["id"])
        if name != "draft":
            assert (await client.post(f"/api/plans/{ids[name]}/draw", json={"seed": name}, headers=sup)) \
                .status_code == 200
    assert (await client.post(f"/api/plans/{ids['published']}/publish", headers=sup)).status_code == 200
    conflict = await client.post("/api/plans/conflicts", json={"inspector_id": INSPECTOR, "operator": "某运营公司"},
                                 headers=sup)
    return {"plan_draft": ids["draft"], "plan_drawn": ids["drawn"], "plan_published": ids["published"],
            "conflict": str(conflict.json()["id"]), "region_lz": str(demo.regions["620100"])}


CASES = [
    Case("GET", "/api/plans", READ),
    Case("POST", "/api/plans", CREATE, body=PLAN),
    Case("GET", "/api/plans/{plan_draft}", DRAFT_LZ),
    Case("GET", "/api/plans/{plan_published}", PUBLISHED_LZ),
    Case("PATCH", "/api/plans/{plan_draft}", MANAGE, body={"name": "改名"}),
    Case("DELETE", "/api/plans/{plan_draft}", MANAGE),
    Case("POST", "/api/plans/{plan_draft}/draw", MANAGE, body={"seed": "authz"}),
    Case("GET", "/api/plans/{plan_drawn}/draw", DRAFT_LZ),
    Case("GET", "/api/plans/{plan_published}/draw", PUBLISHED_LZ),
    Case("GET", "/api/plans/{plan_published}/draw/verify", PUBLISHED_LZ),
    Case("POST", "/api/plans/{plan_drawn}/publish", MANAGE),
    Case("GET", "/api/plans/tasks", READ),
    Case("GET", "/api/plans/tasks?plan={plan_published}", PUBLISHED_LZ),
    Case("GET", "/api/plans/coverage", MANAGE),
    Case("GET", "/api/plans/coverage.csv", MANAGE),
    Case("GET", "/api/plans/inspectors?region={region_lz}", MANAGE),
    Case("GET", "/api/plans/conflicts", MANAGE),
    Case("POST", "/api/plans/conflicts", CREATE, body={"inspector_id": INSPECTOR, "operator": "另一运营公司"}),
    Case("DELETE", "/api/plans/conflicts/{conflict}", MANAGE),
]
