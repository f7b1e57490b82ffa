"""Spreadsheet files in and out (blocking: callers run these in a thread).

What a file is, is decided by its content, never by its Content-Type: an XLSX is a zip; anything else is read as CSV,
in UTF-8 (with or without a BOM) or, when it is not valid UTF-8, in GB18030 (what Excel on a Chinese Windows writes
for "CSV"; GB18030 includes GBK and GB2312). Text that is valid UTF-8 is almost never meant as GB18030, so UTF-8 is
tried first.
"""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl

from .. import xlsxout
from ..errors import AppError, Invalid, PayloadTooLarge, UnsupportedMedia
from .imports import MAX_ROWS

XLSX_TYPE = xlsxout.XLSX_TYPE
CSV_TYPE = "text/csv"
MAX_BYTES = 10 * 1024 * 1024
# A sheet of 50,000 rows of a dozen short columns unpacks to a few tens of MB; more is a zip bomb, not a site list.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_COLUMNS = 64
# Rows looked at, blank ones included, before giving up (a sheet can declare a million empty rows).
MAX_PHYSICAL_ROWS = 4 * MAX_ROWS

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls


def _unreadable(what: str) -> Invalid:
    return Invalid(f"The file is not a readable {what}", code="unreadable_file", details={"field": "body"})


def too_many_rows() -> Invalid:
    return Invalid(f"A file may have at most {MAX_ROWS} rows of sites", code="too_many_rows",
                   details={"limit": MAX_ROWS})


def read_table(data: bytes) -> tuple[str, list[tuple[int, list]]]:
    """("xlsx" or "csv", [(row number, cells)]) of the first sheet; row 1 is the header."""
    if not data.strip():
        raise Invalid("The file is empty", code="empty_body", details={"field": "body"})
    if data.startswith(_ZIP):
        return "xlsx", _read_xlsx(data)
    if data.startswith(_OLE):
        raise UnsupportedMedia("Old .xls files are not read: save the sheet as .xlsx or CSV",
                               details={"accepted": [XLSX_TYPE, CSV_TYPE]})
    return "csv", _read_csv(data)


def _bounded(rows) -> list[tuple[int, list]]:
    out, filled = [], 0
    for number, cells in enumerate(rows, start=1):
        if number > MAX_PHYSICAL_ROWS:
            raise too_many_rows()
        cells = list(cells[:MAX_COLUMNS])
        if any(c is not None and (not isinstance(c, str) or c.strip()) for c in cells):
            filled += 1
            if filled > MAX_ROWS + 1:
                raise too_many_rows()
            out.append((number, cells))
    return out


def _read_xlsx(data: bytes) -> list[tuple[int, list]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _unreadable("XLSX") from None
    if unpacked > MAX_UNPACKED_BYTES:
        # zipfile never inflates an entry past its declared size, so this bounds the work too.
        raise PayloadTooLarge(f"The sheet unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB",
                              details={"limit": MAX_UNPACKED_BYTES})
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            sheet = book.worksheets[0]
            # data_only=False: a formula cell gives its text ("=A1+1"), which is stored as text, never evaluated.
            return _bounded(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS))
        finally:
            book.close()
    except AppError:
        raise
    except Exception:  # openpyxl and the XML parser raise many kinds on a hostile file; all mean "cannot read it"
        raise _unreadable("XLSX") from None


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise UnsupportedMedia("The file is neither XLSX nor CSV text", details={"accepted": [XLSX_TYPE, CSV_TYPE]})
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise UnsupportedMedia("The CSV is neither UTF-8 nor GB18030 text",
                               details={"accepted": [XLSX_TYPE, CSV_TYPE]}) from None


def _read_csv(data: bytes) -> list[tuple[int, list]]:
    text = _decode(data)
    try:
        return _bounded(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        raise _unreadable("CSV") from None


def write_xlsx(header: list[str], rows: list[list]) -> bytes:
    # Formulas as their text, without csvout's apostrophe: an export re-imports unchanged.
    return xlsxout.workbook([("sites", header, rows)], neutralise=False)
