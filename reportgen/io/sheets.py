"""Choosing which sheet (or HTML table) of a multi-part file holds the data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reportgen.errors import InputFileError
from reportgen.io.header import normalise_name
from reportgen.io.model import ReadLimits

if TYPE_CHECKING:
    from reportgen.io.assemble import Layout


@dataclass(frozen=True)
class SheetOptions:
    """What to read from a multi-sheet (or multi-table) file."""

    sheet: str | int | None = None
    header_row: int | None = None
    expected_columns: tuple[str, ...] = ()
    limits: ReadLimits = ReadLimits()
    spill_dir: Path | None = None


def choose_part(
    names: Sequence[str],
    requested: str | int | None,
    expected: Sequence[str],
    score: Callable[[int], int],
    source: str,
    noun: str = "sheet",
    hidden: Sequence[bool] = (),
) -> tuple[int, list[str]]:
    """Index of the part to read and notes for the user.

    ``requested`` is a name or a 0-based index. Without it, the first part whose
    header holds all ``expected`` columns wins, else the one holding the most (at
    least one), else the first part; a notes sheet in front is thereby skipped.
    Visible parts come before the ``hidden`` ones (a hidden copy of last quarter's
    data in front of this quarter's is not read); a hidden one is read only when no
    visible one has the columns, and then with a note.
    """
    listing = ", ".join(repr(name) for name in names)
    if isinstance(requested, bool):
        raise InputFileError(f"{source}: {noun} must be a name or a 0-based index")
    if isinstance(requested, int):
        if not 0 <= requested < len(names):
            raise InputFileError(
                f"{source} has no {noun} at index {requested} (0-based); it has "
                f"{len(names)}: {listing}"
            )
        return requested, []
    if isinstance(requested, str):
        for index, name in enumerate(names):
            if name == requested:
                return index, []
        for index, name in enumerate(names):
            if normalise_name(name) == normalise_name(requested):
                return index, []
        raise InputFileError(
            f"{source} has no {noun} named {requested!r}; its {noun}s are {listing}"
        )
    is_hidden = [bool(h) for h in hidden] + [False] * (len(names) - len(hidden))
    order = [i for i in range(len(names)) if not is_hidden[i]]
    order += [i for i in range(len(names)) if is_hidden[i]]
    if len(names) == 1:
        return 0, []
    if not expected:
        return order[0], []
    wanted = len({normalise_name(name) for name in expected if name.strip()})
    best_index, best_score = order[0], 0
    for index in order:
        current = score(index)
        if current > best_score:
            best_index, best_score = index, current
        if current >= wanted:
            break
    notes: list[str] = []
    skipped = [names[i] for i in order[: order.index(best_index)]]
    if skipped:
        notes.append(
            f"{source}: read {noun} {names[best_index]!r}, the first with the expected columns "
            f"(skipped {', '.join(map(repr, skipped))})"
        )
    if is_hidden[best_index]:
        notes.append(f"{source}: {noun} {names[best_index]!r} is hidden in the workbook")
    if best_score >= wanted:
        # another part with the same columns (last quarter's copy, a hidden backup):
        # which one was read must not be a surprise
        rest = order[order.index(best_index) + 1 :]
        also = [names[i] for i in rest if score(i) >= wanted]
        if also:
            notes.append(
                f"{source}: {noun}s {', '.join(map(repr, also))} also hold the expected "
                f"columns; read {names[best_index]!r} (visible {noun}s first, in workbook "
                f"order); name the {noun} in the source's '{noun}' setting to read another"
            )
    return best_index, notes


def sheet_layout(where: str, options: SheetOptions, limits: ReadLimits, stem: str) -> Layout:
    """How a worksheet's records become a table (shared by the .xlsx and .xls readers)."""
    from openpyxl.utils import get_column_letter

    from reportgen.io.assemble import Layout

    return Layout(
        where=where,
        header_row=options.header_row,
        expected_columns=options.expected_columns,
        dense_numbers=True,
        cell_ref=lambda column, row: f"{get_column_letter(column + 1)}{row}",
        limits=limits,
        spill_dir=options.spill_dir,
        spill_stem=stem,
    )
