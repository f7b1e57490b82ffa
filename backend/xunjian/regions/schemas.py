from typing import Literal

import msgspec

from ..paging import Id

Level = Literal["province", "prefecture", "county", "township"]


class RegionRead(msgspec.Struct):
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None


class RegionList(msgspec.Struct):
    items: list[RegionRead]


class RegionCreate(msgspec.Struct, forbid_unknown_fields=True):
    code: str
    name: str
    level: Level
    parent_id: Id | None = None
