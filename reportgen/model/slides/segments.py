"""Chapter 4 — segments: satisfaction per customer segment as the CRM records it, from
the engine's breakdowns. RFM segments, lifecycle stages and CLV value tiers come from the
insight analyses (:mod:`reportgen.model.slides.insights`); when those were not run, this
slide says so instead of pretending."""

from __future__ import annotations

from typing import Any

from reportgen.formatting import format_value
from reportgen.model.report import Bullets, Slide, Table, TitleSentence
from reportgen.model.slides._context import SlideContext, finite


def segment_breakdown(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    dim = str(p.get("dimension", "segment"))
    ids = [k for k in ctx.kpis(p.get("kpis")) if len(ctx.breakdown(k, dim))]
    if not ids:
        return []
    lead = ids[0]
    k0 = ctx.report.kpis[lead]
    b0 = ctx.breakdown(lead, dim).dropna(subset=["value"])
    b0 = b0.sort_values("value", ascending=k0.direction < 0)
    segments = list(b0.dim_value)
    if len(segments) < 2:
        return []
    fmt = lambda v, k: format_value(v, ctx.report.kpis[k].unit, ctx.lang)  # noqa: E731
    t = ctx.texts
    header = (t("headers.segment"), t("headers.n"), *(ctx.label(k) for k in ids))
    rows, numbers = [], []
    for seg in segments:
        vals = {k: ctx.breakdown(k, dim).set_index("dim_value") for k in ids}
        n = int(vals[lead].at[seg, "n"])
        cells = [str(seg), f"{n:,}"]
        nums: list[float | None] = [None, float(n)]
        for k in ids:
            v = finite(vals[k].at[seg, "value"]) if seg in vals[k].index else None
            cells.append(fmt(v, k))
            nums.append(v)
        rows.append(tuple(cells))
        numbers.append(tuple(nums))
    # highest and lowest among the segments at or above the minimum n, said as such
    # only when they differ significantly
    ranked = b0[~b0.low_n.astype(bool)]
    ends = ranked if len(ranked) >= 2 else b0
    best, worst = ends.iloc[0], ends.iloc[-1]
    title = ctx.say(
        "segment_spread",
        label=ctx.label(lead),
        best=best.dim_value,
        best_value=fmt(best.value, lead),
        worst=worst.dim_value,
        worst_value=fmt(worst.value, lead),
        differ=ctx.differ(lead, best.to_dict(), worst.to_dict()),
    )
    bullets = [title]
    for k in ids[1:2]:
        b = ctx.breakdown(k, dim).dropna(subset=["value"])
        b = b[~b.low_n.astype(bool)].sort_values(
            "value", ascending=ctx.report.kpis[k].direction < 0
        )
        if len(b) >= 2:
            hi, lo = b.iloc[0], b.iloc[-1]
            bullets.append(
                ctx.say(
                    "segment_spread",
                    label=ctx.label(k),
                    best=hi.dim_value,
                    best_value=fmt(hi.value, k),
                    worst=lo.dim_value,
                    worst_value=fmt(lo.value, k),
                    differ=ctx.differ(k, hi.to_dict(), lo.to_dict()),
                )
            )
    if b0.low_n.any():
        bullets.append(t("notes.min_n", min_n=ctx.config.statistics.min_n))
    if ctx.report.insights is None:
        bullets.append(ctx.say("not_yet", what=t("not_yet.segments")))
    f = ctx.fact(lead)
    if len(bullets) < 2 and f is not None:
        bullets.append(ctx.say("sample", f=f))
    return [
        Slide(
            f"segments.{dim}",
            "title_only",
            TitleSentence(title),
            blocks=(
                Table(header, tuple(rows), tuple(numbers)),
                Bullets(tuple(bullets)),
            ),
            notes=ctx.kpi_notes(ids),
        )
    ]


BUILDERS = {"segment_breakdown": segment_breakdown}
