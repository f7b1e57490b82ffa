"""Demo content: rate every site once after the demo data is loaded, so the board and the due list are not empty
before the first nightly run."""

from __future__ import annotations

from datetime import datetime, timezone

from ..config import Settings
from . import service


async def load(settings: Settings) -> None:
    await service.rate_sites(datetime.now(timezone.utc), trigger="demo", rules=service.current_rules(settings))
