"""Chapter 1 — where customer experience stands: headline KPIs vs benchmarks, the gap
between satisfaction and loyal behaviour, the unit among its peers, the NPS mix."""

from __future__ import annotations

from typing import Any

from reportgen.engine.compute import ALL
from reportgen.formatting import format_magnitude, format_value
from reportgen.model.charts import ChartSpec, ReferenceLine
from reportgen.model.report import Bullets, Chart, KpiTile, KpiTiles, Slide, TitleSentence
from reportgen.model.slides._context import SlideContext


def kpi_bullets(ctx: SlideContext, kpi: str, *, target: bool = True) -> list[str]:
    """Comparisons (as the period allows), target, benchmark — the facts under a KPI."""
    f = ctx.fact(kpi)
    if f is None:
        return []
    out = [ctx.say("comparison", f=f, basis=ctx.basis_name(w), which=w) for w in ctx.comparisons]
    if target:
        out.append(ctx.say("target", f=f))
    out.append(ctx.say("benchmark", f=f))
    return out


def tile(ctx: SlideContext, kpi: str) -> KpiTile:
    f = ctx.fact(kpi)
    assert f is not None
    detail = ctx.say("comparison", f=f, basis=ctx.basis_name(f.claim), which=f.claim)
    return KpiTile(f.label, f.value, detail, f.verdict)


def headline(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    ids = [k for k in ctx.kpis(p.get("kpis")) if ctx.row(k) is not None][:4]
    if not ids:
        return []
    lead = ctx.fact(ids[0])
    assert lead is not None
    benches = ctx.report.benchmarks[ctx.report.benchmarks.kpi == ids[0]]
    # the unit's own scope and the general ones (global, market), not the industries of
    # other units: a hotel is not "above the telecom benchmark"
    scopes = {u.id: u.benchmark_scope for u in ctx.config.units if u.benchmark_scope}
    others = set(scopes.values()) - {scopes.get(ctx.unit)}
    benches = benches[~benches["scope"].isin(others)]
    value = ctx.value(ids[0])
    d = ctx.report.kpis[ids[0]].direction
    if ctx.low_n(ids[0]):
        benches = benches.iloc[:0]  # no claim against benchmarks from too few answers
    above = sum(1 for b in benches.value if value is not None and (value - float(b)) * d >= 0)
    title = ctx.say(
        "standing",
        f=lead,
        basis=ctx.basis_name(lead.claim),
        benchmark_count=len(benches),
        above_count=above,
    )
    bullets = [ctx.headline(k) for k in ids]
    return [
        Slide(
            "standing.headline",
            "title_only",
            TitleSentence(title),
            blocks=(KpiTiles(tuple(tile(ctx, k) for k in ids)), Bullets(tuple(bullets[:5]))),
            notes=ctx.kpi_notes(ids),
        )
    ]


def loyalty_gap(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    ids = [k for k in ctx.kpis(p.get("kpis")) if ctx.report.kpis[k].unit == "ratio"]
    ids = [k for k in ids if ctx.value(k) is not None]
    if len(ids) < 2:
        return []
    sat, loyal = ids[0], min(ids[1:], key=lambda k: ctx.value(k) or 0.0)
    # the gap between the figures as shown (96.1% − 52.1% = 44.0 pp, whatever the digits
    # behind them): a reader checks the title's arithmetic against the numbers it quotes
    shown = [round((ctx.value(k) or 0.0) * 100, 1) for k in (sat, loyal)]
    gap = round(shown[0] - shown[1], 1) / 100
    sf, lf = ctx.fact(sat), ctx.fact(loyal)
    series = [(ctx.unit_name(), [ctx.value(k) for k in ids])]
    if ctx.unit != ALL:
        series.append((ctx.unit_name(ALL), [ctx.value(k, ALL) for k in ids]))
    spec = ChartSpec.build(
        "column", ctx.texts("titles.loyalty"), [ctx.label(k) for k in ids], series
    )
    colon = ctx.texts("colon")
    bullets = [
        f"{ctx.label(k)}{colon}{format_value(ctx.value(k), 'ratio', ctx.lang)}" for k in ids[:5]
    ]
    return [
        Slide(
            "standing.loyalty_gap",
            "title_only",
            TitleSentence(
                ctx.say(
                    "loyalty_gap",
                    sat=sf,
                    loyal=lf,
                    gap=format_magnitude(gap, "ratio", ctx.lang),
                    ahead=gap > 0,
                )
            ),
            blocks=(Chart(spec), Bullets(tuple(bullets))),
            notes=ctx.kpi_notes(ids),
        )
    ]


def unit_comparison(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    slides = []
    for kpi in ctx.kpis(p.get("kpis")):
        k = ctx.report.kpis[kpi]
        vals = [(u, ctx.value(kpi, u)) for u in ctx.config.unit_ids]
        vals = [(u, v) for u, v in vals if v is not None]
        # units below the minimum n are named, never charted or ranked
        small = [u for u, _ in vals if ctx.low_n(kpi, u)]
        vals = [(u, v) for u, v in vals if u not in small]
        if len(vals) < 2:
            continue
        vals.sort(key=lambda uv: uv[1] * k.direction, reverse=True)
        fmt = lambda v, u=k.unit: format_value(v, u, ctx.lang)  # noqa: E731
        best, worst = vals[0], vals[-1]
        differ = ctx.differ(kpi, ctx.row(kpi, best[0]) or {}, ctx.row(kpi, worst[0]) or {})
        if ctx.unit != ALL and ctx.unit in dict(vals):
            rank = [u for u, _ in vals].index(ctx.unit) + 1
            title = ctx.say(
                "unit_rank",
                label=ctx.label(kpi),
                unit_name=ctx.unit_name(),
                value=fmt(dict(vals)[ctx.unit]),
                rank=rank,
                total=len(vals),
                best_name=ctx.unit_name(best[0]),
                best_value=fmt(best[1]),
            )
        else:
            title = ctx.say(
                "group_spread",
                label=ctx.label(kpi),
                best_name=ctx.unit_name(best[0]),
                best_value=fmt(best[1]),
                worst_name=ctx.unit_name(worst[0]),
                worst_value=fmt(worst[1]),
                differ=differ,
            )
        group = ctx.value(kpi, ALL)
        refs = []
        if group is not None:
            refs.append(ReferenceLine(ctx.unit_name(ALL), group, "average"))
        spec = ChartSpec.build(
            "column",
            ctx.texts("titles.units", kpi=ctx.label(kpi)),
            [ctx.unit_name(u) for u, _ in vals],
            [(ctx.label(kpi), [v for _, v in vals])],
            value_unit=k.unit,
            references=tuple(refs),
        )
        bullets = [
            ctx.say(
                "group_spread",
                label=ctx.label(kpi),
                best_name=ctx.unit_name(best[0]),
                best_value=fmt(best[1]),
                worst_name=ctx.unit_name(worst[0]),
                worst_value=fmt(worst[1]),
                differ=differ,
            ),
            *([ctx.left_out(ctx.unit_name(u) for u in small)] if small else []),
        ]
        # each change bullet follows the figure it is the change of: the deck's own unit's
        # (in a unit deck, its figure first and the all-units one after its changes; in
        # the group deck the all-units figure, whose changes they are)
        own = ctx.value(kpi)
        said = f"{ctx.unit_name()}{ctx.texts('colon')}{fmt(own)}" if own is not None else None
        everyone = f"{ctx.unit_name(ALL)}{ctx.texts('colon')}{fmt(group)}"
        changes = kpi_bullets(ctx, kpi, target=False)[: 1 if small else 2]
        if ctx.unit == ALL:
            bullets += [*([everyone] if group is not None else []), *changes]
        else:
            bullets += [*([said] if said else []), *changes]
            bullets += [everyone] if group is not None else []
        slides.append(
            Slide(
                f"standing.units.{kpi}",
                "title_only",
                TitleSentence(title),
                blocks=(Chart(spec, kpi), Bullets(tuple(bullets[:5]))),
                notes=ctx.kpi_notes([kpi]),
            )
        )
    return slides


def nps_shares(ctx: SlideContext, unit: str) -> tuple[float, float, float] | None:
    """Promoters, passives, detractors as shares: promoters are the recommend rate (9–10)
    and NPS = %P − %D, both over the same answers, so D = P − NPS/100."""
    p, nps = ctx.value("recommend_rate", unit), ctx.value("nps", unit)
    if p is None or nps is None:
        return None
    d = p - nps / 100.0
    return p, max(0.0, 1.0 - p - d), d


def nps_mix(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    if "nps" not in ctx.report.kpis or "recommend_rate" not in ctx.report.kpis:
        return []
    units = [ctx.unit] if ctx.unit == ALL else [ctx.unit, ALL]
    shares = {u: nps_shares(ctx, u) for u in units}
    shares = {u: s for u, s in shares.items() if s is not None}
    if ctx.unit not in shares:
        return []
    t = ctx.texts
    names = [t("series.promoters"), t("series.passives"), t("series.detractors")]
    spec = ChartSpec.build(
        "stacked_100",
        t("titles.nps_mix"),
        [ctx.unit_name(u) for u in shares],
        [(names[i], [s[i] for s in shares.values()]) for i in range(3)],
    )
    pr, pa, de = shares[ctx.unit]
    pct = lambda v: format_value(v, "ratio", ctx.lang)  # noqa: E731
    f = ctx.fact("nps")
    assert f is not None
    bullets = [
        " · ".join(
            f"{name}{ctx.texts('colon')}{pct(v)}"
            for name, v in zip(names, (pr, pa, de), strict=True)
        ),
        *kpi_bullets(ctx, "nps", target=True)[:4],
    ]
    return [
        Slide(
            "standing.nps_mix",
            "title_only",
            TitleSentence(ctx.say("nps_mix", promoters=pct(pr), detractors=pct(de), nps=f.value)),
            blocks=(Chart(spec, "nps"), Bullets(tuple(bullets))),
            notes=ctx.kpi_notes(["nps", "recommend_rate"]),
        )
    ]


BUILDERS = {
    "headline": headline,
    "loyalty_gap": loyalty_gap,
    "unit_comparison": unit_comparison,
    "nps_mix": nps_mix,
}


def tiles_slide(ctx: SlideContext, p: dict[str, Any], slide_id: str) -> list[Slide]:
    """Up to four KPI tiles with a sentence title and one bullet per KPI."""
    ids = [k for k in ctx.kpis(p.get("kpis")) if ctx.value(k) is not None][:4]
    if not ids:
        return []
    bullets = [ctx.headline(k) for k in ids]
    return [
        Slide(
            slide_id,
            "title_only",
            TitleSentence(ctx.headline(ctx.lead_kpi(ids))),
            blocks=(KpiTiles(tuple(tile(ctx, k) for k in ids)), Bullets(tuple(bullets[:5]))),
            notes=ctx.kpi_notes(ids),
        )
    ]
