"""Slide builders: one module per chapter, each maps slide kinds (as named in the report
spec) to functions ``(SlideContext, params) -> list[Slide]``. A builder returns no slide
when the data for it is missing, rather than an empty one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reportgen.model.report import Slide
from reportgen.model.slides import (
    appendix,
    attainment,
    challenges,
    digital,
    group,
    insights,
    plan,
    segments,
    standing,
)
from reportgen.model.slides._context import SlideContext

Builder = Callable[[SlideContext, dict[str, Any]], list[Slide]]

BUILDERS: dict[str, Builder] = {
    **standing.BUILDERS,
    **group.BUILDERS,
    **attainment.BUILDERS,
    **digital.BUILDERS,
    **segments.BUILDERS,
    **challenges.BUILDERS,
    **insights.BUILDERS,
    **plan.BUILDERS,
    **appendix.BUILDERS,
}

__all__ = ["BUILDERS", "Builder", "SlideContext"]
