"""The one sanitiser for untrusted text (customer comments, values quoted in messages).

- :func:`redact_pii` masks phone numbers, e-mail addresses and PRC national ID numbers
  before text reaches logs, quarantine listings, decks or e-mailed workbooks.
- :func:`strip_control` removes control characters that break openpyxl/python-pptx,
  returning how many were removed so callers can count them.
- :func:`excel_text` makes a string fit for an Excel cell (control characters out,
  32,767-character limit), :func:`excel_sheet_title` a sheet name.
- :func:`slugify` turns a config name (a unit id) into a safe file/folder name and
  :func:`ensure_inside` checks that a built output path stays in its output folder.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from reportgen.errors import ConfigError

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# PRC national ID: 17 digits + digit/X; mobile: 1[3-9] + 9 digits; landline-ish long digit runs.
# Groups may be set apart by a space, a hyphen or a dot (110101 19900307 1234, 138.1234.5678).
_NATIONAL_ID = re.compile(r"(?<!\d)\d{6}[-. ]?\d{8}[-. ]?\d{3}[\dXx](?![\dXx])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[-. ]?)?1[3-9]\d[-. ]?\d{4}[-. ]?\d{4}(?!\d)")
_PHONE = re.compile(r"(?<!\d)(?:\+?\d{1,3}[-. ]?)?(?:\(?\d{2,4}\)?[-. ]?)\d{3,4}[-. ]?\d{4}(?!\d)")
# C0 controls except tab/LF/CR, DEL, lone surrogates and the non-characters U+FFFE/U+FFFF:
# none of them may appear in XML (xlsx, pptx), and none carries meaning in free text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def redact_pii(text: str, *, blank: bool = False) -> str:
    """Mask personal data: e-mails → [email], ID numbers → [id], phone numbers → [phone]
    (``blank``: a space instead, for text mined for words rather than shown)."""
    text = _EMAIL.sub(" " if blank else "[email]", text)
    text = _NATIONAL_ID.sub(" " if blank else "[id]", text)
    text = _MOBILE.sub(" " if blank else "[phone]", text)
    return _PHONE.sub(" " if blank else "[phone]", text)


def strip_control(text: str) -> tuple[str, int]:
    """Remove control characters (keeps tab, LF, CR); return (text, number removed)."""
    cleaned, count = _CONTROL.subn("", text)
    return cleaned, count


#: What a missing value prints as when it leaks into text (pandas, Python, SQL).
PLACEHOLDERS = frozenset({"nan", "none", "null"})


def is_placeholder(text: str) -> bool:
    """Whether ``text`` reads as a leaked missing value ("nan", "None", "NULL"). Never
    shown on a slide: from the code it is a bug; from a customer (a comment box
    answered "None") it says nothing worth quoting."""
    return text.strip().lower() in PLACEHOLDERS


#: "nan%" as a token of its own: what formatting a missing ratio prints ("nan%", "(nan%)");
#: not inside a word ("显示NaN%的") nor in brackets ("[NaN%]", a value shown as data).
_LEAKED_PERCENT = re.compile(r"(?<![\w\[])nan%(?![\w\]])", re.IGNORECASE)


def is_unpresentable(text: str) -> bool:
    """Whether ``text`` reads as a leaked missing value: a placeholder (see
    :func:`is_placeholder`) or a formatted missing ratio ("nan%"). Such text never goes
    on a slide; a customer comment that reads so is not quoted."""
    return is_placeholder(text) or bool(_LEAKED_PERCENT.search(text))


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


# -- Excel ----------------------------------------------------------------------

#: Excel's limit per cell, counted in UTF-16 code units (what Excel counts).
EXCEL_CELL_LIMIT = 32_767
#: Appended to text cut at the cell limit, so a reader sees that something is missing.
TRUNCATION_MARKER = " […truncated]"
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
EXCEL_SHEET_TITLE_LIMIT = 31


class ExcelText(NamedTuple):
    """Text ready for a cell, and what was changed to make it so."""

    text: str
    control_chars_removed: int
    truncated: bool


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _cut_utf16(text: str, units: int) -> str:
    """The longest prefix of ``text`` with at most ``units`` UTF-16 code units
    (never splitting a character outside the basic plane)."""
    if _utf16_len(text) <= units:
        return text
    out, used = [], 0
    for ch in text:
        w = 2 if ord(ch) > 0xFFFF else 1
        if used + w > units:
            break
        out.append(ch)
        used += w
    return "".join(out)


def excel_text(text: str, limit: int = EXCEL_CELL_LIMIT) -> ExcelText:
    """Control characters removed and, beyond ``limit``, cut with a visible marker."""
    cleaned, removed = strip_control(text)
    if _utf16_len(cleaned) <= limit:
        return ExcelText(cleaned, removed, False)
    cut = _cut_utf16(cleaned, limit - _utf16_len(TRUNCATION_MARKER))
    return ExcelText(cut + TRUNCATION_MARKER, removed, True)


def excel_sheet_title(name: str, fallback: str = "Sheet") -> str:
    """A valid sheet name: no ``[]:*?/\\`` or control characters, no leading or trailing
    apostrophe, not "History" (reserved by Excel), at most 31 characters, not empty."""
    text, _ = strip_control(str(name))
    text = _SHEET_FORBIDDEN.sub("_", text.replace("\n", " ").replace("\t", " "))
    text = text.replace("\r", " ").strip().strip("'").strip()
    text = _cut_utf16(text, EXCEL_SHEET_TITLE_LIMIT).strip().strip("'")
    if not text or text.casefold() == "history":
        text = fallback[:EXCEL_SHEET_TITLE_LIMIT] if text.casefold() != "history" else "History_"
    return text


# -- file and folder names -------------------------------------------------------

_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(10)}
    | {f"LPT{i}" for i in range(10)}
    | {"CONIN$", "CONOUT$"}
)
_SLUG_BAD = re.compile(r"[^A-Za-z0-9._-]+")
SLUG_MAX_BYTES = 64


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def slugify(name: str, *, max_bytes: int = SLUG_MAX_BYTES, fallback: str = "unit") -> str:
    """An ASCII file/folder name for ``name`` (a unit id, a period label).

    Accents are dropped (é → e), anything but letters, digits, ``.``, ``_`` and ``-``
    becomes ``_`` (so path separators, ``..`` components, spaces and control characters
    cannot survive), leading/trailing dots and dashes go, Windows device names
    (CON, NUL, COM1 …) get a ``_`` prefix, and the result is capped at ``max_bytes``.
    A name with nothing ASCII left (``售后``) becomes ``<fallback>-<hash>``; a capped
    name keeps a hash of the whole name, so distinct long names stay distinct."""
    if max_bytes < 16:
        raise ValueError(f"max_bytes must be at least 16, got {max_bytes}")
    raw = str(name)
    ascii_text = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode("ascii")
    text = _SLUG_BAD.sub("_", ascii_text).strip("._-")
    if not text:
        text = f"{fallback}-{_short_hash(raw)}"
    if text.split(".", 1)[0].upper() in _WINDOWS_RESERVED:
        text = "_" + text
    if len(text) > max_bytes:
        text = text[: max_bytes - 9].rstrip("._-") + "-" + _short_hash(raw)
    return text


def shared_slug(names: Iterable[str]) -> tuple[str, str, str] | None:
    """The first two names that become the same file name (:func:`slugify`, ignoring
    case as Windows and macOS file systems do), with that name; None when all differ."""
    taken: dict[str, str] = {}
    for name in names:
        slug = slugify(name)
        other = taken.setdefault(slug.casefold(), name)
        if other != name:
            return other, name, slug
    return None


def ensure_inside(root: Path, path: Path) -> Path:
    """``path`` resolved (symlinks followed), if it lies inside ``root``; else a ConfigError
    (output names come from the config, which is treated as untrusted here)."""
    base = Path(root).resolve()
    target = Path(path).resolve()
    if target != base and not target.is_relative_to(base):
        raise ConfigError(
            f"output path {str(path)!r} resolves to {str(target)!r}, outside the output "
            f"folder {str(base)!r}"
        )
    return target
