"""Chapters 4–6 from the insight analyses: hand-made UnitInsights with known numbers →
slide titles, tables, charts and notes; then the real sample, written and reopened."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re

import pandas as pd
import pytest
from pptx import Presentation

from reportgen.analytics.clv import BgNbdFit, ClvFit, ClvResult, GammaGammaFit
from reportgen.analytics.drivers import DriverResult
from reportgen.analytics.insights import Insights, UnitInsights
from reportgen.analytics.plan import Action, propose_target
from reportgen.engine.compute import ALL
from reportgen.model.deck import build_report_model
from reportgen.model.kpi_charts import trend_values
from reportgen.model.narrative import Narrator
from reportgen.model.report import Bullets, Chart, KpiTiles, Table
from reportgen.model.slides import BUILDERS, SlideContext
from reportgen.model.slides.insights import MAX_QUOTES
from reportgen.render.pptx import write_deck
from reportgen.render.pptx_checks import check_deck
from reportgen.texts import Reason, load_texts

UNIT = "retail"


# -- hand-made inputs ----------------------------------------------------------------


def profile(by: str, rows: list[tuple]) -> pd.DataFrame:
    """Rows: (segment, customers, revenue, csat_mean, csat_n, nps, nps_n, churned, churn_n)."""
    f = pd.DataFrame(
        rows,
        columns=[
            by,
            "customers",
            "revenue",
            "csat_mean",
            "csat_n",
            "nps",
            "nps_n",
            "churned",
            "churn_n",
        ],
    )
    f["share"] = f.customers / f.customers.sum()
    f["revenue_share"] = f.revenue / f.revenue.sum()
    f["nps_moe"] = 10.0
    f["churn_rate"] = f.churned / f.churn_n
    return f


RFM = profile(
    "rfm_segment",
    [
        ("champions", 100, 300_000.0, 4.6, 80, 50.0, 80, 1, 100),
        ("loyal", 200, 500_000.0, 4.4, 120, 35.0, 120, 4, 200),
        ("at_risk", 150, 150_000.0, 3.9, 60, -5.0, 60, 15, 150),
        ("lost", 50, 50_000.0, 3.5, 4, -50.0, 4, 3, 10),
        ("unassigned", 80, 0.0, math.nan, 0, math.nan, 0, 0, 5),
    ],
)
STAGES = profile(
    "lifecycle_stage",
    [
        ("new", 40, 20_000.0, 4.2, 8, 20.0, 8, 0, 40),
        ("growing", 300, 600_000.0, 4.5, 5, 40.0, 5, 1, 300),  # too few answers to judge
        ("declining", 200, 200_000.0, 4.0, 90, 10.0, 90, 9, 200),
        ("churned", 100, 10_000.0, 3.8, 40, -20.0, 40, 60, 70),
    ],
)
TIERS = profile(
    "value_tier",
    [
        ("top", 100, 700_000.0, 4.7, 50, 60.0, 50, 1, 100),
        ("middle", 150, 250_000.0, 4.3, 60, 30.0, 60, 3, 150),
        ("low", 250, 50_000.0, 4.0, 70, 5.0, 70, 20, 250),
    ],
)
CLV_FIT = ClvResult(
    customers=None,  # type: ignore[arg-type]
    fit=ClvFit(
        BgNbdFit(r=0.243, alpha=4.41, a=0.793, b=2.43, log_likelihood=-9582.4, n_customers=500),
        GammaGammaFit(p=6.25, q=3.74, gamma=15.44, log_likelihood=-4000.0, n_customers=300),
    ),
    reason=None,
    horizon_months=12,
    monthly_discount=0.01,
    time_unit_days=7.0,
)


def drivers_table(quadrants: list[str]) -> pd.DataFrame:
    t = pd.DataFrame(
        {
            "importance": [0.20, 0.15, 0.10, 0.05],
            "importance_share": [0.40, 0.30, 0.20, 0.10],
            "relative_weight": [0.201, 0.149, 0.10, 0.05],
            "correlation": [0.6, 0.5, 0.4, 0.3],
            "mean": [3.6, 4.2, 3.8, 4.4],
            "performance": [65.0, 80.0, 70.0, 85.0],
            "rank": [1, 2, 3, 4],
            "quadrant": quadrants,
        },
        index=pd.Index(
            ["problem_solving", "responsiveness", "price_fairness", "staff_attitude"],
            name="attribute",
        ),
    )
    return t


def driver(outcome: str = "csat", quadrants: list[str] | None = None) -> DriverResult:
    q = quadrants or ["fix_first", "maintain", "monitor", "surplus"]
    return DriverResult(outcome, 400, 380, 20, 82, 0.5, drivers_table(q), 0.25, 75.0)


THEMES = pd.DataFrame(
    {
        "theme": ["logistics", "price", "billing", "process"],
        "name": ["物流配送", "价格", "账单与支付", "办理流程"],
        "comments": [40, 30, 20, 10],
        "share": [0.4, 0.3, 0.2, 0.1],
        "rated": [40, 30, 20, 10],
        "detractors": [25, 12, 10, 0],
        "detractor_share": [0.625, 0.4, 0.5, 0.0],
        "mean_sentiment": [-0.4, -0.2, -0.3, 0.1],
        "previous_comments": [30, 35, 10, 10],
        "previous_share": [0.32, 0.35, 0.10, 0.10],
        "share_change": [0.08, -0.05, 0.10, 0.0],
        "share_change_p": [0.01, 0.30, 0.002, 1.0],
    }
)
QUOTES = {
    "logistics": ["Parcel arrived broken, call me on 13812345678", "Late again"],
    "price": ["Parcel arrived broken, call me on 13812345678", "Too expensive"],
    "billing": ["Hidden fees on the invoice"],
    "process": ["Too many forms"],
}


def churn(auc: float, **kw: object) -> object:
    from reportgen.analytics.churn import ChurnModelResult

    base = dict(
        reason=None,
        model="hist_gradient_boosting",
        features=("recency_days",),
        train_snapshots=(dt.date(2025, 3, 31), dt.date(2026, 3, 31)),
        test_snapshot=dt.date(2026, 6, 30),
        current=dt.date(2026, 9, 30),
        n_train=5000,
        positives_train=300,
        n_test=1000,
        positives_test=50,
        base_rate=0.05,
        auc=auc,
        top_decile_rate=0.15,
        lift_top_decile=3.0,
        n_top_decile=100,
        scores=pd.Series([0.1] * 1234, index=[f"C{i:05d}" for i in range(1234)]),
    )
    return ChurnModelResult(**{**base, **kw})  # type: ignore[arg-type]


AT_RISK = pd.DataFrame(
    {
        "customer_id": ["C00007", "C00042", "C00099"],
        "probability": [0.5, 0.4, 0.25],
        "value": [10_000.0, 5_000.0, 4_000.0],
        "expected_loss": [5_000.0, 2_000.0, 1_000.0],
    }
)
MONTHS = [f"2025-{m:02d}" for m in range(10, 13)] + [f"2026-{m:02d}" for m in range(1, 10)]


def series(last: float) -> pd.DataFrame:
    """Monthly satisfied share: 80% of 500 for 11 months, then ``last``."""
    x = [400.0] * 11 + [last * 500]
    return pd.DataFrame(
        {"kpi": "satisfied_share", "unit": UNIT, "period": MONTHS, "successes": x, "n": 500.0}
    )


WATCH = pd.DataFrame(
    [
        {
            "kpi": "satisfied_share",
            "unit": UNIT,
            "period": "2026-09",
            "chart": "p",
            "value": 0.70,
            "centre": 0.80,
            "limit": 0.7463,
            "direction": "below",
            "rule": "limit",
            "n_baseline": 11,
        }
    ]
)
ACTIONS = (
    Action(
        1, "driver", "problem_solving", importance_share=0.4, performance=65.0, gap_to_best=20.0
    ),
    Action(
        2,
        "theme",
        "logistics",
        comments=40,
        detractor_share=0.625,
        share_change=0.08,
        share_change_p=0.01,
    ),  # fmt: skip
)


def full_insights(**changes: object) -> UnitInsights:
    ui = UnitInsights(
        unit=UNIT,
        drivers={"csat": driver("csat"), "ltr": driver("ltr")},
        profiles={"rfm_segment": RFM, "lifecycle_stage": STAGES, "value_tier": TIERS},
        clv_fit=CLV_FIT,
        clv_summary={
            "customers": 500.0,
            "clv_mean": 2000.0,
            "clv_median": 800.0,
            "top_tier_share": 0.62,
            "horizon_months": 12.0,
        },
        churn=churn(0.78),
        at_risk=AT_RISK,
        themes=THEMES,
        quotes=QUOTES,
        sentiment={"mean": -0.12, "comments": 100.0},
        watch=WATCH,
        series=series(0.70),
        actions=ACTIONS,
    )
    return dataclasses.replace(ui, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def base(sample_report):
    return sample_report.report, sample_report.config


def context(
    base, lang: str = "en", insights: UnitInsights | None = None, unit: str = UNIT
) -> SlideContext:
    report, cfg = base
    found = None if insights is None else Insights({unit: insights})
    return SlideContext(
        report=dataclasses.replace(report, insights=found),
        config=cfg,
        unit=unit,
        lang=lang,
        narrator=Narrator(lang),
        texts=load_texts("deck", lang),
    )


def build(base, kind: str, lang: str = "en", insights: UnitInsights | None = None, **p):
    return BUILDERS[kind](context(base, lang, insights or full_insights()), {"kind": kind, **p})


def one(slides, kind):
    assert len(slides) == 1
    return slides[0].blocks_of(kind)[0]


def text_of(slide) -> str:
    parts = [slide.title.text, slide.notes.text if slide.notes else ""]
    for b in slide.blocks:
        if isinstance(b, Bullets):
            parts += b.items
        elif isinstance(b, Table):
            parts += [c for r in (b.header, *b.rows) for c in r]
        elif isinstance(b, KpiTiles):
            parts += [x for t in b.tiles for x in (t.label, t.value, t.detail)]
        elif isinstance(b, Chart):
            parts += [b.spec.title, *b.spec.categories]
    return "\n".join(parts)


# -- chapter 4 -----------------------------------------------------------------------


def test_rfm_title_names_the_revenue_segment_and_its_satisfaction(base):
    (s,) = build(base, "segment_profile", by="rfm_segment")
    assert s.id == "segments.rfm"
    # loyal: 500k of 1M revenue; overall mean CSAT weighted by n
    overall = (4.6 * 80 + 4.4 * 120 + 3.9 * 60 + 3.5 * 4) / 264
    assert s.title.text == (
        f"Loyal customers hold 50.0% of revenue, with a mean satisfaction score of 4.40 (1–5) "
        f"against "
        f"{overall:.2f} for all customers"
    )
    table = s.blocks_of(Table)[0]
    assert table.header == (
        "RFM segment", "Customers", "Share", "Revenue share", "Satisfaction score (mean)",
        "NPS (n)",
        "Churn rate",
    )  # fmt: skip
    assert table.rows[1] == (
        "Loyal customers",
        "200",
        "34.5%",
        "50.0%",
        "4.40",
        "35.0 (120)",
        "2.0%",
    )
    assert table.rows[-1][0] == "Customers without orders" and table.rows[-1][4] == "–"
    assert table.numbers[2][6] == pytest.approx(0.1)
    items = s.blocks_of(Bullets)[0].items
    assert (
        "Least satisfied: at-risk customers, mean satisfaction score 3.90 on 1–5 (n = 60 answers)"
        in items
    )
    # lost customers churned at 30%, but of 10 customers (< min n 30): not ranked
    assert any(i.startswith("Highest churn: at-risk customers, 10.0%") for i in items)
    assert "RFM" in s.notes.text and "580 customers" in s.notes.text


def test_lifecycle_small_sample_is_not_judged_and_churned_stage_not_ranked(base):
    (s,) = build(base, "segment_profile", by="lifecycle_stage")
    assert s.title.text.startswith("Growing customers hold 72.3% of revenue; too few survey")
    assert "(n = 5)" in s.title.text
    items = " ".join(s.blocks_of(Bullets)[0].items)
    # stages are defined by churn (the churned stage): no churn column and no churn claim
    assert "Highest churn" not in items
    table = s.blocks_of(Table)[0]
    assert "Churn rate" not in table.header and len(table.rows[0]) == len(table.header) == 6
    (rfm,) = build(base, "segment_profile", by="rfm_segment")
    assert "Churn rate" in rfm.blocks_of(Table)[0].header


def test_segment_profiles_zh_names(base):
    (s,) = build(base, "segment_profile", "zh-CN", by="rfm_segment")
    assert s.title.text.startswith("忠诚客户贡献了 50.0% 的收入")
    assert s.blocks_of(Table)[0].rows[0][0] == "核心价值客户"


def test_value_tiers(base):
    (s,) = build(base, "value_tiers")
    assert s.title.text == (
        "The top CLV tier (100 customers) holds 62.0% of expected 12-month value; "
        "its mean satisfaction score (1–5) is 4.70 against 4.00 in the low tier"
    )
    rows = s.blocks_of(Table)[0].rows
    assert [r[0] for r in rows] == ["Top tier", "Middle tier", "Low tier"]
    assert "r = 0.243" in s.notes.text and "γ = 15.4" in s.notes.text
    assert "Mean CLV 2,000 against a median of 800" in " ".join(s.blocks_of(Bullets)[0].items)
    # the two CLVs of the report are told apart
    assert "Not the scorecard's simple CLV" in s.notes.text
    (zh,) = build(base, "value_tiers", "zh-CN")
    assert "并非指标总览中的简易 CLV" in zh.notes.text


def test_value_tiers_missing_without_a_fit(base):
    ins = full_insights(
        profiles={
            "value_tier": profile("value_tier", [("unassigned", 10, 1.0, 4.0, 3, 0.0, 3, 0, 10)])
        },
        clv_summary={},
        reasons={"clv": "only 12 customers have orders up to the observation end"},
    )
    assert build(base, "value_tiers", insights=ins) == []
    (gaps,) = BUILDERS["data_gaps"](context(base, "en", ins), {})
    assert any(
        i.startswith("CLV value tiers not shown: only 12 customers")
        for i in gaps.blocks_of(Bullets)[0].items
    )


# -- chapter 5 -----------------------------------------------------------------------


def test_key_drivers_quadrant_table_and_fix_first_title(base):
    (s,) = build(base, "key_drivers")
    assert s.title.text == (
        "Fix problem solving first: it drives 40.0% of explained satisfaction (CSAT) but "
        "scores 65/100, 20 points below the best attribute"
    )
    chart = s.blocks_of(Chart)[0].spec
    assert chart.kind == "scatter" and chart.x_unit == "ratio"
    assert chart.categories[0] == "Problem solving"
    assert chart.series[0].values == (0.4, 0.3, 0.2, 0.1)
    assert chart.series[1].values == (65.0, 80.0, 70.0, 85.0)
    assert {(r.axis, r.value) for r in chart.references} == {("x", 0.25), ("y", 75.0)}
    table = s.blocks_of(Table)[0]
    assert table.rows[0] == ("Problem solving", "40.0%", "65", "Fix first")
    assert table.rows[3][3] == "Surplus"
    assert "Shapley" in s.notes.text and "n = 380" in s.notes.text


def test_key_drivers_chinese_share_is_of_the_explained_variance(base):
    # 40% is the attribute's share of R², not of the outcome's variance: the Chinese
    # title said "它解释了满意度差异中的 40.0%" (it explains 40% of the variance)
    (s,) = build(base, "key_drivers", lang="zh-CN")
    assert "在满意度（CSAT）的可解释差异中占 40.0%" in s.title.text
    (actions,) = build(base, "priority_actions", lang="zh-CN")
    assert actions.blocks_of(Table)[0].rows[0][2].startswith("在满意度的可解释差异中占 40.0%；")
    assert "解释了" not in s.title.text


def test_key_drivers_without_fix_first(base):
    ins = full_insights(
        drivers={"csat": driver(quadrants=["maintain", "maintain", "monitor", "surplus"])}
    )
    (s,) = build(base, "key_drivers", insights=ins)
    assert s.title.text.startswith("No attribute is both important and lagging: problem solving")


def test_drivers_replace_weakest_attributes_only_as_fallback(base):
    assert (
        BUILDERS["weakest_attributes"](context(base, "en", full_insights()), {"fallback": True})
        == []
    )
    without = full_insights(drivers={}, reasons={"drivers": "no attribute ratings configured"})
    assert build(base, "key_drivers", insights=without) == []
    assert BUILDERS["weakest_attributes"](context(base, "en", without), {"fallback": True})


def test_complaint_themes_pareto_table_and_quotes(base):
    (s,) = build(base, "complaint_themes")
    assert s.title.text == (
        "Delivery & logistics leads detractors' complaints: 25 detractor comments, 62.5% of "
        "the theme's rated comments; its share of comments moved +8.0 pp vs the previous period"
    )
    chart = s.blocks_of(Chart)[0].spec
    assert chart.kind == "bar" and chart.series[0].values == (25.0, 12.0, 10.0, 0.0)
    table = s.blocks_of(Table)[0]
    assert table.rows[2] == ("Billing & payment", "20", "–", "+10.0 pp")  # 20 rated: below min n
    items = s.blocks_of(Bullets)[0].items
    assert items[0] == "Fastest-growing theme: billing & payment (+10.0 pp share of comments)"
    quotes = [i for i in items if i.startswith("“")]
    assert 2 <= len(quotes) <= MAX_QUOTES
    assert len(set(q.split("”")[0] for q in quotes)) == len(quotes)  # each text once
    text = text_of(s)
    assert "13812345678" not in text  # PII masked


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_complaint_themes_state_no_share_below_min_n(base, lang):
    # the leader's 25 detractor comments among 26 rated ones: counted, but no share
    few = THEMES.assign(rated=[26, 30, 20, 10])
    (s,) = build(base, "complaint_themes", lang, insights=full_insights(themes=few))
    assert "%" not in s.title.text.split(";")[0].split("；")[0], s.title.text
    table = s.blocks_of(Table)[0]
    assert [r[2] for r in table.rows] == ["–", "40.0%", "–", "–"]


def test_complaint_themes_zh_names(base):
    (s,) = build(base, "complaint_themes", "zh-CN")
    assert s.title.text.startswith("“物流配送”是贬损者抱怨最多的主题")


def test_customer_voices_give_way_to_theme_quotes(base):
    ctx = context(base, "en", full_insights())
    assert BUILDERS["customer_voices"](ctx, {"fallback": True}) == []


def test_churn_low_auc_names_no_customers_and_no_loss(base):
    # as the workbook: a ranking little better than chance lists nobody at risk (the
    # group deck had said "use the list to prioritise calls" at AUC 0.53, lift 1.0×)
    (s,) = build(base, "churn_risk", insights=full_insights(churn=churn(0.55)))
    assert s.title.text == (
        "The churn model separates churners little better than chance (AUC 0.55): "
        "no risk list this period"
    )
    items = s.blocks_of(Bullets)[0].items
    assert (
        "An AUC below 0.60 separates churners little better than chance: no customer is "
        "named at risk and no loss is estimated" in items
    )
    assert not any("expected loss" in i or "high-value customers" in i for i in items), items
    # no headline cards of customers at risk or expected loss from such a model
    labels = {t.label for t in s.blocks_of(KpiTiles)[0].tiles}
    assert "AUC" in " ".join(labels) and not any("loss" in x.lower() for x in labels), labels
    (s,) = build(base, "churn_risk", "zh-CN", insights=full_insights(churn=churn(0.55)))
    assert "仅略优于随机" in s.title.text and "本期不列风险名单" in s.title.text
    assert not any("预期损失" in i for i in s.blocks_of(Bullets)[0].items)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_churn_auc_at_or_below_chance_is_said_so(base, lang):
    # "separates churners little better than chance (AUC 0.47)": 0.5 is chance
    (s,) = build(base, "churn_risk", lang, insights=full_insights(churn=churn(0.47)))
    said = {"en": "no better than chance (AUC 0.47)", "zh-CN": "不优于随机（AUC 0.47）"}[lang]
    assert said in s.title.text
    poor = {"en": "An AUC of 0.5 or less separates churners no better than chance",
            "zh-CN": "AUC 不高于 0.5，模型区分流失客户的能力不优于随机"}[lang]  # fmt: skip
    assert any(i.startswith(poor) for i in s.blocks_of(Bullets)[0].items)


def test_churn_lift_is_of_the_period_after_the_held_out_snapshot(base):
    # the held-out snapshot is a period end; its churn is counted over the period after
    # it ("in the held-out period to 2026-06-30" named the wrong quarter)
    (s,) = build(base, "churn_risk")
    lift = next(i for i in s.blocks_of(Bullets)[0].items if "lift" in i)
    assert lift.startswith("Held-out test: of the customers active at ")
    assert "churned in the following period at " in lift


def test_churn_good_auc_counts_and_loss_without_ids(base):
    (s,) = build(base, "churn_risk")
    assert s.title.text == (
        "The churn model ranks risk usefully (AUC 0.78): 3 high-value customers at risk, "
        "expected loss 8,000"
    )
    tiles = {t.label: t.value for t in s.blocks_of(KpiTiles)[0].tiles}
    assert tiles["Top-decile lift"] == "3.0×" and tiles["Customers scored"] == "1,234"
    items = s.blocks_of(Bullets)[0].items
    assert any("15.0% against 5.0% overall (lift 3.0×)" in i for i in items)
    text = text_of(s)
    assert not any(cid in text for cid in AT_RISK.customer_id)
    assert "AUC 0.5 = chance" in s.notes.text


def test_churn_missing_gives_no_slide_and_a_gap(base):
    ins = full_insights(churn=None, at_risk=None, reasons={"churn": Reason("churn_no_dates")})
    assert build(base, "churn_risk", insights=ins) == []
    # the reason in the deck's language, on the slide and in the notes
    (gaps,) = BUILDERS["data_gaps"](context(base, "zh-CN", ins), {})
    assert "未展示“流失风险模型”：CRM 数据中没有流失日期" in gaps.blocks_of(Bullets)[0].items
    assert "流失风险模型：CRM 数据中没有流失日期" in gaps.notes.text
    assert "no churn" not in gaps.notes.text
    (gaps,) = BUILDERS["data_gaps"](context(base, "en", ins), {})
    assert "Churn-risk model not shown: no churn dates in the CRM data" in (
        gaps.blocks_of(Bullets)[0].items
    )


def test_watch_items_table(base):
    (s,) = build(base, "watch_items")
    assert s.title.text == (
        "Satisfied share (CSAT top two) moved below its control limit in 2026-09 "
        "(70.0% vs limit 74.6%)"
    )
    table = s.blocks_of(Table)[0]
    assert table.rows[0] == (
        "Satisfied share (CSAT top two)", "2026-09", "70.0%", "80.0%", "74.6%",
        "outside the control limit",
    )  # fmt: skip
    chart = s.blocks_of(Chart)[0].spec
    assert chart.series[0].values[-1] == pytest.approx(0.70)
    assert chart.references[0].value == pytest.approx(0.80)


def test_watch_none(base):
    ins = full_insights(watch=WATCH.iloc[0:0], series=series(0.80))
    (s,) = build(base, "watch_items", insights=ins)
    assert s.title.text == (
        "No unusual movement: all 1 monthly series stayed within their control limits in 2026-09"
    )
    assert not s.blocks_of(Table)


# -- chapter 6 -----------------------------------------------------------------------


def test_priority_actions(base):
    (s,) = build(base, "priority_actions")
    assert s.title.text == "2 priority actions for next period, starting with problem solving"
    rows = s.blocks_of(Table)[0].rows
    assert rows[0] == (
        "1",
        "Improve problem solving",
        "Drives 40.0% of explained satisfaction; scores 65/100, 20 points below the best attribute",
    )
    assert rows[1][1] == "Address delivery & logistics complaints"
    assert "+8.0 pp" in rows[1][2] and "62.5%" in rows[1][2]
    assert build(base, "priority_actions", insights=full_insights(actions=())) == []


def test_proposed_targets_follow_propose_target(base):
    report, _ = base
    (s,) = build(base, "proposed_targets", kpis=["csat", "nps"])
    table = s.blocks_of(Table)[0]
    for row, nums, kpi in zip(table.rows, table.numbers, ["csat", "nps"], strict=True):
        d = report.kpis[kpi]
        history = [v for v in trend_values(report, kpi, UNIT) if v is not None]
        p = propose_target(history, report.value(kpi, UNIT), direction=d.direction, unit=d.unit)
        assert nums[3] == pytest.approx(p.proposal)
        word = {
            "trend": "trend forecast",
            "stretch": f"current {'+' if d.direction > 0 else '−'} ½ sd",
            "cap": "capped",
            "bound": "0–100%",
        }
        assert word[p.basis] in row[4]
    items = " ".join(s.blocks_of(Bullets)[0].items)
    assert "Not yet" not in items and "Of 2 proposals" in items


def test_a_stretch_toward_lower_is_better_reads_minus(base):
    # churn's proposal goes down: its basis read "current + ½ sd" (7.0% → 5.9%)
    from reportgen.analytics.plan import TargetProposal
    from reportgen.model.slides.plan import basis_text

    p = TargetProposal(0.059, 0.07, 0.068, 0.059, 0.04, 0.022, -0.001, 8, -1, "ratio", "stretch")
    assert basis_text(context(base, "en"), p) == "current − ½ sd (sd 2.2 pp, 8 periods)"
    zh = basis_text(context(base, "zh-CN"), p)
    assert zh.startswith("当前值 − 半个标准差")
    up = dataclasses.replace(p, direction=1, basis="cap")
    assert basis_text(context(base, "en"), up).startswith("capped at current + trend step + 2 sd")


def test_a_proposal_below_this_periods_target_is_flagged(base):
    # a target proposed below the one this period had lowers the bar: the slide says so
    report, _ = base
    sc = report.scorecard.copy()
    mine = (sc.unit == UNIT) & sc.dimension.isna() & (sc.kpi == "csat")
    sc.loc[mine, "target"] = 0.999
    ctx = dataclasses.replace(context(base, "en"), report=dataclasses.replace(report, scorecard=sc))
    (s,) = BUILDERS["proposed_targets"](ctx, {"kpis": ["csat", "nps"]})
    first = s.blocks_of(Bullets)[0].items[0]
    assert first.startswith("Easier than this period's target") and "vs 99.9%" in first
    assert "NPS" not in first
    assert s.blocks_of(Table)[0].rows[0][2] == "99.9%"


# -- without insights ----------------------------------------------------------------


def test_no_insights_no_insight_slides(base):
    report, cfg = base
    model = build_report_model(dataclasses.replace(report, insights=None), cfg, UNIT, "en")
    ids = {s.id for s in model.slides}
    assert not ids & {"segments.rfm", "challenges.drivers", "challenges.churn", "plan.actions"}
    assert "challenges.attributes" in ids  # the fallback shows


# -- the real sample -----------------------------------------------------------------

INSIGHT_SLIDES = {
    "segments.rfm",
    "segments.lifecycle",
    "challenges.drivers",
    "challenges.themes",
    "challenges.churn",
    "challenges.watch",
    "plan.targets",
    "plan.actions",
}


@pytest.fixture(scope="module")
def sample_insights(sample_report):
    from reportgen.pipeline import compute_kpis

    cfg = sample_report.config
    report = compute_kpis(cfg, today=sample_report.TODAY, by=cfg.dimensions, insights=True)
    assert report.insights is not None
    return report, cfg


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_sample_deck_chapters_4_to_6(sample_insights, tmp_path, lang):
    report, cfg = sample_insights
    model = build_report_model(report, cfg, UNIT, lang)
    by_id = {s.id: s for s in model.slides}
    assert set(by_id) >= INSIGHT_SLIDES
    path = write_deck(report, cfg, UNIT, tmp_path / f"{UNIT}-{lang}.pptx", lang)
    assert check_deck(path) == []
    prs = Presentation(str(path))
    assert len(prs.slides) == len(model.slides)
    for index, s in enumerate(model.slides):
        if s.id not in INSIGHT_SLIDES:
            continue
        slide = prs.slides[index]
        assert slide.shapes.title.text == s.title.text
        tables = [sh.table for sh in slide.shapes if sh.has_table]
        charts = [sh.chart for sh in slide.shapes if sh.has_chart]
        assert tables or charts or s.blocks_of(KpiTiles), s.id
        for t in tables:
            assert len(t.rows) >= 2 and all(c.text for c in t.rows[1].cells)
        for c in charts:
            assert any(v is not None for v in c.plots[0].series[0].values)
        if s.id == "challenges.drivers":
            assert charts and charts[0].chart_type is not None and tables


def test_sampled_customer_figures_are_stated_in_the_notes(base):
    """Beyond analytics.max_customers the customer-level slides say they use a sample;
    without sampling they say nothing about it."""
    sampled = full_insights(sampled={"customers_kept": 20_113, "customers_total": 333_412})
    for kind, p in (("segment_profile", {"by": "rfm_segment"}), ("churn_risk", {})):
        (s,) = build(base, kind, insights=sampled, **p)
        assert "uniform sample of 20,113 of 333,412 customers" in s.notes.text, kind
        (plain,) = build(base, kind, **p)
        assert "sample of" not in plain.notes.text, kind
    (zh,) = build(base, "segment_profile", "zh-CN", insights=sampled, by="rfm_segment")
    assert "20,113 / 333,412 位客户" in zh.notes.text


def test_customer_voices_skip_comments_that_only_say_none(base):
    # "None" is a common answer in a comment box (and "nan"/"null" what an export
    # writes for an empty one): nothing worth quoting, and no reason to fail the deck
    report, cfg = base
    comments = pd.DataFrame(
        {
            "unit": [UNIT] * 5,
            "date": pd.to_datetime(["2026-09-01"] * 5),
            "comment": ["None", " nan ", "NULL", "Delivery took three weeks", "none"],
            "csat": [1.0, 1.0, 1.0, 2.0, 1.0],
        }
    )
    ctx = context((dataclasses.replace(report, comments=comments), cfg))
    (s,) = BUILDERS["customer_voices"](ctx, {})
    assert s.blocks_of(Table)[0].rows == (("Delivery took three weeks", "2"),)


def test_a_segment_spelt_nan_is_shown_as_the_datas_word_not_a_failed_deck(base):
    # a pandas export writes a missing segment as "nan"; unless na_values declares it,
    # it is a segment like any other, and the group deck's tables and sentences show it
    report, cfg = base
    b = report.breakdowns
    first = b[b.dimension == "segment"].dim_value.dropna().iloc[0]
    renamed = b.assign(
        dim_value=b.dim_value.where(~((b.dimension == "segment") & (b.dim_value == first)), "nan")
    )
    model = build_report_model(dataclasses.replace(report, breakdowns=renamed), cfg, "all", "en")
    texts = [text_of(s) for section in model.sections for s in section.slides]
    assert any("[nan]" in t for t in texts)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_data_gaps_and_reconciliation_add_up_to_the_total(base, lang):
    # The title's total is every file's quarantined rows; the bullet names each file with
    # quarantined rows (none dropped to fit), and the appendix's reason lines add up to
    # the same total. Table names and reasons in the deck's language.
    from reportgen.model.slides.appendix import BUILDERS as APPENDIX

    report, _ = base
    total = sum(r.quarantined for r in report.reconciliation)
    with_rows = [r for r in report.reconciliation if r.quarantined]
    assert total > 0 and len(with_rows) >= 4  # the sample plants rows in every fact table
    (gaps,) = BUILDERS["data_gaps"](context(base, lang, full_insights()), {})
    assert f"{total:,}" in gaps.title.text
    (line,) = [i for i in gaps.blocks_of(Bullets)[0].items if "/" in i or " of " in i]
    names = {"en": "Survey responses", "zh-CN": "问卷答卷"}[lang]
    assert names in line and "responses" not in line.replace(names, "")
    shown = [int(n.replace(",", "")) for n in re.findall(r" ([\d,]+) (?:of|/) [\d,]+", line)]
    assert sum(shown) == total and len(shown) == len(with_rows)
    *_, last = APPENDIX["reconciliation"](context(base, lang, full_insights()), {})
    reasons = last.blocks_of(Bullets)[0].items
    counts = [int(re.match(r"([\d,]+) ", r).group(1).replace(",", "")) for r in reasons]
    assert sum(counts) == total
    if lang == "zh-CN":
        assert any("超出声明的量表范围" in r for r in reasons)
        rows = last.blocks_of(Table)[0].rows
        assert [r[0] for r in rows][:2] == ["问卷答卷", "客户（CRM）"]


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_complaint_categories_that_decide_complaints_show_their_shares(base, lang):
    # In the sample a ticket's category is what makes it a complaint: every category's
    # complaint rate is 0% or 100%. The slide then shows how the complaints split over
    # the complaint categories (shares adding up to 100%), never a 100% "rate"; with
    # fewer complaints than the minimum n, no split at all.
    ctx = dataclasses.replace(context(base, lang), unit="all")
    rates = ctx.breakdown("complaint_rate", "category")  # values as shown
    assert set(rates.value.dropna()) == {0.0, 1.0}
    mine = rates[rates.value == 1.0].sort_values(["n", "dim_value"], ascending=[False, True])
    assert mine.n.sum() >= 30
    (s,) = BUILDERS["complaint_categories"](ctx, {"kpis": ["complaint_rate"]})
    chart = s.blocks_of(Chart)[0].spec
    assert list(chart.categories) == list(mine.dim_value)
    (values,) = [list(x.values) for x in chart.series]
    assert values == pytest.approx(list(mine.n / mine.n.sum())) and sum(values) == pytest.approx(1)
    top = mine.iloc[0]
    share = f"{top.n / mine.n.sum() * 100:.1f}%"
    if lang == "en":
        assert s.title.text.startswith(f"{top.dim_value} accounts for {share} of complaints")
    else:
        assert s.title.text.startswith(f"“{top.dim_value}”占全部投诉的 {share}")
    assert "100.0%" not in s.title.text
    # one unit, 14 complaints: the overall figure is the headline, nothing is split
    few = context(base, lang).breakdown("complaint_rate", "category")
    assert few[few.value == 1.0].n.sum() < 30
    (s,) = build(base, "complaint_categories", lang, kpis=["complaint_rate"])
    assert not s.blocks_of(Chart)
    expected = {"en": "complaints this period (fewer than 30)", "zh-CN": "起投诉（少于 30 起）"}
    assert expected[lang] in s.blocks_of(Bullets)[0].items[0]


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_complaint_themes_tie_and_a_leader_that_also_grows_fastest(base, lang):
    # Two themes with as many detractor comments: neither "leads". And the leading theme
    # growing fastest is said so (the bullet named the runner-up as "fastest-growing").
    tied = THEMES.copy()
    tied.loc[1, "detractors"] = tied.loc[0, "detractors"]
    (s,) = build(base, "complaint_themes", lang, insights=full_insights(themes=tied))
    if lang == "en":
        assert s.title.text == (
            "Delivery & logistics and Price & value lead detractors' complaints together, "
            "with 25 detractor comments each"
        )
    else:
        assert "并列为贬损者抱怨最多的主题" in s.title.text
    grows = THEMES.copy()
    grows.loc[0, "share_change"] = 0.2
    (s,) = build(base, "complaint_themes", lang, insights=full_insights(themes=grows))
    items = s.blocks_of(Bullets)[0].items
    expected = {
        "en": "is also the fastest-growing theme (+20.0 pp",
        "zh-CN": "同时也是增长最快的主题",
    }
    assert expected[lang] in items[0]


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_a_theme_share_change_is_said_only_when_significant(base, lang):
    # "Response speed is also the fastest-growing theme (+4.8 pp)" on 52/130 against
    # 44/125 comments, p = 0.43: growth the data do not show
    from reportgen.analytics.plan import Action

    calm = THEMES.assign(share_change_p=[0.43, 0.30, 0.20, 1.0])
    ins = full_insights(
        themes=calm,
        actions=(
            Action(1, "theme", "logistics", comments=40, detractor_share=0.625,
                   share_change=0.08, share_change_p=0.43),
        ),
    )  # fmt: skip
    (s,) = build(base, "complaint_themes", lang, insights=ins)
    said = " ".join([s.title.text, *s.blocks_of(Bullets)[0].items])
    for claim in ("moved", "fastest-growing", "+8.0 pp", "+10.0 pp", "增长最快", "较上期变化"):
        assert claim not in said
    assert s.blocks_of(Table)[0].rows[0][3].startswith("+8.0")  # the table gives the figure
    (plan,) = build(base, "priority_actions", lang, insights=ins)
    assert "+8.0" not in plan.blocks_of(Table)[0].rows[0][2]


def test_scorecard_lists_a_near_miss_as_near_not_missed(base):
    # the table says "near" for a target missed by less than 5%; the bullets agree
    report, cfg = base
    sc = report.scorecard.copy()
    mine = (sc.unit == UNIT) & sc.dimension.isna() & (sc.kpi == "csat")
    sc.loc[mine, ["target_met", "attainment"]] = [False, 0.97]
    other = (sc.unit == UNIT) & sc.dimension.isna() & (sc.kpi == "nps")
    sc.loc[other, ["target_met", "attainment"]] = [False, 0.5]
    ctx = dataclasses.replace(context(base, "en"), report=dataclasses.replace(report, scorecard=sc))
    (s,) = BUILDERS["scorecard"](ctx, {"kpis": ["csat", "nps"]})
    table = s.blocks_of(Table)[0]
    assert [r[-1] for r in table.rows] == ["near", "missed"]
    items = s.blocks_of(Bullets)[0].items
    assert "missed: NPS" in items and "near: CSAT" in items, items


def test_loyalty_gap_is_the_difference_of_the_figures_shown(base):
    # 96.149% and 52.051% are shown as 96.1% and 52.1%: the title says 44.0 pp (what
    # the reader computes), not 44.1 pp (the unrounded difference)
    report, _ = base
    sc = report.scorecard.copy()
    for kpi, v in (("csat", 0.96149), ("repurchase_rate", 0.52051)):
        sc.loc[(sc.unit == UNIT) & sc.dimension.isna() & (sc.kpi == kpi), "value"] = v
    ctx = dataclasses.replace(context(base, "en"), report=dataclasses.replace(report, scorecard=sc))
    (s,) = BUILDERS["loyalty_gap"](ctx, {"kpis": ["csat", "repurchase_rate"]})
    assert "(96.1%)" in s.title.text and "(52.1%)" in s.title.text
    assert "44.0 pp" in s.title.text, s.title.text


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Price and Response speed each account for 40.0% of complaints (40 each of 100)"),
        ("zh-CN", "“Price”与“Response speed”各占全部投诉的 40.0%（100 起中各 40 起）"),
    ],
)
def test_complaint_categories_tied_on_top_are_named_together(base, lang, expected, monkeypatch):
    shares = pd.DataFrame(
        {
            "dim_value": ["Price", "Response speed", "Billing", "Enquiry"],
            "value": [1.0, 1.0, 1.0, 0.0],
            "n": [40, 40, 20, 70],
            "low_n": [False, False, True, False],
        }
    )
    monkeypatch.setattr(SlideContext, "breakdown", lambda self, kpi, dim: shares)
    (s,) = build(base, "complaint_categories", lang, kpis=["complaint_rate"])
    assert s.title.text == expected


def test_watch_items_run_rule_has_no_limit(base):
    # eight points on one side of the centre cross no limit: the column says so
    run = WATCH.copy()
    run.loc[0, ["rule", "limit"]] = ["run", 0.80]
    (s,) = build(base, "watch_items", insights=full_insights(watch=run))
    row = s.blocks_of(Table)[0].rows[0]
    assert row[3] == "80.0%" and row[4] == "–", row


def test_heat_map_title_names_units_tied_on_most_kpis_ahead(base, monkeypatch):
    # the title named the first of two units ahead on as many KPIs: both are named now
    from reportgen.model.slides import group as group_slides

    real = group_slides.unit_matrix

    def tied(report, kpis):
        m = real(report, kpis)
        heat = m.heat.copy()
        heat.loc[:, :] = -0.5
        for u in m.units[:2]:
            heat.loc[m.kpis[:3], u] = 0.5  # the first two units ahead on 3 KPIs each
        return dataclasses.replace(m, heat=heat)

    monkeypatch.setattr(group_slides, "unit_matrix", tied)
    ctx = dataclasses.replace(context(base, "en"), unit="all")
    (s,) = group_slides.BUILDERS["group_heatmap"](ctx, {})
    first, second = (ctx.unit_name(u) for u in base[0].units[:2])
    total = len(s.blocks_of(Table)[0].rows)
    assert s.title.text == (
        f"{first} and {second} are each ahead of the group on 3 of {total} KPIs"
    )


def test_channel_slides_chart_and_rank_only_channels_with_enough_n(base, monkeypatch):
    # Email (n = 27, below the minimum of 30) at 100%: not drawn, not the "best" channel,
    # named as left out — the slide's own rule ("below n = 30 are not compared")
    channels = pd.DataFrame(
        {
            "dim_value": ["Phone", "Email", "App", "Web"],
            "raw_value": ["电话", "邮件", "App", "Web"],
            "value": [0.90, 1.00, 0.80, 0.85],
            "n": [400, 27, 300, 200],
            "low_n": [False, True, False, False],
        }
    )
    monkeypatch.setattr(SlideContext, "breakdown", lambda self, kpi, dim: channels)
    (s,) = build(base, "channel_satisfaction", kpis=["csat"])
    chart = s.blocks_of(Chart)[0].spec
    assert list(chart.categories) == ["Phone", "Web", "App"]
    assert "Phone" in s.title.text and "Email" not in s.title.text
    assert any("Email" in i and "30" in i for i in s.blocks_of(Bullets)[0].items)
    (s,) = build(base, "channel_mix", kpis=["fcr"])
    chart = s.blocks_of(Chart)[0].spec
    rates = dict(zip(chart.categories, chart.series[0].values, strict=True))
    assert rates["Email"] is None and rates["Phone"] == pytest.approx(0.90)
    assert "Email" not in s.title.text


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_highest_and_lowest_are_claimed_only_when_they_differ_significantly(
    base, monkeypatch, lang
):
    # "CSAT is highest among Consumers (78.4%) and lowest among Key accounts (74.2%)"
    # with n = 185 and 66: p = 0.50, and NPS ranked them the other way round
    def frame(values, ns, low=(False, False, False)):
        return pd.DataFrame(
            {
                "dim_value": ["Consumers", "SMEs", "Key accounts"],
                "raw_value": ["个人", "中小企业", "大客户"],
                "value": values,
                "n": ns,
                "low_n": list(low),
            }
        )

    close = frame([0.784, 0.76, 0.742], [185, 120, 66])
    monkeypatch.setattr(SlideContext, "breakdown", lambda self, kpi, dim: close)
    (s,) = build(base, "segment_breakdown", lang=lang, kpis=["csat"])
    said = {
        "en": "CSAT: Consumers (78.4%) and Key accounts (74.2%) do not differ significantly",
        "zh-CN": "各客群中满意度（CSAT）：“Consumers”（78.4%）与“Key accounts”（74.2%）无显著差异",
    }[lang]
    assert s.title.text == said
    (s,) = build(base, "channel_satisfaction", lang=lang, kpis=["csat"])
    assert s.title.text.endswith(
        {"en": ", a gap within sampling error", "zh-CN": "，差距在抽样误差范围内"}[lang]
    )
    # 90% of 400 against 60% of 300: p < 0.001, said as highest and lowest
    far = frame([0.90, 0.80, 0.60], [400, 300, 300])
    monkeypatch.setattr(SlideContext, "breakdown", lambda self, kpi, dim: far)
    (s,) = build(base, "segment_breakdown", lang=lang, kpis=["csat"])
    assert "differ" not in s.title.text and "无显著差异" not in s.title.text
    (s,) = build(base, "channel_satisfaction", lang=lang, kpis=["csat"])
    assert "sampling error" not in s.title.text and "抽样误差" not in s.title.text
    # a segment below the minimum n is never the highest or the lowest
    small = frame([0.99, 0.90, 0.60], [12, 300, 300], low=(True, False, False))
    monkeypatch.setattr(SlideContext, "breakdown", lambda self, kpi, dim: small)
    (s,) = build(base, "segment_breakdown", lang="en", kpis=["csat"])
    assert (
        s.title.text == "CSAT is highest among SMEs (90.0%) and lowest among Key accounts (60.0%)"
    )


def test_channel_mix_says_only_what_the_channels_support(base, monkeypatch):
    # no channel at the minimum n: no "best" clause (it read "highest in – (–)"); no
    # channel the deck spec calls self-service: no "0.0% self-service" claim
    channels = pd.DataFrame(
        {
            "dim_value": ["Phone", "Online", "AI"],
            "raw_value": ["电话", "在线", "AI"],
            "value": [0.9, 0.8, 0.7],
            "n": [12, 9, 6],
            "low_n": [True, True, True],
        }
    )
    monkeypatch.setattr(SlideContext, "breakdown", lambda self, kpi, dim: channels)
    for lang, title in (
        ("en", "Phone carries 44.4% of tickets"),
        ("zh-CN", "Phone承接 44.4% 的工单"),
    ):
        (s,) = build(base, "channel_mix", kpis=["fcr"], lang=lang)
        assert s.title.text == title
        items = s.blocks_of(Bullets)[0].items
        assert not any("Self-service" in i or "自助" in i for i in items), items
    # a channel the spec calls self-service: its share is said
    ctx = dataclasses.replace(
        context(base, "en", full_insights()), options={"self_service_channels": ["ai"]}
    )
    (s,) = BUILDERS["channel_mix"](ctx, {"kind": "channel_mix", "kpis": ["fcr"]})
    assert "Self-service and AI channels handle 22.2% of tickets" in s.blocks_of(Bullets)[0].items


def test_methodology_then_paged_kpi_definitions_and_a_true_minus(base):
    from reportgen.model.slides.appendix import BUILDERS as APPENDIX

    first, *pages = APPENDIX["methodology"](context(base, "en"), {})
    assert first.title.text == "Methodology"
    # α, the interval level and min n as configured, and the multiple-testing caveat
    report, cfg = base
    sc = report.scorecard[(report.scorecard.unit == UNIT) & report.scorecard.dimension.isna()]
    tests = int(sc.p_prev.notna().sum() + sc.p_yoy.notna().sum())
    items = first.blocks_of(Bullets)[0].items
    assert "at α = 0.05" in items[0] and "95% confidence intervals" in items[0]
    assert f"carry {tests} change tests; at α = 0.05 about {0.05 * tests:.0f} of them" in items[1]
    assert f"below n = {cfg.statistics.min_n} are shown" in items[2]
    (zh, *_) = APPENDIX["methodology"](context(base, "zh-CN"), {})
    assert f"共做 {tests} 项变化检验" in zh.blocks_of(Bullets)[0].items[1]
    assert all(s.title.text.startswith("KPI definitions") for s in pages)
    ins = full_insights()
    ins = dataclasses.replace(ins, sentiment={**ins.sentiment, "mean": -0.02})
    (s,) = build(base, "complaint_themes", insights=ins)
    (line,) = [i for i in s.blocks_of(Bullets)[0].items if i.startswith("Mean sentiment")]
    assert "−0.02" in line and "-0.02" not in line


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "Satisfied share (CSAT top two) has stayed below its centre line for 10 months"),
    ("zh-CN", "已连续 10 个月低于中心线"),
])  # fmt: skip
def test_watch_title_leads_with_a_limit_breach_and_counts_the_run(base, lang, expected):
    # 10 months below an 80 % centre (the chart: 2 at 80 %, then 10 at 78 %)
    x = [400.0] * 2 + [390.0] * 10
    months = pd.DataFrame(
        {"kpi": "satisfied_share", "unit": UNIT, "period": MONTHS, "successes": x, "n": 500.0}
    )
    run = WATCH.copy()
    run.loc[0, ["rule", "limit", "value"]] = ["run", 0.80, 0.78]
    (s,) = build(base, "watch_items", lang, insights=full_insights(watch=run, series=months))
    assert expected in s.title.text, s.title.text
    # a point outside its limit comes first in the title, wherever the analysis lists it
    breach = WATCH.assign(kpi="complaint_share", direction="above", value=0.272, limit=0.26)
    both = pd.concat([run, breach], ignore_index=True)
    complaints = months.assign(kpi="complaint_share", successes=[100.0] * 11 + [136.0])
    two = pd.concat([months, complaints], ignore_index=True)
    (s,) = build(base, "watch_items", "en", insights=full_insights(watch=both, series=two))
    assert s.title.text.startswith("Complaint share of tickets moved above its control limit")

    # above its limit for months on end: a lasting shift, said as such (the title said
    # "moved above its control limit in 2026-09" after seven months above it)
    # (16% for 5 months, then 32%: centre 25.3%, upper limit 31.2%)
    lasting = months.assign(kpi="complaint_share", successes=[80.0] * 5 + [160.0] * 7)
    two = pd.concat([months, lasting], ignore_index=True)
    for lang, said in (
        ("en", "is above its control limit in 2026-09 (27.2% vs limit 26.0%), as in 7 of the "
               "last 12 months: a lasting shift, not a one-off"),
        ("zh-CN", "近 12 个月中有 7 个月如此：是持续偏移，而非偶发"),
    ):  # fmt: skip
        (s,) = build(base, "watch_items", lang, insights=full_insights(watch=both, series=two))
        assert said in s.title.text, s.title.text
    (s,) = build(base, "watch_items", "en", insights=full_insights(watch=both, series=two))
    assert s.blocks_of(Bullets)[0].items[0] == "1 more watch item in the table"


def test_headline_counts_the_units_own_and_the_general_benchmarks_only(base):
    # the sample's CSAT benchmarks: global, China and four industries; retail is held
    # against global, China and 零售业 (not the hotel or telecom industries)
    report, _ = base
    csat = report.benchmarks[report.benchmarks.kpi == "csat"]
    assert len(csat) == 6
    value = report.scorecard.query("kpi == 'csat' and unit == 'retail' and dimension.isna()")
    own = csat[csat.scope.isin(["global", "China", "零售业"])]
    above = int((value.value.iloc[0] >= own.value).sum())
    (s,) = build(base, "headline", kpis=["csat"])
    expected = "all 3 of its" if above == 3 else f"{above} of its 3"
    assert f"above {expected} market benchmarks" in s.title.text, s.title.text


def test_scorecard_names_significant_deteriorations_outside_its_table(base):
    # the group deck never said that complaints rose 4.9 pp year on year (p = 3e-7):
    # complaint_rate is not among the scorecard slide's eight KPIs
    report, _ = base
    shown = ["csat", "nps"]
    sc = report.scorecard[(report.scorecard.unit == ALL) & report.scorecard.dimension.isna()]
    worse = []
    for r in sc.itertuples(index=False):
        if r.kpi in shown or r.low_n:
            continue
        for which in ("prev", "yoy"):
            sig, change = getattr(r, f"sig_{which}"), getattr(r, f"change_{which}")
            if sig is True and change * r.direction < 0:
                worse.append((getattr(r, f"p_{which}"), r.kpi))
                break
    assert len(worse) >= 2, worse  # the sample has some (else the test proves nothing)
    (s,) = BUILDERS["scorecard"](context(base, unit=ALL), {"kpis": shown})
    items = s.blocks_of(Bullets)[0].items
    also = next(i for i in items if i.startswith("Also significantly worse, outside this table: "))
    first = report.kpis[min(worse)[1]].label("en")
    assert also.split(": ", 1)[1].startswith(first + " ("), also
    assert len(also.split("; ")) == min(3, len(worse))
    # zh
    (s,) = BUILDERS["scorecard"](context(base, "zh-CN", unit=ALL), {"kpis": shown})
    assert any(i.startswith("表外另有显著恶化：") for i in s.blocks_of(Bullets)[0].items)
    # a unit without any: no such bullet
    (s,) = build(base, "scorecard", kpis=shown)
    assert not any("outside this table" in i for i in s.blocks_of(Bullets)[0].items)


@pytest.mark.parametrize("kind", ["nps_mix", "loyalty_gap", "unit_comparison"])
def test_chinese_bullets_use_full_width_colons(base, kind):
    kpis = {"loyalty_gap": ["csat", "trust_rate", "recommend_rate"], "unit_comparison": ["nps"]}
    slides = BUILDERS[kind](context(base, "zh-CN"), {"kind": kind, "kpis": kpis.get(kind)})
    items = [i for s in slides for b in s.blocks_of(Bullets) for i in b.items]
    assert items and any("：" in i for i in items), items
    assert not any(": " in i for i in items), items


def test_group_target_gaps_are_shaded_by_status(base):
    # a near miss (attainment >= 95 %) is shaded lightly, a clear miss red, as the
    # scorecard's status says (retail churn 3.15 % against 3.14 % was as red as a miss)
    from reportgen.formatting import attainment_status
    from reportgen.model.group import target_gaps
    from reportgen.model.slides.group import BUILDERS as GROUP
    from reportgen.model.slides.group import HEATMAP_KPIS

    report, _ = base
    (s,) = GROUP["group_targets"](context(base, unit=ALL), {})
    table = s.blocks_of(Table)[0]
    gaps = target_gaps(report, HEATMAP_KPIS)
    seen = set()
    for i, label in enumerate(r[0] for r in table.rows):
        kpi = next(k for k in report.kpis if report.kpis[k].label("en") == label)
        for j, unit in enumerate(report.units, start=1):
            row = gaps[(gaps.kpi == kpi) & (gaps.unit == unit)]
            if row.empty or row.target_gap.isna().all():
                continue
            status = attainment_status(row.target_met.iloc[0], row.attainment.iloc[0])
            seen.add(status)
            assert table.tones[i][j] == {"met": 0.6, "near": -0.2, "missed": -0.6}[status]
    assert {"met", "missed"} <= seen


def test_group_movers_against_last_year_get_their_own_slide(base):
    # the group deck compared with the previous quarter only: a year's significant
    # deteriorations (after-sales NPS −22 pts year on year) never showed
    from reportgen.model.group import worst_movers
    from reportgen.model.slides.group import BUILDERS as GROUP

    report, _ = base
    prev, yoy = GROUP["group_movers"](context(base, unit=ALL), {})
    assert prev.id == "group.movers" and yoy.id == "group.movers_yoy"
    last_year = report.last_year.display("en")
    worst = worst_movers(report, 5, basis="yoy")
    assert len(worst)  # the sample has some
    first = worst.iloc[0]
    assert yoy.title.text.startswith(f"Most significant deterioration since {last_year}: ")
    assert report.kpis[first.kpi].label("en") in yoy.title.text
    table = yoy.blocks_of(Table)[0]
    assert table.header[4] == f"Change vs {last_year}"
    worst_rows = [r for r in table.rows if r[0] == "▼"]
    assert len(worst_rows) == len(worst)
    assert all(p == "< 0.001" or float(p) < 0.05 for *_, p in worst_rows)
    assert not any(p == "0.000" for *_, p in table.rows)  # "< 0.001", never zero


def test_movers_are_ranked_by_the_strength_of_evidence(base):
    # Ranked by each change over the largest change of the same KPI, every KPI's top
    # mover scored 1.0: "biggest" came from a tie-break on the KPI's id (the group
    # deck led with after-sales CES, p = 1e-7, over its complaint rate, p = 1e-9).
    from reportgen.model.group import best_movers, movers, worst_movers

    report, _ = base
    longest = 0
    for basis in ("prev", "yoy"):
        for frame in (best_movers(report, 50, basis=basis), worst_movers(report, 50, basis=basis)):
            longest = max(longest, len(frame))
            assert list(frame.p) == sorted(frame.p)  # strongest evidence first
        every = movers(report, basis=basis)
        sig = every[every.sig]
        assert list(sig.z) == sorted(sig.z, reverse=True)
        assert ((sig.z > 0) == (sig.improvement > 0)).all()
        assert (sig.z.abs() >= 1.959).all()  # p < 0.05, two-sided
    assert longest >= 3  # the order was put to the test


def test_movers_list_churn_once_not_again_as_retention(base):
    # retention = 1 − churn over the same customers: one change, one test. The group's
    # movers listed a unit's churn rise and its retention fall as two deteriorations.
    from reportgen.model.group import movers

    report, _ = base
    both = ["churn_rate", "retention_rate", "csat"]
    for basis in ("prev", "yoy"):
        m = movers(report, both, basis)
        assert "churn_rate" in set(m.kpi) and "retention_rate" not in set(m.kpi)
        alone = movers(report, ["retention_rate"], basis)
        assert set(alone.kpi) == {"retention_rate"}  # asked for alone, it is there


def test_unit_comparison_change_bullets_follow_their_own_figure(base):
    # "All units: 30.8" then "vs the previous quarter: +5.0 pts", which was the unit's
    # own change: each change now follows the figure it is the change of
    report, _ = base
    (s,) = BUILDERS["unit_comparison"](context(base, "en"), {"kpis": ["nps"]})
    items = list(s.blocks_of(Bullets)[0].items)
    name = context(base, "en").unit_name()
    own = next(i for i, x in enumerate(items) if x.startswith(f"{name}: "))
    everyone = next(i for i, x in enumerate(items) if x.startswith("All units: "))
    changes = [i for i, x in enumerate(items) if x.startswith("vs ")]
    assert changes and own < min(changes) and max(changes) < everyone
    # the group deck: the all-units figure, then its (the group's) changes
    (g,) = BUILDERS["unit_comparison"](context(base, "en", unit=ALL), {"kpis": ["nps"]})
    items = list(g.blocks_of(Bullets)[0].items)
    everyone = next(i for i, x in enumerate(items) if x.startswith("All units: "))
    assert all(everyone < i for i, x in enumerate(items) if x.startswith("vs "))


def test_unit_comparison_neither_ranks_nor_charts_units_below_min_n(base):
    # every unit's NPS on n = 11–22 was still ranked ("ranks 2 of 6") and charted
    report, _ = base
    sc = report.scorecard.copy()
    small = (sc.kpi == "nps") & sc.dimension.isna() & sc.unit.isin(["hotel", "finance"])
    sc.loc[small, "low_n"] = True
    ctx = dataclasses.replace(context(base, "en"), report=dataclasses.replace(report, scorecard=sc))
    (s,) = BUILDERS["unit_comparison"](ctx, {"kpis": ["nps"]})
    chart = s.blocks_of(Chart)[0].spec
    names = {ctx.unit_name(u) for u in ("hotel", "finance")}
    assert not names & set(chart.categories)
    ranked = len(ctx.config.unit_ids) - 2
    assert f" of {ranked} on " in s.title.text or "ranges from" in s.title.text, s.title.text
    assert not any(n in s.title.text for n in names)
    items = s.blocks_of(Bullets)[0].items
    assert any(i.startswith("n < ") and all(n in i for n in names) for i in items), items
    assert len(items) <= 5 and items[-1].startswith("All units: ")


def test_no_benchmark_or_weakest_claim_rests_on_a_figure_below_min_n(base):
    # "above all 3 of its market benchmarks" on n = 17, and "price fairness is the
    # weakest attribute (3.12)" on n = 16
    report, _ = base
    sc = report.scorecard.copy()
    mine = (sc.unit == UNIT) & sc.dimension.isna()
    ctx = context(base, "en")
    weakest = min(
        (k for k in report.kpis if k.startswith("attr_") and ctx.value(k) is not None),
        key=lambda k: ctx.value(k),
    )
    sc.loc[mine & sc.kpi.isin(["csat", weakest]), "low_n"] = True
    small = dataclasses.replace(ctx, report=dataclasses.replace(report, scorecard=sc))
    (s,) = BUILDERS["headline"](small, {"kpis": ["csat"]})
    assert "benchmark" not in s.title.text, s.title.text
    (w,) = BUILDERS["weakest_attributes"](small, {})
    assert not w.title.text.startswith(ctx.label(weakest)), w.title.text
    (before,) = BUILDERS["weakest_attributes"](ctx, {})
    assert before.title.text.startswith(ctx.label(weakest))  # the claim the rule withholds


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_data_gaps_say_which_figures_rest_on_small_samples(base, lang):
    # "121 figures rest on samples below the minimum" and then not a word of which
    from reportgen.texts import dimension_name

    report, cfg = base
    b = report.breakdowns
    low = b[(b.unit == UNIT) & b.low_n.astype(bool)].groupby("dimension").size()
    assert len(low)  # the sample has some
    (s,) = BUILDERS["data_gaps"](context(base, lang), {})
    head = {"en": f"Breakdown figures below n = {cfg.statistics.min_n}: ",
            "zh-CN": f"样本量低于 {cfg.statistics.min_n} 的细分数据："}[lang]  # fmt: skip
    (line,) = [i for i in s.blocks_of(Bullets)[0].items if i.startswith(head)]
    for dim, n in low.items():
        assert f"{dimension_name(dim, lang)} {n:,}" in line
    total = int(low.sum()) + int(
        report.scorecard[
            (report.scorecard.unit == UNIT) & report.scorecard.dimension.isna()
        ].low_n.sum()
    )
    assert f"{total:,}" in s.title.text  # the parts account for the title's count


def test_chinese_slides_use_full_width_parentheses_and_separators(base):
    # "KPI 定义 (1/5)", "响应速度 (27.2%, 53/100)", "服务态度, 品牌信任": half-width
    # punctuation in Chinese sentences
    from reportgen.model.slides.appendix import BUILDERS as APPENDIX

    _, *pages = APPENDIX["methodology"](context(base, "zh-CN"), {})
    assert len(pages) > 1
    assert all(p.title.text.endswith(f"（{i}/{len(pages)}）") for i, p in enumerate(pages, 1))
    ctx = context(base, "zh-CN")
    assert ctx.names(["服务态度", "品牌信任"]) == "服务态度、品牌信任"
    assert ctx.aside("27.2%" + ctx.texts("comma") + "53/100") == "（27.2%，53/100）"
    en = context(base, "en")
    assert en.aside("1/5") == " (1/5)" and en.names(["a", "b"]) == "a, b"
