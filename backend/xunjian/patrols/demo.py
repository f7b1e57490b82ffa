"""Demo street patrols, so coverage, follow-up cases and the inbox show something on first start (`xunjian demo`).

Submitted through the same service as the API, last night and three nights ago, under fixed ids. A patrol already
there is left as it is (its times were relative to the first load, so a second load would differ from it). The
people met are invented and carry no names: encounters never do.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from ..accounts.principal import Principal
from ..accounts.tables import User
from ..checklists import service as checklists
from ..config import Settings
from ..scope import Scope
from ..sites.tables import Site
from . import rules, service
from .schemas import EncounterIn, PatrolPut, TrackPointIn
from .tables import Patrol

# (name, zone code, inspector, nights ago, team, rescue station code, encounters)
DEMO = [
    ("lanzhou-station-night", "XC-620102-01", "inspector", 1, ["王磊", "刘洋"], "JZ-620100", [
        dict(minutes=20, sex="male", age_band="age_60_79", is_elderly=True, action="persuaded_to_station",
             place_type="station", features=["灰色棉衣"], details="候车室外长椅，自述来兰州寻亲"),
        dict(minutes=55, sex="female", age_band="age_14_17", is_minor=True, action="escorted",
             place_type="station", features=["红色书包"], details="自称与家人走散，已护送至救助站"),
        dict(minutes=90, sex="male", age_band="age_18_59", action="refused_supplies_given",
             place_type="bridge_culvert", features=["左腿跛行"], details="东岗立交桥下，拒绝进站，已发放棉被和食品"),
    ]),
    ("tianshui-station-evening", "XC-620502-01", "inspector2", 3, ["赵强", "孙丽"], "JZ-620500", [
        dict(minutes=30, sex="male", age_band="age_18_59", is_disabled=True, action="persuaded_to_station",
             place_type="station", features=["拄拐"], details="火车站广场，同意进站"),
    ]),
]


def _id(*parts: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, "https://xunjian.local/demo/patrol/" + "/".join(parts))


async def load(settings: Settings) -> None:
    users = {u["username"]: u for u in await User.select(User.id, User.username, User.role, User.display_name)}
    # Every patrol-level check of the street-patrol template, compliant (the demo's blue warning shows them all).
    template = await checklists.get_template(rules.TEMPLATE_KEY)
    # The patrol's own checks: check items up to version 1, required observations (choices) from version 2.
    checks = {item["key"]: {"result": "compliant"} for item in template.check_items} | {
        item["key"]: item["options"][0]["value"] for item in template.items
        if item["type"] == "choice" and item.get("required") and item["key"] not in service.FIELD_ITEMS}
    now = datetime.now(timezone.utc).replace(microsecond=0)
    for name, zone_code, username, nights_ago, team, station_code, encounters in DEMO:
        patrol_id = _id(name)
        zone = await Site.select(Site.id, Site.lat, Site.lng).where(Site.code == zone_code).first()
        station = await Site.select(Site.id).where(Site.code == station_code).first()
        user = users.get(username)
        if zone is None or user is None or await Patrol.exists().where(Patrol.id == patrol_id):
            continue
        started = (now - timedelta(days=nights_ago)).replace(hour=12, minute=0, second=0)  # 20:00 in Beijing
        if started > now:
            started -= timedelta(days=1)
        actor = Principal(id=user["id"], username=user["username"], role=user["role"],
                          display_name=user["display_name"], scope=Scope(everything=True), session_id=0)
        data = PatrolPut(
            zone_id=zone["id"], started_at=started, ended_at=started + timedelta(hours=2), team=team,
            campaign_tag="寒冬送温暖", weather="snow", warning_level="blue", place_types=["station", "bridge_culvert"],
            track=[TrackPointIn(t=started + timedelta(minutes=10 * i), lat=zone["lat"] + 0.001 * i, lng=zone["lng"],
                                accuracy_m=8.0) for i in range(12)],
            answers=checks,
            encounters=[EncounterIn(
                id=_id(name, str(i)), met_at=started + timedelta(minutes=e.pop("minutes")),
                lat=zone["lat"] + 0.0005 * i, lng=zone["lng"],
                referral_target_id=station["id"] if station and e["action"] in ("persuaded_to_station", "escorted")
                else None, **e) for i, e in enumerate(dict(x) for x in encounters)],
        )
        await service.put_patrol(actor, patrol_id, data, now=now)
