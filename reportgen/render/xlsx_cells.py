"""Writing values into worksheet cells safely, and measuring them for column widths.

Every value goes through :class:`SheetWriter`:

- text is always a string cell, never a formula (openpyxl turns any ``str`` starting
  with ``=`` into one), cleaned by :func:`reportgen.sanitize.excel_text` (control
  characters removed, the 32,767-character limit applied with a visible marker) and
  counted; text that a spreadsheet would read as a formula when re-entered by hand
  (``= + - @``) also gets Excel's "quote prefix";
- numbers are Python numbers with a number format; NaN, infinities and missing values
  leave the cell empty, so neither "nan" nor "None" can reach a cell;
- dates are real dates with a date format.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from numbers import Integral, Number
from typing import Any

import pandas as pd
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet.worksheet import Worksheet

from reportgen.sanitize import excel_text

DATE_FORMAT = "yyyy-mm-dd"
COUNT_FORMAT = "#,##0"
P_VALUE_FORMAT = '[<0.001]"<0.001";0.000'  # the value stays exact

HEADER_FONT = Font(bold=True, color="1F3864")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_BORDER = Border(bottom=Side(style="thin", color="8EA9DB"))
HEADER_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")
#: Header text wraps beyond this many characters instead of widening its column.
HEADER_WRAP_AT = 14
TITLE_FONT = Font(bold=True, size=14, color="1F3864")
HEADING_FONT = Font(bold=True, size=12, color="1F3864")
NOTE_FONT = Font(italic=True, color="595959")
WRAP_TOP = Alignment(wrap_text=True, vertical="top", indent=1)
TEXT_TOP = Alignment(vertical="top", indent=1)
TOP = Alignment(vertical="top")

#: The StyleArray field behind each cell style attribute openpyxl sets.
_STYLE_KEYS = {
    "font": "fontId",
    "fill": "fillId",
    "alignment": "alignmentId",
    "number_format": "numFmtId",
}
#: Text starting with these is a formula when typed into a spreadsheet.
_FORMULA_START = ("=", "+", "-", "@")
#: "_x0041_" inside stored text is an escaped character to Excel (ST_Xstring);
#: its underscore is escaped so that such text is shown literally.
_OOXML_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


@dataclass
class Counters:
    """What was changed to make data fit a workbook (reported, never silent)."""

    control_chars_removed: int = 0
    truncated_cells: int = 0
    truncated_rows: int = 0


def display_width(text: str) -> int:
    """Width of the longest line in "0" characters: East Asian wide/full-width count 2."""
    best = 0
    for line in text.split("\n"):
        w = sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in line)
        best = max(best, w)
    return best


def finite_number(value: Any) -> int | float | None:
    """A Python int/float, or None for missing, NaN and infinities (never written)."""
    if value is None or value is pd.NA or isinstance(value, bool):
        return None
    if not isinstance(value, Number):
        raise TypeError(f"not a number: {value!r}")
    if isinstance(value, Integral):
        return int(value)
    f = float(value)  # type: ignore[arg-type]
    return f if math.isfinite(f) else None


def _number_width(value: float, fmt: str | None) -> int:
    """Characters the formatted number takes, close enough to size a column."""
    fmt = (fmt or "General").split(";")[0]
    decimals = len(fmt.split(".", 1)[1].rstrip('%" ')) if "." in fmt else 0
    if "%" in fmt:
        value *= 100
    text = f"{value:,.{decimals}f}" if "," in fmt else f"{value:.{decimals}f}"
    if fmt == "General":
        text = f"{value:g}"
    return len(text) + ("%" in fmt) + fmt.startswith("+")


@dataclass
class SheetWriter:
    """One worksheet, written cell by cell; remembers what each column needs."""

    ws: Worksheet
    counters: Counters
    widths: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    #: row → [(column, display width of each line)] of wrapped cells, to size row heights
    wrapped: dict[int, list[tuple[int, list[int]]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    #: (style attribute, id of the style object) → (the object, its index in the
    #: workbook's collection); the object is held so that its id cannot be reused.
    _style_ids: dict[tuple[str, int], tuple[object, int]] = field(default_factory=dict, repr=False)

    def _styled(self, cell: Cell, attribute: str, value: object) -> None:
        """``setattr(cell, attribute, value)`` for a style object (font, fill, alignment,
        number format): openpyxl hashes every attribute of the style on each assignment
        to find it in the workbook's collection (≈ 12 µs a cell, a third of writing a
        workbook's cells); the index it found is reused for the same object."""
        key = (attribute, id(value))
        hit = self._style_ids.get(key)
        if hit is None:
            setattr(cell, attribute, value)
            self._style_ids[key] = (value, getattr(cell._style, _STYLE_KEYS[attribute]))
        else:
            if cell._style is None:  # as openpyxl's descriptor does
                cell._style = StyleArray()
            setattr(cell._style, _STYLE_KEYS[attribute], hit[1])

    def style(
        self, cell: Cell, *, font: Font | None = None, alignment: Alignment | None = None
    ) -> Cell:
        """Set a written cell's font and alignment (None: leave as is)."""
        if font is not None:
            self._styled(cell, "font", font)
        if alignment is not None:
            self._styled(cell, "alignment", alignment)
        return cell

    def _track(self, col: int, width: float) -> None:
        if width > self.widths[col]:
            self.widths[col] = width

    def text(
        self,
        row: int,
        col: int,
        value: object,
        *,
        font: Font | None = None,
        fill: PatternFill | None = None,
        alignment: Alignment | None = None,
        track: bool = True,
        width_cap: int | None = None,
    ) -> Cell:
        """A string cell (empty for None/NaN); never a formula."""
        cell = self.ws.cell(row=row, column=col)
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
            return cell
        clean = excel_text(str(value))
        self.counters.control_chars_removed += clean.control_chars_removed
        self.counters.truncated_cells += int(clean.truncated)
        text = _OOXML_ESCAPE.sub(r"_x005F_\1", clean.text)
        if text:  # an empty string would be an inline-string cell without its string
            cell.value = text
            cell.data_type = "s"  # a str starting with "=" was typed as a formula just now
            if text.startswith(_FORMULA_START):
                cell.quotePrefix = True
        if font is not None:
            self._styled(cell, "font", font)
        if fill is not None:
            self._styled(cell, "fill", fill)
        if alignment is not None:
            self._styled(cell, "alignment", alignment)
        width = display_width(clean.text)
        if alignment is not None and alignment.wrap_text:
            self.wrapped[row].append((col, [display_width(ln) for ln in clean.text.split("\n")]))
        if track:
            self._track(col, min(width, width_cap) if width_cap else width)
        return cell

    def number(
        self, row: int, col: int, value: Any, fmt: str | None = None, *, font: Font | None = None
    ) -> Cell:
        """A numeric cell with a number format; empty when the value is missing or not finite."""
        cell = self.ws.cell(row=row, column=col)
        v = finite_number(value)
        if fmt:
            self._styled(cell, "number_format", fmt)
        if font is not None:
            self._styled(cell, "font", font)
        if v is not None:
            cell.value = v
            self._track(col, _number_width(float(v), fmt))
        return cell

    def date(self, row: int, col: int, value: Any, fmt: str = DATE_FORMAT) -> Cell:
        cell = self.ws.cell(row=row, column=col)
        if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
            return cell
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        if isinstance(value, _dt.datetime):
            value = value.replace(tzinfo=None)
            if value.time() == _dt.time():
                value = value.date()
        cell.value = value
        self._styled(cell, "number_format", fmt)
        self._track(col, len(fmt))
        return cell

    def put(self, row: int, col: int, value: Any, fmt: str | None = None) -> Cell:
        """Dispatch on type: text, number or date (bools must be worded by the caller)."""
        if isinstance(value, bool):
            raise TypeError("write a yes/no as localised text, not a bool")
        if isinstance(value, str):
            return self.text(row, col, value)
        if isinstance(value, (_dt.date, pd.Timestamp)):
            return self.date(row, col, value)
        if value is None or value is pd.NA or value is pd.NaT:
            return self.ws.cell(row=row, column=col)
        if isinstance(value, Number):
            return self.number(row, col, value, fmt)
        return self.text(row, col, value)
