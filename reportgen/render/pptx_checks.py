"""Checks every generated deck must pass, run by the tests on each deck they make.

:func:`check_deck` reopens a .pptx and reports: text that does not fit its box (measured
with the real font, see :mod:`reportgen.render.pptx_text`), shapes off the slide, text
runs without an East Asian font, "nan"/"None" anywhere in slide or notes text, empty
placeholders left behind, and charts with non-finite values.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from pptx import Presentation
from pptx.oxml.ns import qn

from reportgen.render import pptx_text as tx

_BAD = re.compile(r"(?<![A-Za-z])(nan|None|NaN|null|inf)(?![A-Za-z])")
#: measurement tolerance: 3% of the box height
TOLERANCE = 1.03


@dataclass(frozen=True)
class Problem:
    slide: int  # 1-based
    shape: str
    kind: str  # overflow, off_slide, no_east_asian_font, bad_text, empty_placeholder, bad_chart
    detail: str


def _frame_overflow(tf, width_emu: int, height_emu: int, inset: tuple[int, int]) -> str | None:  # type: ignore[no-untyped-def]
    paras, size = [], 0.0
    for p in tf.paragraphs:
        text = "".join(r.text for r in p.runs)
        sizes = [r.font.size.pt for r in p.runs if r.font.size is not None]
        if sizes:
            size = max(size, *sizes)
        paras.append(text)
    if not any(paras) or not size:
        return None
    w = (width_emu - 2 * inset[0]) / tx.EMU_PER_PT
    h = (height_emu - 2 * inset[1]) / tx.EMU_PER_PT
    need = tx.text_height(paras, w, size)
    if need > h * TOLERANCE:
        return f"needs {need:.0f} pt, box {h:.0f} pt at {size:g} pt: {paras[0][:40]!r}"
    return None


def check_deck(path: Path) -> list[Problem]:
    prs = Presentation(str(path))
    W, H = int(prs.slide_width), int(prs.slide_height)
    out: list[Problem] = []
    for i, slide in enumerate(prs.slides, start=1):
        texts: list[str] = []
        for shape in slide.shapes:
            name = shape.name
            if shape.left is not None and (
                shape.left < 0
                or shape.top < 0
                or shape.left + shape.width > W
                or shape.top + shape.height > H
            ):
                out.append(
                    Problem(
                        i,
                        name,
                        "off_slide",
                        f"{shape.left},{shape.top},{shape.width},{shape.height}",
                    )
                )
            if shape.is_placeholder and shape.has_text_frame and not shape.text_frame.text.strip():
                out.append(Problem(i, name, "empty_placeholder", "placeholder left empty"))
            frames = []
            if shape.has_text_frame:
                frames.append((shape.text_frame, shape.width, shape.height, (91440, 45720)))
            if shape.has_table:
                tbl = shape.table
                for row in tbl.rows:
                    for c, cell in enumerate(row.cells):
                        frames.append(
                            (
                                cell.text_frame,
                                tbl.columns[c].width,
                                row.height,
                                (cell.margin_left, cell.margin_top),
                            )
                        )
            for tf, w, h, inset in frames:
                problem = _frame_overflow(tf, int(w), int(h), inset)
                if problem:
                    out.append(Problem(i, name, "overflow", problem))
                for p in tf.paragraphs:
                    for r in p.runs:
                        texts.append(r.text)
                        rpr = r._r.find(qn("a:rPr"))
                        ea = None if rpr is None else rpr.find(qn("a:ea"))
                        if r.text.strip() and (ea is None or not ea.get("typeface")):
                            out.append(Problem(i, name, "no_east_asian_font", r.text[:40]))
            if shape.has_chart:
                chart = shape.chart
                texts += list(chart.plots[0].categories)
                for s in chart.plots[0].series:
                    texts.append(s.name)
                    for v in s.values:
                        if v is not None and not math.isfinite(v):
                            out.append(Problem(i, name, "bad_chart", f"series {s.name!r}: {v!r}"))
        if slide.has_notes_slide:
            texts.append(slide.notes_slide.notes_text_frame.text)
        for t in texts:
            m = _BAD.search(str(t))
            if m:
                out.append(Problem(i, "text", "bad_text", f"{m.group(0)!r} in {str(t)[:60]!r}"))
    return out
