"""choose_part(): which sheet (or HTML table) holds the data."""

from __future__ import annotations

import pytest

from reportgen.errors import InputFileError
from reportgen.io.sheets import choose_part

NAMES = ["说明", "Partial", "Full", "AlsoFull"]
SCORES = {0: 0, 1: 1, 2: 2, 3: 2}


def test_first_sheet_with_all_expected_columns_wins_and_another_such_sheet_is_named() -> None:
    scanned: list[int] = []

    def score(index: int) -> int:
        scanned.append(index)
        return SCORES[index]

    index, notes = choose_part(NAMES, None, ["id", "nps"], score, "book.xlsx")

    assert index == 2
    assert scanned == [0, 1, 2, 3]
    assert notes == [
        "book.xlsx: read sheet 'Full', the first with the expected columns "
        "(skipped '说明', 'Partial')",
        # last quarter's copy beside this quarter's: which one was read is said
        "book.xlsx: sheets 'AlsoFull' also hold the expected columns; read 'Full' (visible "
        "sheets first, in workbook order); name the sheet in the source's 'sheet' setting "
        "to read another",
    ]


def test_partial_match_wins_when_no_sheet_has_all() -> None:
    index, _ = choose_part(NAMES[:2], None, ["id", "nps"], SCORES.__getitem__, "b.xlsx")

    assert index == 1


def test_no_match_reads_the_first_sheet_without_a_note() -> None:
    index, notes = choose_part(["A", "B"], None, ["id"], lambda i: 0, "b.xlsx")

    assert (index, notes) == (0, [])


def test_name_matching_falls_back_to_case_and_width_insensitive() -> None:
    assert choose_part(["Data", "ＤＡＴＡ２"], "data２", (), lambda i: 0, "b.xlsx")[0] == 1


def test_boolean_is_not_an_index() -> None:
    with pytest.raises(InputFileError, match="must be a name or a 0-based index"):
        choose_part(["A"], True, (), lambda i: 0, "b.xlsx")
