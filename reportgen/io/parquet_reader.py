"""Parquet files: validated from their footer metadata, never loaded into Python.

The caller scans ``parquet_path`` with DuckDB (``read_parquet(path,
file_row_number = true)`` gives a 0-based row number where one is needed).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from reportgen.errors import InputFileError
from reportgen.io.model import RawTable


def read_parquet(path: Path, source: str) -> RawTable:
    """Describe the Parquet file at ``path`` (columns, row count) without reading its rows."""
    try:
        with pq.ParquetFile(path) as parquet:
            metadata = parquet.metadata
            schema = parquet.schema_arrow
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputFileError(f"{source} is a corrupt or truncated Parquet file ({exc})") from None
    names = tuple(schema.names)
    counts = Counter(names)
    duplicates = tuple(name for name in dict.fromkeys(names) if counts[name] > 1)
    warnings = ()
    if duplicates:
        warnings = (f"{source}: duplicate column names {', '.join(map(repr, duplicates))}",)
    return RawTable(
        source=source,
        real_format="parquet",
        encoding=None,
        sheet=None,
        header_row=None,
        columns=names,
        duplicate_columns=duplicates,
        data=None,
        parquet_path=path,
        rows_read=metadata.num_rows,
        blank_rows=0,
        rejected=(),
        warnings=warnings,
        excel_epoch=None,
    )
