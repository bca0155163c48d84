"""Chapter 6 — next period's plan: targets *proposed* from the trend and its variability.
They are suggestions for review (the slide says so); priority actions need the driver
analysis, which does not exist yet."""

from __future__ import annotations

import statistics
from typing import Any

from reportgen.formatting import format_change, format_value
from reportgen.model.kpi_charts import trend_values
from reportgen.model.report import Bullets, Slide, Table, TitleSentence
from reportgen.model.slides._context import SlideContext


def propose_target(values: list[float], current: float, direction: int, unit: str) -> float:
    """Current value moved in the good direction by half the standard deviation of the
    trend's values (a stretch the unit has shown it can move); rates stay within 0–1."""
    sd = statistics.stdev(values) if len(values) >= 2 else 0.0
    out = current + direction * 0.5 * sd
    if unit == "ratio":
        out = min(1.0, max(0.0, out))
    return out


def proposed_targets(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    t = ctx.texts
    rows, numbers = [], []
    for k in ctx.kpis(p.get("kpis")):
        cur = ctx.value(k)
        values = [v for v in trend_values(ctx.report, k, ctx.unit) if v is not None]
        if cur is None or len(values) < 3:
            continue
        d = ctx.report.kpis[k]
        proposal = propose_target(values, cur, d.direction, d.unit)
        sd = statistics.stdev(values)
        rows.append(
            (
                ctx.label(k),
                format_value(cur, d.unit, ctx.lang),
                format_value(proposal, d.unit, ctx.lang),
                t("plan.basis", periods=len(values), sd=format_change(sd, d.unit, ctx.lang)),
            )
        )
        numbers.append((None, cur, proposal, None))
    if not rows:
        return []
    header = (t("headers.kpi"), t("headers.value"), t("headers.proposal"), t("headers.basis"))
    bullets = (t("plan.rule"), ctx.say("not_yet", what=t("not_yet.actions")))
    return [
        Slide(
            "plan.targets",
            "title_only",
            TitleSentence(ctx.say("plan", count=len(rows))),
            blocks=(
                Table(header, tuple(rows), tuple(numbers), (2.0, 1.0, 1.2, 1.8)),
                Bullets(bullets),
            ),
        )
    ]


BUILDERS = {"proposed_targets": proposed_targets}
