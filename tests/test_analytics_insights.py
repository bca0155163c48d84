"""The insight analyses wired to the loaded sample data (compute_kpis(insights=True))."""

from __future__ import annotations

import math

import pytest

from reportgen.analytics.insights import AT_RISK_TOP, Insights
from reportgen.engine.compute import ALL


@pytest.fixture(scope="module")
def report(sample_report):
    from reportgen.pipeline import compute_kpis

    cfg = sample_report.config
    return compute_kpis(cfg, today=sample_report.TODAY, insights=True)


def test_every_unit_and_the_group_get_insights(report):
    ins = report.insights
    assert isinstance(ins, Insights)
    assert set(ins.units) == {*report.units, ALL}
    assert report.timings["insights"] > 0
    for unit, ui in ins.units.items():
        assert ui.unit == unit
        assert set(ui.seconds) == {"drivers", "segments", "churn", "themes", "anomalies"}
        # every analysis either ran or says why not
        assert ui.drivers or "drivers" in ui.reasons
        assert ui.profiles or "segments" in ui.reasons
        assert ui.churn is not None or "churn" in ui.reasons


def test_driver_shares_and_quadrants(report):
    res = report.insights.get(ALL).drivers["csat"]
    assert res.reason is None and res.n_used > res.min_n
    table = res.table
    assert math.isclose(table["importance_share"].sum(), 1.0, rel_tol=1e-9)
    assert math.isclose(table["importance"].sum(), res.r2, rel_tol=1e-9)
    assert set(table["quadrant"]) <= {"fix_first", "maintain", "monitor", "surplus"}
    assert list(table["rank"]) == sorted(table["rank"])


def test_segment_profiles_account_for_every_customer(report):
    for unit in report.units:
        ui = report.insights.get(unit)
        profiles = ui.profiles
        sizes = {by: int(frame["customers"].sum()) for by, frame in profiles.items()}
        assert len(set(sizes.values())) == 1, (unit, sizes)  # same customers in each view
        for frame in profiles.values():
            assert math.isclose(frame["share"].sum(), 1.0, rel_tol=1e-9)
            assert (frame["nps_n"] >= 0).all()


def test_clv_fits_or_says_why(report):
    for unit in (*report.units, ALL):
        ui = report.insights.get(unit)
        if "clv" in ui.reasons:
            assert ui.clv_fit.fit is None and "value_tier" not in ui.profiles
        else:
            s = ui.clv_summary
            assert s["clv_mean"] > 0 and 0 < s["top_tier_share"] <= 1
            assert ui.clv_fit.customers is None  # no customer rows travel with the result


def test_churn_model_is_evaluated_on_a_later_period_and_lists_ids_only(report):
    ui = report.insights.get(ALL)
    churn = ui.churn
    assert churn.reason is None
    assert churn.test_snapshot > max(churn.train_snapshots)
    assert churn.current > churn.test_snapshot
    assert 0 <= churn.auc <= 1 and churn.lift_top_decile > 0
    risk = ui.at_risk
    assert risk is not None and 0 < len(risk) <= AT_RISK_TOP
    assert list(risk.columns) == ["customer_id", "probability", "value", "expected_loss"]
    assert risk["expected_loss"].is_monotonic_decreasing


def test_themes_quotes_and_watch_items(report):
    ui = report.insights.get(ALL)
    th = ui.themes
    assert len(th) > 0 and {"theme", "comments", "detractor_share", "share_change"} <= set(th)
    assert th["comments"].sum() > 0
    from reportgen.sanitize import redact_pii

    assert ui.quotes
    for quotes in ui.quotes.values():
        for q in quotes:
            assert redact_pii(q) == q  # already redacted
    assert ui.series is not None and set(ui.series["kpi"]) >= {"satisfied_share"}
    assert ui.watch is not None  # may be empty: no unusual movement
    kinds = [a.kind for a in ui.actions]
    assert kinds and set(kinds) <= {"driver", "theme"}
    assert [a.priority for a in ui.actions] == list(range(1, len(ui.actions) + 1))
