"""Chart specifications built from KPI results: defined once, rendered by every output.

Each function turns a :class:`~reportgen.pipeline.KpiReport` into a :class:`ChartSpec`
(pure data). Titles and series names are passed in by the caller, who owns the
language; the numbers come straight from the report, so a chart in the workbook and
the same chart in the deck show the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from reportgen.engine.compute import ALL
from reportgen.model.charts import ChartSpec, ReferenceLine
from reportgen.pipeline import KpiReport
from reportgen.stats import finite

#: KPIs that get a trend chart of their own (when computed).
HEADLINE_TREND_KPIS: tuple[str, ...] = (
    "csat",
    "nps",
    "csi",
    "churn_rate",
    "repurchase_rate",
    "fcr",
)


def _unit_rows(report: KpiReport, unit: str) -> pd.DataFrame:
    sc = report.scorecard
    return sc[(sc.unit == unit) & sc.dimension.isna()].set_index("kpi")


def trend_values(report: KpiReport, kpi: str, unit: str) -> tuple[float | None, ...]:
    """The KPI's value per trend period (oldest first); None where there is none."""
    t = report.trends
    rows = t[(t.kpi == kpi) & (t.unit == unit)]
    by_period = dict(zip(rows.period, rows.value, strict=True))
    return tuple(finite(by_period.get(p.label)) for p in report.trend_periods)


def target_values(report: KpiReport, kpi: str, unit: str) -> tuple[float | None, ...]:
    """The unit's target for the KPI per trend period (oldest first); None where none
    is set: each period is judged against its own target."""
    t = report.targets
    if t is None or t.empty:
        return tuple(None for _ in report.trend_periods)
    rows = t[(t.kpi == kpi) & (t.unit == unit)]
    by_period = dict(zip(rows.period, rows.target, strict=True))
    return tuple(finite(by_period.get(p.label)) for p in report.trend_periods)


def target_line(report: KpiReport, kpi: str, unit: str, label: str) -> ReferenceLine | None:
    """The target line of a trend chart: the target of each trend period, or None when
    no trend period has one."""
    values = target_values(report, kpi, unit)
    latest = next((v for v in reversed(values) if v is not None), None)
    if latest is None:
        return None
    return ReferenceLine(label, latest, "target", values=values)


def trend_chart(
    report: KpiReport, kpi: str, unit: str, *, title: str, unit_name: str, group_name: str
) -> ChartSpec:
    """A line over the trend periods for the unit and for all units together."""
    series = [(unit_name, trend_values(report, kpi, unit))]
    if unit != ALL:
        series.append((group_name, trend_values(report, kpi, ALL)))
    return ChartSpec.build(
        "line",
        title,
        [p.label for p in report.trend_periods],
        series,
        value_unit=report.kpis[kpi].unit,
    )


def headline_rates_chart(
    report: KpiReport,
    unit: str,
    lang: str,
    *,
    title: str,
    unit_name: str,
    target_name: str,
    group_name: str,
    kpis: Sequence[str] = HEADLINE_TREND_KPIS,
) -> ChartSpec | None:
    """Columns of the headline rates (KPIs in percent) for the unit, all units together
    and the unit's targets; None when no headline rate was computed."""
    ids = [k for k in kpis if k in report.kpis and report.kpis[k].unit == "ratio"]
    if not ids:
        return None
    rows = _unit_rows(report, unit)
    group = _unit_rows(report, ALL)
    series: list[tuple[str, list[float | None]]] = [
        (unit_name, [finite(rows.at[k, "value"]) if k in rows.index else None for k in ids])
    ]
    if unit != ALL:
        series.append(
            (group_name, [finite(group.at[k, "value"]) if k in group.index else None for k in ids])
        )
    series.append(
        (target_name, [finite(rows.at[k, "target"]) if k in rows.index else None for k in ids])
    )
    return ChartSpec.build(
        "column",
        title,
        [report.kpis[k].label(lang) for k in ids],
        series,
        value_unit="ratio",
    )


def attainment_chart(
    report: KpiReport,
    unit: str,
    lang: str,
    *,
    title: str,
    series_name: str,
    target_line: str,
) -> ChartSpec | None:
    """Attainment (value/target, inverted for lower-is-better KPIs) of every KPI with a
    target, with the 100% line; None when no KPI of the unit has one."""
    rows = _unit_rows(report, unit)
    ids = [k for k in report.kpis if k in rows.index and finite(rows.at[k, "attainment"])]
    if not ids:
        return None
    return ChartSpec.build(
        "column",
        title,
        [report.kpis[k].label(lang) for k in ids],
        [(series_name, [rows.at[k, "attainment"] for k in ids])],
        value_unit="ratio",
        references=(ReferenceLine(target_line, 1.0, "target"),),
    )


def attribute_chart(
    report: KpiReport, unit: str, lang: str, *, title: str, unit_name: str, group_name: str
) -> ChartSpec | None:
    """Bars of the attribute (touchpoint) scores for the unit and all units together."""
    ids = [k for k in report.kpis if k.startswith("attr_")]
    if not ids:
        return None
    rows = _unit_rows(report, unit)
    group = _unit_rows(report, ALL)
    series = [(unit_name, [rows.at[k, "value"] if k in rows.index else None for k in ids])]
    if unit != ALL:
        series.append(
            (group_name, [group.at[k, "value"] if k in group.index else None for k in ids])
        )
    return ChartSpec.build(
        "bar",
        title,
        [report.kpis[k].label(lang) for k in ids],
        series,
        value_unit=report.kpis[ids[0]].unit,
    )
