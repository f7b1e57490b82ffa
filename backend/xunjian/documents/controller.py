from typing import Annotated

from litestar import Router, get, put
from litestar.params import Body

from ..accounts.auth import admin_only
from ..accounts.principal import Caller
from ..paging import PathId
from . import service
from .schemas import AuthorityStyleUpdate
from .service import AuthorityStyle


@get("/api/admin/document-authorities/{region_id:int}", guards=[admin_only], tags=["admin"],
     summary="How a region's bureau numbers its documents (abbreviation, format, an example number)")
async def get_style(principal: Caller, region_id: PathId) -> AuthorityStyle:
    return await service.authority_style(region_id)


@put("/api/admin/document-authorities/{region_id:int}", guards=[admin_only], tags=["admin"],
     summary="Set a region's document abbreviation and number format (numbers issued from now on)")
async def set_style(principal: Caller, region_id: PathId,
                    data: Annotated[AuthorityStyleUpdate, Body()]) -> AuthorityStyle:
    return await service.set_authority_style(principal, region_id, data.abbr, data.number_format)


router = Router(path="/", route_handlers=[get_style, set_style])
