"""Tests for reportgen.analytics.churn: hand-computed features, labels, and planted truth."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from reportgen.analytics import churn
from reportgen.analytics.segments import customer_spans, orders_until

AS_OF = date(2024, 12, 31)
# lookback (2024-01-01, 2024-12-31]; trend: last 90 days (2024-10-02, 2024-12-31],
# the 90 before (2024-07-04, 2024-10-02]


# --- hand example ------------------------------------------------------------------------


def _tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    customers = pd.DataFrame(
        [
            ("p", date(2023, 1, 1), None),
            ("q", date(2024, 10, 1), None),
            ("r", date(2022, 1, 1), date(2024, 12, 15)),  # churned before as_of
            ("s", date(2025, 1, 10), None),  # joins after as_of
            ("t", date(2022, 1, 1), date(2025, 2, 1)),  # churns after as_of: still active
        ],
        columns=["customer_id", "join_date", "churn_date"],
    ).assign(unit="alpha")
    orders = pd.DataFrame(
        [
            ("p", date(2024, 12, 1), 100.0),
            ("p", date(2024, 11, 1), 50.0),
            ("p", date(2024, 8, 1), 100.0),
            ("p", date(2023, 6, 1), 500.0),  # outside the lookback window
            ("r", date(2024, 12, 1), 70.0),
            ("t", date(2024, 9, 1), 200.0),
        ],
        columns=["customer_id", "date", "amount"],
    ).assign(unit="alpha")
    responses = pd.DataFrame(
        [
            ("p", date(2024, 5, 1), 4, 9),
            ("p", date(2024, 11, 1), 2, 5),
            ("p", date(2023, 6, 1), 1, 0),  # outside the window
            ("t", date(2024, 9, 1), None, 10),
        ],
        columns=["customer_id", "date", "csat", "ltr"],
    )
    tickets = pd.DataFrame(
        [
            ("p", datetime(2024, 10, 1, 9), True, 3, datetime(2024, 10, 3, 9)),
            ("p", datetime(2024, 12, 30, 9), False, 5, datetime(2025, 1, 3, 9)),  # still open
            ("p", datetime(2023, 1, 5, 9), True, 9, datetime(2023, 1, 6, 9)),  # outside
            ("q", datetime(2024, 12, 31, 15, 30), True, 2, datetime(2024, 12, 31, 18)),
        ],
        columns=["customer_id", "opened_at", "complaint", "contacts", "resolved_at"],
    )
    return orders, customers, responses, tickets


def test_customer_features_by_hand() -> None:
    orders, customers, responses, tickets = _tables()
    out = churn.customer_features(AS_OF, orders, customers, responses, tickets)
    assert out.index.tolist() == ["p", "q", "t"]
    assert list(out.columns) == list(churn.FEATURE_COLUMNS)
    nan = math.nan
    expected = {
        # p: last order 2024-12-01 -> 30 days; 3 orders / 250 in the window;
        #    trend (150 - 100) / (150 + 100) = 0.2; joined 2023-01-01 -> 730 days;
        #    csat (4 + 2) / 2 = 3; last ltr 5 -> detractor; 2 tickets, 1 complaint,
        #    contacts only from the resolved ticket -> 3
        "p": [30, 3, 250.0, 0.2, 730, 3.0, 0, 5, 0, 1, 2, 1, 3.0],
        # q: never ordered -> recency = tenure = 91 days (2024-10-01); no survey data;
        #    a ticket opened 15:30 on as_of counts
        "q": [91, 0, 0.0, 0.0, 91, nan, 1, nan, 1, nan, 1, 1, 2.0],
        # t: last order 2024-09-01 -> 121 days, in the earlier 90 days only -> trend -1;
        #    ltr 10 without csat
        "t": [121, 1, 200.0, -1.0, 1095, nan, 1, 10, 0, 0, 0, 0, nan],
    }
    for customer, values in expected.items():
        got = out.loc[customer].tolist()
        assert got == pytest.approx(values, nan_ok=True), customer


def test_customer_features_accept_datetime64_columns() -> None:
    orders, customers, responses, tickets = _tables()
    as_dates = churn.customer_features(AS_OF, orders, customers, responses, tickets)
    orders["date"] = pd.to_datetime(orders["date"]).astype("datetime64[ns]")
    customers["join_date"] = pd.to_datetime(customers["join_date"]).astype("datetime64[ns]")
    customers["churn_date"] = pd.to_datetime(customers["churn_date"]).astype("datetime64[ns]")
    responses["date"] = pd.to_datetime(responses["date"])
    as_datetimes = churn.customer_features(
        pd.Timestamp(AS_OF), orders, customers, responses, tickets
    )
    pd.testing.assert_frame_equal(as_dates, as_datetimes)


def test_prepared_spans_and_orders_give_the_same_features() -> None:
    """train_and_evaluate prepares the customers' spans and the orders once for every
    snapshot; the features must be those computed from the raw tables."""
    orders, customers, responses, tickets = _tables()
    raw = churn.customer_features(AS_OF, orders, customers, responses, tickets)
    spans = customer_spans(customers)
    prepared = churn.customer_features(
        AS_OF, orders_until(orders, AS_OF), customers, responses, tickets, spans=spans
    )
    pd.testing.assert_frame_equal(raw, prepared)
    labels = churn.churn_labels(customers, AS_OF, 90)
    pd.testing.assert_series_equal(labels, churn.churn_labels(customers, AS_OF, 90, spans=spans))


def test_customer_features_use_nothing_after_as_of() -> None:
    orders, customers, responses, tickets = _tables()
    before = churn.customer_features(AS_OF, orders, customers, responses, tickets)
    late = date(2025, 1, 1)
    orders = pd.concat(
        [
            orders,
            pd.DataFrame(
                {"customer_id": ["p", "q", "t"], "date": [late] * 3, "amount": [1e6] * 3}
            ).assign(unit="alpha"),
        ],
        ignore_index=True,
    )
    responses = pd.concat(
        [
            responses,
            pd.DataFrame({"customer_id": ["p", "q"], "date": [late] * 2, "csat": 1, "ltr": 0}),
        ],
        ignore_index=True,
    )
    tickets = pd.concat(
        [
            tickets,
            pd.DataFrame(
                {
                    "customer_id": ["p", "t"],
                    "opened_at": [datetime(2025, 1, 1, 0, 30)] * 2,
                    "complaint": True,
                    "contacts": 50,
                    "resolved_at": [datetime(2025, 1, 1, 1)] * 2,
                }
            ),
        ],
        ignore_index=True,
    )
    customers.loc[customers["customer_id"] == "t", "churn_date"] = date(2025, 1, 2)
    after = churn.customer_features(AS_OF, orders, customers, responses, tickets)
    pd.testing.assert_frame_equal(before, after)


# --- labels ------------------------------------------------------------------------------


def test_churn_labels() -> None:
    customers = pd.DataFrame(
        [
            ("before", date(2020, 1, 1), date(2024, 12, 1)),
            ("on_as_of", date(2020, 1, 1), AS_OF),
            ("next_day", date(2020, 1, 1), date(2025, 1, 1)),
            ("last_day", date(2020, 1, 1), date(2025, 3, 31)),  # as_of + 90 days
            ("too_late", date(2020, 1, 1), date(2025, 4, 1)),
            ("stays", date(2020, 1, 1), None),
            ("joins_later", date(2025, 2, 1), date(2025, 3, 1)),
        ],
        columns=["customer_id", "join_date", "churn_date"],
    )
    labels = churn.churn_labels(customers, AS_OF, 90)
    assert labels.name == "churned"
    assert labels.to_dict() == {"last_day": 1, "next_day": 1, "stays": 0, "too_late": 0}


# --- planted truth -----------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    quarter_ends: list[date]
    orders: pd.DataFrame
    customers: pd.DataFrame
    responses: pd.DataFrame
    tickets: pd.DataFrame

    @property
    def tables(self) -> tuple[pd.DataFrame, ...]:
        return (self.orders, self.customers, self.responses, self.tickets)


def simulate(
    *,
    n_start: int = 4000,
    joiners: int = 300,
    quarters: int = 13,
    informative: bool = True,
    seed: int = 0,
) -> World:
    """Customers buying, calling the help desk and answering surveys quarter by quarter.

    At each quarter end every active customer leaves during the next quarter with
    probability ``sigmoid(−4.2 + 1.6 · min(recency, 720)/90 + 1.0 · complaints)``
    (recency in days since the last order or joining, complaints over the last four
    quarters) — or with a flat 8% when ``informative`` is False. Purchase rates vary
    widely between customers (log-normal), so recency varies. Survey answers are noise.
    """
    rng = np.random.default_rng(seed)
    ends = [
        np.datetime64(d.date(), "D")
        for d in pd.date_range("2022-03-31", periods=quarters, freq="QE")
    ]
    starts = [np.datetime64("2022-01-01", "D")] + [e + 1 for e in ends[:-1]]
    n = n_start + joiners * quarters
    day = np.timedelta64(1, "D")
    join = np.empty(n, dtype="datetime64[D]")
    join[:n_start] = starts[0] - rng.integers(1, 730, n_start) * day
    for q in range(quarters):
        span = int((ends[q] - starts[q]) / day) + 1
        block = slice(n_start + q * joiners, n_start + (q + 1) * joiners)
        join[block] = starts[q] + rng.integers(0, span, joiners) * day
    rate = rng.lognormal(np.log(1.5), 1.0, n)  # orders per quarter
    complaint_p = rng.beta(1, 5, n)
    churn_date = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    last_order = join.copy()
    complaints = np.zeros((quarters, n))
    parts: dict[str, list[pd.DataFrame]] = {"orders": [], "tickets": [], "responses": []}

    def dates_within(who: np.ndarray, begin: np.ndarray, days: np.ndarray) -> np.ndarray:
        return begin[who] + (rng.random(len(who)) * days[who]).astype(int) * day

    for q in range(quarters):
        span = int((ends[q] - starts[q]) / day) + 1
        begin = np.maximum(join, starts[q])
        stop = np.where(np.isnat(churn_date), ends[q] + 1, churn_date)
        alive_days = np.clip((stop - begin) / day, 0, span)
        idx = np.flatnonzero(alive_days > 0)
        share = alive_days[idx] / span

        buyers = np.repeat(idx, rng.poisson(rate[idx] * share))
        when = dates_within(buyers, begin, alive_days)
        np.maximum.at(last_order, buyers, when)
        amount = rng.lognormal(np.log(80), 0.6, len(buyers)).round(2)
        parts["orders"].append(
            pd.DataFrame({"customer_id": buyers, "date": when, "amount": amount})
        )

        callers = np.repeat(idx, rng.poisson(0.5 * share))
        complaint = rng.random(len(callers)) < complaint_p[callers]
        np.add.at(complaints[q], callers, complaint)
        opened = dates_within(callers, begin, alive_days)
        parts["tickets"].append(
            pd.DataFrame(
                {
                    "customer_id": callers,
                    "opened_at": opened,
                    "resolved_at": opened + 2 * day,
                    "complaint": complaint,
                    "contacts": 1 + rng.poisson(1.0, len(callers)),
                }
            )
        )
        answering = idx[rng.random(len(idx)) < 0.3]
        parts["responses"].append(
            pd.DataFrame(
                {
                    "customer_id": answering,
                    "date": dates_within(answering, begin, alive_days),
                    "csat": rng.integers(1, 6, len(answering)),
                    "ltr": rng.integers(0, 11, len(answering)),
                }
            )
        )
        if q + 1 < quarters:  # who leaves next quarter, from what is known at this quarter end
            active = (join <= ends[q]) & np.isnat(churn_date)
            recency = (ends[q] - last_order) / day
            if informative:
                recent = complaints[max(0, q - 3) : q + 1].sum(axis=0)
                logit = -4.2 + 1.6 * np.minimum(recency, 720) / 90 + 1.0 * recent
            else:
                logit = np.full(n, math.log(0.08 / 0.92))
            leaving = active & (rng.random(n) < 1 / (1 + np.exp(-logit)))
            next_span = int((ends[q + 1] - starts[q + 1]) / day) + 1
            churn_date[leaving] = starts[q + 1] + rng.integers(0, next_span, leaving.sum()) * day

    ids = np.array([f"C{i:05d}" for i in range(n)])

    def frame(name: str, date_columns: tuple[str, ...]) -> pd.DataFrame:
        out = pd.concat(parts[name], ignore_index=True)
        out["customer_id"] = ids[out["customer_id"].to_numpy()]
        for col in date_columns:
            out[col] = out[col].astype("datetime64[ns]")
        return out

    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "unit": "alpha",
            "join_date": join.astype("datetime64[ns]"),
            "churn_date": churn_date.astype("datetime64[ns]"),
        }
    )
    return World(
        quarter_ends=[pd.Timestamp(e).date() for e in ends],
        orders=frame("orders", ("date",)).assign(unit="alpha"),
        customers=customers[customers["join_date"] <= ends[-1]],
        responses=frame("responses", ("date",)),
        tickets=frame("tickets", ("opened_at", "resolved_at")),
    )


@pytest.fixture(scope="module")
def planted() -> tuple[World, churn.ChurnModelResult]:
    world = simulate()
    return world, churn.train_and_evaluate(world.quarter_ends[-5:], *world.tables)


def test_planted_truth_is_found(planted: tuple[World, churn.ChurnModelResult]) -> None:
    world, result = planted
    assert result.reason is None
    assert result.auc > 0.75
    assert result.lift_top_decile > 2
    # three training snapshots of ~4,000 customers, one held out, scores for the current
    assert result.train_snapshots == tuple(world.quarter_ends[-5:-2])
    assert result.test_snapshot == world.quarter_ends[-2]
    assert result.current == world.quarter_ends[-1]
    assert 3500 <= result.n_test <= 4500
    assert 0.03 < result.base_rate < 0.15
    assert result.n_top_decile == math.ceil(result.n_test / 10)
    assert result.lift_top_decile == pytest.approx(result.top_decile_rate / result.base_rate)


def test_current_customers_are_scored(planted: tuple[World, churn.ChurnModelResult]) -> None:
    world, result = planted
    current = churn.active_customers(world.customers, world.quarter_ends[-1])
    assert result.scores.name == "probability"
    assert result.scores.index.equals(current.index)
    assert result.scores.between(0, 1).all()
    # calibrated to the base rate (no class weighting): mean probability near it
    assert abs(result.scores.mean() - result.base_rate) < 0.05


def test_labels_independent_of_features_give_chance_auc() -> None:
    world = simulate(informative=False, seed=1)
    result = churn.train_and_evaluate(world.quarter_ends[-5:], *world.tables)
    assert result.reason is None
    assert abs(result.auc - 0.5) < 0.07


def test_results_are_deterministic() -> None:
    world = simulate(n_start=1500, joiners=100, quarters=8, seed=2)
    first = churn.train_and_evaluate(world.quarter_ends[-4:], *world.tables)
    again = churn.train_and_evaluate(world.quarter_ends[-4:], *world.tables)
    assert first.reason is None
    assert first.auc == again.auc
    pd.testing.assert_series_equal(first.scores, again.scores)


# --- too little to go on -----------------------------------------------------------------


def test_too_few_snapshots_gives_a_reason() -> None:
    world = simulate(n_start=300, joiners=10, quarters=6)
    result = churn.train_and_evaluate(world.quarter_ends[-2:], *world.tables)
    assert result.reason == "2 snapshot(s): need at least 3 (train, test, current)"
    assert result.scores.empty
    assert math.isnan(result.auc)


def test_too_few_positives_gives_a_reason_not_an_error() -> None:
    world = simulate(n_start=300, joiners=10, quarters=6)
    nobody_leaves = world.customers.assign(churn_date=pd.NaT)
    tables = (world.orders, nobody_leaves, world.responses, world.tickets)
    result = churn.train_and_evaluate(world.quarter_ends[-4:], *tables)
    assert result.reason is not None
    assert result.reason.startswith("training snapshots hold 0 churned")
    assert result.scores.empty
    assert result.positives_train == 0
    assert result.n_train > 0
    assert math.isnan(result.auc) and math.isnan(result.lift_top_decile)


def test_thin_held_out_period_gives_a_reason() -> None:
    world = simulate(n_start=300, joiners=10, quarters=6)
    result = churn.train_and_evaluate(
        world.quarter_ends[-4:], *world.tables, min_train_positives=5, min_test_positives=500
    )
    assert result.reason is not None and result.reason.startswith("held-out snapshots hold")
    assert result.scores.empty
    assert result.base_rate == pytest.approx(result.positives_test / result.n_test)


def test_snapshots_must_increase() -> None:
    with pytest.raises(ValueError, match="strictly increasing"):
        churn.train_and_evaluate([AS_OF, date(2024, 9, 30), date(2025, 3, 31)], *_tables())


# --- high value at risk ------------------------------------------------------------------


def test_high_value_at_risk_ordering_by_hand() -> None:
    scores = pd.Series({"a": 0.9, "b": 0.5, "c": 0.1, "d": 0.3, "e": 0.6}, name="probability")
    value = pd.Series({"a": 100.0, "b": 1000.0, "c": 10000.0, "d": 1000.0, "e": 500.0, "f": 5e4})
    # expected loss: a 90, b 500, c 1000 (below min probability), d 300, e 300; f unscored
    out = churn.high_value_at_risk(scores, value, top=3, min_probability=0.2)
    assert list(out.columns) == ["customer_id", "probability", "value", "expected_loss"]
    assert out["customer_id"].tolist() == ["b", "e", "d"]  # e before d: same loss, likelier
    assert out["expected_loss"].tolist() == pytest.approx([500.0, 300.0, 300.0])
    everyone = churn.high_value_at_risk(scores, value, min_probability=0.0)
    assert everyone["customer_id"].tolist() == ["c", "b", "e", "d", "a"]


def test_high_value_at_risk_skips_missing_values() -> None:
    scores = pd.Series({"a": 0.9, "b": 0.8})
    value = pd.Series({"a": np.nan, "b": 10.0})
    out = churn.high_value_at_risk(scores, value)
    assert out["customer_id"].tolist() == ["b"]


def test_a_capped_fit_still_finds_the_planted_truth(
    planted: tuple[World, churn.ChurnModelResult],
) -> None:
    """Beyond ``max_fit_rows`` the trees are fitted on a uniform sample of the
    customer-snapshots: the planted drivers are still found, the reported counts are
    those of every row, and the sample is the same on every run."""
    world, full = planted
    assert full.n_train > 6000
    capped = churn.train_and_evaluate(world.quarter_ends[-5:], *world.tables, max_fit_rows=3000)
    again = churn.train_and_evaluate(world.quarter_ends[-5:], *world.tables, max_fit_rows=3000)
    assert capped.n_train == full.n_train and capped.n_test == full.n_test
    assert capped.auc > 0.7 and capped.auc != full.auc
    assert capped.auc == again.auc
    pd.testing.assert_series_equal(capped.scores, again.scores)
