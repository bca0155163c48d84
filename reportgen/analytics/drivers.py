"""Key driver analysis: which attribute (touchpoint) ratings drive an outcome.

The outcome is overall satisfaction (``csat``) or likelihood to recommend (``ltr``);
the attributes are the touchpoint ratings (product fit, responsiveness, …). Attribute
ratings are correlated with each other, so regression coefficients and simple
correlations both mislead about importance. Two variance-decomposition measures are
used instead, both computed from a correlation matrix only, so the caller may build
the matrix in the database for any number of responses:

- :func:`shapley_r2` — the Shapley value of each predictor in the R² "game", also
  called LMG (Lindeman, Merenda & Gold 1980) or *general dominance* (Budescu 1993,
  Azen & Budescu 2003). A predictor's importance is its increase in R² when added to a
  subset of the other predictors, averaged over all orders of entry. Computed exactly
  over all 2^k subsets, with R²(S) = r_yS' R_SS⁻¹ r_yS. The importances are
  non-negative and add up to the full model's R².
- :func:`relative_weights` — Johnson's (2000) relative weights: regress the outcome on
  the orthogonal counterparts of the predictors and map the squared weights back. A
  fast approximation of the Shapley values, used here as a cross-check; the two agree
  exactly when the predictors are uncorrelated and closely when they are mildly so.

:func:`driver_analysis` runs both on the complete responses (listwise deletion) and
adds each attribute's performance (mean rating, rescaled to 0–100 so attributes on
different scales compare) and its place on the importance × performance grid.

**Quadrant split rule.** An attribute's importance is *high* when its share of R² is at
least the mean share 1/k (k = attributes analysed), and its performance is *high* when
its 0–100 score is at least the mean 0–100 score of the k attributes:

==============  ===============  ===================
quadrant        importance       performance
==============  ===============  ===================
``fix_first``   high (≥ 1/k)     low (< mean)
``maintain``    high (≥ 1/k)     high (≥ mean)
``monitor``     low (< 1/k)      low (< mean)
``surplus``     low (< 1/k)      high (≥ mean)
==============  ===============  ===================

Ordinary data situations never raise: too few complete responses, a constant
attribute, an attribute nobody rated or a singular (collinear) correlation matrix all
produce a :class:`DriverResult` that says what happened. Invalid arguments (an
outcome column that does not exist, duplicate attributes, more attributes than the
exact computation allows) are bugs in the caller and raise :class:`ValueError`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from reportgen.canonical import DEFAULT_SCALES

#: Largest number of predictors for the exact Shapley computation (2^k subsets).
MAX_PREDICTORS: Final = 15

#: Smallest eigenvalue of the attribute correlation matrix below which it is treated
#: as singular (perfectly collinear attributes): reported in ``notes``.
SINGULAR_TOLERANCE: Final = 1e-10

FIX_FIRST: Final = "fix_first"
MAINTAIN: Final = "maintain"
MONITOR: Final = "monitor"
SURPLUS: Final = "surplus"

# Why there is no table (``DriverResult.reason``).
TOO_FEW_RESPONSES: Final = "too_few_responses"
OUTCOME_CONSTANT: Final = "outcome_constant"
NO_ATTRIBUTES: Final = "no_attributes"
NO_EXPLAINED_VARIANCE: Final = "no_explained_variance"

# Why an attribute was left out (``DriverResult.dropped``).
MISSING_COLUMN: Final = "missing_column"
TOO_FEW_RATINGS: Final = "too_few_ratings"
CONSTANT: Final = "constant"

# Remarks on a result that has a table (``DriverResult.notes``).
COLLINEAR: Final = "collinear"

TABLE_COLUMNS: Final = (
    "importance",
    "importance_share",
    "relative_weight",
    "correlation",
    "mean",
    "performance",
    "rank",
    "quadrant",
)


@dataclass(frozen=True, eq=False)
class DriverResult:
    """Key driver analysis of one outcome.

    ``table`` is indexed by attribute, sorted by importance (rank 1 first), with
    columns :data:`TABLE_COLUMNS`:

    - ``importance``: Shapley share of R² (the column adds up to ``r2``)
    - ``importance_share``: importance / ``r2`` (adds up to 1)
    - ``relative_weight``: Johnson's relative weight (adds up to ``r2``), a cross-check
    - ``correlation``: Pearson correlation with the outcome
    - ``mean``: mean rating on the attribute's own scale
    - ``performance``: the mean rescaled to 0–100 with the attribute's scale
    - ``rank``: 1 = most important
    - ``quadrant``: ``fix_first`` / ``maintain`` / ``monitor`` / ``surplus``

    When the analysis cannot be run, ``reason`` says why and ``table`` is None.
    ``dropped`` lists attributes left out, as (attribute, reason) pairs; ``notes``
    lists remarks such as ``collinear``. ``n_rows`` = ``n_used`` + ``n_dropped``:
    the rows given and the complete rows used.
    """

    outcome: str
    n_rows: int
    n_used: int
    n_dropped: int
    min_n: int
    r2: float
    table: pd.DataFrame | None
    importance_split: float
    performance_split: float
    dropped: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()
    reason: str | None = None

    @property
    def ok(self) -> bool:
        """True when the analysis ran and ``table`` is available."""
        return self.table is not None

    def fix_first(self, limit: int | None = None) -> tuple[str, ...]:
        """The attributes to fix first (high importance, low performance), most
        important first; at most ``limit`` of them."""
        if self.table is None:
            return ()
        rows = self.table[self.table["quadrant"] == FIX_FIRST]
        names = tuple(rows.sort_values("importance", ascending=False, kind="stable").index)
        return names if limit is None else names[:limit]


# -- decomposition from a correlation matrix ------------------------------------------


def shapley_r2(corr: pd.DataFrame, outcome: str, predictors: Sequence[str]) -> pd.Series:
    """Shapley (LMG / general dominance) decomposition of R² over ``predictors``.

    Exact over all 2^k subsets; R² of a subset S is r_yS' R_SS⁻¹ r_yS (a
    pseudo-inverse, so collinear predictors share their contribution). The values
    add up to the full model's R². Returns a Series indexed by predictor.
    """
    rxx, rxy = _blocks(corr, outcome, predictors)
    k = len(rxy)
    r2 = _subset_r2(rxx, rxy)
    masks = np.arange(1 << k)
    sizes = np.array([bin(m).count("1") for m in masks])
    # weight of a subset S of the others, |S| = s: s!(k-s-1)!/k!
    weights = np.array(
        [math.factorial(s) * math.factorial(k - s - 1) / math.factorial(k) for s in range(k)]
    )
    values = np.empty(k)
    for j in range(k):
        bit = 1 << j
        without = masks[(masks & bit) == 0]
        gains = r2[without | bit] - r2[without]
        values[j] = float(np.sum(weights[sizes[without]] * gains))
    return pd.Series(values, index=list(predictors), name="shapley_r2")


def relative_weights(corr: pd.DataFrame, outcome: str, predictors: Sequence[str]) -> pd.Series:
    """Johnson's (2000) relative weights of ``predictors`` for ``outcome``.

    With R_xx = Q Λ Q' and its symmetric square root L = Q Λ^½ Q', the weights of the
    orthogonal counterparts are β = L⁻¹ r_xy and ε_j = Σ_k L_jk² β_k². They add up to
    the full model's R². Returns a Series indexed by predictor.
    """
    rxx, rxy = _blocks(corr, outcome, predictors)
    eigval, eigvec = np.linalg.eigh(rxx)
    # directions with (numerically) zero variance carry no information: drop them, the
    # same pseudo-inverse treatment shapley_r2 gives a singular matrix
    keep = eigval > SINGULAR_TOLERANCE
    half = np.sqrt(np.where(keep, eigval, 0.0))
    root = eigvec @ np.diag(half) @ eigvec.T
    inverse_root = eigvec @ np.diag(np.where(keep, 1.0 / np.where(keep, half, 1.0), 0.0)) @ eigvec.T
    beta = inverse_root @ rxy
    eps = (root**2) @ (beta**2)
    return pd.Series(eps, index=list(predictors), name="relative_weight")


def _blocks(
    corr: pd.DataFrame, outcome: str, predictors: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    names = list(predictors)
    if not names:
        raise ValueError("predictors is empty; expected at least one predictor")
    if len(set(names)) != len(names):
        dupes = sorted({p for p in names if names.count(p) > 1})
        raise ValueError(f"duplicate predictors {dupes}")
    if outcome in names:
        raise ValueError(f"outcome {outcome!r} is also listed as a predictor")
    if len(names) > MAX_PREDICTORS:
        raise ValueError(
            f"{len(names)} predictors; the exact decomposition allows at most {MAX_PREDICTORS}"
        )
    missing = [c for c in [outcome, *names] if c not in corr.index or c not in corr.columns]
    if missing:
        raise ValueError(f"{missing} not in the correlation matrix; it has {list(corr.columns)}")
    rxx = corr.loc[names, names].to_numpy(dtype=float)
    rxy = corr.loc[names, outcome].to_numpy(dtype=float)
    if not (np.isfinite(rxx).all() and np.isfinite(rxy).all()):
        raise ValueError("the correlation matrix has missing or infinite entries")
    return rxx, rxy


def _subset_r2(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """R² of every subset of predictors, indexed by bit mask (bit j = predictor j)."""
    k = len(rxy)
    out = np.zeros(1 << k)
    for mask in range(1, 1 << k):
        ix = [j for j in range(k) if mask >> j & 1]
        r = rxy[ix]
        out[mask] = float(r @ np.linalg.pinv(rxx[np.ix_(ix, ix)], hermitian=True) @ r)
    return out


# -- analysis of response rows --------------------------------------------------------


def default_min_n(k: int) -> int:
    """Green's (1991) rule of thumb for testing a regression model: n ≥ 50 + 8k."""
    return 50 + 8 * k


def driver_analysis(
    responses: pd.DataFrame,
    outcome: str,
    attributes: Sequence[str],
    *,
    min_n: int | None = None,
    scale_max: dict[str, float] | None = None,
    scale_min: dict[str, float] | None = None,
) -> DriverResult:
    """Key driver analysis of ``outcome`` over ``attributes`` in response rows.

    Uses the complete rows (outcome and every analysed attribute answered). The
    minimum number of complete rows is ``min_n`` (default :func:`default_min_n` of
    the number of attributes requested, and never fewer than k + 2). Attributes whose
    column is absent, that fewer than ``min_n`` respondents rated, or that are
    constant among the complete rows are left out and listed in ``dropped``.

    Performance is the mean rating over the same complete rows, rescaled to 0–100 as
    (mean − min) / (max − min) × 100 with the attribute's scale from ``scale_min`` /
    ``scale_max``, or the canonical default scale (1–5 for attribute ratings).
    """
    names = list(attributes)
    if outcome not in responses.columns:
        raise ValueError(f"outcome column {outcome!r} not in {list(responses.columns)}")
    if not names:
        raise ValueError("attributes is empty; expected at least one attribute")
    if len(set(names)) != len(names) or outcome in names:
        raise ValueError(f"attributes must be distinct and exclude the outcome: {names}")
    if len(names) > MAX_PREDICTORS:
        raise ValueError(
            f"{len(names)} attributes; the exact decomposition allows at most {MAX_PREDICTORS}"
        )
    scales = pd.DataFrame(
        {
            "min": [_scale_bound(a, scale_min, "min") for a in names],
            "max": [_scale_bound(a, scale_max, "max") for a in names],
        },
        index=names,
    )
    bad = [f"{a}: {lo}-{hi}" for a, lo, hi in scales.itertuples() if not hi > lo]
    if bad:
        raise ValueError(f"scale max must be greater than scale min: {bad}")
    need = max(default_min_n(len(names)) if min_n is None else int(min_n), len(names) + 2)
    n_rows = len(responses)

    def empty(reason: str, n_used: int, dropped: list[tuple[str, str]]) -> DriverResult:
        return DriverResult(
            outcome, n_rows, n_used, n_rows - n_used, need, math.nan, None,
            math.nan, math.nan, tuple(dropped), (), reason,
        )  # fmt: skip

    y = pd.to_numeric(responses[outcome], errors="coerce")
    answered = y.notna()
    if int(answered.sum()) < need:
        return empty(TOO_FEW_RESPONSES, 0, [])

    dropped: list[tuple[str, str]] = []
    kept: list[str] = []
    for a in names:
        if a not in responses.columns:
            dropped.append((a, MISSING_COLUMN))
        elif int((pd.to_numeric(responses[a], errors="coerce").notna() & answered).sum()) < need:
            dropped.append((a, TOO_FEW_RATINGS))
        else:
            kept.append(a)
    if not kept:
        return empty(NO_ATTRIBUTES, 0, dropped)

    data = responses[[outcome, *kept]].apply(pd.to_numeric, errors="coerce").dropna()
    data = data.astype(float)
    n_used = len(data)
    if n_used < need:
        return empty(TOO_FEW_RESPONSES, n_used, dropped)
    if data[outcome].nunique() < 2:
        return empty(OUTCOME_CONSTANT, n_used, dropped)
    constant = [a for a in kept if data[a].nunique() < 2]
    dropped += [(a, CONSTANT) for a in constant]
    kept = [a for a in kept if a not in constant]
    if not kept:
        return empty(NO_ATTRIBUTES, n_used, dropped)

    corr = data[[outcome, *kept]].corr()
    importance = shapley_r2(corr, outcome, kept)
    r2 = float(importance.sum())
    if not r2 > 0:
        return empty(NO_EXPLAINED_VARIANCE, n_used, dropped)
    notes = []
    if float(np.linalg.eigvalsh(corr.loc[kept, kept].to_numpy()).min()) < SINGULAR_TOLERANCE:
        notes.append(COLLINEAR)

    means = data[kept].mean()
    lows, highs = scales.loc[kept, "min"], scales.loc[kept, "max"]
    table = pd.DataFrame(
        {
            "importance": importance,
            "importance_share": importance / r2,
            "relative_weight": relative_weights(corr, outcome, kept),
            "correlation": corr.loc[kept, outcome],
            "mean": means,
            "performance": (means - lows) / (highs - lows) * 100.0,
        }
    )
    table = table.sort_values("importance", ascending=False, kind="stable")
    table["rank"] = np.arange(1, len(table) + 1)
    importance_split = 1.0 / len(kept)
    performance_split = float(table["performance"].mean())
    table["quadrant"] = [
        quadrant(s, p, importance_split, performance_split)
        for s, p in zip(table["importance_share"], table["performance"], strict=True)
    ]
    table.index.name = "attribute"
    return DriverResult(
        outcome,
        n_rows,
        n_used,
        n_rows - n_used,
        need,
        r2,
        table,
        importance_split,
        performance_split,
        tuple(dropped),
        tuple(notes),
        None,
    )


def quadrant(
    importance_share: float, performance: float, importance_split: float, performance_split: float
) -> str:
    """Place on the importance × performance grid; "high" means at or above the split."""
    important = importance_share >= importance_split
    performing = performance >= performance_split
    if important:
        return MAINTAIN if performing else FIX_FIRST
    return SURPLUS if performing else MONITOR


def _scale_bound(attribute: str, given: dict[str, float] | None, which: str) -> float:
    if given and attribute in given:
        return float(given[attribute])
    default = DEFAULT_SCALES.get(attribute, DEFAULT_SCALES["product_fit"])
    return float(getattr(default, which))
