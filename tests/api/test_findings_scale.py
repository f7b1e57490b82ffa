"""A supervisor listing 10,000 findings in scope: the number of queries does not grow with the findings."""

import contextlib
import math
import time
from datetime import datetime, timedelta, timezone

from xunjian import db
from xunjian.findings.tables import Finding


@contextlib.contextmanager
def counting_queries():
    """Every query the app runs goes through the engine's run_querystring (the engines have __slots__, so the
    class method is wrapped)."""
    cls = type(db.current_engine())
    original = cls.run_querystring
    seen: list[str] = []

    async def counted(self, querystring, *args, **kwargs):
        seen.append(str(querystring))
        return await original(self, querystring, *args, **kwargs)

    cls.run_querystring = counted
    try:
        yield seen
    finally:
        cls.run_querystring = original


async def _add_findings(demo, count: int, start: int = 0) -> None:
    sites = [demo.sites[c] for c in sorted(demo.sites) if c.startswith(("YL-", "FC-"))]
    now = datetime.now(timezone.utc)
    rows = [
        Finding(site=sites[n % len(sites)], title=f"隐患 {n}", basis="检查实践",
                grade="major" if n % 7 == 0 else "general", status=("open", "responded", "closed")[n % 3],
                deadline=now + timedelta(days=(n % 40) - 20), created_by=demo.users["inspector"])
        for n in range(start, start + count)
    ]
    for i in range(0, len(rows), 500):
        await Finding.insert(*rows[i:i + 500])


async def _list_queries(client, headers, url) -> tuple[int, dict]:
    with counting_queries() as seen:
        started = time.perf_counter()
        r = await client.get(url, headers=headers)
        print(f"{url}: {len(seen)} queries, {(time.perf_counter() - started) * 1000:.0f} ms")
    assert r.status_code == 200, r.text
    assert len(seen) <= 6, seen  # the session check may add a query or two
    return sum(1 for q in seen if "finding" in q), r.json()


async def test_listing_ten_thousand_findings_runs_a_bounded_number_of_queries(client, demo, as_user):
    headers = await as_user("supervisor")
    baseline = await Finding.count()  # the demo data's own findings
    await _add_findings(demo, 10)
    small, page = await _list_queries(client, headers, "/api/findings?limit=200")
    assert page["total"] == baseline + 10

    await _add_findings(demo, 9_990, start=10)
    large, page = await _list_queries(client, headers, "/api/findings?limit=200")
    assert page["total"] == baseline + 10_000 and len(page["items"]) == 200
    deadlines = [p["deadline"] for p in page["items"]]
    assert deadlines == sorted(deadlines)
    assert large == small == 1, large  # the page, carrying its total

    filtered, page = await _list_queries(client, headers, "/api/findings?overdue=true&grade=major&limit=200")
    assert filtered == small and page["total"] > 0
    assert all(f["overdue"] and f["grade"] == "major" for f in page["items"])

    with counting_queries() as seen:
        r = await client.get("/api/findings/export.csv", headers=headers)
    assert r.status_code == 200 and r.text.count("\n") == baseline + 10_001
    # One query per 1,000 rows, and the empty one that ends the export.
    assert sum(1 for q in seen if "finding" in q) == math.ceil((baseline + 10_000) / 1000) + 1
