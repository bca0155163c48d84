"""Builders for real, ugly input files used by the reading-layer tests.

Every helper writes an actual file with the library a real export would come
from (openpyxl, xlwt, pyarrow, sqlite3, duckdb) or with raw bytes, so tests
exercise the same code paths as customer files.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import xlwt
from openpyxl.utils.datetime import CALENDAR_MAC_1904

Row = Sequence[Any]


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` exactly (no newline translation) in ``encoding``."""
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(
    path: Path,
    sheets: Mapping[str, Iterable[Row]],
    *,
    epoch_1904: bool = False,
    cells: Mapping[str, Mapping[str, Any]] | None = None,
    date_format: str | None = None,
) -> Path:
    """A workbook with one sheet per item (rows appended from A1) and optional extra cells."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    if epoch_1904:
        workbook.epoch = CALENDAR_MAC_1904
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
        for coordinate, value in (cells or {}).get(title, {}).items():
            sheet[coordinate] = value
        if date_format is not None:
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, dt.date | dt.datetime):
                        cell.number_format = date_format
    workbook.save(path)
    return path


def write_xls(
    path: Path,
    sheets: Mapping[str, Iterable[Row]],
    *,
    epoch_1904: bool = False,
) -> Path:
    """A legacy BIFF8 .xls written with xlwt; dates get a date number format."""
    workbook = xlwt.Workbook()
    workbook.dates_1904 = epoch_1904
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    datetime_style = xlwt.easyxf(num_format_str="YYYY-MM-DD HH:MM:SS")
    for title, rows in sheets.items():
        sheet = workbook.add_sheet(title)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.datetime):
                    sheet.write(r, c, value, datetime_style)
                elif isinstance(value, dt.date):
                    sheet.write(r, c, value, date_style)
                else:
                    sheet.write(r, c, value)
    workbook.save(str(path))
    return path


def rewrite_zip(source: Path, target: Path, replace: Mapping[str, bytes]) -> Path:
    """Copy a zip, replacing (or adding) the members named in ``replace``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = replace.get(info.filename, old.read(info.filename))
            new.writestr(info.filename, data)
        for name, data in replace.items():
            if name not in old.namelist():
                new.writestr(name, data)
    return target


def write_zip(path: Path, members: Mapping[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def minimal_pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def write_sqlite(path: Path, statements: Sequence[str], rows: Mapping[str, Sequence[Row]]) -> Path:
    """An SQLite database: run ``statements`` (DDL) then insert ``rows`` per table."""
    connection = sqlite3.connect(path)
    try:
        for statement in statements:
            connection.execute(statement)
        for table, table_rows in rows.items():
            if not table_rows:
                continue
            marks = ", ".join("?" for _ in table_rows[0])
            quoted = '"' + table.replace('"', '""') + '"'
            connection.executemany(f"INSERT INTO {quoted} VALUES ({marks})", table_rows)
        connection.commit()
    finally:
        connection.close()
    return path


def write_duckdb(path: Path, statements: Sequence[str]) -> Path:
    import duckdb

    connection = duckdb.connect(str(path))
    try:
        for statement in statements:
            connection.execute(statement)
    finally:
        connection.close()
    return path


BILLION_LAUGHS_SST = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2">
<si><t>id</t></si><si><t>&lol9;</t></si></sst>"""


def xxe_sheet(target: str) -> bytes:
    """A worksheet whose only cell is an external entity pointing at ``target``."""
    return f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE ws [<!ENTITY xxe SYSTEM "file://{target}">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row>
<row r="2"><c r="A2" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData>
</worksheet>""".encode()


_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def write_excel_style_xlsx(
    path: Path,
    rows: Sequence[Row],
    *,
    sheet_name: str = "Data",
    shared_strings_xml: bytes | None = None,
    sheet_xml: bytes | None = None,
) -> Path:
    """A minimal workbook laid out as Excel writes it: text in xl/sharedStrings.xml.

    (openpyxl writes inline strings, so its files never exercise the shared-string
    table that real Excel exports use.) ``shared_strings_xml`` / ``sheet_xml``
    replace the generated parts verbatim.
    """
    strings: list[str] = []
    cells_xml = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            if value is None:
                continue
            ref = f"{_letters(c)}{r}"
            if isinstance(value, str):
                if value not in strings:
                    strings.append(value)
                cells.append(f'<c r="{ref}" t="s"><v>{strings.index(value)}</v></c>')
            else:
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        cells_xml.append(f'<row r="{r}">{"".join(cells)}</row>')
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN_NS}">'
        f"<sheetData>{''.join(cells_xml)}</sheetData></worksheet>"
    ).encode()
    items = "".join(f'<si><t xml:space="preserve">{_escape(s)}</t></si>' for s in strings)
    sst = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{_MAIN_NS}" '
        f'count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'
    ).encode()
    members = {
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="rels" '
            b'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            b'<Default Extension="xml" ContentType="application/xml"/>'
            b'<Override PartName="/xl/workbook.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            b"</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{_REL_NS}"><Relationship Id="rId1" '
            f'Type="{_DOC_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": (
            f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_DOC_REL}"><sheets>'
            f'<sheet name="{_escape(sheet_name)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{_REL_NS}">'
            f'<Relationship Id="rId1" Type="{_DOC_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_DOC_REL}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ).encode(),
        "xl/worksheets/sheet1.xml": sheet_xml if sheet_xml is not None else sheet,
        "xl/sharedStrings.xml": shared_strings_xml if shared_strings_xml is not None else sst,
    }
    return write_zip(path, members)


def _letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
