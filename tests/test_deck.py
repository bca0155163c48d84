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
from reportgen.model.report import Chart, KpiTiles
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
    # the target line: each quarter's own target from targets.csv, a gap where none is
    # set (it was this quarter's target drawn across all eight)
    target = next(x for x in chart.plots[0].series if x.name == "Target")
    t = q.targets[(q.targets.kpi == "csat") & (q.targets.unit == "retail")]
    own = dict(zip(t.period, t.target, strict=True))
    expected = [own.get(p.label) for p in q.trend_periods]
    assert len(set(v for v in expected if v is not None)) > 1  # the sample's targets move
    assert [None if v is None else pytest.approx(v) for v in target.values] == expected
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


def test_styled_runs_are_what_python_pptx_writes():
    """style_run copies a cached <a:rPr>: the same XML as python-pptx's own setters give,
    with the East Asian slot set, and each run its own copy."""
    from lxml import etree
    from pptx.dml.color import RGBColor
    from pptx.oxml import parse_xml
    from pptx.oxml.ns import nsdecls
    from pptx.text.text import _Run
    from pptx.util import Pt

    from reportgen.render.deck_template import EAST_ASIAN_FONT, LATIN_FONT
    from reportgen.render.pptx import style_run

    def fresh():  # type: ignore[no-untyped-def]
        return _Run(parse_xml(f"<a:p {nsdecls('a')}/>").add_r(), None)

    for size, bold, color in [(12, False, None), (10.5, True, RGBColor(0x1F, 0x29, 0x37))]:
        ours, theirs = fresh(), fresh()
        ours.text = theirs.text = "满意度 CSAT"
        style_run(ours, size, bold=bold, color=color)
        f = theirs.font
        f.size, f.bold, f.name = Pt(size), bold, LATIN_FONT
        if color is not None:
            f.color.rgb = color
        latin = theirs._r.get_or_add_rPr().find(qn("a:latin"))
        latin.addnext(latin.makeelement(qn("a:ea"), {"typeface": EAST_ASIAN_FONT}))
        assert etree.tostring(ours._r) == etree.tostring(theirs._r)
    first, second = fresh(), fresh()
    style_run(first, 12)
    style_run(second, 12)
    assert first._r.rPr is not second._r.rPr
    first.font.bold = True  # changing one run leaves the other (and the cached one) alone
    third = fresh()
    style_run(third, 12)
    assert second.font.bold is False and third.font.bold is False


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
    assert props.author == "Customer Experience · CX Insights"  # the presenter, in English


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


# -- report spec from the config, branding palette ------------------------------------

CUSTOM_PALETTE = ["#112233", "#445566", "#778899", "#AABBCC"]


def _config_with(sample_report, name, **report_keys):
    """A copy of the sample config (same folder, so its paths resolve) with extra
    ``report`` keys, loaded through ``load_config``."""
    import yaml

    from reportgen.config import load_config

    src = sample_report.config.base_dir / "reportgen.yaml"
    raw = yaml.safe_load(src.read_text(encoding="utf-8"))
    report = raw.setdefault("report", {})
    for key, value in report_keys.items():
        if isinstance(value, dict):
            report.setdefault(key, {}).update(value)
        else:
            report[key] = value
    path = sample_report.config.base_dir / name
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return load_config(path)


def test_config_spec_drops_a_chapter_and_reorders(tmp_path, sample_report):
    from reportgen.model.deck import build_report_model

    spec = sample_report.config.base_dir / "my_spec.yaml"
    spec.write_text(
        "sections:\n"
        "  - id: plan\n"
        "    slides: [{kind: proposed_targets, kpis: [csat, nps]}]\n"
        "  - id: standing\n"
        "    slides:\n"
        "      - {kind: nps_mix}\n"
        "      - {kind: headline, kpis: [csat, nps]}\n",
        encoding="utf-8",
    )
    cfg = _config_with(sample_report, "with_spec.yaml", deck={"spec": "my_spec.yaml"})
    assert cfg.report.deck.spec is not None
    model = build_report_model(sample_report.report, cfg, "retail", "en")
    assert [s.id for s in model.sections] == ["front", "plan", "standing"]
    standing = model.sections[2].slides
    assert standing[0].id == "standing.divider"
    # nps_mix now comes before the headline slide (the default spec has the opposite)
    assert any(b.spec.kind == "stacked_100" for b in standing[1].blocks_of(Chart))
    assert standing[2].blocks_of(KpiTiles)
    path = write_deck(sample_report.report, cfg, "retail", tmp_path / "spec.pptx", "en")
    prs = Presentation(str(path))
    assert titles(prs) == [s.title.text for s in model.slides]
    t = titles(prs)
    assert "Digital service efficiency" not in t and "Appendix" not in t
    assert t.index("Next period's plan") < t.index("Where customer experience stands")
    assert check_deck(path) == []


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("sections:\n  - id: standing\n    slides: [{kind: headlines}]\n", "'headlines'"),
        (
            "sections:\n  - id: standing\n    slides: [{kind: headline, kpis: [csat, nsp]}]\n",
            "'nsp'",
        ),
    ],
)
def test_config_spec_unknown_kind_or_kpi_is_config_error(sample_report, text, needle):
    spec = sample_report.config.base_dir / "bad_spec.yaml"
    spec.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        _config_with(sample_report, "bad_spec_cfg.yaml", deck={"spec": "bad_spec.yaml"})
    msg = str(err.value)
    assert "report.deck.spec" in msg and "bad_spec.yaml" in msg
    assert needle in msg and "sections[0].slides[0]" in msg


def test_config_spec_missing_file_names_the_key(sample_report):
    with pytest.raises(ConfigError, match=r"report\.deck\.spec: file 'nope\.yaml' not found"):
        _config_with(sample_report, "missing_spec_cfg.yaml", deck={"spec": "nope.yaml"})


@pytest.mark.parametrize(
    ("palette", "needle"),
    [(["#112233", "#445566"], "at least 3"), (["#112233", "#445566", "red"], "#RRGGBB")],
)
def test_branding_palette_is_validated(sample_report, palette, needle):
    with pytest.raises(ConfigError, match="report.branding.palette") as err:
        _config_with(sample_report, "bad_palette.yaml", branding={"palette": palette})
    assert needle in str(err.value)


def test_default_palette_is_the_template_accents():
    from reportgen.branding import DEFAULT_PALETTE, palette
    from reportgen.config import BrandingSettings
    from reportgen.render.deck_template import ACCENTS

    assert ACCENTS == DEFAULT_PALETTE
    assert tuple(c[1:] for c in BrandingSettings().palette) == DEFAULT_PALETTE
    assert palette() == DEFAULT_PALETTE


def _series_colours(chart_xml: bytes) -> list[str]:
    """The first srgbClr of each data series' spPr (fill of bars, line of lines)."""
    from lxml import etree

    c = "http://schemas.openxmlformats.org/drawingml/2006/chart"
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    root = etree.fromstring(chart_xml)
    out = []
    for ser in root.iter(f"{{{c}}}ser"):
        sppr = ser.find(f"{{{c}}}spPr")
        clr = None if sppr is None else sppr.find(f".//{{{a}}}srgbClr")
        out.append(None if clr is None else clr.get("val").upper())
    return out


def test_branding_palette_colours_deck_and_workbook_charts(tmp_path, sample_report):
    import zipfile

    from reportgen.render.xlsx import write_workbook

    cfg = _config_with(sample_report, "branded.yaml", branding={"palette": CUSTOM_PALETTE})
    want = [c[1:] for c in CUSTOM_PALETTE]
    deck = write_deck(sample_report.report, cfg, "retail", tmp_path / "b.pptx", "en")
    book = tmp_path / "b.xlsx"
    write_workbook(sample_report.report, cfg, "retail", book, "en")
    for path, prefix in ((deck, "ppt/charts/"), (book, "xl/charts/")):
        with zipfile.ZipFile(path) as z:
            charts = [
                z.read(n)
                for n in z.namelist()
                if n.startswith(prefix) and n.endswith(".xml") and "_rels" not in n
            ]
        assert charts, path
        seen = set()
        for xml in charts:
            colours = _series_colours(xml)
            seen.update(c for c in colours if c)
            # the first data series of every chart takes the palette's first colour
            assert colours[0] == want[0], path
        assert set(want[:3]) <= seen, (path, seen)
    # the NPS mix (promoters/passives/detractors) takes colours 1-3 in order
    prs = Presentation(str(deck))
    chart = next(
        sh.chart
        for s in prs.slides
        for sh in s.shapes
        if sh.has_chart and sh.chart.chart_type == XL_CHART_TYPE.BAR_STACKED_100
    )
    fills = [str(ser.format.fill.fore_color.rgb) for ser in chart.plots[0].series]
    assert fills == want[:3]


def test_branding_palette_colours_png_charts():
    from reportgen.model.charts import ChartSpec
    from reportgen.render.png import chart_figure

    spec = ChartSpec.build("column", "t", ["a", "b"], [("x", [1.0, 2.0]), ("y", [2.0, 1.0])])
    fig = chart_figure(spec, colours=("112233", "445566", "778899"))
    from matplotlib.colors import to_hex

    bars = fig.axes[0].patches
    assert {to_hex(p.get_facecolor()) for p in bars} == {"#112233", "#445566"}


def test_dimension_values_are_named_in_the_deck_language(decks, sample_report):
    """The sample config names its segments, regions, channels and categories in English
    (value_labels): the English deck's titles use those names, the Chinese deck the data's."""
    labels = sample_report.config.value_labels
    raw = {v for dim in ("segment", "channel", "category") for v in labels[dim]}
    english = {lab.en for dim in ("segment", "channel", "category") for lab in labels[dim].values()}
    en = " ".join(titles(Presentation(str(decks["en"]))))
    zh = " ".join(titles(Presentation(str(decks["zh-CN"]))))
    assert not [v for v in raw if v in en], en
    assert len({v for v in english if v in en} - {"App"}) >= 2, en
    assert [v for v in raw if v in zh] and not [v for v in english if v in zh and v != "App"]


def test_the_sample_names_every_dimension_value_in_english(sample_report):
    """So that the English demo deck and workbook show no untranslated data value
    (only "App", which is the same in both languages)."""
    b = sample_report.report.breakdowns
    labels = sample_report.config.value_labels
    for dim in sample_report.config.dimensions:
        values = set(b[(b.dimension == dim) & b.dim_value.notna()].dim_value) - {"App"}
        assert values, dim
        assert values <= set(labels[dim]), (dim, values - set(labels[dim]))


def test_chart_labels_from_data_are_text_in_the_embedded_workbook():
    # PowerPoint's "Edit Data" opens each native chart's embedded workbook: a category
    # or series named "=HYPERLINK(…)" by the data must be a string there, not a formula.
    import io

    import openpyxl

    from reportgen.model.charts import ChartSpec
    from reportgen.render.pptx_charts import ReproducibleXyChartData, chart_data

    evil = '=HYPERLINK("http://evil.example","click")'
    spec = ChartSpec.build("bar", "t", [evil, "+1", "ok"], [("=1+1", [0.1, 0.2, 0.3])])
    xy = ReproducibleXyChartData()
    xy.add_series(evil).add_data_point(1.0, 2.0)
    for blob in (chart_data(spec).xlsx_blob, xy.xlsx_blob):
        ws = openpyxl.load_workbook(io.BytesIO(blob)).active
        cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert evil in [c.value for c in cells]
        assert all(c.data_type == "s" for c in cells), [(c.value, c.data_type) for c in cells]


def test_table_columns_fit_their_longest_word():
    # "Satisfaction index (CSI)" in a narrow first column broke as "Satisfactio|n":
    # each column is widened to its longest word, taken from columns with room to spare
    from reportgen.render import pptx_text as tx
    from reportgen.render.pptx import _WORD_ROOM, INSET_X, _column_widths

    rows = [("Satisfaction index (CSI)", "n", "Comments"), ("Repurchase intent", "12", "x")]
    planned = [914400, 2743200, 914400]  # 1 in, 3 in, 1 in
    out = _column_widths(planned, rows, 12.0)
    assert out is not None and sum(out) <= sum(planned)
    for j, word in ((0, "Satisfaction"), (0, "Repurchase"), (2, "Comments")):
        wide = tx.word_width(word, 12.0, bold=True) * _WORD_ROOM
        assert out[j] - 2 * INSET_X >= wide * tx.EMU_PER_PT
    assert out[1] < planned[1]  # the room came from the wide column
    assert _column_widths([300000] * 3, rows, 12.0) is None  # cannot fit: the font shrinks


def test_share_bars_run_from_0_to_100_percent():
    from pptx import Presentation as New
    from pptx.util import Inches

    from reportgen.model.charts import ChartSpec, ReferenceLine
    from reportgen.render.pptx_charts import add_chart

    prs = New()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    box = (Inches(1), Inches(1), Inches(6), Inches(4))
    shares = ChartSpec.build(
        "bar", "t", ["a", "b"], [("s", [0.91, 0.94])], value_unit="ratio",
        references=(ReferenceLine("target", 0.9),),
    )  # fmt: skip
    axis = add_chart(slide, shares, box, ("Arial", "Noto Sans CJK SC")).chart.value_axis
    assert (axis.minimum_scale, axis.maximum_scale) == (0.0, 1.0)
    counts = ChartSpec.build("bar", "t", ["a", "b"], [("s", [3, 40])], value_unit="number")
    axis = add_chart(slide, counts, box, ("Arial", "Noto Sans CJK SC")).chart.value_axis
    assert axis.maximum_scale is None  # other units: the renderer's choice


def test_a_column_label_a_reference_line_crosses_goes_inside_the_column():
    # the group deck's NPS by unit: the all-units line at 30.8 ran through the label
    # "29.2" printed above its column; that label now sits inside the column, in white
    from pptx import Presentation as New
    from pptx.enum.chart import XL_LABEL_POSITION
    from pptx.util import Inches

    from reportgen.model.charts import ChartSpec, ReferenceLine
    from reportgen.render.pptx_charts import add_chart, labels_under_a_line

    values = [62.2, 32.8, 29.2, 27.6, 25.4, 3.6]
    spec = ChartSpec.build(
        "column", "NPS", list("abcdef"), [("NPS", values)], value_unit="points",
        references=(ReferenceLine("All units", 30.8, role="average"),),
    )  # fmt: skip
    assert labels_under_a_line(spec, 0) == [2]
    low = ChartSpec.build(
        "column", "NPS", ["a", "b"], [("NPS", [62.2, 3.6])], value_unit="points",
        references=(ReferenceLine("All units", 5.0, role="average"),),
    )  # fmt: skip
    assert labels_under_a_line(low, 0) == []  # too short a column to hold its label
    prs = New()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    box = (Inches(1), Inches(1), Inches(6), Inches(4))
    chart = add_chart(slide, spec, box, ("Arial", "Noto Sans CJK SC")).chart
    series = chart.plots[0].series[0]
    dlbls = series._element.find(qn("c:dLbls")).findall(qn("c:dLbl"))
    assert [int(d.find(qn("c:idx")).get("val")) for d in dlbls] == [2]
    label = series.points[2].data_label
    assert label.position == XL_LABEL_POSITION.INSIDE_END
    assert str(label.font.color.rgb) == "FFFFFF"
    assert dlbls[0].find(qn("c:showVal")).get("val") == "1"


def test_scatter_labels_of_close_points_go_to_different_sides():
    # two attributes with close importance and performance were printed on top of each
    # other; a lone point keeps its label on the right
    from pptx.enum.chart import XL_LABEL_POSITION

    from reportgen.render.pptx_charts import label_positions

    points = [("Product fit", 0.20, 80.0), ("Brand trust", 0.205, 80.5), ("Price", 0.05, 60.0)]
    first, second, lone = label_positions(points, (0.0, 0.4), (50.0, 100.0))
    assert lone == XL_LABEL_POSITION.RIGHT and first != second
    # a label that would run off the plot on the right goes to another side
    (edge,) = label_positions([("Problem solving", 0.38, 70.0)], (0.0, 0.4), (50.0, 100.0))
    assert edge != XL_LABEL_POSITION.RIGHT
    # Chinese names are wider per character: 产品契合度 vs 品牌信任 one point apart
    zh = [("产品契合度", 0.20, 80.0), ("品牌信任", 0.22, 80.0)]
    assert label_positions(zh, (0.0, 0.4), (50.0, 100.0)) != [XL_LABEL_POSITION.RIGHT] * 2
