"""Issued-document benchmark (run by hand; prints figures, asserts nothing about time).

    .venv/bin/python tests/benchmarks/bench_documents.py

Renders the on-site record (现场检查笔录) of a 40-item inspection with 5 findings and 10 photo thumbnails (320 px
JPEGs with photo-like noise) five times and prints the PDF's size and the render time: the cost of a document's first
request, in its worker thread. Later requests stream the stored bytes.
"""

from __future__ import annotations

import io
import os
import statistics
import time
from datetime import datetime, timezone

from PIL import Image
from pypdf import PdfReader

from xunjian.documents import pdf


def thumbnail(seed: int) -> bytes:
    noise = Image.effect_noise((320, 240), 40 + seed).convert("RGB")
    im = Image.blend(noise, Image.linear_gradient("L").resize((320, 240)).convert("RGB"), 0.5)
    out = io.BytesIO()
    im.save(out, "JPEG", quality=75)
    return out.getvalue()


def sheet() -> pdf.Sheet:
    photos = [thumbnail(i) for i in range(10)]
    entries = []
    for n in range(40):
        result = ("检查结果", "符合" if n % 8 else "不符合")
        if n % 8:
            entries.append(pdf.Entry(f"第{n + 1}项 检查内容（养老机构服务安全基本规范 GB 38600-2019）", [result]))
            continue
        entries.append(pdf.Entry(f"第{n + 1}项 安全出口、疏散通道畅通", [
            result, ("隐患", "安全出口上锁，疏散通道堆放杂物"), ("等级", "重大隐患"),
            ("依据", "中华人民共和国消防法 第二十八条"), ("整改期限", "2026年12月18日前"),
            ("情况", "二楼东侧安全出口上锁，走廊堆放床垫。")], photos[n // 8 * 2:n // 8 * 2 + 2]))
    return pdf.Sheet(
        authority="兰州市城关区民政局", title="现场检查笔录", number="城民检〔2026〕第0001号", dated="2026年12月03日",
        fields=[("被检查单位", "兰州市城关区福寿园养老院（YL-620102-001）"), ("地址", "兰州市城关区雁滩路2988号"),
                ("检查时间", "2026年12月03日"),
                ("检查人员", "王磊（执法证号 GS-62010-0017）、李娜（执法证号 GS-62010-0018）")],
        intro=["共检查 40 项，不符合 5 项，发现隐患 5 处。"], entries_heading="检查情况", entries=entries,
        signatures=[pdf.Signature("检查人员（签名）", "王磊"), pdf.Signature("检查人员（签名）", "李娜"),
                    pdf.Signature("被检查单位负责人（签名）")])


def main() -> None:
    doc, when, times = sheet(), datetime(2026, 12, 3, tzinfo=timezone.utc), []
    for _ in range(5):
        start = time.perf_counter()
        data = pdf.render(doc, when)
        times.append(time.perf_counter() - start)
    pages = len(PdfReader(io.BytesIO(data)).pages)
    print(f"40 items, 5 findings, 10 thumbnails: {len(data):,} bytes, {pages} pages; render median "
          f"{statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}) over 5; "
          f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
