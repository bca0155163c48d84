"""The group deck's consolidated view: units side by side (heat map), ranking, best and
worst movers, gaps to target. Every figure comes from :mod:`reportgen.model.group`, as
in the group workbook. Unit decks get none of these slides (their builders return [])."""

from __future__ import annotations

from typing import Any

from reportgen.engine.compute import ALL
from reportgen.formatting import attainment_status, format_change, format_p, format_value
from reportgen.model.group import (
    best_movers,
    group_kpis,
    ranking,
    target_gaps,
    unit_matrix,
    worst_movers,
)
from reportgen.model.report import Notes, Slide, Table, TitleSentence
from reportgen.model.slides._context import SlideContext
from reportgen.model.slides._context import finite as _num

#: KPIs in the deck's heat map (a slide holds about eight rows legibly).
HEATMAP_KPIS: tuple[str, ...] = (
    "csat",
    "nps",
    "csi",
    "churn_rate",
    "repurchase_rate",
    "fcr",
    "first_response_hours_median",
    "complaint_resolution_rate",
)


def _fmt(ctx: SlideContext, kpi: str, v: float | None) -> str:
    return format_value(v, ctx.report.kpis[kpi].unit, ctx.lang) if v is not None else "–"


def heatmap(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    if ctx.unit != ALL or len(ctx.report.units) < 2:
        return []
    t = ctx.texts
    m = unit_matrix(ctx.report, group_kpis(ctx.report, p.get("kpis") or HEATMAP_KPIS))
    if not m.kpis:
        return []
    header = (t("headers.kpi"), *(ctx.unit_name(u) for u in m.units), ctx.unit_name(ALL))
    rows, numbers, tones = [], [], []
    for k in m.kpis:
        vals = [_num(m.values.at[k, u]) for u in m.units]
        rows.append(
            (
                ctx.label(k),
                *(
                    _fmt(ctx, k, v) + ("*" if v is not None and m.low_n.at[k, u] else "")
                    for v, u in zip(vals, m.units, strict=True)
                ),
                _fmt(ctx, k, _num(m.group[k])),
            )
        )
        numbers.append((None, *vals, _num(m.group[k])))
        tones.append((None, *(_num(m.heat.at[k, u]) for u in m.units), None))
    # the unit ahead on most KPIs, for the title; units tied on it are named together
    wins = {u: int((m.heat[u] > 0).sum()) for u in m.units}
    most = max(wins.values())
    best = [ctx.unit_name(u) for u in m.units if wins[u] == most]
    title = (
        t("group_view.heatmap_title", unit=best[0], wins=most, total=len(m.kpis))
        if len(best) == 1
        else t(
            "group_view.heatmap_title_tied",
            units=t("name_sep").join(best[:-1]),
            last=best[-1],
            wins=most,
            total=len(m.kpis),
        )
    )
    widths = (2.2, *([1.0] * len(m.units)), 1.0)
    return [
        Slide(
            "group.heatmap",
            "title_only",
            TitleSentence(title),
            blocks=(Table(header, tuple(rows), tuple(numbers), widths, tuple(tones)),),
            notes=Notes(t("group_view.heatmap_notes", min_n=ctx.config.statistics.min_n)),
        )
    ]


def rankings(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    """One table: each headline KPI's ranking of units, best first."""
    if ctx.unit != ALL or len(ctx.report.units) < 2:
        return []
    t = ctx.texts
    kpis = group_kpis(ctx.report, p.get("kpis") or ("csat", "nps", "churn_rate", "fcr"))
    frames = {k: ranking(ctx.report, k) for k in kpis}
    kpis = [k for k in kpis if frames[k]["rank"].notna().any()]
    if not kpis:
        return []
    n_units = len(ctx.report.units)
    header = (t("group_view.rank"), *(ctx.label(k) for k in kpis))
    rows, numbers = [], []
    for i in range(n_units):
        row, nums = [str(i + 1)], [float(i + 1)]
        for k in kpis:
            r = frames[k].iloc[i]
            if r["rank"] is None or r["rank"] != r["rank"]:
                row.append("–")
                nums.append(None)
            else:
                row.append(f"{ctx.unit_name(r['unit'])} {_fmt(ctx, k, _num(r['value']))}")
                nums.append(_num(r["value"]))
        rows.append(tuple(row))
        numbers.append(tuple(nums))
    lead = kpis[0]
    top = frames[lead].iloc[0]
    title = t(
        "group_view.ranking_title",
        kpi=ctx.label(lead),
        unit=ctx.unit_name(top["unit"]),
        value=_fmt(ctx, lead, _num(top["value"])),
    )
    return [
        Slide(
            "group.ranking",
            "title_only",
            TitleSentence(title),
            blocks=(Table(header, tuple(rows), tuple(numbers), (0.6, *([2.0] * len(kpis)))),),
            notes=Notes(t("group_view.ranking_notes", min_n=ctx.config.statistics.min_n)),
        )
    ]


def movers(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    """The units' significant movers against the previous period, and a second slide
    against the same period last year when any unit changed significantly on that basis
    (a year's deterioration is not hidden behind a quiet quarter)."""
    if ctx.unit != ALL:
        return []
    slides = [_movers_slide(ctx, "prev")]
    if "yoy" in ctx.comparisons and ctx.comparisons != ("yoy",):
        yoy = _movers_slide(ctx, "yoy", only_if_any=True)
        slides += [yoy] if yoy is not None else []
    return slides


def _movers_slide(ctx: SlideContext, basis: str, only_if_any: bool = False) -> Slide | None:
    t = ctx.texts
    best = best_movers(ctx.report, 5, basis=basis)
    worst = worst_movers(ctx.report, 5, basis=basis)
    if only_if_any and best.empty and worst.empty:
        return None
    earlier = ctx.report.previous if basis == "prev" else ctx.report.last_year
    prev = earlier.display(ctx.lang)

    def line(r: Any) -> str:
        d = ctx.report.kpis[r.kpi]
        return t(
            "group_view.mover_line",
            unit=ctx.unit_name(r.unit),
            kpi=ctx.label(r.kpi),
            value=format_value(r.value, d.unit, ctx.lang),
            change=format_change(r.change, d.unit, ctx.lang),
            p=format_p(r.p, stated=True),
        )

    if best.empty and worst.empty:
        title = t("group_view.movers_none", previous=prev)
    elif worst.empty:
        title = t("group_view.movers_best", line=line(best.iloc[0]), previous=prev)
    else:
        title = t("group_view.movers_worst", line=line(worst.iloc[0]), previous=prev)
    header = (
        "",
        t("group_view.unit"),
        t("headers.kpi"),
        t("headers.value"),
        t("group_view.change", previous=prev),
        "p",
    )
    rows, numbers = [], []
    for mark, key, frame in (("▲", "best", best), ("▼", "worst", worst)):
        if frame.empty:
            rows.append((mark, t(f"group_view.{key}"), t("group_view.no_change"), "", "", ""))
            numbers.append((None,) * 6)
            continue
        for r in frame.itertuples():
            d = ctx.report.kpis[r.kpi]
            rows.append(
                (
                    mark,
                    ctx.unit_name(r.unit),
                    ctx.label(r.kpi),
                    format_value(r.value, d.unit, ctx.lang),
                    format_change(r.change, d.unit, ctx.lang),
                    format_p(r.p),
                )
            )
            numbers.append((None, None, None, r.value, r.change, r.p))
    tones = tuple(
        (
            0.6 if row[0] == "▲" and n[4] is not None else -0.6 if n[4] is not None else None,
            *([None] * 5),
        )
        for row, n in zip(rows, numbers, strict=True)
    )
    return Slide(
        "group.movers" if basis == "prev" else "group.movers_yoy",
        "title_only",
        TitleSentence(title),
        blocks=(Table(header, tuple(rows), tuple(numbers), (0.4, 1.6, 2.6, 1.0, 1.2, 0.8), tones),),
        notes=Notes(t("group_view.movers_notes", alpha=ctx.config.statistics.alpha, previous=prev)),
    )


#: Cell shading of a target gap by its attainment status.
_STATUS_TONE = {"met": 0.6, "near": -0.2, "missed": -0.6}


def targets(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    if ctx.unit != ALL:
        return []
    t = ctx.texts
    gaps = target_gaps(ctx.report, p.get("kpis") or HEATMAP_KPIS)
    if gaps.empty:
        return []
    units = list(ctx.report.units)
    kpis = list(dict.fromkeys(gaps.kpi))
    header = (t("headers.kpi"), *(ctx.unit_name(u) for u in units))
    rows, numbers, tones = [], [], []
    met = 0
    for k in kpis:
        sub = gaps[gaps.kpi == k].set_index("unit")
        d = ctx.report.kpis[k]
        cells, nums, tone = [ctx.label(k)], [None], [None]
        for u in units:
            if u not in sub.index or _num(sub.at[u, "target_gap"]) is None:
                cells.append("–")
                nums.append(None)
                tone.append(None)
                continue
            gap = _num(sub.at[u, "target_gap"])
            # the scorecard's status: a near miss (3.15 % against 3.14 %) is shaded
            # lightly, not as red as a clear miss
            status = attainment_status(sub.at[u, "target_met"], sub.at[u, "attainment"])
            met += status == "met"
            cells.append(format_change(gap, d.unit, ctx.lang, side=True))
            nums.append(gap)
            tone.append(_STATUS_TONE.get(status or ""))
        rows.append(tuple(cells))
        numbers.append(tuple(nums))
        tones.append(tuple(tone))
    total = int(gaps.target_gap.notna().sum())
    title = t("group_view.targets_title", met=met, total=total)
    return [
        Slide(
            "group.targets",
            "title_only",
            TitleSentence(title),
            blocks=(
                Table(
                    header, tuple(rows), tuple(numbers), (2.2, *([1.0] * len(units))), tuple(tones)
                ),
            ),
            notes=Notes(t("group_view.targets_notes")),
        )
    ]


BUILDERS = {
    "group_heatmap": heatmap,
    "group_ranking": rankings,
    "group_movers": movers,
    "group_targets": targets,
}
