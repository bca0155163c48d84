"""The report model: a pure description of a deck, independent of PowerPoint.

A :class:`ReportModel` holds sections, a section holds slides, and a slide holds a
title sentence and a few blocks from a closed set: :class:`KpiTiles`, :class:`Chart`
(a :class:`~reportgen.model.charts.ChartSpec`), :class:`Table`, :class:`Bullets` and
:class:`Notes`. Every text is already formatted for its language; renderers only lay
it out. Nothing here imports python-pptx or matplotlib.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field
from typing import Literal

from reportgen.model.charts import ChartSpec
from reportgen.sanitize import is_unpresentable

#: How a slide is laid out; the renderer maps each to a template layout by name.
SlideLayout = Literal["title", "section", "content", "title_only"]
#: A KPI tile's verdict on the change it shows (drives its colour, never its wording).
Verdict = Literal["improved", "worsened", "flat", "low_n", "no_comparison", "untested", "no_data"]

MAX_BULLETS = 5


def _check_text(text: str, what: str) -> None:
    if not isinstance(text, str):
        raise TypeError(f"{what}: expected text, got {type(text).__name__}")
    if is_unpresentable(text):
        raise ValueError(f"{what}: {text!r} is not a presentable text")


@dataclass(frozen=True)
class TitleSentence:
    """The finding of a slide, as one sentence."""

    text: str

    def __post_init__(self) -> None:
        _check_text(self.text, "title")
        if not self.text.strip():
            raise ValueError("a slide title cannot be empty")


@dataclass(frozen=True)
class KpiTile:
    label: str
    value: str
    detail: str = ""
    verdict: Verdict = "no_comparison"


@dataclass(frozen=True)
class KpiTiles:
    tiles: tuple[KpiTile, ...]

    def __post_init__(self) -> None:
        if not 1 <= len(self.tiles) <= 6:
            raise ValueError(f"1 to 6 KPI tiles per slide, got {len(self.tiles)}")
        for t in self.tiles:
            for text in (t.label, t.value, t.detail):
                _check_text(text, f"tile {t.label!r}")


@dataclass(frozen=True)
class Chart:
    spec: ChartSpec
    #: the KPI the chart shows, when it shows one (for notes and tests)
    kpi: str | None = None


@dataclass(frozen=True)
class Table:
    """Header and rows of formatted strings; ``numbers`` holds the raw figure behind each
    cell (None for text cells) so tests and other renderers can check values."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numbers: tuple[tuple[float | None, ...], ...] = ()
    #: relative column widths (defaults to equal)
    widths: tuple[float, ...] = ()
    #: heat-map tone per cell, −1 (bad, red) … +1 (good, green), None: no fill; one row
    #: per table row when given (the header is never toned)
    tones: tuple[tuple[float | None, ...], ...] = ()

    def __post_init__(self) -> None:
        width = len(self.header)
        for r in self.rows:
            if len(r) != width:
                raise ValueError(f"table row {r!r} has {len(r)} cells for {width} columns")
            for cell in r:
                _check_text(cell, "table cell")
        if self.numbers and len(self.numbers) != len(self.rows):
            raise ValueError("table numbers must have one row per table row")
        for r in self.numbers:
            for v in r:
                if v is not None and not math.isfinite(v):
                    raise ValueError(f"table number {v!r} is not finite; use None")
        if self.tones and (
            len(self.tones) != len(self.rows) or any(len(t) != width for t in self.tones)
        ):
            raise ValueError("table tones must have one entry per cell")
        if self.widths and len(self.widths) != width:
            raise ValueError("table widths must have one entry per column")


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]

    def __post_init__(self) -> None:
        if not 1 <= len(self.items) <= MAX_BULLETS:
            raise ValueError(f"1 to {MAX_BULLETS} bullets per slide, got {len(self.items)}")
        for item in self.items:
            _check_text(item, "bullet")
            if not item.strip():
                raise ValueError("empty bullet")


@dataclass(frozen=True)
class Notes:
    text: str

    def __post_init__(self) -> None:
        _check_text(self.text, "notes")


Block = KpiTiles | Chart | Table | Bullets


@dataclass(frozen=True)
class Slide:
    id: str
    layout: SlideLayout
    title: TitleSentence
    subtitle: str = ""
    blocks: tuple[Block, ...] = ()
    notes: Notes | None = None

    def blocks_of(self, kind: type) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if isinstance(b, kind))


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    slides: tuple[Slide, ...]


@dataclass(frozen=True)
class ReportModel:
    """One deck: for one unit (or ``"all"``), one period, one language."""

    title: str
    unit: str
    unit_name: str
    period_label: str
    period_display: str
    lang: str
    presenter: str
    date: _dt.date  # the period's last day: reruns give the same deck
    sections: tuple[Section, ...] = field(default_factory=tuple)

    @property
    def slides(self) -> tuple[Slide, ...]:
        return tuple(s for sec in self.sections for s in sec.slides)
