"""Tests for reportgen.analytics.anomalies: a published p chart, hand-computed limits,
planted shifts and the run rule."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from reportgen.analytics import anomalies
from reportgen.analytics.anomalies import p_chart, watch_items, xmr_chart

# Montgomery, Introduction to Statistical Quality Control, orange-juice cans (trial
# limits): 30 samples of n = 50 cans, nonconforming cans per sample; Σ = 347.
ORANGE_JUICE = [12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22,
                8, 10, 5, 13, 11, 20, 18, 24, 15, 9, 12, 7, 13, 9, 6]  # fmt: skip


def test_p_chart_limit_formula_matches_montgomery() -> None:
    # p̄ = 0.2313, n = 50: 3·√(0.2313 × 0.7687 / 50) = 0.1789 → UCL 0.4102, LCL 0.0524
    p = 0.2313
    half = 3 * math.sqrt(p * (1 - p) / 50)
    assert round(p + half, 4) == 0.4102
    assert round(p - half, 4) == 0.0524


def test_p_chart_orange_juice_trial_limits() -> None:
    chart = p_chart(ORANGE_JUICE, [50] * 30, list(range(1, 31)), baseline=[True] * 30)
    assert chart["centre"].iloc[0] == pytest.approx(347 / 1500)
    assert round(chart["centre"].iloc[0], 4) == 0.2313
    assert round(chart["ucl"].iloc[0], 4) == 0.4102
    assert round(chart["lcl"].iloc[0], 4) == 0.0524
    # samples 15 (22/50 = 0.44) and 23 (24/50 = 0.48) plot above the UCL
    flagged = chart[chart["flag"].notna()]
    assert flagged["label"].tolist() == [15, 23]
    assert flagged["flag"].tolist() == ["above", "above"]


def test_p_chart_variable_n_limits_by_hand() -> None:
    # baseline: Σx = 40, Σn = 200 → p̄ = 0.2, p̄(1 − p̄) = 0.16
    # n = 25: 3·√(0.16/25) = 0.24 → UCL 0.44, LCL −0.04 → 0
    # n = 16: 3·√(0.16/16) = 0.30 → UCL 0.50, LCL 0
    # n = 34: 3·√(0.16/34) = 0.205798 → UCL 0.405798, LCL 0 (−0.005798)
    # n = 100 (judged): 3·√(0.16/100) = 0.12 → UCL 0.32, LCL 0.08; p = 33/100 → above
    x = [5, 3, 3, 5, 5, 5, 7, 7, 33]
    n = [25, 16, 16, 25, 25, 25, 34, 34, 100]
    chart = p_chart(x, n, [f"w{i}" for i in range(9)])
    assert chart["centre"].iloc[0] == pytest.approx(0.2)
    assert chart["baseline"].tolist() == [True] * 8 + [False]
    assert chart["ucl"].tolist() == pytest.approx(
        [0.44, 0.5, 0.5, 0.44, 0.44, 0.44, 0.405798, 0.405798, 0.32],
        abs=1e-6,
    )
    assert chart["lcl"].tolist() == pytest.approx([0.0] * 8 + [0.08], abs=1e-12)
    assert chart["flag"].tolist() == [None] * 8 + ["above"]


def test_judged_point_is_not_in_its_own_baseline() -> None:
    x = [40] * 10 + [200]
    chart = p_chart(x, [200] * 11, None)
    assert chart["centre"].iloc[-1] == pytest.approx(0.2)
    assert chart["flag"].iloc[-1] == "above"


def test_planted_shift_is_flagged_and_stable_series_is_not() -> None:
    rng = np.random.default_rng(3)
    n = np.full(21, 400)
    stable = rng.binomial(400, 0.80, size=21)
    stable_chart = p_chart(stable, n, None)
    assert stable_chart["flag"].iloc[-1] is None
    shifted = stable.copy()
    shifted[-1] = rng.binomial(400, 0.70)  # a 10-point drop: about 5 standard errors
    shifted_chart = p_chart(shifted, n, None)
    assert shifted_chart["flag"].iloc[-1] == "below"
    assert shifted_chart["centre"].iloc[-1] == pytest.approx(stable[:-1].sum() / 8000)


def test_too_short_baseline_has_no_limits_and_no_flags() -> None:
    chart = p_chart([10] * 7 + [50], [100] * 8, None)  # 7 baseline points < 8
    assert chart["centre"].isna().all() and chart["ucl"].isna().all()
    assert chart["flag"].tolist() == [None] * 8
    assert p_chart([10] * 8 + [50], [100] * 9, None)["flag"].iloc[-1] == "above"


def test_points_without_a_sample_are_not_used_or_flagged() -> None:
    chart = p_chart([10, 0] + [10] * 8, [100, 0] + [100] * 8, None)
    assert not chart["baseline"].iloc[1]
    assert math.isnan(chart["p"].iloc[1]) and chart["flag"].iloc[1] is None
    assert chart["baseline"].sum() == 8


def test_p_chart_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError, match="successes 6.0 > n 5.0"):
        p_chart([6], [5], None)
    with pytest.raises(ValueError, match="equal-length"):
        p_chart([1, 2], [5], None)


# --- XmR ---------------------------------------------------------------------------------


def test_xmr_limits_by_hand() -> None:
    # baseline (first 8): mean = 92 / 8 = 11.5; moving ranges 2,1,2,1,2,1,2 → mean 11/7
    # limits = 11.5 ± 2.66 × 11/7 = 11.5 ± 4.18 → UCL 15.68, LCL 7.32
    values = [10, 12, 11, 13, 12, 10, 11, 13, 12]
    chart = xmr_chart(values, None)
    assert chart["centre"].iloc[-1] == pytest.approx(11.5)
    assert chart["ucl"].iloc[-1] == pytest.approx(15.68)
    assert chart["lcl"].iloc[-1] == pytest.approx(7.32)
    assert chart["moving_range"].tolist()[1:] == [2, 1, 2, 1, 2, 1, 2, 1]
    assert chart["flag"].tolist() == [None] * 9
    assert xmr_chart([*values[:8], 15.7], None)["flag"].iloc[-1] == "above"
    assert xmr_chart([*values[:8], 7.3], None)["flag"].iloc[-1] == "below"


def test_run_of_eight_on_one_side_is_flagged_separately() -> None:
    # baseline = first 15 points: mean = (88 + 7 × 11.5) / 15 = 11.2333; moving ranges
    # 2 × 7, 1.5, 0 × 6 → mean 15.5/14; limits 11.2333 ± 2.945 → the 11.5s are inside,
    # but the 8th consecutive point above the centre completes a run.
    values = [12, 10] * 4 + [11.5] * 8
    chart = xmr_chart(values, None)
    assert chart["centre"].iloc[-1] == pytest.approx(168.5 / 15)
    assert chart["ucl"].iloc[-1] == pytest.approx(168.5 / 15 + 2.66 * 15.5 / 14)
    assert chart["flag"].iloc[-1] is None
    assert chart["run"].iloc[-1] == "above"
    assert chart["run"].iloc[-2] is None  # only 7 in a row there


def test_a_point_on_the_centre_breaks_a_run() -> None:
    base = [10, 30, 10, 30, 20, 20, 20, 20]  # 160 / 800 → centre 0.2 exactly
    mask = [True] * 8 + [False] * 9
    unbroken = p_chart(base + [25] * 9, [100] * 17, None, baseline=mask)
    assert unbroken["centre"].iloc[0] == pytest.approx(0.2)
    assert unbroken["run"].tolist() == [None] * 15 + ["above"] * 2
    broken = p_chart(base + [25] * 4 + [20] + [25] * 4, [100] * 17, None, baseline=mask)
    assert broken["run"].tolist() == [None] * 17


def test_run_below_centre_on_p_chart() -> None:
    # centre from the first 8 points: (8 × 25) / 800 = 0.25 … then 8 points at 0.22
    x = [25, 25, 25, 25, 25, 25, 25, 25] + [22] * 8
    chart = p_chart(x, [100] * 16, None, baseline=[True] * 8 + [False] * 8)
    assert chart["run"].tolist() == [None] * 15 + ["below"]
    assert chart["flag"].tolist() == [None] * 16


# --- watch items ---------------------------------------------------------------------


def long_frame() -> pd.DataFrame:
    rows = []
    weeks = [f"2025-W{w:02d}" for w in range(1, 11)]
    complaint = [20, 22, 19, 21, 20, 18, 22, 21, 19, 45]  # of 400: last one jumps
    for week, x in zip(weeks, complaint, strict=True):
        rows.append({"kpi": "complaint_rate", "unit": "alpha", "period": week,
                     "successes": x, "n": 400, "value": np.nan})  # fmt: skip
    for week, v in zip(weeks, [4.1, 4.2, 4.0, 4.1, 4.2, 4.1, 4.0, 4.2, 4.1, 4.15], strict=True):
        rows.append({"kpi": "csat_mean", "unit": "alpha", "period": week,
                     "successes": np.nan, "n": np.nan, "value": v})  # fmt: skip
    for week, v in zip(weeks[:5], [4.0, 4.1, 4.2, 4.0, 3.0], strict=True):
        rows.append({"kpi": "csat_mean", "unit": "beta", "period": week,
                     "successes": np.nan, "n": np.nan, "value": v})  # fmt: skip
    for week, v in zip(weeks, [4.0, 4.1] * 4 + [4.0, np.nan], strict=True):
        rows.append({"kpi": "csat_mean", "unit": "gamma", "period": week,
                     "successes": np.nan, "n": np.nan, "value": v})  # fmt: skip
    return pd.DataFrame(rows)


def test_watch_items_flags_latest_points_and_explains_skips() -> None:
    watch = watch_items(long_frame())
    items = watch.items
    assert list(items.columns) == list(anomalies.ITEM_COLUMNS)
    assert len(items) == 1
    item = items.iloc[0]
    # centre = 182 / 3600; UCL = p̄ + 3·√(p̄(1 − p̄)/400)
    centre = 182 / 3600
    assert (item["kpi"], item["unit"], item["period"]) == ("complaint_rate", "alpha", "2025-W10")
    assert (item["chart"], item["direction"], item["rule"]) == ("p", "above", "limit")
    assert item["value"] == pytest.approx(45 / 400)
    assert item["centre"] == pytest.approx(centre)
    assert item["limit"] == pytest.approx(centre + 3 * math.sqrt(centre * (1 - centre) / 400))
    assert item["n_baseline"] == 9
    skipped = watch.skipped.set_index("unit")
    assert skipped.loc["beta", "reason"] == anomalies.SHORT_HISTORY
    assert skipped.loc["beta", "n_baseline"] == 4
    assert skipped.loc["gamma", "reason"] == anomalies.NO_LATEST_VALUE


def test_watch_items_reports_a_run() -> None:
    values = [12, 10] * 4 + [11.5] * 8
    frame = pd.DataFrame(
        {"kpi": "ces", "unit": "alpha", "period": [f"p{i}" for i in range(16)], "value": values}
    )
    item = watch_items(frame).items.iloc[0]
    assert (item["chart"], item["rule"], item["direction"]) == ("xmr", "run", "above")
    assert item["limit"] == pytest.approx(item["centre"])


def test_watch_items_needs_its_columns() -> None:
    with pytest.raises(ValueError, match="successes \\+ n or value"):
        watch_items(pd.DataFrame({"kpi": ["a"], "unit": ["u"], "period": ["p"]}))
