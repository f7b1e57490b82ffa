"""SQLite's converters for declared column types: the process-wide ones db.py registers give what Piccolo's give,
for every value a column of that type can hold (they were swapped in for speed, not for other answers)."""

import sqlite3
import uuid
from datetime import datetime, timezone

import pytest
from piccolo.engine.sqlite import CONVERTERS

from xunjian import db  # noqa: F401  (registers its converters)

VALUES = {
    "INTEGER": [b"0", b"42", b"-7", b"9007199254740993", b"1.0", b"3.7", b"2e3"],
    "TIMESTAMPTZ": [b"2026-12-04 08:30:00+00:00", b"2026-12-04 08:30:00.123456+00:00", b"2026-12-04 08:30:00",
                    b"2026-12-04T16:30:00+08:00"],
    "BOOLEAN": [b"1", b"0"],
    # Fixed values: the parameters are test ids, which every xdist worker must collect alike (uuid4() here broke
    # the whole run: "Different tests were collected between gw0 and gw1").
    "UUID": [b"69e2496e-e253-4f10-9c3c-8cc22094bbaf", b"f07725d87d9a4efabd64b0356238181e"],
}


@pytest.mark.parametrize("type_name, raw", [(t, v) for t, values in VALUES.items() for v in values])
def test_same_value_as_piccolo(type_name, raw):
    ours = sqlite3.converters[type_name]
    assert ours is not CONVERTERS[type_name], "db.py's converter is not registered"
    got, want = ours(raw), CONVERTERS[type_name](raw)
    assert got == want and type(got) is type(want)
    if isinstance(want, datetime):
        assert got.tzinfo == want.tzinfo == timezone.utc


def test_a_query_reads_typed_values(tmp_path):
    con = sqlite3.connect(tmp_path / "t.sqlite3", detect_types=sqlite3.PARSE_DECLTYPES)
    con.execute("CREATE TABLE t (n INTEGER, at TIMESTAMPTZ, ok BOOLEAN, u UUID)")
    u = uuid.uuid4()
    con.execute("INSERT INTO t VALUES (?, ?, ?, ?)", (12, "2026-12-04 08:30:00+00:00", 1, str(u)))
    assert con.execute("SELECT n, at, ok, u FROM t").fetchone() == (
        12, datetime(2026, 12, 4, 8, 30, tzinfo=timezone.utc), True, u)
