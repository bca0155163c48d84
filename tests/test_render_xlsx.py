"""The unit workbook: real files written, reopened with openpyxl and checked cell by cell."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from defusedxml import ElementTree
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries
from support.render_deck import calc_available

from reportgen.config import load_config
from reportgen.engine.compute import ALL
from reportgen.errors import ConfigError
from reportgen.export import workbook_paths
from reportgen.model.charts import NUMBER_FORMATS, change_number_format, change_value
from reportgen.model.kpi_charts import HEADLINE_TREND_KPIS, trend_values
from reportgen.pipeline import compute_kpis
from reportgen.render import xlsx_layout
from reportgen.render.xlsx import SHEETS, write_workbook
from reportgen.render.xlsx_cells import display_width
from reportgen.render.xlsx_insights import INSIGHT_SHEETS
from reportgen.render.xlsx_scorecard import COL
from reportgen.sample_data import generate
from reportgen.sanitize import TRUNCATION_MARKER

UNIT = "after_sales"
EVIL = '=HYPERLINK("http://evil","click")'
HOSTILE = (
    EVIL,
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "bell\x07ringing",
    "x" * 40_000,
    "_x0041_ stays literal",
    "None",
)

EN_SHEETS = [
    "Scorecard",
    "Trends",
    "Breakdowns",
    "Attributes",
    "Service by channel",
    "Segments",
    "Comments",
    "Data quality",
    "Definitions",
]
ZH_SHEETS = [
    "指标总览",
    "趋势",
    "细分",
    "属性评分",
    "分渠道服务",
    "客户分群",
    "客户留言",
    "数据质量",
    "指标定义",
]


def _hostile(report):
    """The report with untrusted comments planted for UNIT (as newest first)."""
    c = report.comments
    extra = pd.DataFrame(
        {
            "unit": UNIT,
            "response_id": [f"EVIL{i}" for i in range(len(HOSTILE))],
            "date": pd.Timestamp("2026-09-30"),
            "channel": "电话",
            "csat": [1.0, math.nan, 2.0, 3.0, 4.0, 5.0, 1.0],
            "ltr": 0.0,
            "comment": pd.Series(HOSTILE, dtype=object),
        }
    )
    comments = pd.concat([extra, c], ignore_index=True)
    comments.attrs = {**c.attrs, "total": {**c.attrs["total"], UNIT: len(comments)}}
    return dataclasses.replace(report, comments=comments)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    root = tmp_path_factory.mktemp("xlsx")
    generated = generate(root / "data", scale=0.3)
    config = load_config(generated.config_path)
    report = compute_kpis(config, today=dt.date(2026, 11, 23), by=config.dimensions)
    return SimpleNamespace(root=root, config=config, report=_hostile(report))


@pytest.fixture(scope="module")
def books(sample):
    """UNIT's workbook in both languages, plus a rerun of the English one."""
    out = {}
    for key, lang in (("en", "en"), ("zh", "zh-CN"), ("rerun", "en")):
        path = sample.root / key / f"{UNIT}.xlsx"
        out[key] = write_workbook(sample.report, sample.config, UNIT, path, lang)
    return out


@pytest.fixture(scope="module")
def wb(books):
    return load_workbook(books["en"].path)


@pytest.fixture(scope="module")
def wb_zh(books):
    return load_workbook(books["zh"].path)


def _rows_by_id(ws, id_col):
    """Table rows keyed by the KPI id in ``id_col`` (1-based)."""
    out = {}
    for row in ws.iter_rows(min_row=1):
        v = row[id_col - 1].value if len(row) >= id_col else None
        if isinstance(v, str) and v in out:
            break  # a second table (chart data) further down
        if isinstance(v, str) and re.fullmatch(r"[a-z_]+", v) and v != "kpi":
            out[v] = row
    return out


def _same(cell_value, expected):
    if expected is None or (isinstance(expected, float) and math.isnan(expected)):
        return cell_value is None
    return cell_value == pytest.approx(float(expected), rel=1e-12, abs=1e-12)


def test_sheet_names_and_order_in_both_languages(books):
    assert list(books["en"].sheets) == EN_SHEETS
    assert list(books["zh"].sheets) == ZH_SHEETS
    assert load_workbook(books["zh"].path, read_only=True).sheetnames == ZH_SHEETS
    # no insight analyses in this report: their sheets are left out (see test_render_xlsx_insights)
    assert len(SHEETS) == len(EN_SHEETS) + len(INSIGHT_SHEETS)
    for name in EN_SHEETS + ZH_SHEETS:
        assert len(name) <= 31 and not set(name) & set("[]:*?/\\")


def test_scorecard_equals_the_engine(sample, wb):
    ws = wb["Scorecard"]
    sc = sample.report.scorecard
    unit = sc[(sc.unit == UNIT) & sc.dimension.isna()].set_index("kpi")
    group = sc[(sc.unit == ALL) & sc.dimension.isna()].set_index("kpi")
    rows = _rows_by_id(ws, COL["kpi_id"] + 1)
    assert list(rows) == list(sample.report.kpis)
    for kpi, cells in rows.items():
        k = sample.report.kpis[kpi]
        r, g = unit.loc[kpi], group.loc[kpi]
        assert cells[COL["kpi"]].value == k.label("en")
        for col in ("value", "prev_value", "yoy_value", "target", "benchmark", "attainment"):
            assert _same(cells[COL[col]].value, r[col]), (kpi, col)
        # the interval (NPS: value ± its margin of error); none for a median
        for col in ("ci_low", "ci_high"):
            assert _same(cells[COL[col]].value, r[col]), (kpi, col)
            if cells[COL[col]].value is not None:
                assert cells[COL[col]].number_format == NUMBER_FORMATS[k.unit]
        if k.kind == "median":
            assert cells[COL["ci_low"]].value is None
        if kpi == "nps":
            assert cells[COL["ci_high"]].value == pytest.approx(r["value"] + r["moe"])
        for col in ("p_prev", "p_yoy"):
            assert _same(cells[COL[col]].value, r[col]), (kpi, col)
        # a rate's change in percent points (-1.2 pp), never "-1.2%" (a relative change)
        for col in ("change_prev", "change_yoy"):
            expected = None if pd.isna(r[col]) else change_value(r[col], k.unit)
            assert _same(cells[COL[col]].value, expected), (kpi, col)
        assert cells[COL["n"]].value == int(r["n"])
        assert _same(cells[COL["group_value"]].value, g["value"])
        assert cells[COL["group_n"]].value == int(g["n"])
        fmt = NUMBER_FORMATS[k.unit]
        for col in ("value", "prev_value", "yoy_value", "target", "benchmark", "group_value"):
            assert cells[COL[col]].number_format == fmt, (kpi, col)
        assert cells[COL["change_prev"]].number_format == change_number_format(k.unit)
        if k.unit == "ratio":
            assert cells[COL["change_prev"]].number_format == '+0.0" pp";-0.0" pp";0.0" pp"'
        assert cells[COL["n"]].number_format == "#,##0"
        assert cells[COL["attainment"]].number_format == "0.0%"
    assert rows["csat"][COL["value"]].number_format == "0.0%"
    assert rows["nps"][COL["value"]].number_format == "0.0"
    assert rows["arpu"][COL["value"]].number_format == "#,##0"


def test_benchmark_scopes_are_named_in_the_workbook_language(sample, wb, wb_zh):
    # the scorecard showed "零售业" in the English workbook and "global" in the Chinese one;
    # the scope is now named as in the decks (data.yaml's scopes)
    from reportgen.texts import scope_name

    sc = sample.report.scorecard
    unit = sc[(sc.unit == UNIT) & sc.dimension.isna()].set_index("kpi")
    raw = {k: v for k, v in unit["benchmark_scope"].items() if isinstance(v, str) and v}
    assert raw and {"global"} <= {v.casefold() for v in raw.values()}
    for book, lang in ((wb, "en"), (wb_zh, "zh-CN")):
        ws = book[book.sheetnames[0]]
        rows = _rows_by_id(ws, COL["kpi_id"] + 1)
        for kpi, scope in raw.items():
            shown = rows[kpi][COL["benchmark_scope"]].value
            assert shown == scope_name(scope, lang) != "", (lang, kpi, shown)
            cjk = re.search(r"[\u4e00-\u9fff]", shown) is not None
            assert cjk == (lang == "zh-CN"), (lang, kpi, shown)


def test_scorecard_marks_and_status_follow_the_engine(sample, wb):
    rows = _rows_by_id(wb["Scorecard"], COL["kpi_id"] + 1)
    sc = sample.report.scorecard
    unit = sc[(sc.unit == UNIT) & sc.dimension.isna()].set_index("kpi")
    for kpi, cells in rows.items():
        r = unit.loc[kpi]
        mark = cells[COL["sig_prev"]].value
        if r["sig_prev"] is True:
            good = r["change_prev"] * r["direction"] > 0
            assert mark == ("▲" if good else "▼"), kpi
        elif r["sig_prev"] is None:
            assert mark is None, kpi
        status = cells[COL["status"]].value
        assert (status is None) == (r["target_met"] is None), kpi
        if r["target_met"] is True:
            assert status == "met"


def test_conditional_formatting_on_the_scorecard(wb):
    rules = {
        str(cf.sqref): [f for rule in cf.rules for f in rule.formula]
        for cf in wb["Scorecard"].conditional_formatting
    }
    formulas = [f for fs in rules.values() for f in fs]
    assert any('="met"' in f for f in formulas)
    assert any('="near"' in f for f in formulas)
    assert any('="missed"' in f for f in formulas)
    assert any('="▲"' in f for f in formulas) and any('="▼"' in f for f in formulas)
    assert wb["Breakdowns"].conditional_formatting


def test_trend_charts_show_the_engine_trends(sample, wb):
    report = sample.report
    ws = wb["Trends"]
    expected = [k for k in HEADLINE_TREND_KPIS if k in report.kpis]
    assert len(ws._charts) == len(expected) == 6
    for kpi, chart in zip(expected, ws._charts, strict=True):
        assert chart.tagname == "lineChart"
        assert chart.title.tx.rich.p[0].r[0].t == report.kpis[kpi].label("en")
        unit_series, group_series = chart.series[:2]
        for series, who in ((unit_series, UNIT), (group_series, ALL)):
            want = trend_values(report, kpi, who)
            ref = series.val.numRef.f
            sheet, cells = ref.split("!")
            assert sheet.strip("'") == "Trends"
            min_col, min_row, _, max_row = range_boundaries(cells.replace("$", ""))
            got = [ws.cell(r, min_col).value for r in range(min_row, max_row + 1)]
            assert got == pytest.approx(list(want))
            cache = {p.idx: p.v for p in series.val.numRef.numCache.pt}
            assert [cache.get(i) for i in range(len(want))] == pytest.approx(list(want))
    trend = report.trends[(report.trends.kpi == "csat") & (report.trends.unit == UNIT)]
    assert len(trend) == len(report.trend_periods)


def test_chart_xml_references_and_caches(books):
    """Independently of openpyxl's reader: the chart parts name the ranges and carry values."""
    ns = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}
    with zipfile.ZipFile(books["en"].path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == books["en"].charts >= 9
        for name in charts:
            root = ElementTree.fromstring(z.read(name))
            for ser in root.iterfind(".//c:ser", ns):
                assert ser.find("c:val/c:numRef/c:f", ns).text
                for v in ser.iterfind("c:val/c:numRef/c:numCache/c:pt/c:v", ns):
                    assert math.isfinite(float(v.text))


def test_comments_are_text_never_formulas(books, wb, wb_zh):
    for book in (wb, wb_zh):
        ws = book.worksheets[EN_SHEETS.index("Comments")]
        texts = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
        for text in (EVIL, "+cmd|' /C calc'!A0", "@SUM(1+1)"):
            cell = texts[text]
            assert cell.data_type == "s"
            assert cell.quotePrefix
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                assert all(c.data_type != "f" for c in row), sheet.title
    with zipfile.ZipFile(books["en"].path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name


def test_control_characters_removed_and_counted(books, wb):
    assert books["en"].control_chars_removed == 1
    ws = wb["Comments"]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "bellringing" in texts
    assert not any("\x07" in t for t in texts)
    notes = [c.value for c in wb["Data quality"]["A"] if isinstance(c.value, str)]
    assert any(n.startswith("Control characters removed from text: 1 ") for n in notes)


def test_long_text_is_cut_with_a_marker_and_counted(books, wb):
    assert books["en"].truncated_cells == 1
    cut = [
        c.value
        for row in wb["Comments"].iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith("xxxx")
    ]
    assert len(cut) == 1 and len(cut[0]) <= 32_767 and cut[0].endswith(TRUNCATION_MARKER)


def test_no_nan_none_or_infinite_values(wb):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                if isinstance(v, float):
                    assert math.isfinite(v), (ws.title, c.coordinate)
                if isinstance(v, str) and ws.title != "Comments":
                    assert v not in ("nan", "NaN", "None", "inf", "NaT"), (ws.title, c.coordinate)
    # "None" typed by a customer is their text, kept as such
    assert any(c.value == "None" for row in wb["Comments"].iter_rows() for c in row)


def test_every_table_has_an_autofilter_and_every_sheet_frozen_rows(wb):
    for ws in wb.worksheets:
        assert ws.freeze_panes, ws.title
        assert ws.tables, ws.title
        for table in ws.tables.values():
            assert table.autoFilter is not None and table.autoFilter.ref == table.ref
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert wb["Scorecard"].freeze_panes == "B6"
    assert wb["Scorecard"].print_title_rows == "$5:$5"


def test_columns_fit_cjk_labels(sample, wb_zh):
    ws = wb_zh["指标总览"]
    labels = [k.label("zh-CN") for k in sample.report.kpis.values()]
    assert ws.column_dimensions["A"].width >= max(display_width(x) for x in labels)
    assert display_width("满意度") == 6 and display_width("CSAT") == 4


def test_document_properties_are_fixed(books):
    for key in ("en", "rerun"):
        props = load_workbook(books[key].path, read_only=True).properties
        assert (
            props.title == "Customer Satisfaction & Loyalty Report — After-Sales Service — Q3 2026"
        )
        assert props.subject == "2026Q3" and props.keywords == UNIT
        assert props.creator == "reportgen"
        assert props.created == props.modified == dt.datetime(2026, 10, 1)


def test_rerun_gives_identical_content(books, wb):
    a, b = wb, load_workbook(books["rerun"].path)
    assert a.sheetnames == b.sheetnames
    for wa, wb_ in zip(a.worksheets, b.worksheets, strict=True):
        va = [[c.value for c in row] for row in wa.iter_rows()]
        vb = [[c.value for c in row] for row in wb_.iter_rows()]
        assert va == vb, wa.title
    with zipfile.ZipFile(books["en"].path) as za, zipfile.ZipFile(books["rerun"].path) as zb:
        assert za.read("docProps/core.xml") == zb.read("docProps/core.xml")


@pytest.mark.parametrize(
    ("sheet", "dimension", "stage"),
    [("Segments", "segment", None), ("Service by channel", "channel", "tickets")],
)
def test_matrices_equal_the_breakdowns(sample, wb, sheet, dimension, stage):
    b = sample.report.breakdowns
    rows = b[(b.unit == UNIT) & (b.dimension == dimension) & b.dim_value.notna() & (b.n > 0)]
    if stage:
        rows = rows[rows.kpi.map(lambda k: sample.report.kpis[k].stage == stage)]
    ws = wb[sheet]
    header = [c.value for c in ws[5]]
    by_id = _rows_by_id(ws, len(header))
    assert set(by_id) == set(rows.kpi)
    # no column without a figure (a value seen only in the comparison periods)
    for j in range(2, len(header) - 1):
        assert any(cells[j].value is not None for cells in by_id.values()), header[j]
    labels = sample.config.value_labels[dimension]  # the sample names its values in English
    for r in rows.itertuples(index=False):
        shown = labels[r.dim_value].en if r.dim_value in labels else str(r.dim_value)
        cell = by_id[r.kpi][header.index(shown)]
        assert _same(cell.value, r.value), (r.kpi, r.dim_value)
        assert cell.number_format == NUMBER_FORMATS[r.value_unit]


def test_data_quality_reconciles(sample, wb):
    ws = wb["Data quality"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    flat = [v for row in values for v in row]
    for rec in sample.report.reconciliation:
        assert Path(rec.source).name in flat
        assert rec.read in flat
    assert "unknown_unit" in flat
    assert any(isinstance(v, str) and v.startswith("business unit not declared") for v in flat)
    assert not any(isinstance(v, str) and str(sample.root) in v for v in flat)  # no folders
    assert "Survey responses" in flat and "Filtered: repeated key" in flat


def test_data_quality_in_chinese(sample, wb_zh):
    flat = [c.value for row in wb_zh["数据质量"].iter_rows() for c in row]
    assert "问卷答卷" in flat and "responses" not in flat  # table names translated
    assert "过滤：重复键" in flat
    assert "配置中未声明的业务单元（编号、名称或别名）" in flat
    assert "unknown_unit" in flat  # the code stays as written, to filter on
    assert not any(isinstance(v, str) and v.startswith("business unit not declared") for v in flat)


def test_sheet_row_limit_is_explicit(sample, monkeypatch, tmp_path):
    monkeypatch.setattr(xlsx_layout, "EXCEL_MAX_ROWS", 40)
    summary = write_workbook(sample.report, sample.config, UNIT, tmp_path / "cut.xlsx", "en")
    assert summary.truncated_rows > 0
    ws = load_workbook(summary.path)["Comments"]
    notes = [c.value for c in ws["A"] if isinstance(c.value, str) and "rows are listed" in c.value]
    assert notes and notes[0].startswith("Only the first ")


def test_a_failed_check_keeps_the_previous_file(sample, books, monkeypatch, tmp_path):
    import reportgen.render.xlsx as xlsx

    path = tmp_path / "book.xlsx"
    shutil.copy(books["en"].path, path)
    before = path.read_bytes()

    def broken(p, sheets):
        raise RuntimeError("reopen failed")

    monkeypatch.setattr(xlsx, "check_workbook", broken)
    with pytest.raises(RuntimeError, match="reopen failed"):
        write_workbook(sample.report, sample.config, UNIT, path, "zh-CN")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]


def _tampered(src, dst, part, edit):
    """A copy of the workbook ``src`` with ``edit`` applied to the bytes of ``part``."""
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as b:
        for info in a.infolist():
            data = a.read(info)
            b.writestr(info, edit(data) if info.filename == part else data)
    return dst


def test_the_reopen_check_catches_formulas_and_broken_xml(books, tmp_path):
    from reportgen.render.xlsx_package import WorkbookCheckError, check_workbook

    src = books["en"].path
    sheets = load_workbook(src, read_only=True).sheetnames
    check_workbook(src, sheets)  # the real file passes
    part = "xl/worksheets/sheet1.xml"
    formula = _tampered(
        src,
        tmp_path / "formula.xlsx",
        part,
        lambda b: b.replace(b"<c ", b'<c r="ZZ1"><f>1+1</f></c><c ', 1),
    )
    with pytest.raises(WorkbookCheckError, match="sheet1.xml contains a formula"):
        check_workbook(formula, sheets)
    broken = _tampered(src, tmp_path / "broken.xlsx", part, lambda b: b[: len(b) // 2])
    with pytest.raises(WorkbookCheckError, match="sheet1.xml is not well-formed"):
        check_workbook(broken, sheets)
    with pytest.raises(WorkbookCheckError, match="expected"):
        check_workbook(src, [*sheets, "Extra"])


def test_unknown_unit_is_a_config_error(sample, tmp_path):
    with pytest.raises(ConfigError, match="not in this report"):
        write_workbook(sample.report, sample.config, "nowhere", tmp_path / "x.xlsx", "en")


def test_workbook_paths_are_safe(sample, tmp_path):
    paths = workbook_paths(sample.report, tmp_path)
    assert paths[UNIT] == tmp_path / "2026Q3" / UNIT / f"{UNIT}_2026Q3.xlsx"
    hostile = SimpleNamespace(period=sample.report.period, units=("../../etc", "CON", "售后"))
    for p in workbook_paths(hostile, tmp_path).values():
        assert p.resolve().is_relative_to(tmp_path.resolve())
        assert p.parent.name not in ("..", "CON") and p.parent.name.isascii()
    clash = SimpleNamespace(period=sample.report.period, units=("a b", "a_b"))
    with pytest.raises(ConfigError, match="share the output folder"):
        workbook_paths(clash, tmp_path)


@pytest.mark.skipif(not calc_available(), reason="LibreOffice Calc not installed")
def test_libreoffice_opens_the_workbook(books, tmp_path):
    src = tmp_path / "book.xlsx"
    shutil.copy(books["zh"].path, src)
    r = subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    pdf = tmp_path / "book.pdf"
    assert pdf.is_file() and pdf.stat().st_size > 10_000


def test_chart_adapter_gaps_and_reference_lines(tmp_path):
    from openpyxl import Workbook

    from reportgen.model.charts import ChartSpec, ReferenceLine
    from reportgen.render.xlsx_cells import Counters, SheetWriter
    from reportgen.render.xlsx_charts import chart_to_openpyxl

    spec = ChartSpec.build(
        "column",
        "=Attainment",
        ["CSAT", "=NPS"],
        [("Unit", [0.9, float("nan")])],
        references=(ReferenceLine("Target", 1.0),),
    )
    book = Workbook()
    sw = SheetWriter(book.active, Counters())
    chart_to_openpyxl(spec, sw, "E2", (2, 1))
    book.save(tmp_path / "c.xlsx")
    ws = load_workbook(tmp_path / "c.xlsx").active
    assert [[c.value for c in row] for row in ws["A2:C4"]] == [
        [None, "Unit", "Target"],
        ["CSAT", 0.9, 1.0],
        ["=NPS", None, 1.0],  # a gap, not NaN; category text stays text
    ]
    assert ws["A4"].data_type == "s" and ws["B3"].number_format == "0.0%"
    bar, line = ws._charts[0], ws._charts[0]._charts[1]
    assert bar.tagname == "barChart" and line.tagname == "lineChart"
    assert [p.v for p in bar.series[0].val.numRef.numCache.pt] == [0.9]
    assert [p.v for p in line.series[0].val.numRef.numCache.pt] == [1.0, 1.0]


def test_table_headers_are_unique_ignoring_case():
    from reportgen.render.xlsx_layout import unique_headers

    assert unique_headers(["VIP", "vip", "", "VIP", "a\x00b"]) == [
        "VIP",
        "vip (2)",
        "-",
        "VIP (3)",
        "ab",
    ]


def test_sheet_writer_styles_are_those_openpyxl_sets(tmp_path):
    """SheetWriter reuses the collection index of a style object it has set before
    (``_styled``); every cell must still get exactly the style openpyxl would give it."""
    from copy import copy

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from reportgen.render.xlsx_cells import Counters, SheetWriter

    bold, red = Font(bold=True), Font(color="FF0000")
    fill, wrap = PatternFill("solid", fgColor="DDEBF7"), Alignment(wrap_text=True)
    cells = [(bold, None, None, "0.0%"), (red, fill, wrap, "#,##0"), (bold, fill, None, None)] * 3
    ours, plain = Workbook(), Workbook()
    sw = SheetWriter(ours.active, Counters())
    for row, (font, fl, al, fmt) in enumerate(cells, start=1):
        sw.text(row, 1, "x", font=font, fill=fl, alignment=al)
        sw.number(row, 2, 0.5, fmt, font=font)
        c = plain.active.cell(row=row, column=1, value="x")
        c.font = font
        if fl is not None:
            c.fill = fl
        if al is not None:
            c.alignment = al
        n = plain.active.cell(row=row, column=2, value=0.5)
        if fmt:
            n.number_format = fmt
        n.font = font
    ours.save(tmp_path / "ours.xlsx")
    plain.save(tmp_path / "plain.xlsx")
    a, b = (load_workbook(tmp_path / f).active for f in ("ours.xlsx", "plain.xlsx"))
    for row in range(1, len(cells) + 1):
        for col in (1, 2):
            x, y = a.cell(row, col), b.cell(row, col)
            styles = [(copy(c.font), copy(c.fill), copy(c.alignment)) for c in (x, y)]
            assert styles[0] == styles[1], (row, col)  # a StyleProxy equals no proxy
            assert x.number_format == y.number_format, (row, col)
    assert a.cell(2, 1).font.color.rgb == "00FF0000" and a.cell(1, 2).number_format == "0.0%"


def test_comment_channels_are_named_in_the_workbook_language(sample, wb):
    ws = wb["Comments"]
    header_row = next(
        r for r in ws.iter_rows(values_only=True) if r and "Channel" in [str(v) for v in r]
    )
    col = list(header_row).index("Channel")
    start = [tuple(r) for r in ws.iter_rows(values_only=True)].index(tuple(header_row)) + 1
    channels = {r[col] for r in ws.iter_rows(min_row=start + 1, values_only=True) if r[col]}
    english = {lab.en for lab in sample.config.value_labels["channel"].values()}
    assert channels and channels <= english | {"App"}, channels


def test_quarantined_rows_are_listed_in_the_group_workbook_only(sample, wb, tmp_path):
    # a unit's workbook is mailed to that unit: the raw quarantined rows (other units'
    # customers among them) stay in quarantine.csv and the group workbook
    from reportgen.render.xlsx_group import write_group_workbook

    q = sample.report.quarantine
    raw = {v for v in q.value.dropna() if isinstance(v, str) and len(v) > 12}
    assert raw
    flat = [c.value for row in wb["Data quality"].iter_rows() for c in row]
    assert not raw & set(flat)
    assert any(isinstance(v, str) and v.startswith("The quarantined rows themselves") for v in flat)
    group = write_group_workbook(sample.report, sample.config, tmp_path / "g.xlsx", "en")
    gflat = [c.value for row in load_workbook(group)["Data quality"].iter_rows() for c in row]
    assert raw <= set(gflat)


def test_definitions_name_the_change_test_in_the_workbook_language(wb, wb_zh):
    def tests(ws):
        rows = list(ws.iter_rows(values_only=True))
        return {r[0]: r[7] for r in rows if r and r[0] in ("csat", "nps", "fcr_median_hours")}

    assert tests(wb["Definitions"])["nps"].startswith("Two-sided z-test")
    zh = tests(wb_zh["指标定义"])
    assert zh["csat"].startswith("双侧两比例 z 检验") and zh["nps"].startswith("两个净推荐值")


def test_figures_below_min_n_are_grey_with_their_changes(sample, wb):
    # a −75 pp change at n = 1 sorted to the top of the Breakdowns in black
    from reportgen.render.xlsx_scorecard import LOW_N_FONT

    b = sample.report.breakdowns
    low = b[(b.unit == UNIT) & b.low_n.astype(bool) & b.change_prev.notna() & (b.n > 0)]
    assert len(low)
    grey = [
        c.value
        for row in wb["Breakdowns"].iter_rows()
        for c in row
        if c.font is not None
        and c.font.color is not None
        and c.font.i
        and c.font.color.rgb == "00" + LOW_N_FONT.color.rgb[-6:]
    ]
    for r in low.head(20).itertuples(index=False):
        k = sample.report.kpis[r.kpi]
        assert any(_same(v, change_value(r.change_prev, k.unit)) for v in grey), r


def test_group_workbook_sentences_read_right_in_both_languages(sample, tmp_path):
    # "Charts: headline KPIs for All units and for all units." and "2026Q316 项集团指标"
    from reportgen.render.xlsx_group import write_group_workbook

    period = sample.report.period.label
    for lang in ("en", "zh-CN"):
        book = load_workbook(
            write_group_workbook(sample.report, sample.config, tmp_path / f"{lang}.xlsx", lang)
        )
        text = " ".join(
            c.value for ws in book for row in ws.iter_rows(max_row=4) for c in row
            if isinstance(c.value, str)
        )  # fmt: skip
        assert f"{period}1" not in text and f"{period}2" not in text, text
        if lang == "en":
            assert "Charts: headline KPIs for all units together." in text
            assert "All units and for all units" not in text
        else:
            assert "图表：全部事业部整体的核心指标。" in text and "全部事业部 与" not in text


def test_service_sheet_has_no_column_of_survey_answers_only(sample, tmp_path):
    # a survey answer without a channel made a "(not recorded)" column on the ticket
    # KPIs' sheet, empty from top to bottom
    b = sample.report.breakdowns
    ch = b[(b.dimension == "channel") & (b.n > 0) & (b.unit != ALL)]
    stage = ch.kpi.map(lambda k: sample.report.kpis[k].stage)
    survey_only = set(ch[ch.dim_value.isna() & (stage != "tickets")].unit) - set(
        ch[ch.dim_value.isna() & (stage == "tickets")].unit
    )
    assert survey_only  # the sample has such a unit
    unit = sorted(survey_only)[0]
    book = load_workbook(
        write_workbook(sample.report, sample.config, unit, tmp_path / "u.xlsx", "en").path
    )
    ws = book["Service by channel"]
    header = [c.value for c in ws[5]]
    assert "(not recorded)" not in header
    by_id = _rows_by_id(ws, len(header))
    for j in range(1, len(header) - 1):
        assert any(cells[j].value is not None for cells in by_id.values()), header[j]


def test_hours_say_xiaoshi_in_the_chinese_workbook(wb, wb_zh):
    # the Chinese workbook showed "0.07 h" beside definitions in 小时
    zh = _rows_by_id(wb_zh[wb_zh.sheetnames[0]], COL["kpi_id"] + 1)
    en = _rows_by_id(wb["Scorecard"], COL["kpi_id"] + 1)
    kpi = "first_response_hours_median"
    assert zh[kpi][COL["value"]].number_format == '0.00" 小时"'
    assert zh[kpi][COL["change_prev"]].number_format.startswith('+0.00" 小时";-0.00" 小时"')
    assert en[kpi][COL["value"]].number_format == '0.00" h"'
    assert zh["csat"][COL["value"]].number_format == "0.0%"  # other units as they were


def test_breakdowns_say_how_many_marks_chance_alone_would_give(sample, wb, wb_zh):
    # 666 ▲/▼ of 6,471 tests, about 324 expected by chance: the sheet now says so
    b = sample.report.breakdowns
    mine = b[b.unit == UNIT]
    tests = int(mine.p_prev.notna().sum() + mine.p_yoy.notna().sum())
    alpha = sample.config.statistics.alpha
    assert tests > 100
    note = wb["Breakdowns"]["A3"].value
    assert f"This sheet carries {tests:,} such tests, of which about {alpha * tests:.0f} " in note
    assert f"本表共 {tests:,} 项检验，其中约 {alpha * tests:.0f} 项" in wb_zh["细分"]["A3"].value
