"""Tests for reportgen.analytics.plan: the target rule on hand-computed series and the
ordering of priority actions."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from reportgen.analytics import drivers, plan
from reportgen.analytics.drivers import DriverResult
from reportgen.analytics.plan import Action, priority_actions, propose_target

# --- target rule -------------------------------------------------------------------------


def test_perfect_line_proposes_the_forecast_exactly() -> None:
    # 10, 12, 14, 16 at periods 0-3: slope 2, intercept 10, forecast 10 + 2 × 4 = 18,
    # residuals 0 → sd 0; stretch = 16, cap = 16 + 2 + 0 = 18 → the trend, 18.
    got = propose_target([10, 12, 14, 16], 16, direction=1, unit="score")
    assert got is not None
    assert (got.forecast, got.slope, got.sd, got.periods) == (18.0, 2.0, 0.0, 4)
    assert got.proposal == 18.0
    assert got.basis == plan.BASIS_TREND


def test_noisy_series_is_capped() -> None:
    # 1, 2, …, 10 then a drop to 0 (periods 0-10): x̄ = 5, ȳ = 5, Sxx = 110, Sxy = 55
    # slope 1/2, intercept 5/2, forecast 5/2 + 11/2 = 8
    # residuals 0.5x − 1.5 for x = 0..9 (Σ² = 26.25) and −7.5 (56.25): SSR = 82.5
    # sd = √(82.5 / 9) = √(55/6) = 3.027650
    # stretch = 0 + 0.5 sd = 1.513825; cap = 0 + 0.5 + 2 sd = 6.555301 < forecast 8
    got = propose_target([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0], 0, direction=1, unit="points")
    assert got is not None
    assert got.slope == pytest.approx(0.5)
    assert got.forecast == pytest.approx(8.0)
    assert got.sd == pytest.approx(math.sqrt(55 / 6))
    assert got.stretch == pytest.approx(0.5 * math.sqrt(55 / 6))
    assert got.cap == pytest.approx(0.5 + 2 * math.sqrt(55 / 6))
    assert got.proposal == pytest.approx(6.555301, abs=1e-6)
    assert got.basis == plan.BASIS_CAP


def test_flat_noisy_series_uses_the_stretch_lower_is_better() -> None:
    # hours to resolve, lower is better: 10, 12, 10, 12 (current 12)
    # x̄ = 1.5, ȳ = 11, Sxx = 5, Sxy = 2 → slope 0.4, intercept 10.4, forecast 12.0
    # residuals −0.4, 1.2, −1.2, 0.4 → SSR 3.2, sd = √(3.2/2) = √1.6 = 1.264911
    # stretch = 12 − 0.5 sd = 11.367544 (better than the forecast 12)
    # cap = 12 − (max(0, −0.4) + 2 sd) = 9.470178: not reached
    got = propose_target([10, 12, 10, 12], 12, direction=-1, unit="hours")
    assert got is not None
    assert got.slope == pytest.approx(0.4)
    assert got.forecast == pytest.approx(12.0)
    assert got.sd == pytest.approx(math.sqrt(1.6))
    assert got.cap == pytest.approx(12 - 2 * math.sqrt(1.6))
    assert got.proposal == pytest.approx(12 - 0.5 * math.sqrt(1.6))
    assert got.basis == plan.BASIS_STRETCH


def test_lower_is_better_follows_a_falling_line() -> None:
    # 30, 28, 26, 24: slope −2, forecast 22, sd 0; cap = 24 − (2 + 0) = 22
    got = propose_target([30, 28, 26, 24], 24, direction=-1, unit="hours")
    assert got is not None
    assert got.proposal == pytest.approx(22.0)
    assert got.basis == plan.BASIS_TREND


def test_unfavourable_trend_still_proposes_an_improvement() -> None:
    # falling satisfaction 5, 4, 3 (higher is better): slope −1, forecast 2, sd 0
    # stretch = 3 + 0 = 3 beats the forecast; cap = 3 + (0 + 0) = 3 → 3 (hold the level)
    got = propose_target([5, 4, 3], 3, direction=1, unit="score")
    assert got is not None
    assert got.forecast == pytest.approx(2.0)
    assert got.proposal == pytest.approx(3.0)
    assert got.basis == plan.BASIS_STRETCH


def test_ratio_is_clipped_to_one() -> None:
    # 0.90, 0.93, 0.96, 0.99: slope 0.03, forecast 1.02 (≤ cap 0.99 + 0.03) → clipped to 1
    got = propose_target([0.90, 0.93, 0.96, 0.99], 0.99, direction=1, unit="ratio")
    assert got is not None
    assert got.forecast == pytest.approx(1.02)
    assert got.proposal == 1.0
    assert got.basis == plan.BASIS_BOUND
    # the same numbers as a score are not clipped
    score = propose_target([0.90, 0.93, 0.96, 0.99], 0.99, direction=1, unit="score")
    assert score is not None and score.proposal == pytest.approx(1.02)


def test_lower_is_better_ratio_is_clipped_to_zero() -> None:
    # complaint rate 0.09, 0.06, 0.03, 0.01 — slope −0.027, forecast −0.02 → clipped at 0
    # Sxy = (−1.5)(0.0425) + (−0.5)(0.0125) + (0.5)(−0.0175) + (1.5)(−0.0375) = −0.135
    got = propose_target([0.09, 0.06, 0.03, 0.01], 0.01, direction=-1, unit="ratio")
    assert got is not None
    assert got.slope == pytest.approx(-0.135 / 5)
    assert got.forecast == pytest.approx(0.0475 + 0.027 * 1.5 - 0.027 * 4)
    assert got.proposal == 0.0
    assert got.basis == plan.BASIS_BOUND


def test_fewer_than_three_periods_gives_none() -> None:
    assert propose_target([0.5, 0.6], 0.6, direction=1, unit="ratio") is None
    assert propose_target([0.5, None, float("nan"), 0.6], 0.6, direction=1, unit="ratio") is None
    assert propose_target([1, 2, 3, 4], 4, direction=1, unit="score", window=2) is None
    assert propose_target([1, 2, 3], float("nan"), direction=1, unit="score") is None


def test_window_keeps_the_trailing_periods() -> None:
    # only 14, 16, 18 are fitted: slope 2, forecast 20
    got = propose_target([50, 1, 14, 16, 18], 18, direction=1, unit="score", window=3)
    assert got is not None
    assert (got.periods, got.forecast) == (3, pytest.approx(20.0))


def test_invalid_direction_raises() -> None:
    with pytest.raises(ValueError, match="direction must be"):
        propose_target([1, 2, 3], 3, direction=0, unit="score")


# --- priority actions --------------------------------------------------------------------


def driver_result() -> DriverResult:
    table = pd.DataFrame(
        {
            "importance": [0.20, 0.15, 0.10, 0.05],
            "importance_share": [0.40, 0.30, 0.20, 0.10],
            "relative_weight": [0.20, 0.15, 0.10, 0.05],
            "correlation": [0.6, 0.5, 0.4, 0.3],
            "mean": [3.0, 2.8, 3.4, 4.6],
            "performance": [50.0, 45.0, 60.0, 90.0],
            "rank": [1, 2, 3, 4],
            "quadrant": [drivers.FIX_FIRST, drivers.FIX_FIRST, drivers.MONITOR, drivers.SURPLUS],
        },
        index=pd.Index(["responsiveness", "price_fairness", "product_fit", "brand_trust"]),
    )
    return DriverResult(
        outcome="csat",
        n_rows=500,
        n_used=480,
        n_dropped=20,
        min_n=98,
        r2=0.5,
        table=table,
        importance_split=0.25,
        performance_split=61.25,
    )


def themes_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "theme": ["waiting", "billing", "staff", "app", "praise"],
            "comments": [40, 25, 30, 10, 50],
            "detractor_share": [0.35, 0.20, 0.20, np.nan, 0.0],
            "share_change": [0.05, np.nan, -0.02, 0.01, 0.0],
        }
    )


def test_fix_first_drivers_come_before_themes() -> None:
    actions = priority_actions(driver_result(), themes_frame(), max_actions=3)
    assert [(a.priority, a.kind, a.subject) for a in actions] == [
        (1, "driver", "responsiveness"),
        (2, "driver", "price_fairness"),
        (3, "theme", "waiting"),
    ]
    first = actions[0]
    assert first == Action(
        priority=1,
        kind="driver",
        subject="responsiveness",
        importance_share=0.40,
        performance=50.0,
        gap_to_best=40.0,  # best performer: brand_trust at 90
    )
    assert actions[2].detractor_share == 0.35 and actions[2].share_change == 0.05
    assert actions[2].comments == 40


def test_themes_by_detractor_share_then_comments() -> None:
    actions = priority_actions(None, themes_frame(), max_actions=5)
    # billing and staff tie at 0.20: staff has more comments; app (no share) and
    # praise (no detractor mentions it) are not actions
    assert [a.subject for a in actions] == ["waiting", "staff", "billing"]
    assert actions[2].share_change is None
    assert all(a.importance_share is None for a in actions)


def test_no_inputs_or_no_table_gives_no_driver_actions() -> None:
    assert priority_actions(None, None) == []
    empty = DriverResult(
        "csat", 10, 0, 10, 98, math.nan, None, math.nan, math.nan, reason="too_few_responses"
    )
    assert priority_actions(empty, None) == []
    assert [a.subject for a in priority_actions(driver_result(), None, max_actions=1)] == [
        "responsiveness"
    ]


def test_themes_frame_must_have_the_agreed_columns() -> None:
    with pytest.raises(ValueError, match="share_change"):
        priority_actions(None, themes_frame().drop(columns=["share_change"]))


def test_a_theme_whose_share_rests_on_too_few_rated_comments_is_no_action() -> None:
    # "4 comments, 100% of the rated ones from detractors" is no claim a board acts on
    themes = themes_frame().assign(rated=[40, 4, 30, 10, 50])
    assert [a.subject for a in priority_actions(None, themes, max_actions=5, min_rated=30)] == [
        "waiting",
        "staff",
    ]
    # without the rated column, the comments count stands in for it
    assert [a.subject for a in priority_actions(None, themes_frame(), min_rated=30)] == [
        "waiting",
        "staff",
    ]
