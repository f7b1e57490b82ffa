from typing import Annotated

from litestar import Router, get, post
from litestar.params import Body, FromQuery

from ..accounts.auth import admin_only
from ..accounts.principal import Caller
from . import service
from .schemas import Level, RegionCreate, RegionList, RegionRead


@get("/api/regions", tags=["regions"], summary="Administrative divisions (reference data, visible to every user)")
async def list_regions(parent: FromQuery[int | None] = None, level: FromQuery[Level | None] = None) -> RegionList:
    return RegionList(items=await service.list_regions(parent, level))


@post("/api/admin/regions", guards=[admin_only], tags=["admin"], summary="Add a region under a parent")
async def create_region(principal: Caller, data: Annotated[RegionCreate, Body()]) -> RegionRead:
    return await service.create_region(principal, data)


router = Router(path="/", route_handlers=[list_regions, create_region])
