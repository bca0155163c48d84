"""Text measurement with the real font, and fitting text into a box.

Widths come from the font file (Noto Sans SC, the deck's Latin and East Asian font) via
Pillow. Lines wrap at spaces for Latin text and at any character for CJK text, as
PowerPoint does. :func:`fit` shrinks the size within a floor and, when even the floor
does not fit, keeps the paragraphs that fit and returns the rest for the speaker notes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from PIL import ImageFont

#: Line height as a multiple of the font size (PowerPoint's single spacing ≈ 1.2).
LINE_SPACING = 1.2
#: Space after each paragraph, as a multiple of the font size.
PARAGRAPH_SPACING = 0.3
EMU_PER_PT = 12700
_TOKEN = re.compile(
    r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\u3000-\u303f]|\s+|[^\s\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+"
)


@lru_cache(maxsize=64)
def _font(size_pt: float) -> ImageFont.FreeTypeFont:
    from reportgen.render.png import cjk_font_path

    # size in 1/10 pt for precision; widths are divided back below
    return ImageFont.truetype(str(cjk_font_path()), max(1, round(size_pt * 10)))


@lru_cache(maxsize=65_536)  # wrapping measures the same words and prefixes again and again
def text_width(text: str, size_pt: float) -> float:
    """Width of ``text`` in points at ``size_pt``."""
    if not text:
        return 0.0
    return _font(size_pt).getlength(text) / 10.0


@lru_cache(maxsize=16)
def _fallback_font(size_pt: float, bold: bool) -> ImageFont.FreeTypeFont:
    """DejaVu Sans (shipped with matplotlib): what a renderer without the deck's font
    sets Latin text in (LibreOffice does), wider than Noto Sans SC."""
    import os

    import matplotlib

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    path = os.path.join(matplotlib.get_data_path(), "fonts", "ttf", name)
    return ImageFont.truetype(path, max(1, round(size_pt * 10)))


@lru_cache(maxsize=65_536)
def word_width(word: str, size_pt: float, bold: bool = False) -> float:
    """Width in points a word may take on screen: the deck's font (bold ≈ 7 % wider), or
    the wider substitute a viewer without it uses for Latin text."""
    width = text_width(word, size_pt) * (1.07 if bold else 1.0)
    if word.isascii():
        width = max(width, _fallback_font(size_pt, bold).getlength(word) / 10.0)
    return width


def words(text: str) -> list[str]:
    """The pieces a line never breaks inside: words, and each CJK character."""
    return [t for t in _TOKEN.findall(text) if not t.isspace()]


def wrap(text: str, width_pt: float, size_pt: float) -> list[str]:
    """Lines of ``text`` wrapped to ``width_pt``: at spaces, or between CJK characters."""
    lines: list[str] = []
    for para in text.split("\n"):
        line = ""
        for token in _TOKEN.findall(para):
            candidate = line + token
            if text_width(candidate.rstrip(), size_pt) <= width_pt or not line.strip():
                # a single token longer than the line is split per character
                if text_width(candidate.rstrip(), size_pt) > width_pt and not line.strip():
                    for ch in token:
                        if text_width((line + ch).rstrip(), size_pt) > width_pt and line.strip():
                            lines.append(line.rstrip())
                            line = ch.lstrip()
                        else:
                            line += ch
                    continue
                line = candidate
            else:
                lines.append(line.rstrip())
                line = token.lstrip()
        lines.append(line.rstrip())
    return lines


def text_height(paragraphs: Sequence[str], width_pt: float, size_pt: float) -> float:
    """Height in points that ``paragraphs`` need in a box ``width_pt`` wide."""
    n_lines = sum(len(wrap(p, width_pt, size_pt)) for p in paragraphs)
    gaps = max(0, len(paragraphs) - 1) * PARAGRAPH_SPACING * size_pt
    return n_lines * LINE_SPACING * size_pt + gaps


@dataclass(frozen=True)
class Fit:
    size_pt: float
    kept: tuple[str, ...]
    moved: tuple[str, ...]  # paragraphs that did not fit even at the floor


def fit(
    paragraphs: Sequence[str],
    width_pt: float,
    height_pt: float,
    *,
    size_pt: float,
    floor_pt: float,
) -> Fit:
    """The largest size between ``floor_pt`` and ``size_pt`` (0.5 pt steps) at which the
    paragraphs fit; else the floor and as many leading paragraphs as fit (at least one,
    which the caller must then cut)."""
    size = size_pt
    while size >= floor_pt:
        if text_height(paragraphs, width_pt, size) <= height_pt:
            return Fit(size, tuple(paragraphs), ())
        size -= 0.5
    kept: list[str] = []
    for p in paragraphs:
        if kept and text_height([*kept, p], width_pt, floor_pt) > height_pt:
            break
        kept.append(p)
    return Fit(floor_pt, tuple(kept), tuple(paragraphs[len(kept) :]))


def truncate_to(text: str, width_pt: float, height_pt: float, size_pt: float) -> str:
    """``text`` cut (with an ellipsis) so that it fits the box at ``size_pt``."""
    if text_height([text], width_pt, size_pt) <= height_pt:
        return text
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if text_height([text[:mid] + "…"], width_pt, size_pt) <= height_pt:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + "…"
