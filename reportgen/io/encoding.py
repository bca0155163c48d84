"""Choosing a text encoding by strict decoding of the whole file, never by guessing.

Order: an explicit encoding; else a byte-order mark; else strict UTF-8 over the
whole file; else strict GB18030. GBK bytes never pass as UTF-8, but UTF-8 bytes
often pass as GB18030 (as garbage), hence UTF-8 first. Nothing is ever decoded
with ``errors="replace"``.
"""

from __future__ import annotations

import codecs
import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from reportgen.errors import InputFileError
from reportgen.io.sniff import bom_encoding

log = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 20
FALLBACK_ENCODINGS = ("utf-8", "gb18030")

_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with BOM",
    "utf-16-le": "UTF-16 LE with BOM",
    "utf-16-be": "UTF-16 BE with BOM",
    "utf-32-le": "UTF-32 LE with BOM",
    "utf-32-be": "UTF-32 BE with BOM",
    "gb18030": "GB18030",
}


@dataclass(frozen=True)
class TextEncoding:
    """An encoding proven to decode the whole file: its name, codec and BOM length."""

    name: str
    codec: str
    bom_len: int

    @property
    def label(self) -> str:
        return encoding_label(self.name)


def encoding_label(name: str) -> str:
    """Human name of an encoding as reported in ``RawTable.encoding``."""
    return _LABELS.get(name, name)


@dataclass(frozen=True)
class _DecodeFailure:
    encoding: str
    offset: int
    byte: int
    reason: str


def detect_encoding(path: Path, source: str, given: str | None = None) -> TextEncoding:
    """The encoding that strictly decodes all of ``path``, else ``InputFileError`` saying why."""
    with path.open("rb") as fh:
        head = fh.read(4)
    bom = bom_encoding(head)
    if given is not None:
        return _check_given(path, source, given, bom)
    if bom is not None:
        name, bom_len = bom
        candidate = TextEncoding(name, "utf-8" if name == "utf-8-sig" else name, bom_len)
        failure = _first_failure(path, candidate.codec, bom_len)
        if failure is not None:
            raise InputFileError(
                f"{source} starts with a {candidate.label} byte-order mark but is not valid "
                f"{candidate.label}: {_describe(failure)}"
            )
        return candidate
    failures: list[_DecodeFailure] = []
    for name in FALLBACK_ENCODINGS:
        failure = _first_failure(path, name, 0)
        if failure is None:
            log.debug("%s decodes as %s", source, name)
            return TextEncoding(name, name, 0)
        if name == "utf-8" and _utf8_characters_before(path, failure.offset) >= MIXED_AFTER:
            # Chinese written in UTF-8 up to here, then something else: GB18030 would
            # "decode" the UTF-8 part too, as mojibake, and the file would load garbled
            raise InputFileError(
                f"{source} joins text in two encodings: UTF-8 up to line "
                f"{_line_of(path, failure.offset)}, where {_describe(failure)}; then "
                "another (GB18030, say: two exports pasted together). Export it again in "
                "one encoding; reading it as either would garble the other part."
            )
        failures.append(failure)
    first = failures[0]
    tried = "; ".join(f"{f.encoding}: {_describe(f)}" for f in failures)
    raise InputFileError(
        f"{source} is text in an unknown encoding: the first byte UTF-8 cannot decode is "
        f"0x{first.byte:02X} on line {_line_of(path, first.offset)} (byte offset "
        f"{first.offset}). Tried {tried}. If the file joins exports in different encodings "
        "(UTF-8 up to that line, then another), export it again in one; otherwise set "
        "the encoding in the config under this file's source (encoding: cp1252, say). "
        "latin-1 decodes any byte and would hide the problem."
    )


#: Multi-byte UTF-8 characters before a file's first non-UTF-8 byte from which it is
#: taken as joining two encodings (GB18030 text is valid UTF-8 for a character or two at
#: most, by chance).
MIXED_AFTER = 8
_BELOW_LEAD = bytes(range(0xC0))  # ASCII and continuation bytes: not a character's lead


def _utf8_characters_before(path: Path, offset: int) -> int:
    """How many multi-byte UTF-8 characters (their lead bytes) precede ``offset``,
    counted up to :data:`MIXED_AFTER` (the prefix decodes as UTF-8)."""
    found, done = 0, 0
    with path.open("rb") as fh:
        while done < offset and found < MIXED_AFTER:
            chunk = fh.read(min(1 << 20, offset - done))
            if not chunk:
                break
            found += len(chunk.translate(None, _BELOW_LEAD))
            done += len(chunk)
    return found


def _line_of(path: Path, offset: int) -> int:
    """The 1-based line of ``path`` holding byte ``offset``."""
    lines, done = 1, 0
    with path.open("rb") as fh:
        while done < offset:
            chunk = fh.read(min(1 << 20, offset - done))
            if not chunk:
                break
            lines += chunk.count(b"\n")
            done += len(chunk)
    return lines


def open_text(path: Path, encoding: TextEncoding) -> io.TextIOWrapper:
    """A strict, streaming text reader over ``path`` positioned after any BOM."""
    raw: BinaryIO = path.open("rb")
    raw.seek(encoding.bom_len)
    return io.TextIOWrapper(raw, encoding=encoding.codec, errors="strict", newline="")


def _check_given(path: Path, source: str, given: str, bom: tuple[str, int] | None) -> TextEncoding:
    try:
        codec = codecs.lookup(given).name
    except LookupError:
        raise InputFileError(
            f"{source}: unknown text encoding {given!r} (examples: 'utf-8', 'gb18030', 'latin-1')"
        ) from None
    bom_len = 0
    if bom is not None and codecs.lookup(_bom_codec(bom[0])).name == codec:
        bom_len = bom[1]  # the BOM of the requested encoding: skip it rather than keep U+FEFF
    elif bom is not None and not codec.startswith("utf"):
        raise InputFileError(
            f"{source} starts with a {bom[0]} byte-order mark, but its encoding setting says "
            f"{given!r}: set encoding: {bom[0]}, or leave the setting out (detected)"
        )
    elif not codec.startswith("utf"):
        _refuse_utf8_read_as(path, source, given, codec)
    failure = _first_failure(path, codec, bom_len)
    if failure is not None:
        raise InputFileError(f"{source} is not valid {given} text: {_describe(failure)}")
    return TextEncoding(given, codec, bom_len)


def _refuse_utf8_read_as(path: Path, source: str, given: str, codec: str) -> None:
    """A file that is UTF-8 text with non-ASCII characters, configured as another
    encoding (a config copied from a GB18030 export): read so, every Chinese character
    would be garbled without an error (电话 → 鐢佃瘽), since GB18030 and the single-byte
    codes decode almost any bytes. Real text in those encodings is not valid UTF-8."""
    with path.open("rb") as fh:
        head = fh.read(CHUNK_BYTES)
    start = next((i for i, b in enumerate(head) if b >= 0x80), None)
    if start is None or _first_failure(path, "utf-8", 0) is not None:
        return  # ASCII (read the same either way), or not UTF-8: the given codec decides
    word = head[start:].decode("utf-8", errors="ignore").split(",")[0].split()[0][:8]
    garbled = word.encode("utf-8").decode(codec, errors="replace")
    raise InputFileError(
        f"{source} is UTF-8 text, but its encoding setting says {given!r}: read so, "
        f"{word!r} would become {garbled!r}; set encoding: utf-8, or leave the setting "
        "out (detected)"
    )


def _bom_codec(bom_name: str) -> str:
    return "utf-8" if bom_name == "utf-8-sig" else bom_name


def _first_failure(path: Path, codec: str, start: int) -> _DecodeFailure | None:
    """Stream the whole file through a strict incremental decoder; report the first bad byte."""
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    position = start
    with path.open("rb") as fh:
        fh.seek(start)
        while True:
            chunk = fh.read(CHUNK_BYTES)
            final = not chunk
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                offset = position - pending + exc.start
                return _DecodeFailure(codec, offset, exc.object[exc.start], exc.reason)
            if final:
                return None
            position += len(chunk)


def _describe(failure: _DecodeFailure) -> str:
    return (
        f"byte 0x{failure.byte:02X} at byte offset {failure.offset} cannot be decoded "
        f"({failure.reason})"
    )
