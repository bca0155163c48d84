"""Legacy Excel 97-2003 (.xls) workbooks read as text with xlrd.

Same conventions as .xlsx (see :mod:`reportgen.io.cells`); dates are decoded
with the workbook's own date system (``datemode``: 1900 or 1904).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import xlrd
import xlrd.compdoc

from reportgen.errors import InputFileError
from reportgen.io.assemble import Record, assemble, score_records
from reportgen.io.cells import (
    cell_text,
    datetime_text,
    is_long_number,
    long_numbers_note,
    number_text,
    padded_text,
    zero_padding_digits,
)
from reportgen.io.model import RawTable, ReadLimits
from reportgen.io.sheets import SheetOptions, choose_part, sheet_layout

log = logging.getLogger(__name__)


def read_xls(path: Path, source: str, options: SheetOptions) -> RawTable:
    """Read one sheet of the .xls at ``path`` into a :class:`RawTable` of text."""
    book = _open(path, source)
    try:
        names = book.sheet_names()
        if not names:
            raise InputFileError(f"{source} is an Excel 97-2003 workbook without any sheet")

        def score(index: int) -> int:
            records = _records(book, book.sheet_by_index(index), options.limits)
            return score_records(records, options.expected_columns)

        # visibility per sheet from the workbook's sheet list (0: visible), known
        # before any sheet is loaded (xlrd's public ``Sheet.visibility`` needs the sheet)
        hidden = [v != 0 for v in getattr(book, "_sheet_visibility", [])]
        index, notes = choose_part(
            names, options.sheet, options.expected_columns, score, source, hidden=hidden
        )
        sheet = book.sheet_by_index(index)
        where = f"{source} [sheet {sheet.name!r}]"
        layout = sheet_layout(where, options, options.limits, path.stem)
        long_numbers: list[tuple[int, str]] = []
        assembled = assemble(_records(book, sheet, options.limits, long_numbers), layout)
        if long_numbers:
            notes = [*notes, long_numbers_note(where, long_numbers)]
        return assembled.raw_table(
            source=source,
            real_format="xls",
            notes=notes,
            sheet=sheet.name,
            excel_epoch=1904 if book.datemode == 1 else 1900,
        )
    except xlrd.XLRDError as exc:
        raise InputFileError(f"{source} is a corrupt Excel 97-2003 workbook: {exc}") from exc
    finally:
        book.release_resources()


def _open(path: Path, source: str) -> Any:
    try:
        # formatting_info: the number formats (a 000000 format shows 123 as 000123)
        return xlrd.open_workbook(
            str(path), on_demand=True, formatting_info=True, logfile=_NullLog()
        )
    except xlrd.XLRDError as exc:
        message = str(exc)
        if "encrypted" in message.lower():
            raise InputFileError(
                f"{source} is a password-protected Excel 97-2003 workbook; remove the "
                "password and save it again"
            ) from None
        raise InputFileError(
            f"{source} is an OLE2 compound document but not a readable Excel 97-2003 "
            f"workbook ({message}); it may be a Word/Outlook file or a password-protected "
            ".xlsx"
        ) from None
    except (xlrd.compdoc.CompDocError, AssertionError, IndexError, ValueError, EOFError) as exc:
        raise InputFileError(
            f"{source} is a truncated or corrupt Excel 97-2003 workbook ({type(exc).__name__}: "
            f"{exc})"
        ) from None


class _NullLog:
    """xlrd prints warnings to stdout by default; route them to logging instead."""

    def write(self, text: str) -> int:
        if text.strip():
            log.debug("xlrd: %s", text.rstrip())
        return len(text)


def _zero_padded(book: Any) -> dict[int, int]:
    """XF (cell format) index → digits, for the formats that pad with zeros."""
    formats = getattr(book, "format_map", {}) or {}
    out = {}
    for index, xf in enumerate(getattr(book, "xf_list", []) or []):
        fmt = formats.get(xf.format_key)
        digits = zero_padding_digits(fmt.format_str) if fmt is not None else None
        if digits:
            out[index] = digits
    return out


def _records(
    book: Any, sheet: Any, limits: ReadLimits, long_numbers: list[tuple[int, str]] | None = None
) -> Iterator[Record]:
    padded = _zero_padded(book)
    for row_index in range(min(sheet.nrows, limits.max_excel_rows)):
        row: list[tuple[int, str]] = []
        for column, cell in enumerate(sheet.row_slice(row_index)):
            digits = padded.get(cell.xf_index) if padded else None
            if digits is not None and cell.ctype == xlrd.XL_CELL_NUMBER:
                text = padded_text(cell.value, digits)
            else:
                text = xls_cell_text(cell.ctype, cell.value, book.datemode)
            if text is not None:
                row.append((column, text))
                if long_numbers is not None and is_long_number(cell.value):
                    long_numbers.append((row_index + 1, text))
        yield Record(row_index + 1, row)


def xls_cell_text(ctype: int, value: Any, datemode: int) -> str | None:
    """Text of one xlrd cell, with the same conventions as .xlsx cells."""
    if ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if ctype == xlrd.XL_CELL_NUMBER:
        return number_text(value)
    if ctype == xlrd.XL_CELL_DATE:
        return _date_text(value, datemode)
    if ctype == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if value else "FALSE"
    if ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(value, f"#ERROR{value}")
    return cell_text(value)


def _date_text(value: float, datemode: int) -> str:
    try:
        year, month, day, hour, minute, second = xlrd.xldate_as_tuple(value, datemode)
    except xlrd.xldate.XLDateError:
        return number_text(value)  # not representable as a date: keep the serial number
    if (year, month, day) == (0, 0, 0):
        return f"{hour:02d}:{minute:02d}:{second:02d}"
    return datetime_text(dt.datetime(year, month, day, hour, minute, second))
