"""Header names: stripping, unnamed cells, case-insensitive duplicates, the reserved _row."""

from __future__ import annotations

from pathlib import Path

from data_factories import write_text

from reportgen.io import read_file
from reportgen.io.header import best_header_index, make_column_names, match_count


def test_names_are_stripped_and_kept_in_order() -> None:
    names = make_column_names([" id ", "评分\n", "Comment"], "f.csv")

    assert names.names == ("id", "评分", "Comment")
    assert names.duplicates == ()
    assert names.notes == ()


def test_duplicates_are_numbered_case_insensitively() -> None:
    names = make_column_names(["NPS", "nps", "NPS", "nps (2)"], "f.csv")

    assert names.names == ("NPS", "nps (2)", "NPS (3)", "nps (2) (2)")
    assert names.duplicates == ("NPS", "nps")
    assert "f.csv: duplicate column names 'NPS', 'nps'" in names.notes


def test_empty_header_cells_get_positional_names() -> None:
    names = make_column_names(["id", None, "  ", "column_2"], "f.csv")

    assert names.names == ("id", "column_2", "column_3", "column_2 (2)")
    assert "f.csv: header cell 2 is empty; named it 'column_2'" in names.notes


def test_row_column_name_is_reserved() -> None:
    names = make_column_names(["_row", "_ROW", "x"], "f.csv")

    assert names.names == ("_row (2)", "_ROW (3)", "x")
    assert any("'_row' is reserved" in note for note in names.notes)


def test_a_source_column_named_row_does_not_clash(tmp_path: Path) -> None:
    path = write_text(tmp_path / "r.csv", "_row,v\n10,a\n")

    table = read_file(path)

    assert table.data.to_pylist() == [{"_row (2)": "10", "v": "a", "_row": 2}]


def test_match_count_normalises_width_and_case() -> None:
    assert match_count(["ＮＰＳ", " Date "], ["nps", "date", "store"]) == 2


def test_best_header_index_takes_the_first_best_row() -> None:
    rows = [["title"], ["id", "x"], ["id", "nps"], ["id", "nps"]]

    assert best_header_index(rows, ["id", "nps"]) == 2
    assert best_header_index(rows, ["nothing"]) is None
