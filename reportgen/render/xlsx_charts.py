"""A :class:`~reportgen.model.charts.ChartSpec` as a native, editable Excel chart.

The chart's figures are written into the sheet as a small table (the "figures behind
the chart", which a reader can check and re-chart) and the chart references that
range. The series also carry cached values, so viewers that do not recalculate
(previews, some mail clients) draw the same numbers. Missing values (None) are empty
cells and gaps in the chart; NaN cannot occur (ChartSpec refuses it).

Reference lines (targets, benchmarks) become constant series: dashed lines on line
and column charts, an extra bar on bar charts.
"""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.chart import BarChart, LineChart
from openpyxl.chart._chart import ChartBase
from openpyxl.chart.data_source import (
    AxDataSource,
    NumData,
    NumDataSource,
    NumRef,
    NumVal,
    StrData,
    StrRef,
    StrVal,
)
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.series import Series, SeriesLabel
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.line import LineProperties
from openpyxl.drawing.text import (
    CharacterProperties,
    Paragraph,
    ParagraphProperties,
    RegularTextRun,
)
from openpyxl.utils import get_column_letter, quote_sheetname

from reportgen.branding import DEFAULT_PALETTE, series_colour
from reportgen.model.charts import ChartSpec
from reportgen.render.xlsx_cells import HEADER_ALIGN, HEADER_FONT, HEADER_WRAP_AT, SheetWriter
from reportgen.sanitize import excel_text

REFERENCE_COLOURS = {"target": "C00000", "benchmark": "548235", "average": "7F7F7F"}
WIDTH_CM = 16.0
HEIGHT_CM = 7.5


def chart_data_rows(spec: ChartSpec) -> int:
    """Rows the chart's data table takes (header + one per category)."""
    return 1 + len(spec.categories)


def chart_to_openpyxl(
    spec: ChartSpec,
    sw: SheetWriter,
    anchor: str,
    data_at: tuple[int, int],
    *,
    width_cm: float = WIDTH_CM,
    height_cm: float = HEIGHT_CM,
    colours: tuple[str, ...] = DEFAULT_PALETTE,
) -> ChartBase:
    """Write the spec's figures at ``data_at`` (row, column) and a native chart at ``anchor``.

    Data series take ``colours`` (the branding palette, ``RRGGBB``) in order: the unit,
    the comparison (group), then others."""
    if spec.kind not in ("line", "column", "bar", "stacked_100"):
        raise NotImplementedError(f"chart kind {spec.kind!r} has no native Excel rendering yet")
    row0, col0 = data_at
    fmt = spec.number_format
    columns = [*((s.name, s.values) for s in spec.series)]
    columns += [(r.label, tuple(r.value for _ in spec.categories)) for r in spec.references]
    head = {"font": HEADER_FONT, "alignment": HEADER_ALIGN, "width_cap": HEADER_WRAP_AT}
    sw.text(row0, col0, spec.x_title or "", **head)  # type: ignore[arg-type]
    for j, (name, values) in enumerate(columns, start=1):
        sw.text(row0, col0 + j, name, **head)  # type: ignore[arg-type]
        for i, v in enumerate(values, start=1):
            sw.number(row0 + i, col0 + j, v, fmt)
    for i, c in enumerate(spec.categories, start=1):
        sw.text(row0 + i, col0, c)

    sheet = quote_sheetname(sw.ws.title)
    first, last = row0 + 1, row0 + len(spec.categories)
    cat_col = get_column_letter(col0)
    cats = AxDataSource(
        strRef=_str_ref(f"{sheet}!${cat_col}${first}:${cat_col}${last}", spec.categories)
    )

    def series(j: int, name: str, values: Sequence[float | None]) -> Series:
        col = get_column_letter(col0 + j)
        return Series(
            tx=SeriesLabel(strRef=_str_ref(f"{sheet}!${col}${row0}", (name,))),
            cat=cats,
            val=_num_source(f"{sheet}!${col}${first}:${col}${last}", values, fmt),
        )

    n_data = len(spec.series)
    main = _main_chart(spec)
    for j, s in enumerate(spec.series, start=1):
        ser = series(j, s.name, s.values)
        _style_series(ser, spec.kind, series_colour(colours, j - 1))
        main.series.append(ser)
    refs = []
    for k, r in enumerate(spec.references, start=n_data + 1):
        ser = series(k, r.label, columns[k - 1][1])
        colour = REFERENCE_COLOURS.get(r.role, "7F7F7F")
        if spec.kind == "bar":
            _style_series(ser, "bar", colour)
            main.series.append(ser)
        else:
            _style_reference(ser, colour)
            refs.append(ser)
    if refs:
        overlay = LineChart()
        overlay.series.extend(refs)
        overlay.y_axis.axId = main.y_axis.axId
        overlay.x_axis = main.x_axis
        main += overlay
    _finish(main, spec, width_cm, height_cm)
    sw.ws.add_chart(main, anchor)
    return main


def _main_chart(spec: ChartSpec) -> ChartBase:
    """The chart of the data series; values are labelled when there is a single series."""
    if spec.kind == "line":
        return LineChart()
    chart = BarChart()
    chart.type = "bar" if spec.kind == "bar" else "col"
    if spec.kind == "stacked_100":
        chart.grouping = "percentStacked"
        chart.overlap = 100
    else:
        chart.grouping = "clustered"
        chart.gapWidth = 80
    if spec.kind != "line" and len(spec.series) == 1:
        chart.dataLabels = DataLabelList(
            numFmt=spec.number_format,
            showVal=True,
            showSerName=False,
            showCatName=False,
            showLegendKey=False,
            showPercent=False,
            showLeaderLines=False,
        )
    if spec.kind == "bar":
        chart.x_axis.scaling.orientation = "maxMin"  # first category on top, as in the table
        chart.y_axis.crosses = "max"  # …and the value axis at the bottom
    return chart


def _style_series(ser: Series, kind: str, colour: str) -> None:
    if kind == "line":
        ser.graphicalProperties.line.solidFill = colour
        ser.graphicalProperties.line.width = 28575  # 2.25 pt
        ser.marker.symbol = "circle"
        ser.marker.size = 6
        ser.marker.graphicalProperties = GraphicalProperties(solidFill=colour)
        ser.marker.graphicalProperties.line.solidFill = colour
        ser.smooth = False
    else:
        ser.graphicalProperties = GraphicalProperties(solidFill=colour)
        ser.graphicalProperties.line.solidFill = colour


def _style_reference(ser: Series, colour: str) -> None:
    ser.graphicalProperties = GraphicalProperties(
        ln=LineProperties(solidFill=colour, prstDash="dash", w=19050)
    )
    ser.marker.symbol = "none"
    ser.smooth = False


def _finish(chart: ChartBase, spec: ChartSpec, width_cm: float, height_cm: float) -> None:
    chart.title = _title(spec.title)
    chart.width, chart.height = width_cm, height_cm
    chart.legend.position = "b"
    chart.display_blanks = "gap"
    chart.y_axis.number_format = spec.number_format
    # openpyxl 3.1 marks axes as deleted unless told otherwise: Excel then hides them.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    if spec.x_title:
        chart.x_axis.title = spec.x_title
    if spec.y_title:
        chart.y_axis.title = spec.y_title


def _title(text: str) -> Title:
    props = CharacterProperties(sz=1200, b=True)
    run = RegularTextRun(rPr=props, t=_clean(text))
    para = Paragraph(pPr=ParagraphProperties(defRPr=props), r=[run])
    return Title(tx=Text(rich=RichText(p=[para])), overlay=False)


def _str_ref(ref: str, texts: Sequence[str]) -> StrRef:
    return StrRef(
        f=ref,
        strCache=StrData(
            ptCount=len(texts), pt=[StrVal(idx=i, v=_clean(t)) for i, t in enumerate(texts)]
        ),
    )


def _num_source(ref: str, values: Sequence[float | None], fmt: str) -> NumDataSource:
    points = [NumVal(idx=i, v=v) for i, v in enumerate(values) if v is not None]
    return NumDataSource(
        numRef=NumRef(f=ref, numCache=NumData(formatCode=fmt, ptCount=len(values), pt=points))
    )


def _clean(text: str) -> str:
    """Chart text as its cell holds it (the cell write counts what was removed)."""
    return excel_text(str(text)).text
