
from litestar import Router, get
from litestar.response import Stream

from ..accounts.auth import require_roles
from ..accounts.principal import Caller
from ..paging import PathId, QueryId
from . import service
from .schemas import Board, SiteRiskRead

board_roles = require_roles("admin", "supervisor", "inspector")


@get("/api/risk/board", guards=[board_roles], tags=["risk"],
     summary="Risk board of a region (default: yours): tiers per child region, red and orange sites with reasons, "
             "overdue rectifications by escalation level, 12-week trend")
async def get_board(principal: Caller, region: QueryId = None) -> Board:
    return await service.board(principal, region)


@get("/api/risk/board.csv", guards=[board_roles], tags=["risk"], media_type="text/csv",
     summary="Every rated site of the board's region as CSV, worst first")
async def get_board_csv(principal: Caller, region: QueryId = None) -> Stream:
    rows = await service.board_csv(principal, region)
    return Stream(rows, media_type="text/csv; charset=utf-8",
                  headers={"Content-Disposition": 'attachment; filename="risk-board.csv"'})


@get("/api/risk/sites/{site_id:int}", tags=["risk"],
     summary="A site's current tier with every factor and its contribution, history and next inspection due")
async def get_site_risk(principal: Caller, site_id: PathId) -> SiteRiskRead:
    return await service.get_site_risk(principal, site_id)


router = Router(path="/", route_handlers=[get_board, get_board_csv, get_site_risk])
