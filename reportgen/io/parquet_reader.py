"""Parquet files: validated from their footer metadata, never loaded into Python.

The caller scans ``parquet_path`` with DuckDB (``read_parquet(path,
file_row_number = true)`` gives a 0-based row number where one is needed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
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


@dataclass(frozen=True)
class TextScan:
    """What one pass over text columns of a Parquet file found (see :func:`scan_texts`)."""

    columns: frozenset[str]  # the columns scanned (the key included)
    #: columns where some value may need care: NULL excluded, a byte length up to
    #: ``longest`` or a first or last byte below ``"!"`` (what
    #: :func:`reportgen.loading.normalize.needs_care` tests, byte for byte)
    care: frozenset[str]
    nulls: frozenset[str]  # columns holding a NULL
    #: the key column's non-NULL values never decrease in file order (None: no key)
    ordered: bool | None
    #: the key values equal to the previous non-NULL value (distinct; when ordered)
    repeated: tuple[str, ...]


def scan_texts(
    path: Path, columns: Sequence[str], longest: int, key: str | None = None
) -> TextScan | None:
    """One pass of pyarrow over text columns: which may need care (trimming, a
    missing-value spelling), which hold NULL, and whether the ``key`` column is in
    ascending order in the file (exports sorted by id), with its repeated values.

    The tests use each value's offsets and bytes only (numpy over Arrow's buffers), so
    the pass costs little more than decoding the columns, and it runs on a Python
    thread while the engine works. None when a column is not plain text (the caller
    then lets the engine find out)."""
    care: set[str] = set()
    nulls: set[str] = set()
    ordered: bool | None = None if key is None else True
    repeated: set[str] = set()
    last: str | None = None  # the key's last non-NULL value so far
    with pq.ParquetFile(path) as parquet:
        schema = parquet.schema_arrow
        names = list(schema.names)
        wanted = list(dict.fromkeys([*columns, *([key] if key else [])]))
        if any(names.count(c) != 1 for c in wanted):
            return None
        if any(not pa.types.is_string(schema.field(c).type) for c in wanted):
            return None
        for group in range(parquet.metadata.num_row_groups):
            table = parquet.read_row_group(group, columns=wanted)
            for name in wanted:
                values = table.column(name).combine_chunks()
                if values.null_count:
                    nulls.add(name)
                if name not in care and _may_need_care(values, longest):
                    care.add(name)
                if name == key and ordered:
                    values = values.drop_null() if values.null_count else values
                    ordered, last = _ascending(values, last, repeated)
    return TextScan(
        columns=frozenset(wanted),
        care=frozenset(care),
        nulls=frozenset(nulls),
        ordered=ordered,
        repeated=tuple(sorted(repeated)) if ordered else (),
    )


def _may_need_care(values: pa.StringArray, longest: int) -> bool:
    n = len(values)
    if not n:
        return False
    _, offsets_buf, data_buf = values.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int32, count=n + 1, offset=values.offset * 4)
    starts, ends = offsets[:-1], offsets[1:]
    flagged = (ends - starts) <= longest
    if data_buf is not None and data_buf.size:
        # the first and the last byte of each value; an empty value is flagged by its
        # length already, and "clip" only keeps its index inside the buffer
        data = np.frombuffer(data_buf, dtype=np.uint8)
        flagged |= np.take(data, starts, mode="clip") < 0x21
        flagged |= np.take(data, ends - 1, mode="clip") < 0x21
    if values.null_count:
        flagged &= values.is_valid().to_numpy(zero_copy_only=False)
    return bool(flagged.any())


def _ascending(
    values: pa.StringArray, last: str | None, repeated: set[str]
) -> tuple[bool, str | None]:
    """(whether ``values`` continue an ascending sequence after ``last``, the new last
    value); values equal to their predecessor go into ``repeated``."""
    n = len(values)
    if not n:
        return True, last
    first = values[0].as_py()
    if last is not None:
        if first < last:  # Python compares str by code point: the UTF-8 byte order
            return False, last
        if first == last:
            repeated.add(first)
    prev, cur = values.slice(0, n - 1), values.slice(1)
    if pc.any(pc.greater_equal(prev, cur)).as_py():  # (strictly ascending: one test)
        if pc.any(pc.greater(prev, cur)).as_py():
            return False, last
        same = pc.equal(prev, cur)
        repeated.update(pc.unique(cur.filter(same)).to_pylist())
    return True, values[n - 1].as_py()


@dataclass(frozen=True)
class ColumnRange:
    """What a Parquet row group's statistics say of one column: its smallest and
    largest non-NULL value (both None when every value is NULL) and whether any value
    is NULL. NaN is never in min/max (see :func:`float_columns_with_nan`)."""

    low: object
    high: object
    nulls: bool


@dataclass(frozen=True)
class RowGroupRanges:
    """Footer statistics of a Parquet file, per row group."""

    #: the 0-based file row number of each row group's first row, and the row count
    starts: tuple[int, ...]
    rows: tuple[int, ...]
    #: column -> its :class:`ColumnRange` in each row group (None: no statistics there)
    ranges: dict[str, tuple[ColumnRange | None, ...]]


def row_group_ranges(path: Path, columns: Sequence[str]) -> RowGroupRanges:
    """The statistics of the named top-level columns in every row group, from the
    footer only (no row is read). A column that is not a single top-level leaf is
    left out; a row group without usable statistics for a column gives None."""
    with pq.ParquetFile(path) as parquet:
        names = list(parquet.schema_arrow.names)
        meta = parquet.metadata
        leaves = {meta.schema.column(j).path: j for j in range(meta.num_columns)}
        groups = [meta.row_group(g) for g in range(meta.num_row_groups)]
        rows = tuple(g.num_rows for g in groups)
        starts = tuple(sum(rows[:g]) for g in range(len(rows)))
        ranges = {
            name: tuple(_range(g, leaves[name]) for g in groups)
            for name in dict.fromkeys(columns)
            if names.count(name) == 1 and name in leaves
        }
    return RowGroupRanges(starts=starts, rows=rows, ranges=ranges)


def _range(group: pq.RowGroupMetaData, leaf: int) -> ColumnRange | None:
    stats = group.column(leaf).statistics
    if stats is None or not stats.has_null_count:
        return None
    if stats.null_count == group.num_rows:
        return ColumnRange(None, None, nulls=True)
    if not stats.has_min_max:
        return None
    try:
        low, high = stats.min, stats.max
    except (ValueError, OverflowError, pa.ArrowException):  # not a Python value (e.g. year 20000)
        return None
    return ColumnRange(low, high, nulls=stats.null_count > 0)
