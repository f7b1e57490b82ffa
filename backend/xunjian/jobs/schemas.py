from datetime import datetime

import msgspec


class JobRunRead(msgspec.Struct):
    id: int
    name: str
    trigger: str
    now: datetime
    started_at: datetime
    finished_at: datetime | None
    status: str
    counts: dict
    error: str
    host: str


class JobRunList(msgspec.Struct):
    items: list[JobRunRead]
    total: int  # runs matching the filter
    limit: int
    offset: int


class JobRead(msgspec.Struct):
    name: str
    description: str
    trigger: str
    schedule: dict
    misfire_grace_time: int
    coalesce: bool
    max_instances: int
    last_run: JobRunRead | None


class JobList(msgspec.Struct):
    items: list[JobRead]


class JobRunRequest(msgspec.Struct, forbid_unknown_fields=True):
    # The clock the job runs with; the current time when omitted.
    now: datetime | None = None
