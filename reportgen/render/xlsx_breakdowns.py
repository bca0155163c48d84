"""Comparison tables: the breakdowns (one table per dimension) and the attribute scores.

One row per KPI (× dimension value): the value with its n, the group's value for the
same slice, and the changes against the previous period and last year with their
significance marks, coloured by the same rules as the scorecard.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from openpyxl.worksheet.worksheet import Worksheet

from reportgen.engine.compute import ALL
from reportgen.formatting import chance_count, significance_mark
from reportgen.model.charts import change_number_format, change_value, number_format
from reportgen.model.kpi_charts import attribute_chart
from reportgen.render.xlsx_cells import COUNT_FORMAT, SheetWriter
from reportgen.render.xlsx_charts import chart_to_openpyxl
from reportgen.render.xlsx_context import Context
from reportgen.render.xlsx_layout import Column, Val, finish_sheet, heading, note, title_block
from reportgen.render.xlsx_layout import write_table as _write_table
from reportgen.render.xlsx_rules import significance_rules
from reportgen.render.xlsx_scorecard import LOW_N_FONT
from reportgen.texts import dimension_name

#: Offsets of the comparison columns after the leading label columns.
_CHANGE_PREV, _SIG_PREV, _CHANGE_YOY, _SIG_YOY = 4, 5, 7, 8


def _none(v: Any) -> Any:
    return None if v is None or (isinstance(v, float) and pd.isna(v)) else v


def comparison_columns(ctx: Context) -> list[Column]:
    """Value … significance columns shared by breakdowns and attributes."""
    t, r = ctx.t, ctx.report
    return [
        Column(t("headers.value")),
        Column(t("headers.n"), COUNT_FORMAT),
        Column(t("headers.group_value")),
        Column(t("headers.prev_value", period=r.previous.label)),
        Column(t("headers.change_prev", period=r.previous.label)),
        Column(t("headers.sig_prev", period=r.previous.label)),
        Column(t("headers.yoy_value", period=r.last_year.label)),
        Column(t("headers.change_yoy", period=r.last_year.label)),
        Column(t("headers.sig_yoy", period=r.last_year.label)),
    ]


def comparison_cells(ctx: Context, row: Any, group_value: Any) -> list[Any]:
    k = ctx.report.kpis[row.kpi]
    fmt, dfmt = number_format(k.unit, ctx.lang), change_number_format(k.unit, ctx.lang)
    low = LOW_N_FONT if bool(row.low_n) else None
    return [
        Val(row.value, fmt, low),
        Val(int(row.n), COUNT_FORMAT, low),
        Val(group_value, fmt),
        Val(row.prev_value, fmt),
        # a change from a figure below min n is grey too (it sorted to the top unmarked)
        Val(change_value(row.change_prev, k.unit), dfmt, low),
        significance_mark(_none(row.sig_prev), row.change_prev, k.direction),
        Val(row.yoy_value, fmt),
        Val(change_value(row.change_yoy, k.unit), dfmt, low),
        significance_mark(_none(row.sig_yoy), row.change_yoy, k.direction),
    ]


def dimensions_present(ctx: Context) -> list[str]:
    """Dimensions with breakdown rows for the unit, in the config's order."""
    b = ctx.report.breakdowns
    have = set(b.dimension[b.unit == ctx.unit].dropna())
    order = [d for d in ctx.config.dimensions if d in have]
    return order + sorted(have - set(order))


def write_breakdowns(ctx: Context, ws: Worksheet) -> None:
    sw = SheetWriter(ws, ctx.counters)
    r, s = ctx.report, ctx.config.statistics
    b = r.breakdowns[r.breakdowns.unit == ctx.unit]
    tests = int(b.p_prev.notna().sum() + b.p_yoy.notna().sum())
    lines = ctx.t.lines(
        "subtitles.breakdowns",
        period=r.period.label,
        previous=r.previous.label,
        last_year=r.last_year.label,
        min_n=s.min_n,
        alpha=f"{s.alpha:g}",
        tests=f"{tests:,}",
        expected=chance_count(s.alpha, tests),
    )
    top = title_block(sw, ctx.title, lines)
    dims = dimensions_present(ctx)
    if not dims:
        note(sw, top, 1, ctx.t("notes.no_data", unit=ctx.unit_name, period=r.period.label))
    row = top
    order = {k: i for i, k in enumerate(r.kpis)}
    for dim in dims:
        label = dimension_name(dim, ctx.lang)
        heading(sw, row, label)
        rows = ctx.breakdown_rows(dim, ctx.unit)
        rows = rows.assign(
            _o=rows.kpi.map(order), dim_label=[ctx.dim_label(v, dim) for v in rows.dim_value]
        )
        rows = rows.sort_values(["_o", "dim_label"], kind="stable")
        group = ctx.breakdown_rows(dim, ALL)
        gv = {
            (g.kpi, ctx.dim_label(g.dim_value, dim)): g.value for g in group.itertuples(index=False)
        }
        cols = [Column(label), Column(ctx.t("headers.kpi")), *comparison_columns(ctx)]
        cols.append(Column(ctx.t("headers.kpi_id")))
        table = [
            [
                x.dim_label,
                ctx.kpi_label(x.kpi),
                *comparison_cells(ctx, x, gv.get((x.kpi, x.dim_label))),
                x.kpi,
            ]
            for x in rows.itertuples(index=False)
        ]
        tr = _write_table(ctx, sw, row + 1, 1, cols, table, stem="Breakdown")
        significance_rules(ws, tr, 2 + _CHANGE_PREV, 2 + _SIG_PREV)
        significance_rules(ws, tr, 2 + _CHANGE_YOY, 2 + _SIG_YOY)
        row = tr.next_row + 2
    finish_sheet(ctx, sw, header_row=None, freeze=f"C{top}")


def write_attributes(ctx: Context, ws: Worksheet) -> None:
    sw = SheetWriter(ws, ctx.counters)
    r = ctx.report
    top = title_block(sw, ctx.title, ctx.t.lines("subtitles.attributes", period=r.period.label))
    rows = ctx.scorecard_rows(ctx.unit)
    group = ctx.scorecard_rows(ALL)
    ids = [k for k in r.kpis if k.startswith("attr_") and k in rows.index]
    if not ids:
        note(sw, top, 1, ctx.t("notes.no_data", unit=ctx.unit_name, period=r.period.label))
        finish_sheet(ctx, sw, header_row=top, freeze=None)
        return
    cols = [Column(ctx.t("headers.kpi")), *comparison_columns(ctx)]
    cols.append(Column(ctx.t("headers.kpi_id")))
    table = []
    for x in rows.loc[ids].reset_index().itertuples(index=False):
        g = group.at[x.kpi, "value"] if x.kpi in group.index else None
        table.append([ctx.kpi_label(x.kpi), *comparison_cells(ctx, x, g), x.kpi])
    tr = _write_table(ctx, sw, top, 1, cols, table, stem="Attributes")
    significance_rules(ws, tr, 1 + _CHANGE_PREV, 1 + _SIG_PREV)
    significance_rules(ws, tr, 1 + _CHANGE_YOY, 1 + _SIG_YOY)
    spec = attribute_chart(
        r,
        ctx.unit,
        ctx.lang,
        title=ctx.t("chart_titles.attributes"),
        unit_name=ctx.unit_name,
        group_name=ctx.group_name,
    )
    if spec is not None:
        row = tr.next_row + 2
        chart_to_openpyxl(
            spec,
            sw,
            f"F{row}",
            (row, 1),
            height_cm=max(7.5, 1.2 * len(ids)),
            colours=ctx.colours,
        )
    finish_sheet(ctx, sw, header_row=top, freeze=f"B{top + 1}")
