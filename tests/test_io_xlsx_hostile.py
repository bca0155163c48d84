"""Corrupt and hostile .xlsx files are refused before (and while) parsing."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from data_factories import (
    BILLION_LAUGHS_SST,
    rewrite_zip,
    write_excel_style_xlsx,
    write_xlsx,
    xxe_sheet,
)

from reportgen.errors import InputFileError, ReportgenError
from reportgen.io import ReadLimits, read_file, xlsx_reader
from reportgen.io.xlsx_archive import ensure_defused


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return write_xlsx(tmp_path / "good.xlsx", {"Data": [["id", "name"], ["a", "Ann"]]})


def test_truncated_xlsx(tmp_path: Path, workbook: Path) -> None:
    path = tmp_path / "cut.xlsx"
    path.write_bytes(workbook.read_bytes()[: workbook.stat().st_size * 2 // 3])

    with pytest.raises(InputFileError) as excinfo:
        read_file(path)

    message = str(excinfo.value)
    assert message.startswith(f"{path} is a truncated or corrupt xlsx")


def test_zip_bomb_member_is_refused_naming_member_and_ratio(tmp_path: Path, workbook: Path) -> None:
    bomb = b"<x>" + b" " * (11 * 1024 * 1024) + b"</x>"
    path = rewrite_zip(workbook, tmp_path / "bomb.xlsx", {"xl/media/padding.xml": bomb})
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/media/padding.xml")
    ratio = info.file_size / info.compress_size
    assert ratio > 100

    with pytest.raises(InputFileError) as excinfo:
        read_file(path)

    message = str(excinfo.value)
    assert str(path) in message
    assert "decompression bomb" in message
    assert "member xl/media/padding.xml" in message
    assert f"expands {ratio:,.0f}x" in message


def test_ratio_check_uses_the_limits(tmp_path: Path, workbook: Path) -> None:
    path = rewrite_zip(
        workbook, tmp_path / "b.xlsx", {"xl/pad.xml": b"<a>" + b"a" * 50_000 + b"</a>"}
    )
    limits = ReadLimits(ratio_min_bytes=10_000, max_compression_ratio=50)

    with pytest.raises(InputFileError, match="member xl/pad.xml expands"):
        read_file(path, limits=limits)
    assert read_file(path).data.num_rows == 1  # below the default 10 MB threshold


def test_total_uncompressed_size_limit(workbook: Path) -> None:
    with pytest.raises(InputFileError, match="would decompress to .* more than the limit of 1,000"):
        read_file(workbook, limits=ReadLimits(max_uncompressed_bytes=1000))


def test_member_count_limit(workbook: Path) -> None:
    with pytest.raises(InputFileError, match="zip members, more than the limit of 3"):
        read_file(workbook, limits=ReadLimits(max_zip_members=3))


def test_entity_expansion_in_shared_strings_is_refused(tmp_path: Path) -> None:
    path = write_excel_style_xlsx(
        tmp_path / "lol.xlsx", [["id"], ["x"]], shared_strings_xml=BILLION_LAUGHS_SST
    )

    with pytest.raises(InputFileError) as excinfo:
        read_file(path)

    message = str(excinfo.value)
    assert str(path) in message
    assert "member xl/sharedStrings.xml declares an XML document type" in message


def test_external_entity_in_a_sheet_is_refused(tmp_path: Path, workbook: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    path = rewrite_zip(
        workbook, tmp_path / "xxe.xlsx", {"xl/worksheets/sheet1.xml": xxe_sheet(str(secret))}
    )

    with pytest.raises(InputFileError, match="member xl/worksheets/sheet1.xml declares"):
        read_file(path)


def test_defusedxml_is_the_second_line_of_defence(
    tmp_path: Path, workbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the archive pre-check switched off, openpyxl's defusedxml parser still refuses."""
    monkeypatch.setattr(xlsx_reader, "check_archive", lambda *args: None)
    path = write_excel_style_xlsx(
        tmp_path / "lol.xlsx", [["id"], ["x"]], shared_strings_xml=BILLION_LAUGHS_SST
    )

    with pytest.raises(InputFileError, match="hostile or malformed xlsx.*EntitiesForbidden"):
        read_file(path)


def test_defusedxml_guards_sheet_parsing_too(
    tmp_path: Path, workbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx_reader, "check_archive", lambda *args: None)
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    path = rewrite_zip(
        workbook, tmp_path / "xxe.xlsx", {"xl/worksheets/sheet1.xml": xxe_sheet(str(secret))}
    )

    with pytest.raises(InputFileError, match="hostile or malformed xlsx.*EntitiesForbidden"):
        read_file(path)


def test_openpyxl_uses_defusedxml_here() -> None:
    assert openpyxl.DEFUSEDXML is True
    ensure_defused()  # does not raise


def test_reading_refuses_to_run_without_defusedxml(
    workbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)

    with pytest.raises(ReportgenError, match="not using defusedxml"):
        read_file(workbook)


def test_zip_without_workbook_declared_as_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/styles.xml", "<styleSheet/>")
    # Classified as a (non-workbook) zip by sniff: refused saying what it contains.
    with pytest.raises(InputFileError, match="ZIP archive, not an Excel workbook"):
        read_file(path)


def test_corrupt_workbook_xml_is_an_input_error(tmp_path: Path, workbook: Path) -> None:
    path = rewrite_zip(workbook, tmp_path / "bad.xlsx", {"xl/workbook.xml": b"<workbook><sheets"})

    with pytest.raises(InputFileError, match=r"bad\.xlsx is a truncated or corrupt xlsx"):
        read_file(path)
