"""Immutable results of the reading layer: raw tables, row issues and limits.

The reading layer turns bytes into raw tables of text and nothing more: it never
maps columns, parses scores or dates. Every record it sees ends up either in
``RawTable.data`` or in ``RawTable.rejected`` so the caller can reconcile
``rows_read == data.num_rows + len(rejected)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

ROW_COLUMN = "_row"
"""Name of the int64 column holding the 1-based source row of every record."""


@dataclass(frozen=True)
class RowIssue:
    """A record the reader saw but could not turn into a row of the table.

    ``reason`` is a stable code: ``ragged_row_short``, ``ragged_row_long``,
    ``repeated_header``, ``malformed_quotes``, ``unclosed_quote``.
    """

    row: int
    column: str | None
    value: str | None
    reason: str


@dataclass(frozen=True)
class RawTable:
    """Raw text table read from one source, with everything needed to reconcile it.

    ``data`` has one string column per name in ``columns`` plus ``_row`` (int64).
    Empty cells are null (never ``""``); every other value is the exact text of
    the source ("007", "NA", "null" stay as they are). SQL results keep native
    types. ``data`` is None when the rows are in a Parquet file at
    ``parquet_path`` (a Parquet source, or a large text file spilled to disk).
    """

    source: str
    real_format: str
    encoding: str | None
    sheet: str | None
    header_row: int | None
    columns: tuple[str, ...]
    duplicate_columns: tuple[str, ...]
    data: pa.Table | None
    parquet_path: Path | None
    rows_read: int
    blank_rows: int
    rejected: tuple[RowIssue, ...]
    warnings: tuple[str, ...]
    excel_epoch: int | None


@dataclass(frozen=True)
class ReadLimits:
    """Ceilings that protect the process from huge, corrupt or hostile inputs.

    Exceeding a limit raises ``InputFileError``; nothing is truncated silently.
    """

    max_uncompressed_bytes: int = 1 << 30
    """Total uncompressed size of all members of an .xlsx archive."""
    max_compression_ratio: float = 100.0
    """Per-member uncompressed/compressed ratio, checked for members above ``ratio_min_bytes``."""
    ratio_min_bytes: int = 10 * 1024 * 1024
    max_zip_members: int = 10_000
    max_excel_rows: int = 1_048_576
    """Row numbers above this in a sheet mean a corrupt or hostile workbook."""
    max_rows: int | None = None
    """Optional cap on data records for any format; more records raise an error."""
    max_columns: int = 16_384
    """Widest header accepted; data is always capped at the header width."""
    max_issue_value_chars: int = 200
    """Raw text kept in ``RowIssue.value``."""
    spill_after_rows: int = 1_000_000
    """With ``read_file(spill_dir=...)``: above this many rows, write Parquet instead of RAM."""
    batch_rows: int = 65_536
    """Rows per Arrow record batch while building a table."""
