"""Sheet layout: title rows, tables with autofilter, column widths, row heights, printing.

Every table is an Excel table (its own autofilter and banding), written by
:func:`write_table`, which also enforces the sheet's row limit: rows beyond it are
dropped *with a note row saying so* and counted, never silently.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.table import Table, TableStyleInfo

from reportgen.render.xlsx_cells import (
    HEADER_ALIGN,
    HEADER_BORDER,
    HEADER_FILL,
    HEADER_FONT,
    HEADER_WRAP_AT,
    HEADING_FONT,
    NOTE_FONT,
    TEXT_TOP,
    TITLE_FONT,
    TOP,
    WRAP_TOP,
    SheetWriter,
)
from reportgen.render.xlsx_context import Context
from reportgen.sanitize import strip_control

#: Rows per worksheet (Excel 2007+).
EXCEL_MAX_ROWS = 1_048_576
MIN_WIDTH = 7
MAX_WIDTH = 60
LINE_HEIGHT = 15.0  # points per text line at 11 pt
TABLE_STYLE = "TableStyleLight1"


@dataclass(frozen=True)
class Column:
    header: str
    fmt: str | None = None  # number format of numeric cells
    width: float | None = None  # fixed width (wrapped text); None: fit to content
    wrap: bool = False
    fit: bool = True  # False: long text overflows to the right instead of widening


@dataclass(frozen=True)
class Val:
    """A value whose number format (or font) differs from its column's."""

    value: Any
    fmt: str | None = None
    font: Font | None = None


@dataclass(frozen=True)
class TableRange:
    header_row: int
    first_row: int
    last_row: int  # == header_row when the table has no rows
    first_col: int
    last_col: int

    def letter(self, offset: int) -> str:
        """Column letter of the table's ``offset``-th column (0-based)."""
        return get_column_letter(self.first_col + offset)

    @property
    def next_row(self) -> int:
        return self.last_row + 1


def title_block(sw: SheetWriter, title: str, lines: Sequence[str]) -> int:
    """Title and explanatory lines from row 1; returns the first row after a blank one."""
    sw.text(1, 1, title, font=TITLE_FONT, track=False)
    sw.ws.row_dimensions[1].height = 21
    for i, line in enumerate(lines, start=2):
        sw.text(i, 1, line, font=NOTE_FONT, track=False)
    return len(lines) + 3


def heading(sw: SheetWriter, row: int, text: str) -> None:
    sw.text(row, 1, text, font=HEADING_FONT, track=False)


def note(sw: SheetWriter, row: int, col: int, text: str) -> None:
    sw.text(row, col, text, font=NOTE_FONT, track=False)


def unique_headers(headers: Sequence[str]) -> list[str]:
    """Excel table column names must be unique ignoring case, and not empty."""
    seen: set[str] = set()
    out = []
    for h in headers:
        base = strip_control(str(h))[0].strip()[:200] or "-"
        name, i = base, 2
        while name.casefold() in seen:
            name, i = f"{base} ({i})", i + 1
        seen.add(name.casefold())
        out.append(name)
    return out


def write_table(
    ctx: Context,
    sw: SheetWriter,
    top: int,
    left: int,
    columns: Sequence[Column],
    rows: Sequence[Sequence[Any]],
    *,
    stem: str = "Table",
) -> TableRange:
    """Header at ``top``, rows below, as one Excel table; a note row when rows were cut."""
    headers = unique_headers([c.header for c in columns])
    for j, h in enumerate(headers):
        sw.text(
            top,
            left + j,
            h,
            font=HEADER_FONT,
            fill=HEADER_FILL,
            alignment=HEADER_ALIGN,
            width_cap=HEADER_WRAP_AT,
        ).border = HEADER_BORDER
    room = EXCEL_MAX_ROWS - top - 1  # one row kept for the truncation note
    shown = rows if len(rows) <= room else rows[:room]
    for i, values in enumerate(shown, start=top + 1):
        for j, (col, value) in enumerate(zip(columns, values, strict=True)):
            _put(sw, i, left + j, col, value)
    last = top + len(shown)
    if len(shown) < len(rows):
        ctx.counters.truncated_rows += len(rows) - len(shown)
        note(sw, last + 1, left, ctx.t("notes.rows_truncated", shown=len(shown), total=len(rows)))
    right = left + len(columns) - 1
    if shown:
        ref = f"{get_column_letter(left)}{top}:{get_column_letter(right)}{last}"
        table = Table(displayName=ctx.table_name(stem), ref=ref)
        table.tableStyleInfo = TableStyleInfo(name=TABLE_STYLE, showRowStripes=True)
        sw.ws.add_table(table)
    return TableRange(top, top + 1, last, left, right)


def _put(sw: SheetWriter, row: int, col: int, column: Column, value: Any) -> None:
    fmt, font = column.fmt, None
    if isinstance(value, Val):
        fmt, font, value = value.fmt or fmt, value.font, value.value
    if isinstance(value, str):
        align = WRAP_TOP if column.wrap else TEXT_TOP
        sw.text(row, col, value, font=font, alignment=align, track=column.fit)
        return
    sw.style(sw.put(row, col, value, fmt), alignment=TOP, font=font)


def finish_sheet(
    ctx: Context,
    sw: SheetWriter,
    *,
    header_row: int | None,
    freeze: str | None,
    fixed_widths: dict[int, float] | None = None,
) -> None:
    """Column widths from content (CJK counted double), row heights for wrapped text,
    frozen panes, and print setup (landscape, fit to width, header row repeated)."""
    ws = sw.ws
    fixed = fixed_widths or {}
    widths: dict[int, float] = {}
    for col in set(sw.widths) | set(fixed):
        w = fixed.get(col) or min(max(sw.widths[col] + 2, MIN_WIDTH), MAX_WIDTH)
        widths[col] = w
        ws.column_dimensions[get_column_letter(col)].width = round(w, 1)
    for row, cells in sw.wrapped.items():
        lines = 1
        for col, line_widths in cells:
            room = max(widths.get(col, 8.43) - 3.0, 1.0)  # padding and indent
            lines = max(lines, sum(max(1, math.ceil(w / room)) for w in line_widths))
        if lines > 1:
            ws.row_dimensions[row].height = min(409.0, LINE_HEIGHT * lines + 3)
    if freeze:
        ws.freeze_panes = freeze
    _print_setup(ctx, ws, header_row)


def _print_setup(ctx: Context, ws: Any, header_row: int | None) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.7, bottom=0.7, header=0.3, footer=0.3)
    if header_row is not None:  # sheets with several tables repeat none
        ws.print_title_rows = f"{header_row}:{header_row}"
    title = strip_control(ctx.title)[0].replace("&", "&&")[:200]
    ws.oddHeader.left.text = title
    ws.oddHeader.left.size = 9
    ws.oddFooter.right.text = "&P / &N"
    ws.oddFooter.right.size = 9
