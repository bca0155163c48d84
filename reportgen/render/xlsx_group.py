"""The group workbook: the consolidated view of every unit in front of the all-units
workbook.

Four sheets come first — units side by side (a KPI × unit heat map), the ranking per
KPI, the best and worst movers, and gaps to target — then the sheets of the all-units
workbook (:mod:`reportgen.render.xlsx`). Every figure comes from
:mod:`reportgen.model.group`, the same functions the group deck uses.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.worksheet.worksheet import Worksheet

from reportgen.config import ReportConfig
from reportgen.delivery.files import atomic_write_bytes
from reportgen.engine.compute import ALL
from reportgen.formatting import attainment_status, significance_mark
from reportgen.model.charts import change_number_format, change_value, number_format
from reportgen.model.group import (
    best_movers,
    group_kpis,
    ranking,
    target_gaps,
    unit_matrix,
    worst_movers,
)
from reportgen.model.slides._context import finite as _num
from reportgen.pipeline import KpiReport
from reportgen.render.xlsx import build_workbook
from reportgen.render.xlsx_cells import COUNT_FORMAT, P_VALUE_FORMAT, SheetWriter
from reportgen.render.xlsx_context import Context
from reportgen.render.xlsx_layout import Column, Val, finish_sheet, heading, note, title_block
from reportgen.render.xlsx_layout import write_table as _write_table
from reportgen.render.xlsx_package import check_workbook, workbook_bytes
from reportgen.render.xlsx_scorecard import LOW_N_FONT
from reportgen.sanitize import excel_sheet_title

GROUP_SHEETS: tuple[str, ...] = ("units", "ranking", "movers", "targets")
#: Heat-map colours (red – white – green), as Excel's own 3-colour scale.
HEAT_LOW, HEAT_MID, HEAT_HIGH = "F8696B", "FFFFFF", "63BE7B"


def _unit_name(ctx: Context, unit: str) -> str:
    return ctx.config.unit(unit).names.get(ctx.lang)


def _subtitle(ctx: Context, key: str) -> list[str]:
    r, s = ctx.report, ctx.config.statistics
    return ctx.t.lines(
        f"group.subtitles.{key}",
        period=r.period.label,
        previous=r.previous.label,
        last_year=r.last_year.label,
        min_n=s.min_n,
        alpha=s.alpha,
        kpis=len(group_kpis(r)),
    )


def write_units(ctx: Context, ws: Worksheet) -> None:
    """KPI × unit values with a heat map, then the n table. Each KPI row gets its own
    3-colour scale over the units at or above min n only: white at the all-units
    figure, green better and red worse (in the KPI's direction), full colour at the
    unit farthest from it (:func:`~reportgen.model.group.heat_scores`, as the group
    deck); values below min n stay uncoloured, in grey."""
    sw = SheetWriter(ws, ctx.counters)
    m = unit_matrix(ctx.report)
    t = ctx.t
    top = title_block(sw, ctx.title, _subtitle(ctx, "units"))
    units = [_unit_name(ctx, u) for u in m.units]
    cols = [
        Column(t("headers.kpi")),
        *(Column(u) for u in units),
        Column(t("headers.group_value")),
        Column(t("headers.kpi_id")),
    ]
    heading(sw, top, t("headings.values"))
    group_n = ctx.scorecard_rows(ALL)["n"].dropna()
    rows, counts = [], []
    for k in m.kpis:
        d = ctx.report.kpis[k]
        fmt = number_format(d.unit, ctx.lang)
        rows.append(
            [
                d.label(ctx.lang),
                *(
                    Val(_num(m.values.at[k, u]), fmt, LOW_N_FONT if m.low_n.at[k, u] else None)
                    for u in m.units
                ),
                Val(_num(m.group[k]), fmt),
                k,
            ]
        )
        counts.append(
            [
                d.label(ctx.lang),
                *(Val(int(m.n.at[k, u]), COUNT_FORMAT) for u in m.units),
                Val(int(group_n[k]), COUNT_FORMAT) if k in group_n.index else None,
                k,
            ]
        )
    tr = _write_table(ctx, sw, top + 1, 1, cols, rows, stem="Units")
    for i, k in enumerate(m.kpis):
        row = tr.first_row + i
        ok = [j for j, u in enumerate(m.units) if not m.low_n.at[k, u]]
        reference = _num(m.group[k])
        values = [v for j in ok if (v := _num(m.values.at[k, m.units[j]])) is not None]
        if reference is None or not values:
            continue
        # white at the all-units figure, full colour at the unit farthest from it (as
        # the legend says: green = better than all units together, red = worse)
        scale = max(abs(v - reference) for v in values)
        if not scale:
            continue
        low, high = (
            (HEAT_LOW, HEAT_HIGH) if ctx.report.kpis[k].direction > 0 else (HEAT_HIGH, HEAT_LOW)
        )
        # one rule per row over the units at or above min n (contiguous runs)
        for start, end in _runs(ok):
            cells = f"{tr.letter(1 + start)}{row}:{tr.letter(1 + end)}{row}"
            ws.conditional_formatting.add(
                cells,
                ColorScaleRule(
                    start_type="num",
                    start_value=reference - scale,
                    start_color=low,
                    mid_type="num",
                    mid_value=reference,
                    mid_color=HEAT_MID,
                    end_type="num",
                    end_value=reference + scale,
                    end_color=high,
                ),
            )
    heading(sw, tr.next_row + 1, t("headings.n"))
    _write_table(ctx, sw, tr.next_row + 2, 1, cols, counts, stem="UnitsN")
    finish_sheet(ctx, sw, header_row=top + 1, freeze=f"B{top + 2}")


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for i in indices:
        if out and out[-1][1] == i - 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out


def write_ranking(ctx: Context, ws: Worksheet) -> None:
    sw = SheetWriter(ws, ctx.counters)
    t = ctx.t
    top = title_block(sw, ctx.title, _subtitle(ctx, "ranking"))
    row = top
    status = {k: t(f"status.{k}") for k in ("met", "near", "missed")}
    for k in group_kpis(ctx.report):
        d = ctx.report.kpis[k]
        fmt = number_format(d.unit, ctx.lang)
        change_fmt = change_number_format(d.unit, ctx.lang)
        heading(sw, row, d.label(ctx.lang))
        cols = [
            Column(t("group.headers.rank"), COUNT_FORMAT),
            Column(t("group.headers.unit")),
            Column(t("headers.value"), fmt),
            Column(t("headers.n"), COUNT_FORMAT),
            Column(t("headers.change_prev", period=ctx.report.previous.label), change_fmt),
            Column(t("headers.sig_prev", period=ctx.report.previous.label)),
            Column(t("headers.target"), fmt),
            Column(t("group.headers.gap"), change_fmt),
            Column(t("headers.status")),
        ]
        rows = []
        for r in ranking(ctx.report, k).itertuples(index=False):
            st = attainment_status(r.target_met, r.attainment)
            rows.append(
                [
                    r.rank,
                    _unit_name(ctx, r.unit),
                    Val(r.value, fmt, LOW_N_FONT if r.low_n else None),
                    r.n,
                    change_value(r.change_prev, d.unit),
                    significance_mark(r.sig_prev, r.change_prev, d.direction),
                    r.target,
                    change_value(r.target_gap, d.unit),
                    status.get(st) if st else None,
                ]
            )
        tr = _write_table(ctx, sw, row + 1, 1, cols, rows, stem="Rank")
        row = tr.next_row + 2
    finish_sheet(ctx, sw, header_row=top + 1, freeze=None)


def write_movers(ctx: Context, ws: Worksheet) -> None:
    """The significant movers against the previous period, then against the same period
    last year (a quarterly report; in an annual one the previous period is last year)."""
    sw = SheetWriter(ws, ctx.counters)
    t = ctx.t
    top = title_block(sw, ctx.title, _subtitle(ctx, "movers"))
    row = top
    bases = [("prev", ctx.report.previous.label)]
    if ctx.report.last_year != ctx.report.previous:
        bases.append(("yoy", ctx.report.last_year.label))
    for basis, earlier in bases:
        heading(sw, row, t("group.headings.against", period=earlier))
        row += 2
        for key, frame in (
            ("best", best_movers(ctx.report, 10, basis=basis)),
            ("worst", worst_movers(ctx.report, 10, basis=basis)),
        ):
            heading(sw, row, t(f"group.headings.{key}"))
            if frame.empty:
                note(sw, row + 1, 1, t("group.headings.none"))
                row += 3
                continue
            cols = [
                Column(t("headers.kpi")),
                Column(t("group.headers.unit")),
                Column(t("headers.value")),
                Column(t(f"headers.{basis}_value", period=earlier)),
                Column(t(f"headers.change_{basis}", period=earlier)),
                Column(t(f"headers.p_{basis}", period=earlier), P_VALUE_FORMAT),
                Column(t("headers.kpi_id")),
            ]
            rows = []
            for r in frame.itertuples(index=False):
                d = ctx.report.kpis[r.kpi]
                fmt = number_format(d.unit, ctx.lang)
                change_fmt = change_number_format(d.unit, ctx.lang)
                rows.append(
                    [
                        d.label(ctx.lang),
                        _unit_name(ctx, r.unit),
                        Val(r.value, fmt),
                        Val(r.earlier_value, fmt),
                        Val(change_value(r.change, d.unit), change_fmt),
                        r.p,
                        r.kpi,
                    ]
                )
            tr = _write_table(ctx, sw, row + 1, 1, cols, rows, stem="Movers")
            row = tr.next_row + 2
    finish_sheet(ctx, sw, header_row=top + 1, freeze=None)


def write_targets(ctx: Context, ws: Worksheet) -> None:
    sw = SheetWriter(ws, ctx.counters)
    t = ctx.t
    top = title_block(sw, ctx.title, _subtitle(ctx, "targets"))
    gaps = target_gaps(ctx.report)
    if gaps.empty:
        note(sw, top, 1, t("notes.no_data", unit=ctx.unit_name, period=ctx.report.period.label))
        finish_sheet(ctx, sw, header_row=top, freeze=None)
        return
    status = {k: t(f"status.{k}") for k in ("met", "near", "missed")}
    cols = [
        Column(t("headers.kpi")),
        Column(t("group.headers.unit")),
        Column(t("headers.value")),
        Column(t("headers.target")),
        Column(t("group.headers.gap")),
        Column(t("headers.attainment"), "0.0%"),
        Column(t("headers.status")),
        Column(t("headers.kpi_id")),
    ]
    rows = []
    for r in gaps.itertuples(index=False):
        d = ctx.report.kpis[r.kpi]
        fmt = number_format(d.unit, ctx.lang)
        st = attainment_status(r.target_met, _num(r.attainment))
        rows.append(
            [
                d.label(ctx.lang),
                _unit_name(ctx, r.unit),
                Val(_num(r.value), fmt),
                Val(_num(r.target), fmt),
                Val(
                    change_value(_num(r.target_gap), d.unit), change_number_format(d.unit, ctx.lang)
                ),
                _num(r.attainment),
                status.get(st) if st else None,
                r.kpi,
            ]
        )
    from reportgen.render.xlsx_rules import attainment_rules

    tr = _write_table(ctx, sw, top, 1, cols, rows, stem="Targets")
    attainment_rules(ws, tr, (2, 4, 5, 6), 6, status)
    finish_sheet(ctx, sw, header_row=top, freeze=f"C{top + 1}")


_WRITERS = {
    "units": write_units,
    "ranking": write_ranking,
    "movers": write_movers,
    "targets": write_targets,
}


def build_group_workbook(report: KpiReport, config: ReportConfig, lang: str):  # type: ignore[no-untyped-def]
    """The all-units workbook with the group sheets in front (nothing written)."""
    wb, ctx = build_workbook(report, config, ALL, lang)
    taken = {n.casefold() for n in wb.sheetnames}
    for i, key in enumerate(GROUP_SHEETS):
        name = excel_sheet_title(ctx.t(f"group.sheets.{key}"), fallback=key)
        while name.casefold() in taken:
            name = excel_sheet_title(f"{name[:28]} {i}")
        taken.add(name.casefold())
        ws = wb.create_sheet(name, index=i)
        _WRITERS[key](ctx, ws)
    wb.active = 0
    return wb, ctx


def write_group_workbook(report: KpiReport, config: ReportConfig, path: Path, lang: str) -> Path:
    """Write the group workbook to ``path`` atomically (checked by reopening first)."""
    wb, _ = build_group_workbook(report, config, lang)
    names = tuple(wb.sheetnames)
    data = workbook_bytes(wb)
    return atomic_write_bytes(Path(path), data, check=lambda p: check_workbook(p, names))
