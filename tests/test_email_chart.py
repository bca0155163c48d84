"""The e-mail chart: a ChartSpec drawn by matplotlib, with a CJK font that really covers
simplified Chinese. Assertions are on the axes and on the font's character map."""

from __future__ import annotations

import contextlib
import gc
import math
import struct
import warnings

import matplotlib
import pytest
from fontTools.ttLib import TTFont

from reportgen.formatting import format_value
from reportgen.model.charts import ChartSpec, ReferenceLine
from reportgen.render.png import CJK_FONT_FAMILY, chart_figure, cjk_font_path, render_png

pytestmark = pytest.mark.filterwarnings("error:Glyph:UserWarning")

TREND = ChartSpec.build(
    "line",
    "净推荐值 (NPS) · 趋势",
    ["2025Q1", "2025Q2", "2025Q3"],
    [("酒店集团", [30.0, None, 42.5]), ("全部事业部", [28.0, 29.0, 31.0])],
    value_unit="points",
    references=(ReferenceLine("目标 40.0", 40.0),),
)


def _gb2312(first_row: int, last_row: int) -> list[str]:
    chars = []
    for row in range(first_row, last_row + 1):
        for cell in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):  # unassigned code points
                chars.append(bytes([row, cell]).decode("gb2312"))
    return chars


def test_font_covers_simplified_chinese_and_our_symbols():
    with TTFont(cjk_font_path(), lazy=True) as font:  # lazy: the file stays open until closed
        family = font["name"].getDebugName(1)
        cmap = font.getBestCmap()
    assert family == CJK_FONT_FAMILY
    level1, level2 = _gb2312(0xB0, 0xD7), _gb2312(0xD8, 0xF7)
    assert len(level1) == 3755 and len(level2) == 3008  # the oracle itself is complete
    assert [c for c in level1 + level2 if ord(c) not in cmap] == []
    symbols = "▲▼·−±–%（）：、个百分点小时年第季度" + "".join(map(chr, range(0x20, 0x7F)))
    assert [c for c in symbols if ord(c) not in cmap] == []


def test_chinese_chart_draws_without_missing_glyphs():
    gc.collect()  # an earlier test's unclosed file must not warn inside this block
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = render_png(TREND, lang="zh-CN")
    # missing glyphs are UserWarnings from matplotlib; a ResourceWarning is another
    # object's garbage collection, not this chart
    assert [str(w.message) for w in caught if w.category is not ResourceWarning] == []
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (round(6.4 * 120), round(3.2 * 120))


def test_without_the_cjk_font_glyphs_are_missing():
    """The control: the same chart in matplotlib's default font does warn, so the
    checks above would catch a font that is not used."""
    fig = chart_figure(TREND, lang="zh-CN")
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        for text in fig.findobj(matplotlib.text.Text):
            text.set_fontfamily(["DejaVu Sans"])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.canvas.draw()
    assert any("Glyph" in str(w.message) and "missing" in str(w.message) for w in caught)


def test_line_chart_axes_carry_the_spec():
    fig = chart_figure(TREND, lang="zh-CN")
    (ax,) = fig.axes
    assert ax.get_title(loc="left") == "净推荐值 (NPS) · 趋势"
    unit_line, all_line, target_line = ax.get_lines()
    ys = list(unit_line.get_ydata())
    assert ys[0] == 30.0 and math.isnan(ys[1]) and ys[2] == 42.5  # None is a gap
    assert list(all_line.get_ydata()) == [28.0, 29.0, 31.0]
    assert list(target_line.get_ydata()) == [40.0, 40.0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "酒店集团",
        "全部事业部",
        "目标 40.0",
    ]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2025Q1", "2025Q2", "2025Q3"]
    assert ax.yaxis.get_major_formatter()(35.0, 0) == format_value(35.0, "points", "zh-CN")
    assert "42.5" in [t.get_text() for t in ax.texts]  # the latest value is labelled
    assert ax.title.get_fontfamily()[0] == CJK_FONT_FAMILY


def test_value_ticks_use_the_kpi_format():
    spec = ChartSpec.build(
        "bar", "CSAT", ["Retail", "Hotels"], [("Q3", [0.873, 0.91])], value_unit="ratio"
    )
    (ax,) = chart_figure(spec).axes
    assert ax.xaxis.get_major_formatter()(0.873, 0) == "87.3%"
    assert [round(p.get_width(), 3) for p in ax.patches] == [0.873, 0.91]


def test_rendering_is_reproducible():
    assert render_png(TREND, lang="zh-CN") == render_png(TREND, lang="zh-CN")
    other = ChartSpec.build("line", TREND.title, TREND.categories, [("酒店集团", [1.0, 2.0, 3.0])])
    assert render_png(other, lang="zh-CN") != render_png(TREND, lang="zh-CN")


@pytest.mark.parametrize("kind", ["column", "stacked_100", "scatter"])
def test_other_kinds_draw(kind):
    spec = ChartSpec.build(
        kind, "驱动因素", ["价格", "服务"], [("重要性", [0.3, 0.5]), ("满意度", [0.6, None])]
    )
    (ax,) = chart_figure(spec, lang="zh-CN").axes
    if kind == "scatter":
        assert [t.get_text() for t in ax.texts] == ["价格"]  # the point with a gap is left out
    elif kind == "stacked_100":
        assert [round(p.get_height(), 3) for p in ax.patches] == [0.333, 1.0, 0.667, 0.0]
    else:
        assert len(ax.patches) == 4
    assert render_png(spec, lang="zh-CN").startswith(b"\x89PNG")


def test_a_target_per_period_is_drawn_per_period():
    spec = ChartSpec.build(
        "line",
        "NPS",
        ["2025Q1", "2025Q2", "2025Q3"],
        [("Hotels", [30.0, 35.0, 42.5])],
        value_unit="points",
        references=(ReferenceLine("Target 40.0", 40.0, values=(36.0, None, 40.0)),),
    )
    (ax,) = chart_figure(spec, lang="en").axes
    _, target = ax.get_lines()
    ys = list(target.get_ydata())
    assert ys[0] == 36.0 and math.isnan(ys[1]) and ys[2] == 40.0
    with pytest.raises(ValueError, match="values per category"):
        ChartSpec.build(
            "bar", "x", ["a"], [("s", [1.0])], references=(ReferenceLine("t", 1.0, values=(1.0,)),)
        )
