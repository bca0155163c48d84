"""KPI × column matrices: trends (KPI × period), segments and service channels
(KPI × dimension value). Each is a table of values and a table of sample sizes, with
every row in its KPI's number format; trends add a native line chart per headline KPI."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

from reportgen.engine.compute import ALL
from reportgen.engine.registry import KpiDef
from reportgen.model.charts import number_format
from reportgen.model.kpi_charts import HEADLINE_TREND_KPIS, trend_chart
from reportgen.render.xlsx_cells import COUNT_FORMAT, SheetWriter
from reportgen.render.xlsx_charts import chart_data_rows, chart_to_openpyxl
from reportgen.render.xlsx_context import Context
from reportgen.render.xlsx_layout import (
    Column,
    Val,
    finish_sheet,
    heading,
    note,
    title_block,
)
from reportgen.render.xlsx_layout import write_table as _write_table
from reportgen.render.xlsx_scorecard import CHART_BAND_ROWS, LOW_N_FONT

#: (value, n, low_n) of one matrix cell
Cell = tuple[Any, Any, bool]


def _matrix(
    ctx: Context,
    sw: SheetWriter,
    top: int,
    headers: Sequence[str],
    kpis: Sequence[KpiDef],
    cell: Callable[[KpiDef, int], Cell],
    stem: str,
) -> int:
    """A values table and an n table, KPI rows × ``headers`` columns; returns next free row."""
    t = ctx.t
    first = Column(t("headers.kpi"))
    last = Column(t("headers.kpi_id"))
    cols = [first, *(Column(h) for h in headers), last]
    heading(sw, top, t("headings.values"))
    values = []
    counts = []
    for k in kpis:
        fmt = number_format(k.unit, ctx.lang)
        cells = [cell(k, j) for j in range(len(headers))]
        values.append(
            [
                k.label(ctx.lang),
                *(Val(v, fmt, LOW_N_FONT if low else None) for v, _, low in cells),
                k.id,
            ]
        )
        counts.append([k.label(ctx.lang), *(Val(n, COUNT_FORMAT) for _, n, _ in cells), k.id])
    tr = _write_table(ctx, sw, top + 1, 1, cols, values, stem=stem)
    heading(sw, tr.next_row + 1, t("headings.n"))
    tr2 = _write_table(ctx, sw, tr.next_row + 2, 1, cols, counts, stem=stem)
    return tr2.next_row + 2


def write_trends(ctx: Context, ws: Worksheet) -> None:
    sw = SheetWriter(ws, ctx.counters)
    r = ctx.report
    periods = [p.label for p in r.trend_periods]
    key = "subtitles.trends_group" if ctx.unit == ALL else "subtitles.trends"
    lines = ctx.t.lines(key, first=periods[0], last=periods[-1], unit=ctx.unit_name)
    top = title_block(sw, ctx.title, lines)
    tr = r.trends[r.trends.unit == ctx.unit]
    lookup = {(row.kpi, row.period): row for row in tr.itertuples(index=False)}

    def cell(k: KpiDef, j: int) -> Cell:
        row = lookup.get((k.id, periods[j]))
        if row is None:
            return None, None, False
        return row.value, int(row.n), bool(row.low_n)

    row = _matrix(ctx, sw, top, periods, list(r.kpis.values()), cell, "Trends")
    for kpi in HEADLINE_TREND_KPIS:
        if kpi not in r.kpis:
            continue
        spec = trend_chart(
            r,
            kpi,
            ctx.unit,
            title=ctx.kpi_label(kpi),
            unit_name=ctx.unit_name,
            group_name=ctx.group_name,
        )
        chart_to_openpyxl(spec, sw, f"E{row}", (row, 1), colours=ctx.colours)
        row += max(CHART_BAND_ROWS, chart_data_rows(spec) + 2)
    finish_sheet(ctx, sw, header_row=top + 1, freeze=f"B{top + 2}")


def write_dimension_matrix(
    ctx: Context,
    ws: Worksheet,
    *,
    dimension: str,
    kpi_filter: Callable[[KpiDef], bool],
    subtitle: str,
    stem: str,
) -> None:
    """KPIs of the unit by the values of one dimension, with the unit's total first."""
    sw = SheetWriter(ws, ctx.counters)
    r = ctx.report
    top = title_block(sw, ctx.title, ctx.t.lines(subtitle, period=r.period.label))
    rows = ctx.breakdown_rows(dimension, ctx.unit)
    # values seen only in the comparison periods (n = 0 now) would be empty columns
    rows = rows[rows.n.fillna(0) > 0]
    kpis = [k for k in r.kpis.values() if kpi_filter(k) and k.id in set(rows.kpi)]
    if not kpis:
        note(sw, top, 1, ctx.t("notes.no_data", unit=ctx.unit_name, period=r.period.label))
        finish_sheet(ctx, sw, header_row=top, freeze=None)
        return
    # the columns are the values of the KPIs shown (a survey answer without a channel
    # made an empty "(not recorded)" column on the ticket KPIs' sheet)
    rows = rows[rows.kpi.isin([k.id for k in kpis])]
    labels = [ctx.dim_label(v, dimension) for v in rows.dim_value]
    missing = ctx.dim_label(None, dimension)
    values = sorted({v for v in labels if v != missing}) + ([missing] if missing in labels else [])
    lookup = {
        (row.kpi, label): row
        for row, label in zip(rows.itertuples(index=False), labels, strict=True)
    }
    total = ctx.scorecard_rows(ctx.unit)
    headers = [ctx.t("headers.total"), *values]

    def cell(k: KpiDef, j: int) -> Cell:
        if j == 0:
            if k.id not in total.index:
                return None, None, False
            t = total.loc[k.id]
            return t["value"], int(t["n"]), bool(t["low_n"])
        row = lookup.get((k.id, values[j - 1]))
        if row is None:
            return None, None, False
        return row.value, int(row.n), bool(row.low_n)

    _matrix(ctx, sw, top, headers, kpis, cell, stem)
    finish_sheet(ctx, sw, header_row=top + 1, freeze=f"B{top + 2}")


def is_service_kpi(k: KpiDef) -> bool:
    return k.stage == "tickets"


def any_kpi(k: KpiDef) -> bool:
    return True
