"""``read_file``: find out what a file really is, then read it with the right reader.

The content decides, not the extension: a CSV named .xlsx is read as CSV and an
HTML table saved as .xls as HTML, each with a warning naming both. Files that are
not tables (PDFs, images, other archives, empty files) are refused with a
message saying what they are.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from pathlib import Path

from reportgen.errors import InputFileError
from reportgen.io.csv_reader import CsvOptions, read_csv
from reportgen.io.encoding import encoding_label
from reportgen.io.html_reader import read_html
from reportgen.io.model import RawTable, ReadLimits
from reportgen.io.parquet_reader import read_parquet
from reportgen.io.sheets import SheetOptions
from reportgen.io.sniff import FileKind, sniff
from reportgen.io.xls_reader import read_xls
from reportgen.io.xlsx_reader import read_xlsx

log = logging.getLogger(__name__)

FORMATS = ("csv", "xlsx", "xls", "html", "parquet")
_ALIASES = {"tsv": "csv", "txt": "csv", "htm": "html", "xlsm": "xlsx"}
_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".tab": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xltx": "xlsx",
    ".xltm": "xlsx",
    ".xls": "xls",
    ".htm": "html",
    ".html": "html",
    ".parquet": "parquet",
    ".pq": "parquet",
}
_DECLARED = {
    "csv": "CSV text",
    "xlsx": "an Excel workbook",
    "xls": "an Excel 97-2003 workbook",
    "html": "an HTML page",
    "parquet": "a Parquet file",
}
_READ_AS = {"csv": "CSV", "xlsx": "XLSX", "xls": "XLS", "html": "HTML", "parquet": "Parquet"}
_READERS_BY_KIND = {
    "text": "csv",
    "xlsx": "xlsx",
    "xls": "xls",
    "html": "html",
    "parquet": "parquet",
}
DEFAULT_LIMITS = ReadLimits()


def read_file(
    path: Path,
    *,
    format: str | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    header_row: int | None = None,
    expected_columns: Sequence[str] = (),
    delimiter: str | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
    spill_dir: Path | None = None,
) -> RawTable:
    """Read a CSV/TSV, .xlsx, .xls, HTML-table or Parquet file into a :class:`RawTable`.

    ``format`` is what the caller believes the file is (default: its extension); the
    bytes decide what is read. ``sheet`` is a sheet name or 0-based index (an HTML
    table index for HTML). ``header_row`` is 1-based; without it the first of the
    first 30 rows holding the most ``expected_columns`` is the header, else the
    first non-blank row. With ``spill_dir``, tables longer than
    ``limits.spill_after_rows`` go to a Parquet file there (``data`` is then None).
    """
    path = Path(path)
    source = str(path)
    declared = _declared_format(format, path, source)
    kind = sniff(path)
    real = _real_format(kind, source, encoding)
    if format is not None and {real, declared} == {"csv", "html"}:
        real = declared  # both are text: an explicit choice of parser is honoured
    expected = tuple(expected_columns)
    if real == "csv":
        table = read_csv(
            path,
            source,
            CsvOptions(encoding, delimiter, header_row, expected, limits, spill_dir),
        )
    elif real == "parquet":
        table = read_parquet(path, source)
    else:
        options = SheetOptions(sheet, header_row, expected, limits, spill_dir)
        if real == "xlsx":
            table = read_xlsx(path, source, options)
        elif real == "xls":
            table = read_xls(path, source, options)
        else:
            table = read_html(path, source, options, encoding)
    notes = _notes(table, declared, source, sheet=sheet, encoding=encoding, delimiter=delimiter)
    if notes:
        table = dataclasses.replace(table, warnings=tuple(notes) + table.warnings)
    for note in table.warnings:
        log.info("%s", note)
    return table


def _declared_format(format: str | None, path: Path, source: str) -> str | None:
    if format is None:
        return _EXTENSIONS.get(path.suffix.lower())
    key = format.lower().lstrip(".")
    key = _ALIASES.get(key, key)
    if key not in FORMATS:
        raise InputFileError(
            f"{source}: unknown format {format!r}; expected one of {', '.join(FORMATS)}"
        )
    return key


def _real_format(kind: FileKind, source: str, encoding: str | None) -> str:
    if kind.kind in _READERS_BY_KIND:
        return _READERS_BY_KIND[kind.kind]
    if kind.kind == "empty":
        raise InputFileError(f"{source} is empty (0 bytes)")
    if kind.kind == "binary" and encoding is not None:
        return "csv"  # e.g. UTF-16 without BOM: the caller named the encoding
    if kind.kind in ("sqlite", "duckdb"):
        scheme = kind.kind
        raise InputFileError(
            f"{source} is {kind.description}, not a file table; read it as a SQL source "
            f"({scheme}:///{source} with a table or query)"
        )
    raise InputFileError(
        f"{source} is {kind.description}, not a table reportgen can read "
        "(expected CSV/TSV text, .xlsx, .xls, an HTML table or Parquet)"
    )


def _notes(
    table: RawTable,
    declared: str | None,
    source: str,
    *,
    sheet: str | int | None,
    encoding: str | None,
    delimiter: str | None,
) -> list[str]:
    notes: list[str] = []
    real = table.real_format
    if declared is not None and declared != real:
        notes.append(
            f"{source} is not {_DECLARED[declared]} but {_describe(table)}; "
            f"read as {_READ_AS[real]}"
        )
    if sheet is not None and real in ("csv", "parquet"):
        notes.append(f"{source}: sheet={sheet!r} ignored ({_READ_AS[real]} has no sheets)")
    if delimiter is not None and real != "csv":
        notes.append(f"{source}: delimiter={delimiter!r} ignored ({_READ_AS[real]} file)")
    if encoding is not None and real not in ("csv", "html"):
        notes.append(f"{source}: encoding={encoding!r} ignored ({_READ_AS[real]} file)")
    return notes


def _describe(table: RawTable) -> str:
    real = table.real_format
    if real == "csv":
        return f"CSV text ({encoding_label(table.encoding or '')})"
    if real == "html":
        return "an HTML table"
    if real == "xls":
        return "a legacy Excel 97-2003 workbook (.xls)"
    if real == "xlsx":
        return "an Excel .xlsx workbook"
    return "a Parquet file"
