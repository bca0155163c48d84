"""Tests for reportgen.stats against hand-computed and published reference values.

z95 = 1.959964 (standard normal 97.5% quantile), z95² = 3.841459.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as sps

from reportgen import stats

Z95 = 1.959963984540054


# --- Wilson interval ---------------------------------------------------------------------


def test_wilson_matches_newcombe_published_example() -> None:
    # Newcombe (1998), Stat. Med. 17:857, worked example, method 3 (Wilson score):
    # 81/263 -> 0.2553 to 0.3662.
    # By hand: p = 81/263 = 0.307985, p(1-p) = 0.213130, z²/(4n) = 0.003652
    # centre = (81 + z²/2)/(263 + z²) = 82.920729/266.841459 = 0.310749
    # half   = z·√263/266.841459 · √(0.213130 + 0.003652) = 0.119117 · 0.465598 = 0.055461
    # -> (0.255288, 0.366210)
    ci = stats.wilson_interval(81, 263)
    assert round(ci.low, 4) == 0.2553
    assert round(ci.high, 4) == 0.3662


def test_wilson_zero_successes_has_exact_zero_lower_bound() -> None:
    # x = 0: centre = half = (z²/2)/(n + z²), so low = 0 and high = z²/(n + z²)
    # = 3.841459/13.841459 = 0.277533
    ci = stats.wilson_interval(0, 10)
    assert ci.low == 0.0
    assert ci.high == pytest.approx(0.277533, abs=1e-6)


def test_wilson_all_successes_has_exact_unit_upper_bound() -> None:
    # x = n: mirror image of x = 0, low = n/(n + z²) = 10/13.841459 = 0.722467
    ci = stats.wilson_interval(10, 10)
    assert ci.high == 1.0
    assert ci.low == pytest.approx(0.722467, abs=1e-6)


@pytest.mark.parametrize("confidence", [0.90, 0.95, 0.99])
@pytest.mark.parametrize("n", [1, 2, 3, 5, 9, 12, 15, 263])
def test_wilson_bounds_at_the_edges_are_exact_despite_rounding(n: int, confidence: float) -> None:
    # centre − half and centre + half miss 0 and 1 by ~1e-17 in floating point for many
    # of these (n, confidence) pairs (e.g. n = 5 at 95%, n = 1 at 90%); a proportion
    # bound of −2.8e-17 would print as "-0.0%".
    assert stats.wilson_interval(0, n, confidence).low == 0.0
    assert stats.wilson_interval(n, n, confidence).high == 1.0


def test_wilson_is_symmetric_under_swapping_successes_and_failures() -> None:
    ci = stats.wilson_interval(7, 30)
    mirrored = stats.wilson_interval(23, 30)
    assert ci.low == pytest.approx(1 - mirrored.high, abs=1e-12)
    assert ci.high == pytest.approx(1 - mirrored.low, abs=1e-12)


def test_wilson_higher_confidence_gives_wider_interval() -> None:
    narrow = stats.wilson_interval(40, 100, confidence=0.90)
    wide = stats.wilson_interval(40, 100, confidence=0.99)
    assert wide.low < narrow.low < 0.4 < narrow.high < wide.high


def test_wilson_empty_sample_is_nan() -> None:
    ci = stats.wilson_interval(0, 0)
    assert math.isnan(ci.low) and math.isnan(ci.high)


@pytest.mark.parametrize(
    ("successes", "n", "confidence"),
    [(11, 10, 0.95), (-1, 10, 0.95), (3, 10, 1.0), (3, 10, 0.0)],
)
def test_wilson_rejects_invalid_input(successes: int, n: int, confidence: float) -> None:
    with pytest.raises(ValueError):
        stats.wilson_interval(successes, n, confidence)


# --- Mean interval -----------------------------------------------------------------------


def test_mean_interval_matches_t_table() -> None:
    # mean 10, s² = 4, n = 16: se = √(4/16) = 0.5; t(0.975, 15) = 2.131 (t table)
    # half = 2.131 · 0.5 = 1.0655 -> (8.9345, 11.0655) to the table's precision
    ci = stats.mean_interval(10.0, 4.0, 16)
    assert ci.low == pytest.approx(8.9345, abs=5e-4)
    assert ci.high == pytest.approx(11.0655, abs=5e-4)


def test_mean_interval_matches_scipy_on_raw_values() -> None:
    x = np.array([3.0, 4.0, 4.0, 5.0, 7.0, 8.0, 9.0])
    expected = sps.t.interval(0.90, len(x) - 1, loc=x.mean(), scale=sps.sem(x))
    ci = stats.mean_interval(float(x.mean()), float(x.var(ddof=1)), len(x), confidence=0.90)
    assert (ci.low, ci.high) == pytest.approx(expected, rel=1e-12)


def test_mean_interval_with_zero_variance_collapses_to_the_mean() -> None:
    assert stats.mean_interval(4.2, 0.0, 5) == stats.Interval(4.2, 4.2)


@pytest.mark.parametrize("n", [0, 1])
def test_mean_interval_is_nan_below_two_observations(n: int) -> None:
    ci = stats.mean_interval(4.0, 1.0, n)
    assert math.isnan(ci.low) and math.isnan(ci.high)


# --- NPS estimate ------------------------------------------------------------------------


def test_nps_estimate_hand_example() -> None:
    # 50/30/20 of n = 100: NPS = 100·(0.5 − 0.2) = 30
    # var = 0.5 + 0.2 − 0.3² = 0.61; se = 100·√(0.61/100) = 7.8102; MoE = 1.96·se = 15.3078
    est = stats.nps_estimate(50, 30, 20)
    assert est.score == pytest.approx(30.0, abs=1e-12)
    assert est.standard_error == pytest.approx(7.8102, abs=1e-4)
    assert est.margin_of_error == pytest.approx(15.3078, abs=1e-4)
    assert (est.n, est.promoters, est.passives, est.detractors) == (100, 50, 30, 20)


def test_nps_margin_of_error_scales_with_confidence() -> None:
    # 90%: z = 1.644854, MoE = 1.644854 · 7.810250 = 12.8467
    est = stats.nps_estimate(50, 30, 20, confidence=0.90)
    assert est.margin_of_error == pytest.approx(12.8467, abs=1e-4)


@pytest.mark.parametrize(
    ("counts", "score"), [((12, 0, 0), 100.0), ((0, 0, 12), -100.0), ((0, 12, 0), 0.0)]
)
def test_nps_of_a_single_category_has_no_uncertainty(
    counts: tuple[int, int, int], score: float
) -> None:
    # var = p_P + p_D − (p_P − p_D)² = 1 + 0 − 1 = 0 (or 0 + 1 − 1, or 0 + 0 − 0)
    est = stats.nps_estimate(*counts)
    assert est.score == score
    assert est.margin_of_error == 0.0
    assert est.standard_error == 0.0


def test_nps_of_empty_sample_is_nan() -> None:
    est = stats.nps_estimate(0, 0, 0)
    assert math.isnan(est.score) and math.isnan(est.margin_of_error)
    assert math.isnan(est.standard_error)
    assert est.n == 0


def test_nps_rejects_negative_counts() -> None:
    with pytest.raises(ValueError, match="detractors"):
        stats.nps_estimate(5, 5, -1)


# --- Two-proportion test -----------------------------------------------------------------


def test_two_proportion_z_hand_example() -> None:
    # 60/100 vs 45/100: pooled p = 105/200 = 0.525, p(1-p) = 0.249375
    # se = √(0.249375 · (1/100 + 1/100)) = √0.0049875 = 0.0706222
    # z = (0.60 − 0.45)/0.0706222 = 2.123977; p = erfc(z/√2) = 0.033672
    result = stats.two_proportion_test(60, 100, 45, 100)
    assert result is not None
    assert result.test == "two_proportion_z"
    assert result.statistic == pytest.approx(2.123977, abs=1e-6)
    assert result.p_value == pytest.approx(math.erfc(2.123977 / math.sqrt(2)), abs=1e-6)
    assert result.p_value == pytest.approx(0.033672, abs=1e-6)
    assert result.df is None


def test_two_proportion_z_squared_equals_uncorrected_chi_square() -> None:
    # The pooled z-test is the 2x2 Pearson chi-square test without Yates' correction.
    chi2, p, _, _ = sps.chi2_contingency([[130, 270], [95, 305]], correction=False)
    result = stats.two_proportion_test(130, 400, 95, 400)
    assert result is not None
    assert result.statistic**2 == pytest.approx(chi2, rel=1e-10)
    assert result.p_value == pytest.approx(p, rel=1e-10)


def test_two_proportion_uses_fisher_for_lady_tasting_tea() -> None:
    # Fisher's tea table [[3,1],[1,3]]: expected counts 2 < 5 -> exact test.
    # Hypergeometric P(a=k) = C(4,k)²/70 = 1, 16, 36, 16, 1 (/70); two-sided p sums the
    # tables no more likely than the observed one: (1 + 16 + 16 + 1)/70 = 0.485714.
    # Odds ratio = (3·3)/(1·1) = 9.
    result = stats.two_proportion_test(3, 4, 1, 4)
    assert result is not None
    assert result.test == "fisher_exact"
    assert result.p_value == pytest.approx(34 / 70, abs=1e-12)
    assert result.p_value == pytest.approx(sps.fisher_exact([[3, 1], [1, 3]]).pvalue, abs=1e-12)
    assert result.statistic == pytest.approx(9.0)


def test_two_proportion_switches_to_fisher_just_below_five_expected() -> None:
    # 5/10 vs 5/10 -> pooled 0.5, smallest expected count 5.0: z-test.
    # 6/10 vs 3/10 -> pooled 0.45, smallest expected count 4.5: Fisher.
    at_five = stats.two_proportion_test(5, 10, 5, 10)
    below_five = stats.two_proportion_test(6, 10, 3, 10)
    assert at_five is not None and below_five is not None
    assert at_five.test == "two_proportion_z"
    assert below_five.test == "fisher_exact"
    assert below_five.p_value == pytest.approx(sps.fisher_exact([[6, 4], [3, 7]]).pvalue)


@pytest.mark.parametrize(("x1", "n1", "x2", "n2"), [(0, 20, 0, 300), (20, 20, 300, 300)])
def test_two_proportion_without_variation_is_not_significant(
    x1: int, n1: int, x2: int, n2: int
) -> None:
    result = stats.two_proportion_test(x1, n1, x2, n2)
    assert result is not None
    assert result.p_value == 1.0
    assert result.statistic == 0.0


def test_two_proportion_with_empty_side_is_none() -> None:
    assert stats.two_proportion_test(0, 0, 5, 10) is None
    assert stats.two_proportion_test(5, 10, 0, 0) is None


def test_two_proportion_rejects_more_successes_than_trials() -> None:
    with pytest.raises(ValueError, match="x2=11"):
        stats.two_proportion_test(1, 10, 11, 10)


# --- NPS difference test -----------------------------------------------------------------


def test_nps_difference_hand_example() -> None:
    # Side 1: 50/30/20 -> NPS 30, se² = 100²·0.61/100 = 61
    # Side 2: 40/30/30 -> NPS 10, var = 0.4 + 0.3 − 0.1² = 0.69, se² = 69
    # z = (30 − 10)/√(61 + 69) = 20/11.401754 = 1.754116; p = erfc(z/√2) = 0.079411
    result = stats.nps_difference_test(50, 30, 20, 40, 30, 30)
    assert result is not None
    assert result.test == "nps_z"
    assert result.statistic == pytest.approx(1.754116, abs=1e-6)
    assert result.p_value == pytest.approx(0.079411, abs=1e-6)
    assert not result.significant(0.05)
    assert result.significant(0.10)


def test_nps_difference_is_antisymmetric() -> None:
    forward = stats.nps_difference_test(50, 30, 20, 40, 30, 30)
    backward = stats.nps_difference_test(40, 30, 30, 50, 30, 20)
    assert forward is not None and backward is not None
    assert backward.statistic == pytest.approx(-forward.statistic)
    assert backward.p_value == pytest.approx(forward.p_value)


def test_nps_difference_zero_variance_equal_scores() -> None:
    result = stats.nps_difference_test(10, 0, 0, 25, 0, 0)
    assert result is not None
    assert (result.statistic, result.p_value) == (0.0, 1.0)


def test_nps_difference_zero_variance_different_scores() -> None:
    # All promoters (NPS 100, exact) vs all detractors (NPS −100, exact).
    result = stats.nps_difference_test(10, 0, 0, 0, 0, 10)
    assert result is not None
    assert result.statistic == math.inf
    assert result.p_value == 0.0


def test_nps_difference_with_empty_side_is_none() -> None:
    assert stats.nps_difference_test(0, 0, 0, 5, 5, 5) is None
    assert stats.nps_difference_test(5, 5, 5, 0, 0, 0) is None


# --- Welch t-test ------------------------------------------------------------------------


def test_welch_hand_example() -> None:
    # m1 = 10, s1² = 4, n1 = 10 -> s1²/n1 = 0.4;  m2 = 8, s2² = 9, n2 = 15 -> s2²/n2 = 0.6
    # t = 2/√(0.4 + 0.6) = 2
    # df = 1.0² / (0.4²/9 + 0.6²/14) = 1/(0.0177778 + 0.0257143) = 22.99270
    # t table, df = 23: two-sided 5% critical value 2.069, 10% 1.714 -> 0.05 < p < 0.10
    result = stats.welch_t_test(10.0, 4.0, 10, 8.0, 9.0, 15)
    assert result is not None
    assert result.test == "welch_t"
    assert result.statistic == pytest.approx(2.0, abs=1e-12)
    assert result.df == pytest.approx(22.99270, abs=1e-5)
    assert 0.05 < result.p_value < 0.10
    assert result.p_value == pytest.approx(2 * sps.t.sf(2.0, 22.99270), abs=1e-6)


def test_welch_matches_scipy_on_raw_arrays() -> None:
    a = np.array([4.0, 5.0, 5.0, 6.0, 7.0, 9.0, 10.0])
    b = np.array([2.0, 3.0, 3.5, 5.0, 4.0])
    expected = sps.ttest_ind(a, b, equal_var=False)
    result = stats.welch_t_test(
        float(a.mean()), float(a.var(ddof=1)), len(a), float(b.mean()), float(b.var(ddof=1)), len(b)
    )
    assert result is not None
    assert result.statistic == pytest.approx(expected.statistic, rel=1e-12)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-10)
    assert result.df == pytest.approx(expected.df, rel=1e-12)


def test_welch_with_one_constant_side_has_other_sides_df() -> None:
    # s1² = 0: df = (s2²/n2)² / ((s2²/n2)²/(n2 − 1)) = n2 − 1 = 7
    result = stats.welch_t_test(5.0, 0.0, 4, 4.0, 2.0, 8)
    assert result is not None
    assert result.df == pytest.approx(7.0)
    # t = 1/√(2/8) = 2
    assert result.statistic == pytest.approx(2.0)


def test_welch_zero_variances_equal_means() -> None:
    result = stats.welch_t_test(3.0, 0.0, 5, 3.0, 0.0, 9)
    assert result is not None
    assert (result.statistic, result.p_value, result.df) == (0.0, 1.0, None)


def test_welch_zero_variances_different_means() -> None:
    result = stats.welch_t_test(3.0, 0.0, 5, 4.0, 0.0, 9)
    assert result is not None
    assert result.statistic == -math.inf
    assert result.p_value == 0.0
    assert result.significant(0.001)


@pytest.mark.parametrize(("n1", "n2"), [(1, 10), (10, 1), (0, 0)])
def test_welch_needs_two_observations_per_side(n1: int, n2: int) -> None:
    assert stats.welch_t_test(1.0, 1.0, n1, 2.0, 1.0, n2) is None


# --- TestResult --------------------------------------------------------------------------


def test_significance_is_strictly_below_alpha() -> None:
    assert stats.TestResult("welch_t", 2.0, 0.049).significant(0.05)
    assert not stats.TestResult("welch_t", 2.0, 0.05).significant(0.05)
    assert not stats.TestResult("welch_t", 2.0, 0.049).significant(0.01)
    assert not stats.TestResult("welch_t", math.nan, math.nan).significant()


# --- moments_from_sums -------------------------------------------------------------------


def test_moments_from_sums_hand_example() -> None:
    # x = 2, 4, 4, 4, 5, 5, 7, 9: Σx = 40, Σx² = 4 + 3·16 + 2·25 + 49 + 81 = 232
    # mean = 40/8 = 5; s² = (232 − 40²/8)/7 = 32/7 = 4.571429
    mean, variance = stats.moments_from_sums(8, 40.0, 232.0)
    assert mean == 5.0
    assert variance == pytest.approx(32 / 7, rel=1e-15)


# Tolerance: relative error of the sums formula is about 10·ε·(mean/sd)² (ε = 2.2e-16):
# 1e-9 is ample for offsets up to 1e3 with sd 1; around 1e6 it is ~5e-4, asserted < 1e-3.
@pytest.mark.parametrize(("offset", "rtol"), [(0.0, 1e-9), (1e3, 1e-9), (1e6, 1e-3)])
@pytest.mark.parametrize("seed", range(5))
def test_moments_from_sums_agree_with_numpy(offset: float, rtol: float, seed: int) -> None:
    x = offset + np.random.default_rng(seed).normal(0.0, 1.0, 1000)
    mean, variance = stats.moments_from_sums(len(x), float(x.sum()), float((x * x).sum()))
    assert mean == pytest.approx(x.mean(), rel=1e-14)
    assert variance == pytest.approx(x.var(ddof=1), rel=rtol)


def test_moments_from_sums_clamps_rounding_negatives_to_zero() -> None:
    x = np.full(1000, 123456.789)
    total, total_sq = float(x.sum()), float((x * x).sum())
    assert total_sq - total * total / 1000 < 0  # the formula really goes negative here
    mean, variance = stats.moments_from_sums(1000, total, total_sq)
    assert mean == pytest.approx(123456.789, rel=1e-14)
    assert variance == 0.0


def test_moments_from_sums_rejects_inconsistent_sums() -> None:
    # Σx = 10 over 2 values forces Σx² >= 50 (Cauchy–Schwarz); 10 is impossible.
    with pytest.raises(ValueError, match="inconsistent"):
        stats.moments_from_sums(2, 10.0, 10.0)


def test_moments_from_sums_single_observation_has_no_variance() -> None:
    mean, variance = stats.moments_from_sums(1, 7.5, 56.25)
    assert mean == 7.5
    assert math.isnan(variance)


def test_moments_from_sums_empty() -> None:
    mean, variance = stats.moments_from_sums(0, 0.0, 0.0)
    assert math.isnan(mean) and math.isnan(variance)


# --- Test-per-kind documentation ---------------------------------------------------------


def test_every_kpi_kind_has_a_documented_test() -> None:
    assert set(stats.TEST_FOR_KIND) == {"proportion", "nps", "mean", "median", "ratio"}
    assert stats.TEST_FOR_KIND["median"].startswith("Not tested")
    assert "Welch" in stats.TEST_FOR_KIND["ratio"]
    assert "Fisher" in stats.TEST_FOR_KIND["proportion"]
    doc = stats.__doc__ or ""
    for kind in stats.TEST_FOR_KIND:
        assert f"\n{kind} " in doc, kind


# -- two figures of the results frames against each other (segments, channels, units) --


def _kpi(kind: str):
    from reportgen.engine.registry import KpiDef

    return KpiDef(
        id="k", stage="responses", kind=kind, unit="ratio", direction=1,
        labels={"en": "k"}, definitions={"en": "k"}, components=lambda t, p: {},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "a", "b"),
    [
        ("proportion", {"x": 150, "n": 200}, {"x": 120, "n": 200}),
        ("proportion", {"x": 4, "n": 9}, {"x": 1, "n": 12}),  # Fisher's exact
        ("nps", {"promoters": 80, "passives": 60, "detractors": 60},
         {"promoters": 50, "passives": 70, "detractors": 80}),
        ("mean", {"n": 50, "sum": 190.0, "sumsq": 780.0}, {"n": 40, "sum": 140.0, "sumsq": 530.0}),
    ],
)  # fmt: skip
def test_compare_figures_recovers_the_test_of_the_components(kind, a, b):
    # The slides compare segments and channels from the results rows (n, value,
    # interval), which keep no components: the test must be the one the components give.
    from reportgen.engine.results import compare, compare_figures, estimate
    from reportgen.periods import parse_period

    k, period = _kpi(kind), parse_period("2025Q1")
    shown = []
    for comp in (a, b):
        e = estimate(k, comp, period, None, 0.95)
        shown.append({"n": e.n, "value": e.value, "ci_low": e.ci_low, "ci_high": e.ci_high,
                      "moe": e.moe})  # fmt: skip
    expected = compare(k, *(estimate(k, c, period, None, 0.95) for c in (a, b)))
    got = compare_figures(k, shown[0], shown[1], 0.95)
    assert expected is not None and got is not None
    assert got.test == expected.test
    assert got.p_value == pytest.approx(expected.p_value, rel=1e-9)
    assert compare_figures(k, shown[0], {"n": 0, "value": math.nan}, 0.95) is None


def test_compare_figures_by_hand():
    # 150/200 vs 120/200: pooled p = 0.675, se = √(0.675·0.325·(2/200)) = 0.046837,
    # z = 0.15 / 0.046837 = 3.2026, two-sided p = 0.001362
    from reportgen.engine.results import compare_figures

    got = compare_figures(_kpi("proportion"), {"n": 200, "value": 0.75},
                          {"n": 200, "value": 0.60}, 0.95)  # fmt: skip
    assert got is not None
    assert got.statistic == pytest.approx(3.2026, abs=1e-4)
    assert got.p_value == pytest.approx(0.001362, abs=1e-6)
    assert (
        compare_figures(_kpi("median"), {"n": 9, "value": 1.0}, {"n": 9, "value": 2.0}, 0.95)
        is None
    )


def test_an_nps_interval_stays_on_the_scale_and_keeps_its_margin():
    # n = 2 (one promoter, one detractor): score 0, se = 100·√(1/2) = 70.7, margin
    # 1.96 × 70.7 = 138.6: the interval was −138.6 … +138.6 on a −100 … 100 scale
    from reportgen.engine.results import estimate

    e = estimate(_kpi("nps"), {"promoters": 1, "passives": 0, "detractors": 1}, None, None, 0.95)
    assert e.value == 0.0
    assert e.moe == pytest.approx(138.59, abs=0.01)
    assert (e.ci_low, e.ci_high) == (-100.0, 100.0)
