"""Chapter 5 — challenges the data supports today: the weakest attributes, complaint
rate per ticket category, customers' own words (sanitised), and data-quality gaps.
Driver analysis, comment themes and churn risk are not built yet and are named as such."""

from __future__ import annotations

from typing import Any

from reportgen.engine.compute import ALL
from reportgen.formatting import format_value
from reportgen.model.charts import ChartSpec
from reportgen.model.kpi_charts import attribute_chart
from reportgen.model.report import Bullets, Chart, Slide, Table, TitleSentence
from reportgen.model.slides._context import SlideContext
from reportgen.sanitize import redact_pii, shorten, strip_control


def weakest_attributes(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    ids = [k for k in ctx.report.kpis if k.startswith("attr_") and ctx.value(k) is not None]
    if len(ids) < 2:
        return []
    ids.sort(key=lambda k: ctx.value(k) or 0.0)
    spec = attribute_chart(
        ctx.report,
        ctx.unit,
        ctx.lang,
        title=ctx.texts("titles.attributes"),
        unit_name=ctx.unit_name(),
        group_name=ctx.unit_name(ALL),
    )
    if spec is None:
        return []
    fmt = lambda k: format_value(ctx.value(k), ctx.report.kpis[k].unit, ctx.lang)  # noqa: E731
    title = ctx.say(
        "weakest",
        label=ctx.label(ids[0]),
        value=fmt(ids[0]),
        second=ctx.label(ids[1]),
        second_value=fmt(ids[1]),
    )
    bullets = [ctx.say("headline", f=ctx.fact(k), basis=ctx.basis_name(ctx.basis)) for k in ids[:3]]
    bullets.append(ctx.say("not_yet", what=ctx.texts("not_yet.drivers")))
    return [
        Slide(
            "challenges.attributes",
            "title_only",
            TitleSentence(title),
            blocks=(Chart(spec), Bullets(tuple(bullets))),
            notes=ctx.kpi_notes(ids[:3]),
        )
    ]


def complaint_categories(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    kpi = (ctx.kpis(p.get("kpis")) or [None])[0]
    if kpi is None:
        return []
    b = ctx.breakdown(kpi, "category").dropna(subset=["value"])
    if len(b) < 2:
        return []
    k = ctx.report.kpis[kpi]
    b = b.sort_values("value", ascending=False).head(10)
    fmt = lambda v: format_value(v, k.unit, ctx.lang)  # noqa: E731
    top = b.iloc[0]
    title = ctx.say(
        "complaints", category=top.dim_value, rate=fmt(top.value), overall=fmt(ctx.value(kpi))
    )
    spec = ChartSpec.build(
        "bar",
        ctx.texts("titles.complaints"),
        list(b.dim_value),
        [(ctx.label(kpi), list(b.value))],
        value_unit=k.unit,
    )
    bullets = [f"{r.dim_value}: {fmt(r.value)} (n = {int(r.n):,})" for r in b.head(3).itertuples()]
    if b.low_n.any():
        bullets.append(ctx.texts("notes.min_n", min_n=ctx.config.statistics.min_n))
    return [
        Slide(
            "challenges.complaints",
            "title_only",
            TitleSentence(title),
            blocks=(Chart(spec, kpi), Bullets(tuple(bullets))),
            notes=ctx.kpi_notes([kpi]),
        )
    ]


def clean_comment(text: object, limit: int = 120) -> str:
    """A customer comment fit for a slide: control characters out, PII masked, cut."""
    cleaned, _ = strip_control(str(text))
    return shorten(redact_pii(cleaned.strip()), limit)


def customer_voices(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    c = ctx.report.comments
    if c is None or c.empty:
        return []
    rows = c if ctx.unit == ALL else c[c.unit == ctx.unit]
    rows = rows.dropna(subset=["csat"]).sort_values(["csat", "date"], ascending=[True, False])
    picked = [clean_comment(x) for x in rows.comment]
    seen: list[str] = []
    for text in picked:
        if text and text not in seen:
            seen.append(text)
        if len(seen) >= int(p.get("max", 4)):
            break
    if not seen:
        return []
    t = ctx.texts
    table_rows = []
    for text in seen:
        score = rows[rows.comment.map(clean_comment) == text].csat.iloc[0]
        table_rows.append((text, f"{score:.0f}"))
    return [
        Slide(
            "challenges.voices",
            "title_only",
            TitleSentence(ctx.say("voices", count=len(seen))),
            blocks=(
                Table(
                    (t("headers.comment"), t("headers.score")),
                    tuple(table_rows),
                    tuple((None, None) for _ in table_rows),
                    (5.0, 1.0),
                ),
            ),
        )
    ]


def data_gaps(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    sc = ctx.report.scorecard
    mine = sc[(sc.unit == ctx.unit) & sc.dimension.isna()]
    b = ctx.report.breakdowns
    low = int(mine.low_n.sum()) + int(b[b.unit == ctx.unit].low_n.sum())
    quarantined = sum(r.quarantined for r in ctx.report.reconciliation)
    low_kpis = [ctx.label(k) for k in mine[mine.low_n].kpi][:4]
    bullets = [
        f"{ctx.texts('headers.low_n')}: {', '.join(low_kpis)}" if low_kpis else None,
        *[
            f"{r.table}: {ctx.texts('headers.quarantined')} {r.quarantined:,} / "
            f"{ctx.texts('headers.read')} {r.read:,}"
            for r in ctx.report.reconciliation
            if r.quarantined
        ][:3],
        ctx.say("not_yet", what=ctx.texts("not_yet.drivers")),
    ]
    items = tuple(b_ for b_ in bullets if b_)[:5]
    return [
        Slide(
            "challenges.data_gaps",
            "title_only",
            TitleSentence(ctx.say("data_gaps", low_n=f"{low:,}", quarantined=f"{quarantined:,}")),
            blocks=(Bullets(items),),
        )
    ]


BUILDERS = {
    "weakest_attributes": weakest_attributes,
    "complaint_categories": complaint_categories,
    "customer_voices": customer_voices,
    "data_gaps": data_gaps,
}
