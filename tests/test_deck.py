"""Generated decks, reopened with python-pptx: titles, sections, charts, notes, fonts,
no overflow, user templates, and (when LibreOffice is present) a real rendering."""

from __future__ import annotations

import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.oxml.ns import qn
from support.render_deck import available, render_deck

from reportgen.errors import ConfigError
from reportgen.formatting import format_value
from reportgen.model.kpi_charts import trend_values
from reportgen.render.deck_template import LAYOUT_NAMES, SLIDE_SIZE, default_template_path
from reportgen.render.pptx import write_deck
from reportgen.render.pptx_checks import check_deck


@pytest.fixture(scope="module")
def decks(tmp_path_factory, sample_report):
    cfg, q = sample_report.config, sample_report.report
    out = tmp_path_factory.mktemp("decks")
    return {
        lang: write_deck(q, cfg, "retail", out / f"retail-{lang}.pptx", lang)
        for lang in ("en", "zh-CN")
    } | {
        "year": write_deck(
            sample_report.kpis("2025"), cfg, "retail", out / "retail-2025.pptx", "en"
        )
    }


def titles(prs):
    return [s.shapes.title.text if s.shapes.title is not None else "" for s in prs.slides]


def slide_with(prs, text):
    return next(s for s in prs.slides if s.shapes.title is not None and text in s.shapes.title.text)


@pytest.mark.parametrize("key", ["en", "zh-CN", "year"])
def test_no_problems(decks, key):
    assert check_deck(decks[key]) == []


def test_section_order_en(decks):
    t = titles(Presentation(str(decks["en"])))
    order = [
        "Agenda",
        "Where customer experience stands",
        "KPI attainment",
        "Digital service efficiency",
        "Segments and personalised service",
        "Challenges",
        "Next period's plan",
        "Appendix",
    ]
    assert [t.index(x) for x in order] == sorted(t.index(x) for x in order)
    assert t[0] == "Customer Satisfaction & Loyalty Report"


def test_trend_chart_is_native_with_engine_values(decks, sample_report):
    q = sample_report.report
    prs = Presentation(str(decks["en"]))
    csat = format_value(q.value("csat", "retail"), "ratio", "en")
    s = next(
        s
        for s in prs.slides
        if s.shapes.title.text.startswith("CSAT") and any(sh.has_chart for sh in s.shapes)
    )
    assert csat in s.shapes.title.text
    chart = next(sh.chart for sh in s.shapes if sh.has_chart)
    # (the dashed reference line has no markers, so python-pptx reports LINE)
    assert chart.chart_type in (XL_CHART_TYPE.LINE, XL_CHART_TYPE.LINE_MARKERS)
    values = chart.plots[0].series[0].values
    assert values == pytest.approx(trend_values(q, "csat", "retail"))
    notes = s.notes_slide.notes_text_frame.text
    assert "two-proportion z-test" in notes and "n = " in notes and "Q3 2026" in notes


def test_nps_mix_is_stacked_100(decks, sample_report):
    prs = Presentation(str(decks["zh-CN"]))
    s = slide_with(prs, "推荐者占")
    chart = next(sh.chart for sh in s.shapes if sh.has_chart)
    assert chart.chart_type == XL_CHART_TYPE.BAR_STACKED_100
    p, pa, d = (ser.values[0] for ser in chart.plots[0].series)
    q = sample_report.report
    assert p - d == pytest.approx(q.value("nps", "retail") / 100)


def test_east_asian_font_on_every_run(decks):
    prs = Presentation(str(decks["zh-CN"]))
    runs = [
        r
        for s in prs.slides
        for sh in s.shapes
        if sh.has_text_frame
        for p in sh.text_frame.paragraphs
        for r in p.runs
    ]
    assert runs and all(r._r.find(qn("a:rPr")).find(qn("a:ea")) is not None for r in runs)
    assert any("满意度" in r.text for r in runs)


def test_no_nan_in_xml(decks):
    import zipfile

    for key in decks:
        with zipfile.ZipFile(decks[key]) as z:
            for name in z.namelist():
                if name.endswith(".xml") and (
                    "slides/" in name or "charts/" in name or "notesSlides/" in name
                ):
                    xml = z.read(name).decode("utf-8")
                    assert ">nan<" not in xml.lower() and ">None<" not in xml, name


def test_properties_fixed_from_period(decks):
    props = Presentation(str(decks["en"])).core_properties
    assert props.created.date().isoformat() == "2026-09-30" == props.modified.date().isoformat()
    assert props.keywords == "2026Q3"


def test_annual_differs(decks):
    q, y = Presentation(str(decks["en"])), Presentation(str(decks["year"]))
    yt = next(
        sh.chart
        for s in y.slides
        for sh in s.shapes
        if sh.has_chart and sh.chart.chart_type in (XL_CHART_TYPE.LINE, XL_CHART_TYPE.LINE_MARKERS)
    )
    assert list(yt.plots[0].categories)[-1] == "2025"
    qt = titles(q)
    assert any("previous quarter" in t for t in qt) or "previous quarter" in str(
        [sh.text_frame.text for s in q.slides for sh in s.shapes if sh.has_text_frame]
    )
    assert "previous quarter" not in str(
        [sh.text_frame.text for s in y.slides for sh in s.shapes if sh.has_text_frame]
    )


def test_shipped_template_matches_script():
    prs = Presentation(str(default_template_path()))
    assert (prs.slide_width, prs.slide_height) == SLIDE_SIZE
    assert tuple(layout.name for layout in prs.slide_layouts) == LAYOUT_NAMES
    assert len(prs.slides) == 0


def _renamed_template(path):
    prs = Presentation(str(default_template_path()))
    names = {
        "Title Slide": "封面",
        "Section Header": "章节",
        "Title and Content": "内容",
        "Title Only": "仅标题页",
    }
    for layout in prs.slide_layouts:
        if layout.name in names:
            layout.name = names[layout.name]
    prs.slides.add_slide(prs.slide_layouts[0])  # an example slide the renderer must drop
    prs.save(str(path))
    return path


def test_user_template_with_renamed_layouts(tmp_path, sample_report):
    cfg = sample_report.config
    tpl = _renamed_template(tmp_path / "corp.pptx")
    deck = {
        "template": str(tpl),
        "layouts": {
            "title": "封面",
            "section": "章节",
            "content": "内容",
            "title_only": "仅标题页",
        },
    }
    cfg2 = cfg.model_copy(
        update={"report": cfg.report.model_copy(update={"deck": type(cfg.report.deck)(**deck)})}
    )
    out = write_deck(sample_report.report, cfg2, "retail", tmp_path / "d.pptx", "zh-CN")
    prs = Presentation(str(out))
    assert prs.slides[0].slide_layout.name == "封面"
    assert {s.slide_layout.name for s in prs.slides} == {"封面", "章节", "内容", "仅标题页"}
    assert check_deck(out) == []


def test_unknown_layout_name_lists_the_templates(tmp_path, sample_report):
    cfg = sample_report.config
    tpl = _renamed_template(tmp_path / "corp.pptx")
    bad = type(cfg.report.deck)(template=tpl, layouts={"title": "Cover"})
    cfg2 = cfg.model_copy(update={"report": cfg.report.model_copy(update={"deck": bad})})
    with pytest.raises(ConfigError, match="封面"):
        write_deck(sample_report.report, cfg2, "retail", tmp_path / "d.pptx", "en")
    assert not (tmp_path / "d.pptx").exists()


def test_checker_finds_overflow_and_off_slide(tmp_path):
    from pptx.util import Inches, Pt

    from reportgen.render.pptx import style_run

    prs = Presentation(str(default_template_path()))
    s = prs.slides.add_slide(prs.slide_layouts[6])
    box = s.shapes.add_textbox(Inches(14), Inches(1), Inches(1), Inches(0.3))
    r = box.text_frame.paragraphs[0].add_run()
    r.text = "满意度提升至 91.3%,超额完成年度目标" * 3
    style_run(r, 20)
    r.font.size = Pt(20)
    p = tmp_path / "bad.pptx"
    prs.save(str(p))
    kinds = {x.kind for x in check_deck(p)}
    assert {"overflow", "off_slide"} <= kinds


@pytest.mark.skipif(not available(), reason="LibreOffice (soffice) or pdftoppm not installed")
def test_renders_with_libreoffice(decks, tmp_path):
    pages = render_deck(decks["zh-CN"], tmp_path / "png", dpi=20)
    assert len(pages) == len(Presentation(str(decks["zh-CN"])).slides)


def test_column_chart_reference_is_a_line_overlay(decks, sample_report):
    """The group average on the unit-comparison chart: a c:lineChart on the bar chart's
    axes carrying the reference value, not an empty bar."""
    from lxml import etree

    q = sample_report.report
    prs = Presentation(str(decks["en"]))
    s = slide_with(prs, "on NPS")
    chart = next(sh.chart for sh in s.shapes if sh.has_chart)
    plot_area = chart._chartSpace.find(qn("c:chart")).find(qn("c:plotArea"))
    bar, line = plot_area.find(qn("c:barChart")), plot_area.find(qn("c:lineChart"))
    assert bar is not None and line is not None
    assert len(bar.findall(qn("c:ser"))) == 1  # the units only
    (ref,) = line.findall(qn("c:ser"))
    values = [float(v.text) for v in ref.find(qn("c:val")).iter(qn("c:v"))]
    assert values == pytest.approx([q.value("nps", "all")] * len(chart.plots[0].categories))
    assert {a.get("val") for a in line.findall(qn("c:axId"))} == {
        a.get("val") for a in bar.findall(qn("c:axId"))
    }
    assert b'prstDash val="dash"' in etree.tostring(ref)
