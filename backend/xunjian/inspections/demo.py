"""Demo inspections and findings, so the product shows something on first start (`xunjian demo`).

Submitted through the same service as the API, at past times, under fixed ids: loading twice is a replay. They sit on
sites the demo managers do not run, so the managers' own views start clean.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from ..accounts.principal import Principal
from ..accounts.tables import User
from ..checklists import rules as engine
from ..checklists import service as checklists
from ..config import Settings
from ..scope import Scope
from ..sites.tables import Site
from . import service
from .tables import Inspection
from .schemas import InspectionPut, Location

# (name, site code, inspector, template, days ago, noncompliant answers)
DEMO = [
    ("qilihe-welfare-centre", "YL-620103-002", "inspector", "eldercare_safety", 40, {
        "exits_clear": {"note": "三楼北侧安全出口被杂物堵塞并上锁", "photo": True},
        "no_ebike_indoors": {"note": "一楼楼道内停放电动自行车并充电", "photo": True},
        "medicines_in_order": {"note": "护理站发现3盒过期药品"},
    }),
    ("maiji-care-home", "YL-620503-005", "inspector2", "eldercare_safety", 5, {
        "lighting_ok": {"note": "二楼走廊4盏灯不亮"},
        "protect_falls": {"note": "2名跌倒高风险老人无书面防护措施"},
    }),
    ("xizhan-outlet", "FC-62010305", "inspector", "lottery_outlet_audit", 20, {
        "minors_sign_intact": {"note": "“不得向未成年人售彩”标识破损", "photo": True},
    }),
]


def _demo_id(name: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"https://xunjian.local/demo/inspection/{name}")


def _answers(template, noncompliant: dict) -> dict:
    """Every shown item answered: checks compliant except the listed ones; choices at their first option."""
    answers: dict = {}
    for item in template.items:
        if not engine.is_shown(item, answers, answers):
            continue
        kind = item["type"]
        if kind == "check":
            bad = noncompliant.get(item["key"])
            answers[item["key"]] = {"result": "compliant"} if bad is None else {
                "result": "noncompliant", "note": bad["note"],
                "photos": [str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo-photo/{item['key']}"))]
                if bad.get("photo") else [],
            }
        elif kind == "number":
            answers[item["key"]] = item.get("min", 0) + 1
        elif kind == "choice":
            first = item["options"][0]["value"]
            answers[item["key"]] = [first] if item.get("multiple") else first
    return answers


async def load(settings: Settings) -> None:
    await checklists.load_templates(settings)
    users = {u["username"]: u for u in await User.select(User.id, User.username, User.role, User.display_name)}
    now = datetime.now(timezone.utc)
    for name, code, username, key, days_ago, noncompliant in DEMO:
        site = await Site.select(Site.id, Site.lat, Site.lng).where(Site.code == code).first()
        user = users.get(username)
        # Loaded once: a later load would answer a newer template version under the same id (a 409, not a replay).
        if site is None or user is None or await Inspection.exists().where(Inspection.id == _demo_id(name)):
            continue
        template = await checklists.get_template(key)
        actor = Principal(id=user["id"], username=user["username"], role=user["role"],
                          display_name=user["display_name"], scope=Scope(everything=True), session_id=0)
        data = InspectionPut(
            site_id=site["id"], template_key=key, template_version=template.version, status="submitted",
            answers=_answers(template, noncompliant), remarks="演示数据",
            checkin=Location(lat=site["lat"] + 0.0002, lng=site["lng"], accuracy_m=10.0),
        )  # no device times: they would change the content on every load, and a replay must be identical
        await service.put_inspection(actor, settings, _demo_id(name), data, now=now - timedelta(days=days_ago))
