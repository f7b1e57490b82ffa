from typing import Annotated

import msgspec
from msgspec import Meta

from . import rules


class AuthorityStyleUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """An authority's abbreviation (兰 for 兰州市) and its number format (null: the default); fields {abbr}, {kind},
    {year} and {n} (the serial, e.g. {n:04d})."""

    abbr: Annotated[str, Meta(min_length=1, max_length=rules.ABBR_LENGTH)]
    number_format: Annotated[str, Meta(min_length=1, max_length=rules.FORMAT_LENGTH)] | None = None
