from typing import Annotated

from litestar import Router, get, post
from litestar.datastructures import State
from litestar.params import Body, FromPath, Parameter

from ..accounts.auth import admin_only
from ..accounts.principal import Caller
from ..paging import Limit, Offset
from . import service
from .schemas import JobList, JobRunList, JobRunRead, JobRunRequest


@get("/api/admin/jobs", guards=[admin_only], tags=["admin"], summary="The scheduled jobs and their last runs")
async def list_jobs(principal: Caller) -> JobList:
    return await service.list_jobs()


@get("/api/admin/jobs/runs", guards=[admin_only], tags=["admin"],
     summary="Job runs, newest first, each with what it did (counts); filtered by job name, paged")
async def list_runs(
    principal: Caller,
    name: Annotated[str | None, Parameter(max_length=64)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> JobRunList:
    return await service.list_runs(name, limit, offset)


@post("/api/admin/jobs/{name:str}/run", guards=[admin_only], tags=["admin"], status_code=200,
      summary="Run a job now (optionally with a given clock); answers with the run record")
async def run_job(
    principal: Caller, name: FromPath[str], state: State, data: Annotated[JobRunRequest | None, Body()] = None,
) -> JobRunRead:
    return await service.run_job_as(principal, state.settings, name, data.now if data else None)


router = Router(path="/", route_handlers=[list_jobs, list_runs, run_job])
