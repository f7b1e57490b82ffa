"""Document numbers on a real database, both engines: 50 concurrent issuers get 1..50 exactly, a failed issue gives
its number back, sequences are per authority, kind and year, and an authority's own format applies."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest

from xunjian import db
from xunjian.documents import service as documents
from xunjian.documents.tables import DocumentSequence, IssuedDocument

NOW = datetime(2026, 12, 3, 8, tzinfo=timezone.utc)


class Failed(Exception):
    pass


async def _issue(authority: int, kind: str = "supervision_notice", *, fail: bool = False, now: datetime = NOW,
                 subject_id: int = 1):
    async with db.write_transaction():
        doc = await documents.issue_document(None, authority_region_id=authority, kind=kind,
                                             subject_type="finding", subject_id=subject_id, now=now)
        if fail:
            raise Failed  # e.g. the PDF could not be stored: the whole issue rolls back
    return doc


async def test_fifty_concurrent_issuers_get_one_to_fifty_and_failures_give_their_numbers_back(client, demo):
    lanzhou = demo.regions["620100"]
    outcomes = await asyncio.gather(*(_issue(lanzhou, fail=i % 6 == 5, subject_id=i) for i in range(60)),
                                    return_exceptions=True)
    failed = [o for o in outcomes if isinstance(o, Failed)]
    issued = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(failed) == 10 and len(issued) == 50, [o for o in outcomes if isinstance(o, BaseException)][:3]
    assert sorted(d.serial for d in issued) == list(range(1, 51))
    assert sorted(d.number for d in issued) == [f"兰民督〔2026〕第{n:04d}号" for n in range(1, 51)]
    rows = await IssuedDocument.select(IssuedDocument.serial, IssuedDocument.subject_id)
    assert sorted(r["serial"] for r in rows) == list(range(1, 51))
    assert not {r["subject_id"] for r in rows} & {str(i) for i in range(60) if i % 6 == 5}
    assert (await DocumentSequence.select(DocumentSequence.last_number).first())["last_number"] == 50
    assert (await _issue(lanzhou)).serial == 51


async def test_sequences_are_per_authority_kind_and_year(client, demo):
    lanzhou, tianshui = demo.regions["620100"], demo.regions["620500"]
    assert (await _issue(lanzhou)).number == "兰民督〔2026〕第0001号"
    assert (await _issue(lanzhou, "rectification_notice")).number == "兰民改〔2026〕第0001号"
    assert (await _issue(tianshui)).number == "天民督〔2026〕第0001号"
    assert (await _issue(lanzhou)).number == "兰民督〔2026〕第0002号"
    # The year is Beijing's: 2026-12-31 16:00 UTC is already 2027 there, and its sequence starts again.
    new_year = datetime(2026, 12, 31, 16, tzinfo=timezone.utc)
    assert (await _issue(lanzhou, now=new_year)).number == "兰民督〔2027〕第0001号"


async def test_a_number_is_issued_only_inside_the_transaction_that_uses_it(client, demo):
    with pytest.raises(RuntimeError, match="inside the write transaction"):
        await documents.issue_number(demo.regions["620100"], "supervision_notice", 2026)
    with pytest.raises(ValueError):
        async with db.write_transaction():
            await documents.issue_number(demo.regions["620100"], "love_letter", 2026)


async def test_an_authority_sets_its_own_abbreviation_and_format(client, demo, as_user):
    admin, supervisor = await as_user("admin"), await as_user("supervisor")
    gannan = demo.regions["620500"]  # 天水市, renamed in its documents for the test
    url = f"/api/admin/document-authorities/{gannan}"
    before = (await client.get(url, headers=admin)).json()
    assert before["custom"] is False and before["number_format"] == "{abbr}民{kind}〔{year}〕第{n:04d}号"
    assert (await client.put(url, json={"abbr": "州"}, headers=supervisor)).status_code == 403
    r = await client.put(url, json={"abbr": "州", "number_format": "{abbr}民{kind}字〔{year}〕{n}号"}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["example"] == "州民督字〔2026〕12号"
    r = await client.put(url, json={"abbr": "州", "number_format": "{abbr}{n.__class__}"}, headers=admin)
    assert r.status_code == 422 and r.json()["details"]["field"] == "number_format"
    assert (await client.put(url, json={"abbr": ""}, headers=admin)).status_code in (400, 422)
    assert (await client.get("/api/admin/document-authorities/999999", headers=admin)).status_code == 404
    assert (await _issue(gannan)).number == "州民督字〔2026〕1号"
