"""Tests for reportgen.analytics.drivers: hand-computed oracles, a planted truth and a
published reference (the `attitude` data)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from reportgen.analytics import drivers
from reportgen.analytics.drivers import (
    driver_analysis,
    quadrant,
    relative_weights,
    shapley_r2,
)


def corr_matrix(names: list[str], values: list[list[float]]) -> pd.DataFrame:
    return pd.DataFrame(values, index=names, columns=names)


# --- decomposition from a correlation matrix ---------------------------------------------


def test_uncorrelated_predictors_importance_is_squared_correlation() -> None:
    # R_xx = I: R² = Σ r_i² = 0.25 + 0.09 + 0.04 = 0.38, and every order of entry adds r_i².
    corr = corr_matrix(
        ["y", "a", "b", "c"],
        [
            [1.0, 0.5, 0.3, 0.2],
            [0.5, 1.0, 0.0, 0.0],
            [0.3, 0.0, 1.0, 0.0],
            [0.2, 0.0, 0.0, 1.0],
        ],
    )
    shapley = shapley_r2(corr, "y", ["a", "b", "c"])
    assert shapley.to_dict() == pytest.approx({"a": 0.25, "b": 0.09, "c": 0.04}, abs=1e-12)
    assert shapley.sum() == pytest.approx(0.38, abs=1e-12)
    # Johnson's weights agree exactly: L = I, β = r_xy, ε = r²
    weights = relative_weights(corr, "y", ["a", "b", "c"])
    assert weights.to_dict() == pytest.approx({"a": 0.25, "b": 0.09, "c": 0.04}, abs=1e-12)


def test_two_predictors_match_hand_computed_shapley() -> None:
    # r_1y = 0.6, r_2y = 0.4, r_12 = 0.5
    # R²_1 = 0.36, R²_2 = 0.16
    # R²_12 = (r_1y² + r_2y² − 2 r_1y r_2y r_12) / (1 − r_12²) = (0.52 − 0.24) / 0.75 = 0.373333
    # Shapley_1 = (R²_1 + R²_12 − R²_2) / 2 = (0.36 + 0.373333 − 0.16) / 2 = 0.286667
    # Shapley_2 = (R²_2 + R²_12 − R²_1) / 2 = (0.16 + 0.373333 − 0.36) / 2 = 0.086667
    corr = corr_matrix(
        ["y", "x1", "x2"],
        [[1.0, 0.6, 0.4], [0.6, 1.0, 0.5], [0.4, 0.5, 1.0]],
    )
    shapley = shapley_r2(corr, "y", ["x1", "x2"])
    assert shapley["x1"] == pytest.approx(0.86 / 3, abs=1e-12)
    assert shapley["x2"] == pytest.approx(0.26 / 3, abs=1e-12)
    assert shapley.sum() == pytest.approx(0.28 / 0.75, abs=1e-12)
    assert relative_weights(corr, "y", ["x1", "x2"]).sum() == pytest.approx(0.28 / 0.75)


def test_relative_weights_close_to_shapley_when_mildly_correlated() -> None:
    names = ["a", "b", "c", "d"]
    rxx = np.full((4, 4), 0.2) + 0.8 * np.eye(4)
    rxy = np.array([0.55, 0.45, 0.35, 0.25])
    full = np.block([[np.ones((1, 1)), rxy[None, :]], [rxy[:, None], rxx]])
    corr = pd.DataFrame(full, index=["y", *names], columns=["y", *names])
    shapley = shapley_r2(corr, "y", names)
    weights = relative_weights(corr, "y", names)
    r2 = float(rxy @ np.linalg.solve(rxx, rxy))
    assert shapley.sum() == pytest.approx(r2, abs=1e-12)
    assert weights.sum() == pytest.approx(r2, abs=1e-12)
    assert (weights - shapley).abs().max() < 0.005
    assert list(weights.sort_values(ascending=False).index) == names


def test_attitude_data_matches_published_dominance_analysis() -> None:
    # R's `attitude` data (Chatterjee & Price), as in vincentarelbundock/Rdatasets.
    # Published reference: README of the R package `dominanceanalysis` (clbustos),
    # `averageContribution(dominanceAnalysis(lm(rating ~ ., attitude)))`, printed to 3 dp:
    # complaints 0.371, privileges 0.051, learning 0.156, raises 0.120, critical 0.007,
    # advance 0.028; the full model's r² 0.733 and single-predictor r² 0.681, 0.182,
    # 0.389, 0.348, 0.024, 0.024.
    data = pd.read_csv(io.StringIO(ATTITUDE))
    names = ["complaints", "privileges", "learning", "raises", "critical", "advance"]
    shapley = shapley_r2(data.corr(), "rating", names)
    assert shapley.round(3).to_dict() == {
        "complaints": 0.371,
        "privileges": 0.051,
        "learning": 0.156,
        "raises": 0.120,
        "critical": 0.007,
        "advance": 0.028,
    }
    assert round(shapley.sum(), 3) == 0.733
    single = data.corr().loc[names, "rating"] ** 2
    assert single.round(3).tolist() == [0.681, 0.182, 0.389, 0.348, 0.024, 0.024]


def test_collinear_predictors_share_their_contribution() -> None:
    # b duplicates a: the matrix is singular; the pseudo-inverse gives R²({a, b}) = R²(a),
    # so the symmetric pair splits r_ay² = 0.36 equally.
    corr = corr_matrix(
        ["y", "a", "b"],
        [[1.0, 0.6, 0.6], [0.6, 1.0, 1.0], [0.6, 1.0, 1.0]],
    )
    shapley = shapley_r2(corr, "y", ["a", "b"])
    assert shapley.to_dict() == pytest.approx({"a": 0.18, "b": 0.18}, abs=1e-9)
    assert relative_weights(corr, "y", ["a", "b"]).sum() == pytest.approx(0.36, abs=1e-9)


@pytest.mark.parametrize(
    ("outcome", "predictors", "message"),
    [
        ("y", [], "empty"),
        ("y", ["a", "a"], "duplicate"),
        ("y", ["y"], "also listed"),
        ("y", ["zz"], "not in the correlation matrix"),
    ],
)
def test_invalid_arguments_raise(outcome: str, predictors: list[str], message: str) -> None:
    corr = corr_matrix(["y", "a"], [[1.0, 0.3], [0.3, 1.0]])
    with pytest.raises(ValueError, match=message):
        shapley_r2(corr, outcome, predictors)


# --- driver analysis over response rows --------------------------------------------------

PLANTED = ["a1", "a2", "a3", "a4", "a5", "a6"]
PLANTED_BETA = np.array([0.50, 0.35, 0.25, 0.15, 0.08, 0.02])


def planted_responses(n: int = 5000, seed: int = 20250601) -> pd.DataFrame:
    """Attributes sharing a common factor (pairwise correlation 0.36), outcome =
    Σ β_i a_i + noise with β decreasing from a1 to a6."""
    rng = np.random.default_rng(seed)
    common = rng.normal(size=(n, 1))
    x = 0.6 * common + 0.8 * rng.normal(size=(n, len(PLANTED)))
    y = x @ PLANTED_BETA + 0.6 * rng.normal(size=n)
    frame = pd.DataFrame(3.5 + 0.8 * x, columns=PLANTED)
    frame["csat"] = 3.8 + 0.5 * y
    return frame


def test_planted_truth_ranking_and_r2() -> None:
    frame = planted_responses()
    result = driver_analysis(frame, "csat", PLANTED)
    assert result.ok and result.reason is None
    assert result.n_used == 5000 and result.n_dropped == 0
    table = result.table
    assert table is not None
    assert list(table.index) == PLANTED
    assert table["rank"].tolist() == [1, 2, 3, 4, 5, 6]
    # importances add up to the sample R² of the OLS fit with an intercept
    design = np.column_stack([np.ones(len(frame)), frame[PLANTED].to_numpy()])
    coef, *_ = np.linalg.lstsq(design, frame["csat"].to_numpy(), rcond=None)
    residual = frame["csat"].to_numpy() - design @ coef
    sample_r2 = 1 - residual.var() / frame["csat"].var(ddof=0)
    assert result.r2 == pytest.approx(sample_r2, abs=1e-10)
    assert table["importance"].sum() == pytest.approx(sample_r2, abs=1e-10)
    assert table["importance_share"].sum() == pytest.approx(1.0, abs=1e-12)
    assert table["relative_weight"].sum() == pytest.approx(sample_r2, abs=1e-10)
    assert table["correlation"]["a1"] == pytest.approx(frame["csat"].corr(frame["a1"]))


def test_listwise_deletion_counts_rows_used_and_dropped() -> None:
    frame = planted_responses(n=400, seed=7)
    frame.loc[0:9, "a3"] = np.nan
    frame.loc[5:24, "csat"] = np.nan  # rows 5-9 overlap with the missing a3
    result = driver_analysis(frame, "csat", PLANTED, min_n=100)
    assert (result.n_rows, result.n_used, result.n_dropped) == (400, 375, 25)


def test_performance_rescaled_with_each_attribute_scale() -> None:
    frame = pd.DataFrame(
        {
            "csat": [1, 2, 3, 4, 5, 4, 3, 2, 5, 1, 3, 4],
            "speed": [2, 3, 3, 5, 5, 4, 3, 2, 4, 1, 3, 5],  # 1-5, mean 40/12
            "price": [3, 5, 6, 8, 10, 7, 6, 4, 9, 0, 5, 9],  # 0-10, mean 72/12 = 6
        }
    )
    result = driver_analysis(
        frame,
        "csat",
        ["speed", "price"],
        min_n=10,
        scale_min={"price": 0},
        scale_max={"price": 10},
    )
    table = result.table
    assert table is not None
    # speed: default attribute scale 1-5 → (40/12 − 1) / 4 × 100 = 58.333
    assert table.loc["speed", "mean"] == pytest.approx(40 / 12)
    assert table.loc["speed", "performance"] == pytest.approx((40 / 12 - 1) / 4 * 100)
    # price: 0-10 → 6 / 10 × 100 = 60
    assert table.loc["price", "performance"] == pytest.approx(60.0)
    assert result.performance_split == pytest.approx((58.0 + 1 / 3 + 60.0) / 2)


def test_constant_attribute_is_dropped_and_reported() -> None:
    frame = planted_responses(n=300, seed=11)
    frame["a6"] = 4.0
    result = driver_analysis(frame, "csat", PLANTED)
    assert result.ok
    assert result.dropped == (("a6", drivers.CONSTANT),)
    assert result.table is not None and "a6" not in result.table.index
    assert result.importance_split == pytest.approx(1 / 5)


def test_attribute_not_rated_or_not_in_data_is_dropped_without_losing_rows() -> None:
    frame = planted_responses(n=300, seed=12)
    frame["a5"] = np.nan
    frame = frame.drop(columns=["a6"])
    result = driver_analysis(frame, "csat", PLANTED)
    assert result.ok and result.n_used == 300
    assert result.dropped == (("a5", drivers.TOO_FEW_RATINGS), ("a6", drivers.MISSING_COLUMN))


def test_below_min_n_returns_reason_and_no_table() -> None:
    frame = planted_responses(n=97, seed=13)  # default min n = 50 + 8 × 6 = 98
    result = driver_analysis(frame, "csat", PLANTED)
    assert not result.ok
    assert result.reason == drivers.TOO_FEW_RESPONSES
    assert result.table is None and result.min_n == 98
    assert np.isnan(result.r2)
    assert result.fix_first() == ()
    assert driver_analysis(frame, "csat", PLANTED, min_n=90).ok


def test_complete_rows_below_min_n_after_listwise_deletion() -> None:
    frame = planted_responses(n=120, seed=14)
    frame.loc[0:14, "a2"] = np.nan  # each attribute keeps 105 ratings (≥ min n) ...
    frame.loc[15:29, "a3"] = np.nan  # ... but only 90 rows are complete
    result = driver_analysis(frame, "csat", PLANTED, min_n=100)
    assert result.reason == drivers.TOO_FEW_RESPONSES
    assert (result.n_used, result.n_dropped) == (90, 30)


def test_constant_outcome_returns_reason() -> None:
    frame = planted_responses(n=200, seed=15)
    frame["csat"] = 5
    assert driver_analysis(frame, "csat", PLANTED).reason == drivers.OUTCOME_CONSTANT


def test_collinear_attributes_are_noted_not_fatal() -> None:
    frame = planted_responses(n=300, seed=16)
    frame["a1_copy"] = frame["a1"]
    result = driver_analysis(frame, "csat", [*PLANTED, "a1_copy"])
    assert result.ok and drivers.COLLINEAR in result.notes
    table = result.table
    assert table is not None
    assert table.loc["a1", "importance"] == pytest.approx(table.loc["a1_copy", "importance"])


def test_invalid_driver_arguments_raise() -> None:
    frame = planted_responses(n=100, seed=17)
    with pytest.raises(ValueError, match="outcome column 'ltr'"):
        driver_analysis(frame, "ltr", PLANTED)
    with pytest.raises(ValueError, match="scale max must be greater"):
        driver_analysis(frame, "csat", PLANTED, scale_min={"a1": 5}, scale_max={"a1": 5})


# --- quadrants -----------------------------------------------------------------------


def test_quadrant_assignment_on_hand_example() -> None:
    # four attributes: split at 1/4 = 0.25 importance share and at the mean performance
    # (50 + 80 + 40 + 90) / 4 = 65
    shares = {"a": 0.40, "b": 0.30, "c": 0.20, "d": 0.10}
    performance = {"a": 50.0, "b": 80.0, "c": 40.0, "d": 90.0}
    got = {k: quadrant(shares[k], performance[k], 0.25, 65.0) for k in shares}
    assert got == {
        "a": drivers.FIX_FIRST,
        "b": drivers.MAINTAIN,
        "c": drivers.MONITOR,
        "d": drivers.SURPLUS,
    }
    # at the split counts as high on both axes
    assert quadrant(0.25, 65.0, 0.25, 65.0) == drivers.MAINTAIN


def test_driver_table_quadrants_and_fix_first_order() -> None:
    frame = planted_responses(n=2000, seed=18)
    # a1 and a2 matter most: make a2 the weakest, a1 weak too, a3 strong
    frame["a1"] -= 0.6
    frame["a2"] -= 0.9
    frame["a3"] += 0.5
    result = driver_analysis(frame, "csat", PLANTED)
    table = result.table
    assert table is not None
    assert result.importance_split == pytest.approx(1 / 6)
    for attribute, row in table.iterrows():
        expected = quadrant(
            row["importance_share"],
            row["performance"],
            result.importance_split,
            result.performance_split,
        )
        assert row["quadrant"] == expected, attribute
    assert table.loc["a1", "quadrant"] == drivers.FIX_FIRST
    assert table.loc["a2", "quadrant"] == drivers.FIX_FIRST
    assert result.fix_first() == ("a1", "a2")
    assert result.fix_first(limit=1) == ("a1",)


ATTITUDE = """rating,complaints,privileges,learning,raises,critical,advance
43,51,30,39,61,92,45
63,64,51,54,63,73,47
71,70,68,69,76,86,48
61,63,45,47,54,84,35
81,78,56,66,71,83,47
43,55,49,44,54,49,34
58,67,42,56,66,68,35
71,75,50,55,70,66,41
72,82,72,67,71,83,31
67,61,45,47,62,80,41
64,53,53,58,58,67,34
67,60,47,39,59,74,41
69,62,57,42,55,63,25
68,83,83,45,59,77,35
77,77,54,72,79,77,46
81,90,50,72,60,54,36
74,85,64,69,79,79,63
65,60,65,75,55,80,60
65,70,46,57,75,85,46
50,58,68,54,64,78,52
50,40,33,34,43,64,33
64,61,52,62,66,80,41
53,66,52,50,63,80,37
40,37,42,58,50,57,49
63,54,42,48,66,75,33
66,77,66,63,88,76,72
78,75,58,74,80,78,49
48,57,44,45,51,83,38
85,85,71,71,77,74,55
82,82,39,59,64,78,39
"""
