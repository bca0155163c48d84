"""The appendix sheets: open comments, data quality (reconciliation and quarantine) and
KPI definitions with a reading guide."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import pandas as pd
from openpyxl.worksheet.worksheet import Worksheet

from reportgen.engine.compute import ALL
from reportgen.formatting import NEAR_TARGET
from reportgen.pipeline import MAX_COMMENTS_PER_UNIT
from reportgen.render.xlsx_cells import COUNT_FORMAT, SheetWriter
from reportgen.render.xlsx_context import Context
from reportgen.render.xlsx_layout import (
    Column,
    finish_sheet,
    heading,
    note,
    title_block,
    write_table,
)
from reportgen.texts import filter_name, reason_text, table_name

COMMENT_WIDTH = 70
DEFINITION_WIDTH = 60
TEST_WIDTH = 45
WARNING_WIDTH = 50
REASONS_WIDTH = 36
#: Rows of the data-quality sheet kept for the workbook's own counts (filled last).
WORKBOOK_NOTE_ROWS = 3


def write_comments(ctx: Context, ws: Worksheet) -> None:
    sw = SheetWriter(ws, ctx.counters)
    r, t = ctx.report, ctx.t
    c = r.comments
    group = ctx.unit == ALL
    totals = c.attrs.get("total", {})
    if "unit" not in c:
        rows, total = c.iloc[0:0], 0
    elif group:  # every unit's comments, newest first, as many as one unit's sheet holds
        rows = c.sort_values(["date", "unit", "response_id"], ascending=[False, True, True])
        rows = rows.head(MAX_COMMENTS_PER_UNIT)
        total = int(sum(totals.values())) if totals else len(c)
    else:
        rows = c[c.unit == ctx.unit]
        total = int(totals.get(ctx.unit, len(rows)))
    lines = t.lines("subtitles.comments", period=r.period.label, shown=len(rows), total=total)
    top = title_block(sw, ctx.title, lines)
    cols = [
        *([Column(t("group.headers.unit"))] if group else []),
        Column(t("headers.date")),
        Column(t("headers.channel")),
        Column(t("headers.csat"), "0"),
        Column(t("headers.ltr"), "0"),
        Column(t("headers.comment"), width=COMMENT_WIDTH, wrap=True),
        Column(t("headers.response_id")),
    ]
    unit_names = {u.id: u.names.get(ctx.lang) for u in ctx.config.units} if group else {}
    table = [
        [
            *([unit_names.get(x.unit, x.unit)] if group else []),
            x.date,
            None if pd.isna(x.channel) else ctx.dim_label(x.channel, "channel"),
            x.csat,
            x.ltr,
            x.comment,
            x.response_id,
        ]
        for x in rows.itertuples(index=False)
    ]
    if not table:
        note(sw, top + 1, 1, t("notes.no_data", unit=ctx.unit_name, period=r.period.label))
    write_table(ctx, sw, top, 1, cols, table, stem="Comments")
    text_col = 6 if group else 5
    finish_sheet(
        ctx, sw, header_row=top, freeze=f"A{top + 1}", fixed_widths={text_col: COMMENT_WIDTH}
    )


def source_name(source: str) -> str:
    """A file's name without its folders (the workbook travels by e-mail); database
    sources are already shown without their password."""
    return source if "://" in source else Path(source).name


def write_data_quality(ctx: Context, ws: Worksheet) -> Callable[[], None]:
    """Reconciliation and quarantine. Returns the function that fills in the workbook's
    own counts in the rows kept for them, to be called once every sheet is written."""
    sw = SheetWriter(ws, ctx.counters)
    r, t = ctx.report, ctx.t
    top = title_block(sw, ctx.title, t.lines("subtitles.data_quality"))
    heading(sw, top, t("headings.workbook"))
    row = top + WORKBOOK_NOTE_ROWS + 1
    heading(sw, row, t("headings.reconciliation"))
    filtered_keys: list[str] = []
    for rec in r.reconciliation:
        filtered_keys += [k for k in rec.filtered if k not in filtered_keys]
    cols = [
        Column(t("headers.table")),
        Column(t("headers.file")),
        Column(t("headers.read"), COUNT_FORMAT),
        Column(t("headers.loaded"), COUNT_FORMAT),
        Column(t("headers.quarantined"), COUNT_FORMAT),
        *(
            Column(t("headers.filtered", reason=filter_name(k, ctx.lang)), COUNT_FORMAT)
            for k in filtered_keys
        ),
        Column(t("headers.blank_rows"), COUNT_FORMAT),
        Column(t("headers.balanced")),
        Column(t("headers.format")),
        Column(t("headers.encoding")),
        Column(t("headers.sheet")),
        Column(t("headers.header_row")),
        Column(t("headers.quarantine_reasons"), width=REASONS_WIDTH, wrap=True),
        Column(t("headers.warnings"), width=WARNING_WIDTH, wrap=True),
    ]
    table = [
        [
            table_name(rec.table, ctx.lang),
            source_name(rec.source),
            rec.read,
            rec.loaded,
            rec.quarantined,
            *(rec.filtered.get(k, 0) for k in filtered_keys),
            rec.blank_rows,
            t("words.yes") if rec.balanced else t("words.no"),
            rec.real_format,
            rec.encoding,
            rec.sheet,
            rec.header_row,
            ", ".join(f"{k} {v}" for k, v in rec.quarantine_reasons.items()) or None,
            "\n".join(w.replace(rec.source, source_name(rec.source)) for w in rec.warnings) or None,
        ]
        for rec in r.reconciliation
    ]
    tr = write_table(ctx, sw, row + 1, 1, cols, table, stem="Reconciliation")
    fixed = {len(cols) - 1: REASONS_WIDTH, len(cols): WARNING_WIDTH}
    row = tr.next_row + 2
    heading(sw, row, t("headings.reasons"))
    counts: dict[str, int] = {}
    for rec in r.reconciliation:
        for k, v in rec.quarantine_reasons.items():
            counts[k] = counts.get(k, 0) + v
    rcols = [
        Column(t("headers.rows"), COUNT_FORMAT),
        Column(t("headers.reason")),
        Column(t("headers.explanation"), fit=False),
    ]
    reasons = [[v, k, reason_text(k, ctx.lang)] for k, v in sorted(counts.items())]
    tr = write_table(ctx, sw, row + 1, 1, rcols, reasons, stem="Reasons")
    row = tr.next_row + 2
    heading(sw, row, t("headings.quarantine"))
    q = r.quarantine
    total = sum(counts.values())
    if ctx.unit != ALL:  # a unit's workbook is mailed to its owners: no other unit's rows
        note(sw, row + 1, 1, t("notes.quarantine_unit"))
    elif len(q) < total:
        note(sw, row + 1, 1, t("notes.quarantine_listed", listed=len(q), total=total))
        row += 1
    qcols = [
        Column(t("headers.table")),
        Column(t("headers.file")),
        Column(t("headers.row"), COUNT_FORMAT),
        Column(t("headers.column")),
        Column(t("headers.reason")),
        Column(t("headers.bad_value"), fit=False),
    ]
    qrows = [
        [
            table_name(x.table, ctx.lang),
            source_name(str(x.file)),
            int(x.row),
            x.column,
            x.reason,
            x.value,
        ]
        for x in q.itertuples(index=False)
    ]
    if ctx.unit == ALL:
        write_table(ctx, sw, row + 1, 1, qcols, qrows, stem="Quarantine")
    finish_sheet(
        ctx,
        sw,
        header_row=top + WORKBOOK_NOTE_ROWS + 2,
        freeze=f"A{top}",
        fixed_widths=fixed,
    )
    return partial(fill_workbook_notes, ctx, sw, top)


def fill_workbook_notes(ctx: Context, sw: SheetWriter, top: int) -> None:
    """What writing this workbook changed (known only once every sheet is written)."""
    t = ctx.t
    comments = int(ctx.report.comments.attrs.get("control_chars_removed", 0))
    c = ctx.counters
    note(sw, top + 1, 1, t("notes.control_chars", n=c.control_chars_removed, comments=comments))
    note(sw, top + 2, 1, t("notes.truncated_cells", n=c.truncated_cells))
    if c.truncated_rows:
        note(sw, top + 3, 1, t("notes.truncated_rows", n=c.truncated_rows))


def write_definitions(ctx: Context, ws: Worksheet) -> None:
    sw = SheetWriter(ws, ctx.counters)
    r, t, s = ctx.report, ctx.t, ctx.config.statistics
    top = title_block(sw, ctx.title, t.lines("subtitles.definitions"))
    cols = [
        Column(t("headers.kpi_id")),
        Column(t("headers.kpi")),
        Column(t("headers.definition"), width=DEFINITION_WIDTH, wrap=True),
        Column(t("headers.kind")),
        Column(t("headers.value_unit")),
        Column(t("headers.direction")),
        Column(t("headers.level")),
        Column(t("headers.test"), width=TEST_WIDTH, wrap=True),
    ]
    table = [
        [
            k.id,
            k.label(ctx.lang),
            k.definition(ctx.lang),
            t(f"kinds.{k.kind}"),
            t(f"value_units.{k.unit}"),
            t("words.higher") if k.direction > 0 else t("words.lower"),
            t(f"levels.{k.level}"),
            t.raw("tests").get(k.kind),
        ]
        for k in r.kpis.values()
    ]
    tr = write_table(ctx, sw, top, 1, cols, table, stem="Definitions")
    row = tr.next_row + 2
    heading(sw, row, t("headings.legend"))
    for i, line in enumerate(
        t.lines(
            "legend",
            alpha=s.alpha,
            min_n=s.min_n,
            confidence=f"{s.confidence:.0%}",
            near=f"{NEAR_TARGET:.0%}",
        ),
        start=row + 1,
    ):
        note(sw, i, 1, line)
    finish_sheet(
        ctx,
        sw,
        header_row=top,
        freeze=f"C{top + 1}",
        fixed_widths={3: DEFINITION_WIDTH, 8: TEST_WIDTH},
    )
