"""The report model on its own: structure, numbers from the engine, annual vs quarterly."""

from __future__ import annotations

import math

import pytest

from reportgen.formatting import format_value
from reportgen.model.charts import ChartSpec
from reportgen.model.deck import build_report_model, load_spec
from reportgen.model.kpi_charts import trend_values
from reportgen.model.report import Bullets, Chart, KpiTiles, Table, TitleSentence

SECTIONS = [
    "front",
    "standing",
    "attainment",
    "digital",
    "segments",
    "challenges",
    "plan",
    "appendix",
]


@pytest.fixture(scope="module")
def cfg(sample_report):
    return sample_report.config


@pytest.fixture(scope="module")
def quarter(sample_report):
    return sample_report.report


@pytest.fixture(scope="module")
def year(sample_report):
    return sample_report.kpis("2025")


@pytest.fixture(scope="module")
def model_en(quarter, cfg):
    return build_report_model(quarter, cfg, "retail", "en")


def test_structure(model_en):
    assert [s.id for s in model_en.sections] == SECTIONS
    slides = model_en.slides
    assert slides[0].id == "cover" and slides[1].id == "agenda"
    for sec in model_en.sections[1:]:
        assert sec.slides[0].layout == "section" and sec.slides[0].title.text == sec.title
    assert model_en.date.isoformat() == "2026-09-30"  # the period's last day, not the clock


def test_content_slides_have_title_and_2_to_5_bullets(model_en):
    for s in model_en.slides:
        if (
            s.layout == "title_only"
            and not s.id.startswith("appendix")
            and s.id != "challenges.voices"
        ):
            items = [i for b in s.blocks_of(Bullets) for i in b.items]
            assert 2 <= len(items) <= 5, s.id


def test_kpi_slides_have_notes_with_definition_n_test(model_en, quarter):
    s = next(s for s in model_en.slides if s.id == "attainment.trend.csat")
    n = int(quarter.scorecard.query("kpi == 'csat' and unit == 'retail'").n.iloc[0])
    assert quarter.kpis["csat"].definition("en") in s.notes.text
    assert f"n = {n:,}" in s.notes.text
    assert "two-proportion z-test" in s.notes.text


def test_trend_chart_values_are_engine_values(model_en, quarter):
    s = next(s for s in model_en.slides if s.id == "attainment.trend.nps")
    chart = s.blocks_of(Chart)[0].spec
    assert chart.kind == "line"
    assert chart.series[0].values == trend_values(quarter, "nps", "retail")
    assert len(chart.categories) == len(quarter.trend_periods) == 8


def test_title_states_engine_number(model_en, quarter):
    v = quarter.value("csat", "retail")
    s = next(s for s in model_en.slides if s.id == "attainment.trend.csat")
    assert format_value(v, "ratio", "en") in s.title.text


def test_scorecard_numbers(model_en, quarter):
    s = next(s for s in model_en.slides if s.id == "attainment.scorecard")
    table = s.blocks_of(Table)[0]
    row = table.rows[0]
    assert row[0] == "CSAT" and table.numbers[0][1] == pytest.approx(
        quarter.value("csat", "retail")
    )
    assert table.header[3:5] == ("vs prev.", "vs last year")


def test_annual_differs_from_quarterly(year, cfg, model_en):
    m = build_report_model(year, cfg, "retail", "en")
    sc = next(s for s in m.slides if s.id == "attainment.scorecard")
    assert "vs prev." not in sc.blocks_of(Table)[0].header
    trend = next(s for s in m.slides if s.id == "attainment.trend.csat").blocks_of(Chart)[0].spec
    assert trend.categories[-1] == "2025" and len(trend.categories) <= 5
    assert "last year" in next(
        s for s in m.slides if s.id == "attainment.trend.csat"
    ).title.text or any(
        "last year" in i
        for i in next(s for s in m.slides if s.id == "attainment.trend.csat")
        .blocks_of(Bullets)[0]
        .items
    )
    q_items = (
        next(s for s in model_en.slides if s.id == "attainment.trend.csat")
        .blocks_of(Bullets)[0]
        .items
    )
    assert any("previous quarter" in i for i in q_items)


def test_group_deck_and_zh(quarter, cfg):
    m = build_report_model(quarter, cfg, "all", "zh-CN")
    assert m.unit_name == "全集团"
    titles = " ".join(s.title.text for s in m.slides)
    assert "客户体验现状" in titles and "nan" not in titles.lower()


def test_the_group_deck_says_whose_changes_follow_the_spread_of_units(quarter, cfg):
    # "各事业部 NPS 介于 3.6（售后服务）与 62.2" then "较上季度：−3.6 分" read as the
    # after-sales unit's change; the group's figure now comes first. A unit deck says its
    # own figure first, then its changes, then the all-units figure.
    from reportgen.engine.compute import ALL

    for unit, lang, group in (("all", "zh-CN", "全集团"), ("retail", "en", "All units")):
        m = build_report_model(quarter, cfg, unit, lang)
        s = next(s for s in m.slides if s.id == "standing.units.nps")
        items = s.blocks_of(Bullets)[0].items
        value = format_value(quarter.value("nps", ALL), "points", lang)
        everyone = f"{group}{'：' if lang == 'zh-CN' else ': '}{value}"
        if unit == ALL:
            assert items[1] == everyone, items
        else:
            own = format_value(quarter.value("nps", unit), "points", lang)
            assert items[1] == f"Retail: {own}" and items[-1] == everyone, items


def test_not_built_analytics_are_named(model_en):
    texts = " ".join(i for s in model_en.slides for b in s.blocks_of(Bullets) for i in b.items)
    assert "Not yet available: RFM value tiers" in texts
    assert (
        "(suggestions for review)"
        in next(s for s in model_en.slides if s.id == "plan.targets").title.text
    )


def test_blocks_refuse_bad_values():
    with pytest.raises(ValueError):
        TitleSentence("nan")
    with pytest.raises(ValueError):
        Bullets(tuple("abcdef"))
    with pytest.raises(ValueError):
        Table(("a",), (("1",),), ((math.nan,),))
    with pytest.raises(ValueError):
        KpiTiles(())
    assert ChartSpec.build("line", "t", ["a"], [("s", [math.nan])]).series[0].values == (None,)


def test_spec_rejects_unknown_kind(tmp_path):
    from reportgen.errors import ConfigError

    p = tmp_path / "spec.yaml"
    p.write_text("sections:\n  - id: x\n    slides:\n      - {kind: nope}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="nope"):
        load_spec(p)


@pytest.fixture(scope="module")
def model_zh(quarter, cfg):
    return build_report_model(quarter, cfg, "retail", "zh-CN")


def test_cover_names_the_presenter_in_the_deck_language(model_en, model_zh):
    # the sample config gives the presenter per language
    en, zh = model_en.slides[0].subtitle, model_zh.slides[0].subtitle
    assert "Customer Experience · CX Insights · 2026-09-30" in en and "客户体验部" not in en
    assert "客户体验部 · 2026年9月30日" in zh and "CX Insights" not in zh
    assert (model_en.presenter, model_zh.presenter) == (
        "Customer Experience · CX Insights",
        "客户体验部",
    )


def _all_text(model):
    return [s.title.text for s in model.slides] + [
        i for s in model.slides for b in s.blocks_of(Bullets) for i in b.items
    ]


def test_kpi_titles_state_the_significant_comparison(model_en, model_zh, quarter):
    for model, lang in ((model_en, "en"), (model_zh, "zh-CN")):
        for s in model.slides:
            if not s.id.startswith("attainment.trend."):
                continue
            kpi = s.id.rsplit(".", 1)[1]
            r = quarter.scorecard.query(f"kpi == '{kpi}' and unit == 'retail' and dimension.isna()")
            r = r.iloc[0]
            prev_sig = bool(r.sig_prev) if r.sig_prev is not None else False
            yoy_sig = bool(r.sig_yoy) if r.sig_yoy is not None else False
            flat = ("无显著变化", "no significant change")
            if (prev_sig or yoy_sig) and not r.low_n:
                assert not any(w in s.title.text for w in flat), s.title.text
            if yoy_sig and not prev_sig and not r.low_n:
                assert ("去年同期" if lang == "zh-CN" else "same quarter last year") in s.title.text


def test_no_signed_gap_after_a_direction_word(model_en, model_zh):
    import re

    for text in _all_text(model_zh):
        assert not re.search(r"[高低][ ]?[+−-]\d", text), text
    for text in _all_text(model_en):
        assert not re.search(
            r"[+−]\d[\d.,]* ?(pp|pts)? (higher|lower|ahead|behind|above|below)", text
        )


def test_segment_title_has_no_doubled_word(model_zh):
    s = next(s for s in model_zh.slides if s.id.startswith("segments."))
    assert "客户客户" not in s.title.text


def test_complaint_categories_rank_only_sufficient_n(model_en, model_zh, quarter, cfg):
    b = quarter.breakdowns
    b = b[(b.kpi == "complaint_rate") & (b.unit == "retail") & (b.dimension == "category")]
    raw = set(b[b.n < cfg.statistics.min_n].dim_value)
    assert raw, "the sample should have low-n categories for this test to mean anything"
    for model, lang in ((model_en, "en"), (model_zh, "zh-CN")):
        # as named in the deck's language (config value_labels: the sample's categories
        # have English names, so the English deck shows no Chinese category)
        small = {cfg.value_label("category", v, lang) for v in raw}
        assert (small == raw) == (lang == "zh-CN"), small
        s = next(s for s in model.slides if s.id == "challenges.complaints")
        assert not any(name in s.title.text for name in small | raw), s.title.text
        for chart in s.blocks_of(Chart):
            assert not set(chart.spec.categories) & (small | raw)
            if lang == "en":
                assert all(c.isascii() for c in chart.spec.categories), chart.spec.categories
        assert any(all(n in i for n in small) for i in s.blocks_of(Bullets)[0].items)


def test_benchmark_scopes_are_translated(model_zh):
    text = " ".join(_all_text(model_zh))
    assert "基准" in text
    assert "global" not in text and "China" not in text


def test_model_does_not_import_renderers():
    import ast
    from pathlib import Path

    import reportgen.model

    root = Path(reportgen.model.__file__).parent
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                assert not name.startswith("reportgen.render"), f"{path.name} imports {name}"
                assert not name.startswith(("pptx", "matplotlib")), f"{path.name} imports {name}"
