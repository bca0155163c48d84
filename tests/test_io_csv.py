"""Delimited text: exact values, row numbers, ragged/repeated/blank rows, delimiters."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from data_factories import write_text

from reportgen.errors import InputFileError
from reportgen.io import ReadLimits, RowIssue, read_file


def _rows(table) -> list[dict]:
    return table.data.to_pylist()


def test_values_are_exact_text_and_empty_cells_are_null(tmp_path: Path) -> None:
    path = write_text(
        tmp_path / "ids.csv",
        "id,phone,note,score\n007,013812345678,NA,\n008,,None,10\n009, ,null,8.50\n",
    )

    table = read_file(path)

    assert table.real_format == "csv"
    assert table.data.schema.field("id").type == pa.string()
    assert table.data.schema.field("_row").type == pa.int64()
    assert _rows(table) == [
        {"id": "007", "phone": "013812345678", "note": "NA", "score": None, "_row": 2},
        {"id": "008", "phone": None, "note": "None", "score": "10", "_row": 3},
        {"id": "009", "phone": " ", "note": "null", "score": "8.50", "_row": 4},
    ]
    assert table.rows_read == 3
    assert table.rejected == ()


def test_header_cells_are_stripped(tmp_path: Path) -> None:
    path = write_text(tmp_path / "h.csv", " id , score \n1,2\n")

    assert read_file(path).columns == ("id", "score")


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    lines = [["id", "comment", "score"], ["1", "ok", "9"], ["2", "fine", "7"]]
    text = "".join(delimiter.join(line) + "\n" for line in lines)
    path = write_text(tmp_path / "d.txt", text)

    table = read_file(path)

    assert table.columns == ("id", "comment", "score")
    assert table.data.column("comment").to_pylist() == ["ok", "fine"]


def test_semicolon_file_with_decimal_commas_is_not_split_on_commas(tmp_path: Path) -> None:
    text = "id;score;weight\n1;8,5;0,25\n2;9;1,5\n3;7,0;2\n"
    path = write_text(tmp_path / "eu.csv", text)

    table = read_file(path)

    assert table.columns == ("id", "score", "weight")
    assert table.data.column("score").to_pylist() == ["8,5", "9", "7,0"]


def test_explicit_delimiter_wins(tmp_path: Path) -> None:
    path = write_text(tmp_path / "x.csv", "a|b,c\n1|2,3\n")

    table = read_file(path, delimiter="|")

    assert table.columns == ("a", "b,c")
    assert _rows(table) == [{"a": "1", "b,c": "2,3", "_row": 2}]


def test_multiline_quoted_field_keeps_physical_line_numbers(tmp_path: Path) -> None:
    text = 'id,comment\r\n1,"line one\r\nline two\r\nline three"\r\n2,"said ""hi"""\r\n3,x\r\n'
    path = write_text(tmp_path / "ml.csv", text)

    table = read_file(path)

    assert _rows(table) == [
        {"id": "1", "comment": "line one\r\nline two\r\nline three", "_row": 2},
        {"id": "2", "comment": 'said "hi"', "_row": 5},
        {"id": "3", "comment": "x", "_row": 6},
    ]


def test_ragged_rows_are_rejected_not_loaded(tmp_path: Path) -> None:
    text = "id,name,score\n1,Ann,9\n2,Bob\n3,Cy,8,extra\n4,Di,7,,\n5,Ed,6\n"
    path = write_text(tmp_path / "ragged.csv", text)

    table = read_file(path)

    assert table.data.column("id").to_pylist() == ["1", "4", "5"]
    assert table.data.column("_row").to_pylist() == [2, 5, 6]
    assert table.rejected == (
        RowIssue(row=3, column=None, value="2,Bob", reason="ragged_row_short"),
        RowIssue(row=4, column=None, value="3,Cy,8,extra", reason="ragged_row_long"),
    )
    assert table.rows_read == 5 == table.data.num_rows + len(table.rejected)
    assert any("2 row(s) rejected" in w for w in table.warnings)


def test_ragged_value_is_truncated_to_the_limit(tmp_path: Path) -> None:
    long_name = "x" * 500
    path = write_text(tmp_path / "long.csv", f"id,name\n1,{long_name},extra\n")

    table = read_file(path, limits=ReadLimits(max_issue_value_chars=20))

    (issue,) = table.rejected
    assert issue.reason == "ragged_row_long"
    assert issue.value == ("1," + long_name)[:20]


def test_ragged_value_is_requoted(tmp_path: Path) -> None:
    path = write_text(tmp_path / "q.csv", 'id,comment\n1,"a, b","c\nd",e\n')

    (issue,) = read_file(path).rejected

    assert issue == RowIssue(2, None, '1,"a, b","c\nd",e', "ragged_row_long")


def test_repeated_header_rows_are_rejected(tmp_path: Path) -> None:
    text = "id,score\n1,9\nid,score\n2,8\n id , score \n"
    path = write_text(tmp_path / "rep.csv", text)

    table = read_file(path)

    assert table.data.column("id").to_pylist() == ["1", "2"]
    assert [(i.row, i.reason, i.value) for i in table.rejected] == [
        (3, "repeated_header", "id,score"),
        (5, "repeated_header", " id , score "),
    ]
    assert table.rows_read == 4


def test_blank_lines_between_records_are_counted_not_loaded(tmp_path: Path) -> None:
    text = "\n\nid,score\n1,9\n\n,\n  ,  \n2,8\n\n\n"
    path = write_text(tmp_path / "blank.csv", text)

    table = read_file(path)

    assert table.header_row == 3
    assert _rows(table) == [
        {"id": "1", "score": "9", "_row": 4},
        {"id": "2", "score": "8", "_row": 8},
    ]
    assert table.blank_rows == 3  # lines 5-7; blank lines before the header or at the end are not
    assert table.rows_read == 2


def test_header_only_file_gives_zero_rows_and_a_warning(tmp_path: Path) -> None:
    path = write_text(tmp_path / "head.csv", "id,score\n")

    table = read_file(path)

    assert table.columns == ("id", "score")
    assert table.data.num_rows == 0
    assert table.data.column_names == ["id", "score", "_row"]
    assert table.rows_read == 0
    assert f"{path} has a header row (row 1) but no data rows" in table.warnings


def test_file_of_blank_lines_has_no_header(tmp_path: Path) -> None:
    path = write_text(tmp_path / "blank.csv", "\n\n  \n")

    with pytest.raises(InputFileError, match="has no header row"):
        read_file(path)


def test_malformed_quote_is_rejected_and_reading_continues(tmp_path: Path) -> None:
    text = 'id,comment\n1,"ok"\n2,"bad"tail\n3,fine\n'
    path = write_text(tmp_path / "mq.csv", text)

    table = read_file(path)

    assert table.data.column("id").to_pylist() == ["1", "3"]
    assert table.rejected == (RowIssue(3, None, '2,"bad"tail', "malformed_quotes"),)
    assert table.rows_read == 3


def test_unclosed_quote_is_rejected_with_a_warning(tmp_path: Path) -> None:
    text = 'id,comment\n1,ok\n2,"never closed\n3,swallowed\n4,too\n'
    path = write_text(tmp_path / "uq.csv", text)

    table = read_file(path)

    assert table.data.column("id").to_pylist() == ["1"]
    assert [(i.row, i.reason) for i in table.rejected] == [(3, "unclosed_quote")]
    # the value quoted is the record's own line 3, not the file's last line
    assert table.rejected[0].value == '2,"never closed'
    assert any("never closed; lines 3-5 were rejected as one record" in w for w in table.warnings)


def test_header_row_given_is_used(tmp_path: Path) -> None:
    text = "Report,2025-03\nid,score\n1,9\n"
    path = write_text(tmp_path / "t.csv", text)

    table = read_file(path, header_row=2)

    assert table.header_row == 2
    assert table.columns == ("id", "score")
    assert _rows(table) == [{"id": "1", "score": "9", "_row": 3}]


def test_header_row_on_a_blank_line_is_an_error(tmp_path: Path) -> None:
    path = write_text(tmp_path / "t.csv", "a,b\n\n1,2\n")

    with pytest.raises(InputFileError, match="row 2 cannot be the header"):
        read_file(path, header_row=2)


def test_header_row_past_the_end_is_an_error(tmp_path: Path) -> None:
    path = write_text(tmp_path / "t.csv", "a,b\n1,2\n")

    with pytest.raises(InputFileError, match="header_row=9 is past the end"):
        read_file(path, header_row=9)


def test_expected_columns_skip_title_and_notes_lines(tmp_path: Path) -> None:
    text = (
        "满意度调研导出\n"
        "导出时间,2025-03-05 10:00\n"
        "说明：分数 0-10\n"
        "\n"
        "respondent_id,nps,comment\n"
        "r1,9,great\n"
    )
    path = write_text(tmp_path / "titled.csv", text)

    table = read_file(path, expected_columns=["respondent_id", "NPS"])

    assert table.header_row == 5
    assert table.columns == ("respondent_id", "nps", "comment")
    assert _rows(table) == [{"respondent_id": "r1", "nps": "9", "comment": "great", "_row": 6}]
    assert f"{path}: used row 5 as the header; skipped 3 non-blank row(s) above it" in (
        table.warnings
    )


def test_expected_columns_prefers_the_row_with_most_matches(tmp_path: Path) -> None:
    text = "id,note\nid,nps,date\n1,9,2025-01-01\n"
    path = write_text(tmp_path / "two.csv", text)

    table = read_file(path, expected_columns=["id", "nps", "date"])

    assert table.header_row == 2


def test_expected_columns_not_found_falls_back_to_first_row_with_warning(tmp_path: Path) -> None:
    path = write_text(tmp_path / "nf.csv", "a,b\n1,2\n")

    table = read_file(path, expected_columns=["nps"])

    assert table.header_row == 1
    assert any("none of the expected columns ('nps')" in w for w in table.warnings)


def test_duplicate_and_empty_header_names(tmp_path: Path) -> None:
    path = write_text(tmp_path / "dup.csv", "score,Score,,score\n1,2,3,4\n")

    table = read_file(path)

    assert table.columns == ("score", "Score (2)", "column_3", "score (3)")
    assert table.duplicate_columns == ("score", "Score")
    assert _rows(table) == [
        {"score": "1", "Score (2)": "2", "column_3": "3", "score (3)": "4", "_row": 2}
    ]


def test_max_rows_limit_raises_instead_of_truncating(tmp_path: Path) -> None:
    path = write_text(tmp_path / "many.csv", "a\n" + "x\n" * 11)

    with pytest.raises(InputFileError, match="more than 10 data rows"):
        read_file(path, limits=ReadLimits(max_rows=10))


def test_max_columns_limit(tmp_path: Path) -> None:
    path = write_text(tmp_path / "wide.csv", "a,b,c\n1,2,3\n")

    with pytest.raises(InputFileError, match="has 3 columns, more than the limit of 2"):
        read_file(path, limits=ReadLimits(max_columns=2))


def test_field_over_the_csv_field_limit_is_an_input_error(tmp_path: Path) -> None:
    path = write_text(tmp_path / "huge.csv", 'a,b\n1,"' + "x" * 200_000 + '"\n')

    with pytest.raises(InputFileError, match="line 2 has a field longer than"):
        read_file(path)


def test_many_batches_keep_order_and_row_numbers(tmp_path: Path) -> None:
    lines = "".join(f"{i},{'' if i % 3 else 'v'}\n" for i in range(1, 1001))
    path = write_text(tmp_path / "batches.csv", "n,v\n" + lines)

    table = read_file(path, limits=ReadLimits(batch_rows=64))

    assert table.data.column("n").to_pylist() == [str(i) for i in range(1, 1001)]
    assert table.data.column("_row").to_pylist() == list(range(2, 1002))
    assert table.data.column("v").to_pylist() == [None if i % 3 else "v" for i in range(1, 1001)]


def test_excel_sep_directive_sets_the_delimiter_and_is_not_a_row(tmp_path: Path) -> None:
    path = write_text(tmp_path / "excel.csv", "sep=;\r\nid;amount\r\n1;2,5\r\n")

    table = read_file(path)

    assert table.header_row == 2
    assert table.columns == ("id", "amount")
    assert _rows(table) == [{"id": "1", "amount": "2,5", "_row": 3}]


def test_a_stray_nul_byte_does_not_make_a_csv_binary(tmp_path: Path) -> None:
    path = tmp_path / "nul.csv"
    path.write_bytes(
        b"id,name\n" + b"".join(b"%d,name%d\n" % (i, i) for i in range(50)) + b"99,a\x00b\n"
    )

    table = read_file(path)

    assert table.data.column("name").to_pylist()[-1] == "a\x00b"
