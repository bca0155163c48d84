"""Checks on an .xlsx archive before any XML in it is parsed.

An .xlsx is a zip of XML files. A damaged zip, a decompression bomb or an XML
document type declaration (entity expansion, external entities) is refused here,
with the member named, before openpyxl sees the file. openpyxl's own parsing
goes through defusedxml as a second line of defence (see ``ensure_defused``).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from reportgen.errors import InputFileError, ReportgenError
from reportgen.io.model import ReadLimits

PROLOG_BYTES = 64 * 1024
XML_SUFFIXES = (".xml", ".rels", ".vml")


def check_archive(path: Path, source: str, limits: ReadLimits) -> None:
    """Raise ``InputFileError`` unless ``path`` is a sound, reasonably sized .xlsx zip."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            _check_members(infos, source, limits)
            _check_prologs(archive, infos, source)
    except zipfile.BadZipFile as exc:
        raise InputFileError(
            f"{source} is a truncated or corrupt xlsx (the zip archive cannot be read: {exc})"
        ) from None
    except (OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise InputFileError(f"{source} is a truncated or corrupt xlsx ({exc})") from None


def _check_members(infos: list[zipfile.ZipInfo], source: str, limits: ReadLimits) -> None:
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        raise InputFileError(
            f"{source} is a ZIP archive but not an Excel workbook (no xl/workbook.xml)"
        )
    if len(infos) > limits.max_zip_members:
        raise InputFileError(
            f"{source} has {len(infos)} zip members, more than the limit of "
            f"{limits.max_zip_members} for an .xlsx"
        )
    total = sum(info.file_size for info in infos)
    if total > limits.max_uncompressed_bytes:
        raise InputFileError(
            f"{source} would decompress to {total:,} bytes, more than the limit of "
            f"{limits.max_uncompressed_bytes:,} bytes"
        )
    for info in infos:
        if info.file_size <= limits.ratio_min_bytes:
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_compression_ratio:
            raise InputFileError(
                f"{source} looks like a decompression bomb: member {info.filename} expands "
                f"{ratio:,.0f}x ({info.compress_size:,} -> {info.file_size:,} bytes; the limit "
                f"is {limits.max_compression_ratio:,.0f}x)"
            )


def _check_prologs(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], source: str) -> None:
    """Refuse any XML member that declares a document type (where entities live)."""
    for info in infos:
        if not info.filename.lower().endswith(XML_SUFFIXES):
            continue
        with archive.open(info) as member:
            prolog = member.read(PROLOG_BYTES)
        if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
            raise InputFileError(
                f"{source} is a hostile or malformed xlsx: member {info.filename} declares an "
                "XML document type (<!DOCTYPE>/<!ENTITY>), which Excel never writes; refused "
                "to guard against entity expansion and external entities"
            )


def ensure_defused() -> None:
    """Fail loudly if openpyxl would parse XML without defusedxml.

    That happens when defusedxml is missing or ``OPENPYXL_DEFUSEDXML=False`` is set.
    """
    import openpyxl
    from openpyxl.xml import functions

    iterparse_module = getattr(functions.iterparse, "__module__", "")
    if not openpyxl.DEFUSEDXML or not iterparse_module.startswith("defusedxml"):
        raise ReportgenError(
            "openpyxl is not using defusedxml to parse workbooks; install defusedxml and "
            "do not set OPENPYXL_DEFUSEDXML=False"
        )
