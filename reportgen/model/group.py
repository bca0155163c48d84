"""The consolidated view: units side by side. Pure data for the group deck and the group
workbook (one place computes rankings, movers, gaps and the heat-map scores).

- **Ranking** of units on a KPI, best first in the KPI's own direction (for churn,
  lowest first). Units below the minimum n are ranked after the others and flagged:
  no claim is made about their place.
- **Heat score** of a unit on a KPI: its distance from the group figure in the good
  direction, divided by the largest such distance among the units (−1 … +1), so a
  colour scale reads the same for every KPI whatever its unit.
- **Movers**: changes against the previous period, turned into improvements
  (change × direction); significant changes first, then by the strength of the
  evidence (the signed z of the change's test), the one scale on which changes of
  KPIs in different units compare.
- **Gaps to target**: value − target and attainment per unit and KPI.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from reportgen.engine.compute import ALL
from reportgen.pipeline import KpiReport
from reportgen.stats import finite, two_sided_z

#: KPIs of the consolidated view unless a caller chooses.
GROUP_KPIS: tuple[str, ...] = (
    "csat",
    "nps",
    "csi",
    "ces",
    "trust_rate",
    "recommend_rate",
    "repurchase_intent_rate",
    "churn_rate",
    "retention_rate",
    "repurchase_rate",
    "arpu",
    "fcr",
    "first_response_hours_median",
    "resolution_hours_median",
    "complaint_rate",
    "complaint_resolution_rate",
)


#: KPIs that are another's complement over the same customers (retention = 1 − churn):
#: one change and one test, so the movers list the mirror only.
MIRRORED: dict[str, str] = {"retention_rate": "churn_rate"}


def group_kpis(report: KpiReport, wanted: Sequence[str] | None = None) -> list[str]:
    """The wanted KPIs (default :data:`GROUP_KPIS`) that the report computed, in order."""
    return [k for k in (wanted or GROUP_KPIS) if k in report.kpis]


def _unit_rows(report: KpiReport, kpi: str) -> pd.DataFrame:
    sc = report.scorecard
    rows = sc[(sc.kpi == kpi) & sc.dimension.isna() & (sc.unit != ALL)]
    return rows.set_index("unit").reindex(list(report.units))


def ranking(report: KpiReport, kpi: str) -> pd.DataFrame:
    """Units on one KPI, best first: unit, rank (None below min n or without a value),
    value, n, low_n, change_prev, sig_prev, target, target_gap, attainment, target_met."""
    d = report.kpis[kpi]
    rows = _unit_rows(report, kpi)
    out = pd.DataFrame(
        {
            "unit": rows.index,
            "value": [finite(v) for v in rows["value"]],
            "n": [int(v) if finite(v) is not None else 0 for v in rows["n"]],
            "low_n": [bool(v) if v is not None else True for v in rows["low_n"]],
            "change_prev": [finite(v) for v in rows["change_prev"]],
            "sig_prev": list(rows["sig_prev"]),
            "target": [finite(v) for v in rows["target"]],
            "target_gap": [finite(v) for v in rows["target_gap"]],
            "attainment": [finite(v) for v in rows["attainment"]],
            "target_met": list(rows["target_met"]),
        }
    )
    rankable = out.value.notna() & ~out.low_n
    key = out.value.where(rankable) * d.direction
    out["_key"] = key
    out["_unit_order"] = range(len(out))
    out = out.sort_values(
        ["_key", "_unit_order"], ascending=[False, True], na_position="last", kind="stable"
    )
    ranks = iter(range(1, int(rankable.sum()) + 1))
    out["rank"] = [next(ranks) if ok else None for ok in rankable.loc[out.index]]
    return out.drop(columns=["_key", "_unit_order"]).reset_index(drop=True)


@dataclass(frozen=True)
class UnitMatrix:
    """KPI × unit: values, n, below-min-n flags and heat scores (−1 … +1, None if
    unknown), plus the group ("all") value per KPI."""

    kpis: tuple[str, ...]
    units: tuple[str, ...]
    values: pd.DataFrame
    n: pd.DataFrame
    low_n: pd.DataFrame
    heat: pd.DataFrame
    group: pd.Series


def unit_matrix(report: KpiReport, kpis: Sequence[str] | None = None) -> UnitMatrix:
    ks = group_kpis(report, kpis)
    units = list(report.units)
    values = pd.DataFrame(index=ks, columns=units, dtype=float)
    n = pd.DataFrame(0, index=ks, columns=units, dtype=int)
    low = pd.DataFrame(True, index=ks, columns=units, dtype=bool)
    heat = pd.DataFrame(index=ks, columns=units, dtype=float)
    group = pd.Series(index=ks, dtype=float)
    sc = report.scorecard
    for k in ks:
        g = sc[(sc.kpi == k) & (sc.unit == ALL) & sc.dimension.isna()]
        gv = finite(g.iloc[0]["value"]) if len(g) else None
        group[k] = gv if gv is not None else math.nan
        rows = _unit_rows(report, k)
        for u in units:
            v = finite(rows.at[u, "value"]) if u in rows.index else None
            values.at[k, u] = v if v is not None else math.nan
            n.at[k, u] = int(rows.at[u, "n"]) if v is not None else 0
            low.at[k, u] = bool(rows.at[u, "low_n"]) if v is not None else True
        heat.loc[k] = heat_scores(values.loc[k], group[k], report.kpis[k].direction, low.loc[k])
    return UnitMatrix(tuple(ks), tuple(units), values, n, low, heat, group)


def heat_scores(values: pd.Series, reference: float, direction: int, low_n: pd.Series) -> pd.Series:
    """(value − reference) × direction, scaled by the largest absolute such distance
    among units at or above min n; None for units without a value or below min n."""
    ok = values.notna() & ~low_n.astype(bool)
    if not ok.any() or reference is None or not math.isfinite(reference):
        return pd.Series(math.nan, index=values.index)
    dist = (values - reference) * direction
    scale = dist[ok].abs().max()
    if not scale or not math.isfinite(scale):
        return pd.Series(0.0, index=values.index).where(ok)
    return (dist / scale).where(ok)


def movers(
    report: KpiReport, kpis: Sequence[str] | None = None, basis: str = "prev"
) -> pd.DataFrame:
    """Every unit × KPI change against the ``basis`` ("prev": the previous period, "yoy":
    the same period last year) as an improvement (change × direction): kpi, unit, value,
    earlier_value, change, improvement, z, sig, p — significant changes first, then by
    ``z``, the improvement's standard normal score from its two-sided test (the sign of
    the improvement × Φ⁻¹(1 − p/2)). Changes of KPIs in different units (points,
    percent points, hours) compare on no other common scale. Use :func:`best_movers`
    and :func:`worst_movers`."""
    earlier = {"prev": "prev_value", "yoy": "yoy_value"}[basis]
    sc = report.scorecard
    rows = []
    chosen = group_kpis(report, kpis)
    for k in chosen:
        if MIRRORED.get(k) in chosen:
            continue  # the same change as its mirror's, the same test: listed once
        d = report.kpis[k]
        sub = sc[(sc.kpi == k) & sc.dimension.isna() & (sc.unit != ALL)]
        for r in sub.to_dict("records"):
            ch = finite(r[f"change_{basis}"])
            if ch is None or bool(r["low_n"]):
                continue
            sig = r[f"sig_{basis}"]
            p = finite(r[f"p_{basis}"])
            improvement = ch * d.direction
            rows.append(
                {
                    "kpi": k,
                    "unit": r["unit"],
                    "value": finite(r["value"]),
                    "earlier_value": finite(r.get(earlier)),
                    "change": ch,
                    "improvement": improvement,
                    "z": _signed_z(improvement, p),
                    "sig": bool(sig) if pd.notna(sig) else False,
                    "p": p,
                }
            )
    cols = ["kpi", "unit", "value", "earlier_value", "change", "improvement", "z"]
    out = pd.DataFrame(rows, columns=[*cols, "sig", "p"])
    if out.empty:
        return out
    return out.sort_values(
        ["sig", "z", "kpi", "unit"],
        ascending=[False, False, True, True],
        kind="stable",
        na_position="last",
    ).reset_index(drop=True)


def _signed_z(improvement: float, p: float | None) -> float:
    """The standard normal score of a two-sided p value, signed as the improvement
    (±inf when p underflows to 0; 0 for no change; NaN without a test)."""
    if p is None or not improvement:
        return 0.0 if p is not None else math.nan
    return math.copysign(two_sided_z(p), improvement)


def best_movers(
    report: KpiReport, top: int = 5, kpis: Sequence[str] | None = None, basis: str = "prev"
) -> pd.DataFrame:
    """The significant improvements, the strongest evidence first (none if nothing
    improved significantly)."""
    m = movers(report, kpis, basis)
    if m.empty:
        return m
    return m[m.sig & (m.improvement > 0)].head(top).reset_index(drop=True)


def worst_movers(
    report: KpiReport, top: int = 5, kpis: Sequence[str] | None = None, basis: str = "prev"
) -> pd.DataFrame:
    """The significant deteriorations, the strongest evidence first."""
    m = movers(report, kpis, basis)
    if m.empty:
        return m
    bad = m[m.sig & (m.improvement < 0)]
    return bad.sort_values(["z", "kpi", "unit"], kind="stable").head(top).reset_index(drop=True)


def target_gaps(report: KpiReport, kpis: Sequence[str] | None = None) -> pd.DataFrame:
    """Unit × KPI rows with a target: kpi, unit, value, target, target_gap (value −
    target), attainment, target_met."""
    sc = report.scorecard
    ks = group_kpis(report, kpis)
    sub = sc[sc.kpi.isin(ks) & sc.dimension.isna() & (sc.unit != ALL) & sc.target.notna()]
    out = sub[["kpi", "unit", "value", "target", "target_gap", "attainment", "target_met"]]
    order = {k: i for i, k in enumerate(ks)}
    uorder = {u: i for i, u in enumerate(report.units)}
    out = out.assign(_k=out.kpi.map(order), _u=out.unit.map(uorder))
    return out.sort_values(["_k", "_u"]).drop(columns=["_k", "_u"]).reset_index(drop=True)
