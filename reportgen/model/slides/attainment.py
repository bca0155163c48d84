"""Chapter 2 — KPI attainment: the scorecard against targets, one trend slide per
headline KPI (its sentence title is the finding), value growth."""

from __future__ import annotations

from typing import Any

from reportgen.engine.compute import ALL
from reportgen.formatting import attainment_status, format_change, format_value
from reportgen.model.charts import ChartSpec
from reportgen.model.kpi_charts import target_line, trend_values
from reportgen.model.report import Bullets, Chart, Slide, Table, TitleSentence
from reportgen.model.slides._context import SlideContext, finite
from reportgen.model.slides.standing import kpi_bullets, tiles_slide


def scorecard(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    ids = [k for k in ctx.kpis(p.get("kpis")) if ctx.row(k) is not None]
    if not ids:
        return []
    t = ctx.texts
    header = [t("headers.kpi"), t("headers.value"), t("headers.n")]
    header += [t(f"headers.vs_{w}") for w in ctx.comparisons]
    header += [t("headers.target"), t("headers.status")]
    rows, numbers = [], []
    met = total = 0
    for k in ids:
        r = ctx.row(k)
        assert r is not None
        unit = r["value_unit"]
        status = attainment_status(r.get("target_met"), r.get("attainment"))
        if status is not None:
            total += 1
            met += status == "met"
        cells = [ctx.label(k), format_value(r["value"], unit, ctx.lang), f"{int(r['n']):,}"]
        cells += [format_change(r.get(f"change_{w}"), unit, ctx.lang) for w in ctx.comparisons]
        cells += [
            format_value(r.get("target"), unit, ctx.lang),
            t(f"status.{status or 'none'}"),
        ]
        rows.append(tuple(cells))
        nums = [None, finite(r["value"]), float(r["n"])]
        nums += [finite(r.get(f"change_{w}")) for w in ctx.comparisons]
        nums += [finite(r.get("target")), None]
        numbers.append(tuple(nums))
    # by the table's status: a "near" miss is listed as near, not as missed
    status_of = {
        k: attainment_status(
            (ctx.row(k) or {}).get("target_met"), (ctx.row(k) or {}).get("attainment")
        )
        for k in ids
    }
    missed = [ctx.label(k) for k in ids if status_of[k] == "missed"]
    near = [ctx.label(k) for k in ids if status_of[k] == "near"]
    facts = {k: ctx.fact(k) for k in ids}
    claims = {k: f.claim_verdict for k, f in facts.items() if f is not None}
    worse = sum(v == "worsened" for v in claims.values())
    better = sum(v == "improved" for v in claims.values())
    # the significant changes first (deteriorations before improvements), then the rest
    rank = {"worsened": 0, "improved": 1}
    ordered = sorted(ids, key=lambda k: rank.get(claims.get(k, ""), 2))
    bullets = [ctx.headline(k) for k in ordered][:3]
    also = _worse_elsewhere(ctx, ids)
    if also:
        bullets.append(ctx.say("also_worse", items=also[:3], more=len(also) - 3))
    for status, names in (("missed", missed), ("near", near)):
        if names:
            bullets.append(f"{t(f'status.{status}')}{t('colon')}{t('name_sep').join(names)}")
    # a change in zh ("−0.5个百分点") is wider than in en ("−0.5 pp"): no wrapped cells
    zh = ctx.lang == "zh-CN"
    value_width, change_width = (1.2, 1.7) if zh else (1.0, 1.1)
    widths = (2.2, value_width, 0.9) + (change_width,) * len(ctx.comparisons) + (value_width, 0.9)
    return [
        Slide(
            "attainment.scorecard",
            "title_only",
            TitleSentence(
                ctx.say(
                    "attainment",
                    met=met,
                    total=total,
                    better=better,
                    worse=worse,
                    shown=len(ids),
                )
            ),
            blocks=(
                Table(tuple(header), tuple(rows), tuple(numbers), widths),
                Bullets(tuple(bullets[:5])),
            ),
            notes=ctx.kpi_notes(ids),
        )
    ]


def _worse_elsewhere(ctx: SlideContext, shown: list[str]) -> list[str]:
    """The KPIs not in the table that worsened significantly, against either basis
    (strongest evidence first): nothing significant hides behind a fixed KPI list."""
    found = []
    for k in ctx.report.kpis:
        row = ctx.row(k)
        f = ctx.fact(k)
        if k in shown or row is None or f is None:
            continue
        for which, v, change in (
            ("prev", f.verdict, f.change),
            ("yoy", f.verdict_yoy, f.change_yoy),
        ):
            if which in ctx.comparisons and v == "worsened":
                p = finite(row.get(f"p_{which}"))
                item = ctx.say(
                    "worse_item", label=f.label, change=change, basis=ctx.basis_name(which)
                )
                found.append((1.0 if p is None else p, item))
                break
    return [item for _, item in sorted(found, key=lambda x: x[0])]


def kpi_trend(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    slides = []
    for k in ctx.kpis(p.get("kpis")):
        f = ctx.fact(k)
        row = ctx.row(k)
        if f is None or row is None or f.verdict == "no_data":
            continue
        series = [(ctx.unit_name(), trend_values(ctx.report, k, ctx.unit))]
        if ctx.unit != ALL:
            series.append((ctx.unit_name(ALL), trend_values(ctx.report, k, ALL)))
        target = target_line(ctx.report, k, ctx.unit, ctx.texts("series.target"))
        refs = (target,) if target is not None else ()
        spec = ChartSpec.build(
            "line",
            ctx.texts("titles.trend", kpi=ctx.label(k)),
            [pp.axis_label(ctx.lang) for pp in ctx.report.trend_periods],
            series,
            value_unit=ctx.report.kpis[k].unit,
            references=refs,
        )
        slides.append(
            Slide(
                f"attainment.trend.{k}",
                "title_only",
                TitleSentence(ctx.headline(k)),
                blocks=(Chart(spec, k), Bullets(tuple(kpi_bullets(ctx, k)[:5]))),
                notes=ctx.kpi_notes([k]),
            )
        )
    return slides


def value_growth(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    return tiles_slide(ctx, p, "attainment.value_growth")


BUILDERS = {"scorecard": scorecard, "kpi_trend": kpi_trend, "value_growth": value_growth}
