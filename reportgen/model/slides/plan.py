"""Chapter 6 — next period's plan: targets *proposed* from each KPI's trend and its noise
(:func:`reportgen.analytics.plan.propose_target`), each row saying which rule set it.
They are suggestions for review (the slide says so). The priority actions come from the
driver and theme analyses (:func:`reportgen.model.slides.insights.priority_actions`)."""

from __future__ import annotations

from typing import Any

from reportgen.analytics.plan import (
    BASIS_BOUND,
    BASIS_CAP,
    BASIS_STRETCH,
    BASIS_TREND,
    TargetProposal,
    propose_target,
)
from reportgen.formatting import format_change, format_magnitude, format_value
from reportgen.model.kpi_charts import trend_values
from reportgen.model.report import Bullets, Slide, Table, TitleSentence
from reportgen.model.slides._context import SlideContext, finite


def basis_text(ctx: SlideContext, p: TargetProposal) -> str:
    """Why the proposal is what it is, in the KPI's own terms."""
    return ctx.texts(
        f"plan.basis.{p.basis}",
        slope=format_change(p.slope, p.unit, ctx.lang),
        sd=format_magnitude(p.sd, p.unit, ctx.lang),
        periods=p.periods,
        sign="+" if p.direction > 0 else "−",  # toward better: down when lower is better
    )


def proposed_targets(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    t = ctx.texts
    rows, numbers, proposals, easier = [], [], [], []
    for k in ctx.kpis(p.get("kpis")):
        cur = ctx.value(k)
        if cur is None:
            continue
        d = ctx.report.kpis[k]
        history = [v for v in trend_values(ctx.report, k, ctx.unit) if v is not None]
        proposal = propose_target(history, cur, direction=d.direction, unit=d.unit)
        if proposal is None:
            continue
        proposals.append(proposal)
        target = finite((ctx.row(k) or {}).get("target"))
        shown = {
            "kpi": ctx.label(k),
            "proposal": format_value(proposal.proposal, d.unit, ctx.lang),
            "target": format_value(target, d.unit, ctx.lang),
        }
        rows.append(
            (
                shown["kpi"],
                format_value(cur, d.unit, ctx.lang),
                shown["target"],
                shown["proposal"],
                basis_text(ctx, proposal),
            )
        )
        numbers.append((None, cur, target, proposal.proposal, None))
        # a proposal below this period's target lowers the bar: said, not hidden
        if target is not None and (proposal.proposal - target) * d.direction < 0:
            easier.append(t("plan.easier_item", **shown))
    if not rows:
        return []
    header = (
        t("headers.kpi"),
        t("headers.value"),
        t("headers.target"),
        t("headers.proposal"),
        t("headers.basis"),
    )
    count = lambda *b: sum(1 for x in proposals if x.basis in b)  # noqa: E731
    mix = ctx.say(
        "plan_mix",
        trend=count(BASIS_TREND),
        stretch=count(BASIS_STRETCH),
        capped=count(BASIS_CAP, BASIS_BOUND),
        total=len(proposals),
    )
    return [
        Slide(
            "plan.targets",
            "title_only",
            TitleSentence(ctx.say("plan", count=len(rows))),
            blocks=(
                Table(header, tuple(rows), tuple(numbers), (1.7, 0.8, 0.8, 1.0, 2.5)),
                Bullets(
                    (
                        *([t("plan.easier", items=t("list_sep").join(easier))] if easier else []),
                        mix,
                        t("plan.rule"),
                    )
                ),
            ),
        )
    ]


BUILDERS = {"proposed_targets": proposed_targets}
