"""Document numbers, pure: the default format, the abbreviation's default and what an authority's format may be."""

import pytest

from xunjian.documents import rules


def test_the_default_number_reads_as_a_bureau_writes_it():
    assert rules.format_number(rules.DEFAULT_FORMAT, abbr="兰", kind="inspection_record", year=2026, n=12) == \
        "兰民检〔2026〕第0012号"
    assert rules.format_number(rules.DEFAULT_FORMAT, abbr="兰", kind="supervision_notice", year=2026, n=1) == \
        "兰民督〔2026〕第0001号"
    assert {rules.KINDS[k] for k in rules.KINDS} == {"检", "改", "复", "督"}


def test_the_abbreviation_defaults_to_the_first_character_of_the_name():
    assert rules.default_abbr("兰州市") == "兰"
    assert rules.default_abbr("天水市") == "天"
    # The known clash, which an admin settles by setting one of them.
    assert rules.default_abbr("甘肃省") == rules.default_abbr("甘南藏族自治州") == "甘"


@pytest.mark.parametrize("fmt", ["{abbr}民{kind}〔{year}〕第{n:04d}号", "{abbr}民{kind}字〔{year}〕{n}号",
                                 "XJ-{year}-{n:06d}"])
def test_usable_formats(fmt):
    assert rules.check_format(fmt) is None


@pytest.mark.parametrize("fmt, reason", [
    ("", "1 to"),
    ("{abbr}民{kind}〔{year}〕", "serial"),
    ("{abbr}{region.__class__}{n}", "unknown fields"),
    ("{n:04d", "not a format"),
    ("{n:s}", "does not apply"),
    ("{n:0100d}", "longer than"),
    ("x" * 101, "1 to"),
])
def test_unusable_formats_are_refused_with_the_reason(fmt, reason):
    assert reason in rules.check_format(fmt)
