"""Control-chart flags on a unit's own history, surfaced as "watch" items.

A KPI is judged against *its own unit's* past, not against other units: the centre
line and control limits come from the unit's baseline points, and the point being
judged (by default the latest) is left out of the baseline so that it cannot pull the
limits towards itself.

- **p chart** for proportions (CSAT top-two-box share, complaint rate …): centre
  p̄ = Σx / Σn over the baseline points; limits p̄ ± σ·√(p̄(1 − p̄)/n_i) per point
  (σ = 3 by default), clipped to [0, 1], so they widen for small samples.
- **XmR (individuals) chart** for means (mean CSAT per week, hours to resolve …):
  centre = mean of the baseline values; limits = centre ± 2.66 × the average moving
  range |x_i − x_{i−1}| of consecutive baseline points (2.66 = 3 / d₂, d₂ = 1.128).

Two rules flag a point, reported separately:

- ``limit``: the point lies strictly outside a control limit (``above`` / ``below``).
- ``run``: the point completes a run of 8 (``run_length``) or more consecutive points
  on the same side of the centre line. A point exactly on the centre, or a missing
  point, breaks a run.

Limits need at least :data:`MIN_BASELINE` (8) usable baseline points — about two
months of weekly or two years of quarterly history. With fewer, a chart has no
limits and flags nothing, and :func:`watch_items` lists the series with the reason
``short_history``. Invalid input (successes > n, negative counts, mismatched lengths)
is a bug in the caller and raises :class:`ValueError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

#: Fewest usable baseline points for which control limits are computed.
MIN_BASELINE: Final = 8
#: Length of a run on one side of the centre that is flagged.
RUN_LENGTH: Final = 8
#: XmR limit factor: 3 / d2 with d2 = 1.128 for moving ranges of two points.
XMR_FACTOR: Final = 2.66

ABOVE: Final = "above"
BELOW: Final = "below"
RULE_LIMIT: Final = "limit"
RULE_RUN: Final = "run"
CHART_P: Final = "p"
CHART_XMR: Final = "xmr"

# Why a series was not judged (``WatchList.skipped.reason``).
SHORT_HISTORY: Final = "short_history"
NO_LATEST_VALUE: Final = "no_latest_value"

ITEM_COLUMNS: Final = (
    "kpi",
    "unit",
    "period",
    "chart",
    "value",
    "centre",
    "limit",
    "direction",
    "rule",
    "n_baseline",
)
SKIPPED_COLUMNS: Final = ("kpi", "unit", "period", "reason", "n_baseline")


@dataclass(frozen=True, eq=False)
class WatchList:
    """Flagged latest points (``items``, columns :data:`ITEM_COLUMNS`) and the series
    that could not be judged (``skipped``, columns :data:`SKIPPED_COLUMNS`)."""

    items: pd.DataFrame
    skipped: pd.DataFrame


def p_chart(
    successes: Sequence[float],
    n: Sequence[float],
    labels: Sequence[object] | None = None,
    *,
    baseline: Sequence[bool] | None = None,
    sigma: float = 3.0,
    min_baseline: int = MIN_BASELINE,
    run_length: int = RUN_LENGTH,
) -> pd.DataFrame:
    """p chart of ``successes`` out of ``n`` per point (points in time order).

    ``baseline`` marks the points that set the centre and limits; by default all
    points except the last one, which is the one being judged. Points with n = 0 or
    missing counts are not used and never flagged.

    Returns one row per point: label, successes, n, p, centre, ucl, lcl, baseline
    (bool, the point was used for the limits), flag (``above`` / ``below`` / None) and
    run (``above`` / ``below`` / None: the point completes a run of ``run_length`` on
    one side of the centre).
    """
    x = np.asarray(successes, dtype=float)
    size = np.asarray(n, dtype=float)
    if x.shape != size.shape or x.ndim != 1:
        raise ValueError(f"successes ({x.shape}) and n ({size.shape}) must be equal-length lists")
    if (x < 0).any() or (size < 0).any():
        raise ValueError("successes and n must not be negative")
    if (x > size).any():
        bad = int(np.flatnonzero(x > size)[0])
        raise ValueError(f"successes {x[bad]} > n {size[bad]} at point {bad}")
    usable = np.isfinite(x) & np.isfinite(size) & (size > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(usable, x / np.where(usable, size, 1.0), np.nan)
    base = _baseline_mask(baseline, len(x)) & usable
    if base.sum() >= max(min_baseline, 1):
        centre = float(x[base].sum() / size[base].sum())
        with np.errstate(invalid="ignore", divide="ignore"):
            half = sigma * np.sqrt(centre * (1.0 - centre) / size)
        ucl = np.where(usable, np.clip(centre + half, 0.0, 1.0), np.nan)
        lcl = np.where(usable, np.clip(centre - half, 0.0, 1.0), np.nan)
    else:
        centre, ucl, lcl = np.nan, np.full(len(x), np.nan), np.full(len(x), np.nan)
    frame = pd.DataFrame(
        {
            "label": _labels(labels, len(x)),
            "successes": x,
            "n": size,
            "p": p,
            "centre": centre,
            "ucl": ucl,
            "lcl": lcl,
            "baseline": base,
        }
    )
    return _flag(frame, "p", run_length)


def xmr_chart(
    values: Sequence[float],
    labels: Sequence[object] | None = None,
    *,
    baseline: Sequence[bool] | None = None,
    min_baseline: int = MIN_BASELINE,
    run_length: int = RUN_LENGTH,
) -> pd.DataFrame:
    """Individuals (XmR) chart of ``values`` (points in time order).

    Centre = mean of the baseline values; limits = centre ± 2.66 × the mean moving
    range of consecutive baseline points (both points of a pair in the baseline).
    ``baseline`` defaults to all points except the last. Missing values are not used
    and never flagged.

    Returns one row per point: label, value, moving_range (to the previous point),
    centre, ucl, lcl, baseline, flag and run, as in :func:`p_chart`.
    """
    v = np.asarray(values, dtype=float)
    if v.ndim != 1:
        raise ValueError("values must be a flat list")
    usable = np.isfinite(v)
    base = _baseline_mask(baseline, len(v)) & usable
    moving = np.full(len(v), np.nan)
    moving[1:] = np.abs(np.diff(v))
    pairs = np.zeros(len(v), dtype=bool)
    pairs[1:] = base[1:] & base[:-1]
    if base.sum() >= max(min_baseline, 2) and pairs.any():
        centre = float(v[base].mean())
        half = XMR_FACTOR * float(moving[pairs].mean())
        ucl = np.where(usable, centre + half, np.nan)
        lcl = np.where(usable, centre - half, np.nan)
    else:
        centre, ucl, lcl = np.nan, np.full(len(v), np.nan), np.full(len(v), np.nan)
    frame = pd.DataFrame(
        {
            "label": _labels(labels, len(v)),
            "value": v,
            "moving_range": moving,
            "centre": centre,
            "ucl": ucl,
            "lcl": lcl,
            "baseline": base,
        }
    )
    return _flag(frame, "value", run_length)


def watch_items(
    series: pd.DataFrame,
    *,
    sigma: float = 3.0,
    min_baseline: int = MIN_BASELINE,
    run_length: int = RUN_LENGTH,
) -> WatchList:
    """Judge the latest point of every (kpi, unit) series against its own history.

    ``series`` is a long frame with columns kpi, unit, period and either successes
    and n (proportion KPIs: p chart) or value (mean KPIs: XmR chart); a frame may hold
    both kinds, and a series is charted as a proportion when its n is present. Rows
    must be in time order within each series (the frame's order is kept; period
    labels are not sorted). The last row of a series is judged against the earlier
    ones.

    Returns a :class:`WatchList`: ``items`` has one row per flagged latest point
    (``rule`` is ``limit`` when it lies outside a control limit, else ``run``;
    ``limit`` is the crossed limit, or the centre line for a run) and ``skipped`` the
    series that could not be judged with the reason (``short_history``: fewer than
    ``min_baseline`` usable baseline points; ``no_latest_value``). ``sigma`` applies to
    the p chart; the XmR limits always use 2.66 × the mean moving range.
    """
    required = ("kpi", "unit", "period")
    has_p = {"successes", "n"} <= set(series.columns)
    has_value = "value" in series.columns
    missing = [c for c in required if c not in series.columns]
    if missing or not (has_p or has_value):
        raise ValueError(
            f"series needs columns kpi, unit, period and successes + n or value; "
            f"missing {missing or ['successes + n or value']}; it has {list(series.columns)}"
        )
    items: list[dict[str, object]] = []
    skipped: list[dict[str, object]] = []
    for (kpi, unit), group in series.groupby(["kpi", "unit"], sort=False, dropna=False):
        is_p = has_p and bool(pd.to_numeric(group["n"], errors="coerce").notna().any())
        if is_p:
            chart = p_chart(
                pd.to_numeric(group["successes"], errors="coerce").to_numpy(dtype=float),
                pd.to_numeric(group["n"], errors="coerce").to_numpy(dtype=float),
                list(group["period"]),
                sigma=sigma,
                min_baseline=min_baseline,
                run_length=run_length,
            )
            value_column, kind = "p", CHART_P
        else:
            chart = xmr_chart(
                pd.to_numeric(group["value"], errors="coerce").to_numpy(dtype=float),
                list(group["period"]),
                min_baseline=min_baseline,
                run_length=run_length,
            )
            value_column, kind = "value", CHART_XMR
        last = chart.iloc[-1]
        n_baseline = int(chart["baseline"].sum())
        key = {"kpi": kpi, "unit": unit, "period": last["label"]}
        if not np.isfinite(last[value_column]):
            skipped.append({**key, "reason": NO_LATEST_VALUE, "n_baseline": n_baseline})
            continue
        if not np.isfinite(last["centre"]):
            skipped.append({**key, "reason": SHORT_HISTORY, "n_baseline": n_baseline})
            continue
        flag, run = _text(chart["flag"].iloc[-1]), _text(chart["run"].iloc[-1])
        direction = flag or run
        if direction is None:
            continue
        if flag is not None:
            rule, limit = RULE_LIMIT, last["ucl"] if direction == ABOVE else last["lcl"]
        else:
            rule, limit = RULE_RUN, last["centre"]
        items.append(
            {
                **key,
                "chart": kind,
                "value": float(last[value_column]),
                "centre": float(last["centre"]),
                "limit": float(limit),
                "direction": direction,
                "rule": rule,
                "n_baseline": n_baseline,
            }
        )
    return WatchList(
        pd.DataFrame(items, columns=list(ITEM_COLUMNS)),
        pd.DataFrame(skipped, columns=list(SKIPPED_COLUMNS)),
    )


def _baseline_mask(baseline: Sequence[bool] | None, length: int) -> np.ndarray:
    if baseline is None:
        mask = np.ones(length, dtype=bool)
        if length:
            mask[-1] = False
        return mask
    mask = np.asarray(baseline, dtype=bool)
    if mask.shape != (length,):
        raise ValueError(f"baseline has {mask.size} entries for {length} points")
    return mask


def _labels(labels: Sequence[object] | None, length: int) -> list[object]:
    if labels is None:
        return list(range(length))
    out = list(labels)
    if len(out) != length:
        raise ValueError(f"{len(out)} labels for {length} points")
    return out


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _flag(frame: pd.DataFrame, column: str, run_length: int) -> pd.DataFrame:
    """Add the ``flag`` (outside a limit) and ``run`` (run on one side) columns."""
    v = frame[column].to_numpy(dtype=float)
    centre = frame["centre"].to_numpy(dtype=float)
    ucl = frame["ucl"].to_numpy(dtype=float)
    lcl = frame["lcl"].to_numpy(dtype=float)
    flags: list[str | None] = []
    runs: list[str | None] = []
    side, count = 0, 0
    for i in range(len(v)):
        judged = np.isfinite(v[i]) and np.isfinite(centre[i])
        if judged and v[i] > ucl[i]:
            flags.append(ABOVE)
        elif judged and v[i] < lcl[i]:
            flags.append(BELOW)
        else:
            flags.append(None)
        now = int(np.sign(v[i] - centre[i])) if judged else 0
        count = count + 1 if now != 0 and now == side else (1 if now != 0 else 0)
        side = now
        runs.append((ABOVE if side > 0 else BELOW) if count >= run_length else None)
    out = frame.copy()
    out["flag"] = pd.Series(flags, index=frame.index, dtype=object)
    out["run"] = pd.Series(runs, index=frame.index, dtype=object)
    return out
