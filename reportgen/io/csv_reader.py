"""Delimited text (CSV, TSV, ...) streamed with the csv module into a raw text table.

Records keep their exact text; an empty field becomes null. ``_row`` is the
physical line on which a record starts, so quoted multi-line fields do not shift
the numbers the user sees in an editor.
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from reportgen.errors import InputFileError
from reportgen.io.assemble import Layout, Record, assemble
from reportgen.io.encoding import TextEncoding, detect_encoding, open_text
from reportgen.io.model import RawTable, ReadLimits

log = logging.getLogger(__name__)

CANDIDATE_DELIMITERS = (",", "\t", ";", "|")
SNIFF_CHARS = 64 * 1024
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}


@dataclass(frozen=True)
class CsvOptions:
    encoding: str | None = None
    delimiter: str | None = None
    header_row: int | None = None
    expected_columns: tuple[str, ...] = ()
    limits: ReadLimits = ReadLimits()
    spill_dir: Path | None = None


def read_csv(path: Path, source: str, options: CsvOptions) -> RawTable:
    """Read delimited text at ``path`` (decoded strictly) into a :class:`RawTable`."""
    encoding = detect_encoding(path, source, options.encoding)
    excel_sep = _excel_sep_directive(path, encoding)
    delimiter = options.delimiter or excel_sep or sniff_delimiter(path, encoding)
    if len(delimiter) != 1:
        raise InputFileError(f"{source}: delimiter must be one character, got {delimiter!r}")
    log.debug("%s: %s, delimiter %r", source, encoding.name, delimiter)
    layout = Layout(
        where=source,
        header_row=options.header_row,
        expected_columns=options.expected_columns,
        render_record=lambda record: join_fields(record.fields or [], delimiter),
        limits=options.limits,
        spill_dir=options.spill_dir,
        spill_stem=path.stem,
    )
    notes: list[str] = []
    with open_text(path, encoding) as fh:
        records = _records(fh, delimiter, source, notes)
        if excel_sep is not None:
            next(records)  # Excel's "sep=;" line is a directive, not a row
        assembled = assemble(records, layout)
    return assembled.raw_table(
        source=source,
        real_format="csv",
        notes=notes,
        encoding=encoding.name,
    )


def describe_text(encoding: TextEncoding, delimiter: str) -> str:
    name = DELIMITER_NAMES.get(delimiter, repr(delimiter))
    return f"CSV text ({encoding.label}, {name}-separated)"


def join_fields(fields: list[str], delimiter: str) -> str:
    """A record written back as one line of delimited text (quoted where needed)."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerow(fields)
    return out.getvalue().removesuffix("\r\n")


@dataclass
class _LineTap:
    """Line iterator for csv.reader that remembers the last physical line (for messages)."""

    fh: TextIO
    last: str = field(default="")
    #: the first physical line of the record being read (the line a message quotes)
    first: str | None = None

    def __iter__(self) -> _LineTap:
        return self

    def __next__(self) -> str:
        self.last = next(self.fh)
        if self.first is None:
            self.first = self.last
        return self.last

    def record_line(self) -> str:
        """The record's first line (without its line break); starts the next record."""
        line, self.first = self.first if self.first is not None else self.last, None
        return line.rstrip("\r\n")


def _records(fh: TextIO, delimiter: str, source: str, notes: list[str]) -> Iterator[Record]:
    tap = _LineTap(fh)
    reader = csv.reader(tap, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
    previous_line = 0
    while True:
        start = previous_line + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            previous_line = reader.line_num
            message = str(exc)
            if "field limit" in message:
                raise InputFileError(
                    f"{source}: line {start} has a field longer than {csv.field_size_limit()} "
                    "characters (a missing closing quote?)"
                ) from None
            if "unexpected end of data" in message:
                notes.append(
                    f"{source}: the quote opened in the record at line {start} is never closed; "
                    f"lines {start}-{previous_line} were rejected as one record"
                )
                # the record's own first line, not the file's last one
                yield Record(start, issue="unclosed_quote", raw=tap.record_line())
                return
            yield Record(start, issue="malformed_quotes", raw=tap.record_line())
            continue
        except UnicodeDecodeError as exc:  # the file changed since its encoding was checked
            raise InputFileError(f"{source}: cannot decode line {start}: {exc}") from None
        previous_line = reader.line_num
        tap.first = None
        yield Record(start, fields=fields)


def _excel_sep_directive(path: Path, encoding: TextEncoding) -> str | None:
    """The delimiter named by an Excel ``sep=X`` first line, if the file has one."""
    with open_text(path, encoding) as fh:
        first = fh.readline(16)
    match = re.fullmatch(r"sep=(.)\r?\n?", first)
    return match.group(1) if match else None


def sniff_delimiter(path: Path, encoding: TextEncoding) -> str:
    """The candidate delimiter giving the most records with the same number (> 1) of fields."""
    with open_text(path, encoding) as fh:
        sample = fh.read(SNIFF_CHARS)
        complete = fh.read(1) == ""
    best, best_score = ",", (0, 0)
    for candidate in CANDIDATE_DELIMITERS:
        score = _consistency(sample, candidate, complete)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _consistency(sample: str, delimiter: str, complete: bool) -> tuple[int, int]:
    reader = csv.reader(io.StringIO(sample), delimiter=delimiter, strict=False)
    lengths: list[int] = []
    with contextlib.suppress(csv.Error):
        lengths = [len(row) for row in reader if any(cell.strip() for cell in row)]
    if not complete and lengths:
        lengths.pop()  # the sample may have cut the last record
    counts = Counter(n for n in lengths if n > 1)
    if not counts:
        return (0, 0)
    width, frequency = max(counts.items(), key=lambda item: (item[1], item[0]))
    return (frequency, width)
