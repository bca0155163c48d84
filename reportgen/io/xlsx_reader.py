"""Excel .xlsx workbooks read as text, after the archive has been checked.

Rows are streamed from the sheet XML with openpyxl's worksheet parser, which
yields only rows that exist in the file: the sheet's ``<dimension>`` is never
trusted, so a stray cell at XFD1048576 costs one row, not a million. That
parser (``openpyxl.worksheet._reader``) is semi-private API of openpyxl 3.1; the
stray-cell and value tests in tests/test_io_xlsx.py fail loudly if it changes.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Generator
from contextlib import closing
from operator import itemgetter
from pathlib import Path
from typing import Any, BinaryIO

import lxml.etree
from defusedxml import DefusedXmlException
from openpyxl import load_workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.worksheet._reader import WorkSheetParser

from reportgen.errors import InputFileError, ReportgenError
from reportgen.io.assemble import Record, assemble, score_records
from reportgen.io.cells import cell_text
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


def _load(handle: BinaryIO, source: str) -> Any:
    try:
        return load_workbook(handle, read_only=True, data_only=True, keep_links=False)
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

    index, notes = choose_part(names, options.sheet, options.expected_columns, score, source)
    sheet = sheets[index]
    where = f"{source} [sheet {sheet.title!r}]"
    layout = sheet_layout(where, options, limits, path.stem)
    assembled = assemble(_records(workbook, sheet, limits, where), layout)
    return assembled.raw_table(
        source=source,
        real_format="xlsx",
        notes=notes,
        sheet=sheet.title,
        excel_epoch=1904 if workbook.epoch == CALENDAR_MAC_1904 else 1900,
    )


def _records(
    workbook: Any, sheet: Any, limits: ReadLimits, where: str
) -> Generator[Record, None, None]:
    """Rows present in the sheet XML, as records of non-empty text cells."""
    with sheet._get_source() as xml_source:
        parser = WorkSheetParser(
            xml_source,
            sheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for number, cells in parser.parse():
            if number > limits.max_excel_rows:
                raise InputFileError(
                    f"{where} has a row numbered {number}, beyond Excel's limit of "
                    f"{limits.max_excel_rows} rows (corrupt or hostile sheet)"
                )
            row: list[tuple[int, str]] = []
            for cell in cells:
                text = cell_text(cell["value"])
                if text is not None:
                    row.append((cell["column"] - 1, text))
            row.sort(key=_first)
            yield Record(number, row)
