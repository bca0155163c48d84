"""The workbook as a file: document properties, reproducible bytes, and the reopen check.

openpyxl stamps the save time into docProps/core.xml and every zip entry. Here the
created/modified properties and the zip timestamps come from the period instead, so
the same inputs give the same file, byte for byte.
"""

from __future__ import annotations

import datetime as _dt
import io
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path

from lxml import etree
from openpyxl import Workbook, load_workbook
from openpyxl.writer.excel import ExcelWriter

from reportgen.sanitize import strip_control


class WorkbookCheckError(RuntimeError):
    """A written workbook does not reopen as expected (a bug: the file is not kept)."""


def document_time(period_end: _dt.date) -> _dt.datetime:
    """The workbook's created/modified time: the end of the period (never the clock)."""
    return _dt.datetime.combine(max(period_end, _dt.date(1980, 1, 2)), _dt.time())


def set_properties(
    wb: Workbook, *, title: str, subject: str, keywords: str, language: str, when: _dt.datetime
) -> None:
    p = wb.properties
    p.title = strip_control(title)[0]
    p.subject = strip_control(subject)[0]
    p.keywords = strip_control(keywords)[0]
    p.creator = "reportgen"
    p.lastModifiedBy = "reportgen"
    p.language = language
    p.created = when
    p.modified = when


class _FixedTimeZip(zipfile.ZipFile):
    """A zip whose entries all carry one timestamp (openpyxl writes through writestr/write)."""

    def __init__(self, file: io.BytesIO, when: _dt.datetime) -> None:
        super().__init__(file, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self._when = when.timetuple()[:6]

    def writestr(  # type: ignore[override]
        self,
        zinfo_or_arcname: str | zipfile.ZipInfo,
        data: bytes | str,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            info = zipfile.ZipInfo(zinfo_or_arcname, date_time=self._when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(  # type: ignore[override]
        self,
        filename: str | os.PathLike[str],
        arcname: str | None = None,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        data = Path(filename).read_bytes()
        self.writestr(arcname or str(filename), data, compress_type, compresslevel)


def workbook_bytes(wb: Workbook) -> bytes:
    """The .xlsx file, with the properties' modified time on every zip entry."""
    when = wb.properties.modified
    buf = io.BytesIO()
    archive = _FixedTimeZip(buf, when)
    ExcelWriter(wb, archive).save()  # not openpyxl's save_workbook: it stamps the clock
    return buf.getvalue()


def fixed_time_zip(data: bytes, when: _dt.datetime) -> bytes:
    """An Office file (zip) rewritten with ``when`` on every entry, members in the same
    order, so the same content gives the same bytes (python-pptx stamps the clock)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, _FixedTimeZip(buf, when) as out:
        for info in src.infolist():
            out.writestr(info.filename, src.read(info))
    return buf.getvalue()


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
#: Our own parts, read back: lxml (5-10x faster than ElementTree here), no entity
#: expansion, no network, no DTD — defusedxml's guarantees for what this check needs.
_SAFE_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)


def check_workbook(path: Path, sheets: Sequence[str]) -> None:
    """Reopen the file: openpyxl must load it with exactly ``sheets``, every worksheet and
    chart part must be well-formed XML, and no cell may hold a formula."""
    with Path(path).open("rb") as fh:  # a file object: openpyxl judges names by extension
        wb = load_workbook(fh, read_only=True)
        names = list(wb.sheetnames)
        wb.close()
    if names != list(sheets):
        raise WorkbookCheckError(f"{path}: sheets {names}, expected {list(sheets)}")
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if not name.startswith(("xl/worksheets/sheet", "xl/charts/chart")):
                continue
            try:
                root = etree.fromstring(archive.read(name), _SAFE_PARSER)
            except etree.XMLSyntaxError as exc:
                raise WorkbookCheckError(f"{path}: {name} is not well-formed: {exc}") from None
            formula = root.find(f".//{_MAIN_NS}f")
            if formula is not None:
                raise WorkbookCheckError(f"{path}: {name} contains a formula")
