"""Native, editable PowerPoint charts from a :class:`~reportgen.model.charts.ChartSpec`.

Column, bar, line and 100%-stacked bar map to python-pptx chart types. Reference lines
(targets, benchmarks, group averages) are series of constant values, so they stay
editable: dashed lines on line charts; on column charts they are moved into a
``c:lineChart`` overlaid on the same axes (python-pptx has no combo-chart API), so they
draw as a dashed line across the columns instead of as empty bars. A horizontal bar chart
cannot carry such an overlay; its references are left out of the chart and belong in
the slide's text. Data labels use the KPI's number format; data series take the
branding palette's colours (:mod:`reportgen.branding`). Scatter charts are not native
here and are drawn by matplotlib as a picture (:func:`reportgen.render.png.render_png`).
"""

from __future__ import annotations

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
from reportgen.render.pptx_chartdata import ReproducibleChartData

NATIVE = {
    "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
    "bar": XL_CHART_TYPE.BAR_CLUSTERED,
    "line": XL_CHART_TYPE.LINE_MARKERS,
    "stacked_100": XL_CHART_TYPE.BAR_STACKED_100,
}


REFERENCE_COLOUR = "C44E52"
#: Chart kinds whose references are drawn (line: as series; column: as a line overlay).
REFERENCE_KINDS = ("line", "column")


def references(spec: ChartSpec) -> tuple:  # type: ignore[type-arg]
    return spec.references if spec.kind in REFERENCE_KINDS else ()


def chart_data(spec: ChartSpec) -> ReproducibleChartData:
    fmt = "0%" if spec.kind == "stacked_100" else spec.number_format
    data = ReproducibleChartData(number_format=fmt)
    data.categories = list(spec.categories)
    for s in spec.series:
        data.add_series(s.name, list(s.values))
    for ref in references(spec):
        data.add_series(ref.label, [ref.value] * len(spec.categories))
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
    fmt = "0%" if spec.kind == "stacked_100" else spec.number_format
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
    if spec.kind in ("bar", "stacked_100"):
        # read top-down: the first category on top
        chart.category_axis.reverse_order = True
    for ref_index in range(len(refs)):
        series = chart.plots[0].series[len(spec.series) + ref_index]
        if spec.kind == "line":
            series.marker.style = XL_MARKER_STYLE.NONE
            series.format.line.dash_style = MSO_LINE_DASH_STYLE.DASH
            series.format.line.color.rgb = RGBColor.from_string(REFERENCE_COLOUR)
            series.smooth = False
    if spec.kind == "column" and refs:
        overlay_references(chart, len(spec.series))
    _ea_on_txpr(chart._chartSpace, *fonts)
    return frame
