"""The integers a request carries, bounded once: paging of every list, and ids.

The bounds are part of the types, so the OpenAPI states them and Litestar or msgspec refuses anything outside them
(422 with the uniform error body) before it reaches a query: SQLite overflows past 2**63 - 1, and every serial id is
a 32-bit integer on PostgreSQL.
"""

from __future__ import annotations

from typing import Annotated

from litestar.params import PathParameter, QueryParameter
from msgspec import Meta

from .errors import Invalid

MAX_LIMIT = 200
MAX_OFFSET = 2**31 - 1
MAX_ID = 2**31 - 1  # serial columns are 32-bit on PostgreSQL

Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description=f"page size, 1 to {MAX_LIMIT}")]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, description="rows to skip")]

# A row's id as a path or query parameter, and as a field of a request body.
PathId = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]
Id = Annotated[int, Meta(ge=1, le=MAX_ID)]


def check_page(limit: int, offset: int) -> None:
    """The same bounds for callers of a service that do not come through a controller."""
    if not (1 <= limit <= MAX_LIMIT) or not (0 <= offset <= MAX_OFFSET):
        raise Invalid(f"limit must be 1..{MAX_LIMIT} and offset 0..{MAX_OFFSET}")
