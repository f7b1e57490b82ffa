"""The printable rectification notice (整改通知书): plain HTML, A4 in print and fitting a phone on screen, styled by
/css/notice.css; its print button (on screen only) is wired by /js/notice.js.

The app's CSP forbids inline script and style, so the page has neither (its one script is a file); every value is
HTML-escaped.
Photo thumbnails use the photo store's short-lived URLs; photos still on their way from an offline phone show as
"待上传". Every inspector is named with the certificate number recorded with the inspection (people.inspectors_of);
the number is the issued notice's (责令整改通知书, documents/) once it is issued, and the page says it is not yet
issued otherwise: the screen never shows a number that no register holds.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timezone
from html import escape
from zoneinfo import ZoneInfo

from ..accounts.principal import Principal
from ..documents import service as documents
from ..findings.tables import Finding
from ..photos.tables import Photo
from ..sites.tables import Site
from .documents import team_line
from .people import Inspector, inspectors_of
from .service import load_row

log = logging.getLogger(__name__)
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
GRADE_ZH = {"general": "一般隐患", "major": "重大隐患"}


def _date(value: datetime | None) -> str:
    return value.astimezone(LOCAL_TZ).strftime("%Y年%m月%d日") if value else ""


async def _thumbnails(store, photo_ids: set[str]) -> dict[str, tuple[str, bool]]:
    """Photo id → (thumbnail URL, picked from the phone's gallery rather than taken on site)."""
    if not photo_ids or store is None:
        return {}
    rows = await Photo.select(Photo.id, Photo.thumb_key, Photo.origin).where(
        Photo.id.is_in([uuid.UUID(p) for p in photo_ids]))
    now = datetime.now(timezone.utc)
    urls = {}
    for r in rows:
        try:
            urls[str(r["id"])] = (await store.url(r["thumb_key"], now), r["origin"] == "gallery")
        except Exception as exc:  # a store outage must not take the notice down: the photo shows as missing
            log.warning("No thumbnail URL for photo %s: %s", r["id"], exc)
    return urls


async def render(principal: Principal, store, inspection_id: uuid.UUID) -> str:
    row = await load_row(principal, inspection_id)
    site = await Site.select(Site.name, Site.code, Site.address, Site.operator).where(Site.id == row["site"]).first()
    findings = await Finding.select(
        Finding.id, Finding.title, Finding.description, Finding.grade, Finding.basis, Finding.deadline, Finding.photos,
    ).where(Finding.inspection == inspection_id).order_by(Finding.id).output(load_json=True)
    thumbs = await _thumbnails(store, {p for f in findings for p in f["photos"] or []})
    issued = await documents.issued_for("inspection", inspection_id, "rectification_notice")
    return page(row, site, findings, thumbs, await inspectors_of(inspection_id), issued.number if issued else None)


def _photo(thumb: tuple[str, bool] | None) -> str:
    if thumb is None:
        return '<span class="pending">照片待上传</span>'
    url, gallery = thumb
    img = f'<img src="{escape(url)}" alt="隐患照片">'
    # A picture picked from the gallery is not proof of what was seen on site that day: say so on the document.
    return f'<figure class="gallery">{img}<figcaption>相册照片</figcaption></figure>' if gallery else img


def page(inspection: dict, site: dict, findings: list[dict], thumbs: dict[str, tuple[str, bool]],
         inspectors: list[Inspector], number: str | None) -> str:
    e = escape
    title = "隐患自查整改记录" if inspection["self_inspection"] else "整改通知书"
    if inspection["self_inspection"]:
        number_line = ""  # a self-inspection is the site's own record: no document is issued for it
    elif number:
        number_line = f'<p class="number">文号：{e(number)}</p>'
    else:
        number_line = '<p class="number">文号：尚未签发（责令整改通知书签发后编号）</p>'
    rows = []
    for n, f in enumerate(findings, 1):
        photos = "".join(_photo(thumbs.get(p)) for p in f["photos"] or [])
        rows.append(
            f'<tr class="grade-{e(f["grade"])}"><td class="no">{n}</td>'
            f'<td><strong>{e(f["title"])}</strong>'
            + (f'<p class="desc">{e(f["description"])}</p>' if f["description"] else "")
            + (f'<div class="photos">{photos}</div>' if photos else "")
            + f'</td><td class="grade">{e(GRADE_ZH.get(f["grade"], f["grade"]))}</td>'
            f'<td class="basis">{e(f["basis"])}</td><td class="deadline">{e(_date(f["deadline"]))}前</td></tr>'
        )
    if not rows:
        rows.append('<tr><td colspan="5" class="none">本次检查未发现隐患。</td></tr>')
    status = "" if inspection["status"] == "submitted" else '<p class="draft">草稿：检查尚未提交，本通知书无效。</p>'
    when = inspection["submitted_at"] or inspection["updated_at"]
    return f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)} · {e(site["name"])}</title>
<link rel="stylesheet" href="/css/notice.css">
<script type="module" src="/js/notice.js"></script>
</head>
<body>
<p class="tools"><button type="button" id="print">打印</button></p>
<main class="sheet">
<header>
<h1>{e(title)}</h1>
{number_line}
</header>
{status}
<table class="meta">
<tr><th>被检查单位</th><td>{e(site["name"])}（{e(site["code"])}）</td><th>运营方</th><td>{e(site["operator"])}</td></tr>
<tr><th>地址</th><td colspan="3">{e(site["address"])}</td></tr>
<tr><th>检查人员</th><td>{e(team_line(inspectors))}</td><th>检查日期</th><td>{e(_date(when))}</td></tr>
</table>
<p class="intro">经检查，你单位存在下列安全隐患，请按期整改，并将整改情况（附整改前后照片）通过系统反馈。重大隐患整改完成后须经现场复查方可销号。</p>
<table class="findings">
<thead><tr><th class="no">序号</th><th>隐患内容</th><th class="grade">等级</th><th class="basis">依据</th><th class="deadline">整改期限</th></tr></thead>
<tbody>
{"".join(rows)}
</tbody>
</table>
<footer>
<div class="sign"><span>检查人员（签字）：</span><span class="line"></span></div>
<div class="sign"><span>被检查单位负责人（签字）：</span><span class="line"></span></div>
<div class="sign"><span>日期：</span><span class="line"></span></div>
</footer>
</main>
</body>
</html>
"""
