"""Header rows: finding the one to use and turning its cells into unique column names."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reportgen.io.model import ROW_COLUMN

HEADER_SCAN_ROWS = 30


def normalise_name(name: str) -> str:
    """Comparison key for header names: NFKC, case-folded, trimmed (DuckDB is case-insensitive)."""
    return unicodedata.normalize("NFKC", name).strip().casefold()


def match_count(cells: Iterable[str], expected: Sequence[str]) -> int:
    """How many of ``expected`` appear among ``cells`` (normalised comparison)."""
    wanted = {normalise_name(name) for name in expected if name.strip()}
    present = {normalise_name(cell) for cell in cells}
    return len(wanted & present)


def best_header_index(rows: Sequence[Sequence[str]], expected: Sequence[str]) -> int | None:
    """Index of the first row holding the most expected names (at least one), else None."""
    best_index: int | None = None
    best_score = 0
    for index, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = match_count(cells, expected)
        if score > best_score:
            best_index, best_score = index, score
    return best_index


@dataclass(frozen=True)
class ColumnNames:
    """Unique column names for a header, the names that collided, and notes for the user."""

    names: tuple[str, ...]
    duplicates: tuple[str, ...]
    notes: tuple[str, ...]


def make_column_names(cells: Sequence[str | None], source: str) -> ColumnNames:
    """Strip header cells, name empty ones ``column_N`` and make duplicates ``name (2)``.

    Uniqueness is case-insensitive because DuckDB identifiers are; ``_row`` is reserved
    for the source row number.
    """
    stripped = [(cell or "").strip() for cell in cells]
    notes: list[str] = []
    counts: dict[str, int] = {}
    for name in stripped:
        if name:
            key = normalise_name(name)
            counts[key] = counts.get(key, 0) + 1
    duplicates: list[str] = []
    seen_spellings: set[str] = set()
    for name in stripped:
        if name and counts[normalise_name(name)] > 1 and name not in seen_spellings:
            duplicates.append(name)
            seen_spellings.add(name)
    taken: set[str] = {normalise_name(ROW_COLUMN)}
    names: list[str] = []
    for position, name in enumerate(stripped, start=1):
        base = name or f"column_{position}"
        if not name:
            notes.append(f"{source}: header cell {position} is empty; named it {base!r}")
        candidate = base
        suffix = 2
        while normalise_name(candidate) in taken:
            candidate = f"{base} ({suffix})"
            suffix += 1
        if name and normalise_name(name) == normalise_name(ROW_COLUMN):
            notes.append(
                f"{source}: column {name!r} renamed {candidate!r} "
                f"({ROW_COLUMN!r} is reserved for the source row number)"
            )
        taken.add(normalise_name(candidate))
        names.append(candidate)
    if duplicates:
        notes.append(f"{source}: duplicate column names {', '.join(map(repr, duplicates))}")
    return ColumnNames(tuple(names), tuple(duplicates), tuple(notes))
