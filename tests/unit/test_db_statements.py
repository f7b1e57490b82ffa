"""Which statements take the SQLite writer queue: every write, and no read (a read queued behind submissions waits
for them all)."""

import pytest

from xunjian.db import is_write


@pytest.mark.parametrize("sql", [
    "SELECT id FROM site WHERE id = ?",
    "  select count(*) from finding",
    "WITH x AS MATERIALIZED (SELECT s.id, s.updated_at, s.created_at FROM site s) SELECT * FROM x",
    "EXPLAIN QUERY PLAN SELECT 1",
])
def test_reads_do_not_queue_as_writers(sql):
    assert not is_write(sql)


@pytest.mark.parametrize("sql", [
    "INSERT INTO finding (title) VALUES (?)",
    "UPDATE site SET name = ? WHERE id = ?",
    "WITH gone AS (SELECT id FROM finding) DELETE FROM finding WHERE id IN (SELECT id FROM gone)",
    "WITH c AS (SELECT 1) INSERT INTO risk_rollup SELECT * FROM c",
    "CREATE TEMP TABLE risk_changed AS WITH x AS (SELECT 1) SELECT * FROM x",
    "PRAGMA optimize",
    "SELECT 1; DROP TABLE site",
])
def test_writes_queue(sql):
    assert is_write(sql)
