from typing import Annotated

from litestar import Router, get
from litestar.params import Parameter

from ..accounts.principal import Caller
from ..paging import Limit, Offset, QueryId
from ..sites.schemas import Kind
from . import service
from .schemas import DueList


@get("/api/inspections/due", tags=["inspections"],
     summary="Sites in your scope due for inspection (or overdue), worst tier first, then the latest")
async def list_due(
    principal: Caller,
    within_days: Annotated[int, Parameter(ge=0, le=365, description="also list sites due within this many days")] = 14,
    kind: Annotated[Kind | None, Parameter(description="a kind inspected on a schedule")] = None,
    region: QueryId = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> DueList:
    return await service.due_sites(principal, within_days=within_days, kind=kind, region=region, limit=limit,
                                   offset=offset)


router = Router(path="/", route_handlers=[list_due])
