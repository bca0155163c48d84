"""The insight analyses wired to the loaded sample data (compute_kpis(insights=True))."""

from __future__ import annotations

import math

import pandas as pd
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


# -- bounded extracts: the customer sample is drawn in the engine ----------------------


def test_hash_thresholds_cut_the_hash_range():
    from reportgen.analytics.insights import _threshold

    assert _threshold(0.5) == "80000000" and _threshold(0.25) == "40000000"
    assert _threshold(1.0) == _threshold(3.0) == "g" > "ffffffff"  # keep everyone


def _md5(customer_id: object) -> str:
    import hashlib

    return hashlib.md5(str(customer_id).encode("utf-8")).hexdigest()[:8]


@pytest.fixture(scope="module")
def sampled(sample_report):
    """The extracts of the sample data with a cap far below its customers per unit."""
    import datetime as dt

    from reportgen.analytics.insights import _extracts
    from reportgen.engine.registry import kpi_registry
    from reportgen.loading import Scope, load_dataset
    from reportgen.pipeline import analysis_periods, resolve_period

    cfg = sample_report.config
    cap = 100
    small = cfg.model_copy(
        update={"analytics": cfg.analytics.model_copy(update={"max_customers": cap})}
    )
    ds = load_dataset(small, None, known_kpis=list(kpi_registry(small)))
    period = resolve_period(small, None, ds, dt.date(2026, 11, 23))
    trend, previous, last_year = analysis_periods(small, period)
    periods = [*trend, previous, last_year]
    scope = Scope(start=min(p.start for p in periods), end=max(p.end for p in periods))
    crm = ds.table("customers", Scope()).to_pyarrow().to_pandas()
    return (
        cap,
        crm,
        _decoded(_extracts(ds, small, scope, period, trend)),
        _decoded(_extracts(ds, small, scope, period, trend)),
    )


def _decoded(frames):
    """The extracts with their integer customer codes turned back into the ids."""
    ids = frames["_ids"]
    for name, f in list(frames.items()):
        if not name.startswith("_") and "customer_id" in f:
            assert f["customer_id"].dtype == "int64"  # coded for speed
            frames[name] = f.assign(customer_id=ids.take(f["customer_id"]).to_numpy())
    return frames


def test_each_unit_keeps_about_cap_customers_and_all_units_a_subset(sampled):
    cap, crm, frames, again = sampled
    per_unit = frames["_sampled"].set_index("unit")
    counts = crm.groupby("unit")["customer_id"].nunique()
    assert (counts > 3 * cap).all()  # the cap bites in every unit
    pd.testing.assert_series_equal(
        per_unit["customers"].sort_index(),
        counts.sort_index(),
        check_names=False,
        check_dtype=False,
    )
    customers = frames["customers"]
    for unit in counts.index:
        kept = set(customers.loc[customers["unit"] == unit, "customer_id"])
        assert per_unit.loc[unit, "kept"] == len(kept)
        assert 0.6 * cap <= len(kept) <= 1.4 * cap, (unit, len(kept))  # binomial, sd ≈ √cap
        # exactly the CRM customers whose MD5 prefix falls below the unit's threshold
        threshold = per_unit.loc[unit, "threshold"]
        ids = crm.loc[crm["unit"] == unit, "customer_id"]
        assert kept == {c for c in ids if _md5(c) < threshold}
        for name in ("orders", "tickets", "responses"):  # the same customers in every table
            rows = frames[name][frames[name]["unit"] == unit]
            assert len(rows) and all(_md5(c) < threshold for c in rows["customer_id"]), name
    in_all = set(customers.loc[customers["in_all"], "customer_id"])
    assert 0.6 * cap <= len(in_all) <= 1.4 * cap
    assert frames["_sampled"].attrs["kept"] == len(in_all)
    # reproducible: the same customers on a second extraction
    assert set(again["customers"]["customer_id"]) == set(customers["customer_id"])
    assert set(again["orders"]["customer_id"]) == set(frames["orders"]["customer_id"])


def test_period_responses_comments_and_series_are_not_sampled(sampled, sample_report):
    """Drivers, themes and control charts use every response: only customer-level
    analyses use the sample."""
    _, _, frames, _ = sampled
    report = sample_report.report
    csat = report.scorecard[(report.scorecard.kpi == "csat") & (report.scorecard.unit == ALL)]
    current = frames["current"]
    assert current["csat"].notna().sum() == int(csat["n"].iloc[0])
    assert len(frames["comments"]) > 0
    series = frames["series"]
    assert list(dict.fromkeys(series["kpi"])) == [
        "satisfied_share",
        "detractor_share",
        "fcr_share",
        "complaint_share",
    ]
    assert (series["successes"] <= series["n"]).all()
    # each series is its KPI month by month: the quarter's months add up to the
    # quarter's figure, n and value (the FCR series had counted one contact among
    # tickets with contacts filled in: 61.2–63.9 % a month against a 61.0 % quarter)
    months = [
        m.strftime("%Y-%m")
        for m in pd.period_range(report.period.start, report.period.last_day, freq="M")
    ]
    for name, kpi in [
        ("satisfied_share", "csat"),
        ("fcr_share", "fcr"),
        ("complaint_share", "complaint_rate"),
    ]:
        for unit in ("hotel", "retail"):
            sc = report.scorecard
            row = sc[(sc.kpi == kpi) & (sc.unit == unit)].iloc[0]
            part = series[(series.kpi == name) & (series.unit == unit) & series.period.isin(months)]
            assert part["n"].sum() == row.n, (name, unit)
            assert part["successes"].sum() / part["n"].sum() == pytest.approx(row.value), (
                name,
                unit,
            )


def test_extracts_come_in_one_order(sampled):
    """The engine returns a join's or a parallel scan's rows in any order, and sums
    and model fits over them then differ in their last bits from run to run (the
    10-unit workbooks did): every extract is sorted, so two extractions are equal."""
    _, _, frames, again = sampled
    assert list(frames) == list(again)
    for name, f in frames.items():
        if isinstance(f, pd.DataFrame):
            pd.testing.assert_frame_equal(f, again[name], obj=name)
    for name in ("responses", "orders", "customers", "tickets", "current"):
        f = frames[name]
        ordered = f.sort_values(list(f.columns), kind="stable", na_position="last")
        pd.testing.assert_frame_equal(f, ordered.reset_index(drop=True), obj=name)
    assert frames["_sampled"]["unit"].tolist() == sorted(frames["_sampled"]["unit"])


def test_a_custom_date_range_gets_insights_too(sample_report):
    # a custom range is its own one-period trend: the comments extract labels its
    # comments with that period (there is no earlier one to tell them from)
    from reportgen.pipeline import compute_kpis

    cfg = sample_report.config
    report = compute_kpis(
        cfg, period="2026-07-15..2026-09-30", today=sample_report.TODAY, insights=True
    )
    assert len(report.trend_periods) == 1
    ui = report.insights.get(ALL)
    assert ui.themes is not None and ui.themes["comments"].sum() > 0
    assert ui.quotes


def test_a_driver_analysis_that_could_not_run_says_why_in_words(sample_report):
    # the deck printed "csat: too_few_responses; ltr: too_few_responses"
    from reportgen.analytics.insights import _drivers

    cfg = sample_report.config
    attrs = list(cfg.attribute_ids)
    current = pd.DataFrame({c: [4, 5, 3] for c in ("csat", "ltr", *attrs)})
    reasons: dict[str, str] = {}
    _drivers(current, cfg, reasons)
    text = reasons["drivers"]
    assert text.startswith("satisfaction (CSAT): too few complete responses (at least ")
    assert "; likelihood to recommend: too few complete responses" in text
    assert "too_few_responses" not in text and "{min_n}" not in text
