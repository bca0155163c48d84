"""BG/NBD + Gamma-Gamma CLV: published CDNOW values, hand oracles and planted truth."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reportgen.analytics import clv

CDNOW = Path(__file__).parent / "data" / "cdnow"
#: Fader, Hardie & Lee (2005), "Counting your customers the easy way", section 4.
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_BGNBD_LL = -9582.4
#: Fader & Hardie (2013), "The Gamma-Gamma model of monetary value" (lifetimes' docs,
#: fitting the 2-decimal summary file, report 6.25, 3.74, 15.45).
PUBLISHED_GG = {"p": 6.25, "q": 3.74, "gamma": 15.44}


@pytest.fixture(scope="module")
def cdnow_summary() -> pd.DataFrame:
    """The published 39-week calibration summary of the CDNOW 1/10 sample (2357 customers)."""
    frame = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv", dtype={"ID": str})
    frame = frame.rename(
        columns={"ID": "customer_id", "x": "frequency", "t_x": "recency", "zbar": "monetary_value"}
    )
    return frame.set_index("customer_id")


@pytest.fixture(scope="module")
def cdnow_orders() -> pd.DataFrame:
    """The raw CDNOW 1/10 sample transactions (1997-01-01 .. 1998-06-30) as canonical orders."""
    raw = pd.read_csv(
        CDNOW / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "amount"],
        dtype={"customer_id": str, "date": str},
    )
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    raw["customer_id"] = raw["customer_id"].astype(int).astype(str)  # "0001" -> "1"
    return raw[["customer_id", "date", "amount"]]


def _rel(value: float, expected: float) -> float:
    return abs(value / expected - 1.0)


# --------------------------------------------------------------------------- published


def test_bgnbd_on_cdnow_matches_published_parameters(cdnow_summary: pd.DataFrame) -> None:
    fit = clv.fit_bgnbd(cdnow_summary)
    for name, expected in PUBLISHED_BGNBD.items():
        assert _rel(getattr(fit, name), expected) < 0.01, (name, getattr(fit, name))
    assert fit.log_likelihood == pytest.approx(PUBLISHED_BGNBD_LL, abs=0.1)
    assert fit.n_customers == 2357


def test_gamma_gamma_on_cdnow_repeat_buyers_matches_published(
    cdnow_summary: pd.DataFrame,
) -> None:
    fit = clv.fit_gamma_gamma(cdnow_summary)
    assert fit.n_customers == 946  # the repeat buyers
    for name, expected in PUBLISHED_GG.items():
        assert _rel(getattr(fit, name), expected) < 0.01, (name, getattr(fit, name))
    assert fit.mean_spend == pytest.approx(fit.p * fit.gamma / (fit.q - 1))


def test_conditional_expectation_matches_published_example(cdnow_summary: pd.DataFrame) -> None:
    # FHL 2005: customer with x = 2, t_x = 30.43, T = 38.86 weeks expects 1.226
    # purchases in the next 39 weeks.
    published = clv.BgNbdFit(**PUBLISHED_BGNBD, log_likelihood=math.nan, n_customers=0)
    assert clv.expected_purchases(published, 39, 2, 30.43, 38.86) == pytest.approx(1.226, abs=5e-4)
    fitted = clv.fit_bgnbd(cdnow_summary)
    assert clv.expected_purchases(fitted, 39, 2, 30.43, 38.86) == pytest.approx(1.226, abs=2e-3)


def test_expected_purchases_agrees_with_direct_series_for_heavy_buyers() -> None:
    # The implementation uses Euler's transformation of 2F1; check it against the
    # textbook form summed as a plain series (exact rationals would be overkill).
    fit = clv.BgNbdFit(**PUBLISHED_BGNBD, log_likelihood=math.nan, n_customers=0)
    r, alpha, a, b = fit.r, fit.alpha, fit.a, fit.b
    for x, tx, T, t in [(0, 0.0, 38.86, 39.0), (20, 38.0, 38.86, 39.0), (150, 38.5, 38.86, 52.0)]:
        z = t / (alpha + T + t)
        hyp, term, k = 1.0, 1.0, 0
        while abs(term) > 1e-17 * hyp:
            term *= (r + x + k) * (b + x + k) / ((a + b + x - 1 + k) * (k + 1)) * z
            hyp += term
            k += 1
        bracket = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp
        direct = (a + b + x - 1) / (a - 1) * bracket * clv.probability_alive(fit, x, tx, T)
        assert clv.expected_purchases(fit, t, x, tx, T) == pytest.approx(direct, rel=1e-9)


def test_p_alive_is_one_without_repeat_purchases(cdnow_summary: pd.DataFrame) -> None:
    fit = clv.fit_bgnbd(cdnow_summary)
    p = clv.probability_alive(
        fit, [0, 0, 2, 2], [0.0, 0.0, 30.43, 10.0], [38.86, 5.0, 38.86, 38.86]
    )
    assert p[0] == 1.0 and p[1] == 1.0
    # the same two purchases look more alive when the last one is recent
    assert 0.0 < p[3] < p[2] < 1.0


def test_cdnow_transactions_reproduce_the_published_summary(
    cdnow_orders: pd.DataFrame, cdnow_summary: pd.DataFrame
) -> None:
    summary = clv.summary_from_orders(cdnow_orders, dt.date(1997, 9, 30))
    assert list(summary.columns) == ["frequency", "recency", "T", "monetary_value"]
    assert summary.index.is_monotonic_increasing  # sorted as strings: "1", "10", "100"
    assert sorted(summary.index) == sorted(cdnow_summary.index)
    summary = summary.loc[cdnow_summary.index]
    pd.testing.assert_series_equal(summary["frequency"], cdnow_summary["frequency"])
    for column in ("recency", "T"):
        np.testing.assert_array_equal(summary[column].round(2), cdnow_summary[column])
    # the published file rounds half up; floats round 22.345 down
    np.testing.assert_allclose(
        summary["monetary_value"], cdnow_summary["monetary_value"], atol=5e-3
    )


# --------------------------------------------------------------------------- summary


def _orders(rows: list[tuple[str, object, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["customer_id", "date", "amount"])


def test_summary_from_orders_hand_example() -> None:
    orders = _orders(
        [
            ("b", dt.date(2025, 1, 1), 10.0),
            ("a", dt.date(2025, 1, 1), 5.0),
            ("a", dt.date(2025, 1, 1), 7.0),  # same day: merges with the 5.0
            ("a", dt.date(2025, 1, 8), 20.0),
            ("a", dt.date(2025, 1, 15), 30.0),
            ("a", dt.date(2025, 1, 15), 10.0),  # same day as the 30.0
            ("a", dt.date(2025, 2, 1), 999.0),  # after observation end: ignored
            ("c", dt.date(2025, 1, 20), 3.0),
            ("d", dt.date(2025, 2, 2), 50.0),  # only after the end: no row at all
        ]
    )
    summary = clv.summary_from_orders(orders, dt.date(2025, 1, 29))
    expected = pd.DataFrame(
        {
            "frequency": [2, 0, 0],
            "recency": [2.0, 0.0, 0.0],  # 14 days
            "T": [4.0, 4.0, 9 / 7],  # 28, 28 and 9 days
            # repeat days of a: 20 and 30 + 10 = 40; the first day (12) is excluded
            "monetary_value": [30.0, 0.0, 0.0],
        },
        index=pd.Index(["a", "b", "c"], name="customer_id"),
    )
    pd.testing.assert_frame_equal(summary, expected, check_index_type=False)


def test_summary_from_orders_time_unit_and_timestamps() -> None:
    orders = _orders(
        [
            ("x", pd.Timestamp("2025-03-01 09:00"), 1.0),
            ("x", pd.Timestamp("2025-03-01 18:30"), 2.0),  # same calendar day
            ("x", pd.Timestamp("2025-03-11 23:59"), 4.0),
            ("x", pd.Timestamp("2025-03-31 23:59"), 8.0),  # on the end day: counts
        ]
    )
    summary = clv.summary_from_orders(orders, dt.date(2025, 3, 31), time_unit_days=1.0)
    row = summary.loc["x"]
    assert row["frequency"] == 2
    assert row["recency"] == 30.0 and row["T"] == 30.0
    assert row["monetary_value"] == 6.0


def test_summary_from_orders_rejects_missing_columns() -> None:
    with pytest.raises(ValueError, match=r"\['amount'\]"):
        clv.summary_from_orders(pd.DataFrame({"customer_id": [], "date": []}), dt.date(2025, 1, 1))


def test_summary_from_orders_without_orders_is_empty() -> None:
    summary = clv.summary_from_orders(_orders([]), dt.date(2025, 1, 1))
    assert summary.empty
    assert list(summary.columns) == ["frequency", "recency", "T", "monetary_value"]


# --------------------------------------------------------------------------- planted truth


def simulate_bgnbd(
    n: int, r: float, alpha: float, a: float, b: float, rng: np.random.Generator
) -> pd.DataFrame:
    """Customers drawn from the BG/NBD itself, observed for 26-78 time units each."""
    rate = rng.gamma(r, 1.0 / alpha, n)
    dropout = rng.beta(a, b, n)
    T = rng.uniform(26.0, 78.0, n)
    x, tx, t = np.zeros(n, dtype=int), np.zeros(n), np.zeros(n)
    active = np.ones(n, dtype=bool)
    while active.any():
        i = np.flatnonzero(active)
        t[i] += rng.exponential(1.0 / rate[i])
        bought = t[i] <= T[i]
        j = i[bought]
        x[j] += 1
        tx[j] = t[j]
        active[i[~bought]] = False
        active[j[rng.random(len(j)) < dropout[j]]] = False  # drop out after a repeat purchase
    return pd.DataFrame({"frequency": x, "recency": tx, "T": T})


def simulate_spend(
    frequency: np.ndarray, p: float, q: float, gamma: float, rng: np.random.Generator
) -> np.ndarray:
    """Mean spend of x purchases under the Gamma-Gamma model (0 for x = 0)."""
    x = np.maximum(frequency, 1)
    nu = rng.gamma(q, 1.0 / gamma, len(x))
    mean = rng.gamma(p * x, 1.0 / (x * nu))  # mean of x Gamma(p, nu) draws
    return np.where(frequency > 0, mean, 0.0)


def test_bgnbd_recovers_planted_parameters() -> None:
    truth = {"r": 0.5, "alpha": 6.0, "a": 0.8, "b": 2.5}
    summary = simulate_bgnbd(10_000, **truth, rng=np.random.default_rng(0))
    fit = clv.fit_bgnbd(summary)
    # across 20 seeds the relative errors had SD 2.3% (r), 2.8% (alpha), 8% (a), 10% (b)
    tolerance = {"r": 0.10, "alpha": 0.10, "a": 0.30, "b": 0.30}
    for name, expected in truth.items():
        assert _rel(getattr(fit, name), expected) < tolerance[name], (name, getattr(fit, name))


def test_gamma_gamma_recovers_planted_parameters() -> None:
    rng = np.random.default_rng(0)
    frequency = rng.integers(1, 10, 10_000)
    summary = pd.DataFrame(
        {"frequency": frequency, "monetary_value": simulate_spend(frequency, 6.0, 4.0, 15.0, rng)}
    )
    fit = clv.fit_gamma_gamma(summary)
    # p and gamma trade off (SD 8-10% over 20 seeds, q 2%); the mean p*gamma/(q-1) is
    # pinned down (SD 0.7%)
    assert _rel(fit.p, 6.0) < 0.30
    assert _rel(fit.q, 4.0) < 0.10
    assert _rel(fit.gamma, 15.0) < 0.30
    assert _rel(fit.mean_spend, 30.0) < 0.03


# --------------------------------------------------------------------------- predictions

FIT = clv.BgNbdFit(**PUBLISHED_BGNBD, log_likelihood=math.nan, n_customers=0)
GG = clv.GammaGammaFit(**PUBLISHED_GG, log_likelihood=math.nan, n_customers=0)


def test_expected_purchases_shapes_and_limits() -> None:
    x = pd.Series([0, 2, 5], index=["a", "b", "c"])
    tx = pd.Series([0.0, 30.43, 20.0], index=x.index)
    T = pd.Series([38.86, 38.86, 38.86], index=x.index)
    assert clv.expected_purchases(FIT, 0.0, 2, 30.43, 38.86) == 0.0
    out = clv.expected_purchases(FIT, 39.0, x, tx, T)
    assert isinstance(out, pd.Series) and out.index.tolist() == ["a", "b", "c"]
    grid = clv.expected_purchases(FIT, np.array([[13.0], [26.0], [39.0]]), x, tx, T)
    assert grid.shape == (3, 3)
    assert np.all(np.diff(grid, axis=0) > 0)  # more time, more purchases
    np.testing.assert_allclose(grid[-1], out.to_numpy())
    with pytest.raises(ValueError, match="non-negative"):
        clv.expected_purchases(FIT, -1.0, 2, 30.43, 38.86)


def test_expected_spend_shrinks_towards_the_population_mean() -> None:
    p, q, g = GG.p, GG.q, GG.gamma
    population = p * g / (q - 1)
    assert clv.expected_spend(GG, 0, 0.0) == pytest.approx(population)
    assert clv.expected_spend(GG, 0, 123.0) == pytest.approx(population)  # x = 0 ignores m
    weight = p * 4 / (p * 4 + q - 1)
    assert clv.expected_spend(GG, 4, 80.0) == pytest.approx(
        weight * 80.0 + (1 - weight) * population
    )


# --------------------------------------------------------------------------- CLV


def test_clv_formula_on_cdnow(cdnow_summary: pd.DataFrame) -> None:
    result = clv.clv_from_summary(cdnow_summary, horizon_months=6, monthly_discount=0.02)
    assert result.ok and result.reason is None
    assert list(result.customers.columns) == list(clv.CUSTOMER_COLUMNS)
    assert result.customers["customer_id"].is_monotonic_increasing
    row = result.customers.set_index("customer_id").loc["1"]
    purchases, spend = result.fit.purchases, result.fit.spend
    x, tx, T = 2, 30.43, 38.86
    months = [m * (365.25 / 12) / 7 for m in range(7)]
    cumulative = [clv.expected_purchases(purchases, t, x, tx, T) for t in months]
    spend_1 = clv.expected_spend(spend, x, 22.35)
    by_hand = sum((cumulative[m] - cumulative[m - 1]) * spend_1 / 1.02**m for m in range(1, 7))
    assert row["clv"] == pytest.approx(by_hand, rel=1e-12)
    assert row["expected_purchases"] == pytest.approx(cumulative[-1], rel=1e-12)
    assert row["expected_spend"] == pytest.approx(spend_1)
    assert row["p_alive"] == pytest.approx(clv.probability_alive(purchases, x, tx, T))


def test_clv_without_discount_is_purchases_times_spend(cdnow_summary: pd.DataFrame) -> None:
    customers = clv.clv_from_summary(cdnow_summary, monthly_discount=0.0).customers
    np.testing.assert_allclose(
        customers["clv"], customers["expected_purchases"] * customers["expected_spend"]
    )
    counts = customers["value_tier"].value_counts()
    # 2357 customers: round(471.4) = 471 top, round(1178.5) = 1179 top or middle
    assert counts.to_dict() == {"top": 471, "middle": 708, "low": 1178}


def test_value_tiers_hand_example() -> None:
    values = pd.Series(
        [5.0, 9.0, 1.0, 9.0, 3.0, 7.0, 2.0, 0.0, 4.0, 6.0],
        index=["e", "j", "a", "b", "c", "f", "g", "h", "d", "i"],
    )
    tiers = clv.value_tiers(values)
    # ranked: b(9) j(9) | f(7) i(6) e(5) | d c g a h ; the tie at 9 goes to "b" first
    assert tiers.to_dict() == {
        "e": "middle", "j": "top", "a": "low", "b": "top", "c": "low",
        "f": "middle", "g": "low", "h": "low", "d": "low", "i": "middle",
    }  # fmt: skip
    assert list(tiers.cat.categories) == ["top", "middle", "low"]
    # a tie across the cut is broken by customer_id, never by input order
    tied = clv.value_tiers(pd.Series([1.0] * 5, index=["e", "d", "c", "b", "a"]), cuts=(0.2, 0.6))
    assert tied.to_dict() == {"a": "top", "b": "middle", "c": "middle", "d": "low", "e": "low"}


def test_value_tiers_skips_missing_values_and_checks_cuts() -> None:
    tiers = clv.value_tiers(pd.Series([3.0, np.nan, 1.0, 2.0, 0.5], index=list("abcde")))
    assert tiers.isna().tolist() == [False, True, False, False, False]
    # 4 ranked: round(0.8) = 1 top, round(2.0) = 2 top or middle
    assert tiers.dropna().to_dict() == {"a": "top", "c": "low", "d": "middle", "e": "low"}
    with pytest.raises(ValueError, match="cuts"):
        clv.value_tiers(pd.Series([1.0]), cuts=(0.6, 0.5))


def test_too_few_customers_returns_no_fit_and_a_reason() -> None:
    orders = _orders(
        [("a", dt.date(2025, 1, 1), 10.0), ("a", dt.date(2025, 2, 1), 12.0),
         ("b", dt.date(2025, 1, 5), 8.0)]
    )  # fmt: skip
    result = clv.customer_clv(orders, dt.date(2025, 3, 31))
    assert result.fit is None and not result.ok
    assert result.reason == (
        "only 2 customers have orders up to the observation end; the CLV models need at least 200"
    )
    customers = result.customers
    assert customers["customer_id"].tolist() == ["a", "b"]
    assert customers["frequency"].tolist() == [1, 0]
    assert customers[["p_alive", "expected_purchases", "expected_spend", "clv"]].isna().all().all()
    assert customers["value_tier"].isna().all()


def test_too_few_repeat_buyers_returns_no_fit_and_a_reason() -> None:
    summary = simulate_bgnbd(400, 0.5, 6.0, 0.8, 2.5, np.random.default_rng(1))
    summary["monetary_value"] = np.where(summary["frequency"] > 0, 10.0, 0.0)
    summary.index = [f"c{i:03d}" for i in range(len(summary))]
    repeat = int((summary["frequency"] > 0).sum())
    result = clv.clv_from_summary(summary, min_repeat_customers=repeat + 1)
    assert result.fit is None
    assert (
        result.reason is not None
        and f"only {repeat} of 400 customers bought again" in result.reason
    )


def test_unidentified_model_returns_no_fit_and_a_reason() -> None:
    # identical customers: no heterogeneity, so the gamma mixing runs off to infinity
    summary = pd.DataFrame(
        {
            "frequency": [1] * 300 + [0] * 100,
            "recency": [5.0] * 300 + [0.0] * 100,
            "T": [10.0] * 400,
            "monetary_value": [10.0] * 300 + [0.0] * 100,
        },
        index=[f"c{i:03d}" for i in range(400)],
    )
    result = clv.clv_from_summary(summary)
    assert result.fit is None
    assert result.reason is not None and result.reason.startswith("BG/NBD purchase model:")
    assert "diverged" in result.reason
    with pytest.raises(ValueError, match="cannot fit the BG/NBD model"):
        clv.fit_bgnbd(summary)


def test_spend_model_without_finite_mean_returns_no_fit() -> None:
    rng = np.random.default_rng(2)
    summary = simulate_bgnbd(2_000, 0.5, 6.0, 0.8, 2.5, rng)
    summary["monetary_value"] = simulate_spend(summary["frequency"].to_numpy(), 6.0, 0.7, 15.0, rng)
    result = clv.clv_from_summary(summary)
    assert result.fit is None
    assert result.reason is not None and "q = " in result.reason and "<= 1" in result.reason


def simulate_orders(n: int, rng: np.random.Generator) -> tuple[pd.DataFrame, dt.date]:
    """Daily orders of n customers acquired over 2024, observed until 2025-06-30."""
    start, end = dt.date(2024, 1, 1), dt.date(2025, 6, 30)
    rows = []
    for i in range(n):
        customer = f"cust{i:05d}"
        rate = rng.gamma(0.8, 1.0 / 30.0)  # purchases per day while alive
        dropout = rng.beta(1.0, 3.0)
        mean_spend = rng.gamma(4.0, 15.0)
        day = float(rng.integers(0, 366))
        last = (end - start).days
        rows.append((customer, start + dt.timedelta(days=int(day)), rng.gamma(5.0, mean_spend / 5)))
        while True:
            day += rng.exponential(1.0 / rate)
            if day > last:
                break
            rows.append(
                (customer, start + dt.timedelta(days=int(day)), rng.gamma(5.0, mean_spend / 5))
            )
            if rng.random() < dropout:
                break
    return _orders(rows), end


def test_customer_clv_end_to_end_on_simulated_orders() -> None:
    orders, end = simulate_orders(1_500, np.random.default_rng(3))
    result = clv.customer_clv(orders, end, horizon_months=12)
    assert result.ok, result.reason
    customers = result.customers
    assert len(customers) == 1_500 and customers["customer_id"].is_unique
    assert (customers["clv"] >= 0).all() and customers["clv"].notna().all()
    assert customers["p_alive"].between(0, 1).all()
    assert customers["value_tier"].value_counts().to_dict() == {
        "top": 300,
        "middle": 450,
        "low": 750,
    }
    tops = customers.loc[customers["value_tier"] == "top", "clv"]
    assert tops.min() >= customers.loc[customers["value_tier"] != "top", "clv"].max()
    assert (result.horizon_months, result.monthly_discount, result.time_unit_days) == (
        12,
        0.01,
        7.0,
    )
