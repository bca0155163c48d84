"""The scorecard sheet: every KPI of the unit on one page, with the group next to it,
coloured by target attainment and significant change, and two native charts below."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from reportgen.engine.compute import ALL
from reportgen.formatting import attainment_status, significance_mark
from reportgen.model.charts import ChartSpec, change_number_format, change_value, number_format
from reportgen.model.kpi_charts import attainment_chart, headline_rates_chart
from reportgen.render.xlsx_cells import COUNT_FORMAT, P_VALUE_FORMAT, SheetWriter
from reportgen.render.xlsx_charts import chart_data_rows, chart_to_openpyxl
from reportgen.render.xlsx_context import Context
from reportgen.render.xlsx_layout import Column, Val, finish_sheet, title_block, write_table
from reportgen.render.xlsx_rules import attainment_rules, significance_rules
from reportgen.texts import scope_name

LOW_N_FONT = Font(italic=True, color="808080")
ATTAINMENT_FORMAT = "0.0%"
#: Table columns (offsets) that the rules and tests refer to.
COL = {
    name: i
    for i, name in enumerate(
        (
            "kpi",
            "value",
            "n",
            "ci_low",
            "ci_high",
            "prev_value",
            "change_prev",
            "sig_prev",
            "p_prev",
            "yoy_value",
            "change_yoy",
            "sig_yoy",
            "p_yoy",
            "target",
            "attainment",
            "status",
            "benchmark",
            "benchmark_scope",
            "group_value",
            "group_n",
            "kpi_id",
        )
    )
}
CHART_BAND_ROWS = 17


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def scorecard_columns(ctx: Context) -> list[Column]:
    t, r = ctx.t, ctx.report
    h = {
        "prev_value": t("headers.prev_value", period=r.previous.label),
        "change_prev": t("headers.change_prev", period=r.previous.label),
        "sig_prev": t("headers.sig_prev", period=r.previous.label),
        "p_prev": t("headers.p_prev", period=r.previous.label),
        "yoy_value": t("headers.yoy_value", period=r.last_year.label),
        "change_yoy": t("headers.change_yoy", period=r.last_year.label),
        "sig_yoy": t("headers.sig_yoy", period=r.last_year.label),
        "p_yoy": t("headers.p_yoy", period=r.last_year.label),
        # the interval at the configured confidence (the NPS one: ± its margin of error)
        "ci_low": t("headers.ci_low", level=f"{ctx.config.statistics.confidence:.0%}"),
        "ci_high": t("headers.ci_high", level=f"{ctx.config.statistics.confidence:.0%}"),
    }
    fmts = {
        "n": COUNT_FORMAT,
        "group_n": COUNT_FORMAT,
        "p_prev": P_VALUE_FORMAT,
        "p_yoy": P_VALUE_FORMAT,
        "attainment": ATTAINMENT_FORMAT,
    }
    cols = []
    for key in COL:
        header = h.get(key) or t(f"headers.{key}")
        cols.append(Column(header, fmts.get(key)))
    if ctx.unit == ALL:
        cols = cols[: COL["group_value"]] + [cols[COL["kpi_id"]]]
    return cols


def scorecard_row(ctx: Context, kpi: str, row: pd.Series, group: pd.Series | None) -> list[Any]:
    """The cells of one KPI, in :data:`COL` order; numbers stay numbers."""
    k = ctx.report.kpis[kpi]
    fmt, dfmt = number_format(k.unit, ctx.lang), change_number_format(k.unit, ctx.lang)
    low = LOW_N_FONT if bool(row["low_n"]) else None
    status = attainment_status(_none(row["target_met"]), row["attainment"])
    cells: list[Any] = [
        k.label(ctx.lang),
        Val(row["value"], fmt, low),
        Val(int(row["n"]), COUNT_FORMAT, low),
        Val(_none(row["ci_low"]), fmt, low),
        Val(_none(row["ci_high"]), fmt, low),
        Val(row["prev_value"], fmt),
        Val(change_value(row["change_prev"], k.unit), dfmt, low),
        significance_mark(_none(row["sig_prev"]), row["change_prev"], k.direction),
        row["p_prev"],
        Val(row["yoy_value"], fmt),
        Val(change_value(row["change_yoy"], k.unit), dfmt, low),
        significance_mark(_none(row["sig_yoy"]), row["change_yoy"], k.direction),
        row["p_yoy"],
        Val(row["target"], fmt),
        row["attainment"],
        ctx.t(f"status.{status}") if status else None,
        Val(row["benchmark"], fmt),
        scope_name(str(scope), ctx.lang) if (scope := _none(row["benchmark_scope"])) else None,
    ]
    if group is not None:
        cells += [Val(group["value"], fmt), int(group["n"])]
    return [*cells, kpi]


def _none(v: Any) -> Any:
    return None if _missing(v) else v


def write_scorecard(ctx: Context, ws: Worksheet) -> None:
    sw = SheetWriter(ws, ctx.counters)
    r, s = ctx.report, ctx.config.statistics
    lines = ctx.t.lines(
        "subtitles.scorecard",
        period=r.period.label,
        previous=r.previous.label,
        last_year=r.last_year.label,
        alpha=s.alpha,
        min_n=s.min_n,
    )
    top = title_block(sw, ctx.title, lines)
    rows = ctx.scorecard_rows(ctx.unit)
    group = ctx.scorecard_rows(ALL) if ctx.unit != ALL else None
    table_rows = [
        scorecard_row(ctx, k, rows.loc[k], None if group is None else group.loc[k])
        for k in r.kpis
        if k in rows.index
    ]
    tr = write_table(ctx, sw, top, 1, scorecard_columns(ctx), table_rows, stem="Scorecard")
    labels = {k: ctx.t(f"status.{k}") for k in ("met", "near", "missed")}
    attainment_rules(ws, tr, (COL["attainment"], COL["status"]), COL["status"], labels)
    significance_rules(ws, tr, COL["change_prev"], COL["sig_prev"])
    significance_rules(ws, tr, COL["change_yoy"], COL["sig_yoy"])
    row = tr.next_row + 2
    for spec in _charts(ctx):
        series_cols = len(spec.series) + len(spec.references)
        anchor = f"{get_column_letter(series_cols + 3)}{row}"
        chart_to_openpyxl(
            spec,
            sw,
            anchor,
            (row, 1),
            width_cm=max(16.0, 3.0 * len(spec.categories)),
            colours=ctx.colours,
        )
        row += max(CHART_BAND_ROWS, chart_data_rows(spec) + 2)
    finish_sheet(ctx, sw, header_row=top, freeze=f"B{top + 1}")


def _charts(ctx: Context) -> list[ChartSpec]:
    t = ctx.t
    specs = [
        headline_rates_chart(
            ctx.report,
            ctx.unit,
            ctx.lang,
            title=t("chart_titles.headline"),
            unit_name=ctx.unit_name,
            target_name=t("series.target"),
            group_name=ctx.group_name,
        ),
        attainment_chart(
            ctx.report,
            ctx.unit,
            ctx.lang,
            title=t("chart_titles.attainment"),
            series_name=t("series.attainment"),
            target_line=t("series.target_line"),
        ),
    ]
    return [s for s in specs if s is not None]
