"""Appendix — methodology and KPI definitions, sample sizes per figure, data
reconciliation and quarantine. Long tables are split over several slides."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportgen.engine.compute import ALL
from reportgen.formatting import chance_count, format_value
from reportgen.model.report import Bullets, Slide, Table, TitleSentence
from reportgen.model.slides._context import SlideContext, finite


def paginate(
    ctx: SlideContext,
    slide_id: str,
    title: str,
    header: tuple[str, ...],
    rows: Sequence[tuple[str, ...]],
    numbers: Sequence[tuple[float | None, ...]],
    per_page: int,
    widths: tuple[float, ...] = (),
) -> list[Slide]:
    pages = [rows[i : i + per_page] for i in range(0, len(rows), per_page)] or [[]]
    out = []
    for i, page in enumerate(pages):
        suffix = ctx.aside(f"{i + 1}/{len(pages)}") if len(pages) > 1 else ""
        nums = numbers[i * per_page : i * per_page + len(page)]
        out.append(
            Slide(
                f"{slide_id}.{i + 1}",
                "title_only",
                TitleSentence(title + suffix),
                blocks=(Table(header, tuple(page), tuple(nums), widths),),
            )
        )
    return out


def methodology(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    t = ctx.texts
    first = Slide(
        "appendix.method",
        "title_only",
        TitleSentence(t("titles.method")),
        blocks=(Bullets(tuple(t.lines("methodology", **_testing(ctx)))),),
    )
    rows = [(ctx.label(k), d.definition(ctx.lang)) for k, d in ctx.report.kpis.items()]
    return [first] + paginate(
        ctx,
        "appendix.definitions",
        t("titles.definitions"),
        (t("headers.kpi"), t("headers.definition")),
        rows,
        [(None, None)] * len(rows),
        6,
        (1.3, 4.0),
    )


def _testing(ctx: SlideContext) -> dict[str, str]:
    """The significance level, the confidence level, the minimum n, and how many change
    tests this deck's figures carry (the group deck: every unit's and the group's) with
    how many significant by chance alone."""
    s = ctx.config.statistics
    sc = ctx.report.scorecard
    # the group deck compares every unit too (movers, rankings): all of their tests
    mine = sc.unit.notna() if ctx.unit == ALL else sc.unit == ctx.unit
    rows = sc[mine & sc.dimension.isna()]
    tests = int(sum(rows[f"p_{w}"].notna().sum() for w in ctx.comparisons))
    return {
        "alpha": f"{s.alpha:g}",
        "confidence": format_value(s.confidence, "ratio", ctx.lang).replace(".0%", "%"),
        "min_n": f"{s.min_n:,}",
        "tests": f"{tests:,}",
        "expected": chance_count(s.alpha, tests),
    }


def _n(v: object) -> str:
    f = finite(v)
    return "0" if f is None else f"{int(f):,}"


def sample_sizes(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    t = ctx.texts
    rows, numbers = [], []
    for k in ctx.report.kpis:
        r = ctx.row(k)
        if r is None:
            continue
        rows.append(
            (
                ctx.label(k),
                _n(r.get("n")),
                _n(r.get("prev_n")),
                _n(r.get("yoy_n")),
                t("status.yes") if r.get("low_n") else t("status.no"),
            )
        )
        numbers.append(
            (None, finite(r.get("n")), finite(r.get("prev_n")), finite(r.get("yoy_n")), None)
        )
    header = (
        t("headers.kpi"),
        t("headers.n"),
        t("headers.prev_n"),
        t("headers.yoy_n"),
        t("headers.low_n"),
    )
    return paginate(
        ctx,
        "appendix.samples",
        t("titles.sample_sizes"),
        header,
        rows,
        numbers,
        10,
        (2.4, 1, 1, 1, 1),
    )


def reconciliation(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    t = ctx.texts
    rows, numbers = [], []
    for r in ctx.report.reconciliation:
        filtered = sum(r.filtered.values())
        rows.append(
            (
                ctx.table_name(r.table),
                f"{r.read:,}",
                f"{r.loaded:,}",
                f"{r.quarantined:,}",
                f"{filtered:,}",
            )
        )
        numbers.append(
            (None, float(r.read), float(r.loaded), float(r.quarantined), float(filtered))
        )
    header = (
        t("headers.table"),
        t("headers.read"),
        t("headers.loaded"),
        t("headers.quarantined"),
        t("headers.filtered"),
    )
    slides = paginate(
        ctx, "appendix.reconciliation", t("titles.reconciliation"), header, rows, numbers, 8
    )
    reasons: dict[str, int] = {}
    for r in ctx.report.reconciliation:
        for reason, n in r.quarantine_reasons.items():
            reasons[reason] = reasons.get(reason, 0) + n
    if reasons:
        ranked = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
        shown = ranked[:4] if len(ranked) > 5 else ranked
        lines = [t("reason_line", n=f"{v:,}", reason=ctx.reason(k), code=k) for k, v in shown]
        if len(shown) < len(ranked):  # the lines add up to the table's quarantined total
            rest = ranked[len(shown) :]
            lines.append(t("other_reasons", n=f"{sum(v for _, v in rest):,}", count=len(rest)))
        last = slides[-1]
        slides[-1] = Slide(
            last.id, last.layout, last.title, blocks=(*last.blocks, Bullets(tuple(lines)))
        )
    return slides


BUILDERS = {
    "methodology": methodology,
    "sample_sizes": sample_sizes,
    "reconciliation": reconciliation,
}
