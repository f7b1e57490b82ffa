"""Document numbers (文书编号), pure: the kinds, the per-authority format and its check.

A number reads like `兰民督〔2026〕第0012号`: the issuing authority's abbreviation, 民 (civil affairs), the kind's
character, the year and the serial of that authority's sequence per kind and year. Each authority may set its own
format; the default is DEFAULT_FORMAT.
"""

from __future__ import annotations

import string

# Kind → the character its numbers carry (执法文书: 现场检查笔录, 责令整改通知书, 整改复查意见书, 督办通知书).
KINDS = {
    "inspection_record": "检",
    "rectification_notice": "改",
    "recheck_opinion": "复",
    "supervision_notice": "督",
}
DEFAULT_FORMAT = "{abbr}民{kind}〔{year}〕第{n:04d}号"
FIELDS = frozenset({"abbr", "kind", "year", "n"})
FORMAT_LENGTH = 100
ABBR_LENGTH = 8
NUMBER_LENGTH = 64


def default_abbr(region_name: str) -> str:
    """The first character of the authority's name (兰州市 → 兰, 天水市 → 天, 甘肃省 → 甘): how most bureaus
    abbreviate themselves. Where two authorities share it (甘肃省 and 甘南藏族自治州), set one explicitly."""
    return region_name.strip()[:1] or "?"


def format_number(fmt: str, *, abbr: str, kind: str, year: int, n: int) -> str:
    return fmt.format(abbr=abbr, kind=KINDS[kind], year=year, n=n)


def check_format(fmt: str) -> str | None:
    """None when `fmt` is a usable number format; otherwise the reason."""
    if not fmt or len(fmt) > FORMAT_LENGTH:
        return f"a format of 1 to {FORMAT_LENGTH} characters is required"
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(fmt) if name is not None}
    except ValueError as exc:
        return f"not a format string: {exc}"
    if unknown := fields - FIELDS:
        return f"unknown fields {sorted(unknown)}; use {sorted(FIELDS)}"
    if "n" not in fields:
        return "the format must contain the serial {n}"
    try:
        sample = format_number(fmt, abbr="兰", kind="supervision_notice", year=2026, n=9999)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        return f"the format does not apply: {exc}"
    if len(sample) > NUMBER_LENGTH:
        return f"numbers in this format are longer than {NUMBER_LENGTH} characters"
    return None


# The bureau that issues an inspection's documents: the county's (县级民政局) of the site, else its prefecture's,
# else the province's department (民政厅).
ISSUING_LEVELS = ("county", "prefecture", "province")


def issuing_region(chain: list[dict]) -> dict:
    """Of a site's region and its ancestors (`chain`, nearest first: id, level, name), the issuing authority."""
    for level in ISSUING_LEVELS:
        for region in chain:
            if region["level"] == level:
                return region
    return chain[-1]


def authority_title(chain: list[dict]) -> str:
    """The bureau's name as documents print it, from the authority's region and its ancestors (nearest first):
    a district carries its city (兰州市城关区民政局), a county or county-level city stands alone (榆中县民政局,
    玉门市民政局), a prefecture is 兰州市民政局, the province 甘肃省民政厅."""
    region = chain[0]
    if region["level"] == "province":
        return f"{region['name']}民政厅"
    if region["level"] == "county" and region["name"].endswith("区"):
        city = next((r["name"] for r in chain[1:] if r["level"] == "prefecture"), "")
        return f"{city}{region['name']}民政局"
    return f"{region['name']}民政局"
