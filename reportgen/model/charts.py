"""One chart specification, rendered natively (Excel, PowerPoint) or by matplotlib.

A :class:`ChartSpec` is pure data: kind, title, categories, series, the KPI value
unit (which fixes number formats) and optional reference lines for targets and
benchmarks. Values are finite floats or ``None`` (a gap): NaN and infinities are
refused here, because they break native charts and must never reach a document.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal

from reportgen.formatting import HOURS_UNIT
from reportgen.sanitize import strip_control

ChartKind = Literal["column", "bar", "line", "stacked_100", "scatter"]

#: Number formats per KPI value unit (Excel/PowerPoint format codes).
NUMBER_FORMATS: dict[str, str] = {
    "ratio": "0.0%",
    "points": "0.0",
    "index": "0.0",
    "score": "0.00",
    "hours": '0.00" h"',  # the unit in the cell: a label cannot say it (text shows minutes)
    "currency": "#,##0",
    "count": "0.00",
    "number": "#,##0",  # whole counts: customers, comments
}


#: Percent points, as a workbook cell shows a change of a rate (value in points).
_PP = {"en": " pp", "zh-CN": "个百分点"}


def number_format(value_unit: str, lang: str = "en") -> str:
    """:data:`NUMBER_FORMATS` in a document's language: hours say 小时 in Chinese."""
    fmt = NUMBER_FORMATS[value_unit]
    if value_unit == "hours":
        fmt = fmt.replace('" h"', f'" {HOURS_UNIT.get(lang, HOURS_UNIT["en"])}"')
    return fmt


def change_number_format(value_unit: str, lang: str = "en") -> str:
    """The signed format for a change of a KPI with this unit: +1.2 pp · −0.35 · +1,234.
    A change of a rate is a difference of ratios: its cell holds percent points (see
    :func:`change_value`), never "+1.2%", which reads as a relative change."""
    if value_unit == "ratio":
        pp = _PP.get(lang, _PP["en"])
        return f'+0.0"{pp}";-0.0"{pp}";0.0"{pp}"'
    fmt = number_format(value_unit, lang)
    return f"+{fmt};-{fmt};{fmt}"


def change_value(value: float | None, value_unit: str) -> float | None:
    """A change as its workbook cell stores it: a rate's in percent points (×100); a
    change its format would round to zero is stored as 0 (Excel shows a tiny negative
    one as "-0.0", its zero section being for an exact 0 only)."""
    if value is None:
        return value
    cell = value * 100 if value_unit == "ratio" else value
    return 0.0 if abs(cell) < _shown_as_zero(value_unit) else cell


@cache
def _shown_as_zero(value_unit: str) -> float:
    """Below this size a change's format shows 0 (half its last decimal place)."""
    match = re.search(r"0\.(0+)", change_number_format(value_unit).split(";")[0])
    return 0.5 * 10.0 ** -(len(match.group(1)) if match else 0)


def clean_values(values: Iterable[float | int | None]) -> tuple[float | None, ...]:
    """Floats with NaN/inf/None → None (a gap in the chart)."""
    out: list[float | None] = []
    for v in values:
        if v is None:
            out.append(None)
            continue
        f = float(v)
        out.append(f if math.isfinite(f) else None)
    return tuple(out)


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]

    def __post_init__(self) -> None:
        for v in self.values:
            if v is not None and not math.isfinite(v):
                raise ValueError(f"series {self.name!r}: non-finite value {v!r}; use None")


@dataclass(frozen=True)
class ReferenceLine:
    """A horizontal (or, for bar charts, vertical) line such as a target or benchmark.
    On a scatter chart ``axis`` says which axis ``value`` is on: ``"x"`` draws a vertical
    line, ``"y"`` a horizontal one (e.g. the splits of a quadrant chart)."""

    label: str
    value: float
    role: Literal["target", "benchmark", "average"] = "target"
    axis: Literal["x", "y"] = "y"
    #: line charts: the line's value per category where it changes (a target set per
    #: period; None where there is none); ``value`` is then the latest one
    values: tuple[float | None, ...] | None = None


@dataclass(frozen=True)
class ChartSpec:
    kind: ChartKind
    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    value_unit: str = "ratio"
    references: tuple[ReferenceLine, ...] = ()
    x_title: str | None = None
    y_title: str | None = None
    #: scatter only: the unit of the x values (the first series); default ``value_unit``
    x_unit: str | None = None

    def __post_init__(self) -> None:
        for r in self.references:
            if r.values is not None and (
                self.kind != "line" or len(r.values) != len(self.categories)
            ):
                raise ValueError(
                    f"chart {self.title!r}: reference {r.label!r} has values per category: "
                    f"a line chart with {len(self.categories)} categories expected"
                )
        for s in self.series:
            if len(s.values) != len(self.categories):
                raise ValueError(
                    f"chart {self.title!r}: series {s.name!r} has {len(s.values)} values for "
                    f"{len(self.categories)} categories"
                )
        if self.value_unit not in NUMBER_FORMATS:
            raise ValueError(f"chart {self.title!r}: unknown value unit {self.value_unit!r}")
        if self.x_unit is not None and self.x_unit not in NUMBER_FORMATS:
            raise ValueError(f"chart {self.title!r}: unknown x unit {self.x_unit!r}")

    @property
    def number_format(self) -> str:
        return NUMBER_FORMATS[self.value_unit]

    @property
    def x_number_format(self) -> str:
        """Scatter: the number format of the x axis."""
        return NUMBER_FORMATS[self.x_unit or self.value_unit]

    @classmethod
    def build(
        cls,
        kind: ChartKind,
        title: str,
        categories: Sequence[str],
        series: Sequence[tuple[str, Iterable[float | int | None]]],
        **kwargs: object,
    ) -> ChartSpec:
        """Convenience constructor that cleans values (NaN → None) and labels (control
        characters, which break the chart's XML, left out)."""
        return cls(
            kind=kind,
            title=title,
            categories=tuple(strip_control(str(c))[0] for c in categories),
            series=tuple(
                Series(strip_control(name)[0], clean_values(vals)) for name, vals in series
            ),
            **kwargs,  # type: ignore[arg-type]
        )
