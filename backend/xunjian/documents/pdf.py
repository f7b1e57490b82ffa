"""Issued documents laid out on A4 with fpdf2, in the font the project ships (documents/fonts/, see its OFL.txt).

`render(sheet, created)` is pure and blocking (callers run it in a worker thread): the same sheet and time give the
same bytes (the PDF's dates and its /ID derive from `created`). Each kind of document is a `Sheet`: the issuing
authority, the title, the number, labelled fields, paragraphs, numbered entries (findings with their basis, deadline
and photo thumbnails), labelled signature boxes (empty until a signature exists) and the date.

A character the font lacks (a rare name character beyond GB 2312 and the 通用规范汉字表) prints as 〓, the
typesetter's mark for a missing character, rather than failing or printing nothing.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

FONT = Path(__file__).resolve().parent / "fonts" / "NotoSansSC-Xunjian.ttf"
MISSING = "〓"
MARGIN = 18  # mm
PHOTO_W = 36  # mm: thumbnails are at most 320 px, about 225 dpi at this width
SIGNATURE_H = 22  # mm

# fpdf2 logs every glyph it lacks; a missing character is handled here (MISSING) instead.
logging.getLogger("fpdf.output").setLevel(logging.ERROR)


@dataclass(frozen=True)
class Entry:
    """One numbered entry: a finding, say, with its lines (label, text) and photos (bytes; None: not available)."""

    title: str
    lines: list[tuple[str, str]] = field(default_factory=list)
    photos: list[bytes | None] = field(default_factory=list)


@dataclass(frozen=True)
class Signature:
    label: str  # 检查人员（签名） …
    name: str = ""
    image: bytes | None = None  # the signature as drawn (PNG), when it exists
    note: str = ""  # 拒签, the witness …


@dataclass(frozen=True)
class Sheet:
    authority: str  # 兰州市城关区民政局
    title: str  # 现场检查笔录
    number: str  # 兰民检〔2026〕第0001号
    dated: str  # 2026年12月3日 (Beijing date)
    fields: list[tuple[str, str]]
    intro: list[str] = field(default_factory=list)
    entries_heading: str = ""
    entries: list[Entry] = field(default_factory=list)
    no_entries: str = ""
    closing: list[str] = field(default_factory=list)
    signatures: list[Signature] = field(default_factory=list)


@lru_cache(maxsize=1)
def _covered() -> frozenset[int]:
    return frozenset(TTFont(str(FONT), lazy=True).getBestCmap())


def printable(text: str) -> str:
    """`text` with every character the font lacks replaced by MISSING (line breaks and spaces kept)."""
    covered = _covered()
    return "".join(c if ord(c) in covered or c in "\n\t" else MISSING for c in text)


class _Document(FPDF):
    def __init__(self, sheet: Sheet):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.sheet = sheet
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN + 6)
        self.add_font("cjk", fname=str(FONT))
        self.set_font("cjk", size=11)

    def footer(self) -> None:
        self.set_y(-MARGIN)
        self.set_font("cjk", size=8)
        self.set_text_color(90)
        self.cell(0, 5, printable(f"{self.sheet.number}　第 {self.page_no()} 页 共 {{nb}} 页"), align=Align.C)
        self.set_text_color(0)


def _para(pdf: _Document, text: str, size: float = 11, height: float = 6.5, align: Align = Align.L) -> None:
    pdf.set_font("cjk", size=size)
    pdf.multi_cell(0, height, printable(text), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _fields(pdf: _Document, fields: list[tuple[str, str]]) -> None:
    label_w = 30
    value_w = pdf.epw - label_w
    pdf.set_font("cjk", size=10.5)
    for label, value in fields:
        # Both cells as tall as the value needs.
        lines = pdf.multi_cell(value_w, 7, printable(value or "—"), dry_run=True, output="LINES")
        height = 7 * max(1, len(lines))
        if pdf.will_page_break(height):
            pdf.add_page()
        y = pdf.get_y()
        pdf.set_fill_color(242)
        pdf.multi_cell(label_w, height, printable(label), border=1, fill=True, align=Align.C,
                       new_x=XPos.RIGHT, new_y=YPos.TOP, max_line_height=7)
        pdf.multi_cell(value_w, 7, printable(value or "—"), border=1, align=Align.L,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_y(max(pdf.get_y(), y + height))
    pdf.ln(3)


def _photos(pdf: _Document, photos: list[bytes | None]) -> None:
    per_row = int((pdf.epw - 6) // (PHOTO_W + 3))
    for start in range(0, len(photos), per_row):
        row = photos[start:start + per_row]
        height = PHOTO_W * 0.75
        if pdf.will_page_break(height + 2):
            pdf.add_page()
        y = pdf.get_y()
        x = pdf.l_margin + 6
        for data in row:
            placed = False
            if data is not None:
                try:
                    info = pdf.image(io.BytesIO(data), x=x, y=y, w=PHOTO_W, h=height, keep_aspect_ratio=True)
                    placed = info is not None
                except Exception:  # an unreadable image is shown as unavailable, not a failed document
                    placed = False
            if not placed:
                pdf.set_xy(x, y)
                pdf.set_font("cjk", size=8)
                pdf.cell(PHOTO_W, height, "照片未能载入" if data is not None else "照片待上传", border=1,
                         align=Align.C)
            x += PHOTO_W + 3
        pdf.set_xy(pdf.l_margin, y + height + 2)


def _entries(pdf: _Document, sheet: Sheet) -> None:
    if sheet.entries_heading:
        _para(pdf, sheet.entries_heading, size=12, height=8)
    if not sheet.entries and sheet.no_entries:
        _para(pdf, sheet.no_entries)
    for n, entry in enumerate(sheet.entries, 1):
        if pdf.will_page_break(20):
            pdf.add_page()
        _para(pdf, f"{n}. {entry.title}", size=11, height=7)
        pdf.set_font("cjk", size=10)
        for label, text in entry.lines:
            pdf.set_x(pdf.l_margin + 6)
            pdf.multi_cell(pdf.epw - 6, 5.8, printable(f"{label}：{text}" if label else text), align=Align.L,
                           new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if entry.photos:
            pdf.ln(1)
            _photos(pdf, entry.photos)
        pdf.ln(2)


def _signatures(pdf: _Document, signatures: list[Signature]) -> None:
    if not signatures:
        return
    pdf.ln(2)
    width = (pdf.epw - 6) / 2
    for start in range(0, len(signatures), 2):
        pair = signatures[start:start + 2]
        block = SIGNATURE_H + 17  # label, box, and a caption of up to two lines
        if pdf.will_page_break(block):
            pdf.add_page()
        y = pdf.get_y()
        for i, sig in enumerate(pair):
            x = pdf.l_margin + i * (width + 6)
            pdf.set_xy(x, y)
            pdf.set_font("cjk", size=9.5)
            pdf.cell(width, 6, printable(sig.label), align=Align.L)
            pdf.rect(x, y + 6, width, SIGNATURE_H)
            if sig.image is not None:
                try:
                    pdf.image(io.BytesIO(sig.image), x=x + 2, y=y + 7, w=width - 4, h=SIGNATURE_H - 2,
                              keep_aspect_ratio=True)
                except Exception:
                    pass
            caption = "　".join(p for p in (sig.name, sig.note) if p)
            if caption:
                pdf.set_xy(x, y + 6 + SIGNATURE_H)
                pdf.set_font("cjk", size=8.5)
                pdf.multi_cell(width, 4.5, printable(caption), align=Align.L, max_line_height=4.5)
        pdf.set_xy(pdf.l_margin, y + block)


def render(sheet: Sheet, created: datetime) -> bytes:
    pdf = _Document(sheet)
    pdf.set_title(printable(f"{sheet.title} {sheet.number}"))
    pdf.set_author(printable(sheet.authority))
    pdf.set_creator("Xunjian")
    pdf.set_producer("Xunjian")
    pdf.set_lang("zh-CN")
    pdf.set_creation_date(created)
    pdf.alias_nb_pages()
    pdf.add_page()
    _para(pdf, sheet.authority, size=15, height=9, align=Align.C)
    _para(pdf, sheet.title, size=20, height=12, align=Align.C)
    _para(pdf, sheet.number, size=11, height=7, align=Align.R)
    pdf.ln(2)
    _fields(pdf, sheet.fields)
    for text in sheet.intro:
        _para(pdf, text)
    if sheet.intro:
        pdf.ln(2)
    _entries(pdf, sheet)
    for text in sheet.closing:
        _para(pdf, text)
    _signatures(pdf, sheet.signatures)
    pdf.ln(4)
    if pdf.will_page_break(16):
        pdf.add_page()
    _para(pdf, f"{sheet.authority}（印章）", align=Align.R)
    _para(pdf, sheet.dated, align=Align.R)
    return bytes(pdf.output())
