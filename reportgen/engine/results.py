"""From aggregated components to reportable figures.

For every KPI × unit (× dimension value) this attaches: the value and its n, a
confidence interval (Wilson for proportions, t for means, the multinomial margin
of error for NPS), the previous period and the same period last year with the
change and a significance test appropriate to the KPI's kind (see
:mod:`reportgen.stats`), the minimum-n flag, the target with gap and attainment,
and a benchmark with its gap.

The minimum-n rule: when either side of a comparison has n below
``statistics.min_n`` the test is not run and ``sig_*`` is left empty — no claim is
made. A figure whose own n is below the minimum carries ``low_n = True``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from reportgen import stats
from reportgen.engine.registry import KpiDef, KpiParams
from reportgen.periods import Period

_FIGURE_COLUMNS: tuple[str, ...] = (
    "kpi",
    "unit",
    "period",
    "dimension",
    "dim_value",
    "kind",
    "value_unit",
    "direction",
    "n",
    "value",
    "ci_low",
    "ci_high",
    "moe",
    "low_n",
    "prev_period",
    "prev_n",
    "prev_value",
    "change_prev",
    "test_prev",
    "p_prev",
    "sig_prev",
    "yoy_period",
    "yoy_n",
    "yoy_value",
    "change_yoy",
    "test_yoy",
    "p_yoy",
    "sig_yoy",
)
#: Attached after the figures and comparisons: target and benchmark columns.
_REFERENCE_COLUMNS: tuple[str, ...] = (
    "target",
    "target_gap",
    "attainment",
    "target_met",
    "benchmark",
    "benchmark_scope",
    "benchmark_gap",
)
RESULT_COLUMNS: tuple[str, ...] = (*_FIGURE_COLUMNS, *_REFERENCE_COLUMNS)


@dataclass(frozen=True)
class StatSettings:
    confidence: float
    alpha: float
    min_n: int


@dataclass(frozen=True)
class Estimate:
    """A figure for one group and period, with what its tests need."""

    n: int
    value: float
    ci_low: float
    ci_high: float
    moe: float
    row: Mapping[str, float]
    scale: float


def estimate(
    k: KpiDef, row: Mapping[str, float], period: Period, params: KpiParams, conf: float
) -> Estimate:
    """Value and interval of one aggregated row."""
    factor = k.scale(period.years_fraction, params) if k.scale else 1.0
    nan = math.nan
    if k.kind == "proportion":
        n, x = int(row["n"]), int(row["x"])
        ci = stats.wilson_interval(x, n, conf)
        value = x / n if n else nan
        return Estimate(n, value, ci.low, ci.high, nan, row, factor)
    if k.kind == "nps":
        e = stats.nps_estimate(
            int(row["promoters"]), int(row["passives"]), int(row["detractors"]), conf
        )
        # the normal interval clipped to the scale (at n = 2 it reached ±138); the
        # margin of error is kept whole: the tests recover the standard error from it
        return Estimate(
            e.n,
            e.score,
            max(e.score - e.margin_of_error, -100.0),
            min(e.score + e.margin_of_error, 100.0),
            e.margin_of_error,
            row,
            factor,
        )
    if k.kind == "mean":
        n = int(row["n"])
        if n == 0:
            return Estimate(0, nan, nan, nan, nan, row, factor)
        mean, var = stats.moments_from_sums(n, float(row["sum"]), float(row["sumsq"]))
        ci = stats.mean_interval(mean, var, n, conf)
        return Estimate(n, mean * factor, ci.low * factor, ci.high * factor, nan, row, factor)
    n = int(row["n"])
    value = float(row["median"]) if n else nan
    return Estimate(n, value, nan, nan, nan, row, factor)


def compare(k: KpiDef, a: Estimate, b: Estimate) -> stats.TestResult | None:
    """Test current ``a`` against earlier ``b`` with the test of the KPI's kind."""
    if k.kind == "proportion":
        return stats.two_proportion_test(int(a.row["x"]), a.n, int(b.row["x"]), b.n)
    if k.kind == "nps":
        return stats.nps_difference_test(
            int(a.row["promoters"]),
            int(a.row["passives"]),
            int(a.row["detractors"]),
            int(b.row["promoters"]),
            int(b.row["passives"]),
            int(b.row["detractors"]),
        )
    if k.kind == "mean":
        if a.n < 2 or b.n < 2:
            return None
        ma, va = stats.moments_from_sums(a.n, float(a.row["sum"]), float(a.row["sumsq"]))
        mb, vb = stats.moments_from_sums(b.n, float(b.row["sum"]), float(b.row["sumsq"]))
        return stats.welch_t_test(
            ma * a.scale, va * a.scale**2, a.n, mb * b.scale, vb * b.scale**2, b.n
        )
    return None  # medians: no sufficient statistic in the aggregates; see stats.TEST_FOR_KIND


def compare_figures(
    k: KpiDef, a: Mapping[str, Any], b: Mapping[str, Any], confidence: float
) -> stats.TestResult | None:
    """Test two figures of the results (scorecard or breakdown rows of the same period:
    two segments, two channels, two units) against each other with the test of the
    KPI's kind. The rows keep no raw components; each kind's are recovered exactly from
    what they keep (n, value and the interval at ``confidence``): a proportion's count
    is value × n, an NPS's standard error its margin of error over z, a mean's variance
    n × (the t interval's half width over t)². None for medians, and when a side has
    no figure (or a mean's n is below 2)."""
    n1, n2 = _count(a.get("n")), _count(b.get("n"))
    v1, v2 = stats.finite(a.get("value")), stats.finite(b.get("value"))
    if not n1 or not n2 or v1 is None or v2 is None:
        return None
    if k.kind == "proportion":
        return stats.two_proportion_test(round(v1 * n1), n1, round(v2 * n2), n2)
    if k.kind == "nps":
        z = stats.z_quantile(confidence)
        se1, se2 = stats.finite(a.get("moe")), stats.finite(b.get("moe"))
        if se1 is None or se2 is None:
            return None
        return stats.nps_z_test(v1, se1 / z, v2, se2 / z)
    if k.kind == "mean":
        if n1 < 2 or n2 < 2:
            return None
        var = []
        for row, n in ((a, n1), (b, n2)):
            lo, hi = stats.finite(row.get("ci_low")), stats.finite(row.get("ci_high"))
            if lo is None or hi is None:
                return None
            se = (hi - lo) / 2 / stats.t_quantile(confidence, n - 1)
            var.append(n * se * se)
        return stats.welch_t_test(v1, var[0], n1, v2, var[1], n2)
    return None


def _count(v: object) -> int:
    f = stats.finite(v)
    return int(f) if f is not None else 0


def build_results(
    components: pd.DataFrame,
    kpis: Mapping[str, KpiDef],
    params: KpiParams,
    settings: StatSettings,
    current: Period,
    previous: Period,
    last_year: Period,
    periods_by_label: Mapping[str, Period],
    targets: pd.DataFrame | None = None,
    benchmarks: pd.DataFrame | None = None,
    benchmark_scopes: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One row per KPI × unit × dimension value for the ``current`` period.

    ``benchmark_scopes``: unit → the benchmark scope it is compared with first (see
    :func:`_attach_benchmarks`)."""
    comps = components.copy()
    comps["_key"] = list(
        zip(
            comps.kpi,
            comps.unit,
            comps.dimension.fillna(""),
            comps.dim_value.fillna(""),
            strict=True,
        )
    )
    lookup = {
        (key, p): row
        for key, p, row in zip(comps._key, comps.period, comps.to_dict("records"), strict=True)
    }
    rows = []
    for key, row in ((k, r) for (k, p), r in lookup.items() if p == current.label):
        k = kpis[row["kpi"]]
        cur = estimate(k, row, current, params, settings.confidence)
        out: dict[str, object] = {
            "kpi": k.id,
            "unit": row["unit"],
            "period": current.label,
            "dimension": row["dimension"],
            "dim_value": row["dim_value"],
            "kind": k.kind,
            "value_unit": k.unit,
            "direction": k.direction,
            "n": cur.n,
            "value": cur.value,
            "ci_low": cur.ci_low,
            "ci_high": cur.ci_high,
            "moe": cur.moe,
            "low_n": cur.n < settings.min_n,
        }
        for prefix, other in (("prev", previous), ("yoy", last_year)):
            out.update(
                _comparison(prefix, k, cur, lookup.get((key, other.label)), other, params, settings)
            )
        rows.append(out)
    frame = pd.DataFrame(
        rows,
        columns=list(_FIGURE_COLUMNS),
    )
    frame = _attach_targets(frame, kpis, targets, current)
    frame = _attach_benchmarks(frame, benchmarks, benchmark_scopes)
    frame = _none_for_missing(frame)
    order = {kid: i for i, kid in enumerate(kpis)}
    frame["_order"] = frame.kpi.map(order)
    frame = frame.sort_values(
        ["_order", "unit", "dimension", "dim_value"], kind="stable", na_position="first"
    ).drop(columns="_order")
    return frame.reset_index(drop=True)[list(RESULT_COLUMNS)]


#: Text and flag columns: missing is None (never NaN), so no "nan" reaches an output.
OBJECT_COLUMNS: tuple[str, ...] = (
    "dimension",
    "dim_value",
    "test_prev",
    "sig_prev",
    "test_yoy",
    "sig_yoy",
    "target_met",
    "benchmark_scope",
)


def _none_for_missing(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for col in OBJECT_COLUMNS:
        if col in frame:
            frame[col] = pd.Series(
                [None if _is_missing(v) else v for v in frame[col]], index=frame.index, dtype=object
            )
    frame["low_n"] = frame["low_n"].astype(bool)
    return frame


def _is_missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _comparison(
    prefix: str,
    k: KpiDef,
    cur: Estimate,
    row: Mapping[str, float] | None,
    other: Period,
    params: KpiParams,
    s: StatSettings,
) -> dict[str, object]:
    out: dict[str, object] = {
        f"{prefix}_period": other.label,
        f"{prefix}_n": 0,
        f"{prefix}_value": math.nan,
        f"change_{prefix}": math.nan,
        f"test_{prefix}": None,
        f"p_{prefix}": math.nan,
        f"sig_{prefix}": None,
    }
    if row is None:
        return out
    old = estimate(k, row, other, params, s.confidence)
    out[f"{prefix}_n"] = old.n
    out[f"{prefix}_value"] = old.value
    out[f"change_{prefix}"] = cur.value - old.value
    if k.kind == "median":
        out[f"test_{prefix}"] = "not_tested"
        return out
    if cur.n < s.min_n or old.n < s.min_n:
        out[f"test_{prefix}"] = "below_min_n"
        return out
    result = compare(k, cur, old)
    if result is not None:
        out[f"test_{prefix}"] = result.test
        out[f"p_{prefix}"] = result.p_value
        out[f"sig_{prefix}"] = bool(result.significant(s.alpha))
    return out


def _attach_targets(
    frame: pd.DataFrame, kpis: Mapping[str, KpiDef], targets: pd.DataFrame | None, current: Period
) -> pd.DataFrame:
    frame = frame.copy()
    frame["target"] = np.nan
    if targets is not None and len(targets):
        t = targets[targets.period == current.label]
        lookup: dict[tuple[str, str], float] = {}
        for r in t.itertuples(index=False):  # the first of a key, as for any duplicate
            lookup.setdefault((r.kpi, r.unit), float(r.target))
        mask = frame.dimension.isna()
        frame.loc[mask, "target"] = [
            lookup.get((kpi, unit), np.nan)
            for kpi, unit in zip(frame.kpi[mask], frame.unit[mask], strict=True)
        ]
    frame["target_gap"] = frame.value - frame.target
    frame["attainment"] = [
        _attainment(v, t, d, u)
        for v, t, d, u in zip(
            frame.value, frame.target, frame.direction, frame.value_unit, strict=True
        )
    ]
    frame["target_met"] = [
        None if math.isnan(g) else bool(g * d >= 0)
        for g, d in zip(frame.target_gap, frame.direction, strict=True)
    ]
    del kpis
    return frame


#: Value units without a true zero: NPS (points, −100 to 100) and mean ratings (a
#: 1–5 scale). A ratio of two such values is no attainment (NPS 3.6 of a target 27.4
#: is not "13 %"); their target has its gap only.
INTERVAL_UNITS = frozenset({"points", "score"})


def _attainment(value: float, target: float, direction: int, unit: str) -> float:
    """value/target for higher-is-better, target/value for lower-is-better; NaN when the
    ratio is meaningless: a scale without a true zero (:data:`INTERVAL_UNITS`), or a
    value or target that is not positive."""
    if unit in INTERVAL_UNITS:
        return math.nan
    if math.isnan(value) or math.isnan(target) or value <= 0 or target <= 0:
        return math.nan
    return value / target if direction > 0 else target / value


def _attach_benchmarks(
    frame: pd.DataFrame,
    benchmarks: pd.DataFrame | None,
    scopes: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Each row's benchmark and its scope: the unit's own scope (config
    ``units[].benchmark_scope``, e.g. its industry) where the KPI has a benchmark of
    that scope, else the first listed benchmark of the KPI. All of them are available in
    the benchmark table of the result set."""
    frame = frame.copy()
    frame["benchmark"] = np.nan
    frame["benchmark_scope"] = None
    if benchmarks is not None and len(benchmarks):
        first = benchmarks.drop_duplicates("kpi", keep="first").set_index("kpi")
        frame["benchmark"] = frame.kpi.map(first["value"]).astype("float64")
        frame["benchmark_scope"] = frame.kpi.map(first["scope"])
        own = benchmarks.drop_duplicates(["kpi", "scope"], keep="first").set_index(
            ["kpi", "scope"]
        )["value"]
        for unit, scope in (scopes or {}).items():
            rows = frame.index[frame.unit == unit]
            have = [i for i in rows if (frame.at[i, "kpi"], scope) in own.index]
            frame.loc[have, "benchmark"] = [float(own[(frame.at[i, "kpi"], scope)]) for i in have]
            frame.loc[have, "benchmark_scope"] = scope
    frame["benchmark_gap"] = frame.value - frame.benchmark
    return frame


def trend_frame(
    components: pd.DataFrame,
    kpis: Mapping[str, KpiDef],
    params: KpiParams,
    settings: StatSettings,
    periods_by_label: Mapping[str, Period],
) -> pd.DataFrame:
    """Value, n and interval per KPI × unit × period (dimension-free rows only)."""
    rows = []
    base = components[components.dimension.isna()]
    for row in base.to_dict("records"):
        k = kpis[row["kpi"]]
        p = periods_by_label[row["period"]]
        e = estimate(k, row, p, params, settings.confidence)
        rows.append(
            {
                "kpi": k.id,
                "unit": row["unit"],
                "period": p.label,
                "start": p.start,
                "n": e.n,
                "value": e.value,
                "ci_low": e.ci_low,
                "ci_high": e.ci_high,
                "low_n": e.n < settings.min_n,
            }
        )
    out = pd.DataFrame(
        rows, columns=["kpi", "unit", "period", "start", "n", "value", "ci_low", "ci_high", "low_n"]
    )
    return out.sort_values(["kpi", "unit", "start"], kind="stable").reset_index(drop=True)
