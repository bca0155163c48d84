"""read_file(): the bytes decide the format; mismatches are read with a warning or refused."""

from __future__ import annotations

import gzip
import sqlite3
from pathlib import Path

import pytest
from data_factories import minimal_pdf, write_text, write_xls, write_xlsx, write_zip

from reportgen.errors import InputFileError
from reportgen.io import read_file


def test_csv_text_named_xlsx_is_read_as_csv_with_a_warning(tmp_path: Path) -> None:
    path = write_text(tmp_path / "sales.xlsx", "订单号,金额\n0001,12.50\n", "gbk")

    table = read_file(path)

    assert table.real_format == "csv"
    assert table.encoding == "gb18030"
    assert table.warnings[0] == (
        f"{path} is not an Excel workbook but CSV text (GB18030); read as CSV"
    )
    assert table.data.to_pylist() == [{"订单号": "0001", "金额": "12.50", "_row": 2}]


def test_declared_format_overrides_the_extension_in_the_warning(tmp_path: Path) -> None:
    path = write_text(tmp_path / "data.dat", "a\n1\n")

    table = read_file(path, format="xls")

    assert table.real_format == "csv"
    assert table.warnings[0] == (
        f"{path} is not an Excel 97-2003 workbook but CSV text (UTF-8); read as CSV"
    )


def test_matching_format_gives_no_warning(tmp_path: Path) -> None:
    path = write_text(tmp_path / "data.csv", "a\n1\n")

    assert read_file(path, format="csv").warnings == ()
    assert read_file(path, format="TSV").warnings == ()


def test_unknown_extension_gives_no_mismatch_warning(tmp_path: Path) -> None:
    path = write_text(tmp_path / "export.dat", "a\n1\n")

    assert read_file(path).warnings == ()


def test_html_saved_as_xls_is_read_as_html(tmp_path: Path) -> None:
    path = write_text(
        tmp_path / "tickets.xls",
        "<html><body><table><tr><th>id</th><th>状态</th></tr>"
        "<tr><td>007</td><td>已解决</td></tr></table></body></html>",
    )

    table = read_file(path)

    assert table.real_format == "html"
    assert table.warnings[0] == (
        f"{path} is not an Excel 97-2003 workbook but an HTML table; read as HTML"
    )
    assert table.data.to_pylist() == [{"id": "007", "状态": "已解决", "_row": 2}]


def test_xlsx_named_xls_is_read_as_xlsx(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "book.xls", {"Data": [["id"], ["a"]]})

    table = read_file(path)

    assert table.real_format == "xlsx"
    assert table.warnings[0] == (
        f"{path} is not an Excel 97-2003 workbook but an Excel .xlsx workbook; read as XLSX"
    )


def test_real_xls_named_xlsx_is_read_as_xls(tmp_path: Path) -> None:
    path = write_xls(tmp_path / "legacy.xlsx", {"Data": [["id"], ["a"]]})

    table = read_file(path)

    assert table.real_format == "xls"
    assert table.warnings[0] == (
        f"{path} is not an Excel workbook but a legacy Excel 97-2003 workbook (.xls); read as XLS"
    )


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")

    with pytest.raises(InputFileError, match=r"empty\.csv is empty \(0 bytes\)"):
        read_file(path)


def test_pdf_is_refused_saying_it_is_a_pdf(tmp_path: Path) -> None:
    path = tmp_path / "survey.xlsx"
    path.write_bytes(minimal_pdf())

    with pytest.raises(InputFileError) as excinfo:
        read_file(path)

    assert str(excinfo.value).startswith(f"{path} is a PDF document, not a table")


def test_unknown_binary_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(bytes(range(256)) * 10)

    with pytest.raises(InputFileError, match=r"x\.csv is binary data"):
        read_file(path)


def test_gzip_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(gzip.compress(b"a\n1\n"))

    with pytest.raises(InputFileError, match="gzip-compressed file"):
        read_file(path)


def test_zip_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "orders.xlsx", {"orders.csv": b"id\n1\n"})

    with pytest.raises(InputFileError) as excinfo:
        read_file(path)

    message = str(excinfo.value)
    assert str(path) in message
    assert "ZIP archive, not an Excel workbook (contains: orders.csv)" in message


def test_spreadsheetml_is_refused_with_advice(tmp_path: Path) -> None:
    path = write_text(
        tmp_path / "r.xls",
        '<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>',
    )

    with pytest.raises(InputFileError, match="Excel 2003 XML spreadsheet"):
        read_file(path)


def test_database_file_points_to_read_sql(tmp_path: Path) -> None:
    path = tmp_path / "crm.csv"
    sqlite3.connect(path).execute("CREATE TABLE t (a)").connection.close()

    with pytest.raises(InputFileError, match="is an SQLite database.*read it as a SQL source"):
        read_file(path)


def test_unknown_format_name(tmp_path: Path) -> None:
    path = write_text(tmp_path / "a.csv", "a\n1\n")

    with pytest.raises(InputFileError, match="unknown format 'ods'"):
        read_file(path, format="ods")


def test_ignored_options_are_reported(tmp_path: Path) -> None:
    path = write_text(tmp_path / "a.csv", "a\n1\n")

    table = read_file(path, sheet="Data")

    assert table.warnings == (f"{path}: sheet='Data' ignored (CSV has no sheets)",)


def test_path_may_be_a_string(tmp_path: Path) -> None:
    path = write_text(tmp_path / "a.csv", "a\n1\n")

    table = read_file(str(path))

    assert table.source == str(path)
    assert table.data.column("a").to_pylist() == ["1"]


def test_explicit_csv_format_wins_over_html_looking_text(tmp_path: Path) -> None:
    path = write_text(tmp_path / "snippets.csv", "<b>title</b>,<table> markup\n1,2\n")

    with pytest.raises(InputFileError, match="no header row"):
        read_file(path)  # judged from the content: an HTML fragment with an empty table
    table = read_file(path, format="csv")

    assert table.real_format == "csv"
    assert table.columns == ("<b>title</b>", "<table> markup")
