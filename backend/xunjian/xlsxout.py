"""The one XLSX writer of every export (blocking: callers run it in a thread). Strings are written as text cells,
never as formulas; with `neutralise`, text that a spreadsheet would run as a formula also gets csvout's apostrophe,
as the CSV exports do (a report's cells are read, not imported back)."""

from __future__ import annotations

import io

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from . import csvout

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(sheets: list[tuple[str, list[str], list[list]]], *, neutralise: bool = True) -> bytes:
    """One sheet per (title, header, rows)."""
    book = openpyxl.Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title[:31])
        for row in [header, *rows]:
            values = [csvout.cell(v) if neutralise else v for v in row]
            sheet.append([text_cell(sheet, v) if isinstance(v, str) else v for v in values])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def text_cell(sheet, value: str) -> WriteOnlyCell:
    # openpyxl makes any string starting with "=" a formula; ours are data, written as text cells.
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell
