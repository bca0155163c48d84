"""Legacy .xls (BIFF8) workbooks: same text conventions as .xlsx."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import xlwt
from data_factories import write_xls

from reportgen.errors import InputFileError
from reportgen.io import RowIssue, read_file
from reportgen.io.sniff import OLE2_MAGIC
from reportgen.io.xls_reader import xls_cell_text


def test_values_and_dates_as_text(tmp_path: Path) -> None:
    rows = [
        ["id", "int", "float", "date", "datetime", "flag", "empty", "text"],
        ["007", 123, 0.1, dt.date(2025, 3, 5), dt.datetime(2025, 3, 5, 10, 20), True, None, "NA"],
        [
            "008",
            2.0,
            -1.5,
            dt.date(1999, 12, 31),
            dt.datetime(2000, 1, 1, 0, 0, 1),
            False,
            None,
            "张三",
        ],
    ]
    path = write_xls(tmp_path / "legacy.xls", {"Data": rows})

    table = read_file(path)

    assert table.real_format == "xls"
    assert table.sheet == "Data"
    assert table.excel_epoch == 1900
    assert table.warnings == ()
    assert table.data.to_pylist() == [
        {"id": "007", "int": "123", "float": "0.1", "date": "2025-03-05",
         "datetime": "2025-03-05T10:20:00", "flag": "TRUE", "empty": None, "text": "NA",
         "_row": 2},
        {"id": "008", "int": "2", "float": "-1.5", "date": "1999-12-31",
         "datetime": "2000-01-01T00:00:01", "flag": "FALSE", "empty": None, "text": "张三",
         "_row": 3},
    ]  # fmt: skip


def test_1904_date_system(tmp_path: Path) -> None:
    path = write_xls(
        tmp_path / "mac.xls", {"Data": [["when"], [dt.date(2025, 3, 5)]]}, epoch_1904=True
    )

    table = read_file(path)

    assert table.excel_epoch == 1904
    assert table.data.column("when").to_pylist() == ["2025-03-05"]


def test_error_cells_keep_their_excel_text(tmp_path: Path) -> None:
    path = tmp_path / "err.xls"
    workbook = xlwt.Workbook()
    sheet = workbook.add_sheet("Data")
    sheet.write(0, 0, "v")
    sheet.row(1).set_cell_error(0, "#DIV/0!")
    sheet.row(2).set_cell_error(0, 0x2A)  # #N/A
    workbook.save(str(path))

    table = read_file(path)

    assert table.data.column("v").to_pylist() == ["#DIV/0!", "#N/A"]


def test_notes_sheet_is_skipped_and_ragged_rows_reported(tmp_path: Path) -> None:
    path = write_xls(
        tmp_path / "book.xls",
        {
            "说明": [["导出说明"], ["仅供内部使用"]],
            "Orders": [["order_id", "amount"], ["A01", 10], ["A02", 20, "stray"], [], ["A03", 5]],
        },
    )

    table = read_file(path, expected_columns=["order_id", "amount"])

    assert table.sheet == "Orders"
    assert table.warnings[0] == (
        f"{path}: read sheet 'Orders', the first with the expected columns (skipped '说明')"
    )
    assert table.data.to_pylist() == [
        {"order_id": "A01", "amount": "10", "_row": 2},
        {"order_id": "A03", "amount": "5", "_row": 5},
    ]
    assert table.rejected == (RowIssue(3, None, "C3=stray", "ragged_row_long"),)
    assert table.blank_rows == 1
    assert table.rows_read == 3


def test_sheet_by_name_and_unknown_name(tmp_path: Path) -> None:
    path = write_xls(tmp_path / "b.xls", {"A": [["x"], [1]], "B": [["y"], [2]]})

    assert read_file(path, sheet="B").columns == ("y",)
    with pytest.raises(InputFileError, match="has no sheet named 'C'; its sheets are 'A', 'B'"):
        read_file(path, sheet="C")


def test_corrupt_ole2_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.xls"
    path.write_bytes(OLE2_MAGIC + b"\x00" * 600)

    with pytest.raises(InputFileError) as excinfo:
        read_file(path)

    message = str(excinfo.value)
    assert str(path) in message
    assert "Excel 97-2003" in message


def test_truncated_xls(tmp_path: Path) -> None:
    good = write_xls(tmp_path / "good.xls", {"Data": [["id"]] + [[f"r{i}"] for i in range(500)]})
    path = tmp_path / "cut.xls"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])

    with pytest.raises(InputFileError, match=r"cut\.xls is .*Excel 97-2003"):
        read_file(path)


@pytest.mark.parametrize(
    ("ctype", "value", "datemode", "expected"),
    [
        (0, "", 0, None),
        (1, "", 0, None),
        (1, "007", 0, "007"),
        (2, 42.0, 0, "42"),
        (2, 0.25, 0, "0.25"),
        (3, 45721.0, 0, "2025-03-05"),
        (3, 44259.0, 1, "2025-03-05"),
        (3, 45721.4305555556, 0, "2025-03-05T10:20:00"),
        (3, 0.5, 0, "12:00:00"),
        (4, 1, 0, "TRUE"),
        (5, 0x07, 0, "#DIV/0!"),
        (6, "", 0, None),
    ],
)
def test_xls_cell_text(ctype: int, value: object, datemode: int, expected: str | None) -> None:
    assert xls_cell_text(ctype, value, datemode) == expected


def test_a_hidden_sheet_gives_way_to_the_visible_one(tmp_path: Path) -> None:
    import xlwt

    book = xlwt.Workbook()
    old = book.add_sheet("上季度")
    new = book.add_sheet("本季度")
    for sheet, rows in ((old, [["response_id", "csat"], ["old1", 1]]),
                        (new, [["response_id", "csat"], ["r1", 5], ["r2", 4]])):  # fmt: skip
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write(r, c, value)
    old.visibility = 1  # hidden
    new.set_selected(True)
    book.active_sheet = 1
    book.save(str(tmp_path / "book.xls"))

    table = read_file(tmp_path / "book.xls", expected_columns=["response_id", "csat"])
    assert table.sheet == "本季度" and table.rows_read == 2


def test_numbers_beyond_excel_precision_are_warned(tmp_path: Path) -> None:
    rows = [["order_id", "amount"], [202507010000000001.0, 1.0], [123.0, 2.0]]
    table = read_file(write_xls(tmp_path / "ids.xls", {"Data": rows}))
    assert table.data.column("order_id").to_pylist() == ["202507010000000000", "123"]
    (warning,) = table.warnings
    assert "1 number(s) of 16 or more digits (first: row 2" in warning


def test_a_zero_padding_number_format_is_read_as_shown(tmp_path: Path) -> None:
    # customer id 123 formatted 000000 shows as 000123, as in the .xlsx reader
    book = xlwt.Workbook()
    sheet = book.add_sheet("Data")
    padded = xlwt.easyxf(num_format_str="000000")
    for col, name in enumerate(["customer_id", "plain"]):
        sheet.write(0, col, name)
    sheet.write(1, 0, 123, padded)
    sheet.write(1, 1, 123)
    sheet.write(2, 0, "C9", padded)  # text keeps its text
    path = tmp_path / "ids.xls"
    book.save(str(path))
    table = read_file(path)
    assert table.data.column("customer_id").to_pylist() == ["000123", "C9"]
    assert table.data.column("plain").to_pylist() == ["123", None]
