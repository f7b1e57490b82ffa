"""What plans produce for others to read: coverage (scoped, with its CSV) and the public page of a published plan
(公开: no person, no inspector, nothing of street patrols)."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from datetime import date, datetime

from .. import csvout
from ..accounts.principal import Principal
from ..errors import Forbidden, Invalid, NotFound
from ..jobs.sqlkit import dialect
from ..regions.tables import Region
from ..sites.rules import KINDS as SITE_KIND_NAMES
from . import rules, sql
from .schemas import Coverage, CoverageRow, PlanCoverage, PublicPlan, PublicSite
from .service import LOCAL_TZ, MANAGING_ROLES, today
from .tables import Plan, PlanDraw

PLAN_KIND_NAMES = {"routine": "日常检查", "special": "专项检查", "complaint": "投诉举报检查", "joint": "联合检查"}
STATUS_NAMES = {"pending": "待检查", "done": "已检查", "overdue": "逾期未检查"}
RESULT_NAMES = {"compliant": "未发现问题", "hazards_found": "发现隐患"}
MIN_YEAR, MAX_YEAR = 2000, 2100


async def coverage(principal: Principal, year: int | None, region: int | None) -> Coverage:
    if principal.role not in MANAGING_ROLES:
        raise Forbidden("Coverage is for supervisors")
    year = year or today().year
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Invalid(f"year must be {MIN_YEAR}..{MAX_YEAR}", details={"parameter": "year"})
    path = None
    if region is not None:
        row = await Region.select(Region.path).where(Region.id == region).first()
        if row is None or not principal.scope.holds_region(row["path"]):
            raise NotFound("Region not found")
        path = row["path"]
    d = dialect()
    start = datetime(year, 1, 1, tzinfo=LOCAL_TZ)
    end = datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ)
    counties = await sql.county_coverage(d, principal.scope, path, start, end)
    plans = await sql.plan_coverage(d, principal.scope, path, date(year, 1, 1), date(year, 12, 31))
    return Coverage(
        year=year, region_id=region,
        counties=[CoverageRow(region_id=r["region_id"], region_name=r["name"], site_kind=r["kind"],
                              sites=int(r["sites"]), inspected=int(r["inspected"] or 0)) for r in counties],
        plans=[PlanCoverage(plan_id=r["id"], plan_name=r["name"], drawn=int(r["drawn"]), done=int(r["done"] or 0),
                            hazards_found=int(r["hazards"]), rectified=int(r["rectified"] or 0)) for r in plans],
    )


async def coverage_csv(principal: Principal, year: int | None, region: int | None) -> AsyncIterator[bytes]:
    report = await coverage(principal, year, region)

    async def chunks():
        yield csvout.rows(
            ([report.year, r.region_name, SITE_KIND_NAMES.get(r.site_kind, r.site_kind), r.sites, r.inspected,
              round(100 * r.inspected / r.sites, 1) if r.sites else 0] for r in report.counties),
            header=["年度", "县(市、区)", "场所类型", "在册场所", "已检查", "覆盖率%"],
        )

    return chunks()


# ------------------------------------------------------------------------------------------------ 公开

async def public_plan(plan_id: int) -> PublicPlan:
    plan = await Plan.select(Plan.id, Plan.name, Plan.kind, Plan.partner, Plan.period_start, Plan.period_end,
                             Plan.status, Plan.published_at, Plan.region._.name.as_alias("authority")) \
        .where(Plan.id == plan_id).first()
    if plan is None or plan["status"] != "published":
        raise NotFound("No published plan with this number")
    drawn = await PlanDraw.select(PlanDraw.seed, PlanDraw.algorithm_version, PlanDraw.drawn_at).where(
        PlanDraw.plan == plan_id).first()
    ended = plan["period_end"] < today()
    sites = []
    for r in await sql.public_results(plan_id):
        status = rules.task_status(r["status"], ended)
        done = status == "done"
        submitted = r["submitted_at"]
        if isinstance(submitted, str):  # raw SQL on SQLite gives Piccolo's text
            submitted = datetime.fromisoformat(submitted)
        sites.append(PublicSite(
            name=r["name"], kind=r["kind"], county=r["county"] or "",
            status="done" if done else ("overdue" if status == "overdue" else "pending"),
            inspected_on=submitted.astimezone(LOCAL_TZ).date() if done and submitted else None,
            result=("hazards_found" if r["hazards"] else "compliant") if done else None,
            hazards_found=int(r["hazards"]) if done else 0, rectified=int(r["rectified"]) if done else 0,
        ))
    return PublicPlan(
        id=plan["id"], name=plan["name"], kind=plan["kind"], partner=plan["partner"], authority=plan["authority"],
        period_start=plan["period_start"], period_end=plan["period_end"],
        published_on=plan["published_at"].astimezone(LOCAL_TZ).date(),
        drawn_on=drawn["drawn_at"].astimezone(LOCAL_TZ).date(), seed=drawn["seed"],
        algorithm_version=drawn["algorithm_version"], sites=sites,
    )


def public_html(plan: PublicPlan) -> str:
    """A plain page anyone can open and print: no script, no session, every value escaped."""
    e = html.escape
    kind = PLAN_KIND_NAMES.get(plan.kind, plan.kind) + (f"（会同{plan.partner}）" if plan.partner else "")
    rows = "".join(
        f"<tr><td>{i}</td><td>{e(s.name)}</td><td>{e(SITE_KIND_NAMES.get(s.kind, s.kind))}</td>"
        f"<td>{e(s.county)}</td><td>{STATUS_NAMES[s.status]}</td>"
        f"<td>{s.inspected_on.isoformat() if s.inspected_on else ''}</td>"
        f"<td>{RESULT_NAMES[s.result] if s.result else ''}</td>"
        f"<td>{s.hazards_found if s.result else ''}</td><td>{s.rectified if s.result else ''}</td></tr>"
        for i, s in enumerate(plan.sites, 1))
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(plan.name)} · 双随机抽查结果公开</title></head><body>"
        f"<h1>{e(plan.name)}</h1>"
        f"<p>检查机关：{e(plan.authority)}民政部门　检查类型：{e(kind)}</p>"
        f"<p>检查期间：{plan.period_start.isoformat()} 至 {plan.period_end.isoformat()}　"
        f"抽取日期：{plan.drawn_on.isoformat()}　公开日期：{plan.published_on.isoformat()}</p>"
        f"<p>随机抽取：种子 <code>{e(plan.seed)}</code>，算法版本 {plan.algorithm_version}"
        f"（凭种子与公开名录可复核抽取结果）</p>"
        "<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\"><thead><tr><th>序号</th><th>检查对象</th>"
        "<th>类型</th><th>所在县(市、区)</th><th>状态</th><th>检查日期</th><th>检查结果</th><th>发现隐患</th>"
        f"<th>已整改</th></tr></thead><tbody>{rows}</tbody></table>"
        f'<p><a href="/public/plans/{plan.id}.json">JSON</a></p></body></html>'
    )
