"""Chapter 3 — digital service efficiency: channel mix and first-contact resolution per
channel, the self-service / AI share, service speed, satisfaction per channel."""

from __future__ import annotations

from typing import Any

from reportgen.formatting import format_value
from reportgen.model.charts import ChartSpec
from reportgen.model.report import Bullets, Chart, Slide, TitleSentence
from reportgen.model.slides._context import SlideContext
from reportgen.model.slides.standing import kpi_bullets, tiles_slide


def _pct(ctx: SlideContext, v: float | None) -> str:
    return format_value(v, "ratio", ctx.lang)


def channel_mix(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    kpi = (ctx.kpis(p.get("kpis")) or [None])[0]
    if kpi is None:
        return []
    b = ctx.breakdown(kpi, "channel")
    b = b[b.n > 0]
    if len(b) < 2:
        return []
    total = float(b.n.sum())
    b = b.assign(share=b.n / total).sort_values("share", ascending=False)
    # the best channel among those with n ≥ the minimum; the others' rates are not drawn
    fcr = b[~b.low_n.astype(bool)].dropna(subset=["value"])
    best = fcr.loc[fcr.value.idxmax()] if len(fcr) else None
    self_service = {c.casefold() for c in ctx.options.get("self_service_channels", ())}
    is_self_service = b.raw_value.str.casefold().isin(self_service)
    ss = float(b[is_self_service].n.sum()) / total
    k = ctx.report.kpis[kpi]
    spec = ChartSpec.build(
        "column",
        ctx.texts("titles.channel_fcr"),
        list(b.dim_value),
        [
            (ctx.label(kpi), [None if low else v for v, low in zip(b.value, b.low_n, strict=True)]),
            (ctx.texts("series.share"), list(b.share)),
        ],
        value_unit=k.unit,
    )
    top = b.iloc[0]
    title = ctx.say(
        "channel_mix",
        top=top.dim_value,
        share=_pct(ctx, top.share),
        best=best.dim_value if best is not None else None,  # none at the minimum n: unsaid
        best_value=format_value(best.value if best is not None else None, k.unit, ctx.lang),
    )
    # the self-service share only where the data name such a channel (the deck spec's
    # self_service_channels): "0.0 %" of channels called otherwise would be false
    bullets = [ctx.say("self_service", share=_pct(ctx, ss))] if is_self_service.any() else []
    low = b[b.low_n.astype(bool)]
    if len(low):
        bullets.append(ctx.left_out(low.dim_value))
    bullets += kpi_bullets(ctx, kpi, target=False)[:2]
    return [
        Slide(
            "digital.channel_mix",
            "title_only",
            TitleSentence(title),
            blocks=(Chart(spec, kpi), Bullets(tuple(bullets[:5]))),
            notes=ctx.kpi_notes([kpi]),
        )
    ]


def service_speed(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    return tiles_slide(ctx, p, "digital.service_speed")


def channel_satisfaction(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    kpi = (ctx.kpis(p.get("kpis")) or [None])[0]
    if kpi is None:
        return []
    b = ctx.breakdown(kpi, "channel").dropna(subset=["value"])
    if len(b) < 2:
        return []
    k = ctx.report.kpis[kpi]
    # channels below the minimum n are named, never charted or ranked
    small = b[b.low_n.astype(bool)]
    b = b[~b.low_n.astype(bool)].sort_values("value", ascending=k.direction < 0)
    if len(b) < 2:
        return []
    fmt = lambda v: format_value(v, k.unit, ctx.lang)  # noqa: E731
    best, worst = b.iloc[0], b.iloc[-1]
    spec = ChartSpec.build(
        "bar",
        ctx.texts("titles.channel_csat"),
        list(b.dim_value),
        [(ctx.label(kpi), list(b.value))],
        value_unit=k.unit,
    )
    bullets = [
        ctx.texts("value_n", name=r.dim_value, value=fmt(r.value), n=f"{int(r.n):,}")
        for r in b.itertuples()
    ][:4]
    if len(small):
        bullets = bullets[:3] + [ctx.left_out(small.dim_value)]
    return [
        Slide(
            "digital.channel_satisfaction",
            "title_only",
            TitleSentence(
                ctx.say(
                    "channel_csat",
                    best=best.dim_value,
                    best_value=fmt(best.value),
                    worst=worst.dim_value,
                    worst_value=fmt(worst.value),
                    differ=ctx.differ(kpi, best.to_dict(), worst.to_dict()),
                )
            ),
            blocks=(Chart(spec, kpi), Bullets(tuple(bullets))),
            notes=ctx.kpi_notes([kpi]),
        )
    ]


BUILDERS = {
    "channel_mix": channel_mix,
    "service_speed": service_speed,
    "channel_satisfaction": channel_satisfaction,
}
