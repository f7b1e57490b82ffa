from datetime import datetime
from typing import Annotated

from litestar import Router, get
from litestar.params import Parameter

from ..accounts.auth import audit_readers, personal_data_overseers
from ..accounts.principal import Caller
from ..paging import Limit, Offset, QueryId
from . import service
from .schemas import AuditList

Text = Annotated[str | None, Parameter(min_length=1, max_length=64)]


@get("/api/admin/audit", guards=[audit_readers], tags=["admin"],
     summary="The audit trail newest first; filter by actor (user id), entity, site, action, time (since ≤ at < until)")
async def list_audit(
    actor: QueryId = None,
    entity_type: Text = None,
    entity_id: Text = None,
    site: QueryId = None,
    action: Text = None,
    since: Annotated[datetime | None, Parameter(description="ISO time, inclusive (UTC when no zone)")] = None,
    until: Annotated[datetime | None, Parameter(description="ISO time, exclusive (UTC when no zone)")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> AuditList:
    return await service.list_events(actor=actor, entity_type=entity_type, entity_id=entity_id, site=site,
                                     action=action, since=since, until=until, limit=limit, offset=offset)


@get("/api/privacy/access-log", guards=[personal_data_overseers], tags=["privacy"],
     summary="Who read or changed personal data (person records, people met on patrols, their cases and photos, "
             "grants), newest first; for holders of the personal-data grant (PIPL 第五十二条、第五十四条). "
             "Filter by user, person and period (since ≤ at < until); the review itself is audited")
async def personal_data_access(
    principal: Caller,
    user: QueryId = None,
    person: QueryId = None,
    since: Annotated[datetime | None, Parameter(description="ISO time, inclusive (UTC when no zone)")] = None,
    until: Annotated[datetime | None, Parameter(description="ISO time, exclusive (UTC when no zone)")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> AuditList:
    return await service.personal_data_access(principal, user=user, person=person, since=since, until=until,
                                              limit=limit, offset=offset)


router = Router(path="/", route_handlers=[list_audit, personal_data_access])
