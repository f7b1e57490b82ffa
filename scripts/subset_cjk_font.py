"""Developer tool: regenerate the Chinese font the PDF documents are set in (not run by tests or at start-up).

    python scripts/subset_cjk_font.py [--source NotoSansCJK-Regular.ttc] [--unihan Unihan_OtherMappings.txt]

The face is Noto Sans CJK SC Regular (SIL OFL 1.1), taken from Debian's `fonts-noto-cjk`: without --source the
script runs `apt-get download fonts-noto-cjk` in a temporary folder and unpacks it with `dpkg-deb -x` (nothing is
installed). It keeps only what a document needs, so the committed file stays a few MB instead of 19:

- GB 2312 whole (its 6,763 hanzi and 682 symbols: punctuation, ①–⑩, ⑴–⒇, Roman numerals, Greek, Cyrillic, kana,
  pinyin letters, box drawing);
- the 8,105 characters of the 通用规范汉字表 (2013), listed in scripts/tongyong_guifan_2013.txt (from the Unicode
  Han database's kTGH field; --unihan FILE rebuilds that list from Unihan_OtherMappings.txt);
- ASCII, Latin-1 punctuation, general and CJK punctuation, full-width forms, ①–⑳, 〔〕, ℃ № ㎡ ￥ and the like;
- every character of the shipped checklists (schemas/), the package's own text (region names, demo data, the
  documents' wording: backend/xunjian/) and the README.

The outlines are converted from CFF to TrueType quadratics: fpdf2 embeds a TrueType face as a CIDFontType2 with a
CIDToGIDMap, the form every viewer reads; its CID-keyed CFF path (CIDFontType0C with a custom CMap) renders, but
pypdf extracts its text with a space between every character. Hinting and layout tables are dropped (fpdf2 does not
shape CJK text; the PDF viewer rasterises).

Writes backend/xunjian/documents/fonts/NotoSansSC-Xunjian.ttf and OFL.txt (the licence with the face's copyright).
"""

from __future__ import annotations

import argparse
import glob
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "backend" / "xunjian" / "documents" / "fonts"
OUT_FONT = OUT_DIR / "NotoSansSC-Xunjian.ttf"
TGH_LIST = ROOT / "scripts" / "tongyong_guifan_2013.txt"
FACE = "Noto Sans CJK SC"
SCANNED = ["schemas/**/*.json", "backend/xunjian/**/*.py", "backend/xunjian/**/*.json", "README.md"]

# Ranges beyond GB 2312 that documents use: ASCII, Latin-1 punctuation and signs, general punctuation, letterlike
# symbols (℃ №), number forms, enclosed numbers (①–⑳ ⑴–⒇ ⒈–⒛), arrows, maths (≤ ≥ √), geometric shapes (□ ■ ○ ●
# △), CJK symbols and punctuation (〔〕【】《》「」、。), enclosed CJK (㈠–㈩), CJK compatibility (㎡ ㎏), full-width.
RANGES = [(0x20, 0x7E), (0xA0, 0xFF), (0x2010, 0x205E), (0x2100, 0x218B), (0x2190, 0x21FF), (0x2200, 0x22FF),
          (0x2460, 0x24FF), (0x25A0, 0x25FF), (0x2600, 0x2613), (0x2713, 0x2718), (0x3000, 0x303F),
          (0x3200, 0x32FF), (0x3380, 0x33FF), (0xFE10, 0xFE1F), (0xFE30, 0xFE4F), (0xFF01, 0xFF65), (0xFFE0, 0xFFEE)]

LICENCE_INTRO = """This folder holds a subset of Noto Sans CJK SC Regular, version {version}, made by
scripts/subset_cjk_font.py from Debian's fonts-noto-cjk package (upstream https://github.com/googlefonts/noto-cjk):
only the characters a document needs are kept and the outlines are converted to TrueType. It is a Modified Version
of the Font Software under the SIL Open Font License 1.1 below and is distributed under that licence only.

{copyright}
{trademark}

"""


def gb2312() -> set[str]:
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def tongyong_guifan(unihan: Path | None) -> str:
    """The 8,105 characters in the table's order (一级 3,500, 二级 3,000, 三级 1,605)."""
    if unihan is not None:
        numbered = []
        for line in unihan.read_text(encoding="utf-8").splitlines():
            if "\tkTGH\t" in line:
                cp, _, value = line.split("\t")
                numbered.append((int(value.split(":")[1].split()[0]), chr(int(cp[2:], 16))))
        numbered.sort()
        if [n for n, _ in numbered] != list(range(1, 8106)):
            sys.exit("kTGH does not number 8,105 characters in this Unihan file")
        text = "".join(c for _, c in numbered)
        lines = [text[i:i + 50] for i in range(0, len(text), 50)]
        TGH_LIST.write_text("# 通用规范汉字表 (2013), 8,105 characters in its order, from Unihan's kTGH field; "
                            "50 a line.\n" + "\n".join(lines) + "\n", encoding="utf-8")
    body = "".join(line for line in TGH_LIST.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
    if len(body) != 8105:
        sys.exit(f"{TGH_LIST} holds {len(body)} characters, not 8,105")
    return body


def scanned_text() -> set[str]:
    chars = set()
    for pattern in SCANNED:
        for name in glob.glob(str(ROOT / pattern), recursive=True):
            chars.update(c for c in Path(name).read_text(encoding="utf-8") if ord(c) > 0x7E)
    return chars


def wanted(unihan: Path | None) -> tuple[set[str], set[str]]:
    """(the characters the lists and the repository's text ask for, those the ranges add where the face has them)."""
    listed = gb2312() | set(tongyong_guifan(unihan)) | scanned_text()
    ranged = {chr(c) for lo, hi in RANGES for c in range(lo, hi + 1)}
    return {c for c in listed if c.isprintable() or c == "\u3000"}, ranged


def debian_font(workdir: Path) -> Path:
    subprocess.run(["apt-get", "download", "fonts-noto-cjk"], cwd=workdir, check=True)
    deb = next(workdir.glob("fonts-noto-cjk_*.deb"))
    subprocess.run(["dpkg-deb", "-x", str(deb), str(workdir / "x")], check=True)
    return next((workdir / "x").rglob("NotoSansCJK-Regular.ttc"))


def open_face(source: Path) -> TTFont:
    if source.suffix.lower() in (".ttc", ".otc"):
        for font in TTCollection(str(source)).fonts:
            if font["name"].getDebugName(4) == FACE:
                return font
        sys.exit(f"{source} has no face named {FACE!r}")
    return TTFont(str(source))


def to_truetype(font: TTFont) -> None:
    """CFF cubic outlines → glyf quadratic ones (max error 1 unit of 1,000), in place."""
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = font.getGlyphOrder()
    glyf.glyphs = {}
    for name in glyf.glyphOrder:
        pen = TTGlyphPen(None)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for field in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, field, 1 if field == "maxZones" else 0)
    maxp.maxComponentDepth = 0
    font["head"].glyphDataFormat = 0
    post = font["post"]
    post.formatType = 2.0  # glyph names kept: without them every load derives them from the cmap (0.9 s)
    post.extraNames = []
    post.mapping = {}
    font.sfntVersion = "\x00\x01\x00\x00"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, help="NotoSansCJK-Regular.ttc (default: from apt-get download)")
    parser.add_argument("--unihan", type=Path, help="Unihan_OtherMappings.txt, to rebuild the 通用规范汉字表 list")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = args.source or debian_font(Path(tmp))
        font = open_face(source)
        listed, ranged = wanted(args.unihan)
        cmap = font.getBestCmap()
        missing = sorted(c for c in listed if ord(c) not in cmap)
        chars = listed | ranged
        options = subset.Options()
        options.hinting = False
        options.desubroutinize = True
        options.layout_features = []
        options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 7, 13, 14]
        options.notdef_outline = True
        options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx", "DSIG"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[ord(c) for c in chars if ord(c) in cmap])
        subsetter.subset(font)
        to_truetype(font)
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        font.save(str(OUT_FONT))
        names = font["name"]
        (OUT_DIR / "OFL.txt").write_text(LICENCE_INTRO.format(
            version=names.getDebugName(5).split(";")[0].removeprefix("Version "), copyright=names.getDebugName(0), trademark=names.getDebugName(7),
        ) + ofl_text(), encoding="utf-8")
    hanzi = sum(1 for c in chars if re.match(r"[\u3400-\u9fff\U00020000-\U0003134f]", c) and ord(c) in cmap)
    print(f"{OUT_FONT.relative_to(ROOT)}: {OUT_FONT.stat().st_size:,} bytes, {len(font.getGlyphOrder()):,} glyphs, "
          f"{hanzi:,} hanzi; listed but not in the face: {''.join(missing) or 'none'}")


def ofl_text() -> str:
    """The licence itself, as committed in OFL.txt (everything from its first line of dashes); only the header above
    it is rewritten."""
    text = (OUT_DIR / "OFL.txt").read_text(encoding="utf-8")
    return text[text.index("-----"):]


if __name__ == "__main__":
    main()
