"""Native, editable PowerPoint charts from a :class:`~reportgen.model.charts.ChartSpec`.

Column, bar, line and 100%-stacked bar map to python-pptx chart types; reference lines
(targets, benchmarks, group averages) become an extra series of constant values, so they
stay editable. Data labels use the KPI's number format. Scatter charts are not native
here and are drawn by matplotlib as a picture (:func:`reportgen.render.png.render_png`).
"""

from __future__ import annotations

from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.oxml.ns import qn
from pptx.util import Pt

from reportgen.model.charts import ChartSpec

NATIVE = {
    "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
    "bar": XL_CHART_TYPE.BAR_CLUSTERED,
    "line": XL_CHART_TYPE.LINE_MARKERS,
    "stacked_100": XL_CHART_TYPE.BAR_STACKED_100,
}


def chart_data(spec: ChartSpec) -> CategoryChartData:
    fmt = "0%" if spec.kind == "stacked_100" else spec.number_format
    data = CategoryChartData(number_format=fmt)
    data.categories = list(spec.categories)
    for s in spec.series:
        data.add_series(s.name, list(s.values))
    for ref in spec.references:
        data.add_series(ref.label, [ref.value] * len(spec.categories))
    return data


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


def add_chart(slide, spec: ChartSpec, box: tuple[int, int, int, int], fonts: tuple[str, str]):  # type: ignore[no-untyped-def]
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
    many = len(spec.series) + len(spec.references) > 1
    chart.has_legend = many
    if many:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    fmt = "0%" if spec.kind == "stacked_100" else spec.number_format
    for i, series in enumerate(chart.plots[0].series):
        is_ref = i >= len(spec.series)
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
    for ref_index in range(len(spec.references)):
        series = chart.plots[0].series[len(spec.series) + ref_index]
        if spec.kind == "line":
            series.marker.style = None
            series.format.line.dash_style = MSO_LINE_DASH_STYLE.DASH
            series.smooth = False
        else:
            series.format.fill.background()
            series.format.line.color.rgb = RGBColor(0xC4, 0x4E, 0x52)
    _ea_on_txpr(chart._chartSpace, *fonts)
    return frame
