"""Excel .xlsx workbooks read as text, after the archive has been checked.

Rows are streamed from the sheet XML with openpyxl's worksheet parser, which
yields only rows that exist in the file: the sheet's ``<dimension>`` is never
trusted, so a stray cell at XFD1048576 costs one row, not a million. That
parser (``openpyxl.worksheet._reader``) is semi-private API of openpyxl 3.1; the
stray-cell and value tests in tests/test_io_xlsx.py fail loudly if it changes.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Generator
from contextlib import closing
from operator import itemgetter
from pathlib import Path
from typing import Any, BinaryIO

import lxml.etree
from defusedxml import DefusedXmlException
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.numbers import BUILTIN_FORMATS_MAX_SIZE, builtin_format_code
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import INLINE_STRING, WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS

from reportgen.errors import InputFileError, ReportgenError
from reportgen.io.assemble import Record, assemble, score_records
from reportgen.io.cells import (
    cell_text,
    is_long_number,
    long_numbers_note,
    padded_text,
    zero_padding_digits,
)
from reportgen.io.model import RawTable, ReadLimits
from reportgen.io.sheets import SheetOptions, choose_part, sheet_layout
from reportgen.io.xlsx_archive import check_archive, ensure_defused

log = logging.getLogger(__name__)

_CORRUPT = (
    ET.ParseError,
    lxml.etree.LxmlError,
    KeyError,
    ValueError,
    TypeError,
    zipfile.BadZipFile,
    OSError,
    EOFError,
)
_first = itemgetter(0)


def read_xlsx(path: Path, source: str, options: SheetOptions) -> RawTable:
    """Read one sheet of the .xlsx at ``path`` into a :class:`RawTable` of text."""
    check_archive(path, source, options.limits)
    ensure_defused()
    # A file object, because openpyxl refuses names not ending in .xlsx (content decides here).
    with path.open("rb") as handle:
        workbook = _load(handle, source)
        try:
            return _read_sheet(workbook, path, source, options)
        except ReportgenError:
            raise
        except DefusedXmlException as exc:
            raise _hostile(source, exc) from None
        except _CORRUPT as exc:
            raise _corrupt(source, "a corrupt xlsx", exc) from exc
        finally:
            workbook.close()


_T = f"{{{SHEET_MAIN_NS}}}t"
_R = f"{{{SHEET_MAIN_NS}}}r"
_F = f"{{{SHEET_MAIN_NS}}}f"
_V = f"{{{SHEET_MAIN_NS}}}v"


class _Parser(WorkSheetParser):
    """openpyxl's sheet parser with a fast path for inline strings (``t="inlineStr"``,
    what many exporters write instead of a shared-string table): their text without
    building openpyxl's rich-text objects (≈ 20 µs a cell), the same text as
    ``Text.content`` — the plain ``<t>`` and each run's ``<t>``, phonetic runs left out."""

    #: references of formula cells without a saved value (read as empty)
    uncached: list[str]

    def parse_cell(self, element: Any) -> dict[str, Any]:
        if element.find(_F) is not None:
            value = element.find(_V)
            if value is None or not value.text:
                self.uncached.append(element.get("r") or "?")
        if element.get("t") != "inlineStr" or self.rich_text:
            return super().parse_cell(element)
        cell = super().parse_cell(_without_inline(element))
        child = element.find(INLINE_STRING)
        if child is not None:
            plain = child.find(_T)
            runs = (r.find(_T) for r in child.iterfind(_R))
            texts = [plain, *runs]
            cell["value"] = "".join(t.text for t in texts if t is not None and t.text)
            cell["data_type"] = "s"
        return cell


def _without_inline(element: Any) -> Any:
    """The cell element's attributes alone (its position, style and type)."""
    return element.makeelement(element.tag, element.attrib)


class _Sheet(ReadOnlyWorksheet):
    """A read-only sheet that is not sized on opening: openpyxl sizes a sheet without a
    ``<dimension>`` element by parsing all of its XML (1.5 s for 10,000 rows), and the
    rows are parsed here anyway (:func:`_records`), without trusting any size."""

    def _get_size(self) -> None:
        pass


class _Reader(ExcelReader):
    """openpyxl's workbook reader (read-only, values only) with :class:`_Sheet` sheets;
    chart sheets are left out (no data)."""

    def read_worksheets(self) -> None:
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files or "chartsheet" in rel.Type:
                continue
            ws = _Sheet(self.wb, sheet.name, rel.target, self.shared_strings)
            ws.sheet_state = sheet.state
            self.wb._sheets.append(ws)


def _load(handle: BinaryIO, source: str) -> Any:
    try:
        reader = _Reader(handle, read_only=True, data_only=True, keep_links=False)
        reader.read()
        return reader.wb
    except DefusedXmlException as exc:
        raise _hostile(source, exc) from None
    except _CORRUPT as exc:
        raise _corrupt(source, "a truncated or corrupt xlsx", exc) from exc


def _corrupt(source: str, what: str, exc: BaseException) -> InputFileError:
    """An error for a parsing failure; openpyxl may wrap a defusedxml refusal, so look inside."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, DefusedXmlException):
            return _hostile(source, cause)
        cause = cause.__cause__ or cause.__context__
    first_line = str(exc).splitlines()[0] if str(exc) else ""
    return InputFileError(f"{source} is {what}: {type(exc).__name__}: {first_line}")


def _hostile(source: str, exc: BaseException) -> InputFileError:
    return InputFileError(
        f"{source} is a hostile or malformed xlsx: its XML uses forbidden constructs "
        f"({type(exc).__name__}: {exc})"
    )


def _read_sheet(workbook: Any, path: Path, source: str, options: SheetOptions) -> RawTable:
    sheets = workbook.worksheets
    if not sheets:
        raise InputFileError(f"{source} is an Excel workbook without any worksheet")
    names = [ws.title for ws in sheets]
    limits = options.limits

    def score(index: int) -> int:
        with closing(_records(workbook, sheets[index], limits, source)) as records:
            return score_records(records, options.expected_columns)

    hidden = [getattr(ws, "sheet_state", "visible") != "visible" for ws in sheets]
    index, notes = choose_part(
        names, options.sheet, options.expected_columns, score, source, hidden=hidden
    )
    sheet = sheets[index]
    where = f"{source} [sheet {sheet.title!r}]"
    layout = sheet_layout(where, options, limits, path.stem)
    uncached: list[str] = []
    long_numbers: list[tuple[int, str]] = []
    records = _records(workbook, sheet, limits, where, uncached, long_numbers)
    assembled = assemble(records, layout)
    if uncached:
        notes = [*notes, _uncached_note(where, uncached)]
    if long_numbers:
        notes = [*notes, long_numbers_note(where, long_numbers)]
    return assembled.raw_table(
        source=source,
        real_format="xlsx",
        notes=notes,
        sheet=sheet.title,
        excel_epoch=1904 if workbook.epoch == CALENDAR_MAC_1904 else 1900,
    )


def _uncached_note(where: str, cells: list[str]) -> str:
    """The warning for formula cells read as empty (a file written by a program that
    stores formulas without computing them, e.g. openpyxl or a report generator)."""
    shown = ", ".join(cells[:5]) + (", …" if len(cells) > 5 else "")
    return (
        f"{where}: {len(cells)} formula cell(s) without a saved value ({shown}) were read "
        "as empty; open the file in Excel and save it to store their values"
    )


def _zero_padded(workbook: Any) -> dict[int, int]:
    """Cell style index → digits, for the styles whose number format pads with zeros."""
    custom = list(getattr(workbook, "_number_formats", []))
    out: dict[int, int] = {}
    for index, style in enumerate(getattr(workbook, "_cell_styles", [])):
        fmt_id = style.numFmtId
        if fmt_id >= BUILTIN_FORMATS_MAX_SIZE and fmt_id - BUILTIN_FORMATS_MAX_SIZE < len(custom):
            code = custom[fmt_id - BUILTIN_FORMATS_MAX_SIZE]
        else:
            code = builtin_format_code(fmt_id) or ""
        digits = zero_padding_digits(code)
        if digits:
            out[index] = digits
    return out


#: Vertical merges starting within these first rows are header cells (a label over a
#: two-row header): their text is carried down into the rows the merge covers.
HEADER_AREA_ROWS = 50
_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def _merged_below(sheet: Any) -> dict[tuple[int, int], tuple[int, int]]:
    """Cells covered by a vertical merge that starts in the header area, as (row,
    0-based column) → (top row, 0-based column). Excel writes a merged range's text in
    its top-left cell only, so header_row: 4 under "客户编号" merged over rows 3 and 4 read
    no header there. The sheet's merge list follows its rows in the XML: one quick scan
    of the raw bytes finds it before the rows are parsed."""
    from openpyxl.utils import column_index_from_string

    out: dict[tuple[int, int], tuple[int, int]] = {}
    tail = b""
    with sheet._get_source() as raw:
        while chunk := raw.read(1 << 20):
            data = tail + chunk
            for m in _MERGE_REF.finditer(data):
                c1, r1, c2, r2 = m.groups()
                top, bottom = int(r1), int(r2)
                if bottom <= top or top > HEADER_AREA_ROWS:
                    continue
                first, last = (
                    column_index_from_string(c1.decode()),
                    column_index_from_string(c2.decode()),
                )
                for r in range(top + 1, min(bottom, HEADER_AREA_ROWS) + 1):
                    for c in range(first, last + 1):
                        out[(r, c - 1)] = (top, c - 1)
            tail = data[-200:]  # a tag cut by the chunk boundary is found next time
    return out


def _with_merged(
    number: int,
    row: list[tuple[int, str]],
    below: dict[tuple[int, int], tuple[int, int]],
    tops: dict[tuple[int, int], str],
) -> list[tuple[int, str]]:
    """``row`` with the text of the merges covering it (see :func:`_merged_below`)."""
    if number > HEADER_AREA_ROWS:
        return row
    have = {c for c, _ in row}
    for c, text in row:
        tops[(number, c)] = text
    extra = [
        (c, tops[top])
        for (r, c), top in below.items()
        if r == number and c not in have and top in tops
    ]
    return [*row, *extra]


def _records(
    workbook: Any,
    sheet: Any,
    limits: ReadLimits,
    where: str,
    uncached: list[str] | None = None,
    long_numbers: list[tuple[int, str]] | None = None,
) -> Generator[Record, None, None]:
    """Rows present in the sheet XML, as records of non-empty text cells. ``uncached``
    collects the references of formula cells the file holds no value for.

    A whole number in a cell formatted to pad with zeros (``000000``) is read as shown,
    000123: that is what the exporter's user sees and other files of the same ids hold."""
    padded = _zero_padded(workbook)
    below = _merged_below(sheet)
    tops: dict[tuple[int, int], str] = {}  # text of the top cell of each vertical merge
    with sheet._get_source() as xml_source:
        parser = _Parser(
            xml_source,
            sheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        parser.uncached = uncached if uncached is not None else []
        for number, cells in parser.parse():
            if number > limits.max_excel_rows:
                raise InputFileError(
                    f"{where} has a row numbered {number}, beyond Excel's limit of "
                    f"{limits.max_excel_rows} rows (corrupt or hostile sheet)"
                )
            row: list[tuple[int, str]] = []
            for cell in cells:
                digits = padded.get(cell["style_id"]) if padded else None
                value = cell["value"]
                text = cell_text(value) if digits is None else padded_text(value, digits)
                if text is not None:
                    row.append((cell["column"] - 1, text))
                    if long_numbers is not None and is_long_number(value):
                        long_numbers.append((number, text))
            if below:
                row = _with_merged(number, row, below, tops)
            row.sort(key=_first)
            yield Record(number, row)
