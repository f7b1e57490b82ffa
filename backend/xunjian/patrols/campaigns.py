"""Campaigns (寒冬送温暖 and the like) declared for a region, and each zone's patrol coverage against its required
frequency, with the open follow-up cases by age."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from .. import db
from ..accounts.principal import Principal
from ..audit import service as audit
from ..errors import Invalid
from ..regions.service import get_region
from ..regions.tables import Region
from ..sites.tables import Site
from . import rules
from .common import and_all, ensure_staff, utcnow
from .schemas import CampaignCreate, CampaignRead, CaseAges, CoverageRead, ZoneCoverage
from .tables import Campaign, FollowUpCase


async def _campaign_reads(where, now: datetime) -> list[CampaignRead]:
    query = Campaign.select(*Campaign.all_columns(), Campaign.region.name.as_alias("region_name")).order_by(
        Campaign.starts_at, ascending=False)
    if where is not None:
        query = query.where(where)
    return [CampaignRead(id=r["id"], region_id=r["region"], region_name=r["region_name"], tag=r["tag"],
                         starts_at=r["starts_at"], ends_at=r["ends_at"],
                         active=r["starts_at"] <= now < r["ends_at"]) for r in await query]


async def declare_campaign(principal: Principal, data: CampaignCreate, now: datetime | None = None) -> CampaignRead:
    now = now or utcnow()
    if data.ends_at <= data.starts_at:
        raise Invalid("ends_at must be after starts_at", details={"field": "ends_at"})
    region = await Region.select(Region.id, Region.path).where(Region.id == data.region_id).first()
    if region is None:
        raise Invalid("Unknown region", details={"field": "region_id"})
    async with db.write_transaction():
        rows = await Campaign.insert(Campaign(
            region=region["id"], region_path=region["path"], tag=data.tag.strip(), starts_at=data.starts_at,
            ends_at=data.ends_at, created_by=principal.id, created_at=now,
        )).returning(Campaign.id)
        await audit.record(principal, "campaign.create", "campaign", rows[0]["id"],
                           after={"region_id": region["id"], "tag": data.tag, "starts_at": data.starts_at.isoformat(),
                                  "ends_at": data.ends_at.isoformat()})
    return (await _campaign_reads(Campaign.id == rows[0]["id"], now))[0]


async def list_campaigns(principal: Principal, active_only: bool = False, now: datetime | None = None
                         ) -> list[CampaignRead]:
    ensure_staff(principal)
    now = now or utcnow()
    where = ((Campaign.starts_at <= now) & (Campaign.ends_at > now)) if active_only else None
    return await _campaign_reads(where, now)


async def coverage(principal: Principal, *, region: int | None = None, now: datetime | None = None) -> CoverageRead:
    """Each zone in scope against its required frequency, and the open follow-up cases by age."""
    ensure_staff(principal)
    now = now or utcnow()
    conds = [Site.kind == "patrol_zone", Site.is_active == True, principal.scope.where()]  # noqa: E712
    if region is not None:
        conds.append(Site.region_path.like((await get_region(region))["path"] + "%"))
    zones = await Site.select(
        Site.id, Site.code, Site.name, Site.region, Site.region.name.as_alias("region_name"), Site.region_path,
        Site.attributes,
    ).where(and_all(conds)).order_by(Site.code).output(load_json=True)
    zone_ids = [z["id"] for z in zones] or [-1]
    last: dict[int, datetime] = {}
    # The latest start per zone in scope; one grouped query.
    scope_sql, scope_args = principal.scope.sql("s")
    for r in await db.fetch(
        "SELECT p.zone AS zone, MAX(p.started_at) AS last FROM patrol p JOIN site s ON s.id = p.zone "
        f"WHERE s.kind = 'patrol_zone' AND p.started_at <= {{}} AND {scope_sql} GROUP BY p.zone", now, *scope_args,
    ):
        last[r["zone"]] = _as_datetime(r["last"])
    campaigns = [rules.CampaignWindow(c["region_path"], c["tag"], c["starts_at"], c["ends_at"])
                 for c in await Campaign.select().where((Campaign.starts_at <= now) & (Campaign.ends_at > now))]
    open_cases = await FollowUpCase.select(FollowUpCase.zone, FollowUpCase.opened_at, FollowUpCase.deadline).where(
        (FollowUpCase.status == "open") & FollowUpCase.zone.is_in(zone_ids))
    per_zone: dict[int, int] = {}
    by_age = {name: 0 for name, _ in rules.CASE_AGE_BUCKETS}
    overdue = 0
    for c in open_cases:
        per_zone[c["zone"]] = per_zone.get(c["zone"], 0) + 1
        by_age[rules.case_age_bucket(c["opened_at"], now)] += 1
        overdue += c["deadline"] < now
    items, counts = [], {"in_time": 0, "late": 0, "never": 0}
    for z in zones:
        cold = rules.active_cold_wave(z["region_path"], campaigns, now)
        freq = rules.required_frequency_days(z["attributes"], cold)
        status, due = rules.coverage_status(last.get(z["id"]), freq, now)
        counts[status] += 1
        items.append(ZoneCoverage(
            zone_id=z["id"], code=z["code"], name=z["name"], region_id=z["region"], region_name=z["region_name"],
            frequency_days=freq, cold_wave=cold, last_patrol_at=last.get(z["id"]), due_by=due, status=status,
            open_cases=per_zone.get(z["id"], 0),
        ))
    return CoverageRead(at=now, counts=counts, zones=items,
                        open_cases=CaseAges(total=len(open_cases), overdue=overdue, by_age=by_age))


def _as_datetime(value: Any) -> datetime:
    """MAX() over a Timestamptz comes back as text on SQLite."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
