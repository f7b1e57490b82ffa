"""The few SQL spellings that differ between SQLite and PostgreSQL, for the jobs' set-based statements.

Timestamps: Piccolo stores Timestamptz on SQLite as text in UTC ("2026-11-29 19:55:37.123456+00:00"), which compares
correctly as text and which SQLite's julianday() reads; on PostgreSQL they are timestamptz. Bind datetimes as
parameters and compare columns with them; use `days_since` where a duration is needed.
"""

from __future__ import annotations

from datetime import datetime, timezone

from .. import db


class Dialect:
    def __init__(self, sqlite: bool):
        self.sqlite = sqlite

    def days_between(self, later: str, earlier: str) -> str:
        """Fractional days from `earlier` to `later` (SQL expressions)."""
        if self.sqlite:
            return f"(julianday({later}) - julianday({earlier}))"
        # date_part, not EXTRACT: EXTRACT gives numeric (PostgreSQL 14+), and numeric arithmetic over every site is
        # several times slower than double precision.
        return f"(date_part('epoch', {later} - {earlier}) / 86400.0)"

    def add_days(self, expr: str, days: float) -> str:
        if self.sqlite:
            # Same text shape as Piccolo writes, so the result still compares correctly as text.
            return f"(strftime('%Y-%m-%d %H:%M:%S', {expr}, '{days:+g} days') || '+00:00')"
        return f"({expr} + interval '{days:g} days')"

    def add_days_expr(self, expr: str, days_expr: str) -> str:
        """`expr` plus a per-row number of days."""
        if self.sqlite:
            return f"(strftime('%Y-%m-%d %H:%M:%S', {expr}, ({days_expr}) || ' days') || '+00:00')"
        return f"({expr} + ({days_expr}) * interval '1 day')"

    def ts_param(self) -> str:
        """A placeholder for a datetime parameter in a select list or in arithmetic (PostgreSQL must be told the
        type; SQLite must not be: CAST(… AS timestamptz) would give it numeric affinity)."""
        return "{}" if self.sqlite else "CAST({} AS timestamptz)"

    def ts_literal(self, value: datetime) -> str:
        """A datetime as a SQL literal, for statements PostgreSQL cannot parameterise (CREATE TABLE … AS)."""
        value = value.astimezone(timezone.utc)
        if self.sqlite:
            return f"'{value}'"  # the text Piccolo writes: str() of the UTC datetime
        return f"CAST('{value.isoformat()}' AS timestamptz)"

    def param(self, sql_type: str) -> str:
        """A typed placeholder (integer, text, boolean) for select lists of INSERT … SELECT."""
        return "{}" if self.sqlite else f"CAST({{}} AS {sql_type})"

    def json_object(self, *pairs: str) -> str:
        fn = "json_object" if self.sqlite else "json_build_object"
        return f"{fn}({', '.join(pairs)})"

    def json_array(self, *items: str) -> str:
        fn = "json_array" if self.sqlite else "json_build_array"
        return f"{fn}({', '.join(items)})"

    def json_parsed(self, column: str) -> str:
        """A JSON column parsed once, for several json_number reads of it (PostgreSQL's json type is text that each
        `->` parses again; select this in a MATERIALIZED CTE). SQLite reads its JSON text directly."""
        return column if self.sqlite else f"({column})::jsonb"

    def json_number(self, parsed: str, key: str) -> str:
        """A numeric member (not a string, not a boolean) of a json_parsed value, NULL when absent or not a number."""
        if self.sqlite:
            return (f"(CASE WHEN json_type({parsed}, '$.{key}') IN ('integer', 'real') "
                    f"THEN json_extract({parsed}, '$.{key}') * 1.0 END)")
        return (f"(CASE WHEN jsonb_typeof({parsed}->'{key}') = 'number' "
                f"THEN ({parsed}->>'{key}')::float8 END)")

    def json_choice(self, parsed: str, key: str) -> str:
        """A string member of a json_parsed value as text, a boolean one as 'true' / 'false', else NULL."""
        if self.sqlite:
            return (f"(CASE json_type({parsed}, '$.{key}') WHEN 'text' THEN json_extract({parsed}, '$.{key}') "
                    "WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' END)")
        return (f"(CASE WHEN jsonb_typeof({parsed}->'{key}') IN ('string', 'boolean') "
                f"THEN {parsed}->>'{key}' END)")

    def greatest(self, *items: str) -> str:
        return f"{'max' if self.sqlite else 'GREATEST'}({', '.join(items)})"

    def least(self, *items: str) -> str:
        return f"{'min' if self.sqlite else 'LEAST'}({', '.join(items)})"

    @property
    def true(self) -> str:
        return "1" if self.sqlite else "TRUE"

    @property
    def false(self) -> str:
        return "0" if self.sqlite else "FALSE"


async def execute_counting(sql: str, *args) -> int:
    """Run an INSERT/UPDATE/DELETE and return how many rows it wrote, without sending them back.

    Must run inside a transaction on SQLite: changes() reads the connection the statement ran on."""
    if db.is_sqlite():
        await db.fetch(sql, *args)
        return (await db.fetch("SELECT changes() AS n"))[0]["n"]
    rows = await db.fetch(f"WITH written AS ({sql} RETURNING 1) SELECT COUNT(*) AS n FROM written", *args)
    return rows[0]["n"]


def dialect() -> Dialect:
    return Dialect(db.is_sqlite())
