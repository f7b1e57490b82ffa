"""The analytics' tables as spreadsheets: each table a sheet (XLSX, all of them by default) or a CSV, with Chinese
headers; cells that a spreadsheet would run as a formula are neutralised as in every CSV export (csvout)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import anyio

from .. import csvout, xlsxout
from .rules import LOCAL_TZ
from .schemas import Analytics, CountyCoverage, RectificationRow

Table = Literal["rectification", "major_hazards", "open_major_hazards", "overdue", "top_items", "coverage"]
TABLES: tuple[str, ...] = Table.__args__
TITLES = {"rectification": "整改率", "major_hazards": "重大隐患清零", "open_major_hazards": "未销号重大隐患",
          "overdue": "逾期（按督办级别）", "top_items": "高频不合格检查项", "coverage": "检查覆盖率"}
STATUS = {"open": "待整改", "responded": "已回复待核验"}
LISTING = {"proposed": "拟挂牌", "confirmed": "已挂牌", "declined": "不予挂牌"}


def _local(value: datetime) -> str:
    return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def _pct(value: float | None):
    return "" if value is None else value


def _rect(label: str, r: RectificationRow) -> list:
    return [label, r.due, r.closed_on_time, r.closed_late, r.still_open, _pct(r.on_time_pct)]


def _cov(r: CountyCoverage) -> list:
    return [r.region_name, r.sites, r.inspected, _pct(r.coverage_pct), r.inspected_this_month,
            _pct(r.coverage_this_month_pct), r.inspected_previous_month, _pct(r.coverage_previous_month_pct)]


def table(report: Analytics, name: str) -> tuple[list[str], list[list]]:
    p = report.period
    if name == "rectification":
        this = next(r for r in report.rectification if r.month == p.this_month)
        return (["月份", "到期隐患", "按期销号", "逾期销号", "尚未销号", "按期整改率%"],
                [_rect(r.month, r) for r in report.rectification] + [_rect("合计", report.rectification_total),
                 _rect(f"本月 {p.this_month}", this), _rect(f"上月 {p.previous_month}", report.rectification_previous)])
    if name == "major_hazards":
        this = next(r for r in report.major_hazards if r.month == p.this_month)
        rows = [[r.month, r.open_at_start, r.raised, r.closed, r.open_at_end] for r in report.major_hazards]
        prev = report.major_hazards_previous
        return (["月份", "月初未销号", "新增", "销号", "月末未销号"],
                rows + [[f"本月 {p.this_month}", this.open_at_start, this.raised, this.closed, this.open_at_end],
                        [f"上月 {p.previous_month}", prev.open_at_start, prev.raised, prev.closed, prev.open_at_end]])
    if name == "open_major_hazards":
        return (["隐患编号", "场所编码", "场所", "县(市、区)", "隐患", "状态", "发现时间", "整改期限", "督办级别", "挂牌督办"],
                [[h.finding_id, h.site_code, h.site_name, h.county, h.title, STATUS.get(h.status, h.status),
                  _local(h.created_at), _local(h.deadline), h.escalation_level, LISTING.get(h.listing or "", "")]
                 for h in report.open_major_hazards])
    if name == "overdue":
        return (["对象", "督办级别", "级别名称", f"逾期数（{_local(report.overdue_at)}）", "在办数", "占在办%",
                 f"逾期数（{_local(report.overdue_previous_at)}）", "在办数", "占在办%"],
                [[r.subject_name, r.level, r.level_name, r.overdue, r.open, _pct(r.share_pct), r.previous_overdue,
                  r.previous_open, _pct(r.previous_share_pct)] for r in report.overdue])
    if name == "top_items":
        return (["排名", "检查表", "检查项", "检查项名称", "次数", f"本月 {p.this_month}", f"上月 {p.previous_month}"],
                [[i, t.template_key, t.item_key, t.title, t.count, t.this_month, t.previous_month]
                 for i, t in enumerate(report.top_items, 1)])
    if name == "coverage":
        return (["县(市、区)", "在册场所", "已检查", "覆盖率%", f"本月已检查 {p.this_month}", "本月覆盖率%",
                 f"上月已检查 {p.previous_month}", "上月覆盖率%"],
                [_cov(r) for r in report.coverage] + [_cov(report.coverage_total)])
    raise ValueError(name)


async def xlsx(report: Analytics, names: list[str]) -> bytes:
    sheets = [(TITLES[n], *table(report, n)) for n in names]
    return await anyio.to_thread.run_sync(lambda: xlsxout.workbook(sheets))


def csv(report: Analytics, name: str) -> bytes:
    header, rows = table(report, name)
    return csvout.rows(rows, header=header)
