"""HTML tables (typically "export to Excel" pages saved as .xls) read as text.

The page is decoded like CSV (strict, BOM / UTF-8 / GB18030; a ``<meta charset>``
is not trusted). Cell text is whitespace-collapsed as a browser shows it.
Merged cells (colspan/rowspan) keep their text in the first cell; the other
covered cells are empty, so nothing is duplicated. ``_row`` is the 1-based
``<tr>`` position within the table.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import lxml.etree
import lxml.html

from reportgen.errors import InputFileError
from reportgen.io.assemble import Layout, Record, assemble, score_records
from reportgen.io.encoding import detect_encoding, open_text
from reportgen.io.model import RawTable, ReadLimits
from reportgen.io.sheets import SheetOptions, choose_part

log = logging.getLogger(__name__)

_ROWS = "./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr"
_CELLS = "./th | ./td"


def read_html(
    path: Path, source: str, options: SheetOptions, encoding: str | None = None
) -> RawTable:
    """Read a table of the HTML page at ``path`` (the first one, or the first with the
    expected columns, or ``options.sheet`` as a 0-based table index)."""
    text_encoding = detect_encoding(path, source, encoding)
    with open_text(path, text_encoding) as fh:
        text = fh.read()
    parser = lxml.html.HTMLParser(
        encoding="utf-8", no_network=True, remove_comments=True, remove_pis=True
    )
    try:
        document = lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise InputFileError(f"{source} is not a readable HTML document ({exc})") from None
    del text
    tables = document.xpath("//table")
    if not tables:
        raise InputFileError(f"{source} is an HTML document without any <table>")
    names = [f"table {i + 1}" for i in range(len(tables))]
    limits = options.limits

    def score(index: int) -> int:
        return score_records(_records(tables[index], limits, source), options.expected_columns)

    if isinstance(options.sheet, str):
        raise InputFileError(
            f"{source} is an HTML page: choose a table by 0-based index, not by name "
            f"({options.sheet!r}); it has {len(tables)} table(s)"
        )
    index, notes = choose_part(
        names, options.sheet, options.expected_columns, score, source, noun="table"
    )
    where = source if len(tables) == 1 else f"{source} [table {index + 1}]"
    layout = Layout(
        where=where,
        header_row=options.header_row,
        expected_columns=options.expected_columns,
        cell_ref=lambda column, row: f"row {row} column {column + 1}",
        limits=limits,
        spill_dir=options.spill_dir,
        spill_stem=path.stem,
    )
    assembled = assemble(_records(tables[index], limits, where), layout)
    return assembled.raw_table(
        source=source,
        real_format="html",
        notes=notes,
        encoding=text_encoding.name,
    )


def _records(table: lxml.html.HtmlElement, limits: ReadLimits, where: str) -> Iterator[Record]:
    covered: dict[int, int] = {}  # column -> further rows a rowspan from above still covers
    for number, tr in enumerate(table.xpath(_ROWS), start=1):
        from_above = {column for column, left in covered.items() if left > 0}
        row: list[tuple[int, str]] = []
        spans: dict[int, int] = {}
        column = 0
        for cell in tr.xpath(_CELLS):
            while column in from_above:
                column += 1
            colspan = _span(cell.get("colspan"))
            rowspan = _span(cell.get("rowspan"))
            if column + colspan > limits.max_columns:
                raise InputFileError(
                    f"{where}: row {number} is wider than {limits.max_columns} columns"
                )
            text = " ".join(cell.text_content().split())
            if text:
                row.append((column, text))
            if rowspan > 1:
                for offset in range(colspan):
                    spans[column + offset] = rowspan - 1
            column += colspan
        for column in from_above:
            covered[column] -= 1
        covered.update(spans)
        yield Record(number, row)


def _span(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1
