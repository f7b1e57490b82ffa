from litestar import Router, get
from litestar.params import FromPath

from ..accounts.principal import Caller
from ..paging import PathId
from . import service
from .schemas import ChecklistRead, ChecklistSummary


@get("/api/checklists", tags=["checklists"], summary="Checklist templates, each at its current version")
async def list_checklists(principal: Caller) -> list[ChecklistSummary]:
    return await service.list_templates()


@get("/api/checklists/{key:str}", tags=["checklists"], summary="The current version of a checklist template")
async def get_checklist(principal: Caller, key: FromPath[str]) -> ChecklistRead:
    return await service.read_template(key)


@get("/api/checklists/{key:str}/{version:int}", tags=["checklists"],
     summary="One version of a checklist template (the one an inspection pinned)")
async def get_checklist_version(
    principal: Caller, key: FromPath[str], version: PathId,
) -> ChecklistRead:
    return await service.read_template(key, version)


router = Router(path="/", route_handlers=[list_checklists, get_checklist, get_checklist_version])
