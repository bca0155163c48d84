"""The report model on its own: structure, numbers from the engine, annual vs quarterly."""

from __future__ import annotations

import math

import pytest
from support.deck_data import kpis, sample

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
def cfg():
    return sample()


@pytest.fixture(scope="module")
def quarter():
    return kpis()


@pytest.fixture(scope="module")
def year():
    return kpis("2025")


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
