"""Chapter 5 — challenges from the KPI results: the weakest attributes, complaint rate
per ticket category, customers' own words (sanitised), and data-quality gaps, including
the insight analyses that could not run and why. The key drivers, comment themes, churn
risk and watch items are in :mod:`reportgen.model.slides.insights`.

``weakest_attributes`` and ``customer_voices`` take ``fallback: true`` in the report
spec to show only when the driver analysis (resp. the theme quotes) is missing, so two
slides never say the same thing."""

from __future__ import annotations

from typing import Any

import pandas as pd

from reportgen.engine.compute import ALL
from reportgen.formatting import format_value
from reportgen.model.charts import ChartSpec
from reportgen.model.kpi_charts import attribute_chart
from reportgen.model.report import Bullets, Chart, Notes, Slide, Table, TitleSentence
from reportgen.model.slides._context import SlideContext
from reportgen.model.slides.insights import driver_result, gap_bullets, has_quotes, unit_insights
from reportgen.model.slides.standing import kpi_bullets
from reportgen.sanitize import is_unpresentable, redact_pii, shorten, strip_control
from reportgen.texts import dimension_name


def weakest_attributes(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    if p.get("fallback") and driver_result(unit_insights(ctx)) is not None:
        return []  # the key-driver slide shows the attributes' performance
    # the weakest attribute is named only among figures at or above the minimum n
    ids = [
        k
        for k in ctx.report.kpis
        if k.startswith("attr_") and ctx.value(k) is not None and not ctx.low_n(k)
    ]
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
    bullets = [ctx.headline(k) for k in ids[:3]]
    if ctx.report.insights is None:
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
    """Complaint rate per ticket category. Only categories with n ≥ the minimum are ranked
    and charted; the others are named in a bullet, never as the headline."""
    kpi = (ctx.kpis(p.get("kpis")) or [None])[0]
    if kpi is None or ctx.row(kpi) is None:
        return []
    b = ctx.breakdown(kpi, "category").dropna(subset=["value"])
    if len(b) < 2:
        return []
    k = ctx.report.kpis[kpi]
    if b.value.isin([0.0, 1.0]).all():
        # Each category is all complaints or none (the category is what makes a ticket a
        # complaint): a rate per category says nothing; where the complaints fall does.
        return _complaint_shares(ctx, kpi, b)
    b = b.sort_values(["value", "n"], ascending=[False, False])  # where complaints concentrate
    ranked = b[~b.low_n.astype(bool)].head(10)
    small = b[b.low_n.astype(bool)]
    fmt = lambda v: format_value(v, k.unit, ctx.lang)  # noqa: E731
    line = lambda r: ctx.texts("value_n", name=r.dim_value, value=fmt(r.value), n=f"{int(r.n):,}")  # noqa: E731
    bullets = [line(r) for r in ranked.head(3).itertuples()]
    if len(small):
        bullets.append(ctx.left_out(small.dim_value))
    blocks: tuple[Chart | Bullets, ...]
    if len(ranked) >= 2 and ranked.value.iloc[0] > ranked.value.iloc[-1]:
        # (equal rates, e.g. all 0%, rank nothing)
        top = ranked.iloc[0]
        title = ctx.say(
            "complaints", category=top.dim_value, rate=fmt(top.value), overall=fmt(ctx.value(kpi))
        )
        spec = ChartSpec.build(
            "bar",
            ctx.texts("titles.complaints"),
            list(ranked.dim_value),
            [(ctx.label(kpi), list(ranked.value))],
            value_unit=k.unit,
        )
        blocks = (Chart(spec, kpi), Bullets(tuple(bullets[:5])))
    else:
        # nothing to rank: the overall figure is the finding
        title = ctx.headline(kpi)
        bullets = [*bullets, *kpi_bullets(ctx, kpi, target=False)][:5]
        blocks = (Bullets(tuple(bullets)),)
    return _complaints_slide(ctx, kpi, title, blocks)


def _complaints_slide(
    ctx: SlideContext, kpi: str, title: str, blocks: tuple[Chart | Bullets, ...]
) -> list[Slide]:
    return [
        Slide(
            "challenges.complaints",
            "title_only",
            TitleSentence(title),
            blocks=blocks,
            notes=ctx.kpi_notes([kpi]),
        )
    ]


def clean_comment(text: object, limit: int = 120) -> str:
    """A customer comment fit for a slide: control characters out, PII masked, cut."""
    cleaned, _ = strip_control(str(text))
    return shorten(redact_pii(cleaned.strip()), limit)


def customer_voices(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    if p.get("fallback") and has_quotes(unit_insights(ctx)):
        return []  # the complaint-themes slide quotes customers by theme
    c = ctx.report.comments
    if c is None or c.empty:
        return []
    rows = c if ctx.unit == ALL else c[c.unit == ctx.unit]
    rows = rows.dropna(subset=["csat"]).sort_values(["csat", "date"], ascending=[True, False])
    picked = [clean_comment(x) for x in rows.comment]
    seen: list[str] = []
    for text in picked:
        if text and not is_unpresentable(text) and text not in seen:
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


def _complaint_shares(ctx: SlideContext, kpi: str, b: pd.DataFrame) -> list[Slide]:
    """The complaints' split over the complaint categories, when every category is wholly
    complaints or wholly not (a rate per category would be 100% or 0%)."""
    mine = b[b.value == 1.0].sort_values(["n", "dim_value"], ascending=[False, True])
    if len(mine) < 2:
        return []
    total = int(mine.n.sum())
    min_n = ctx.config.statistics.min_n
    if total < min_n:  # too few complaints to say where they fall
        small = b[b.low_n.astype(bool)]
        bullets = [ctx.texts("notes.few_complaints", n=total, min_n=min_n)]
        if len(small):
            bullets.append(ctx.left_out(small.dim_value))
        bullets += kpi_bullets(ctx, kpi, target=False)
        return _complaints_slide(ctx, kpi, ctx.headline(kpi), (Bullets(tuple(bullets[:5])),))
    share = mine.n / total
    pct = lambda v: format_value(v, "ratio", ctx.lang)  # noqa: E731
    top = mine.iloc[0]
    tied = [str(v) for v in mine[mine.n == top.n].dim_value]
    title = ctx.say(
        "complaint_share",
        categories=tied,
        share=pct(share.iloc[0]),
        count=f"{int(top.n):,}",
        total=f"{total:,}",
    )
    spec = ChartSpec.build(
        "bar",
        ctx.texts("titles.complaint_share"),
        list(mine.dim_value.head(10)),
        [(ctx.texts("headers.complaint_share"), list(share.head(10)))],
        value_unit="ratio",
    )
    bullets = [
        ctx.texts("complaints_of", category=r.dim_value, share=pct(v), n=f"{int(r.n):,}")
        for r, v in zip(mine.head(3).itertuples(), share.head(3), strict=True)
    ]
    none = b[b.value == 0.0]
    if len(none):
        names = ctx.texts("name_sep").join(str(v) for v in none.dim_value)
        bullets.append(ctx.texts("notes.no_complaints", names=names))
    bullets.append(
        ctx.say("complaint_rate_overall", rate=format_value(ctx.value(kpi), "ratio", ctx.lang))
    )
    return _complaints_slide(ctx, kpi, title, (Chart(spec, kpi), Bullets(tuple(bullets[:5]))))


def data_gaps(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    sc = ctx.report.scorecard
    mine = sc[(sc.unit == ctx.unit) & sc.dimension.isna()]
    b = ctx.report.breakdowns
    low = int(mine.low_n.sum()) + int(b[b.unit == ctx.unit].low_n.sum())
    quarantined = sum(r.quarantined for r in ctx.report.reconciliation)
    low_kpis = [ctx.label(k) for k in mine[mine.low_n].kpi][:4]
    # which figures the title's count is: the breakdown cells below min n, per dimension
    cells = b[(b.unit == ctx.unit) & b.low_n.astype(bool)].groupby("dimension").size()
    per_dimension = ctx.texts("name_sep").join(
        f"{dimension_name(d, ctx.lang)} {n:,}"
        for d, n in cells.sort_values(ascending=False).items()
    )
    gaps, reasons = gap_bullets(ctx)
    # every file with quarantined rows, in one bullet: the parts add up to the title's total
    files = [
        ctx.texts("quarantined_of", table=ctx.table_name(r.table), n=f"{r.quarantined:,}",
                  read=f"{r.read:,}")
        for r in ctx.report.reconciliation
        if r.quarantined
    ]  # fmt: skip
    bullets = [
        f"{ctx.texts('headers.low_n')}{ctx.texts('colon')}{', '.join(low_kpis)}"
        if low_kpis
        else None,
        f"{ctx.texts('headers.low_n_cells', min_n=ctx.config.statistics.min_n)}"
        f"{ctx.texts('colon')}{per_dimension}"
        if per_dimension
        else None,
        f"{ctx.texts('headers.quarantined')}{ctx.texts('colon')}{ctx.texts('list_sep').join(files)}"
        if files
        else None,
        *gaps,
        ctx.say("not_yet", what=ctx.texts("not_yet.drivers"))
        if ctx.report.insights is None
        else None,
    ]
    items = tuple(b_ for b_ in bullets if b_)[:5]
    if not items:
        items = (ctx.texts("notes.min_n", min_n=ctx.config.statistics.min_n),)
    return [
        Slide(
            "challenges.data_gaps",
            "title_only",
            TitleSentence(ctx.say("data_gaps", low_n=f"{low:,}", quarantined=f"{quarantined:,}")),
            blocks=(Bullets(items),),
            notes=Notes("\n".join(reasons)) if reasons else None,
        )
    ]


BUILDERS = {
    "weakest_attributes": weakest_attributes,
    "complaint_categories": complaint_categories,
    "customer_voices": customer_voices,
    "data_gaps": data_gaps,
}
