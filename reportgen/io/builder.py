"""Build an Arrow table of text columns, batch by batch, optionally spilling to Parquet.

Rows come either dense (all fields of a delimited record) or sparse (only the
non-empty cells of a spreadsheet row, as ``(column_index, text)``). Up to
``DENSE_MAX_WIDTH`` columns rows are kept dense and transposed in C; wider tables
are kept sparse so a wide but mostly empty sheet costs memory in proportion to
its real cells. Empty text becomes null. Once a table grows past a threshold,
batches can go to a Parquet file instead of staying in memory.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from reportgen.io.model import ROW_COLUMN

log = logging.getLogger(__name__)

DENSE_MAX_WIDTH = 1024
_NULL_TEXT = pa.scalar(None, pa.string())

Cells = Sequence[tuple[int, str]]


class TableBuilder:
    """Accumulates rows of text into Arrow record batches (one string column per name)."""

    def __init__(
        self,
        columns: Sequence[str],
        *,
        batch_rows: int = 65_536,
        spill_dir: Path | None = None,
        spill_after_rows: int = 1_000_000,
        spill_stem: str = "spill",
    ) -> None:
        self._width = len(columns)
        self._schema = pa.schema(
            [pa.field(name, pa.string()) for name in columns]
            + [pa.field(ROW_COLUMN, pa.int64(), nullable=False)]
        )
        self._dense = self._width <= DENSE_MAX_WIDTH
        self._batch_rows = batch_rows
        self._spill_dir = spill_dir
        self._spill_after = spill_after_rows
        self._spill_stem = spill_stem
        self._batches: list[pa.RecordBatch] = []
        self._writer: pq.ParquetWriter | None = None
        self._spill_path: Path | None = None
        self._rows = 0
        self._numbers: list[int] = []
        self._dense_rows: list[Sequence[str]] = []
        self._sparse: dict[int, tuple[list[int], list[str]]] = {}

    @property
    def num_rows(self) -> int:
        return self._rows + len(self._numbers)

    def add_fields(self, number: int, fields: Sequence[str]) -> None:
        """Append a row given as exactly one text per column ("" = empty)."""
        if self._dense:
            self._dense_rows.append(fields)
            self._numbers.append(number)
            self._flush_if_full()
        else:
            self.add_cells(number, [(i, text) for i, text in enumerate(fields) if text])

    def add_cells(self, number: int, cells: Cells) -> None:
        """Append a row given as its non-empty cells (0-based column below the width)."""
        if self._dense:
            row = [""] * self._width
            for index, text in cells:
                row[index] = text
            self._dense_rows.append(row)
        else:
            position = len(self._numbers)
            for index, text in cells:
                slot = self._sparse.get(index)
                if slot is None:
                    self._sparse[index] = ([position], [text])
                else:
                    slot[0].append(position)
                    slot[1].append(text)
        self._numbers.append(number)
        self._flush_if_full()

    def finish(self) -> tuple[pa.Table | None, Path | None]:
        """The finished table, or ``(None, parquet_path)`` when rows were spilled to disk."""
        self._flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            return None, self._spill_path
        return pa.Table.from_batches(self._batches, schema=self._schema), None

    def discard(self) -> None:
        """Close and delete any spill file (after an error)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._spill_path is not None:
            self._spill_path.unlink(missing_ok=True)

    def _flush_if_full(self) -> None:
        if len(self._numbers) >= self._batch_rows:
            self._flush()

    def _flush(self) -> None:
        count = len(self._numbers)
        if count == 0:
            return
        arrays = self._dense_arrays() if self._dense else self._sparse_arrays(count)
        arrays.append(pa.array(self._numbers, pa.int64()))
        batch = pa.RecordBatch.from_arrays(arrays, schema=self._schema)
        self._rows += count
        self._numbers = []
        self._dense_rows = []
        self._sparse = {}
        self._store(batch)

    def _dense_arrays(self) -> list[pa.Array]:
        arrays: list[pa.Array] = []
        for column in zip(*self._dense_rows, strict=True):
            text = pa.array(column, pa.string())
            arrays.append(pc.if_else(pc.equal(text, ""), _NULL_TEXT, text))
        return arrays

    def _sparse_arrays(self, count: int) -> list[pa.Array]:
        nulls = pa.nulls(count, pa.string())  # shared by every column without a value
        arrays: list[pa.Array] = []
        for index in range(self._width):
            slot = self._sparse.get(index)
            if slot is None:
                arrays.append(nulls)
                continue
            dense: list[str | None] = [None] * count
            for position, text in zip(*slot, strict=True):
                dense[position] = text
            arrays.append(pa.array(dense, pa.string()))
        return arrays

    def _store(self, batch: pa.RecordBatch) -> None:
        if self._writer is None and self._spill_dir is not None and self._rows > self._spill_after:
            self._open_spill()
        if self._writer is not None:
            self._writer.write_batch(batch)
        else:
            self._batches.append(batch)

    def _open_spill(self) -> None:
        assert self._spill_dir is not None
        self._spill_dir.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(
            dir=self._spill_dir, prefix=f"{self._spill_stem}-", suffix=".parquet"
        )
        os.close(descriptor)
        self._spill_path = Path(name)
        log.info("spilling rows to %s", self._spill_path)
        self._writer = pq.ParquetWriter(self._spill_path, self._schema)
        for earlier in self._batches:
            self._writer.write_batch(earlier)
        self._batches = []
