"""PNG charts: a :class:`~reportgen.model.charts.ChartSpec` drawn by matplotlib.

Used where a native chart is impossible (the e-mail summary). Text is set in Noto Sans
SC, shipped by the ``pylopdf-fonts-zh-cn`` package and registered with matplotlib when
a chart is drawn, so Chinese titles and labels never fall back to empty boxes; Latin
glyphs it lacks fall back to DejaVu Sans (matplotlib's own font). Axis ticks use
:func:`reportgen.formatting.format_value`, so a figure reads as in the tables.

The output is reproducible: no timestamp or software version is written into the PNG,
and matplotlib's Agg renderer is deterministic for the same input.
"""

from __future__ import annotations

import contextlib
import io
import math
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from reportgen.branding import DEFAULT_PALETTE, series_colour
from reportgen.formatting import format_value
from reportgen.model.charts import ChartSpec

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: The family name of the CJK font registered with matplotlib.
CJK_FONT_FAMILY = "Noto Sans SC"
_FALLBACK_FAMILY = "DejaVu Sans"

#: Reference lines by role (data series take the branding palette, unit series first).
_REFERENCE_STYLE = {
    "target": {"color": "#c44e52", "linestyle": "--"},
    "benchmark": {"color": "#6b6b6b", "linestyle": ":"},
    "average": {"color": "#6b6b6b", "linestyle": "-."},
}


def cjk_font_path() -> Path:
    """The Noto Sans SC font file (simplified Chinese plus Latin), from its PyPI package."""
    import pylopdf_fonts_zh_cn

    path = Path(pylopdf_fonts_zh_cn.sans_path())
    if not path.is_file():  # pragma: no cover - a broken install
        raise FileNotFoundError(f"CJK font {path} is missing; reinstall pylopdf-fonts-zh-cn")
    return path


def register_cjk_font() -> str:
    """Make the CJK font known to matplotlib (once per process); return its family name."""
    from matplotlib import font_manager

    path = str(cjk_font_path())
    if not any(f.fname == path for f in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(path)
    return CJK_FONT_FAMILY


@contextlib.contextmanager
def chart_style() -> Iterator[None]:
    """The look of every PNG chart: the CJK font first, then matplotlib's own."""
    import matplotlib

    family = register_cjk_font()
    rc = {
        "font.family": [family, _FALLBACK_FAMILY],
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
    with matplotlib.rc_context(rc):
        yield


def chart_figure(
    spec: ChartSpec,
    *,
    lang: str = "en",
    width_in: float = 6.4,
    height_in: float = 3.2,
    dpi: int = 120,
    colours: tuple[str, ...] = DEFAULT_PALETTE,
) -> Figure:
    """The matplotlib figure of ``spec`` (one axes), not yet drawn.

    Supports every :data:`~reportgen.model.charts.ChartKind`. ``None`` values are gaps:
    a break in a line, a missing bar. Value ticks are formatted by ``format_value``.
    Data series take ``colours`` (the branding palette, ``RRGGBB``) in order."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    with chart_style():
        fig = Figure(figsize=(width_in, height_in), dpi=dpi, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        _draw(ax, spec, lang, colours)
        value_axis = ax.xaxis if spec.kind == "bar" else ax.yaxis
        if spec.kind == "stacked_100":
            value_axis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
        else:
            value_axis.set_major_formatter(
                FuncFormatter(lambda v, _pos: format_value(v, spec.value_unit, lang))
            )
        ax.set_title(spec.title, loc="left", fontsize=11)  # the font has no bold face
        if spec.x_title:
            ax.set_xlabel(spec.x_title)
        if spec.y_title:
            ax.set_ylabel(spec.y_title)
        _, labels = ax.get_legend_handles_labels()
        if len(labels) > 1:
            ax.legend(frameon=False, fontsize=8, loc="best")
        ax.grid(axis="x" if spec.kind == "bar" else "y", color="#e5e5e5", linewidth=0.8)
        ax.set_axisbelow(True)
    return fig


def render_png(
    spec: ChartSpec,
    *,
    lang: str = "en",
    dpi: int = 120,
    colours: tuple[str, ...] = DEFAULT_PALETTE,
    **size: float,
) -> bytes:
    """Draw ``spec`` (see :func:`chart_figure`) and return the PNG bytes."""
    with chart_style():
        fig = chart_figure(spec, lang=lang, dpi=dpi, colours=colours, **size)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def _nan(values: tuple[float | None, ...]) -> list[float]:
    return [math.nan if v is None else v for v in values]


def _draw(ax, spec: ChartSpec, lang: str, colours: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    x = list(range(len(spec.categories)))
    n = max(len(spec.series), 1)
    if spec.kind == "line":
        for i, s in enumerate(spec.series):
            color = f"#{series_colour(colours, i)}"
            ys = _nan(s.values)
            width = 2.0 if i == 0 else 1.5
            ax.plot(x, ys, marker="o", markersize=3.5, linewidth=width, color=color, label=s.name)
            last = max((j for j, v in enumerate(s.values) if v is not None), default=None)
            if last is not None and i == 0:
                ax.annotate(
                    format_value(s.values[last], spec.value_unit, lang),
                    (x[last], ys[last]),
                    textcoords="offset points",
                    xytext=(0, 6),
                    ha="center",
                    fontsize=8,
                    color=color,
                )
        ax.set_xticks(x, spec.categories)
    elif spec.kind in ("column", "bar"):
        width = 0.8 / n
        for i, s in enumerate(spec.series):
            pos = [p - 0.4 + width * (i + 0.5) for p in x]
            draw = ax.barh if spec.kind == "bar" else ax.bar
            draw(pos, _nan(s.values), width, color=f"#{series_colour(colours, i)}", label=s.name)
        if spec.kind == "bar":
            ax.set_yticks(x, spec.categories)
            ax.invert_yaxis()
        else:
            ax.set_xticks(x, spec.categories)
    elif spec.kind == "stacked_100":
        columns = zip(*(s.values for s in spec.series), strict=True)
        totals = [sum(v or 0.0 for v in col) for col in columns]
        bottom = [0.0] * len(x)
        for i, s in enumerate(spec.series):
            shares = [(v or 0.0) / t if t else 0.0 for v, t in zip(s.values, totals, strict=True)]
            ax.bar(
                x, shares, 0.6, bottom=bottom, color=f"#{series_colour(colours, i)}", label=s.name
            )
            bottom = [b + sh for b, sh in zip(bottom, shares, strict=True)]
        ax.set_xticks(x, spec.categories)
        ax.set_ylim(0, 1)
    elif spec.kind == "scatter":
        # categories name the points; the first series is x, the second y
        if len(spec.series) < 2:
            raise ValueError(f"chart {spec.title!r}: a scatter needs an x and a y series")
        xs, ys = _nan(spec.series[0].values), _nan(spec.series[1].values)
        ax.scatter(xs, ys, color=f"#{series_colour(colours, 0)}", s=18)
        for label, xv, yv in zip(spec.categories, xs, ys, strict=True):
            if not (math.isnan(xv) or math.isnan(yv)):
                ax.annotate(label, (xv, yv), textcoords="offset points", xytext=(3, 3), fontsize=7)
        ax.set_xlabel(spec.x_title or spec.series[0].name)
        ax.set_ylabel(spec.y_title or spec.series[1].name)
    else:  # pragma: no cover - ChartKind is closed
        raise ValueError(f"chart {spec.title!r}: unknown kind {spec.kind!r}")
    for ref in spec.references:
        style = _REFERENCE_STYLE.get(ref.role, _REFERENCE_STYLE["target"])
        if ref.values is not None:  # a line chart's target per period
            ax.plot(x, _nan(ref.values), linewidth=1.2, marker="_", label=ref.label, **style)
            continue
        line = ax.axvline if spec.kind == "bar" else ax.axhline
        line(ref.value, linewidth=1.2, label=ref.label, **style)
