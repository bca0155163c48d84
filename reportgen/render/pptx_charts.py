"""Native, editable PowerPoint charts from a :class:`~reportgen.model.charts.ChartSpec`.

Column, bar, line and 100%-stacked bar map to python-pptx chart types. Reference lines
(targets, benchmarks, group averages) are series of constant values, so they stay
editable: dashed lines on line charts; on column charts they are moved into a
``c:lineChart`` overlaid on the same axes (python-pptx has no combo-chart API), so they
draw as a dashed line across the columns instead of as empty bars. A horizontal bar chart
cannot carry such an overlay; its references are left out of the chart and belong in
the slide's text. Data labels use the KPI's number format; data series take the
branding palette's colours (:mod:`reportgen.branding`).

Scatter charts (:func:`add_scatter`) are native XY charts: one marker per category,
labelled with its name; their references are dashed lines across the plot, vertical
for an ``x`` reference and horizontal for a ``y`` one (the splits of a quadrant chart).
"""

from __future__ import annotations

import math

from pptx.chart.data import XyChartData
from pptx.chart.xlsx import XyWorkbookWriter
from pptx.dml.color import RGBColor
from pptx.enum.chart import (
    XL_CHART_TYPE,
    XL_LABEL_POSITION,
    XL_LEGEND_POSITION,
    XL_MARKER_STYLE,
)
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.oxml import parse_xml
from pptx.oxml.ns import nsdecls, qn
from pptx.util import Pt

from reportgen.branding import DEFAULT_PALETTE, series_colour
from reportgen.model.charts import ChartSpec
from reportgen.render.pptx_chartdata import ReproducibleChartData, _FixedDateWorkbookWriter

NATIVE = {
    "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
    "bar": XL_CHART_TYPE.BAR_CLUSTERED,
    "line": XL_CHART_TYPE.LINE_MARKERS,
    "stacked_100": XL_CHART_TYPE.BAR_STACKED_100,
    "scatter": XL_CHART_TYPE.XY_SCATTER,
}


REFERENCE_COLOUR = "C44E52"
#: Chart kinds whose references are drawn (line: as series; column: as a line overlay).
REFERENCE_KINDS = ("line", "column")


def references(spec: ChartSpec) -> tuple:  # type: ignore[type-arg]
    return spec.references if spec.kind in REFERENCE_KINDS else ()


def chart_data(spec: ChartSpec) -> ReproducibleChartData:
    fmt = "0.0%" if spec.kind == "stacked_100" else spec.number_format
    data = ReproducibleChartData(number_format=fmt)
    data.categories = list(spec.categories)
    for s in spec.series:
        data.add_series(s.name, list(s.values))
    for ref in references(spec):
        line = ref.values if ref.values is not None else [ref.value] * len(spec.categories)
        data.add_series(ref.label, list(line))
    return data


def _dashed_line(ser) -> None:  # type: ignore[no-untyped-def]
    """A dashed red line without markers for reference series ``ser`` (a c:ser)."""
    for tag in ("c:spPr", "c:marker", "c:invertIfNegative", "c:dLbls", "c:smooth"):
        for el in ser.findall(qn(tag)):
            ser.remove(el)
    sppr = parse_xml(
        f'<c:spPr {nsdecls("c", "a")}><a:ln w="22225" cap="rnd">'
        f'<a:solidFill><a:srgbClr val="{REFERENCE_COLOUR}"/></a:solidFill>'
        '<a:prstDash val="dash"/></a:ln></c:spPr>'
    )
    marker = parse_xml(f'<c:marker {nsdecls("c")}><c:symbol val="none"/></c:marker>')
    tx = ser.find(qn("c:tx"))
    anchor = tx if tx is not None else ser.find(qn("c:order"))
    anchor.addnext(sppr)
    sppr.addnext(marker)
    ser.append(parse_xml(f'<c:smooth {nsdecls("c")} val="0"/>'))


def overlay_references(chart, n_series: int) -> None:  # type: ignore[no-untyped-def]
    """Move the reference series (after the first ``n_series``) of a column chart out of
    its ``c:barChart`` into a ``c:lineChart`` on the same axes."""
    plot_area = chart._chartSpace.find(qn("c:chart")).find(qn("c:plotArea"))
    bar = plot_area.find(qn("c:barChart"))
    refs = bar.findall(qn("c:ser"))[n_series:]
    if not refs:
        return
    line = parse_xml(
        f'<c:lineChart {nsdecls("c")}><c:grouping val="standard"/>'
        '<c:varyColors val="0"/></c:lineChart>'
    )
    for ser in refs:
        bar.remove(ser)
        _dashed_line(ser)
        line.append(ser)
    line.append(parse_xml(f'<c:marker {nsdecls("c")} val="1"/>'))
    for ax_id in bar.findall(qn("c:axId")):
        line.append(parse_xml(f'<c:axId {nsdecls("c")} val="{ax_id.get("val")}"/>'))
    bar.addnext(line)


def _ea_on_txpr(element: object, latin: str, east_asian: str) -> None:
    """Give every default run property under ``element`` a Latin and East Asian font."""
    for rpr in element.iter(qn("a:defRPr"), qn("a:rPr")):  # type: ignore[attr-defined]
        latin_el = rpr.find(qn("a:latin"))
        if latin_el is None:
            latin_el = rpr.makeelement(qn("a:latin"), {})
            rpr.append(latin_el)
        latin_el.set("typeface", latin)
        ea = rpr.find(qn("a:ea"))
        if ea is None:
            ea = rpr.makeelement(qn("a:ea"), {})
            latin_el.addnext(ea)
        ea.set("typeface", east_asian)


def _colour_series(series, kind: str, rgb: str) -> None:  # type: ignore[no-untyped-def]
    """Give data series ``series`` its palette colour (``RRGGBB``): the fill of bars, the
    line and markers of a line."""
    colour = RGBColor.from_string(rgb)
    if kind == "line":
        series.format.line.color.rgb = colour
        series.marker.format.fill.solid()
        series.marker.format.fill.fore_color.rgb = colour
        series.marker.format.line.color.rgb = colour
    else:
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = colour


def add_chart(  # type: ignore[no-untyped-def]
    slide,
    spec: ChartSpec,
    box: tuple[int, int, int, int],
    fonts: tuple[str, str],
    colours: tuple[str, ...] = DEFAULT_PALETTE,
):
    """A native chart of ``spec`` in ``box``; data series coloured from ``colours``
    (the branding palette, ``RRGGBB``), text in ``fonts`` (Latin, East Asian)."""
    if spec.kind == "scatter":
        return add_scatter(slide, spec, box, fonts, colours)
    x, y, cx, cy = box
    frame = slide.shapes.add_chart(NATIVE[spec.kind], x, y, cx, cy, chart_data(spec))
    chart = frame.chart
    chart.font.size = Pt(10)
    chart.has_title = True
    chart.chart_title.text_frame.text = spec.title
    for p in chart.chart_title.text_frame.paragraphs:
        for r in p.runs:
            r.font.size = Pt(12)
            r.font.bold = False
    refs = references(spec)
    many = len(spec.series) + len(refs) > 1
    chart.has_legend = many
    if many:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    fmt = "0.0%" if spec.kind == "stacked_100" else spec.number_format
    for i, series in enumerate(chart.plots[0].series):
        is_ref = i >= len(spec.series)
        if not is_ref:
            _colour_series(series, spec.kind, series_colour(colours, i))
        if is_ref or (spec.kind == "line" and i > 0):
            continue
        labels = series.data_labels
        labels.show_value = True
        labels.number_format = fmt
        labels.number_format_is_linked = False
        labels.font.size = Pt(9)
        if spec.kind == "line":
            labels.position = XL_LABEL_POSITION.ABOVE
    if spec.kind != "stacked_100":
        chart.value_axis.tick_labels.number_format = fmt
        chart.value_axis.tick_labels.number_format_is_linked = False
        chart.value_axis.has_major_gridlines = True
        _ratio_axis(chart, spec)
    if spec.kind in ("bar", "stacked_100"):
        # read top-down: the first category on top
        chart.category_axis.reverse_order = True
    for ref_index in range(len(refs)):
        series = chart.plots[0].series[len(spec.series) + ref_index]
        if spec.kind == "line":
            # a line that changes per period marks its points (one period alone shows)
            per_period = refs[ref_index].values is not None
            series.marker.style = XL_MARKER_STYLE.DASH if per_period else XL_MARKER_STYLE.NONE
            series.format.line.dash_style = MSO_LINE_DASH_STYLE.DASH
            series.format.line.color.rgb = RGBColor.from_string(REFERENCE_COLOUR)
            series.smooth = False
    if spec.kind == "column" and refs:
        for i, series in enumerate(list(chart.plots[0].series)[: len(spec.series)]):
            for point in labels_under_a_line(spec, i):
                label = series.points[point].data_label
                label.position = XL_LABEL_POSITION.INSIDE_END
                label.font.size = Pt(9)
                label.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        overlay_references(chart, len(spec.series))
    _ea_on_txpr(chart._chartSpace, *fonts)
    return frame


#: A column label's height, as a share of the value axis, and the least column height
#: (same share) that holds it inside (9 pt labels on a chart about 4.5 inches high).
_COLUMN_LABEL_H = 0.045
_COLUMN_FITS_LABEL = 0.12


def labels_under_a_line(spec: ChartSpec, index: int) -> list[int]:
    """The columns of series ``index`` whose value label, above the column, a reference
    line would cross (a group average through "29.2"): their labels go inside the top
    of the column instead, where the column is tall enough to hold one. The axis is
    estimated as the renderers draw it: from 0 (or the lowest value) to the highest
    value with about a tenth of headroom."""
    values = _plotted_values(spec)
    refs = references(spec)
    if not values:
        return []
    low, high = min(0.0, min(values)), max(0.0, max(values))
    span = (high - low) * 1.1 or 1.0
    out = []
    for i, v in enumerate(spec.series[index].values):
        if v is None or abs(v) < _COLUMN_FITS_LABEL * span:
            continue
        lines = [
            r.values[i] if r.values is not None and i < len(r.values) else r.value for r in refs
        ]
        top = v + math.copysign(_COLUMN_LABEL_H * span, v)
        if any(y is not None and min(v, top) <= y <= max(v, top) for y in lines):
            out.append(i)
    return out


def _plotted_values(spec: ChartSpec) -> list[float]:
    """Every value the value axis must hold: the series' and the reference lines'."""
    values = [v for s in spec.series for v in s.values if v is not None]
    values += [r.value for r in spec.references]
    values += [v for r in spec.references for v in (r.values or ()) if v is not None]
    return values


def _ratio_axis(chart, spec: ChartSpec) -> None:  # type: ignore[no-untyped-def]
    """Bars of shares from 0% to 100%: the renderers' own choice ran to 120% (no share
    exceeds 100%) or started at 86% (which makes a 3-point spread look large)."""
    if spec.kind not in ("bar", "column") or spec.value_unit != "ratio":
        return
    values = _plotted_values(spec)
    if values and min(values) >= 0 and max(values) <= 1:
        chart.value_axis.minimum_scale = 0.0
        chart.value_axis.maximum_scale = 1.0


# -- scatter ---------------------------------------------------------------------------


class _FixedDateXyWriter(XyWorkbookWriter):
    _open_worksheet = _FixedDateWorkbookWriter._open_worksheet


class ReproducibleXyChartData(XyChartData):
    """:class:`XyChartData` with a fixed-date embedded workbook."""

    @property
    def _workbook_writer(self) -> XyWorkbookWriter:
        writer = self.__dict__.get("_fixed_writer")
        if writer is None:
            writer = self.__dict__["_fixed_writer"] = _FixedDateXyWriter(self)
        return writer


#: A label's size as a share of the plot: per character wide, and high (9 pt labels on
#: a chart about 7 by 4.5 inches).
_LABEL_CHAR_W = 0.016
_LABEL_H = 0.06
#: A marker's half size as a share of the plot: labels keep clear of other points too.
_MARKER = 0.015


def label_positions(
    points: list[tuple[str, float, float]],
    x_span: tuple[float, float],
    y_span: tuple[float, float],
) -> list[XL_LABEL_POSITION]:
    """Where each point's label goes: right of it, unless that box overlaps a label
    already placed (two attributes with close importance and performance printed on
    top of each other); then above, below or left, the first that is free, or the one
    least covered by the labels placed before."""
    (x0, x1), (y0, y1) = x_span, y_span
    wx, wy = (x1 - x0) or 1.0, (y1 - y0) or 1.0
    at = [((xv - x0) / wx, (yv - y0) / wy) for _, xv, yv in points]
    placed: list[tuple[float, float, float, float]] = [
        (px - _MARKER, py - _MARKER, px + _MARKER, py + _MARKER) for px, py in at
    ]
    out = []
    for (name, _, _), (px, py) in zip(points, at, strict=True):
        w, h = _LABEL_CHAR_W * max(len(name), 1) * (2 if not name.isascii() else 1), _LABEL_H
        boxes = {
            XL_LABEL_POSITION.RIGHT: (px + 0.01, py - h / 2, px + 0.01 + w, py + h / 2),
            XL_LABEL_POSITION.ABOVE: (px - w / 2, py + 0.01, px + w / 2, py + 0.01 + h),
            XL_LABEL_POSITION.BELOW: (px - w / 2, py - 0.01 - h, px + w / 2, py - 0.01),
            XL_LABEL_POSITION.LEFT: (px - 0.01 - w, py - h / 2, px - 0.01, py + h / 2),
        }

        def overlap(box: tuple[float, float, float, float]) -> float:
            a0, b0, a1, b1 = box
            covered = sum(
                max(0.0, min(a1, c1) - max(a0, c0)) * max(0.0, min(b1, d1) - max(b0, d0))
                for c0, d0, c1, d1 in placed
            )
            inside = max(0.0, min(a1, 1.0) - max(a0, 0.0)) * max(0.0, min(b1, 1.0) - max(b0, 0.0))
            return covered + (a1 - a0) * (b1 - b0) - inside  # beyond the plot counts too

        # the first free place, else the least covered one (in the order above)
        pos = min(boxes, key=lambda p: overlap(boxes[p]))
        placed.append(boxes[pos])
        out.append(pos)
    return out


def _span(values: list[float], floor: float | None = None) -> tuple[float, float]:
    """Axis bounds around ``values`` with 10% padding (at least ``floor`` below)."""
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.1 or abs(hi) * 0.1 or 1.0
    lo, hi = lo - pad, hi + pad
    if floor is not None:
        lo = max(lo, floor)
    return lo, hi


def scatter_points(spec: ChartSpec) -> list[tuple[str, float, float]]:
    """(name, x, y) of every category with both values (first series x, second y)."""
    if len(spec.series) < 2:
        raise ValueError(f"chart {spec.title!r}: a scatter needs an x and a y series")
    xs, ys = spec.series[0].values, spec.series[1].values
    return [
        (name, x, y)
        for name, x, y in zip(spec.categories, xs, ys, strict=True)
        if x is not None and y is not None
    ]


def add_scatter(  # type: ignore[no-untyped-def]
    slide,
    spec: ChartSpec,
    box: tuple[int, int, int, int],
    fonts: tuple[str, str],
    colours: tuple[str, ...] = DEFAULT_PALETTE,
):
    """A native XY chart of ``spec``: markers labelled with the category names, axis
    titles from ``x_title`` / ``y_title``, references as dashed lines."""
    points = scatter_points(spec)
    xs = [p[1] for p in points] + [r.value for r in spec.references if r.axis == "x"]
    ys = [p[2] for p in points] + [r.value for r in spec.references if r.axis == "y"]
    x_lo, x_hi = _span(xs or [0.0], floor=0.0 if min(xs or [0.0]) >= 0 else None)
    y_lo, y_hi = _span(ys or [0.0], floor=0.0 if min(ys or [0.0]) >= 0 else None)
    if min(xs or [0.0]) >= 0:
        x_lo = 0.0  # x is typically a share (importance): read it from zero
    data = ReproducibleXyChartData(number_format=spec.number_format)
    s = data.add_series(spec.series[1].name, number_format=spec.number_format)
    for _, xv, yv in points:
        s.add_data_point(xv, yv)
    for ref in spec.references:
        line = data.add_series(ref.label)
        if ref.axis == "x":
            line.add_data_point(ref.value, y_lo)
            line.add_data_point(ref.value, y_hi)
        else:
            line.add_data_point(x_lo, ref.value)
            line.add_data_point(x_hi, ref.value)
    x, y, cx, cy = box
    frame = slide.shapes.add_chart(XL_CHART_TYPE.XY_SCATTER, x, y, cx, cy, data)
    chart = frame.chart
    chart.font.size = Pt(10)
    chart.has_title = True
    chart.chart_title.text_frame.text = spec.title
    for p in chart.chart_title.text_frame.paragraphs:
        for r in p.runs:
            r.font.size = Pt(12)
            r.font.bold = False
    chart.has_legend = bool(spec.references)
    if spec.references:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        # the legend names the reference lines only; the points carry their own labels
        chart.legend._element.find(qn("c:legendPos")).addnext(
            parse_xml(
                f'<c:legendEntry {nsdecls("c")}><c:idx val="0"/><c:delete val="1"/></c:legendEntry>'
            )
        )
    series = chart.plots[0].series
    marks = series[0]
    marks.format.line.fill.background()
    marks.marker.style = XL_MARKER_STYLE.CIRCLE
    marks.marker.size = 9
    colour = RGBColor.from_string(series_colour(colours, 0))
    marks.marker.format.fill.solid()
    marks.marker.format.fill.fore_color.rgb = colour
    marks.marker.format.line.color.rgb = colour
    positions = label_positions(points, (x_lo, x_hi), (y_lo, y_hi))
    for i, (name, _, _) in enumerate(points):
        label = marks.points[i].data_label
        label.has_text_frame = True
        label.text_frame.text = name
        label.position = positions[i]
        label.font.size = Pt(9)
    for ref_series in list(series)[1:]:
        ref_series.marker.style = XL_MARKER_STYLE.NONE
        ref_series.format.line.dash_style = MSO_LINE_DASH_STYLE.DASH
        ref_series.format.line.color.rgb = RGBColor.from_string(REFERENCE_COLOUR)
        ref_series.smooth = False
    for axis, lo, hi, fmt, title in (
        (chart.category_axis, x_lo, x_hi, spec.x_number_format, spec.x_title),
        (chart.value_axis, y_lo, y_hi, spec.number_format, spec.y_title),
    ):
        step = _step(hi - lo)
        axis.minimum_scale = math.floor(lo / step + 1e-9) * step
        axis.maximum_scale = math.ceil(hi / step - 1e-9) * step
        axis.major_unit = step
        axis.tick_labels.number_format = fmt
        axis.tick_labels.number_format_is_linked = False
        axis.has_major_gridlines = False
        if title:
            axis.has_title = True
            axis.axis_title.text_frame.text = title
    _ea_on_txpr(chart._chartSpace, *fonts)
    return frame


def _step(span: float) -> float:
    """A tidy tick step (1, 2 or 5 × 10^k) giving about five ticks over ``span``."""
    if not span > 0 or not math.isfinite(span):
        return 1.0
    raw = span / 5
    base = 10 ** math.floor(math.log10(raw))
    return next(m * base for m in (1, 2, 5, 10) if m * base >= raw)
