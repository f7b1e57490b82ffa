from typing import Annotated

from litestar import Router, get
from litestar.params import FromQuery, Parameter

from ..accounts.principal import Caller
from . import service
from .schemas import DueList


@get("/api/inspections/due", tags=["inspections"],
     summary="Sites in your scope due for inspection (or overdue), worst tier first, then the latest")
async def list_due(
    principal: Caller,
    within_days: Annotated[int, Parameter(ge=0, le=365, description="also list sites due within this many days")] = 14,
    kind: FromQuery[str | None] = None,
    region: FromQuery[int | None] = None,
    limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    offset: Annotated[int, Parameter(ge=0)] = 0,
) -> DueList:
    return await service.due_sites(principal, within_days=within_days, kind=kind, region=region, limit=limit,
                                   offset=offset)


router = Router(path="/", route_handlers=[list_due])
