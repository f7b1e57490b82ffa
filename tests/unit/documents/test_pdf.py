"""The document layout: Chinese text set in the shipped font and read back, thumbnails, rare characters, same bytes."""

import io
from datetime import datetime, timezone
from pathlib import Path

from PIL import Image
from pypdf import PdfReader

from xunjian.documents import pdf

ROOT = Path(__file__).resolve().parents[3]
WHEN = datetime(2026, 12, 3, 8, 30, tzinfo=timezone.utc)


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (190, 60, 40)).save(out, "JPEG")
    return out.getvalue()


def _sheet(**overrides) -> pdf.Sheet:
    values = dict(
        authority="兰州市城关区民政局", title="责令整改通知书", number="兰民改〔2026〕第0012号", dated="2026年12月03日",
        fields=[("被检查单位", "兰州市城关区福寿园养老院"), ("检查人员", "张建华（执法证号 GS62010001）")],
        intro=["经检查，你单位存在下列安全隐患，请按期整改。"], entries_heading="隐患及整改要求",
        entries=[pdf.Entry("安全出口上锁（重大隐患）", [("依据", "民办发〔2023〕13号 第四条"),
                                                   ("整改期限", "2026年12月18日前")], [_jpeg(), None])],
        signatures=[pdf.Signature("检查人员（签名）", "张建华"), pdf.Signature("被检查单位负责人（签名）")])
    values.update(overrides)
    return pdf.Sheet(**values)


def _text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_sheet_reads_back_with_its_number_people_and_findings():
    data = pdf.render(_sheet(), WHEN)
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)  # A4
    text = _text(data)
    for expected in ("兰州市城关区民政局", "责令整改通知书", "兰民改〔2026〕第0012号", "张建华（执法证号 GS62010001）",
                     "安全出口上锁（重大隐患）", "依据：民办发〔2023〕13号 第四条", "整改期限：2026年12月18日前",
                     "照片待上传", "被检查单位负责人（签名）", "2026年12月03日"):
        assert expected in text, expected
    images = [name for page in reader.pages for name in page.images]
    assert len(images) == 1  # the thumbnail that exists


def test_the_same_sheet_gives_the_same_bytes():
    assert pdf.render(_sheet(), WHEN) == pdf.render(_sheet(), WHEN)


def test_a_character_beyond_the_font_prints_as_the_missing_mark():
    rare = "\U00020BB7"  # 𠮷, outside GB 2312 and the 通用规范汉字表
    assert ord(rare) not in pdf._covered()
    data = pdf.render(_sheet(fields=[("检查人员", f"{rare}田一郎（执法证号 GS62010002）")]), WHEN)
    assert f"{pdf.MISSING}田一郎（执法证号 GS62010002）" in _text(data)


def test_the_font_covers_what_documents_print():
    covered = pdf._covered()
    names = set()
    for path in (ROOT / "schemas" / "checklists").glob("*.json"):
        names.update(path.read_text(encoding="utf-8"))
    names.update((ROOT / "backend" / "xunjian" / "demo.py").read_text(encoding="utf-8"))
    names.update("〔〕①⑳（）：；，。、“”《》—")
    lacking = {c for c in names if ord(c) > 0x7E and ord(c) not in covered and c.isprintable()}
    assert not lacking, "".join(sorted(lacking))
    tgh = "".join(line for line in (ROOT / "scripts" / "tongyong_guifan_2013.txt").read_text(encoding="utf-8")
                  .splitlines() if not line.startswith("#"))
    assert len(tgh) == 8105 and all(ord(c) in covered for c in tgh)
