"""Spreadsheet cell values as exact text (no type guessing is left for later).

Conventions shared by the .xlsx and .xls readers:
int -> "123"; integral float -> "123"; other float -> shortest repr ("0.1");
datetime at midnight -> "2025-03-05"; other datetime -> "2025-03-05T10:20:00";
time -> "10:20:00"; duration -> "26:30:00"; bool -> "TRUE"/"FALSE"; None -> None.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal


def cell_text(value: object) -> str | None:
    """Text of one cell value as read by openpyxl or xlrd; None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value != "" else None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return number_text(value)
    if isinstance(value, dt.datetime):
        return datetime_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return duration_text(value)
    return str(value)


#: Excel keeps 15 significant digits: a whole number from here up may have lost digits
#: before the file was written (an 18-digit order id typed or pasted as a number).
EXCEL_DIGITS_LIMIT = 10**15


def number_text(value: float) -> str:
    """A whole number as digits; one of 16 digits or more as Excel shows it, rounded to
    15 significant digits (12345678901234600000, not the float's 12345678901234567168:
    the digits beyond the 15th are not in the file)."""
    if math.isfinite(value) and value.is_integer():
        if abs(value) >= EXCEL_DIGITS_LIMIT:
            return str(int(Decimal(f"{value:.14e}")))
        return str(int(value))
    return repr(value)


def is_long_number(value: object) -> bool:
    """A whole number too long for Excel's 15 significant digits (see
    :data:`EXCEL_DIGITS_LIMIT`)."""
    return (
        isinstance(value, float)
        and math.isfinite(value)
        and value.is_integer()
        and abs(value) >= EXCEL_DIGITS_LIMIT
    )


def datetime_text(value: dt.datetime) -> str:
    if value.time() == dt.time(0, 0) and value.tzinfo is None:
        return value.date().isoformat()
    return value.isoformat()


def duration_text(value: dt.timedelta) -> str:
    """A duration as Excel shows ``[h]:mm:ss``: "26:30:00", "-1:00:00", "0:00:01.500000"."""
    sign = "-" if value < dt.timedelta(0) else ""
    total = abs(value)
    seconds = total.days * 86_400 + total.seconds
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{sign}{hours}:{minutes:02d}:{secs:02d}"
    if total.microseconds:
        text += f".{total.microseconds:06d}"
    return text


def long_numbers_note(where: str, cells: list[tuple[int, str]]) -> str:
    """The warning for whole numbers of 16 digits or more (row, value as read)."""
    row, value = cells[0]
    return (
        f"{where}: {len(cells)} number(s) of 16 or more digits (first: row {row}, read as "
        f"{value}): Excel keeps only 15 significant digits, so the digits beyond were "
        "lost before the file was written (distinct ids may now look alike); export "
        "long identifiers as text"
    )


#: A number format that pads whole numbers with leading zeros: ``000000`` (an id or a
#: postcode kept as a number and shown as 000123), optionally quoted as ``"000000"``.
_ZERO_PADDED = re.compile(r'^"?(0{2,})"?$')


def zero_padding_digits(code: str) -> int | None:
    """How many digits a zero-padding number format shows (``000000`` → 6), else None."""
    match = _ZERO_PADDED.match(code or "")
    return len(match.group(1)) if match else None


def padded_text(value: object, digits: int) -> str | None:
    """A whole number as a zero-padding format shows it (123 → "000123"); anything
    else as :func:`cell_text` writes it."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return ("-" if value < 0 else "") + str(abs(value)).zfill(digits)
    return cell_text(value)
