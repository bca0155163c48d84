"""Sentences from numbers: the statistics decide the verb, Jinja templates the words.

:func:`verdict` reads one KPI result row (see :mod:`reportgen.engine.results`) and says
what may be claimed about a change: ``improved`` / ``worsened`` only when the change is
significant (direction-aware: churn falling is an improvement), ``flat`` when it is
not, and no claim at all for figures below the minimum n (``low_n``), without an
earlier figure (``no_comparison``) or without a test (``untested``, e.g. medians).

:class:`Narrator` renders the macros in ``templates/text/<lang>/deck/*.j2`` with
filters that wrap :mod:`reportgen.formatting`. Templates come from the project only,
never from data; undefined names raise (StrictUndefined); autoescape is off because
the output is slide text, not HTML.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import jinja2

from reportgen.formatting import (
    attainment_status,
    format_change,
    format_magnitude,
    format_n,
    format_value,
)
from reportgen.model.report import Verdict
from reportgen.resources import templates_dir
from reportgen.texts import scope_name


def _missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def verdict(row: Mapping[str, Any], basis: str = "prev") -> Verdict:
    """What the change of ``row`` against ``basis`` ("prev" or "yoy") allows us to say."""
    if _missing(row.get("value")) or not row.get("n"):
        return "no_data"
    if _missing(row.get(f"change_{basis}")) or not row.get(f"{basis}_n"):
        return "no_comparison"
    if bool(row.get("low_n")) or row.get(f"test_{basis}") == "below_min_n":
        return "low_n"
    sig = row.get(f"sig_{basis}")
    if sig is None:
        return "untested"
    if not sig:
        return "flat"
    return "improved" if float(row[f"change_{basis}"]) * int(row["direction"]) > 0 else "worsened"


def claim_basis(row: Mapping[str, Any], comparisons: tuple[str, ...]) -> str:
    """The comparison a title states: the first of ``comparisons`` whose change is
    significant (quarterly: the previous quarter, else the same quarter last year),
    otherwise the first one (for "flat", "sample too small", …)."""
    for basis in comparisons:
        if verdict(row, basis) in ("improved", "worsened"):
            return basis
    return comparisons[0]


@dataclass(frozen=True)
class Fact:
    """The template's view of one KPI result: formatted strings and flags only."""

    kpi: str
    label: str
    value: str
    n: str
    higher_is_better: bool
    verdict: Verdict  # against the main basis
    change: str  # signed, against the main basis
    verdict_yoy: Verdict
    change_yoy: str
    target: str  # "" without a target
    target_status: str  # met / near / missed / ""
    target_gap: str
    benchmark: str
    benchmark_scope: str
    benchmark_gap: str
    benchmark_better: bool | None
    benchmark_above: bool | None  # the value is numerically above the benchmark
    #: the benchmark lies inside the value's confidence interval (the NPS: ± its margin
    #: of error): no better or worse can be claimed
    benchmark_within: bool
    # the comparison the title states (see claim_basis)
    claim: str  # "prev" or "yoy"
    claim_main: bool  # the claim is against the main basis
    claim_verdict: Verdict
    claim_size: str  # unsigned, e.g. "9.9 pp"
    claim_up: bool  # the figure went up


def _within_interval(row: Mapping[str, Any], value: object) -> bool:
    """Whether ``value`` (a benchmark) lies inside the row's confidence interval, or
    within ± the margin of error of the NPS."""
    if _missing(value):
        return False
    v = float(value)  # type: ignore[arg-type]
    low, high = row.get("ci_low"), row.get("ci_high")
    if _missing(low) or _missing(high):
        moe, centre = row.get("moe"), row.get("value")
        if _missing(moe) or _missing(centre):
            return False
        low, high = float(centre) - float(moe), float(centre) + float(moe)
    return float(low) <= v <= float(high)


def fact(
    row: Mapping[str, Any],
    label: str,
    lang: str,
    basis: str = "prev",
    comparisons: tuple[str, ...] | None = None,
    scope_names: Mapping[str, str] | None = None,
) -> Fact:
    """``comparisons``: the bases a title may state, in order of preference (default: the
    main basis, then year-over-year); ``scope_names``: benchmark scope labels (keys
    compared case-insensitively; the raw scope is the fallback)."""
    unit = str(row["value_unit"])
    direction = int(row["direction"])
    status = attainment_status(row.get("target_met"), row.get("attainment"))
    bench = row.get("benchmark")
    gap = row.get("benchmark_gap")
    if comparisons is None:
        comparisons = (basis,) if basis == "yoy" else (basis, "yoy")
    claim = claim_basis(row, comparisons)
    claim_change = row.get(f"change_{claim}")
    scope = str(row.get("benchmark_scope") or "")
    return Fact(
        kpi=str(row["kpi"]),
        label=label,
        value=format_value(row.get("value"), unit, lang),
        n=format_n(row.get("n")),
        higher_is_better=direction > 0,
        verdict=verdict(row, basis),
        change=format_change(row.get(f"change_{basis}"), unit, lang),
        verdict_yoy=verdict(row, "yoy"),
        change_yoy=format_change(row.get("change_yoy"), unit, lang),
        target="" if _missing(row.get("target")) else format_value(row["target"], unit, lang),
        target_status=status or "",
        target_gap=""
        if _missing(row.get("target_gap"))
        else format_change(row["target_gap"], unit, lang, side=True),
        benchmark="" if _missing(bench) else format_value(bench, unit, lang),
        benchmark_scope=scope_name(scope, lang, scope_names),
        benchmark_gap="" if _missing(gap) else format_change(gap, unit, lang),
        benchmark_better=None if _missing(gap) else float(gap) * direction >= 0,
        benchmark_above=None if _missing(gap) else float(gap) >= 0,
        benchmark_within=_within_interval(row, bench),
        claim=claim,
        claim_main=claim == basis,
        claim_verdict=verdict(row, claim),
        claim_size=format_magnitude(claim_change, unit, lang),
        claim_up=not _missing(claim_change) and float(claim_change) > 0,
    )


_SPACES = re.compile(r"\s+")
_GAP_BEFORE_PUNCT = re.compile(r"\s+(?=[,;)])")
_CJK_GAP = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u9fff\uff00-\uffef])")


def tidy(text: str) -> str:
    """One line: collapse template whitespace; no spaces between Chinese characters or
    before a comma, semicolon or closing parenthesis."""
    text = _GAP_BEFORE_PUNCT.sub("", _SPACES.sub(" ", text).strip())
    return _CJK_GAP.sub("", text)


class Narrator:
    """Renders the sentence macros of one language (:func:`narrator`: one per language
    and process, the template compiled once)."""

    def __init__(self, lang: str) -> None:
        folder = templates_dir() / "text" / lang / "deck"
        if not folder.is_dir():
            from reportgen.errors import ConfigError

            langs = sorted(p.parent.name for p in (templates_dir() / "text").glob("*/deck"))
            raise ConfigError(f"no deck texts for language {lang!r}; expected one of {langs}")
        self.lang = lang
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(folder)),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        env.filters["value"] = partial(_value_filter, lang=lang)
        env.filters["change"] = partial(_change_filter, lang=lang)
        env.filters["size"] = partial(_size_filter, lang=lang)
        env.filters["n"] = format_n
        self.env = env
        self._module = env.get_template("sentences.j2").module

    def say(self, macro: str, **context: Any) -> str:
        """The sentence of macro ``macro`` (in ``sentences.j2``) with ``context``."""
        fn = getattr(self._module, macro, None)
        if fn is None:
            raise KeyError(f"sentences.j2 ({self.lang}) has no macro {macro!r}")
        return tidy(str(fn(**context)))


@functools.lru_cache(maxsize=8)
def narrator(lang: str) -> Narrator:
    """The :class:`Narrator` of ``lang``, made once per process (it keeps no state
    between sentences)."""
    return Narrator(lang)


def _value_filter(v: float | None, unit: str, lang: str) -> str:
    return format_value(v, unit, lang)


def _change_filter(v: float | None, unit: str, lang: str) -> str:
    return format_change(v, unit, lang)


def _size_filter(v: float | None, unit: str, lang: str) -> str:
    return format_magnitude(v, unit, lang)
