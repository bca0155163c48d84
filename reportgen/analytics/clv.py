"""Probabilistic customer lifetime value: BG/NBD purchase counts × Gamma-Gamma spend.

Two published models, implemented from their likelihoods with scipy:

* **BG/NBD** (Fader, Hardie & Lee 2005, "Counting your customers the easy way", Marketing
  Science 24(2)) for the number of repeat purchases. While alive, a customer buys as a
  Poisson process with rate λ ~ Gamma(r, α); after each repeat purchase the customer drops
  out for good with probability p ~ Beta(a, b).
* **Gamma-Gamma** (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves for
  customer base analysis", JMR 42(4); Fader & Hardie 2013 note "The Gamma-Gamma model of
  monetary value") for the spend per purchase day. A customer's purchases are
  Gamma(p, ν) with ν ~ Gamma(q, γ); spend is assumed independent of purchase frequency.

Both are fitted by maximum likelihood on log-parameters (L-BFGS-B with analytic
gradients, on duplicate-compressed and rescaled data), so 10k customers fit in a few
tens of milliseconds. Parameters are reported in the summary's time unit (weeks by
default) and currency.

CLV over a horizon of H months, per customer, from the conditional expectation
E[X(t) | x, t_x, T] of the BG/NBD (purchases in the next t time units) and the
conditional mean spend E[M | x, m̄] of the Gamma-Gamma::

    clv = Σ_{m=1..H} (E[X(t_m)] − E[X(t_{m−1})]) · E[M] / (1 + d)^m,
    t_m = m · (365.25 / 12) / time_unit_days

with d the monthly discount rate: month m's expected purchases, times expected spend,
discounted to the observation end. This is margin-free revenue value; apply a margin
outside if needed.

Honest failure: :func:`customer_clv` never invents a model. When there are too few
customers or repeat buyers (defaults :data:`MIN_CUSTOMERS` and
:data:`MIN_REPEAT_CUSTOMERS`), when an optimiser does not converge or a parameter runs
off to its search bound (the data do not identify it), or when the fitted spend model
has no finite mean (q ≤ 1), it returns a :class:`ClvResult` with ``fit=None`` and a
``reason`` sentence quoting the numbers; the per-customer frame then still carries the
RFM summary, with NaN model columns. A failed model is a normal outcome for a small
unit, not a user error, so nothing is raised. The lower-level :func:`fit_bgnbd` and
:func:`fit_gamma_gamma` raise :class:`ValueError` instead, as do all functions for
malformed input (missing columns, negative times), which is a bug in the caller.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import digamma, expit, gammaln, hyp2f1

from reportgen.texts import Reason

logger = logging.getLogger(__name__)

#: Average month length in days (Gregorian year / 12), the step of the CLV horizon.
DAYS_PER_MONTH: Final = 365.25 / 12
#: Fewest customers :func:`customer_clv` fits a model on. Four BG/NBD parameters from
#: fewer customers are too unstable to rank anyone by.
MIN_CUSTOMERS: Final = 200
#: Fewest repeat buyers (frequency > 0, positive spend): they alone identify the dropout
#: process of the BG/NBD and all three Gamma-Gamma parameters.
MIN_REPEAT_CUSTOMERS: Final = 50
#: Value tiers of :func:`value_tiers`, best first.
TIERS: Final = ("top", "middle", "low")
#: Columns of :attr:`ClvResult.customers`.
CUSTOMER_COLUMNS: Final = (
    "customer_id",
    "frequency",
    "recency",
    "T",
    "monetary_value",
    "p_alive",
    "expected_purchases",
    "expected_spend",
    "clv",
    "value_tier",
)

_ORDER_COLUMNS: Final = ("customer_id", "date", "amount")
# Log-parameters are searched in [-_LOG_BOUND, _LOG_BOUND] after rescaling the data so
# that times and amounts are of order 1-10. A parameter ending beyond ±_DIVERGED (a
# factor of ~8,100 from the data's scale) diverged: the likelihood is flat along it (no
# heterogeneity in the rate, no drop-out …), and where along that ridge the optimiser
# stops depends on floating-point details (scipy version, summation order), not on the
# data, so it is not reported as a fit.
_LOG_BOUND: Final = 10.0
_DIVERGED: Final = 9.0
# Accept an optimiser stop that scipy flags (e.g. a line search that cannot improve in
# floating point) when the mean log-likelihood gradient is this flat anyway.
_FLAT_GRADIENT: Final = 1e-4


@dataclass(frozen=True)
class BgNbdFit:
    """Fitted BG/NBD: λ ~ Gamma(shape r, rate alpha) per time unit, dropout p ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    n_customers: int


@dataclass(frozen=True)
class GammaGammaFit:
    """Fitted Gamma-Gamma: spend per purchase ~ Gamma(p, ν), ν ~ Gamma(q, rate gamma)."""

    p: float
    q: float
    gamma: float
    log_likelihood: float
    n_customers: int

    @property
    def mean_spend(self) -> float:
        """Population mean spend per purchase, p·γ/(q − 1); infinite when q ≤ 1."""
        return self.p * self.gamma / (self.q - 1.0) if self.q > 1.0 else float("inf")


@dataclass(frozen=True)
class ClvFit:
    """The two fitted models behind a CLV figure."""

    purchases: BgNbdFit
    spend: GammaGammaFit


@dataclass(frozen=True, eq=False)
class ClvResult:
    """Per-customer CLV and the models behind it, or ``fit=None`` and the ``reason``.

    ``customers`` has :data:`CUSTOMER_COLUMNS`, one row per customer sorted by
    ``customer_id``; ``expected_purchases`` is over the whole horizon (undiscounted),
    ``expected_spend`` per purchase day, and ``clv`` discounted revenue. Without a fit
    the model columns are NaN.
    """

    customers: pd.DataFrame
    fit: ClvFit | None
    reason: str | None
    horizon_months: int
    monthly_discount: float
    time_unit_days: float

    @property
    def ok(self) -> bool:
        return self.fit is not None


# --------------------------------------------------------------------------- summary


def summary_from_orders(
    orders: pd.DataFrame, observation_end: dt.date, *, time_unit_days: float = 7.0
) -> pd.DataFrame:
    """Per-customer frequency / recency / T / monetary value from order rows.

    Orders (columns ``customer_id``, ``date``, ``amount``) on or before
    ``observation_end`` count; rows without a customer or date are ignored. Orders are
    first summed per customer and calendar day, as the models count purchase days:

    * ``frequency``: number of purchase days after the first (repeat purchases);
    * ``recency``: time from the first to the last purchase day;
    * ``T``: time from the first purchase day to ``observation_end``;
    * ``monetary_value``: mean daily amount over the repeat purchase days (the first
      purchase is excluded, as in the Gamma-Gamma papers), 0 when frequency is 0.

    Times are in units of ``time_unit_days`` days (weeks by default). The result is
    indexed by ``customer_id`` and sorted by it.
    """
    missing = [c for c in _ORDER_COLUMNS if c not in orders.columns]
    if missing:
        raise ValueError(f"orders lack column(s) {missing}; expected {list(_ORDER_COLUMNS)}")
    if not time_unit_days > 0:
        raise ValueError(f"time_unit_days must be positive, got {time_unit_days!r}")
    end = pd.Timestamp(observation_end).normalize()
    days = pd.to_datetime(orders["date"])
    if getattr(days.dt, "tz", None) is not None:
        days = days.dt.tz_localize(None)
    frame = pd.DataFrame(
        {
            "customer_id": orders["customer_id"],
            "day": days.dt.normalize(),
            "amount": pd.to_numeric(orders["amount"]).astype(float),
        }
    ).dropna(subset=["customer_id", "day"])
    frame = frame[frame["day"] <= end]
    if frame.empty:
        empty = pd.DataFrame(
            {"frequency": pd.Series(dtype="int64")}
            | {c: pd.Series(dtype=float) for c in ("recency", "T", "monetary_value")}
        )
        return empty.rename_axis("customer_id")

    daily = frame.groupby(["customer_id", "day"], sort=True)["amount"].sum().reset_index()
    by_customer = daily.groupby("customer_id", sort=True)["day"]
    first, last, n_days = by_customer.min(), by_customer.max(), by_customer.size()
    repeat = daily[daily["day"] > daily["customer_id"].map(first)]
    monetary = repeat.groupby("customer_id")["amount"].mean()

    unit = pd.Timedelta(days=time_unit_days)
    summary = pd.DataFrame(
        {
            "frequency": (n_days - 1).astype("int64"),
            "recency": ((last - first) / unit).astype(float),
            "T": ((end - first) / unit).astype(float),
            "monetary_value": monetary.reindex(n_days.index, fill_value=0.0).astype(float),
        },
        index=n_days.index,
    )
    summary.index.name = "customer_id"
    return summary


# --------------------------------------------------------------------------- BG/NBD


def _bgnbd_nll(
    log_params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray, w: np.ndarray
) -> tuple[float, np.ndarray]:
    """Mean negative BG/NBD log-likelihood (FHL 2005 eq. 6) and its log-parameter gradient.

    ℓ = ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x) − ln B(a, b)
        + ln[(α+T)^−(r+x) + δ(x>0) · a/(b+x−1) · (α+t_x)^−(r+x)]
    """
    r, alpha, a, b = np.exp(log_params)
    # x (repeat purchases) takes few distinct values: the special functions of x are
    # evaluated once per value and spread to the rows (most of the cost otherwise)
    xs, at = np.unique(x, return_inverse=True)
    repeat = x > 0
    a1 = (gammaln(r + xs) - gammaln(r) + r * np.log(alpha))[at]
    a2 = (gammaln(a + b) + gammaln(b + xs) - gammaln(b) - gammaln(a + b + xs))[at]
    log_T, log_tx = np.log(alpha + T), np.log(alpha + tx)
    a3 = -(r + x) * log_T
    bx1 = b + np.maximum(x, 1) - 1
    a4 = np.where(repeat, np.log(a) - np.log(bx1) - (r + x) * log_tx, -np.inf)
    mix = np.logaddexp(a3, a4)
    ll = a1 + a2 + mix
    w3, w4 = np.exp(a3 - mix), np.exp(a4 - mix)  # shares of the two terms, sum 1

    d_r = (digamma(r + xs) - digamma(r) + np.log(alpha))[at] - w3 * log_T - w4 * log_tx
    d_alpha = r / alpha - (r + x) * (w3 / (alpha + T) + w4 / (alpha + tx))
    dg_ab = digamma(a + b)
    dg_abx = digamma(a + b + xs)
    d_a = (dg_ab - dg_abx)[at] + w4 / a
    d_b = (dg_ab + digamma(b + xs) - digamma(b) - dg_abx)[at] - w4 / bx1

    sums = _weighted_sums(w, ll, d_r, d_alpha, d_a, d_b)
    return -sums[0], -sums[1:] * np.array([r, alpha, a, b])


def _weighted_sums(w: np.ndarray, *terms: np.ndarray) -> np.ndarray:
    """Weighted means of each term, summed by NumPy's pairwise summation rather than a
    BLAS dot product, whose threads split the sum differently from machine to machine:
    the optimiser's path, hence a fit on flat likelihoods, would depend on it."""
    return (np.vstack(terms) * w).sum(axis=1) / w.sum()


def _compress(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Unique rows of the given columns and their counts (the likelihood's weights)."""
    unique, counts = np.unique(np.column_stack(columns), axis=0, return_counts=True)
    return [unique[:, i] for i in range(unique.shape[1])], counts.astype(float)


def _maximise(
    nll: Callable[..., tuple[float, np.ndarray]], args: tuple[Any, ...], names: tuple[str, ...]
) -> tuple[np.ndarray | None, str | None]:
    """Minimise ``nll`` over log-parameters; (log-parameters, None) or (None, reason)."""
    res = minimize(
        nll,
        np.zeros(len(names)),
        args=args,
        jac=True,
        method="L-BFGS-B",
        bounds=[(-_LOG_BOUND, _LOG_BOUND)] * len(names),
        options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9},
    )
    if not (np.all(np.isfinite(res.x)) and np.isfinite(res.fun)):
        return None, Reason("fit_non_finite")
    at_bound = [n for n, v in zip(names, res.x, strict=True) if abs(v) > _DIVERGED]
    if at_bound:
        return None, Reason("fit_diverged", names=", ".join(at_bound))
    if not res.success and np.max(np.abs(res.jac)) > _FLAT_GRADIENT:
        return None, Reason("fit_not_converged", message=str(res.message))
    return res.x, None


def _check_summary(summary: pd.DataFrame, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in summary.columns]
    if missing:
        raise ValueError(f"summary lacks column(s) {missing}; expected {list(columns)}")


def _bgnbd_arrays(summary: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    _check_summary(summary, ("frequency", "recency", "T"))
    x, tx, T = (summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(tx)) and np.all(np.isfinite(T))):
        raise ValueError("frequency, recency and T must be finite")
    if np.any(x < 0) or np.any(x != np.round(x)):
        raise ValueError("frequency must be a non-negative whole number of repeat purchases")
    if np.any(tx < 0) or np.any(tx > T):
        raise ValueError("need 0 <= recency <= T for every customer")
    return x, tx, T


def _fit_bgnbd(summary: pd.DataFrame) -> tuple[BgNbdFit | None, str | None]:
    x, tx, T = _bgnbd_arrays(summary)
    if len(x) == 0:
        return None, "no customers to fit"
    if not np.any(x > 0):
        return None, "no customer has a repeat purchase, so dropout cannot be estimated"
    scale = 10.0 / max(float(T.max()), 1e-12)  # times of order 1-10 condition the fit
    (ux, utx, uT), w = _compress(x, tx * scale, T * scale)
    log_params, reason = _maximise(_bgnbd_nll, (ux, utx, uT, w), ("r", "alpha", "a", "b"))
    if log_params is None:
        return None, Reason("bgnbd", detail=reason)
    r, alpha, a, b = np.exp(log_params)
    alpha /= scale
    nll, _ = _bgnbd_nll(np.log([r, alpha, a, b]), x, tx, T, np.ones_like(x))
    fit = BgNbdFit(float(r), float(alpha), float(a), float(b), float(-nll * len(x)), len(x))
    logger.debug("BG/NBD fit: %s", fit)
    return fit, None


def fit_bgnbd(summary: pd.DataFrame) -> BgNbdFit:
    """Maximum-likelihood BG/NBD on a summary (``frequency``, ``recency``, ``T``).

    Raises :class:`ValueError` for malformed input, when no customer has a repeat
    purchase, or when the fit does not converge.
    """
    fit, reason = _fit_bgnbd(summary)
    if fit is None:
        raise ValueError(f"cannot fit the BG/NBD model: {reason}")
    return fit


def _arrays(*values: Any) -> tuple[list[np.ndarray], pd.Index | None]:
    """Broadcast inputs to float arrays; remember the index of the first Series."""
    index = next((v.index for v in values if isinstance(v, pd.Series)), None)
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in values))
    return list(arrays), index


def _wrap(result: np.ndarray, index: pd.Index | None) -> Any:
    if index is not None and result.shape == (len(index),):
        return pd.Series(result, index=index)
    return float(result) if result.ndim == 0 else result


def _p_alive(fit: BgNbdFit, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
    r, alpha, a, b = fit.r, fit.alpha, fit.a, fit.b
    log_odds_dead = (
        np.log(a)
        - np.log(b + np.maximum(x, 1) - 1)
        + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    )
    return np.where(x > 0, expit(-log_odds_dead), 1.0)


def probability_alive(fit: BgNbdFit, frequency: Any, recency: Any, T: Any) -> Any:
    """P(customer still alive at T | x, t_x, T) (FHL 2005 appendix).

    1 / (1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)): a customer without repeat
    purchases is alive by the model's definition (dropout happens only after a repeat
    purchase). Accepts scalars, arrays or Series (positional; a Series' index is kept).
    """
    (x, tx, T_), index = _arrays(frequency, recency, T)
    return _wrap(_p_alive(fit, x, tx, T_), index)


def expected_purchases(fit: BgNbdFit, t: Any, frequency: Any, recency: Any, T: Any) -> Any:
    """E[number of purchases in (T, T+t] | x, t_x, T] (FHL 2005 eq. 10).

    (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; z)] · P(alive),
    z = t/(α+T+t), evaluated through Euler's transformation as
    1 − (1−z)^(a−1) ₂F₁(a+b−1−r, a−1; a+b+x−1; z), whose series converges faster for
    large x. The removable singularity at a = 1 is evaluated at a = 1 + 1e-9. ``t`` is
    in the summary's time unit. Accepts scalars, arrays or Series.
    """
    (t_, x, tx, T_), index = _arrays(t, frequency, recency, T)
    if np.any(t_ < 0):
        raise ValueError("the prediction horizon t must be non-negative")
    r, alpha, b = fit.r, fit.alpha, fit.b
    a = fit.a if abs(fit.a - 1.0) > 1e-9 else 1.0 + 1e-9
    z = t_ / (alpha + T_ + t_)
    hyp = hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
    bracket = 1.0 - np.exp((a - 1) * np.log1p(-z)) * hyp
    result = (a + b + x - 1) / (a - 1) * bracket * _p_alive(fit, x, tx, T_)
    return _wrap(result, index)


# --------------------------------------------------------------------------- Gamma-Gamma


def _gg_nll(
    log_params: np.ndarray, x: np.ndarray, m: np.ndarray, w: np.ndarray
) -> tuple[float, np.ndarray]:
    """Mean negative Gamma-Gamma log-likelihood of the mean spend m̄ over x purchases.

    ℓ = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + px ln x + (px−1) ln m̄
        − (px+q) ln(γ + x m̄)
    """
    p, q, g = np.exp(log_params)
    px = p * x
    log_gxm = np.log(g + x * m)
    ll = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(g)
        + px * np.log(x)
        + (px - 1) * np.log(m)
        - (px + q) * log_gxm
    )
    dg_pxq = digamma(px + q)
    d_p = x * (dg_pxq - digamma(px) + np.log(x) + np.log(m) - log_gxm)
    d_q = dg_pxq - digamma(q) + np.log(g) - log_gxm
    d_g = q / g - (px + q) / (g + x * m)
    sums = _weighted_sums(w, ll, d_p, d_q, d_g)
    return -sums[0], -sums[1:] * np.array([p, q, g])


def _fit_gamma_gamma(summary: pd.DataFrame) -> tuple[GammaGammaFit | None, str | None]:
    _check_summary(summary, ("frequency", "monetary_value"))
    x = summary["frequency"].to_numpy(dtype=float)
    m = summary["monetary_value"].to_numpy(dtype=float)
    keep = (x > 0) & (m > 0) & np.isfinite(m)
    x, m = x[keep], m[keep]
    if len(x) == 0:
        return None, "no repeat buyer with positive spend to fit the spend model on"
    scale = 1.0 / float(np.mean(m))  # amounts of order 1 condition the fit
    (ux, um), w = _compress(x, m * scale)
    log_params, reason = _maximise(_gg_nll, (ux, um, w), ("p", "q", "gamma"))
    if log_params is None:
        return None, Reason("gamma_gamma", detail=reason)
    p, q, g = np.exp(log_params)
    g /= scale
    nll, _ = _gg_nll(np.log([p, q, g]), x, m, np.ones_like(x))
    fit = GammaGammaFit(float(p), float(q), float(g), float(-nll * len(x)), len(x))
    logger.debug("Gamma-Gamma fit: %s", fit)
    return fit, None


def fit_gamma_gamma(summary: pd.DataFrame) -> GammaGammaFit:
    """Maximum-likelihood Gamma-Gamma on the customers with frequency > 0 and spend > 0.

    Uses ``frequency`` and ``monetary_value`` (mean spend of the repeat purchase days).
    Raises :class:`ValueError` for malformed input, when no customer qualifies, or when
    the fit does not converge.
    """
    fit, reason = _fit_gamma_gamma(summary)
    if fit is None:
        raise ValueError(f"cannot fit the Gamma-Gamma model: {reason}")
    return fit


def expected_spend(gg_fit: GammaGammaFit, frequency: Any, monetary: Any) -> Any:
    """E[spend per purchase | x, m̄] = (γ + x·m̄)·p / (p·x + q − 1).

    A weighted mean of the population mean p·γ/(q−1) and the customer's own mean m̄,
    with weight p·x/(p·x+q−1) on the latter; customers with x = 0 get the population
    mean. Accepts scalars, arrays or Series.
    """
    (x, m), index = _arrays(frequency, monetary)
    p, q, g = gg_fit.p, gg_fit.q, gg_fit.gamma
    m = np.where(x > 0, m, 0.0)
    return _wrap((g + x * m) * p / (p * x + q - 1), index)


# --------------------------------------------------------------------------- CLV


def value_tiers(clv: pd.Series, cuts: tuple[float, float] = (0.2, 0.5)) -> pd.Series:
    """Tier customers "top" / "middle" / "low" by their rank share of CLV.

    Customers are ranked by CLV, highest first, ties broken by the index (customer_id)
    ascending. Of n ranked customers the first round(cuts[0]·n) are "top", those up to
    round(cuts[1]·n) "middle", the rest "low" (halves round up): with the defaults the
    top 20% of customers, the next 30%, the rest. NaN CLV gets no tier (NaN) and no
    rank. Returns a categorical Series (categories in :data:`TIERS` order) on the same
    index.
    """
    top, middle = cuts
    if not 0.0 <= top <= middle <= 1.0:
        raise ValueError(f"cuts must satisfy 0 <= top <= middle <= 1, got {cuts!r}")
    valid = clv.dropna()
    n = len(valid)
    order = (
        pd.DataFrame({"clv": valid.to_numpy(dtype=float), "id": valid.index})
        .sort_values(["clv", "id"], ascending=[False, True], kind="mergesort")
        .index.to_numpy()
    )
    n_top, n_middle = (int(np.floor(cut * n + 0.5 + 1e-9)) for cut in cuts)
    ranked = np.full(n, TIERS[2], dtype=object)
    ranked[:n_middle] = TIERS[1]
    ranked[:n_top] = TIERS[0]
    labels = np.empty(n, dtype=object)
    labels[order] = ranked
    tiers = pd.Series(pd.NA, index=clv.index, dtype=object, name="value_tier")
    tiers[clv.notna().to_numpy()] = labels
    return tiers.astype(pd.CategoricalDtype(list(TIERS)))


def _shortfall(summary: pd.DataFrame, min_customers: int, min_repeat: int) -> str | None:
    n = len(summary)
    repeat = int(((summary["frequency"] > 0) & (summary["monetary_value"] > 0)).sum())
    if n < min_customers:
        return Reason("clv_few_customers", n=n, least=min_customers)
    if repeat < min_repeat:
        return Reason("clv_few_repeat", repeat=repeat, n=n, least=min_repeat)
    return None


def clv_from_summary(
    summary: pd.DataFrame,
    *,
    horizon_months: int = 12,
    monthly_discount: float = 0.01,
    time_unit_days: float = 7.0,
    min_customers: int = MIN_CUSTOMERS,
    min_repeat_customers: int = MIN_REPEAT_CUSTOMERS,
) -> ClvResult:
    """:func:`customer_clv` on an existing :func:`summary_from_orders` frame.

    ``time_unit_days`` must be the unit the summary was made with.
    """
    if int(horizon_months) != horizon_months or horizon_months < 1:
        raise ValueError(f"horizon_months must be a whole number >= 1, got {horizon_months!r}")
    if not monthly_discount > -1.0:
        raise ValueError(f"monthly_discount must be > -1, got {monthly_discount!r}")
    _check_summary(summary, ("frequency", "recency", "T", "monetary_value"))

    reason = _shortfall(summary, min_customers, min_repeat_customers)
    purchases = spend = None
    if reason is None:
        purchases, reason = _fit_bgnbd(summary)
    if reason is None:
        spend, reason = _fit_gamma_gamma(summary)
    if reason is None and spend is not None and spend.q <= 1.0:
        reason = Reason("gamma_gamma_heavy_tail", q=f"{spend.q:.3g}")

    customers = summary[["frequency", "recency", "T", "monetary_value"]].copy()
    customers.index = customers.index.rename("customer_id")
    fit = None
    if reason is None and purchases is not None and spend is not None:
        fit = ClvFit(purchases, spend)
        x, tx, T = _bgnbd_arrays(summary)
        months = np.arange(horizon_months + 1)
        t_grid = months * DAYS_PER_MONTH / time_unit_days
        with np.errstate(invalid="ignore", over="ignore"):
            cumulative = expected_purchases(purchases, t_grid[:, None], x, tx, T)
        if not np.isfinite(cumulative).all():
            # e.g. a and b running off together (no drop-out in the data): the
            # expectation's hypergeometric term is no longer computable
            reason = Reason("bgnbd_not_computable", a=f"{purchases.a:.3g}", b=f"{purchases.b:.3g}")
            fit = None
    if fit is not None and purchases is not None and spend is not None:
        discount = (1.0 + monthly_discount) ** -months[1:]
        per_purchase = expected_spend(spend, x, summary["monetary_value"].to_numpy(float))
        customers["p_alive"] = _p_alive(purchases, x, tx, T)
        customers["expected_purchases"] = cumulative[-1]
        customers["expected_spend"] = per_purchase
        customers["clv"] = discount @ np.diff(cumulative, axis=0) * per_purchase
    else:
        logger.info("no CLV model: %s", reason)
        for column in ("p_alive", "expected_purchases", "expected_spend", "clv"):
            customers[column] = np.nan
    customers["value_tier"] = value_tiers(customers["clv"])
    customers = customers.sort_index(kind="mergesort").reset_index()
    return ClvResult(
        customers=customers[list(CUSTOMER_COLUMNS)],
        fit=fit,
        reason=reason,
        horizon_months=int(horizon_months),
        monthly_discount=float(monthly_discount),
        time_unit_days=float(time_unit_days),
    )


def customer_clv(
    orders: pd.DataFrame,
    observation_end: dt.date,
    *,
    horizon_months: int = 12,
    monthly_discount: float = 0.01,
    time_unit_days: float = 7.0,
    min_customers: int = MIN_CUSTOMERS,
    min_repeat_customers: int = MIN_REPEAT_CUSTOMERS,
) -> ClvResult:
    """Per-customer CLV over ``horizon_months`` from order rows up to ``observation_end``.

    Summarises the orders (:func:`summary_from_orders`), fits BG/NBD and Gamma-Gamma, and
    values each customer as described in the module docstring, with value tiers from
    :func:`value_tiers`. Returns ``fit=None`` and a ``reason`` instead of raising when
    the data cannot support the models.
    """
    summary = summary_from_orders(orders, observation_end, time_unit_days=time_unit_days)
    return clv_from_summary(
        summary,
        horizon_months=horizon_months,
        monthly_discount=monthly_discount,
        time_unit_days=time_unit_days,
        min_customers=min_customers,
        min_repeat_customers=min_repeat_customers,
    )
