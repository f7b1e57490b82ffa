"""The one CSV writer of every export: UTF-8 with a BOM (so spreadsheet programs read the Chinese), and no cell that
a spreadsheet would run as a formula (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

# Spreadsheet programs evaluate a cell that starts with one of these (a tab or carriage return may hide one).
FORMULA_LEADERS = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str | int | float:
    """Text that could start a formula gets a leading apostrophe; numbers stay numbers (a negative one is not
    text a user typed)."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_LEADERS) else text


def rows(values: Iterable[Iterable], *, header: list[str] | None = None) -> bytes:
    """Encoded CSV lines; with `header`, the first chunk of a file (BOM and header line before the rows)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if header is not None:
        buffer.write("\ufeff")
        writer.writerow([cell(v) for v in header])
    writer.writerows([cell(v) for v in row] for row in values)
    return buffer.getvalue().encode()
