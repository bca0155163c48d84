"""HTML tables (the "export to Excel" pages saved as .xls) read as text."""

from __future__ import annotations

from pathlib import Path

import pytest
from data_factories import write_text

from reportgen.errors import InputFileError
from reportgen.io import RowIssue, read_file

EXPORT = """<html xmlns:o="urn:schemas-microsoft-com:office:office">
<head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>
<body>
<table border="1">
  <thead><tr><th>工单号</th><th>客户
      名称</th><th>评分</th></tr></thead>
  <tbody>
    <tr><td>007</td><td>张三&nbsp;</td><td>9</td></tr>
    <tr><td>008</td><td>&nbsp;</td><td>NA</td></tr>
    <tr><td>009</td><td><b>A</b> &amp; <i>B</i></td><td></td></tr>
  </tbody>
</table>
</body></html>
"""


def test_gbk_html_saved_as_xls(tmp_path: Path) -> None:
    path = write_text(tmp_path / "tickets.xls", EXPORT, "gbk")

    table = read_file(path)

    assert table.real_format == "html"
    assert table.encoding == "gb18030"
    assert table.columns == ("工单号", "客户 名称", "评分")
    assert table.data.to_pylist() == [
        {"工单号": "007", "客户 名称": "张三", "评分": "9", "_row": 2},
        {"工单号": "008", "客户 名称": None, "评分": "NA", "_row": 3},
        {"工单号": "009", "客户 名称": "A & B", "评分": None, "_row": 4},
    ]
    assert table.warnings[0] == (
        f"{path} is not an Excel 97-2003 workbook but an HTML table; read as HTML"
    )


def test_utf8_html_with_an_xml_declaration(tmp_path: Path) -> None:
    text = '<?xml version="1.0" encoding="utf-8"?>\n<html><body><table>' + (
        "<tr><td>id</td></tr><tr><td>é</td></tr></table></body></html>"
    )
    path = write_text(tmp_path / "x.html", text)

    table = read_file(path)

    assert table.encoding == "utf-8"
    assert table.data.column("id").to_pylist() == ["é"]
    assert table.warnings == ()


def test_colspan_and_rowspan_do_not_duplicate_values(tmp_path: Path) -> None:
    text = """<table>
    <tr><td>region</td><td>store</td><td>q1</td><td>q2</td></tr>
    <tr><td rowspan="2">North</td><td>A</td><td colspan="2">closed</td></tr>
    <tr><td>B</td><td>5</td><td>6</td></tr>
    </table>"""
    path = write_text(tmp_path / "span.html", text)

    table = read_file(path)

    assert table.data.to_pylist() == [
        {"region": "North", "store": "A", "q1": "closed", "q2": None, "_row": 2},
        {"region": None, "store": "B", "q1": "5", "q2": "6", "_row": 3},
    ]


def test_only_the_chosen_table_and_not_nested_rows(tmp_path: Path) -> None:
    text = """<html><body>
    <table><tr><td>Report title</td></tr></table>
    <table>
      <tr><th>id</th><th>score</th></tr>
      <tr><td>1</td><td>9</td></tr>
    </table></body></html>"""
    path = write_text(tmp_path / "two.html", text)

    first = read_file(path)
    chosen = read_file(path, expected_columns=["id", "score"])
    by_index = read_file(path, sheet=1)

    assert first.columns == ("Report title",)
    assert chosen.columns == ("id", "score")
    assert chosen.data.to_pylist() == [{"id": "1", "score": "9", "_row": 2}]
    assert (
        f"{path}: read table 'table 2', the first with the expected columns (skipped 'table 1')"
        in (chosen.warnings)
    )
    assert by_index.columns == ("id", "score")


def test_ragged_and_repeated_header_rows(tmp_path: Path) -> None:
    text = """<table>
    <tr><td>id</td><td>v</td></tr>
    <tr><td>1</td></tr>
    <tr><td>id</td><td>v</td></tr>
    <tr><td>2</td><td>b</td><td>extra</td></tr>
    </table>"""
    path = write_text(tmp_path / "r.html", text)

    table = read_file(path)

    assert table.data.to_pylist() == [{"id": "1", "v": None, "_row": 2}]
    assert table.rejected == (
        RowIssue(3, None, "id | v", "repeated_header"),
        RowIssue(4, None, "row 4 column 3=extra", "ragged_row_long"),
    )


def test_html_without_a_table(tmp_path: Path) -> None:
    path = write_text(tmp_path / "page.xls", "<html><body><p>Session expired</p></body></html>")

    with pytest.raises(InputFileError, match=r"page\.xls is an HTML document without any <table>"):
        read_file(path)


def test_table_by_name_is_refused(tmp_path: Path) -> None:
    path = write_text(tmp_path / "t.html", "<table><tr><td>a</td></tr></table>")

    with pytest.raises(InputFileError, match="choose a table by 0-based index"):
        read_file(path, sheet="Sheet1")
