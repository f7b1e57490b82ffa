from typing import Annotated

from litestar import Request, Response, Router, get
from litestar.params import Parameter

from ..accounts.auth import require_roles
from ..accounts.principal import Caller
from ..escalation.rules import load_ladders
from ..paging import QueryId
from . import export, rules, service
from .schemas import Analytics

TAGS = ["analytics"]
readers = require_roles(*service.READER_ROLES)
Year = Annotated[int | None, Parameter(ge=rules.MIN_YEAR, le=rules.MAX_YEAR,
                                       description="calendar year (default: this year, Beijing time)")]
MonthFrom = Annotated[int | None, Parameter(ge=1, le=12, description="first month of the period (default 1)")]
MonthTo = Annotated[int | None, Parameter(ge=1, le=12, description="last month (default: this month in this year, "
                                                                    "else 12); not before month_from")]
DEFINITIONS = (
    "Supervisors and admins; the region (default: your whole scope) must be in your scope, else 404. The period is "
    "months of one year, Beijing calendar. 整改率 (rectification): findings whose deadline in force (after approved "
    "extensions: a closed finding's deadline is the one in force when it was closed) fell in the month; closed on "
    "time = closed (销号) at or before that deadline, to the second; closed late = after it; still open = not closed "
    "now (open, or responded and awaiting verification). Self-reported findings count too. 重大隐患清零: major "
    "hazards open at the month's start (raised before, not closed before), raised in it, closed in it, open at its "
    "end; and those not closed now, earliest deadline first (the first 200; the XLSX has all). Overdue: at the end "
    "of the period's last month (or now, if it has not ended) and at the end of the month before, the subjects "
    "(findings; street-patrol follow-up cases) not closed then and past the deadline in force then, by the "
    "escalation level reached by then, named as the subject's ladder names it (0: 逾期未督办, overdue and not "
    "escalated yet); share = of the subjects of that kind open then. Top items: the ten checklist items most often "
    "raised as findings in the period (template key, item key), with the last month's and the previous month's "
    "counts. Coverage per county: active sites of the kinds inspected on a schedule, and those with a submitted "
    "inspection (not a self-inspection) in the period, the last month and the month before (the plans' coverage). "
    "Month over month: the period's last month against the month before it.")


async def _report(request: Request, principal, year, month_from, month_to, region, **kw) -> Analytics:
    return await service.analytics(principal, load_ladders(request.app.state.settings.extra), year=year,
                                   month_from=month_from, month_to=month_to, region=region, **kw)


@get("/api/analytics", guards=[readers], tags=TAGS,
     summary="The figures a bureau reports upward: 整改率, 重大隐患清零, overdue by escalation level, the most "
             "frequent non-compliant items, inspection coverage by county, month over month",
     description=DEFINITIONS)
async def get_analytics(request: Request, principal: Caller, year: Year = None, month_from: MonthFrom = None,
                        month_to: MonthTo = None, region: QueryId = None) -> Analytics:
    return await _report(request, principal, year, month_from, month_to, region)


@get("/api/analytics/export.xlsx", guards=[readers], tags=TAGS, media_type=export.xlsxout.XLSX_TYPE,
     summary="The analytics as XLSX: one table, or every table as a sheet of one workbook",
     description="The same figures and parameters as GET /api/analytics; the open major hazards are all listed. "
                 "Text cells that a spreadsheet would run as a formula start with an apostrophe.")
async def get_analytics_xlsx(
    request: Request, principal: Caller, year: Year = None, month_from: MonthFrom = None, month_to: MonthTo = None,
    region: QueryId = None,
    table: Annotated[export.Table | None, Parameter(description="one table (default: all)")] = None,
) -> Response:
    report = await _report(request, principal, year, month_from, month_to, region,
                           open_majors=service.OPEN_MAJORS_EXPORTED)
    data = await export.xlsx(report, [table] if table else list(export.TABLES))
    return Response(data, media_type=export.xlsxout.XLSX_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="analytics-{table or "all"}.xlsx"'})


@get("/api/analytics/export.csv", guards=[readers], tags=TAGS, media_type="text/csv",
     summary="One table of the analytics as CSV (UTF-8 with a BOM)")
async def get_analytics_csv(
    request: Request, principal: Caller, table: Annotated[export.Table, Parameter(description="the table")],
    year: Year = None, month_from: MonthFrom = None, month_to: MonthTo = None, region: QueryId = None,
) -> Response:
    report = await _report(request, principal, year, month_from, month_to, region,
                           open_majors=service.OPEN_MAJORS_EXPORTED)
    return Response(export.csv(report, table), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="analytics-{table}.csv"'})


router = Router(path="/", route_handlers=[get_analytics, get_analytics_xlsx, get_analytics_csv])
