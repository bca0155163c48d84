"""Parquet files: validated from their footer metadata, never loaded into Python.

The caller scans ``parquet_path`` with DuckDB (``read_parquet(path,
file_row_number = true)`` gives a 0-based row number where one is needed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
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


def float_columns_with_nan(path: Path, columns: Sequence[str]) -> set[str]:
    """Which of the named float columns hold at least one NaN.

    Asked once per file so that the engine can test NaN only where there is some:
    Parquet min/max statistics leave NaN out, and DuckDB (2.0) folds ``isnan(x)``
    and ``x > max`` to false from them, so its own test must go through the
    value's text form, which costs ≈ 0.1 µs per value. Here pyarrow reads only
    those columns, batch by batch; a row group whose statistics say it holds only
    nulls is skipped."""
    found: set[str] = set()
    with pq.ParquetFile(path) as parquet:
        schema = parquet.schema_arrow
        names = list(schema.names)
        wanted = [c for c in dict.fromkeys(columns) if names.count(c) == 1]
        meta = parquet.metadata
        leaves = {meta.schema.column(j).path: j for j in range(meta.num_columns)}
        for name in wanted:
            if not pa.types.is_floating(schema.field(names.index(name)).type):
                continue
            leaf = leaves.get(name)
            for group in range(meta.num_row_groups):
                rows = meta.row_group(group)
                stats = rows.column(leaf).statistics if leaf is not None else None
                if stats is not None and stats.null_count == rows.num_rows:
                    continue
                chunk = parquet.read_row_group(group, columns=[name]).column(0)
                if pc.any(pc.is_nan(chunk)).as_py():
                    found.add(name)
                    break
    return found
