"""How numbers are written, per language: one place for values, changes and n.

Used by the CLI table, and later as Jinja filters by the deck, workbook and e-mail
renderers, so a figure reads the same everywhere.
"""

from __future__ import annotations

import math

#: The hours unit as documents say it, per language.
HOURS_UNIT = {"en": "h", "zh-CN": "小时"}
_MINUTES = {"en": "min", "zh-CN": "分钟"}
_PP = {"en": "pp", "zh-CN": "个百分点"}
_PTS = {"en": "pts", "zh-CN": "分"}


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_value(value: float | None, unit: str, lang: str = "en") -> str:
    """87.3% · NPS 32.1 · 4.21 · 1,234 · 5.2 h · 48 min — or an en dash when there is no
    value. A negative value has a true minus (NPS −25.0), as changes have."""
    if _missing(value):
        return "–"
    assert value is not None
    text = _value_text(value, unit, lang)
    if not text.startswith("-"):
        return text
    return ("−" if _nonzero(text) else "") + text[1:]  # never "-0.0"


def _value_text(value: float, unit: str, lang: str) -> str:
    match unit:
        case "ratio":
            return f"{value * 100:.1f}%"
        case "points" | "index":
            return f"{value:.1f}"
        case "score":
            return f"{value:.2f}"
        case "hours":
            return _duration(value, lang)
        case "currency":
            return f"{value:,.0f}"
        case "count":
            return f"{value:.2f}"
    return f"{value:g}"


def _duration(hours: float, lang: str) -> str:
    """Hours, with two decimals below 10 h (0.1 h would hide a doubling); below one
    hour in minutes (5 min, not 0.08 h), with a decimal below 10 minutes."""
    sep = " " if lang == "en" else ""
    if abs(hours) < 1:
        minutes = hours * 60
        digits = 1 if abs(round(minutes)) < 10 else 0
        return f"{_shown(minutes, digits)}{sep}{_MINUTES.get(lang, 'min')}"
    word = HOURS_UNIT.get(lang, HOURS_UNIT["en"])
    return f"{_shown(hours, 2 if abs(hours) < 10 else 1)}{sep}{word}"


def _nonzero(text: str) -> bool:
    """Whether a formatted number shows a digit other than 0."""
    return any(c in "123456789" for c in text)


def _shown(value: float, digits: int) -> str:
    """``value`` to ``digits`` decimals, never as a negative zero (−0.0 → 0.0)."""
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def format_change(change: float | None, unit: str, lang: str = "en", *, side: bool = False) -> str:
    """+1.2 pp · −3.4 pts · +0.12 — a signed change in the KPI's own terms; a change that
    rounds to zero as shown is ±0.0 (not −0.0). ``side``: a gap whose side matters (a
    target missed by a hair, coloured as missed) keeps its sign with up to two more
    decimals (+0.02 pp), and is ±0 only when exactly 0."""
    if _missing(change):
        return "–"
    assert change is not None
    magnitude = format_magnitude(change, unit, lang)
    if side and change and not _nonzero(magnitude):
        for extra in (1, 2):
            finer = format_magnitude(change, unit, lang, extra=extra)
            if _nonzero(finer):
                magnitude = finer
                break
    if not _nonzero(magnitude):
        return "±" + magnitude
    return ("+" if change > 0 else "−") + magnitude


def format_magnitude(change: float | None, unit: str, lang: str = "en", *, extra: int = 0) -> str:
    """1.2 pp · 3.4 pts · 0.12 — the size of a change without its sign, for sentences
    whose words carry the direction ("43.0 pp higher", "比去年同期下降 9.9个百分点").
    ``extra``: more decimals for percent points and points (see :func:`format_change`)."""
    if _missing(change):
        return "–"
    assert change is not None
    mag = abs(change)
    match unit:
        case "ratio":
            sep = " " if lang == "en" else ""
            return f"{mag * 100:.{1 + extra}f}{sep}{_PP.get(lang, 'pp')}"
        case "points" | "index":
            sep = " " if lang == "en" else ""
            return f"{mag:.{1 + extra}f}{sep}{_PTS.get(lang, 'pts')}"
        case "score" | "count":
            return f"{mag:.2f}"
        case "hours":
            return _duration(mag, lang)
        case "currency":
            return f"{mag:,.0f}"
    return f"{mag:g}"


def significance_mark(sig: bool | None, change: float | None, direction: int) -> str:
    """▲/▼ for a significant improvement/deterioration, · for not significant,
    blank when no claim can be made (below minimum n or not tested)."""
    if sig is None or _missing(change):
        return ""
    if not sig:
        return "·"
    assert change is not None
    return "▲" if change * direction > 0 else "▼"


def format_p(p: float | None, *, stated: bool = False) -> str:
    """A p-value as a table shows it, 0.019 or < 0.001 (never "0.000"); ``stated``: as a
    sentence states it, "p = 0.019" or "p < 0.001"; "–" when there is none."""
    if _missing(p):
        return "–"
    assert p is not None
    if p < 0.001:
        return "p < 0.001" if stated else "< 0.001"
    return f"p = {p:.3f}" if stated else f"{p:.3f}"


def chance_count(alpha: float, tests: int) -> str:
    """How many of ``tests`` tests come out significant at ``alpha`` by chance alone,
    as a text says it ("12", "0.4")."""
    expected = alpha * tests
    return f"{expected:.0f}" if expected >= 1 else f"{expected:.1f}"


def format_n(n: int | float | None) -> str:
    if _missing(n if not isinstance(n, int) else float(n)):
        return "–"
    return f"{int(n):,}"  # type: ignore[arg-type]


#: Attainment from which a missed target counts as "near" (95% of the target).
NEAR_TARGET = 0.95


def attainment_status(target_met: bool | None, attainment: float | None) -> str | None:
    """Target status: "met", "near" (missed, but attainment ≥ NEAR_TARGET), "missed", or
    None without a target. ``target_met`` already respects the KPI's direction."""
    if target_met is None:
        return None
    if target_met:
        return "met"
    if not _missing(attainment) and attainment is not None and attainment >= NEAR_TARGET:
        return "near"
    return "missed"
