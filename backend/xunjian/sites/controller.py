from typing import Annotated

from litestar import Router, get, patch, post
from litestar.params import Body, FromQuery, Parameter

from ..accounts.auth import admin_only
from ..accounts.principal import Caller
from ..paging import Limit, Offset, PathId, QueryId
from . import service
from .schemas import Kind, SiteCreate, SiteList, SiteRead, SiteUpdate


@get("/api/sites", tags=["sites"], summary="Sites in your scope; filter by kind, region, text; near=LAT,LNG orders nearest first")
async def list_sites(
    principal: Caller,
    kind: FromQuery[Kind | None] = None,
    region: QueryId = None,
    q: Annotated[str | None, Parameter(max_length=100)] = None,
    near: Annotated[str | None, Parameter(description="LAT,LNG", pattern=r"^-?\d+(\.\d+)?,-?\d+(\.\d+)?$")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> SiteList:
    return await service.list_sites(principal, kind=kind, region=region, q=q, near=near, limit=limit, offset=offset)


@get("/api/sites/{site_id:int}", tags=["sites"], summary="One site (404 outside your scope)")
async def get_site(principal: Caller, site_id: PathId) -> SiteRead:
    return await service.get_site(principal, site_id)


@post("/api/admin/sites", guards=[admin_only], tags=["admin"], summary="Register a site")
async def create_site(principal: Caller, data: Annotated[SiteCreate, Body()]) -> SiteRead:
    return await service.create_site(principal, data)


@patch("/api/admin/sites/{site_id:int}", guards=[admin_only], tags=["admin"], summary="Change a site")
async def update_site(principal: Caller, site_id: PathId, data: Annotated[SiteUpdate, Body()]) -> SiteRead:
    return await service.update_site(principal, site_id, data)


router = Router(path="/", route_handlers=[list_sites, get_site, create_site, update_site])
