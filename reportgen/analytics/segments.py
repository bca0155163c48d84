"""Customer segmentation for chapter 4: RFM tiers, lifecycle stages, segment profiles, k-means.

Pure functions over canonical frames (``orders``: customer_id, date, amount;
``customers``: customer_id, join_date, churn_date; ``responses``: customer_id, date,
csat, ltr). Dates may be ``datetime64`` columns or python ``date`` objects; every
date is compared at day resolution (a timestamp counts on its calendar day) and
every period bound is inclusive. Per-customer results are indexed by
``customer_id``; segment ids are stable snake_case ids that the report translates.

The frames are expected to describe one scope (one business unit, or the
consolidated company). A customer listed under several units in ``customers``
counts once: earliest join date, and churned only when churned everywhere (then on
the latest churn date) — see :func:`customer_spans`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from reportgen import stats
from reportgen.texts import Reason

#: RFM segment ids, best to worst (the order used in tables and charts).
RFM_SEGMENTS: tuple[str, ...] = (
    "champions",
    "loyal",
    "potential_loyalist",
    "new",
    "promising",
    "need_attention",
    "about_to_sleep",
    "cant_lose",
    "at_risk",
    "hibernating",
    "lost",
)

#: The RFM rule table on the 5-point scale: (segment, R range, FM range), ranges
#: inclusive. FM is the mean of the F and M scores rounded half up. The rows tile the
#: 5 × 5 grid exactly once (a test checks it)::
#:
#:     R \ FM | 1               2                   3                   4         5
#:     -------+--------------------------------------------------------------------------
#:     5      | new             potential_loyalist  potential_loyalist  champions champions
#:     4      | promising       potential_loyalist  potential_loyalist  loyal     loyal
#:     3      | about_to_sleep  about_to_sleep      need_attention      loyal     loyal
#:     2      | hibernating     hibernating         at_risk             at_risk   cant_lose
#:     1      | lost            hibernating         at_risk             at_risk   cant_lose
RFM_RULES: tuple[tuple[str, tuple[int, int], tuple[int, int]], ...] = (
    ("champions", (5, 5), (4, 5)),
    ("loyal", (3, 4), (4, 5)),
    ("potential_loyalist", (4, 5), (2, 3)),
    ("new", (5, 5), (1, 1)),
    ("promising", (4, 4), (1, 1)),
    ("need_attention", (3, 3), (3, 3)),
    ("about_to_sleep", (3, 3), (1, 2)),
    ("cant_lose", (1, 2), (5, 5)),
    ("at_risk", (1, 2), (3, 4)),
    ("hibernating", (2, 2), (1, 2)),
    ("hibernating", (1, 1), (2, 2)),
    ("lost", (1, 1), (1, 1)),
)

#: Lifecycle stage ids, in reading order.
LIFECYCLE_STAGES: tuple[str, ...] = ("new", "growing", "mature", "declining", "churned")

#: Label of customers whose segment value is missing in :func:`segment_profile`.
UNASSIGNED = "unassigned"

#: Columns of :func:`segment_profile`, after the segment column itself.
PROFILE_COLUMNS: tuple[str, ...] = (
    "customers",
    "share",
    "revenue",
    "revenue_share",
    "csat_mean",
    "csat_n",
    "nps",
    "nps_moe",
    "nps_n",
    "churned",
    "churn_n",
    "churn_rate",
)

_EPS = 1e-9


# --- dates and customers shared with reportgen.analytics.churn -------------------------


def as_day(value: date | pd.Timestamp | str) -> pd.Timestamp:
    """A date, datetime or Timestamp as a naive midnight Timestamp (its calendar day)."""
    ts = pd.Timestamp(value)
    if ts.tz is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def day_series(values: pd.Series) -> pd.Series:
    """A column of dates (datetime64 or python dates, None/NaT allowed) as naive days."""
    out = pd.to_datetime(values)
    if out.dt.tz is not None:
        out = out.dt.tz_localize(None)
    return out.dt.normalize()


def is_member(values: pd.Series, ids: pd.Index) -> np.ndarray:
    """Boolean mask: which ``values`` are in ``ids`` (Arrow's hash set: ~8× faster than
    ``Series.isin`` on string columns, which loops in Python)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(values) == 0:
        return np.zeros(0, dtype=bool)
    arr = pa.array(pd.Series(values), from_pandas=True)
    wanted = pa.array(pd.Series(pd.Index(ids)), from_pandas=True)
    if arr.type != wanted.type:  # e.g. integer ids on one side: compare as text
        arr, wanted = arr.cast(pa.string()), wanted.cast(pa.string())
    return pc.is_in(arr, value_set=wanted).fill_null(False).to_numpy(zero_copy_only=False)


def customer_spans(customers: pd.DataFrame) -> pd.DataFrame:
    """``join_date`` and ``churn_date`` per customer, indexed by ``customer_id``.

    A customer listed more than once (one row per business unit) joined on the
    earliest join date and churned only when every row carries a churn date (then on
    the latest one). A missing ``churn_date`` column means nobody churned.
    """
    frame = pd.DataFrame(
        {
            "customer_id": customers["customer_id"].to_numpy(),
            "join_date": day_series(customers["join_date"]).to_numpy(),
            "churn_date": (
                day_series(customers["churn_date"]).to_numpy()
                if "churn_date" in customers.columns
                else pd.NaT
            ),
        }
    )
    frame = frame.dropna(subset=["customer_id"])
    grouped = frame.groupby("customer_id", sort=True)
    churn_all = grouped["churn_date"].count() == grouped.size()
    return pd.DataFrame(
        {
            "join_date": grouped["join_date"].min(),
            "churn_date": grouped["churn_date"].max().where(churn_all),
        }
    )


def orders_until(orders: pd.DataFrame, end: date | pd.Timestamp) -> pd.DataFrame:
    """Orders dated on or before ``end``: columns customer_id, date (day), amount (float)."""
    frame = pd.DataFrame(
        {
            "customer_id": orders["customer_id"].to_numpy(),
            "date": day_series(orders["date"]).to_numpy(),
            "amount": pd.to_numeric(orders["amount"], errors="coerce").to_numpy(dtype=float),
        }
    )
    frame = frame.dropna(subset=["customer_id", "date"])
    return frame[frame["date"] <= as_day(end)]


def rfm_values(
    orders: pd.DataFrame, as_of: date | pd.Timestamp, *, window_days: int | None = 365
) -> pd.DataFrame:
    """Raw recency, frequency and monetary value per customer who ordered by ``as_of``.

    ``recency_days`` counts days from the last order on or before ``as_of`` (any age);
    ``frequency`` (order count) and ``monetary`` (amount sum) cover the window of
    ``window_days`` days ending on ``as_of`` — dates in ``(as_of − window_days, as_of]``
    — or all history when ``window_days`` is None. Orders after ``as_of`` are ignored.
    Columns: last_order, recency_days, frequency, monetary.
    """
    if window_days is not None and window_days < 1:
        raise ValueError(f"window_days must be >= 1 or None, got {window_days}")
    day = as_day(as_of)
    past = orders_until(orders, day)
    grouped = past.groupby("customer_id", sort=True)
    last = grouped["date"].max()
    window = past if window_days is None else past[past["date"] > day - _days(window_days)]
    in_window = window.groupby("customer_id")
    out = pd.DataFrame(
        {
            "last_order": last,
            "recency_days": (day - last).dt.days.astype(int),
            "frequency": in_window.size().reindex(last.index, fill_value=0).astype(int),
            "monetary": in_window["amount"].sum().reindex(last.index, fill_value=0.0),
        }
    )
    out.index.name = "customer_id"
    return out


# --- RFM ---------------------------------------------------------------------------------


def rank_scores(values: pd.Series, bins: int, *, higher_is_better: bool = True) -> pd.Series:
    """Quantile scores 1..``bins`` from mid-ranks, safe under any amount of ties.

    ``score = ⌈bins · (midrank − ½) / n⌉`` where the midrank is the average rank of a
    group of tied values. Tied values therefore always share a score, a column where
    every value is equal scores the middle bin, and no bin edge can collapse (the
    failure of ``pd.qcut`` when, say, most customers have exactly one order). With
    distinct values and n a multiple of ``bins`` the bins are exact equal-size
    quantile groups. The mapping is symmetric: reversing the direction maps score s to
    ``bins + 1 − s``. Missing values stay missing.
    """
    _check_bins(bins)
    x = pd.to_numeric(values, errors="coerce").astype(float)
    if not higher_is_better:
        x = -x
    n = int(x.notna().sum())
    if n == 0:
        return pd.Series(pd.array([pd.NA] * len(x), dtype="Int64"), index=values.index)
    pct = (x.rank(method="average") - 0.5) / n
    scores = np.ceil(pct * bins - _EPS).clip(1, bins)
    return scores.astype("Int64")


def rfm_scores(
    orders: pd.DataFrame,
    as_of: date | pd.Timestamp,
    *,
    bins: int = 5,
    window_days: int | None = 365,
) -> pd.DataFrame:
    """RFM values, scores and segment for every customer with an order by ``as_of``.

    Values as in :func:`rfm_values`. Scores 1..``bins`` come from :func:`rank_scores`
    (mid-rank quantiles: ties share a score, heavy ties never fail): R is higher for
    more recent buyers, F and M are higher for more orders / more spend. Customers who
    ordered before the window but not in it keep frequency 0 and monetary 0 and so
    land in the lowest F/M scores. ``rfm_segment`` applies :func:`rfm_segment`.

    Columns (index customer_id): recency_days, frequency, monetary, r_score, f_score,
    m_score, rfm_segment.
    """
    _check_bins(bins)
    values = rfm_values(orders, as_of, window_days=window_days)
    out = values[["recency_days", "frequency", "monetary"]].copy()
    out["r_score"] = rank_scores(out["recency_days"], bins, higher_is_better=False)
    out["f_score"] = rank_scores(out["frequency"], bins)
    out["m_score"] = rank_scores(out["monetary"], bins)
    r5, f5, m5 = (_to_five(out[c].to_numpy(dtype=int), bins) for c in _SCORE_COLUMNS)
    out["rfm_segment"] = pd.Series(_RFM_LOOKUP[r5, (f5 + m5 + 1) // 2], index=out.index)
    return out


def rfm_segment(r: int, f: int, m: int, *, bins: int = 5) -> str:
    """The named RFM segment for scores ``r``, ``f``, ``m`` (each 1..``bins``).

    Looks up R and FM — the mean of F and M rounded half up — in :data:`RFM_RULES`
    (the common 5-bin R × FM grid: champions, loyal, potential_loyalist, new,
    promising, need_attention, about_to_sleep, cant_lose, at_risk, hibernating,
    lost). Scores on another number of bins are first rescaled linearly onto 1..5
    (``1 + round_half_up((s − 1) · 4 / (bins − 1))``), so 1 stays 1 and ``bins``
    becomes 5.
    """
    _check_bins(bins)
    five = []
    for name, score in (("r", r), ("f", f), ("m", m)):
        if not isinstance(score, int | np.integer) or not 1 <= score <= bins:
            raise ValueError(f"{name} score must be an integer in 1..{bins}, got {score!r}")
        five.append(int(_to_five(np.array([int(score)]), bins)[0]))
    r5, f5, m5 = five
    return str(_RFM_LOOKUP[r5, (f5 + m5 + 1) // 2])


def _to_five(scores: np.ndarray, bins: int) -> np.ndarray:
    """Scores on 1..bins rescaled linearly onto 1..5, rounded half up."""
    return 1 + np.floor((scores - 1) * 4 / (bins - 1) + 0.5).astype(int)


def _rfm_lookup() -> np.ndarray:
    """RFM_RULES as a 6 × 6 array indexed [R, FM] (row and column 0 unused)."""
    lookup = np.full((6, 6), None, dtype=object)
    for name, (r_low, r_high), (fm_low, fm_high) in RFM_RULES:
        lookup[r_low : r_high + 1, fm_low : fm_high + 1] = name
    return lookup


_RFM_LOOKUP: np.ndarray = _rfm_lookup()
_SCORE_COLUMNS: tuple[str, str, str] = ("r_score", "f_score", "m_score")


# --- lifecycle ---------------------------------------------------------------------------


def lifecycle_stage(
    orders: pd.DataFrame,
    customers: pd.DataFrame,
    period_start: date | pd.Timestamp,
    period_end: date | pd.Timestamp,
    *,
    inactive_days: int = 365,
    change_threshold: float = 0.20,
) -> pd.Series:
    """Lifecycle stage of every customer who joined by ``period_end``.

    The first rule that applies wins:

    1. ``churned`` — a churn date on or before ``period_end``;
    2. ``new`` — joined, or placed a first order, within the period;
    3. ``churned`` — lapsed: no order in the ``inactive_days`` days up to
       ``period_end`` (default 365) and joined before that window, so a recent joiner
       is never lapsed merely for being recent;
    4. ``growing`` — spend in the period above ``(1 + change_threshold)`` × spend in
       the previous period of the same length (default ±20%; any spend after none
       counts as growing);
    5. ``declining`` — spend below ``(1 − change_threshold)`` × previous spend;
    6. ``mature`` — otherwise (within ±20%, including no spend in either period).

    Customers lost before the period stay in the result as ``churned``; filter on
    ``churn_date`` to count only losses within it. The population is ``customers``
    (orders of customers not listed there are ignored). Returns a Series named
    ``lifecycle_stage`` indexed by customer_id, values from :data:`LIFECYCLE_STAGES`.
    """
    start, end = as_day(period_start), as_day(period_end)
    if end < start:
        raise ValueError(f"period_end {end.date()} is before period_start {start.date()}")
    if inactive_days < 1:
        raise ValueError(f"inactive_days must be >= 1, got {inactive_days}")
    if not 0 <= change_threshold < 1:
        raise ValueError(f"change_threshold must be in [0, 1), got {change_threshold}")
    spans = customer_spans(customers)
    spans = spans[spans["join_date"].isna() | (spans["join_date"] <= end)]
    ids = spans.index
    past = orders_until(orders, end)
    past = past[is_member(past["customer_id"], ids)]
    grouped = past.groupby("customer_id")
    first = grouped["date"].min().reindex(ids)
    last = grouped["date"].max().reindex(ids)
    length = _days((end - start).days + 1)
    spend = _spend(past, start, end, ids)
    previous = _spend(past, start - length, start - _days(1), ids)

    join = spans["join_date"]
    churned = spans["churn_date"].notna() & (spans["churn_date"] <= end)
    new = join.between(start, end) | first.between(start, end)
    last_activity = pd.concat([last, join], axis=1).max(axis=1)
    lapsed = last_activity.isna() | (last_activity <= end - _days(inactive_days))
    growing = spend > (1 + change_threshold) * previous + _EPS
    declining = spend < (1 - change_threshold) * previous - _EPS
    stage = np.select(
        [churned, new, lapsed, growing, declining],
        ["churned", "new", "churned", "growing", "declining"],
        default="mature",
    )
    return pd.Series(stage, index=ids, name="lifecycle_stage", dtype=object)


def _spend(past: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, ids: pd.Index) -> pd.Series:
    window = past[past["date"].between(start, end)]
    return window.groupby("customer_id")["amount"].sum().reindex(ids, fill_value=0.0)


# --- segment profile ---------------------------------------------------------------------


def segment_profile(
    customers_frame: pd.DataFrame,
    responses: pd.DataFrame,
    orders: pd.DataFrame,
    *,
    by: str = "rfm_segment",
    period_start: date | pd.Timestamp | None = None,
    period_end: date | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Size, value, satisfaction, loyalty and churn of each segment, with their n.

    ``customers_frame`` has one row per customer: ``customer_id`` (column or index),
    the segment column ``by`` and optionally ``churn_date``. Orders and responses are
    restricted to ``[period_start, period_end]`` (either bound may be None: open) and
    attached by customer_id; rows of customers not in the frame are ignored.

    Per segment (missing segment values form :data:`UNASSIGNED`):

    - ``customers`` and ``share`` of all customers in the frame;
    - ``revenue`` in the period and ``revenue_share`` of the frame's total revenue;
    - ``csat_mean`` — mean CSAT score of the period's responses, ``csat_n`` of them;
    - ``nps`` — % promoters (ltr 9–10) − % detractors (ltr 0–6) over the period's
      responses with an ltr, ``nps_moe`` its 95% margin of error
      (:func:`reportgen.stats.nps_estimate`), ``nps_n`` of them;
    - ``churn_rate`` = ``churned`` / ``churn_n``: customers with a churn date within
      the period over customers not churned before it (NaN without churn dates).

    Every response counts (a customer who answered twice counts twice). Rows are in
    :data:`RFM_SEGMENTS` or :data:`LIFECYCLE_STAGES` order when the values are those
    ids, otherwise largest segment first; :data:`UNASSIGNED` comes last.
    """
    start = None if period_start is None else as_day(period_start)
    end = None if period_end is None else as_day(period_end)
    frame = _one_row_per_customer(customers_frame, by)
    segment = frame[by].astype(object).where(frame[by].notna(), UNASSIGNED)
    segment_of = pd.Series(segment.to_numpy(), index=frame["customer_id"].to_numpy())

    order_rows = _in_period(orders, "date", start, end)
    revenue = (
        pd.to_numeric(order_rows["amount"], errors="coerce")
        .groupby(order_rows["customer_id"].map(segment_of))
        .sum()
    )
    answer_rows = _in_period(responses, "date", start, end)
    answer_segment = answer_rows["customer_id"].map(segment_of)
    answer_rows = answer_rows[answer_segment.notna()]
    answer_segment = answer_segment[answer_segment.notna()]

    rows = []
    labels = _profile_order(segment)
    for label in labels:
        rows.append(
            {
                by: label,
                "customers": int((segment == label).sum()),
                "revenue": float(revenue.get(label, 0.0)),
                **_survey_figures(answer_rows[answer_segment == label]),
                **_churn_figures(frame[(segment == label).to_numpy()], start, end),
            }
        )
    out = pd.DataFrame(rows, columns=[by, *PROFILE_COLUMNS])
    total_customers = out["customers"].sum()
    total_revenue = out["revenue"].sum()
    out["share"] = out["customers"] / total_customers if total_customers else math.nan
    out["revenue_share"] = out["revenue"] / total_revenue if total_revenue else math.nan
    return out


def _one_row_per_customer(customers_frame: pd.DataFrame, by: str) -> pd.DataFrame:
    frame = customers_frame
    if "customer_id" not in frame.columns:
        frame = frame.rename_axis("customer_id").reset_index()
    if by not in frame.columns:
        raise ValueError(
            f"segment column {by!r} is not in customers_frame; columns: {sorted(frame.columns)}"
        )
    repeated = frame["customer_id"][frame["customer_id"].duplicated()]
    if len(repeated):
        raise ValueError(
            "customers_frame must have one row per customer; repeated customer_id: "
            f"{list(repeated.unique()[:5])}"
        )
    return frame.reset_index(drop=True)


def _in_period(
    table: pd.DataFrame, column: str, start: pd.Timestamp | None, end: pd.Timestamp | None
) -> pd.DataFrame:
    days = day_series(table[column])
    keep = days.notna()
    if start is not None:
        keep &= days >= start
    if end is not None:
        keep &= days <= end
    return table[keep.to_numpy()]


def _survey_figures(answers: pd.DataFrame) -> dict[str, Any]:
    csat = (
        pd.to_numeric(answers["csat"], errors="coerce").dropna()
        if "csat" in answers.columns
        else pd.Series(dtype=float)
    )
    ltr = (
        pd.to_numeric(answers["ltr"], errors="coerce").dropna()
        if "ltr" in answers.columns
        else pd.Series(dtype=float)
    )
    promoters = int((ltr >= 9).sum())
    detractors = int((ltr < 7).sum())
    nps = stats.nps_estimate(promoters, len(ltr) - promoters - detractors, detractors)
    return {
        "csat_mean": float(csat.mean()) if len(csat) else math.nan,
        "csat_n": len(csat),
        "nps": nps.score,
        "nps_moe": nps.margin_of_error,
        "nps_n": nps.n,
    }


def _churn_figures(
    members: pd.DataFrame, start: pd.Timestamp | None, end: pd.Timestamp | None
) -> dict[str, Any]:
    if "churn_date" not in members.columns:
        return {"churned": 0, "churn_n": 0, "churn_rate": math.nan}
    churn = day_series(members["churn_date"])
    at_start = churn.isna() if start is None else churn.isna() | (churn >= start)
    lost = churn.notna() & at_start
    if end is not None:
        lost &= churn <= end
    churn_n = int(at_start.sum())
    churned = int(lost.sum())
    return {
        "churned": churned,
        "churn_n": churn_n,
        "churn_rate": churned / churn_n if churn_n else math.nan,
    }


def _profile_order(segment: pd.Series) -> list[Any]:
    present = [v for v in segment.unique() if v != UNASSIGNED]
    tail = [UNASSIGNED] if (segment == UNASSIGNED).any() else []
    for known in (RFM_SEGMENTS, LIFECYCLE_STAGES):
        if set(present) <= set(known):
            return [v for v in known if v in set(present)] + tail
    sizes = segment.value_counts()
    return sorted(present, key=lambda v: (-int(sizes[v]), str(v))) + tail


# --- k-means -----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class KMeansResult:
    """Outcome of :func:`kmeans_segments`.

    ``labels`` maps every customer (feature-frame index) to a cluster 0..k−1, numbered
    by size (0 = largest); customers with a missing feature get <NA>. ``centres`` are
    the cluster centroids back in original units (for log-transformed features the
    centroid of log1p values, i.e. a geometric-type mean); ``sizes`` count customers
    per cluster. ``silhouette_by_k`` holds the mean silhouette of every k tried and
    ``silhouette`` the chosen one. ``reason`` is set (and k is 0, frames empty) when
    no clustering was possible.
    """

    k: int
    labels: pd.Series
    centres: pd.DataFrame
    sizes: pd.Series
    silhouette: float
    silhouette_by_k: dict[int, float]
    features: tuple[str, ...]
    log_features: tuple[str, ...]
    n_rows: int
    n_excluded: int
    n_fit: int
    n_silhouette: int
    reason: str | None = None


def single_thread() -> Any:
    """Run scikit-learn's OpenMP loops and NumPy's BLAS on one thread (every insight
    analysis runs inside it).

    At this size (tens of thousands of customers) a single-threaded fit takes a
    fraction of a second, whereas threads competing with other work on a busy 2-core
    machine made the same fit many times slower: OpenMP in the churn model ~40×
    (0.2 s → 9 s), BLAS dot products in the BG/NBD likelihood ~7× (1.3 → 9 ms per
    evaluation). One thread also keeps the sums' order, hence the fits, the same on
    every machine.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def kmeans_segments(
    features: pd.DataFrame,
    *,
    k_range: Iterable[int] = range(2, 7),
    random_state: int = 0,
    log_features: Iterable[str] = ("frequency", "monetary"),
    max_fit_rows: int = 100_000,
    max_silhouette_rows: int = 4_000,
) -> KMeansResult:
    """Behavioural clusters with the number of clusters chosen by silhouette.

    ``features``: one row per customer (index = customer id, or a ``customer_id``
    column) and numeric columns only. Columns named in ``log_features`` are
    transformed with ``log1p`` (negative values clipped to 0 first) because spend and
    order counts are heavily right-skewed; then every column is z-scored. Rows with a
    missing value are left out (``n_excluded``) and labelled <NA>.

    For each k in ``k_range`` (k-means++, 10 initialisations, ``random_state``) the
    mean silhouette coefficient is computed; the k with the highest one wins, the
    smaller k on a tie. Bounded work on large inputs: k-means is fitted on at most
    ``max_fit_rows`` rows and the silhouette (quadratic in n) computed on at most
    ``max_silhouette_rows`` rows, both drawn deterministically from ``random_state``
    (``n_fit`` and ``n_silhouette`` report the sizes used; the same silhouette
    sample serves every k, so the scores compare like with like); every row is then
    assigned to its nearest centre. Measured on a 2-core machine, per k tried: one
    silhouette over 4,000 rows ~0.2 s, over 10,000 ~1 s, over 20,000 ~2.7 s (7 s when
    busy); a 10-start k-means on 100,000 rows ~0.5 s (4 s when busy) — hence the
    defaults.
    """
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import StandardScaler

    frame = features.set_index("customer_id") if "customer_id" in features.columns else features
    columns = tuple(str(c) for c in frame.columns)
    logs = tuple(c for c in log_features if c in columns)
    numeric = frame.apply(pd.to_numeric, errors="coerce").astype(float)
    complete = numeric.dropna()
    ks = sorted({int(k) for k in k_range})
    n_rows = len(numeric)
    base: dict[str, Any] = {
        "features": columns,
        "log_features": logs,
        "n_rows": n_rows,
        "n_excluded": n_rows - len(complete),
    }
    valid_ks = [k for k in ks if 2 <= k <= len(complete) - 1]
    if not valid_ks:
        return _empty_kmeans(base, Reason("kmeans_few_rows", n=len(complete), ks=ks))

    transformed = complete.copy()
    for col in logs:
        transformed[col] = np.log1p(transformed[col].clip(lower=0))
    scaler = StandardScaler().fit(transformed)
    x_all = scaler.transform(transformed)
    rng = np.random.default_rng(random_state)
    fit_idx = _sample(rng, len(x_all), max_fit_rows)
    x_fit = x_all[fit_idx]
    sil_idx = _sample(rng, len(x_fit), max_silhouette_rows)

    fitted: dict[int, Any] = {}
    for k in valid_ks:
        with single_thread():
            fitted[k] = KMeans(n_clusters=k, n_init=10, random_state=random_state).fit(x_fit)
    scores = silhouettes(x_fit[sil_idx], {k: m.labels_[sil_idx] for k, m in fitted.items()})
    models = {k: m for k, m in fitted.items() if not math.isnan(scores[k])}
    if not models:
        return _empty_kmeans(base, Reason("kmeans_no_clusters"))
    best = max(models, key=lambda k: (scores[k], -k))
    model = models[best]

    raw = model.predict(x_all)
    sizes_raw = np.bincount(raw, minlength=best)
    order = sorted(range(best), key=lambda c: (-sizes_raw[c], c))
    relabel = np.empty(best, dtype=int)
    relabel[order] = np.arange(best)
    labels = pd.Series(pd.NA, index=numeric.index, dtype="Int64", name="cluster")
    labels.loc[complete.index] = relabel[raw]

    centres = pd.DataFrame(
        scaler.inverse_transform(model.cluster_centers_[order]), columns=list(columns)
    )
    for col in logs:
        centres[col] = np.expm1(centres[col])
    centres.index.name = "cluster"
    sizes = pd.Series(sizes_raw[order], index=centres.index, name="customers")
    return KMeansResult(
        k=best,
        labels=labels,
        centres=centres,
        sizes=sizes,
        silhouette=scores[best],
        silhouette_by_k=scores,
        n_fit=len(fit_idx),
        n_silhouette=len(sil_idx),
        **base,
    )


def silhouettes(
    x: np.ndarray, labelings: dict[int, np.ndarray], chunk: int = 1_000
) -> dict[int, float]:
    """Mean silhouette coefficient (Rousseeuw 1987) of each labelling of the rows of
    ``x`` (Euclidean), NaN for a labelling with fewer than two clusters.

    The same as :func:`sklearn.metrics.silhouette_score` for each labelling, but the
    pairwise distances — the quadratic part — are computed once for all of them, a
    block of ``chunk`` rows at a time: per block, each labelling needs only the sums
    of distances to each of its clusters (one matrix product). A point alone in its
    cluster scores 0."""
    from sklearn.metrics import pairwise_distances

    n = len(x)
    codes = {k: np.unique(lab, return_inverse=True)[1] for k, lab in labelings.items()}
    onehot = {k: np.eye(c.max() + 1 if n else 0)[c] for k, c in codes.items()}
    sums = {k: np.empty_like(h) for k, h in onehot.items()}
    for start in range(0, n, chunk):
        d = pairwise_distances(x[start : start + chunk], x)
        for k, h in onehot.items():
            sums[k][start : start + chunk] = d @ h
    out: dict[int, float] = {}
    for k, c in codes.items():
        sizes = np.bincount(c).astype(float)
        if len(sizes) < 2:
            out[k] = math.nan
            continue
        rows = np.arange(n)
        own = sizes[c]
        a = sums[k][rows, c] / np.maximum(own - 1, 1)
        mean_to = sums[k] / sizes
        mean_to[rows, c] = np.inf
        b = mean_to.min(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            s = np.where(own > 1, (b - a) / np.maximum(a, b), 0.0)
        out[k] = float(np.nan_to_num(s).mean())
    return out


def _empty_kmeans(base: dict[str, Any], reason: str) -> KMeansResult:
    return KMeansResult(
        k=0,
        labels=pd.Series(dtype="Int64", name="cluster"),
        centres=pd.DataFrame(columns=list(base["features"])),
        sizes=pd.Series(dtype=int, name="customers"),
        silhouette=math.nan,
        silhouette_by_k={},
        n_fit=0,
        n_silhouette=0,
        reason=reason,
        **base,
    )


def _sample(rng: np.random.Generator, n: int, limit: int) -> np.ndarray:
    if n <= limit:
        return np.arange(n)
    return np.sort(rng.choice(n, size=limit, replace=False))


# --- helpers -----------------------------------------------------------------------------


def _days(n: int) -> pd.Timedelta:
    return pd.Timedelta(days=n)


def _check_bins(bins: int) -> None:
    if not isinstance(bins, int) or bins < 2:
        raise ValueError(f"bins must be an integer >= 2, got {bins!r}")
