"""Excel .xlsx: values as text, sheets, headers, stray cells, limits."""

from __future__ import annotations

import datetime as dt
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from data_factories import write_excel_style_xlsx, write_xlsx

from reportgen.errors import InputFileError
from reportgen.io import ReadLimits, RowIssue, read_file


def test_cell_values_become_exact_text(tmp_path: Path) -> None:
    rows = [
        ["id", "int", "float", "whole_float", "date", "datetime", "time", "flag", "empty", "text"],
        [
            "007",
            123,
            0.1,
            123.0,
            dt.date(2025, 3, 5),
            dt.datetime(2025, 3, 5, 10, 20),
            dt.time(10, 20),
            True,
            None,
            "NA",
        ],
        [
            "008",
            -5,
            1e-05,
            2.5e15,
            dt.datetime(2025, 3, 5),
            dt.datetime(2025, 3, 5, 0, 0, 1),
            dt.time(0, 0, 30),
            False,
            None,
            "null",
        ],
    ]
    path = write_xlsx(tmp_path / "values.xlsx", {"Data": rows})

    table = read_file(path)

    assert table.real_format == "xlsx"
    assert table.sheet == "Data"
    assert table.excel_epoch == 1900
    assert table.encoding is None
    assert table.data.to_pylist() == [
        {
            "id": "007", "int": "123", "float": "0.1", "whole_float": "123",
            "date": "2025-03-05", "datetime": "2025-03-05T10:20:00", "time": "10:20:00",
            "flag": "TRUE", "empty": None, "text": "NA", "_row": 2,
        },
        {
            "id": "008", "int": "-5", "float": "1e-05", "whole_float": "2500000000000000",
            "date": "2025-03-05", "datetime": "2025-03-05T00:00:01", "time": "00:00:30",
            "flag": "FALSE", "empty": None, "text": "null", "_row": 3,
        },
    ]  # fmt: skip


def test_formula_text_never_leaks_as_a_value(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "f.xlsx", {"Data": [["a", "b"], [1, "=A2+1"]]})

    table = read_file(path)

    assert table.data.to_pylist() == [{"a": "1", "b": None, "_row": 2}]
    # openpyxl stores the formula without its value: read as empty, and said so
    assert table.warnings == (
        f"{path} [sheet 'Data']: 1 formula cell(s) without a saved value (B2) were read "
        "as empty; open the file in Excel and save it to store their values",
    )


def test_cached_formula_values_are_read(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "f.xlsx", {"Data": [["a", "b"], [1, 2]]})
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    members["xl/worksheets/sheet1.xml"] = sheet.replace(
        '<c r="B2" t="n"><v>2</v></c>', '<c r="B2"><f>A2+1</f><v>2</v></c>'
    ).encode()
    assert "<f>A2+1</f>" in members["xl/worksheets/sheet1.xml"].decode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)

    table = read_file(path)

    assert table.data.column("b").to_pylist() == ["2"] and table.warnings == ()


def test_1904_date_system_is_reported_and_dates_are_right(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "mac.xlsx",
        {"Data": [["when"], [dt.date(2025, 3, 5)]]},
        epoch_1904=True,
    )
    workbook = openpyxl.load_workbook(path)
    assert workbook.epoch.year == 1904  # the file really uses the 1904 system
    workbook.close()

    table = read_file(path)

    assert table.excel_epoch == 1904
    assert table.data.column("when").to_pylist() == ["2025-03-05"]


def test_stray_cell_at_xfd1048576_is_cheap_and_rejected(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "stray.xlsx",
        {"Data": [["id", "score"], ["a", 9], ["b", 8]]},
        cells={"Data": {"XFD1048576": "oops"}},
    )
    with zipfile.ZipFile(path) as archive:
        assert b'<dimension ref="A1:XFD1048576"' in archive.read("xl/worksheets/sheet1.xml")

    tracemalloc.start()
    try:
        table = read_file(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 20 * 1024 * 1024
    assert table.columns == ("id", "score")
    assert table.data.to_pylist() == [
        {"id": "a", "score": "9", "_row": 2},
        {"id": "b", "score": "8", "_row": 3},
    ]
    assert table.rejected == (
        RowIssue(row=1048576, column=None, value="XFD1048576=oops", reason="ragged_row_long"),
    )
    assert table.rows_read == 3
    assert table.blank_rows == 1048576 - 3 - 1


def test_rows_beyond_excel_limit_are_refused(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "stray.xlsx", {"Data": [["id"], ["a"]]}, cells={"Data": {"A5000": "x"}}
    )

    with pytest.raises(InputFileError, match="row numbered 5000, beyond Excel's limit of 1000"):
        read_file(path, limits=ReadLimits(max_excel_rows=1000))


def test_value_beyond_header_width_is_ragged_long(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "wide.xlsx",
        {"Data": [["id", "score"], ["a", 1], ["b", 2, None, "extra"]]},
    )

    table = read_file(path)

    assert table.data.column("id").to_pylist() == ["a"]
    assert table.rejected == (RowIssue(3, None, "D3=extra", "ragged_row_long"),)


def test_blank_rows_inside_the_data_are_counted(tmp_path: Path) -> None:
    rows = [["id"], ["a"], [None], [], ["b"], [None]]
    path = write_xlsx(tmp_path / "blank.xlsx", {"Data": rows}, cells={"Data": {"A9": "c"}})

    table = read_file(path)

    assert table.data.to_pylist() == [
        {"id": "a", "_row": 2},
        {"id": "b", "_row": 5},
        {"id": "c", "_row": 9},
    ]
    assert table.blank_rows == 5  # rows 3, 4, 6, 7, 8
    assert table.rows_read == 3


def test_notes_sheet_in_front_is_skipped_with_a_warning(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "book.xlsx",
        {
            "说明": [["本表为客户满意度调研数据"], ["分数范围 0-10"]],
            "Data": [["respondent_id", "nps"], ["r1", 9]],
        },
    )

    table = read_file(path, expected_columns=["respondent_id", "nps"])

    assert table.sheet == "Data"
    assert table.data.to_pylist() == [{"respondent_id": "r1", "nps": "9", "_row": 2}]
    assert table.warnings[0] == (
        f"{path}: read sheet 'Data', the first with the expected columns (skipped '说明')"
    )


def test_without_expected_columns_the_first_sheet_is_read(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "b.xlsx", {"A": [["x"], [1]], "B": [["y"], [2]]})

    assert read_file(path).sheet == "A"


def test_sheet_by_name_and_by_index(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "b.xlsx", {"A": [["x"], [1]], "B": [["y"], [2]]})

    assert read_file(path, sheet="B").columns == ("y",)
    assert read_file(path, sheet=1).columns == ("y",)
    assert read_file(path, sheet=0).columns == ("x",)


def test_unknown_sheet_name_lists_the_sheets(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "b.xlsx", {"Notes": [["x"]], "Data": [["y"]]})

    with pytest.raises(InputFileError) as excinfo:
        read_file(path, sheet="Responses")

    assert str(excinfo.value) == (
        f"{path} has no sheet named 'Responses'; its sheets are 'Notes', 'Data'"
    )


def test_sheet_index_out_of_range(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "b.xlsx", {"Only": [["x"]]})

    with pytest.raises(InputFileError, match="has no sheet at index 3 .* 1: 'Only'"):
        read_file(path, sheet=3)


def test_title_rows_and_merged_header_above_the_real_header(tmp_path: Path) -> None:
    path = tmp_path / "merged.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    sheet["A1"] = "2025 Q1 customer survey"
    sheet["B3"] = "Scores"
    sheet.merge_cells("B3:C3")
    sheet.append(["id", "nps", "csat"])
    sheet.append(["r1", 9, 4])
    workbook.save(path)

    table = read_file(path, expected_columns=["id", "nps", "csat"])

    assert table.header_row == 4
    assert table.columns == ("id", "nps", "csat")
    assert table.data.to_pylist() == [{"id": "r1", "nps": "9", "csat": "4", "_row": 5}]
    assert (
        f"{path} [sheet 'Data']: used row 4 as the header; skipped 2 non-blank row(s) above it"
        in (table.warnings)
    )


def test_header_row_given(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "h.xlsx", {"Data": [["title"], ["id", "v"], ["1", "2"]]})

    table = read_file(path, header_row=2)

    assert table.header_row == 2
    assert table.data.to_pylist() == [{"id": "1", "v": "2", "_row": 3}]


def test_duplicate_columns_and_repeated_header(tmp_path: Path) -> None:
    rows = [["id", "score", "score"], ["a", 1, 2], ["id", "score", "score"], ["b", 3, 4]]
    path = write_xlsx(tmp_path / "d.xlsx", {"Data": rows})

    table = read_file(path)

    assert table.columns == ("id", "score", "score (2)")
    assert table.duplicate_columns == ("score",)
    assert table.data.column("score (2)").to_pylist() == ["2", "4"]
    assert table.rejected == (RowIssue(3, None, "id | score | score", "repeated_header"),)


def test_header_only_sheet(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "h.xlsx", {"Data": [["id", "score"]]})

    table = read_file(path)

    assert table.data.num_rows == 0
    assert table.rows_read == 0
    assert f"{path} [sheet 'Data'] has a header row (row 1) but no data rows" in table.warnings


def test_empty_sheet_is_an_input_error(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "e.xlsx", {"Data": []})

    with pytest.raises(InputFileError, match=r"\[sheet 'Data'\] has no header row"):
        read_file(path)


def test_wide_header_over_the_column_limit(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "w.xlsx", {"Data": [["a", "b", "c"]]})

    with pytest.raises(InputFileError, match="has 3 columns, more than the limit of 2"):
        read_file(path, limits=ReadLimits(max_columns=2))


def test_excel_style_workbook_with_shared_strings(tmp_path: Path) -> None:
    rows = [
        ["id", "门店", "score"],
        ["007", "北京 & 上海", 9],
        ["008", "007", 7.5],
        ["009", None, 1e-3],
    ]
    path = write_excel_style_xlsx(tmp_path / "excel.xlsx", rows)

    table = read_file(path)

    assert table.data.to_pylist() == [
        {"id": "007", "门店": "北京 & 上海", "score": "9", "_row": 2},
        {"id": "008", "门店": "007", "score": "7.5", "_row": 3},
        {"id": "009", "门店": None, "score": "0.001", "_row": 4},
    ]


def test_mixed_types_in_one_column_all_become_text(tmp_path: Path) -> None:
    rows = [["score"], [7], ["N/A"], ["007"], [3.5], [dt.date(2025, 1, 2)], [True]]
    path = write_xlsx(tmp_path / "mixed.xlsx", {"Data": rows})

    table = read_file(path)

    assert table.data.column("score").to_pylist() == [
        "7",
        "N/A",
        "007",
        "3.5",
        "2025-01-02",
        "TRUE",
    ]


def test_inline_strings_read_as_openpyxl_reads_them(tmp_path: Path) -> None:
    """Inline strings (t="inlineStr", what many exporters write): plain text, rich-text
    runs joined, phonetic runs (ruby) left out, spaces kept, an empty string empty — the
    same text openpyxl's own reader gives, on a sheet without a <dimension> element."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

    def inline(ref: str, body: str) -> str:
        return f'<c r="{ref}" t="inlineStr"><is>{body}</is></c>'

    rows = [
        ("A1", "<t>id</t>", "B1", "<t>name</t>"),
        ("A2", "<t>c1</t>", "B2", "<r><t>非常</t></r><r><rPr><b/></rPr><t>满意</t></r>"),
        (
            "A3",
            "<t>c2</t>",
            "B3",
            '<t xml:space="preserve">  张 三 </t><rPh sb="0" eb="1"><t>ちょう</t></rPh>',
        ),
        ("A4", "<t>c3</t>", "B4", "<t/>"),
        ("A5", "<t>c4</t>", "B5", "<t>x</t><r><t>y</t></r>"),
    ]
    xml = "".join(f'<row r="{a[1:]}">{inline(a, va)}{inline(b, vb)}</row>' for a, va, b, vb in rows)
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{ns}">'
        f"<sheetData>{xml}</sheetData></worksheet>"
    ).encode()
    path = write_excel_style_xlsx(tmp_path / "inline.xlsx", [], sheet_xml=sheet)
    ours = read_file(path).data.to_pylist()
    theirs = list(openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    want = [("c1", "非常满意"), ("c2", "  张 三 "), ("c3", ""), ("c4", "xy")]
    assert [tuple(v) for v in theirs[1:]] == want
    # an empty text is a missing value here
    assert [(r["id"], r["name"]) for r in ours] == [(i, v or None) for i, v in want]


def test_a_hidden_sheet_gives_way_to_the_visible_one(tmp_path: Path) -> None:
    # a hidden copy of last quarter's data in front of this quarter's, same header
    book = openpyxl.Workbook()
    old = book.active
    old.title = "上季度"
    old.append(["response_id", "csat"])
    old.append(["old1", 1])
    old.sheet_state = "hidden"
    new = book.create_sheet("本季度")
    for row in (["response_id", "csat"], ["r1", 5], ["r2", 4]):
        new.append(row)
    book.active = 1
    book.save(tmp_path / "book.xlsx")

    table = read_file(tmp_path / "book.xlsx", expected_columns=["response_id", "csat"])
    assert table.sheet == "本季度" and table.rows_read == 2
    # the hidden copy is named, so that reading the visible one is no surprise
    (warning,) = table.warnings
    assert "sheets '上季度' also hold the expected columns; read '本季度'" in warning
    # only the hidden sheet has the columns: it is read, and the user is told
    book["本季度"]["B1"] = "score"
    book.save(tmp_path / "book.xlsx")
    table = read_file(tmp_path / "book.xlsx", expected_columns=["response_id", "csat"])
    assert table.sheet == "上季度"
    path = tmp_path / "book.xlsx"
    assert table.warnings[-1] == f"{path}: sheet '上季度' is hidden in the workbook"


def test_numbers_formatted_with_leading_zeros_read_as_shown(tmp_path: Path) -> None:
    # A CRM keeps customer ids as numbers shown as 000123 (number format 000000): read
    # as shown, so that they match the same ids written as text elsewhere. Other
    # formats, and values the format does not pad, are read as before.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["customer_id", "postcode", "amount", "plain", "label"])
    rows = [
        [123, 1010, 12.5, 123, "7"],
        [123456789, 5.0, 3.0, 7, "x"],
        [-42, 0, 1.25, 0, "y"],
    ]
    for row in rows:
        ws.append(row)
    for r in range(2, 5):
        ws.cell(r, 1).number_format = "000000"
        ws.cell(r, 2).number_format = '"00000"'
        ws.cell(r, 3).number_format = "0.00"  # decimals: the value is read, not its look
        ws.cell(r, 5).number_format = "000000"  # text is never padded
    path = tmp_path / "crm.xlsx"
    wb.save(path)

    table = read_file(path)

    assert [(r["customer_id"], r["postcode"], r["amount"], r["plain"], r["label"])
            for r in table.data.to_pylist()] == [
        ("000123", "01010", "12.5", "123", "7"),
        ("123456789", "00005", "3", "7", "x"),
        ("-000042", "00000", "1.25", "0", "y"),
    ]  # fmt: skip


def test_numbers_beyond_excel_precision_are_shown_as_excel_does_and_warned(tmp_path: Path) -> None:
    # 18-digit order ids stored as numbers: Excel keeps 15 significant digits, so the
    # three distinct ids are one number in the file; the reader says so
    rows = [["order_id", "amount"], [202507010000000001, 1], [202507010000000002, 2],
            [12345678901234567890, 3], [123456789012345, 4]]  # fmt: skip
    path = write_xlsx(tmp_path / "ids.xlsx", {"Data": [[float(v) for v in r] if i else r
                                                       for i, r in enumerate(rows)]})  # fmt: skip
    table = read_file(path)
    assert table.data.column("order_id").to_pylist() == [
        "202507010000000000",
        "202507010000000000",
        "12345678901234600000",  # as Excel shows it, not the float's ...567168
        "123456789012345",  # 15 digits: exact
    ]
    (warning,) = table.warnings
    assert "3 number(s) of 16 or more digits (first: row 2, read as 202507010000000000)" in warning
    assert "export long identifiers as text" in warning


def test_a_label_merged_over_a_two_row_header_names_its_column(tmp_path: Path) -> None:
    # "客户编号" merged over rows 3-4, with header_row 4 (the row of the sub-labels): the
    # label sat in A3 only and the column was "column_1"
    path = tmp_path / "two_rows.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"] = "CRM export"
    sheet["A3"], sheet["B3"] = "客户编号", "日期"
    sheet.merge_cells("A3:A4")
    sheet.merge_cells("B3:C3")
    sheet["B4"], sheet["C4"] = "注册日期", "流失日期"
    sheet.append(["000220", "2024-01-05", None])
    sheet["A6"] = "A6 below the merge stays as written"
    workbook.save(path)

    table = read_file(path, header_row=4)

    assert table.columns == ("客户编号", "注册日期", "流失日期")
    rows = table.data.to_pylist()
    assert rows[0]["客户编号"] == "000220" and rows[0]["注册日期"] == "2024-01-05"
    assert rows[1]["客户编号"] == "A6 below the merge stays as written"
