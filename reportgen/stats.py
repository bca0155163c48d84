"""Uncertainty and significance for KPI figures, from summary counts and sums only.

The engine aggregates in SQL and pulls back counts, sums and sums of squares; every
function here works on those summaries, so no raw rows ever reach Python.

Which test applies to which KPI kind (also in :data:`TEST_FOR_KIND`):

==========  ============================================================  ====================
Kind        Test                                                          ``TestResult.test``
==========  ============================================================  ====================
proportion  Pooled two-proportion z-test, two-sided; Fisher's exact test  ``two_proportion_z``
            when any expected count under the pooled proportion is < 5    or ``fisher_exact``
nps         z-test on the difference of two NPS, multinomial variance     ``nps_z``
mean        Welch's t-test from summary statistics (Welch-Satterthwaite)  ``welch_t``
ratio       As a mean of per-customer values (e.g. revenue per            ``welch_t``
            customer): Welch's t-test
median      Not tested: a median has no sufficient statistic that SQL     (none)
            can aggregate, so a test would need the raw rows; the mean
            counterpart of the same score is tested instead
==========  ============================================================  ====================

Intervals: Wilson score interval for proportions, Student t interval for means, and a
normal-approximation margin of error for NPS. Undefined results are NaN (intervals) or
``None`` (tests), never an exception, because small segments are normal in reports.
Invalid input (negative counts, successes > n, confidence outside (0, 1)) is a bug in
the caller and raises :class:`ValueError`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from scipy import special, stats

TWO_PROPORTION_Z: Final = "two_proportion_z"
FISHER_EXACT: Final = "fisher_exact"
NPS_Z: Final = "nps_z"
WELCH_T: Final = "welch_t"

#: Smallest expected cell count for which the z-test's normal approximation is trusted
#: (Cochran's rule of thumb for chi-square/z approximations of 2x2 tables).
MIN_EXPECTED_COUNT: Final = 5.0

TEST_FOR_KIND: Final[dict[str, str]] = {
    "proportion": (
        "Two-sided two-proportion z-test with pooled variance; Fisher's exact test "
        "when any expected cell count is below 5."
    ),
    "nps": (
        "Two-sided z-test on the difference of two Net Promoter Scores, using the "
        "multinomial variance of promoters and detractors."
    ),
    "mean": "Two-sided Welch's t-test (unequal variances) from counts, means and variances.",
    "median": (
        "Not tested: a median cannot be tested from aggregated sums; "
        "the mean of the same score is tested instead."
    ),
    "ratio": (
        "Treated as a mean of per-customer values (e.g. revenue per customer): "
        "two-sided Welch's t-test."
    ),
}

_NAN: Final = math.nan


@dataclass(frozen=True)
class Interval:
    """A confidence interval; both bounds are NaN when it is undefined (e.g. n == 0)."""

    low: float
    high: float


@dataclass(frozen=True)
class NpsEstimate:
    """A Net Promoter Score with its sampling uncertainty, all in NPS points (-100..100)."""

    score: float
    margin_of_error: float
    standard_error: float
    n: int
    promoters: int
    passives: int
    detractors: int


@dataclass(frozen=True)
class TestResult:
    """Outcome of a two-sided significance test.

    ``test`` is a stable machine name (see the module table); ``statistic`` is z or t,
    or the sample odds ratio for Fisher's exact test; ``df`` is set for t-tests only.
    """

    __test__ = False  # not a pytest test class despite the name

    test: str
    statistic: float
    p_value: float
    df: float | None = None

    def significant(self, alpha: float = 0.05) -> bool:
        """True when the difference is significant at level ``alpha`` (p < alpha)."""
        return self.p_value < alpha


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> Interval:
    """Wilson score interval for a proportion, without continuity correction.

    Chosen over the Wald interval because it keeps its coverage for small n and for
    proportions near 0 or 1, which are common in segment breakdowns (Wilson 1927;
    Newcombe 1998, *Stat. Med.* 17:857, method 3; Agresti & Coull 1998):
    ``(x + z²/2)/(n + z²) ± z·√n/(n + z²)·√(p̂(1−p̂) + z²/(4n))``.
    The bound at 0 (x == 0) or 1 (x == n) is exact, not subject to rounding.
    """
    _check_counts(successes=successes, n=n)
    if successes > n:
        raise ValueError(f"successes must be <= n, got successes={successes}, n={n}")
    if n == 0:
        return Interval(_NAN, _NAN)
    z = z_quantile(confidence)
    p_hat = successes / n
    center = (successes + z * z / 2) / (n + z * z)
    half = z * math.sqrt(n) / (n + z * z) * math.sqrt(p_hat * (1 - p_hat) + z * z / (4 * n))
    low = 0.0 if successes == 0 else center - half
    high = 1.0 if successes == n else center + half
    return Interval(low, high)


def mean_interval(mean: float, variance: float, n: int, confidence: float = 0.95) -> Interval:
    """Student t interval ``mean ± t(1−α/2, n−1)·√(s²/n)`` for a mean.

    ``variance`` is the sample variance (ddof=1), as returned by :func:`moments_from_sums`.
    Undefined (NaN) for n < 2, where the sample variance does not exist.
    """
    _check_counts(n=n)
    _check_confidence(confidence)
    if n < 2:
        return Interval(_NAN, _NAN)
    if variance < 0:
        raise ValueError(f"variance must be >= 0, got {variance}")
    half = t_quantile(confidence, n - 1) * math.sqrt(variance / n)
    return Interval(mean - half, mean + half)


def nps_estimate(
    promoters: int, passives: int, detractors: int, confidence: float = 0.95
) -> NpsEstimate:
    """Net Promoter Score ``100·(p_P − p_D)`` with a normal-approximation margin of error.

    Promoter/passive/detractor counts are one multinomial sample, so the variance of a
    single response's score (+1, 0, −1) is ``p_P + p_D − (p_P − p_D)²`` and
    ``se = 100·√(var/n)`` points (Rocks 2016, "Interval Estimation for the 'Net Promoter
    Score'", *The American Statistician* 70:365, arXiv:1601.07235).
    """
    n = _nps_n(promoters, passives, detractors)
    z = z_quantile(confidence)
    if n == 0:
        return NpsEstimate(_NAN, _NAN, _NAN, 0, promoters, passives, detractors)
    score, se = _nps_score_and_se(promoters, detractors, n)
    return NpsEstimate(score, z * se, se, n, promoters, passives, detractors)


def two_proportion_test(x1: int, n1: int, x2: int, n2: int) -> TestResult | None:
    """Two-sided test that two proportions ``x1/n1`` and ``x2/n2`` are equal.

    Pooled z-test ``z = (p̂1 − p̂2)/√(p̂(1−p̂)(1/n1 + 1/n2))`` with ``p̂ = (x1+x2)/(n1+n2)``
    (the standard pooled score test); when any expected count under ``p̂`` is below 5 the normal
    approximation is unreliable and Fisher's exact test is used instead (statistic =
    sample odds ratio). ``None`` when a side is empty. When both proportions are 0 or
    both are 1 there is no variation: z = 0 and p = 1.
    """
    _check_counts(x1=x1, n1=n1, x2=x2, n2=n2)
    if x1 > n1 or x2 > n2:
        raise ValueError(f"successes must be <= n, got x1={x1}, n1={n1}, x2={x2}, n2={n2}")
    if n1 == 0 or n2 == 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        return TestResult(TWO_PROPORTION_Z, 0.0, 1.0)
    expected = (n1 * pooled, n1 * (1 - pooled), n2 * pooled, n2 * (1 - pooled))
    if min(expected) < MIN_EXPECTED_COUNT:
        result = stats.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]], alternative="two-sided")
        return TestResult(FISHER_EXACT, float(result.statistic), float(result.pvalue))
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = (x1 / n1 - x2 / n2) / se
    return TestResult(TWO_PROPORTION_Z, z, _two_sided_normal_p(z))


def nps_difference_test(
    promoters1: int,
    passives1: int,
    detractors1: int,
    promoters2: int,
    passives2: int,
    detractors2: int,
) -> TestResult | None:
    """Two-sided z-test ``(NPS1 − NPS2)/√(se1² + se2²)`` for two independent samples.

    Standard errors use the multinomial variance of :func:`nps_estimate`. ``None`` when
    a side is empty. With zero variance on both sides the scores are known exactly:
    equal scores give p = 1, different scores p = 0.
    """
    n1 = _nps_n(promoters1, passives1, detractors1)
    n2 = _nps_n(promoters2, passives2, detractors2)
    if n1 == 0 or n2 == 0:
        return None
    score1, se1 = _nps_score_and_se(promoters1, detractors1, n1)
    score2, se2 = _nps_score_and_se(promoters2, detractors2, n2)
    return nps_z_test(score1, se1, score2, se2)


def nps_z_test(score1: float, se1: float, score2: float, se2: float) -> TestResult:
    """The z-test of :func:`nps_difference_test` from the two scores and their standard
    errors (as :func:`nps_estimate` gives them: its margin of error over z)."""
    z = _z_or_degenerate(score1 - score2, math.hypot(se1, se2))
    return TestResult(NPS_Z, z, _two_sided_normal_p(z))


def welch_t_test(
    mean1: float, var1: float, n1: int, mean2: float, var2: float, n2: int
) -> TestResult | None:
    """Welch's two-sided t-test for equal means, from summary statistics.

    ``t = (m1 − m2)/√(v1/n1 + v2/n2)`` with Welch–Satterthwaite degrees of freedom
    ``(v1/n1 + v2/n2)² / ((v1/n1)²/(n1−1) + (v2/n2)²/(n2−1))`` (Welch 1947); same result
    as ``scipy.stats.ttest_ind(equal_var=False)``. Variances are sample variances
    (ddof=1). ``None`` if either n < 2. With zero variance on both sides the means are
    exact: equal means give p = 1, different means p = 0, and df is ``None`` (undefined).
    """
    _check_counts(n1=n1, n2=n2)
    if var1 < 0 or var2 < 0:
        raise ValueError(f"variances must be >= 0, got var1={var1}, var2={var2}")
    if n1 < 2 or n2 < 2:
        return None
    a, b = var1 / n1, var2 / n2
    t = _z_or_degenerate(mean1 - mean2, math.sqrt(a + b))
    if a + b == 0:
        return TestResult(WELCH_T, t, 0.0 if math.isinf(t) else 1.0, None)
    df = (a + b) ** 2 / (a * a / (n1 - 1) + b * b / (n2 - 1))
    return TestResult(WELCH_T, t, float(2 * special.stdtr(df, -abs(t))), df)


def moments_from_sums(n: int, total: float, total_sq: float) -> tuple[float, float]:
    """Mean and sample variance (ddof=1) from ``n``, ``Σx`` and ``Σx²`` aggregated in SQL.

    ``s² = (Σx² − (Σx)²/n)/(n − 1)``. The subtraction cancels when the mean is large
    relative to the spread: the absolute error is of order 10·ε·mean² (ε ≈ 2.2e-16),
    e.g. ~5e-4 on a variance of 1 around a mean of 1e6 — harmless for scores and
    ordinary money amounts. Negative results from
    rounding are clamped to 0; a deficit larger than 1e-6·Σx² cannot come from rounding
    and means the sums are inconsistent, so it raises. Variance is NaN for n < 2,
    and the mean too for n == 0.
    """
    _check_counts(n=n)
    if n == 0:
        return _NAN, _NAN
    mean = total / n
    if n == 1:
        return mean, _NAN
    deviation_sq = total_sq - total * total / n
    if deviation_sq < -1e-6 * abs(total_sq):
        raise ValueError(f"inconsistent sums: n={n}, total={total}, total_sq={total_sq}")
    return mean, max(deviation_sq, 0.0) / (n - 1)


def _nps_score_and_se(promoters: int, detractors: int, n: int) -> tuple[float, float]:
    """NPS and its standard error in points for a non-empty sample of size ``n``."""
    p_p, p_d = promoters / n, detractors / n
    variance = max(p_p + p_d - (p_p - p_d) ** 2, 0.0)
    return 100 * (p_p - p_d), 100 * math.sqrt(variance / n)


def _z_or_degenerate(difference: float, se: float) -> float:
    """``difference/se``, or 0 / ±inf when se == 0 (the difference is then exact)."""
    if se > 0:
        return difference / se
    return 0.0 if difference == 0 else math.copysign(math.inf, difference)


def _two_sided_normal_p(z: float) -> float:
    return float(2 * special.ndtr(-abs(z)))


def two_sided_z(p: float) -> float:
    """The |z| whose two-sided standard normal p value is ``p`` (inf for p = 0; exact for
    p values far below machine epsilon, where 1 − p/2 would round to 1)."""
    return float(-special.ndtri(min(max(p, 0.0), 1.0) / 2))


def finite(v: object) -> float | None:
    """``v`` as a finite float; None for a missing, non-numeric or infinite value."""
    if v is None:
        return None
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


@lru_cache(maxsize=64)
def z_quantile(confidence: float) -> float:
    """Two-sided standard normal quantile (1.96 for 0.95)."""
    _check_confidence(confidence)
    return float(special.ndtri((1 + confidence) / 2))


def _nps_n(promoters: int, passives: int, detractors: int) -> int:
    _check_counts(promoters=promoters, passives=passives, detractors=detractors)
    return promoters + passives + detractors


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")


def _check_counts(**counts: int) -> None:
    for name, value in counts.items():
        if value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")


@lru_cache(maxsize=4096)
def t_quantile(confidence: float, df: int) -> float:
    """Two-sided Student t quantile (cached: the same df recurs across KPIs and units)."""
    return float(special.stdtrit(df, (1 + confidence) / 2))
