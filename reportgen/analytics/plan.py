"""Next period's plan: proposed KPI targets from the trend, and priority actions.

**Target rule** (:func:`propose_target`). Over the trailing periods (oldest first, the
last one being the current period), fit a straight line by ordinary least squares,
with the periods numbered 0, 1, …, m − 1:

- *forecast* = the line's value at the next period, m;
- *sd* = the residual standard deviation √(Σ residual² / (m − 2)), the period-to-period
  noise around the trend;
- *stretch* = current + direction × 0.5 × sd, a move the unit's own noise shows is
  within reach;
- the proposal is the more ambitious of forecast and stretch (``basis`` ``trend`` or
  ``stretch``), but never beyond the *cap* = current + direction × (one period of a
  favourable trend + 2 × sd), i.e. what the history has shown is achievable: one more
  step of the trend's demonstrated improvement plus two standard deviations of its
  noise (``basis`` ``cap``). The favourable trend step is max(0, direction × slope):
  a trend in the bad direction earns no allowance. On a perfect favourable line
  (sd = 0) the cap is exactly the forecast, so the proposal continues the line;
- ``ratio`` KPIs (0–1) are clipped to [0, 1] (``basis`` ``bound`` when that changed
  the proposal). No other unit is clipped.

``direction`` is +1 when higher is better and −1 when lower is better; the proposal
is therefore never worse than the current value. Fewer than 3 periods give None: a
line through two points has no residual to measure noise.

**Priority actions** (:func:`priority_actions`): the driver analysis's fix-first
attributes (high importance, low performance) by importance, then the comment
themes most mentioned by detractors, up to ``max_actions``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

import numpy as np
import pandas as pd

from reportgen.analytics.drivers import DriverResult

MIN_PERIODS: Final = 3
#: Fraction of the residual sd added to the current value for the stretch target.
STRETCH_SDS: Final = 0.5
#: Residual sds (on top of one favourable trend step) that bound the proposal.
CAP_SDS: Final = 2.0

# How the proposal was set (``TargetProposal.basis``).
BASIS_TREND: Final = "trend"
BASIS_STRETCH: Final = "stretch"
BASIS_CAP: Final = "cap"
BASIS_BOUND: Final = "bound"

KIND_DRIVER: Final = "driver"
KIND_THEME: Final = "theme"

#: Columns of the comment-themes frame accepted by :func:`priority_actions`.
THEME_COLUMNS: Final = ("theme", "comments", "detractor_share", "share_change")


@dataclass(frozen=True)
class TargetProposal:
    """A proposed target and the numbers behind it.

    ``basis`` says which rule set ``proposal``: ``trend`` (the forecast), ``stretch``
    (current + 0.5 sd), ``cap`` (the cap) or ``bound`` (a ratio clipped to 0–1).
    ``forecast`` is the unclipped trend forecast; ``sd`` the residual standard
    deviation; ``slope`` the trend per period; ``periods`` the periods fitted.
    """

    proposal: float
    current: float
    forecast: float
    stretch: float
    cap: float
    sd: float
    slope: float
    periods: int
    direction: int
    unit: str
    basis: str


@dataclass(frozen=True)
class Action:
    """One priority action for next period.

    ``kind`` is ``driver`` (``subject`` = attribute id) or ``theme`` (``subject`` =
    theme id); ``priority`` is 1 for the first action. Driver actions carry
    ``importance_share`` (0–1), ``performance`` (0–100) and ``gap_to_best`` (0–100
    points below the best-performing attribute); theme actions carry ``comments``,
    ``detractor_share`` (0–1: detractors among the theme's rated comments) and
    ``share_change`` with ``share_change_p``, its test's p value (None when unknown).
    Fields of the other kind are None.
    """

    priority: int
    kind: str
    subject: str
    importance_share: float | None = None
    performance: float | None = None
    gap_to_best: float | None = None
    comments: int | None = None
    detractor_share: float | None = None
    share_change: float | None = None
    share_change_p: float | None = None


def propose_target(
    history: Sequence[float],
    current: float,
    *,
    direction: int,
    unit: str,
    window: int | None = None,
    stretch_sds: float = STRETCH_SDS,
    cap_sds: float = CAP_SDS,
) -> TargetProposal | None:
    """Propose next period's target from the trailing ``history`` (oldest first,
    ending with the current period); see the module docstring for the rule.

    ``window`` keeps only the last ``window`` periods. Missing (None / NaN) values are
    dropped. Returns None with fewer than 3 periods or no finite ``current``.
    """
    if direction not in (1, -1):
        raise ValueError(f"direction must be +1 or -1, got {direction!r}")
    values = [float(v) for v in history if v is not None and math.isfinite(float(v))]
    if window is not None:
        values = values[-window:] if window > 0 else []
    if len(values) < MIN_PERIODS or current is None or not math.isfinite(current):
        return None
    y = np.asarray(values)
    x = np.arange(len(y), dtype=float)
    xc = x - x.mean()
    slope = float(xc @ (y - y.mean()) / (xc @ xc))
    intercept = float(y.mean() - slope * x.mean())
    residuals = y - (intercept + slope * x)
    sd = math.sqrt(float(residuals @ residuals) / (len(y) - 2))
    forecast = intercept + slope * len(y)
    stretch = current + direction * stretch_sds * sd
    cap = current + direction * (max(0.0, direction * slope) + cap_sds * sd)
    if _beyond(stretch, forecast, direction):
        proposal, basis = stretch, BASIS_STRETCH
    else:
        proposal, basis = forecast, BASIS_TREND
    if _beyond(proposal, cap, direction):
        proposal, basis = cap, BASIS_CAP
    if unit == "ratio":
        clipped = min(1.0, max(0.0, proposal))
        if clipped != proposal:
            proposal, basis = clipped, BASIS_BOUND
    return TargetProposal(
        proposal=proposal,
        current=float(current),
        forecast=forecast,
        stretch=stretch,
        cap=cap,
        sd=sd,
        slope=slope,
        periods=len(y),
        direction=direction,
        unit=unit,
        basis=basis,
    )


def _beyond(a: float, b: float, direction: int) -> bool:
    """a is further than b in the good direction, beyond floating-point noise."""
    return direction * (a - b) > 1e-9 * max(1.0, abs(a), abs(b))


def priority_actions(
    drivers: DriverResult | None,
    themes: pd.DataFrame | None,
    *,
    max_actions: int = 3,
    min_rated: int = 0,
) -> list[Action]:
    """Up to ``max_actions`` actions in priority order: the fix-first driver
    attributes by importance, then the comment themes that most detractors complain
    about: comments × detractor share (the theme's detractor comments, so a theme of 30
    comments all from detractors does not outrank one of 150 at 50%; ties: higher
    share, then theme id). Themes no detractor mentioned (share 0 or missing) are not
    actions, nor themes whose share rests on fewer than ``min_rated`` rated comments
    (the ``rated`` column, where the frame has one): no claim below the minimum n.

    ``themes`` has the columns :data:`THEME_COLUMNS` (extra columns are ignored).
    """
    candidates: list[Action] = []
    if drivers is not None and drivers.table is not None:
        table = drivers.table
        best = float(table["performance"].max())
        for attribute in drivers.fix_first():
            row = table.loc[attribute]
            candidates.append(
                Action(
                    priority=0,
                    kind=KIND_DRIVER,
                    subject=str(attribute),
                    importance_share=float(row["importance_share"]),
                    performance=float(row["performance"]),
                    gap_to_best=best - float(row["performance"]),
                )
            )
    if themes is not None:
        missing = [c for c in THEME_COLUMNS if c not in themes.columns]
        if missing:
            raise ValueError(
                f"themes frame lacks columns {missing}; expected {list(THEME_COLUMNS)}, "
                f"got {list(themes.columns)}"
            )
        ranked = pd.DataFrame(
            {
                "theme": themes["theme"].astype(str),
                "comments": pd.to_numeric(themes["comments"], errors="coerce").fillna(0),
                "share": pd.to_numeric(themes["detractor_share"], errors="coerce"),
                "change": pd.to_numeric(themes["share_change"], errors="coerce"),
                "change_p": pd.to_numeric(
                    themes.get("share_change_p", pd.Series(np.nan, index=themes.index)),
                    errors="coerce",
                ),
                "rated": pd.to_numeric(themes.get("rated", themes["comments"]), errors="coerce"),
            }
        )
        ranked = ranked[(ranked["share"] > 0) & (ranked["rated"].fillna(0) >= min_rated)]
        ranked = ranked.assign(weight=lambda f: f["share"] * f["comments"])
        ranked = ranked.sort_values(
            ["weight", "share", "theme"], ascending=[False, False, True], kind="stable"
        )
        for theme, comments, share, change, change_p in zip(
            ranked["theme"],
            ranked["comments"],
            ranked["share"],
            ranked["change"],
            ranked["change_p"],
            strict=True,
        ):
            candidates.append(
                Action(
                    priority=0,
                    kind=KIND_THEME,
                    subject=theme,
                    comments=int(comments),
                    detractor_share=float(share),
                    share_change=None if pd.isna(change) else float(change),
                    share_change_p=None if pd.isna(change_p) else float(change_p),
                )
            )
    chosen = candidates[: max(0, max_actions)]
    return [replace(action, priority=i) for i, action in enumerate(chosen, start=1)]
