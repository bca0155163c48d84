"""The one sanitiser: Excel text and sheet names, file names from config values, path checks."""

from __future__ import annotations

import pytest

from reportgen.errors import ConfigError
from reportgen.sanitize import (
    EXCEL_CELL_LIMIT,
    TRUNCATION_MARKER,
    ensure_inside,
    excel_sheet_title,
    excel_text,
    slugify,
    strip_control,
)


def test_strip_control_counts_what_xml_cannot_hold():
    assert strip_control("a\x00b\x1fc\x7fd") == ("abcd", 3)
    assert strip_control("tab\tlf\ncr\r") == ("tab\tlf\ncr\r", 0)
    assert strip_control("x\ud800y\ufffez\uffff") == ("xyz", 3)


def test_excel_text_cuts_at_the_cell_limit_with_a_marker():
    assert excel_text("ok") == ("ok", 0, False)
    text, removed, cut = excel_text("a\x07" + "b" * 40_000)
    assert removed == 1 and cut
    assert len(text) == EXCEL_CELL_LIMIT and text.endswith(TRUNCATION_MARKER)
    exact = "c" * EXCEL_CELL_LIMIT
    assert excel_text(exact) == (exact, 0, False)


def test_excel_text_counts_utf16_units_and_never_splits_a_character():
    text, _, cut = excel_text("😀" * 20_000)  # 2 UTF-16 units each
    assert cut
    body = text.removesuffix(TRUNCATION_MARKER)
    assert set(body) == {"😀"}
    assert len(text.encode("utf-16-le")) // 2 <= EXCEL_CELL_LIMIT


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Scorecard", "Scorecard"),
        ("a[b]:c*d?e/f\\g", "a_b__c_d_e_f_g"),
        ("'quoted'", "quoted"),
        ("History", "History_"),
        ("", "Sheet"),
        ("x" * 40, "x" * 31),
        ("分渠道服务", "分渠道服务"),
        ("line\nbreak\x01", "line break"),
    ],
)
def test_excel_sheet_title(name, expected):
    assert excel_sheet_title(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("after_sales", "after_sales"),
        ("Hotel Group", "Hotel_Group"),
        ("hôtel", "hotel"),
        ("../../etc/passwd", "etc_passwd"),
        ("..", None),
        ("a\\b:c", "a_b_c"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("com1", "_com1"),
        (" .hidden. ", "hidden"),
        ("2025-01-15..2025-03-31", "2025-01-15..2025-03-31"),
    ],
)
def test_slugify(name, expected):
    slug = slugify(name)
    if expected is None:
        assert slug.startswith("unit-") and len(slug) == 13
    else:
        assert slug == expected


def test_slugify_non_ascii_and_long_names_stay_distinct():
    a, b = slugify("售后"), slugify("零售")
    assert a != b and a.startswith("unit-") and a.isascii()
    long1, long2 = slugify("x" * 100 + "1"), slugify("x" * 100 + "2")
    assert long1 != long2
    assert len(long1.encode()) <= 64 and len(slugify("y" * 500, max_bytes=20)) <= 20
    assert slugify("a/b") == slugify("a/b")  # deterministic


def test_ensure_inside(tmp_path):
    inside = tmp_path / "2026Q3" / "retail" / "retail.xlsx"
    assert ensure_inside(tmp_path, inside) == inside.resolve()
    with pytest.raises(ConfigError, match="outside the output folder"):
        ensure_inside(tmp_path / "out", tmp_path / "out" / ".." / "elsewhere.xlsx")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "link").symlink_to(tmp_path.parent)
    with pytest.raises(ConfigError):
        ensure_inside(tmp_path / "out", tmp_path / "out" / "link" / "x.xlsx")


def test_placeholders_are_leaked_missing_values_only():
    from reportgen.sanitize import is_placeholder

    for text in ("nan", "None", " NULL ", "NaN"):
        assert is_placeholder(text)
    for text in ("", "Nonetheless slow", "banana", "无", "none of my calls were answered"):
        assert not is_placeholder(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call 13812345678 now", "call [phone] now"),
        ("call 138-1234-5678 now", "call [phone] now"),
        ("call 138.1234.5678 now", "call [phone] now"),  # dots between the groups
        ("+86 138 1234 5678", "[phone]"),
        ("tel 010-8888 6666", "tel [phone]"),
        ("id 11010119900307123X ok", "id [id] ok"),
        ("id 110101 19900307 1234 ok", "id [id] ok"),  # spaced groups: all of it masked
        ("id 110101-19900307-123x", "id [id]"),
        ("mail zhang.wei@home.example.com", "mail [email]"),
        ("order 12.5 and version 1.2.3, 2025-03-05", "order 12.5 and version 1.2.3, 2025-03-05"),
    ],
)
def test_redact_pii(text, expected):
    from reportgen.sanitize import redact_pii

    assert redact_pii(text) == expected


def test_unpresentable_text_is_a_leak_not_a_customer_word():
    from reportgen.sanitize import is_unpresentable

    for text in ("nan", "None", "nan%", "CSAT (nan%)", "at NaN% vs 3.0%"):
        assert is_unpresentable(text), text
    # a customer quoting a broken page, and a value shown as data, in brackets
    for text in ("App上优惠显示NaN%的问题", "[NaN%]", "banana%", "None of them"):
        assert not is_unpresentable(text), text
