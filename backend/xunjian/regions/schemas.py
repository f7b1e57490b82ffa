from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from ..paging import Id

Level = Literal["province", "prefecture", "county", "township"]


class RegionRead(msgspec.Struct):
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    path: str = ""


class RegionList(msgspec.Struct):
    items: list[RegionRead]


class RegionCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A township (乡镇 or 街道) sits under a county, a county under a prefecture, a prefecture under a province."""

    code: Annotated[str, Meta(min_length=6, max_length=12, description="6 to 12 digit division code")]
    name: Annotated[str, Meta(min_length=1, max_length=64)]
    level: Level
    parent_id: Id | None = None
