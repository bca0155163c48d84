"""One business unit's Excel workbook: the figures behind the report, for people to filter,
sort and chart further.

:func:`write_workbook` builds the sheets below from a :class:`KpiReport` (every number
is the engine's own, for the same unit and period), saves reproducibly and atomically,
and reopens the file before it replaces an older one.

========================  ==============================================================
sheet                     content
========================  ==============================================================
Scorecard                 every KPI: value, n, interval, previous period, last year,
                          changes, significance, p-values, target, attainment, benchmark,
                          all units; two charts (headline rates vs target, attainment)
Trends                    KPI × trend period (values, n); a line chart per headline KPI
Breakdowns                one table per dimension: KPI × value with changes
Attributes                attribute (touchpoint) scores with changes; a bar chart
Service by channel        ticket KPIs × ticket channel
Segments                  every KPI × customer segment
Drivers *                 key drivers of CSAT and recommend (Shapley R², quadrants)
Customer segments *       RFM / lifecycle / CLV-tier profiles, CLV model, k-means
Churn risk *              churn model evaluation, high-value customers at risk (ids only)
Comment themes *          theme summary, unthemed terms, representative quotes
Watch items *             flagged control-chart points and the monthly series behind them
Comments                  the period's open comments (redacted), newest first
Data quality              reconciliation per input file, quarantined rows with reasons
Definitions               KPI definitions, tests, and how to read the workbook
========================  ==============================================================

Sheets marked * are written only when the report carries the insight analyses
(``compute_kpis(..., insights=True)``); see :mod:`reportgen.render.xlsx_insights`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from reportgen.config import ReportConfig
from reportgen.delivery.files import atomic_write_bytes
from reportgen.engine.compute import ALL
from reportgen.errors import ConfigError
from reportgen.pipeline import KpiReport
from reportgen.render.xlsx_appendix import write_comments, write_data_quality, write_definitions
from reportgen.render.xlsx_breakdowns import write_attributes, write_breakdowns
from reportgen.render.xlsx_context import Context
from reportgen.render.xlsx_insights import INSIGHT_SHEETS, WRITERS
from reportgen.render.xlsx_matrix import (
    any_kpi,
    is_service_kpi,
    write_dimension_matrix,
    write_trends,
)
from reportgen.render.xlsx_package import (
    check_workbook,
    document_time,
    set_properties,
    workbook_bytes,
)
from reportgen.render.xlsx_scorecard import write_scorecard
from reportgen.sanitize import excel_sheet_title
from reportgen.texts import load_texts

#: Sheet keys in workbook order; names come from templates/text/<lang>/workbook.yaml.
SHEETS: tuple[str, ...] = (
    "scorecard",
    "trends",
    "breakdowns",
    "attributes",
    "channels",
    "segments",
    *INSIGHT_SHEETS,
    "comments",
    "data_quality",
    "definitions",
)


@dataclass(frozen=True)
class WorkbookSummary:
    """What was written, and what had to be changed to fit Excel (never silently)."""

    path: Path
    unit: str
    lang: str
    sheets: tuple[str, ...]
    charts: int
    comments_written: int
    comments_total: int
    control_chars_removed: int
    truncated_cells: int
    truncated_rows: int
    seconds: float


def sheet_keys(report: KpiReport) -> tuple[str, ...]:
    """The sheets of this report's workbooks: the insight sheets only when the insight
    analyses ran (``report.insights``; each sheet then says what could not be computed)."""
    if report.insights is not None:
        return SHEETS
    return tuple(k for k in SHEETS if k not in INSIGHT_SHEETS)


def sheet_names(lang: str, keys: tuple[str, ...] = SHEETS) -> tuple[str, ...]:
    """The localised, Excel-safe and unique sheet names of ``keys``, in that order."""
    t = load_texts("workbook", lang)
    names: list[str] = []
    for key in keys:
        name = excel_sheet_title(t(f"sheets.{key}"), fallback=key)
        base, i = name, 2
        while name.casefold() in (n.casefold() for n in names):
            name = excel_sheet_title(f"{base[:28]} {i}")
            i += 1
        names.append(name)
    return tuple(names)


def _builders(ctx: Context) -> dict[str, Callable[[Worksheet], object]]:
    return {
        "scorecard": lambda ws: write_scorecard(ctx, ws),
        "trends": lambda ws: write_trends(ctx, ws),
        "breakdowns": lambda ws: write_breakdowns(ctx, ws),
        "attributes": lambda ws: write_attributes(ctx, ws),
        "channels": lambda ws: write_dimension_matrix(
            ctx,
            ws,
            dimension="channel",
            kpi_filter=is_service_kpi,
            subtitle="subtitles.channels",
            stem="Channels",
        ),
        "segments": lambda ws: write_dimension_matrix(
            ctx,
            ws,
            dimension="segment",
            kpi_filter=any_kpi,
            subtitle="subtitles.segments",
            stem="Segments",
        ),
        **{key: partial(write, ctx) for key, write in WRITERS.items()},
        "comments": lambda ws: write_comments(ctx, ws),
        "data_quality": lambda ws: write_data_quality(ctx, ws),
        "definitions": lambda ws: write_definitions(ctx, ws),
    }


def build_workbook(
    report: KpiReport, config: ReportConfig, unit: str, lang: str
) -> tuple[Workbook, Context]:
    """The workbook in memory (nothing written); ConfigError for a unit not in the report."""
    if unit != ALL and unit not in report.units:
        raise ConfigError(
            f"unit {unit!r} is not in this report; expected one of {[*report.units, ALL]}"
        )
    ctx = Context(
        report=report, config=config, unit=unit, lang=lang, t=load_texts("workbook", lang)
    )
    wb = Workbook()
    wb.remove(wb.active)
    finish: list[Callable[[], None]] = []
    builders = _builders(ctx)
    keys = sheet_keys(report)
    for key, name in zip(keys, sheet_names(lang, keys), strict=True):
        ws = wb.create_sheet(name)
        done = builders[key](ws)
        if callable(done):
            finish.append(done)
    for f in finish:
        f()
    set_properties(
        wb,
        title=ctx.title,
        subject=report.period.label,
        keywords=unit,
        language=lang,
        when=document_time(report.period.end),
    )
    return wb, ctx


def write_workbook(
    report: KpiReport, config: ReportConfig, unit: str, path: Path, lang: str
) -> WorkbookSummary:
    """Write ``unit``'s workbook to ``path`` atomically (checked by reopening first)."""
    started = time.perf_counter()
    wb, ctx = build_workbook(report, config, unit, lang)
    names = tuple(wb.sheetnames)
    charts = sum(len(ws._charts) for ws in wb.worksheets)
    data = workbook_bytes(wb)
    atomic_write_bytes(Path(path), data, check=lambda p: check_workbook(p, names))
    c = report.comments
    written = int((c.unit == unit).sum()) if "unit" in c else 0
    return WorkbookSummary(
        path=Path(path),
        unit=unit,
        lang=lang,
        sheets=names,
        charts=charts,
        comments_written=written,
        comments_total=int(c.attrs.get("total", {}).get(unit, written)),
        control_chars_removed=ctx.counters.control_chars_removed,
        truncated_cells=ctx.counters.truncated_cells,
        truncated_rows=ctx.counters.truncated_rows,
        seconds=time.perf_counter() - started,
    )
