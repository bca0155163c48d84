"""Reading layer: bytes from files and databases into raw tables of text.

Nothing here maps columns or parses scores and dates; that happens downstream in
DuckDB. What this layer guarantees:

* the format is judged from the content, not the name (:func:`sniff`);
* text is decoded strictly (explicit encoding, else BOM, else UTF-8 over the whole
  file, else GB18030), never with replacement characters;
* every value is the exact source text, empty cells are null;
* every record after the header is either in ``data`` or in ``rejected``
  (``rows_read == data.num_rows + len(rejected)``), with its 1-based source row;
* hostile or huge inputs are refused before they can exhaust memory.
"""

from __future__ import annotations

from reportgen.io.model import ROW_COLUMN, RawTable, ReadLimits, RowIssue
from reportgen.io.read import read_file
from reportgen.io.sniff import FileKind, sniff
from reportgen.io.sql_reader import read_sql

__all__ = [
    "ROW_COLUMN",
    "FileKind",
    "RawTable",
    "ReadLimits",
    "RowIssue",
    "read_file",
    "read_sql",
    "sniff",
]
