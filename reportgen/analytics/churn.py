"""Churn early warning for chapter 5: who is likely to leave next period, and how sure we are.

The model is trained and judged the way it will be used — forward in time. The
caller passes period ends ``d0 < d1 < … < dn`` (oldest first); ``dn`` is the
current period end. For each ``di`` before ``dn`` a snapshot pairs the features of
the customers active at ``di`` (only information dated on or before ``di``) with
whether they churned in the next period ``(di, di+1]``. The model is trained on
``d0 … dn−2``, evaluated on the held-out later snapshot ``dn−1`` (its label window
ends at ``dn``, so it is complete), then refitted on all labelled snapshots and used
to score the customers active at ``dn``.

Pure functions over canonical frames (see :mod:`reportgen.analytics.segments` for
the date conventions: day resolution, inclusive bounds, datetime64 or python dates).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from reportgen.analytics.segments import (
    as_day,
    customer_spans,
    day_series,
    is_member,
    orders_until,
    rfm_values,
    single_thread,
)
from reportgen.texts import Reason

#: Feature columns of :func:`customer_features`, in model order.
FEATURE_COLUMNS: tuple[str, ...] = (
    "recency_days",
    "frequency",
    "monetary",
    "monetary_trend",
    "tenure_days",
    "csat_mean",
    "csat_missing",
    "ltr_last",
    "ltr_missing",
    "detractor",
    "tickets",
    "complaints",
    "contacts_mean",
)

#: Fewest snapshots :func:`train_and_evaluate` needs: one to train, one held out, the current.
MIN_SNAPSHOTS = 3

#: Name of the model in :class:`ChurnModelResult`.
MODEL_NAME = "hist_gradient_boosting"


# --- features and labels -----------------------------------------------------------------


def active_customers(
    customers: pd.DataFrame, as_of: date | pd.Timestamp, *, spans: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Customers active at ``as_of``: joined on or before it (or join date unknown) and
    not churned on or before it. ``join_date`` and ``churn_date`` indexed by customer_id.
    ``spans``: ``customer_spans(customers)`` when the caller has it already."""
    day = as_day(as_of)
    spans = customer_spans(customers) if spans is None else spans
    joined = spans["join_date"].isna() | (spans["join_date"] <= day)
    staying = spans["churn_date"].isna() | (spans["churn_date"] > day)
    return spans[joined & staying]


def customer_features(
    as_of: date | pd.Timestamp,
    orders: pd.DataFrame,
    customers: pd.DataFrame,
    responses: pd.DataFrame,
    tickets: pd.DataFrame,
    *,
    lookback_days: int = 365,
    trend_days: int = 90,
    spans: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Churn features of every customer active at ``as_of`` (see :func:`active_customers`;
    ``spans`` as there).

    Nothing dated after ``as_of`` is used. Order, survey and ticket figures cover the
    lookback window ``(as_of − lookback_days, as_of]``; recency and tenure use all
    history up to ``as_of``. Columns (:data:`FEATURE_COLUMNS`, index customer_id):

    - ``recency_days`` — days since the last order; since joining for a customer who
      never ordered (days since the last sign of activity);
    - ``frequency``, ``monetary`` — orders and spend in the lookback window;
    - ``monetary_trend`` — ``(S1 − S0) / (|S1| + |S0|)`` with S1 the spend in the last
      ``trend_days`` (90) days and S0 in the 90 days before: a bounded ratio in
      [−1, 1], −1 = stopped buying, +1 = started, 0 = steady or no spend in either;
    - ``tenure_days`` — days since joining (NaN when the join date is unknown);
    - ``csat_mean`` — mean CSAT of the window's responses; ``ltr_last`` — the latest
      likelihood-to-recommend answer; ``detractor`` — 1 when ``ltr_last`` ≤ 6. Each is
      NaN without survey data, flagged by ``csat_missing`` / ``ltr_missing`` = 1;
    - ``tickets``, ``complaints`` — tickets opened in the window, and those flagged as
      complaints; ``contacts_mean`` — mean contacts per ticket over the window's
      tickets already resolved by ``as_of`` (the contact count of an open ticket is not
      final yet, so using it would leak), NaN when there are none.
    """
    if lookback_days < 1 or trend_days < 1:
        raise ValueError(
            f"lookback_days and trend_days must be >= 1, got {lookback_days}, {trend_days}"
        )
    day = as_day(as_of)
    active = active_customers(customers, day, spans=spans)
    ids = active.index
    out = pd.DataFrame(index=ids, columns=list(FEATURE_COLUMNS), dtype=float)

    rfm = rfm_values(orders, day, window_days=lookback_days).reindex(ids)
    tenure = (day - active["join_date"]).dt.days.astype(float)
    out["recency_days"] = rfm["recency_days"].astype(float).fillna(tenure)
    out["frequency"] = rfm["frequency"].fillna(0).astype(float)
    out["monetary"] = rfm["monetary"].fillna(0.0)
    out["monetary_trend"] = _spend_trend(orders, day, trend_days, ids)
    out["tenure_days"] = tenure

    survey = _survey_features(responses, day, lookback_days, ids)
    out[list(survey.columns)] = survey
    service = _ticket_features(tickets, day, lookback_days, ids)
    out[list(service.columns)] = service
    out.index.name = "customer_id"
    return out


def churn_labels(
    customers: pd.DataFrame,
    as_of: date | pd.Timestamp,
    horizon_days: int,
    *,
    spans: pd.DataFrame | None = None,
) -> pd.Series:
    """1 when a customer active at ``as_of`` churned in ``(as_of, as_of + horizon_days]``.

    Indexed by customer_id over the same population as :func:`customer_features`;
    a Series of 0/1 named ``churned``.
    """
    if horizon_days < 1:
        raise ValueError(f"horizon_days must be >= 1, got {horizon_days}")
    day = as_day(as_of)
    active = active_customers(customers, day, spans=spans)
    churn = active["churn_date"]
    within = churn.notna() & (churn <= day + pd.Timedelta(days=horizon_days))
    return within.astype(int).rename("churned")


def _spend_trend(
    orders: pd.DataFrame, day: pd.Timestamp, trend_days: int, ids: pd.Index
) -> pd.Series:
    past = orders_until(orders, day)
    span = pd.Timedelta(days=trend_days)
    recent = past[past["date"] > day - span]
    before = past[(past["date"] > day - 2 * span) & (past["date"] <= day - span)]
    s1 = recent.groupby("customer_id")["amount"].sum().reindex(ids, fill_value=0.0)
    s0 = before.groupby("customer_id")["amount"].sum().reindex(ids, fill_value=0.0)
    scale = s1.abs() + s0.abs()
    return ((s1 - s0) / scale.where(scale > 0)).fillna(0.0)


def _window(
    table: pd.DataFrame, column: str, day: pd.Timestamp, lookback_days: int, ids: pd.Index
) -> tuple[pd.DataFrame, pd.Series]:
    """Rows of customers in ``ids`` dated in ``(day − lookback, day]``, with their days."""
    days = day_series(table[column])
    keep = ((days <= day) & (days > day - pd.Timedelta(days=lookback_days))).to_numpy(bool)
    keep = keep & is_member(table["customer_id"], ids)
    return table[keep], days[keep]


def _survey_features(
    responses: pd.DataFrame, day: pd.Timestamp, lookback_days: int, ids: pd.Index
) -> pd.DataFrame:
    rows, days = _window(responses, "date", day, lookback_days, ids)
    frame = pd.DataFrame(
        {
            "customer_id": rows["customer_id"].to_numpy(),
            "date": days.to_numpy(),
            "csat": _numbers(rows, "csat"),
            "ltr": _numbers(rows, "ltr"),
        }
    )
    csat_mean = frame.groupby("customer_id")["csat"].mean().reindex(ids)
    with_ltr = frame.dropna(subset=["ltr"]).sort_values("date", kind="stable")
    ltr_last = with_ltr.groupby("customer_id")["ltr"].last().reindex(ids)
    return pd.DataFrame(
        {
            "csat_mean": csat_mean,
            "csat_missing": csat_mean.isna().astype(float),
            "ltr_last": ltr_last,
            "ltr_missing": ltr_last.isna().astype(float),
            "detractor": (ltr_last < 7).astype(float).where(ltr_last.notna()),
        },
        index=ids,
    )


def _ticket_features(
    tickets: pd.DataFrame, day: pd.Timestamp, lookback_days: int, ids: pd.Index
) -> pd.DataFrame:
    rows, _ = _window(tickets, "opened_at", day, lookback_days, ids)
    complaint = (
        rows["complaint"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        if "complaint" in rows.columns
        else np.zeros(len(rows), dtype=bool)
    )
    resolved = (
        (day_series(rows["resolved_at"]) <= day).fillna(False).to_numpy(dtype=bool)
        if "resolved_at" in rows.columns
        else np.ones(len(rows), dtype=bool)
    )
    frame = pd.DataFrame(
        {
            "customer_id": rows["customer_id"].to_numpy(),
            "complaint": complaint.astype(float),
            "contacts": np.where(resolved, _numbers(rows, "contacts"), np.nan),
        }
    )
    grouped = frame.groupby("customer_id")
    return pd.DataFrame(
        {
            "tickets": grouped.size().reindex(ids, fill_value=0).astype(float),
            "complaints": grouped["complaint"].sum().reindex(ids, fill_value=0.0),
            "contacts_mean": grouped["contacts"].mean().reindex(ids),
        },
        index=ids,
    )


def _numbers(rows: pd.DataFrame, column: str) -> np.ndarray:
    if column not in rows.columns:
        return np.full(len(rows), np.nan)
    return pd.to_numeric(rows[column], errors="coerce").to_numpy(dtype=float)


# --- model -------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ChurnModelResult:
    """Outcome of :func:`train_and_evaluate`.

    Evaluation figures are on the held-out snapshot (``test_snapshot``): ``auc``
    (ROC AUC), ``base_rate`` (share churned), ``top_decile_rate`` (share churned among
    the ``n_top_decile`` = ⌈10%⌉ highest-scored customers) and ``lift_top_decile`` =
    top_decile_rate / base_rate. ``scores`` maps each customer active at ``current``
    to the refitted model's probability of churning within the next period (named
    ``probability``). When ``reason`` is set the model could not be trained or
    evaluated: the figures that could not be computed are NaN and ``scores`` is empty.
    """

    reason: str | None
    model: str
    features: tuple[str, ...]
    train_snapshots: tuple[date, ...]
    test_snapshot: date | None
    current: date | None
    n_train: int
    positives_train: int
    n_test: int
    positives_test: int
    base_rate: float
    auc: float
    top_decile_rate: float
    lift_top_decile: float
    n_top_decile: int
    scores: pd.Series = field(default_factory=lambda: pd.Series(dtype=float, name="probability"))


def build_model(random_state: int = 0) -> Any:
    """The churn classifier: a small, regularised histogram gradient-boosting model.

    Why gradient boosting rather than a logistic regression: churn risk is typically
    non-linear and thresholded in recency and tenure and interacts with complaints;
    boosted trees capture that without hand-made transforms, are invariant to the
    heavy skew of spend and counts (no log/scaling choices), and handle the missing
    survey answers natively (the ``*_missing`` flags make the missingness explicit
    too). Regularised for a few hundred positives: depth-3 trees, at least 40
    customers per leaf, L2 penalty, learning rate 0.1 and a fixed 100 rounds
    without early stopping, so the fit has no inner random split and is
    deterministic (fitted single-threaded: :func:`.segments.single_thread`). No class
    weighting: the probabilities stay calibrated to the base
    rate, which the expected-loss ranking relies on.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        learning_rate=0.1,
        max_iter=100,
        max_depth=3,
        min_samples_leaf=40,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=random_state,
    )


def train_and_evaluate(
    snapshots: Sequence[date | pd.Timestamp],
    orders: pd.DataFrame,
    customers: pd.DataFrame,
    responses: pd.DataFrame,
    tickets: pd.DataFrame,
    *,
    lookback_days: int = 365,
    random_state: int = 0,
    min_train_positives: int = 20,
    min_test_positives: int = 10,
    max_fit_rows: int = 30_000,
) -> ChurnModelResult:
    """Train on earlier snapshots, evaluate on the latest labelled one, score the current.

    ``snapshots`` are period ends, oldest first; the last is the current period end
    (see the module docstring for the scheme). No error for thin data — the result
    carries a ``reason`` and no scores when:

    - fewer than :data:`MIN_SNAPSHOTS` (3) snapshots are given;
    - the training snapshots hold fewer than ``min_train_positives`` (20) churners or
      fewer than that many non-churners;
    - the held-out snapshot holds fewer than ``min_test_positives`` (10) churners or
      non-churners (AUC and lift would be noise);
    - no customer is active at the current period end.

    The model is :func:`build_model`; AUC is ``sklearn.metrics.roc_auc_score``. Each
    fit uses at most ``max_fit_rows`` customer-snapshots (a uniform sample drawn from
    ``random_state`` beyond that; the counts reported are those of all rows) — trees
    cost time in proportion to rows, and 30,000 rows hold hundreds of churners even at
    a 1 % churn rate.
    """
    days = [as_day(d) for d in snapshots]
    if any(b <= a for a, b in zip(days, days[1:], strict=False)):
        raise ValueError(
            "snapshots must be strictly increasing period ends, got "
            f"{[d.date().isoformat() for d in days]}"
        )
    base: dict[str, Any] = {
        "model": MODEL_NAME,
        "features": FEATURE_COLUMNS,
        "train_snapshots": tuple(d.date() for d in days[:-2]),
        "test_snapshot": days[-2].date() if len(days) >= 2 else None,
        "current": days[-1].date() if days else None,
    }
    if len(days) < MIN_SNAPSHOTS:
        return _without_model(base, Reason("churn_snapshots", n=len(days), least=MIN_SNAPSHOTS))

    # Prepared once for every snapshot: the customers' spans, and the orders as days
    # and numbers (none after the current period end is ever used).
    spans = customer_spans(customers)
    tables = (orders_until(orders, days[-1]), customers, responses, tickets)
    labelled = [
        _snapshot(days[i], days[i + 1], tables, lookback_days, spans) for i in range(len(days) - 1)
    ]
    x_train = pd.concat([x for x, _ in labelled[:-1]], ignore_index=True)
    y_train = pd.concat([y for _, y in labelled[:-1]], ignore_index=True)
    x_test, y_test = labelled[-1]
    counts = {
        "n_train": len(y_train),
        "positives_train": int(y_train.sum()),
        "n_test": len(y_test),
        "positives_test": int(y_test.sum()),
    }
    base_rate = counts["positives_test"] / counts["n_test"] if counts["n_test"] else math.nan
    thin = _too_thin(counts, min_train_positives, min_test_positives)
    if thin:
        return _without_model(base, thin, counts=counts, base_rate=base_rate)

    from sklearn.metrics import roc_auc_score

    with single_thread():
        model = build_model(random_state).fit(*_at_most(x_train, y_train, max_fit_rows))
        p_test = model.predict_proba(x_test)[:, 1]
    auc = float(roc_auc_score(y_test, p_test))
    n_top, top_rate = _top_decile(p_test, y_test.to_numpy(), x_test.index)

    x_current = customer_features(days[-1], *tables, lookback_days=lookback_days, spans=spans)
    figures = {
        "counts": counts,
        "base_rate": base_rate,
        "auc": auc,
        "top_rate": top_rate,
        "n_top": n_top,
    }
    if x_current.empty:
        return _without_model(base, Reason("churn_no_active"), **figures)

    x_all = pd.concat([x_train, x_test.reset_index(drop=True)], ignore_index=True)
    y_all = pd.concat([y_train, y_test.reset_index(drop=True)], ignore_index=True)
    with single_thread():
        final = build_model(random_state).fit(*_at_most(x_all, y_all, max_fit_rows))
        probability = final.predict_proba(x_current[list(FEATURE_COLUMNS)])[:, 1]
    scores = pd.Series(probability, index=x_current.index, name="probability")
    return ChurnModelResult(
        reason=None,
        **base,
        **counts,
        base_rate=base_rate,
        auc=auc,
        top_decile_rate=top_rate,
        lift_top_decile=top_rate / base_rate,
        n_top_decile=n_top,
        scores=scores,
    )


def _at_most(x: pd.DataFrame, y: pd.Series, rows: int) -> tuple[pd.DataFrame, pd.Series]:
    """``x``, ``y`` or a uniform sample of ``rows`` of them (fixed seed, order kept)."""
    if len(x) <= rows:
        return x, y
    pick = np.sort(np.random.default_rng(0).choice(len(x), size=rows, replace=False))
    return x.iloc[pick], y.iloc[pick]


def _snapshot(
    as_of: pd.Timestamp,
    next_end: pd.Timestamp,
    tables: tuple[pd.DataFrame, ...],
    lookback_days: int,
    spans: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.Series]:
    orders, customers, responses, tickets = tables
    x = customer_features(
        as_of, orders, customers, responses, tickets, lookback_days=lookback_days, spans=spans
    )
    y = churn_labels(customers, as_of, (next_end - as_of).days, spans=spans).reindex(x.index)
    return x[list(FEATURE_COLUMNS)], y


def _too_thin(counts: dict[str, int], min_train: int, min_test: int) -> str | None:
    checks = (
        ("training", counts["positives_train"], counts["n_train"], min_train),
        ("held_out", counts["positives_test"], counts["n_test"], min_test),
    )
    for what, positives, n, least in checks:
        negatives = n - positives
        if positives < least or negatives < least:
            return Reason(
                f"churn_thin_{what}", positives=positives, negatives=negatives, least=least
            )
    return None


def _top_decile(probability: np.ndarray, churned: np.ndarray, ids: pd.Index) -> tuple[int, float]:
    """Size of the top 10% (rounded up) and its churn rate; ties broken by customer id."""
    n_top = math.ceil(0.1 * len(probability))
    order = np.lexsort((ids.astype(str).to_numpy(), -probability))
    return n_top, float(churned[order[:n_top]].mean())


def _without_model(
    base: dict[str, Any],
    reason: str,
    *,
    counts: dict[str, int] | None = None,
    base_rate: float = math.nan,
    auc: float = math.nan,
    top_rate: float = math.nan,
    n_top: int = 0,
) -> ChurnModelResult:
    counts = counts or {"n_train": 0, "positives_train": 0, "n_test": 0, "positives_test": 0}
    lift = top_rate / base_rate if base_rate and not math.isnan(top_rate) else math.nan
    return ChurnModelResult(
        reason=reason,
        **base,
        **counts,
        base_rate=base_rate,
        auc=auc,
        top_decile_rate=top_rate,
        lift_top_decile=lift,
        n_top_decile=n_top,
    )


# --- who to call first -------------------------------------------------------------------


def high_value_at_risk(
    scores: pd.Series,
    value: pd.Series,
    *,
    top: int = 50,
    min_probability: float = 0.2,
) -> pd.DataFrame:
    """The customers with the highest expected loss ``probability × value``.

    ``scores`` (churn probability) and ``value`` (e.g. last year's spend or CLV) are
    indexed by customer_id; customers missing from either, or with a missing value,
    are left out. Only customers with probability ≥ ``min_probability`` count as at
    risk (default 0.2: a one-in-five chance of leaving within the next period), so a
    very valuable but safe customer does not top the list on value alone. Sorted by
    expected loss, then probability, then customer_id; at most ``top`` rows.
    Columns: customer_id, probability, value, expected_loss — ids only, no names.
    """
    if top < 0:
        raise ValueError(f"top must be >= 0, got {top}")
    if not 0 <= min_probability <= 1:
        raise ValueError(f"min_probability must be in [0, 1], got {min_probability}")
    frame = pd.DataFrame(
        {
            "probability": pd.to_numeric(scores, errors="coerce"),
            "value": pd.to_numeric(value, errors="coerce").reindex(scores.index),
        }
    ).dropna()
    frame = frame[frame["probability"] >= min_probability]
    frame["expected_loss"] = frame["probability"] * frame["value"]
    frame = frame.rename_axis("customer_id").reset_index()
    frame = frame.sort_values(
        ["expected_loss", "probability", "customer_id"],
        ascending=[False, False, True],
        kind="stable",
    )
    columns = ["customer_id", "probability", "value", "expected_loss"]
    return frame.head(top)[columns].reset_index(drop=True)
