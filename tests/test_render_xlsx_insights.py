"""The insight sheets of the workbook: written from hand-made analyses with known numbers,
reopened with openpyxl and checked cell by cell; then once on the real sample."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import pandas as pd
import pytest
from openpyxl import load_workbook

from reportgen.analytics.churn import ChurnModelResult
from reportgen.analytics.clv import BgNbdFit, ClvFit, ClvResult, GammaGammaFit
from reportgen.analytics.drivers import DriverResult
from reportgen.analytics.insights import Insights, UnitInsights
from reportgen.analytics.segments import PROFILE_COLUMNS, KMeansResult
from reportgen.engine.compute import ALL
from reportgen.model.slides.insights import POOR_AUC
from reportgen.render.xlsx import SHEETS, write_workbook
from reportgen.render.xlsx_cells import P_VALUE_FORMAT
from reportgen.render.xlsx_group import build_group_workbook
from reportgen.render.xlsx_insights import INSIGHT_SHEETS
from reportgen.texts import Reason

UNIT = "after_sales"
EMPTY_UNIT = "finance"  # every analysis failed, with reasons
QUOTE = "=cmd|' /C calc'!A0 refund never came"
FORMULA_QUOTE = '=HYPERLINK("http://evil","click")'
STRAY = ("nan", "NaN", "None", "<NA>", "NaT", "inf")

EN = [
    "Scorecard",
    "Trends",
    "Breakdowns",
    "Attributes",
    "Service by channel",
    "Segments",
    "Drivers",
    "Customer segments",
    "Churn risk",
    "Comment themes",
    "Watch items",
    "Comments",
    "Data quality",
    "Definitions",
]
ZH = [
    "指标总览",
    "趋势",
    "细分",
    "属性评分",
    "分渠道服务",
    "客户分群",
    "驱动因素",
    "客户价值分群",
    "流失风险",
    "留言主题",
    "预警关注",
    "客户留言",
    "数据质量",
    "指标定义",
]


# -- hand-made analyses ------------------------------------------------------------------


def _drivers() -> dict[str, DriverResult]:
    table = pd.DataFrame(
        {
            "importance": [0.30, 0.15, 0.05],
            "importance_share": [0.6, 0.3, 0.1],
            "relative_weight": [0.29, 0.16, 0.05],
            "correlation": [0.62, 0.48, 0.21],
            "mean": [3.6, 4.4, 4.0],
            "performance": [65.0, 85.0, 75.0],
            "rank": [1, 2, 3],
            "quadrant": ["fix_first", "maintain", "surplus"],
        },
        index=pd.Index(["problem_solving", "staff_attitude", "price_fairness"], name="attribute"),
    )
    csat = DriverResult(
        "csat", 300, 250, 50, 74, 0.5, table, 1 / 3, 75.0,
        (("brand_trust", "too_few_ratings"),), (), None,
    )  # fmt: skip
    ltr = DriverResult(
        "ltr", 40, 0, 40, 74, math.nan, None, math.nan, math.nan, (), (), "too_few_responses"
    )
    return {"csat": csat, "ltr": ltr}


def _profile(by: str, rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[by, *PROFILE_COLUMNS])


def _insights(unit: str) -> UnitInsights:
    rfm = _profile(
        "rfm_segment",
        [
            ("champions", 40, 0.4, 50000.0, 0.7, 4.6, 38, 42.5, 12.3, 37, 1, 40, 0.025),
            ("lost", 60, 0.6, 1000.0, 0.3, 3.1, 9, -33.3, 30.0, 9, 6, 20, 0.3),
        ],
    )
    tiers = _profile(
        "value_tier",
        [  # largest first, as segment_profile orders unknown ids; the sheet puts top first
            ("low", 50, 0.5, 2000.0, 0.05, 4.0, 20, 10.0, 25.0, 20, 2, 50, 0.04),
            ("top", 20, 0.2, 40000.0, 0.8, 4.5, 10, 30.0, 20.0, 10, 0, 20, 0.0),
        ],
    )
    clv = ClvResult(
        customers=None,  # dropped by the analyses (per-customer rows)
        fit=ClvFit(
            BgNbdFit(
                r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=-9582.43, n_customers=2357
            ),
            GammaGammaFit(p=6.25, q=3.74, gamma=15.44, log_likelihood=-4000.5, n_customers=946),
        ),
        reason=None,
        horizon_months=12,
        monthly_discount=0.01,
        time_unit_days=7.0,
    )
    kmeans = KMeansResult(
        k=2,
        labels=None,
        centres=pd.DataFrame(
            {"recency_days": [30.0, 400.0], "frequency": [6.0, -4e-16], "monetary": [900.0, 5.0]},
            index=pd.Index([0, 1], name="cluster"),
        ),
        sizes=pd.Series([70, 30], index=pd.Index([0, 1], name="cluster"), name="customers"),
        silhouette=0.61,
        silhouette_by_k={2: 0.61, 3: 0.44},
        features=("recency_days", "frequency", "monetary"),
        log_features=("frequency", "monetary"),
        n_rows=100,
        n_excluded=0,
        n_fit=100,
        n_silhouette=100,
    )
    churn = ChurnModelResult(
        reason=None,
        model="hist_gradient_boosting",
        features=("recency_days", "frequency"),
        train_snapshots=(dt.date(2025, 12, 31), dt.date(2026, 3, 31)),
        test_snapshot=dt.date(2026, 6, 30),
        current=dt.date(2026, 9, 30),
        n_train=1000,
        positives_train=80,
        n_test=500,
        positives_test=40,
        base_rate=0.08,
        auc=0.8123,
        top_decile_rate=0.3,
        lift_top_decile=3.75,
        n_top_decile=50,
        scores=None,
    )
    at_risk = pd.DataFrame(
        {
            "customer_id": ["007", "0420", "=1+1"],
            "probability": [0.5, 0.4, 0.3],
            "value": [10000.0, 9000.0, 100.0],
            "expected_loss": [5000.0, 3600.0, 30.0],
        }
    )
    themes = pd.DataFrame(
        {
            "theme": ["billing", "logistics"],
            "name": ["账单与支付", "物流配送"],  # the analysis ran in Chinese
            "comments": [12, 5],
            "share": [0.24, 0.10],
            "rated": [10, 5],
            "detractors": [8, 1],
            "detractor_share": [0.8, 0.2],
            "mean_sentiment": [-0.35, 0.1],
            "previous_comments": pd.array([6, pd.NA], dtype="Int64"),
            "previous_share": [0.15, math.nan],
            "share_change": [0.09, math.nan],
            "share_change_p": [0.27, math.nan],
        }
    )
    terms = pd.DataFrame(
        {"term": ["会员卡", "=SUM(A1)"], "documents": [4, 3], "share": [0.2, 0.15]}
    )
    watch = pd.DataFrame(
        [
            ("complaint_share", unit, "2026-09", "p", 0.30, 0.17, 0.29, "above", "limit", 23),
            ("fcr_share", unit, "2026-09", "p", 0.70, 0.72, 0.72, "below", "run", 23),
        ],
        columns=["kpi", "unit", "period", "chart", "value", "centre", "limit", "direction",
                 "rule", "n_baseline"],
    )  # fmt: skip
    series = pd.DataFrame(
        {
            "kpi": "complaint_share",
            "unit": unit,
            "period": ["2026-08", "2026-09"],
            "successes": [17.0, 30.0],
            "n": [100.0, 100.0],
        }
    )
    return UnitInsights(
        unit=unit,
        drivers=_drivers(),
        profiles={"rfm_segment": rfm, "value_tier": tiers},  # no CRM: no lifecycle stages
        clv_fit=clv,
        clv_summary={
            "customers": 100.0,
            "clv_mean": 1234.5,
            "clv_median": 800.0,
            "top_tier_share": 0.66,
            "horizon_months": 12.0,
        },
        kmeans=kmeans,
        churn=churn,
        at_risk=at_risk,
        themes=themes,
        quotes={"billing": [QUOTE, FORMULA_QUOTE], "logistics": ["等了两周才到"]},
        terms=terms,
        sentiment={"mean": -0.2, "comments": 50.0},
        watch=watch,
        series=series,
        sampled={"customers_kept": 100, "customers_total": 400},
    )


def _failed(unit: str) -> UnitInsights:
    """Nothing could run: every sheet must say why."""
    return UnitInsights(
        unit=unit,
        reasons={
            "drivers": Reason("no_responses"),
            "segments": Reason("no_orders"),
            "clv": Reason("no_orders"),
            # a reason with values, worded in each language
            "kmeans": Reason("kmeans_few_rows", n=2, ks=[3, 4, 5]),
            "churn": Reason("churn_needs_tables"),
            "themes": Reason("themes_no_comments"),
            "anomalies": Reason("anomalies_no_rows"),
        },
    )


@pytest.fixture(scope="module")
def report(sample_report):
    units = {UNIT: _insights(UNIT), ALL: _insights(ALL), EMPTY_UNIT: _failed(EMPTY_UNIT)}
    return dataclasses.replace(sample_report.report, insights=Insights(units))


@pytest.fixture(scope="module")
def books(report, sample_report, tmp_path_factory):
    root = tmp_path_factory.mktemp("insights")
    out = {}
    for key, unit, lang in (
        ("en", UNIT, "en"),
        ("zh", UNIT, "zh-CN"),
        ("rerun", UNIT, "en"),
        ("failed", EMPTY_UNIT, "en"),
        ("failed_zh", EMPTY_UNIT, "zh-CN"),
        ("absent", "hotel", "en"),  # a unit the analyses did not cover
    ):
        out[key] = write_workbook(report, sample_report.config, unit, root / f"{key}.xlsx", lang)
    return out


@pytest.fixture(scope="module")
def wb(books):
    return load_workbook(books["en"].path)


@pytest.fixture(scope="module")
def wb_zh(books):
    return load_workbook(books["zh"].path)


def _rows(ws):
    """Every non-empty row as a list of cells, trailing empty cells dropped."""
    out = []
    for row in ws.iter_rows():
        cells = list(row)
        while cells and cells[-1].value is None:
            cells.pop()
        if cells:
            out.append(cells)
    return out


def _row(ws, first):
    """The first row whose first cell is ``first``."""
    for cells in _rows(ws):
        if cells[0].value == first:
            return cells
    raise AssertionError(f"no row starting with {first!r} on {ws.title}")


def _texts(ws):
    return [c.value for cells in _rows(ws) for c in cells if isinstance(c.value, str)]


# -- tests -------------------------------------------------------------------------------


def test_sheet_names_and_order_in_both_languages(books, wb_zh):
    assert list(books["en"].sheets) == EN
    assert list(books["zh"].sheets) == ZH
    assert wb_zh.sheetnames == ZH
    assert len(SHEETS) == len(EN)
    assert [EN[SHEETS.index(k)] for k in INSIGHT_SHEETS] == EN[6:11]
    for name in EN + ZH:
        assert len(name) <= 31 and not set(name) & set("[]:*?/\\")


def test_without_insights_the_workbook_has_no_insight_sheets(sample_report, tmp_path):
    assert sample_report.report.insights is None
    path = tmp_path / "plain.xlsx"
    summary = write_workbook(sample_report.report, sample_report.config, UNIT, path, "en")
    assert list(summary.sheets) == [n for n in EN if n not in EN[6:11]]


def test_drivers_show_the_analysis(wb, wb_zh):
    ws = wb["Drivers"]
    model = _row(ws, "CSAT (1–5)")
    assert [c.value for c in model[1:6]] == [300, 250, 74, 3, 0.5]
    assert model[5].number_format == "0.000"
    assert model[6].value == pytest.approx(1 / 3) and model[6].number_format == "0.0%"
    assert "Brand trust (too few ratings)" in model[8].value
    ltr = _row(ws, "Recommend (0–10)")
    assert ltr[2].value == 0 and ltr[5].value is None  # R² NaN: empty, not "nan"
    assert "Not computed: too few complete responses (at least 74 needed)" in ltr[8].value
    top = _row(ws, "Problem solving")
    assert top[1].value == 0.30 and top[1].number_format == "0.000"
    assert top[2].value == 0.6 and top[2].number_format == "0.0%"
    assert top[6].value == 65.0 and top[7].value == 1
    assert top[8].value == "Fix first" and top[9].value == "problem_solving"
    assert _row(wb_zh["驱动因素"], "问题解决")[8].value == "优先改进"
    texts = " ".join(_texts(ws))
    assert "Shapley decomposition of R²" in texts and "at least 1/k" in texts
    assert "Drivers of Recommend" not in texts  # no table for an outcome that did not run
    assert len(ws.tables) == 2


def test_segment_profiles_keep_n_next_to_each_figure(wb, wb_zh):
    ws = wb["Customer segments"]
    header = [c.value for c in _row(ws, "Segment")]
    assert header[5:10] == ["Satisfaction score (mean)", "Satisfaction n", "NPS", "NPS ±", "NPS n"]
    champions = _row(ws, "Champions")
    assert champions[7].value == 42.5 and champions[7].number_format == "0.0"
    assert champions[9].value == 37 and champions[6].value == 38
    assert champions[10].value == 0.025 and champions[10].number_format == "0.0%"
    assert champions[13].value == "champions"
    assert _row(ws, "Top tier")[1].value == 20
    tiers = [r[13].value for r in _rows(ws) if len(r) == 14 and r[13].value in ("top", "low")]
    assert tiers == ["top", "low"]
    assert _row(wb_zh["客户价值分群"], "冠军客户")[7].value == 42.5
    texts = _texts(ws)
    assert "Customer-level analyses use a hash sample of 100 of 400 customers." in texts
    assert any(t.startswith("Not computed: lifecycle stages need the CRM") for t in texts)


def test_clv_parameters_and_clusters(wb):
    ws = wb["Customer segments"]
    cells = {(r[0].value, r[1].value): r[2].value for r in _rows(ws) if len(r) >= 3}
    assert cells[("BG/NBD", "r")] == 0.243
    assert cells[("BG/NBD", "α")] == 4.414
    assert cells[("Gamma-Gamma", "γ")] == 15.44
    assert cells[("Gamma-Gamma", "Customers fitted")] == 946
    assert _row(ws, "Mean CLV")[1].value == 1234.5
    assert _row(ws, "Share of CLV held by the top tier")[1].number_format == "0.0%"
    cluster = _row(ws, 1)  # the second cluster: k-means noise shown as 0, not -0
    assert cluster[1].value == 30 and cluster[3].value == 0.0
    assert [c.value for c in _row(ws, 2)] == [2, 0.61, "yes"]


def test_churn_metrics_and_at_risk_ids_as_text(wb):
    ws = wb["Churn risk"]
    auc = _row(ws, "AUC (held out)")[1]
    assert auc.value == 0.8123 and auc.number_format == "0.000"
    assert _row(ws, "Base churn rate (held out)")[1].number_format == "0.0%"
    assert _row(ws, "Top-decile lift")[1].value == 3.75
    assert _row(ws, "Held-out snapshot")[1].value == dt.datetime(2026, 6, 30)
    assert _row(ws, "Model")[1].value == "Gradient-boosted trees"
    first = _row(ws, "007")
    assert first[0].data_type == "s"
    assert first[1].value == 0.5 and first[1].number_format == "0.0%"
    assert first[3].value == 5000.0 and first[4].value == 1
    assert _row(ws, "0420")[4].value == 2
    hostile = _row(ws, "=1+1")
    assert hostile[0].data_type == "s" and hostile[4].value == 3
    assert _row(ws, "Customer id")[2].value == "Value (CLV)"


def test_churn_features_named_in_the_workbook_language(wb, wb_zh):
    assert "Model features: days since the last order, orders (12 months)." in _texts(
        wb["Churn risk"]
    )
    assert "模型特征：距最近一次购买天数、订单数（近 12 个月）。" in _texts(wb_zh["流失风险"])


def test_a_model_no_better_than_chance_lists_no_customer(report, sample_report, tmp_path):
    """AUC below 0.60 (POOR_AUC, as the deck): a caveat instead of customer ids."""
    ui = report.insights.get(UNIT)
    poor = dataclasses.replace(ui, churn=dataclasses.replace(ui.churn, auc=0.513))
    units = {**report.insights.units, UNIT: poor}
    weak = dataclasses.replace(report, insights=Insights(units))
    for lang, sheet, words in (
        ("en", "Churn risk", "held-out AUC 0.51 < 0.60"),
        ("zh-CN", "流失风险", "留出样本 AUC 0.51 < 0.60"),
    ):
        book = write_workbook(weak, sample_report.config, UNIT, tmp_path / f"{lang}.xlsx", lang)
        ws = load_workbook(book.path)[sheet]
        texts = _texts(ws)
        assert any(words in x for x in texts), texts
        assert not {"007", "0420", "=1+1"} & set(texts)
        # and the measures do not count as listed the customers it did not list
        listed = {"en": "Customers listed at risk", "zh-CN": "列出的风险客户数"}[lang]
        assert len(ui.at_risk) and _row(ws, listed)[1].value == 0


def test_themes_translated_by_id_and_quotes_are_text(wb, wb_zh):
    ws = wb["Comment themes"]
    billing = _row(ws, "Billing & payment")
    assert [c.value for c in billing[1:3]] == [12, 0.24]
    assert billing[5].value == 0.8 and billing[6].value == -0.35
    assert billing[6].number_format == "+0.00;-0.00;0.00"
    assert billing[9].value == pytest.approx(9.0)  # percent points
    assert billing[9].number_format == '+0.0" pp";-0.0" pp";0.0" pp"'
    assert billing[10].value == pytest.approx(0.27)  # the change's test
    assert billing[10].number_format == P_VALUE_FORMAT
    assert billing[11].value == "billing"
    logistics = _row(ws, "Delivery & logistics")
    assert logistics[7].value is None and logistics[8].value is None  # no previous period
    assert _row(wb_zh["留言主题"], "账单与支付")[1].value == 12
    for text in (QUOTE, FORMULA_QUOTE):
        cell = _row(ws, text)[0]
        assert cell.data_type == "s" and cell.quotePrefix, text
        assert _row(ws, text)[1].value == "Billing & payment"
    assert _row(ws, "=SUM(A1)")[0].data_type == "s"
    assert "Mean sentiment of 50 comments in 2026Q3: -0.20." in _texts(ws)


def test_watch_items_and_their_series(wb, wb_zh):
    ws = wb["Watch items"]
    item = [c.value for c in _row(ws, "Complaint share of tickets")]
    assert item[1:4] == ["2026-09", "p chart", 0.30]
    assert item[6:9] == ["above", "worse", "outside a control limit"]
    assert item[10] == "complaint_share"
    months = [r for r in _rows(ws) if r[0].value == "Complaint share of tickets"][1:]
    assert [(r[1].value, r[2].value, r[3].value, r[4].value) for r in months] == [
        ("2026-08", 17, 100, 0.17),
        ("2026-09", 30, 100, 0.30),
    ]
    assert months[0][4].number_format == "0.0%"
    assert _row(wb_zh["预警关注"], "工单投诉占比")[6].value == "高于"
    # a run of 8 on one side crosses no limit: the Limit cell stays empty (it repeated
    # the centre line)
    run = [c.value for c in _row(ws, "First-contact resolution")]
    assert run[4] == 0.72 and run[5] is None and run[8] == "run of 8 on one side"


def test_every_insight_table_has_a_filter_and_no_stray_values(wb):
    for name in EN[6:11]:
        ws = wb[name]
        assert ws.tables, name
        for table in ws.tables.values():
            assert table.autoFilter is not None and table.autoFilter.ref == table.ref
        assert ws.freeze_panes
        for cells in _rows(ws):
            for c in cells:
                if isinstance(c.value, float):
                    assert math.isfinite(c.value), (name, c.coordinate)
                if isinstance(c.value, str):
                    assert c.value not in STRAY, (name, c.coordinate)


def test_failed_analyses_leave_notes_not_errors(books):
    wb = load_workbook(books["failed"].path)
    expected = {
        "Drivers": ["Not computed: no survey responses in the period"],
        "Customer segments": ["Not computed: no orders source"],
        "Churn risk": ["Not computed: needs orders and CRM customers"],
        "Comment themes": ["Not computed: no comments in the period"],
        "Watch items": ["Not computed: no dated survey or ticket rows"],
    }
    for name, notes in expected.items():
        texts = _texts(wb[name])
        for text in notes:
            assert text in texts, (name, texts)
        assert not wb[name].tables, name
    assert "Not computed: 2 complete rows: too few for any k in [3, 4, 5] (need k+1)" in _texts(
        wb["Customer segments"]
    )
    zh = load_workbook(books["failed_zh"].path)
    zh_texts = _texts(zh["客户价值分群"])
    assert "未计算：没有订单数据源" in zh_texts
    kmeans = "未计算：完整记录仅 2 条：不足以对 [3, 4, 5] 中任一 k 聚类（至少需要 k+1 条）"
    assert kmeans in zh_texts
    assert "未计算：需要订单与 CRM 客户数据" in _texts(zh["流失风险"])
    absent = load_workbook(books["absent"].path)
    for name in EN[6:11]:
        assert "The insight analyses were not run for Hotels." in _texts(absent[name]), name


def test_rerun_gives_identical_content(books, wb):
    b = load_workbook(books["rerun"].path)
    for name in EN[6:11]:
        va = [[c.value for c in row] for row in wb[name].iter_rows()]
        vb = [[c.value for c in row] for row in b[name].iter_rows()]
        assert va == vb, name


def test_group_workbook_carries_the_insight_sheets(report, sample_report):
    wb, _ = build_group_workbook(report, sample_report.config, "en")
    assert wb.sheetnames[4:] == EN
    assert _row(wb["Churn risk"], "AUC (held out)")[1].value == 0.8123


def test_real_sample_insights(sample_report, tmp_path):
    """The sample's own analyses, end to end: the workbook shows the engine's numbers."""
    from reportgen.pipeline import compute_kpis

    cfg = sample_report.config
    report = compute_kpis(cfg, today=sample_report.TODAY, by=cfg.dimensions, insights=True)
    assert report.insights is not None
    summary = write_workbook(report, cfg, ALL, tmp_path / "all.xlsx", "en")
    assert list(summary.sheets) == EN
    wb = load_workbook(summary.path)
    ui = report.insights.get(ALL)
    res = ui.drivers["csat"]
    if res.ok:
        attr = res.table.index[0]
        cells = next(r for r in _rows(wb["Drivers"]) if r[-1].value == attr)
        assert cells[1].value == pytest.approx(res.table["importance"].iloc[0])
    if ui.churn is not None and not ui.churn.reason:
        assert _row(wb["Churn risk"], "AUC (held out)")[1].value == pytest.approx(ui.churn.auc)
    if ui.at_risk is not None and len(ui.at_risk):
        listed = str(ui.at_risk["customer_id"].iloc[0])
        if ui.churn.auc >= POOR_AUC:
            first = _row(wb["Churn risk"], listed)
            assert first[0].data_type == "s" and first[4].value == 1
        else:  # a model no better than chance names nobody (as the deck)
            texts = _texts(wb["Churn risk"])
            assert listed not in texts
            assert any(f"AUC {ui.churn.auc:.2f} < 0.60" in x for x in texts)
    rfm = ui.profiles.get("rfm_segment")
    if rfm is not None:
        ws = wb["Customer segments"]
        ids = [r[13].value for r in _rows(ws) if len(r) == 14 and r[0].value != "Segment"]
        assert ids[: len(rfm)] == list(rfm["rfm_segment"])
        # lifecycle stages are defined by churn: no churn figures (0 % everywhere but
        # the churned stage, by construction); RFM segments keep theirs
        stages = ui.profiles["lifecycle_stage"]["lifecycle_stage"]
        rows = {r[13].value: r for r in _rows(ws) if len(r) == 14}
        named = [x for x in stages if x != "unassigned"]  # (a row id other tables share)
        assert named and all(rows[x][10].value is None for x in named)
        assert any(rows[x][10].value is not None for x in rfm["rfm_segment"] if x in rows)
    if ui.themes is not None and len(ui.themes):
        texts = _texts(wb["Comment themes"])
        assert all(t in texts for t in ui.themes["theme"])


def test_segment_figures_below_min_n_are_grey(wb, sample_report):
    # "Lost: NPS 50.0 ± 69.3" on n = 2 stood in black beside figures on hundreds
    from reportgen.render.xlsx_scorecard import LOW_N_FONT

    assert sample_report.config.statistics.min_n == 30
    ws = wb["Customer segments"]

    def grey(c) -> bool:
        return bool(c.font and c.font.i and c.font.color is not None
                    and c.font.color.rgb[-6:] == LOW_N_FONT.color.rgb[-6:])  # fmt: skip

    lost, champions = _row(ws, "Lost"), _row(ws, "Champions")  # n 9/9/20 and 38/37/40
    for col in (5, 7, 8, 10):  # satisfaction mean, NPS, NPS ±, churn rate
        assert grey(lost[col]) and not grey(champions[col]), col
    assert lost[7].value == -33.3 and lost[7].number_format == "0.0"  # value and format kept
    assert not grey(lost[1])  # a count is no estimate
