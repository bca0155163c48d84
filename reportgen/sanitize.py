"""The one sanitiser for untrusted text (customer comments, values quoted in messages).

- :func:`redact_pii` masks phone numbers, e-mail addresses and PRC national ID numbers
  before text reaches logs, quarantine listings, decks or e-mailed workbooks.
- :func:`strip_control` removes control characters that break openpyxl/python-pptx,
  returning how many were removed so callers can count them.
"""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# PRC national ID: 17 digits + digit/X; mobile: 1[3-9] + 9 digits; landline-ish long digit runs.
_NATIONAL_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
_PHONE = re.compile(r"(?<!\d)(?:\+?\d{1,3}[- ]?)?(?:\(?\d{2,4}\)?[- ]?)\d{3,4}[- ]?\d{4}(?!\d)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def redact_pii(text: str) -> str:
    """Mask personal data: e-mails → [email], ID numbers → [id], phone numbers → [phone]."""
    text = _EMAIL.sub("[email]", text)
    text = _NATIONAL_ID.sub("[id]", text)
    text = _MOBILE.sub("[phone]", text)
    return _PHONE.sub("[phone]", text)


def strip_control(text: str) -> tuple[str, int]:
    """Remove control characters (keeps tab, LF, CR); return (text, number removed)."""
    cleaned, count = _CONTROL.subn("", text)
    return cleaned, count


def shorten(text: str, limit: int = 200) -> str:
    """Cut text for messages, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe_display(value: object, limit: int = 200) -> str:
    """A value fit to quote in an error message or a quarantine listing."""
    text, _ = strip_control(str(value))
    return shorten(redact_pii(text), limit)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> object:
    """Neutralise spreadsheet formula injection in CSV exports: text starting with
    ``= + - @``, tab or CR gets a leading apostrophe (OWASP's recommendation).
    Numbers are returned unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
