from typing import Annotated

from litestar import Router, get, post
from litestar.datastructures import State
from litestar.params import Body, FromQuery

from ..accounts.auth import admin_only
from ..accounts.principal import Caller
from ..paging import QueryId
from . import service
from .schemas import Level, RegionCreate, RegionList, RegionRead


@get("/api/regions", tags=["regions"], summary="Administrative divisions (reference data, visible to every user)")
async def list_regions(state: State, parent: QueryId = None,
                       level: FromQuery[Level | None] = None) -> RegionList:
    return RegionList(items=await service.cached_regions(state, parent, level))


@post("/api/admin/regions", guards=[admin_only], tags=["admin"], summary="Add a region under a parent")
async def create_region(state: State, principal: Caller, data: Annotated[RegionCreate, Body()]) -> RegionRead:
    return await service.create_region(principal, data, cache=state)


router = Router(path="/", route_handlers=[list_regions, create_region])
