"""From a stream of source records to a raw table: header, blanks, ragged and repeated rows.

Every reader (CSV, Excel, HTML) turns its input into :class:`Record` objects and
hands them here, so the rules about what is a header, a blank row or a rejected
row are written once. Every non-blank record after the header is counted in
``rows_read`` and lands either in the table or in ``rejected``.
"""

from __future__ import annotations

import itertools
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pyarrow as pa

from reportgen.errors import InputFileError
from reportgen.io.builder import TableBuilder
from reportgen.io.header import (
    HEADER_SCAN_ROWS,
    ColumnNames,
    best_header_index,
    make_column_names,
    match_count,
)
from reportgen.io.model import RawTable, ReadLimits, RowIssue

log = logging.getLogger(__name__)


class Record(NamedTuple):
    """One record of a source as the user sees it.

    Spreadsheet-like sources give ``cells``: only non-empty cells, as
    ``(0-based column, text)`` in column order. Delimited text gives ``fields``:
    every field, empty ones included, so short and long records can be told
    apart. ``issue`` marks a record the reader could not parse at all (e.g.
    malformed quotes), with ``raw`` text for the message.
    """

    number: int
    cells: list[tuple[int, str]] | None = None
    fields: list[str] | None = None
    issue: str | None = None
    raw: str | None = None


@dataclass(frozen=True)
class Layout:
    """How to interpret records of one source."""

    where: str
    """The source as named in messages (file, plus sheet or table if any)."""
    header_row: int | None = None
    expected_columns: tuple[str, ...] = ()
    dense_numbers: bool = False
    """Spreadsheets: row numbers missing from the stream are blank rows."""
    render_record: Callable[[Record], str] | None = None
    cell_ref: Callable[[int, int], str] = lambda column, row: f"column {column + 1}"
    limits: ReadLimits = ReadLimits()
    spill_dir: Path | None = None
    spill_stem: str = "spill"


@dataclass(frozen=True)
class Assembled:
    """The table part of a :class:`RawTable`, common to all text-like formats."""

    header_row: int
    columns: ColumnNames
    data: pa.Table | None
    parquet_path: Path | None
    rows_read: int
    blank_rows: int
    rejected: tuple[RowIssue, ...]
    warnings: tuple[str, ...]

    def raw_table(
        self,
        *,
        source: str,
        real_format: str,
        notes: Sequence[str] = (),
        encoding: str | None = None,
        sheet: str | None = None,
        excel_epoch: int | None = None,
    ) -> RawTable:
        """The :class:`RawTable` of a reader: this table plus what the reader knows."""
        return RawTable(
            source=source,
            real_format=real_format,
            encoding=encoding,
            sheet=sheet,
            header_row=self.header_row,
            columns=self.columns.names,
            duplicate_columns=self.columns.duplicates,
            data=self.data,
            parquet_path=self.parquet_path,
            rows_read=self.rows_read,
            blank_rows=self.blank_rows,
            rejected=self.rejected,
            warnings=tuple(notes) + self.warnings,
            excel_epoch=excel_epoch,
        )


def texts(record: Record) -> list[str]:
    """The non-empty texts of a record, in column order."""
    if record.fields is not None:
        return [text for text in record.fields if text]
    if record.cells is not None:
        return [text for _, text in record.cells]
    return []


def is_blank(record: Record) -> bool:
    """True for a record whose every cell is empty or whitespace (never for an issue)."""
    if record.issue is not None:
        return False
    if record.fields is not None:
        return not "".join(record.fields).strip()
    return not any(text.strip() for _, text in record.cells or ())


def dense(record: Record, width: int) -> list[str]:
    """Texts of the first ``width`` columns, "" for empty ones."""
    if record.fields is not None:
        row = record.fields[:width]
        return row + [""] * (width - len(row))
    row = [""] * width
    for index, text in record.cells or ():
        if index < width:
            row[index] = text
    return row


def score_records(records: Iterable[Record], expected: Sequence[str]) -> int:
    """Best number of expected column names found in one of the first non-blank records."""
    rows = [texts(r) for r in itertools.islice(_non_blank(records), HEADER_SCAN_ROWS)]
    index = best_header_index(rows, expected)
    return 0 if index is None else match_count(rows[index], expected)


def _non_blank(records: Iterable[Record]) -> Iterator[Record]:
    return (r for r in records if r.issue is None and not is_blank(r))


def assemble(records: Iterable[Record], layout: Layout) -> Assembled:
    """Pick the header, then sort every later record into data, rejected or blank."""
    stream = iter(records)
    header, before, notes = _find_header(stream, layout)
    width = _header_width(header)
    if width > layout.limits.max_columns:
        raise InputFileError(
            f"{layout.where}: the header (row {header.number}) has {width} columns, more than "
            f"the limit of {layout.limits.max_columns}"
        )
    columns = make_column_names(dense(header, width), layout.where)
    sorter = _RowSorter(layout, header, width, columns)
    try:
        for record in itertools.chain(before, stream):
            sorter.take(record)
        data, parquet_path = sorter.builder.finish()
    except BaseException:
        sorter.builder.discard()
        raise
    warnings = list(notes) + list(columns.notes) + sorter.summary()
    return Assembled(
        header_row=header.number,
        columns=columns,
        data=data,
        parquet_path=parquet_path,
        rows_read=sorter.rows_read,
        blank_rows=sorter.blank_rows,
        rejected=tuple(sorter.rejected),
        warnings=tuple(warnings),
    )


def _header_width(header: Record) -> int:
    """Delimited text: every field counts. Spreadsheets: up to the last non-empty cell."""
    if header.fields is not None:
        return len(header.fields)
    assert header.cells
    return header.cells[-1][0] + 1


def _find_header(
    stream: Iterator[Record], layout: Layout
) -> tuple[Record, list[Record], list[str]]:
    """The header record, the records after it already read, and notes for the user."""
    if layout.header_row is not None:
        return _given_header(stream, layout)
    buffered: list[Record] = []
    candidates: list[int] = []
    for record in stream:
        buffered.append(record)
        if record.issue is None and not is_blank(record):
            candidates.append(len(buffered) - 1)
            if not layout.expected_columns or len(candidates) >= HEADER_SCAN_ROWS:
                break
    if not candidates:
        raise InputFileError(f"{layout.where} has no header row: it contains no non-blank rows")
    notes: list[str] = []
    chosen = candidates[0]
    if layout.expected_columns:
        index = best_header_index([texts(buffered[i]) for i in candidates], layout.expected_columns)
        if index is None:
            wanted = ", ".join(map(repr, layout.expected_columns))
            notes.append(
                f"{layout.where}: none of the expected columns ({wanted}) is in the first "
                f"{HEADER_SCAN_ROWS} rows; used row {buffered[chosen].number} as the header"
            )
        else:
            chosen = candidates[index]
    skipped = sum(1 for i in candidates if i < chosen)
    header = buffered[chosen]
    if skipped:
        notes.append(
            f"{layout.where}: used row {header.number} as the header; skipped {skipped} "
            "non-blank row(s) above it"
        )
    return header, buffered[chosen + 1 :], notes


def _given_header(
    stream: Iterator[Record], layout: Layout
) -> tuple[Record, list[Record], list[str]]:
    wanted = layout.header_row
    assert wanted is not None
    if wanted < 1:
        raise InputFileError(f"{layout.where}: header_row must be 1 or more, got {wanted}")
    last = 0
    for record in stream:
        last = record.number
        if record.number < wanted:
            continue
        if record.number > wanted or is_blank(record) or record.issue is not None:
            raise InputFileError(
                f"{layout.where}: row {wanted} cannot be the header: it is blank or not the "
                "start of a record"
            )
        return record, [], []
    raise InputFileError(
        f"{layout.where}: header_row={wanted} is past the end (last row is {last})"
    )


class _RowSorter:
    """Sorts the records after the header into the table, ``rejected`` or blank rows."""

    def __init__(self, layout: Layout, header: Record, width: int, columns: ColumnNames) -> None:
        self.layout = layout
        self.width = width
        self.header_number = header.number
        self.header_texts = [text.strip() for text in dense(header, width)]
        self.header_probe = next(i for i, text in enumerate(self.header_texts) if text)
        self.previous = header.number
        self.pending_blank = 0
        self.blank_rows = 0
        self.rows_read = 0
        self.rejected: list[RowIssue] = []
        limits = layout.limits
        self.builder = TableBuilder(
            columns.names,
            batch_rows=limits.batch_rows,
            spill_dir=layout.spill_dir,
            spill_after_rows=limits.spill_after_rows,
            spill_stem=layout.spill_stem,
        )

    def take(self, record: Record) -> None:
        if self.layout.dense_numbers and record.number > self.previous + 1:
            self.pending_blank += record.number - self.previous - 1
        self.previous = max(self.previous, record.number)
        if is_blank(record):
            self.pending_blank += 1
            return
        self.blank_rows += self.pending_blank
        self.pending_blank = 0
        self.rows_read += 1
        max_rows = self.layout.limits.max_rows
        if max_rows is not None and self.rows_read > max_rows:
            raise InputFileError(
                f"{self.layout.where} has more than {max_rows} data rows (limits.max_rows)"
            )
        reason = self._problem(record)
        if reason is not None:
            value = self._value(record, reason)
            self.rejected.append(RowIssue(record.number, None, value, reason))
        elif record.fields is not None:
            fields = record.fields
            self.builder.add_fields(
                record.number, fields if len(fields) == self.width else fields[: self.width]
            )
        else:
            self.builder.add_cells(record.number, record.cells or ())

    def _problem(self, record: Record) -> str | None:
        if record.issue is not None:
            return record.issue
        if self._is_repeated_header(record):
            return "repeated_header"
        fields = record.fields
        if fields is not None:
            if len(fields) < self.width:
                return "ragged_row_short"
            if len(fields) > self.width and any(fields[self.width :]):
                return "ragged_row_long"
        elif record.cells and record.cells[-1][0] >= self.width:
            return "ragged_row_long"
        return None

    def _is_repeated_header(self, record: Record) -> bool:
        probe = self.header_probe
        if record.fields is not None:
            if (
                len(record.fields) <= probe
                or record.fields[probe].strip() != self.header_texts[probe]
            ):
                return False
            if any(record.fields[self.width :]):
                return False
        elif record.cells is not None and record.cells and record.cells[-1][0] >= self.width:
            return False
        return [text.strip() for text in dense(record, self.width)] == self.header_texts

    def _value(self, record: Record, reason: str) -> str | None:
        layout = self.layout
        if record.raw is not None:
            text: str | None = record.raw
        elif record.fields is not None and layout.render_record is not None:
            text = layout.render_record(record)
        elif reason == "ragged_row_long" and record.cells is not None:
            text = "; ".join(
                f"{layout.cell_ref(i, record.number)}={t}"
                for i, t in record.cells
                if i >= self.width
            )
        else:
            text = " | ".join(texts(record))
        if text is None:
            return None
        return text[: layout.limits.max_issue_value_chars]

    def summary(self) -> list[str]:
        notes: list[str] = []
        where = self.layout.where
        if self.rows_read == 0:
            notes.append(f"{where} has a header row (row {self.header_number}) but no data rows")
        if self.rejected:
            counts = Counter(issue.reason for issue in self.rejected)
            detail = ", ".join(f"{n} {reason}" for reason, n in sorted(counts.items()))
            notes.append(f"{where}: {len(self.rejected)} row(s) rejected ({detail})")
        log.debug(
            "%s: read %d rows, %d rejected, %d blank",
            where,
            self.rows_read,
            len(self.rejected),
            self.blank_rows,
        )
        return notes
