"""What a file really is, judged from its bytes and never from its name."""

from __future__ import annotations

import logging
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from reportgen.errors import InputFileError

log = logging.getLogger(__name__)

Kind = Literal[
    "empty",
    "xlsx",
    "zip",
    "xls",
    "html",
    "xml",
    "parquet",
    "sqlite",
    "duckdb",
    "pdf",
    "binary",
    "text",
]

HEAD_BYTES = 64 * 1024

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

# Binary formats people send instead of a table, named so the error helps them.
_OTHER_BINARIES: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "a gzip-compressed file (decompress it first)"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"BZh", "a bzip2-compressed file (decompress it first)"),
    (b"\xfd7zXZ\x00", "an xz-compressed file (decompress it first)"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"ARROW1", "an Arrow IPC (Feather) file"),
    (b"Obj\x01", "an Avro file"),
    (b"ORC", "an ORC file"),
)

# Zip-based office formats that are not .xlsx, keyed by a member that identifies them.
_ZIP_FLAVOURS: tuple[tuple[str, str], ...] = (
    ("xl/workbook.bin", "an Excel binary workbook (.xlsb); save it as .xlsx"),
    ("word/document.xml", "a Word document (.docx)"),
    ("ppt/presentation.xml", "a PowerPoint presentation (.pptx)"),
)


@dataclass(frozen=True)
class FileKind:
    """The real nature of a file: a stable ``kind`` code and a human description."""

    kind: Kind
    description: str


def sniff(path: Path) -> FileKind:
    """Tell what ``path`` really is from its bytes (magic numbers, zip directory, text)."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path} does not exist")
    if not path.is_file():
        raise InputFileError(f"{path} is not a regular file")
    size = path.stat().st_size
    if size == 0:
        return FileKind("empty", "empty (0 bytes)")
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    kind = _sniff_magic(path, head)
    if kind is None:
        kind = _sniff_text(head)
    log.debug("sniffed %s as %s (%s)", path, kind.kind, kind.description)
    return kind


def _sniff_magic(path: Path, head: bytes) -> FileKind | None:
    if head.startswith(ZIP_MAGICS):
        return _sniff_zip(path, head)
    if head.startswith(OLE2_MAGIC):
        return FileKind("xls", "a legacy Excel 97-2003 workbook (OLE2 compound document)")
    if head.startswith(b"PAR1"):
        return FileKind("parquet", "a Parquet file")
    if head.startswith(b"SQLite format 3\x00"):
        return FileKind("sqlite", "an SQLite database")
    if head[8:12] == b"DUCK":
        return FileKind("duckdb", "a DuckDB database")
    if head.startswith(b"%PDF-"):
        return FileKind("pdf", "a PDF document")
    for magic, description in _OTHER_BINARIES:
        if head.startswith(magic):
            return FileKind("binary", description)
    return None


def _sniff_zip(path: Path, head: bytes) -> FileKind:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        names = _local_header_names(head)
        if any(name.startswith("xl/") for name in names):
            return FileKind("xlsx", "a truncated or corrupt Excel workbook (.xlsx)")
        return FileKind("zip", "a truncated or corrupt ZIP archive")
    if "xl/workbook.xml" in names:
        return FileKind("xlsx", "an Excel workbook (.xlsx)")
    for member, description in _ZIP_FLAVOURS:
        if member in names:
            return FileKind("zip", description)
    if "mimetype" in names:
        return FileKind("zip", "an OpenDocument file (.ods/.odt); save it as .xlsx or CSV")
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    return FileKind("zip", f"a ZIP archive, not an Excel workbook (contains: {shown or 'nothing'})")


def _local_header_names(head: bytes) -> list[str]:
    """Names of the zip members whose local headers sit in ``head`` (for damaged zips)."""
    names: list[str] = []
    pos = head.find(b"PK\x03\x04")
    while pos >= 0 and pos + 30 <= len(head):
        name_len, extra_len = struct.unpack_from("<HH", head, pos + 26)
        raw = head[pos + 30 : pos + 30 + name_len]
        names.append(raw.decode("utf-8", errors="replace"))
        pos = head.find(b"PK\x03\x04", pos + 30 + name_len + extra_len)
    return names


def bom_encoding(head: bytes) -> tuple[str, int] | None:
    """The encoding announced by a byte-order mark, and the BOM's length."""
    for bom, name in BOMS:
        if head.startswith(bom):
            return name, len(bom)
    return None


def _sniff_text(head: bytes) -> FileKind:
    bom = bom_encoding(head)
    if bom is not None:
        text = head[bom[1] :].decode(_codec(bom[0]), errors="ignore")
    else:
        if head.count(0) > len(head) // 100:  # a stray NUL in an export is still text
            return _binary_with_nul(head)
        text = _decode_for_sniffing(head)
    if _control_ratio(text) > 0.05:
        return FileKind("binary", "binary data (not text, not a known spreadsheet format)")
    return _markup_kind(text) or FileKind("text", "text")


def _binary_with_nul(head: bytes) -> FileKind:
    even_nul = head[0::2].count(0)
    odd_nul = head[1::2].count(0)
    half = len(head) // 2
    if half and odd_nul > 0.3 * half and even_nul < 0.05 * half:
        return FileKind(
            "binary", "UTF-16 LE text without a byte-order mark (pass encoding='utf-16-le')"
        )
    if half and even_nul > 0.3 * half and odd_nul < 0.05 * half:
        return FileKind(
            "binary", "UTF-16 BE text without a byte-order mark (pass encoding='utf-16-be')"
        )
    return FileKind("binary", "binary data (not text, not a known spreadsheet format)")


def _decode_for_sniffing(head: bytes) -> str:
    """Best-effort decode of a prefix, only to look at its shape (never for data)."""
    for codec in ("utf-8", "gb18030"):
        try:
            return head.decode(codec)
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:  # a character cut by the prefix boundary
                return head[: exc.start].decode(codec)
    return head.decode("latin-1")


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f\x1a")
    return controls / len(text)


def _markup_kind(text: str) -> FileKind | None:
    start = text.lstrip()[:2048].lower()
    if start.startswith("<?xml"):
        if "urn:schemas-microsoft-com:office:spreadsheet" in text[:8192]:
            return FileKind(
                "xml", "an Excel 2003 XML spreadsheet (SpreadsheetML); save it as .xlsx"
            )
        if "<html" not in start:
            return FileKind("xml", "an XML document")
    markers = ("<!doctype html", "<html", "<table", "<meta", "<head", "<body", "<style")
    if start.startswith(markers) or (start.startswith("<") and "<table" in text.lower()):
        return FileKind("html", "an HTML document")
    return None


def _codec(encoding: str) -> str:
    """Python codec that decodes the bytes after a BOM of ``encoding``."""
    return "utf-8" if encoding == "utf-8-sig" else encoding
