"""sniff(): what a file really is, from its bytes."""

from __future__ import annotations

import codecs
import gzip
import sqlite3
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from data_factories import minimal_pdf, write_duckdb, write_xls, write_xlsx, write_zip

from reportgen.errors import InputFileError
from reportgen.io import FileKind, sniff


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")

    assert sniff(path) == FileKind("empty", "empty (0 bytes)")


def test_xlsx_whatever_its_name(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "report.csv", {"Data": [["id"], [1]]})

    assert sniff(path).kind == "xlsx"


def test_truncated_xlsx_is_still_recognised_as_xlsx(tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "good.xlsx", {"Data": [["id"], [1]]})
    path = tmp_path / "cut.xlsx"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])

    kind = sniff(path)

    assert kind.kind == "xlsx"
    assert "truncated or corrupt" in kind.description


def test_zip_of_csv_files_is_not_xlsx(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "export.xlsx", {"orders.csv": b"a\n1\n", "tickets.csv": b"b\n"})

    kind = sniff(path)

    assert kind.kind == "zip"
    assert "contains: orders.csv, tickets.csv" in kind.description


def test_docx_is_named_as_such(tmp_path: Path) -> None:
    path = write_zip(
        tmp_path / "x.xlsx", {"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>"}
    )

    assert sniff(path) == FileKind("zip", "a Word document (.docx)")


def test_legacy_xls(tmp_path: Path) -> None:
    path = write_xls(tmp_path / "old.xlsx", {"S": [["id"], [1]]})

    assert sniff(path).kind == "xls"


def test_html_table(tmp_path: Path) -> None:
    path = tmp_path / "r.xls"
    path.write_text("\n  <html><body><table><tr><td>id</td></tr></table></body></html>")

    assert sniff(path).kind == "html"


def test_bare_table_fragment_is_html(tmp_path: Path) -> None:
    path = tmp_path / "frag.xls"
    path.write_text("<table border=1><tr><th>id</th></tr><tr><td>1</td></tr></table>")

    assert sniff(path).kind == "html"


def test_utf16_html_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "r.xls"
    path.write_bytes(
        codecs.BOM_UTF16_LE + "<html><table><tr><td>a</td></tr></table>".encode("utf-16-le")
    )

    assert sniff(path).kind == "html"


def test_spreadsheetml_2003_is_identified(tmp_path: Path) -> None:
    path = tmp_path / "r.xls"
    path.write_text(
        '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>'
    )

    kind = sniff(path)

    assert kind.kind == "xml"
    assert "Excel 2003 XML spreadsheet" in kind.description


def test_parquet(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    pq.write_table(pa.table({"a": [1]}), path)

    assert sniff(path) == FileKind("parquet", "a Parquet file")


def test_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "db.csv"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE t (a)")
    connection.commit()
    connection.close()

    assert sniff(path) == FileKind("sqlite", "an SQLite database")


def test_duckdb(tmp_path: Path) -> None:
    path = write_duckdb(tmp_path / "db.bin", ["CREATE TABLE t AS SELECT 1 AS a"])

    assert sniff(path) == FileKind("duckdb", "a DuckDB database")


def test_pdf(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    path.write_bytes(minimal_pdf())

    assert sniff(path) == FileKind("pdf", "a PDF document")


def test_gzip_is_named(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(gzip.compress(b"a,b\n1,2\n"))

    kind = sniff(path)

    assert kind.kind == "binary"
    assert "gzip" in kind.description


def test_unknown_binary(tmp_path: Path) -> None:
    path = tmp_path / "blob.csv"
    path.write_bytes(bytes(range(256)) * 64)

    assert sniff(path).kind == "binary"


@pytest.mark.parametrize(
    "payload",
    [
        b"id,name\n1,Ann\n",
        "编号,姓名\n1,张三\n".encode("gbk"),
        "name\nJosé\n".encode("latin-1"),
        codecs.BOM_UTF16_BE + "a\tb\n".encode("utf-16-be"),
    ],
)
def test_text(tmp_path: Path, payload: bytes) -> None:
    path = tmp_path / "t.xlsx"
    path.write_bytes(payload)

    assert sniff(path) == FileKind("text", "text")


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="nope.csv does not exist"):
        sniff(tmp_path / "nope.csv")


def test_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="is not a regular file"):
        sniff(tmp_path)
