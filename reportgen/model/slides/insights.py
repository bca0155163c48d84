"""Chapters 4–6 from the insight analyses (:class:`reportgen.analytics.insights.UnitInsights`).

- Segments: RFM segments and lifecycle stages profiled by size, revenue, satisfaction,
  NPS and churn (:func:`segment_profile`); CLV value tiers (:func:`value_tiers`).
- Challenges: the key drivers as an importance × performance quadrant
  (:func:`key_drivers`), complaint themes as a Pareto with quotes
  (:func:`complaint_themes`), churn risk (:func:`churn_risk`) and control-chart watch
  items (:func:`watch_items`).
- Plan: priority actions (:func:`priority_actions`).

A builder returns no slide when its analysis is missing; :func:`missing_analyses` says
which could not run and why, for the data-gaps slide. Customer IDs never reach a slide:
the churn slide shows counts and expected-loss totals only.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from reportgen.analytics.anomalies import RULE_RUN
from reportgen.formatting import format_change, format_magnitude, format_value
from reportgen.model.charts import ChartSpec, ReferenceLine
from reportgen.model.report import (
    Bullets,
    Chart,
    KpiTile,
    KpiTiles,
    Notes,
    Slide,
    Table,
    TitleSentence,
)
from reportgen.model.slides._context import SlideContext, finite
from reportgen.sanitize import redact_pii, shorten, strip_control
from reportgen.texts import analysis_reason

#: Below this held-out AUC the churn model is called a poor separator.
POOR_AUC = 0.6
#: Churn probability from which a customer counts as at risk (the default of
#: :func:`reportgen.analytics.churn.high_value_at_risk`).
MIN_RISK = 0.2
#: Themes in the Pareto chart and table; quotes on the themes slide.
MAX_THEMES = 8
MAX_QUOTES = 3
#: Months shown in a watch chart.
WATCH_MONTHS = 12
#: The analyses a deck shows, in the order the data-gaps slide names them.
SHOWN_ANALYSES = ("segments", "clv", "drivers", "themes", "churn", "anomalies")
UNASSIGNED = "unassigned"


# -- reading the insights ------------------------------------------------------------


def unit_insights(ctx: SlideContext) -> Any | None:
    """The unit's :class:`UnitInsights`, or None when the analyses were not run."""
    found = getattr(ctx.report, "insights", None)
    return None if found is None else found.get(ctx.unit)


def driver_result(ins: Any | None, outcome: str = "csat") -> tuple[str, Any] | None:
    """(outcome, DriverResult) with a table: ``outcome`` if it ran, else the other one."""
    if ins is None:
        return None
    for name in (outcome, *(k for k in ("csat", "ltr") if k != outcome)):
        result = ins.drivers.get(name)
        if result is not None and result.table is not None and len(result.table):
            return name, result
    return None


def _profile(ins: Any | None, by: str) -> pd.DataFrame | None:
    frame = None if ins is None else ins.profiles.get(by)
    if frame is None or frame.empty or by not in frame.columns:
        return None
    return frame


def _tiers(ins: Any | None) -> pd.DataFrame | None:
    """The value-tier profile indexed by tier, when the top and low tiers exist."""
    frame = _profile(ins, "value_tier")
    if frame is None or finite(ins.clv_summary.get("top_tier_share")) is None:
        return None
    tiers = frame.set_index("value_tier")
    return tiers if {"top", "low"} <= set(tiers.index) else None


def has_quotes(ins: Any | None) -> bool:
    return (
        ins is not None
        and ins.themes is not None
        and len(ins.themes) > 0
        and any(ins.quotes.values())
    )


def missing_analyses(ctx: SlideContext) -> list[tuple[str, str]]:
    """(analysis display name, reason) of every analysis the deck cannot show."""
    ins = unit_insights(ctx)
    if ins is None:
        return []
    t = ctx.texts
    reasons = dict(ins.reasons)
    if "clv" not in reasons and _profile(ins, "value_tier") is not None and _tiers(ins) is None:
        nan = finite(ins.clv_summary.get("clv_mean")) is None and ins.clv_summary
        reasons["clv"] = t("gaps.clv_nan") if nan else t("gaps.no_tiers")
    return [
        (_name(ctx, "analysis", k), analysis_reason(reasons[k], ctx.lang))
        for k in SHOWN_ANALYSES
        if reasons.get(k)
    ]


def gap_bullets(ctx: SlideContext, limit: int = 3) -> tuple[list[str], list[str]]:
    """Bullets naming the analyses that could not run, with the reason (shortened), and
    the notes lines with every reason in full."""
    gaps = missing_analyses(ctx)
    bullets = [ctx.texts("gaps.not_run", analysis=a, reason=shorten(r, 160)) for a, r in gaps]
    return bullets[:limit], [ctx.texts("gaps.note", analysis=a, reason=r) for a, r in gaps]


# -- formatting ----------------------------------------------------------------------


def _name(ctx: SlideContext, group: str, key: object) -> str:
    names = ctx.texts.raw(f"names.{group}")
    return str(names.get(str(key), key)) if isinstance(names, Mapping) else str(key)


def _pct(ctx: SlideContext, v: object) -> str:
    return format_value(finite(v), "ratio", ctx.lang)


def _pp(ctx: SlideContext, v: object) -> str:
    return format_change(finite(v), "ratio", ctx.lang)


def _score(ctx: SlideContext, v: object) -> str:
    return format_value(finite(v), "score", ctx.lang)


def _money(ctx: SlideContext, v: object) -> str:
    return format_value(finite(v), "currency", ctx.lang)


def _int(v: object) -> str:
    f = finite(v)
    return "–" if f is None else f"{round(f):,}"


def _date(ctx: SlideContext, d: object) -> str:
    if not isinstance(d, _dt.date):
        return "–"
    return f"{d.year}年{d.month}月{d.day}日" if ctx.lang == "zh-CN" else d.isoformat()


def attribute_name(ctx: SlideContext, attribute: str) -> str:
    """The attribute's display name: its KPI label, else the config's names."""
    kpi = f"attr_{attribute}"
    if kpi in ctx.report.kpis:
        return ctx.label(kpi)
    for a in ctx.config.attributes:
        if a.id == attribute:
            return a.names.zh_CN if ctx.lang == "zh-CN" else a.names.en
    return attribute.replace("_", " ").capitalize()


def theme_labels(ctx: SlideContext) -> Mapping[str, str]:
    """Theme id → display name in the deck's language (the configured dictionary)."""
    from reportgen.analytics.themes import load_themes, theme_names
    from reportgen.errors import ConfigError

    path = ctx.config.analytics.themes
    try:
        return theme_names(load_themes(ctx.config.path(path) if path else None), ctx.lang)
    except ConfigError:
        return {}


def _quote_text(text: object, limit: int = 110) -> str:
    cleaned, _ = strip_control(str(text))
    return shorten(redact_pii(" ".join(cleaned.split())), limit)


# -- chapter 4: segments -------------------------------------------------------------

_PROFILE_SLIDES = {
    "rfm_segment": ("segments.rfm", "rfm"),
    "lifecycle_stage": ("segments.lifecycle", "lifecycle"),
}


#: Profiles whose groups are defined by churn (the churned stage), so that a churn rate
#: per group says nothing (0 % in every other stage by construction): no churn column.
CHURN_DEFINED_PROFILES = frozenset({"lifecycle_stage"})


def _profile_table(ctx: SlideContext, frame: pd.DataFrame, by: str) -> Table:
    t = ctx.texts
    churn = by not in CHURN_DEFINED_PROFILES
    header = (
        t(f"headers.{by}"),
        t("headers.customers"),
        t("headers.share"),
        t("headers.revenue_share"),
        t("headers.csat_mean"),
        t("headers.nps_n"),
        *([t("headers.churn_rate")] if churn else []),
    )
    rows, numbers = [], []
    for r in frame.to_dict("records"):
        nps = finite(r["nps"])
        rows.append(
            (
                _name(ctx, by, r[by]),
                _int(r["customers"]),
                _pct(ctx, r["share"]),
                _pct(ctx, r["revenue_share"]),
                _score(ctx, r["csat_mean"]),
                format_value(nps, "points", ctx.lang) + ctx.aside(_int(r["nps_n"])),
                *([_pct(ctx, r["churn_rate"])] if churn else []),
            )
        )
        numbers.append(
            (
                None,
                finite(r["customers"]),
                finite(r["share"]),
                finite(r["revenue_share"]),
                finite(r["csat_mean"]),
                nps,
                *([finite(r["churn_rate"])] if churn else []),
            )
        )
    widths = (1.9, 1.4, 0.85, 1.3, 1.0, 1.25, 1.0)
    return Table(header, tuple(rows), tuple(numbers), widths if churn else widths[:-1])


def _overall_csat(frame: pd.DataFrame) -> float | None:
    rated = frame[frame["csat_n"] > 0]
    n = float(rated["csat_n"].sum())
    return float((rated["csat_mean"] * rated["csat_n"]).sum() / n) if n else None


def _profile_bullets(
    ctx: SlideContext, named: pd.DataFrame, by: str, lead: Mapping[str, Any]
) -> list[str]:
    """NPS of the lead segment, the largest segment, the least satisfied, the highest
    churn (segments below the minimum n are not ranked)."""
    min_n = ctx.config.statistics.min_n
    name = lambda r: _name(ctx, by, r[by])  # noqa: E731
    out = []
    if finite(lead["nps"]) is not None:
        out.append(
            ctx.say(
                "segment_nps",
                name=name(lead),
                nps=format_value(lead["nps"], "points", ctx.lang),
                moe=format_magnitude(finite(lead["nps_moe"]), "points", ctx.lang),
                n=_int(lead["nps_n"]),
            )
        )
    largest = named.loc[named["customers"].idxmax()]
    if largest[by] != lead[by] or not out:
        out.append(
            ctx.say(
                "segment_size",
                name=name(largest),
                share=_pct(ctx, largest["share"]),
                revenue_share=_pct(ctx, largest["revenue_share"]),
            )
        )
    rated = named[named["csat_n"] >= min_n].dropna(subset=["csat_mean"])
    if len(rated) >= 2:
        low = rated.loc[rated["csat_mean"].idxmin()]
        out.append(
            ctx.say(
                "segment_low",
                name=name(low),
                csat=_score(ctx, low["csat_mean"]),
                n=_int(low["csat_n"]),
            )
        )
    # lifecycle stages are defined by churn (the churned stage): no churn finding there
    churning = named[named["churn_n"] >= min_n].dropna(subset=["churn_rate"])
    if by not in CHURN_DEFINED_PROFILES and len(churning) and churning["churn_rate"].max() > 0:
        hi = churning.loc[churning["churn_rate"].idxmax()]
        out.append(
            ctx.say(
                "segment_churn",
                name=name(hi),
                rate=_pct(ctx, hi["churn_rate"]),
                churned=_int(hi["churned"]),
                n=_int(hi["churn_n"]),
            )
        )
    if (named["csat_n"] < min_n).any():
        out.append(ctx.texts("notes.min_n", min_n=min_n))
    if len(out) < 2:
        out.append(
            ctx.say(
                "segment_size",
                name=name(largest),
                share=_pct(ctx, largest["share"]),
                revenue_share=_pct(ctx, largest["revenue_share"]),
            )
        )
    return out[:5]


def segment_profile(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    """RFM segments (``by: rfm_segment``) or lifecycle stages (``by: lifecycle_stage``):
    size, revenue, satisfaction, NPS and churn; the title names the segment holding the
    most revenue and how satisfied it is."""
    by = str(p.get("by", "rfm_segment"))
    if by not in _PROFILE_SLIDES:
        raise ValueError(f"segment_profile: by {by!r}; expected one of {sorted(_PROFILE_SLIDES)}")
    frame = _profile(unit_insights(ctx), by)
    if frame is None:
        return []
    named = frame[frame[by] != UNASSIGNED]
    if named.empty or not (named["revenue_share"].fillna(0) > 0).any():
        return []
    lead = named.loc[named["revenue_share"].fillna(-1.0).idxmax()].to_dict()
    overall = _overall_csat(frame)
    enough = int(lead["csat_n"]) >= ctx.config.statistics.min_n and overall is not None
    title = ctx.say(
        "segment_lead",
        name=_name(ctx, by, lead[by]),
        revenue_share=_pct(ctx, lead["revenue_share"]),
        csat=_score(ctx, lead["csat_mean"]),
        overall=_score(ctx, overall),
        n=_int(lead["csat_n"]),
        enough=enough,
    )
    slide_id, method = _PROFILE_SLIDES[by]
    notes = ctx.texts(
        f"methods.{method}",
        end=_date(ctx, ctx.report.period.last_day),
        customers=_int(frame["customers"].sum()),
    ) + _sample_note(ctx, unit_insights(ctx))
    return [
        Slide(
            slide_id,
            "title_only",
            TitleSentence(title),
            blocks=(
                _profile_table(ctx, frame, by),
                Bullets(tuple(_profile_bullets(ctx, named, by, lead))),
            ),
            notes=Notes(notes),
        )
    ]


def _sample_note(ctx: SlideContext, ins: Any) -> str:
    """ "\n" + the statement that customer-level figures come from a sample, or ""."""
    sampled = getattr(ins, "sampled", None) or {}
    if not sampled.get("customers_total"):
        return ""
    return "\n" + ctx.texts(
        "notes.sampled",
        kept=_int(sampled["customers_kept"]),
        total=_int(sampled["customers_total"]),
    )


def _clv_notes(ctx: SlideContext, ins: Any) -> str:
    s = ins.clv_summary
    result = ins.clv_fit
    fit = getattr(result, "fit", result)
    horizon = getattr(result, "horizon_months", None) or s.get("horizon_months") or 12
    discount = getattr(result, "monthly_discount", None)
    if discount is None:
        discount = ctx.config.analytics.clv_monthly_discount
    lines = [
        ctx.texts(
            "methods.clv",
            horizon=int(horizon),
            discount=format_value(discount, "ratio", ctx.lang),
            customers=_int(s.get("customers")),
            mean=_money(ctx, s.get("clv_mean")),
            median=_money(ctx, s.get("clv_median")),
        )
    ]
    bg, gg = getattr(fit, "purchases", None), getattr(fit, "spend", None)
    if bg is not None and gg is not None:
        g = lambda v: f"{v:.3g}"  # noqa: E731
        lines.append(
            ctx.texts(
                "methods.clv_fit",
                days=float(getattr(result, "time_unit_days", 7.0)),
                r=g(bg.r),
                alpha=g(bg.alpha),
                a=g(bg.a),
                b=g(bg.b),
                p=g(gg.p),
                q=g(gg.q),
                gamma=g(gg.gamma),
            )
        )
    return "\n".join(lines)


def value_tiers(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    """CLV value tiers: the share of CLV the top tier holds, satisfaction of the top
    against the low tier; notes carry the fitted BG/NBD and Gamma-Gamma parameters."""
    ins = unit_insights(ctx)
    tiers = _tiers(ins)
    if tiers is None:
        return []
    s = ins.clv_summary
    min_n = ctx.config.statistics.min_n
    top, low = tiers.loc["top"], tiers.loc["low"]
    enough = min(int(top["csat_n"]), int(low["csat_n"])) >= min_n
    title = ctx.say(
        "value_tiers",
        customers=_int(top["customers"]),
        share=_pct(ctx, s["top_tier_share"]),
        horizon=int(s.get("horizon_months") or 12),
        top_csat=_score(ctx, top["csat_mean"]),
        low_csat=_score(ctx, low["csat_mean"]),
        enough=enough,
    )
    bullets = []
    if finite(s.get("clv_mean")) is not None and finite(s.get("clv_median")) is not None:
        bullets.append(
            ctx.say(
                "clv_spread", mean=_money(ctx, s["clv_mean"]), median=_money(ctx, s["clv_median"])
            )
        )
    bullets.append(ctx.say("tier_revenue", share=_pct(ctx, top["revenue_share"])))
    nps_label = ctx.label("nps") if "nps" in ctx.report.kpis else "NPS"
    if min(int(top["nps_n"]), int(low["nps_n"])) >= min_n:
        fmt = lambda v: format_value(finite(v), "points", ctx.lang)  # noqa: E731
        bullets.append(
            ctx.say("tier_compare", what=nps_label, top=fmt(top["nps"]), low=fmt(low["nps"]))
        )
    if min(int(top["churn_n"]), int(low["churn_n"])) >= min_n:
        bullets.append(
            ctx.say(
                "tier_compare",
                what=ctx.texts("headers.churn_rate"),
                top=_pct(ctx, top["churn_rate"]),
                low=_pct(ctx, low["churn_rate"]),
            )
        )
    if not enough:
        bullets.append(ctx.texts("notes.min_n", min_n=min_n))
    order = [x for x in ("top", "middle", "low") if x in tiers.index]
    frame = tiers.loc[order + [x for x in tiers.index if x not in order]].reset_index()
    return [
        Slide(
            "segments.value_tiers",
            "title_only",
            TitleSentence(title),
            blocks=(_profile_table(ctx, frame, "value_tier"), Bullets(tuple(bullets[:5]))),
            notes=Notes(_clv_notes(ctx, ins)),
        )
    ]


# -- chapter 5: challenges -----------------------------------------------------------


def _driver_notes(ctx: SlideContext, result: Any, outcome: str, names: Mapping[str, str]) -> str:
    table = result.table
    agree = ((table["relative_weight"] - table["importance"]).abs() / result.r2).max()
    lines = [
        ctx.texts(
            "methods.drivers",
            outcome=_name(ctx, "outcome", outcome),
            k=len(table),
            n=_int(result.n_used),
            dropped=_int(result.n_dropped),
            min_n=_int(result.min_n),
            r2=_pct(ctx, result.r2),
            split_i=_pct(ctx, result.importance_split),
            split_p=f"{result.performance_split:.0f}",
            agree=format_magnitude(finite(agree), "ratio", ctx.lang),
        )
    ]
    if result.dropped:
        dropped = ctx.names(
            f"{attribute_name(ctx, a)}{ctx.aside(why)}" for a, why in result.dropped
        )
        lines.append(ctx.texts("methods.drivers_dropped", names=dropped))
    return "\n".join(lines)


def key_drivers(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    """What drives satisfaction: the importance × performance quadrant as a scatter
    chart, the ranked attributes in a table, and what to fix first in the title."""
    ins = unit_insights(ctx)
    found = driver_result(ins, str(p.get("outcome", "csat")))
    if found is None:
        return []
    outcome, result = found
    t = ctx.texts
    table = result.table
    names = {a: attribute_name(ctx, a) for a in table.index}
    label = _name(ctx, "outcome", outcome)
    best = float(table["performance"].max())
    fix = result.fix_first()
    row = lambda a: table.loc[a]  # noqa: E731
    if fix:
        a = fix[0]
        title = ctx.say(
            "drivers_fix",
            attribute=names[a],
            share=_pct(ctx, row(a)["importance_share"]),
            outcome=label,
            performance=f"{row(a)['performance']:.0f}",
            gap=f"{best - row(a)['performance']:.0f}",
        )
    else:
        a = table.index[0]
        title = ctx.say(
            "drivers_none",
            attribute=names[a],
            share=_pct(ctx, row(a)["importance_share"]),
            outcome=label,
            performance=f"{row(a)['performance']:.0f}",
        )
    chart = ChartSpec.build(
        "scatter",
        t("titles.drivers", outcome=label),
        [names[a] for a in table.index],
        [
            (t("series.importance"), table["importance_share"]),
            (t("series.performance"), table["performance"]),
        ],
        value_unit="number",
        x_unit="ratio",
        x_title=t("series.importance"),
        y_title=t("series.performance"),
        references=(
            ReferenceLine(t("series.mean_importance"), result.importance_split, "average", "x"),
            ReferenceLine(t("series.mean_performance"), result.performance_split, "average", "y"),
        ),
    )
    ranked = Table(
        (
            t("headers.attribute"),
            t("headers.importance"),
            t("headers.performance"),
            t("headers.quadrant"),
        ),
        tuple(
            (
                names[a],
                _pct(ctx, r["importance_share"]),
                f"{r['performance']:.0f}",
                _name(ctx, "quadrant", r["quadrant"]),
            )
            for a, r in table.iterrows()
        ),
        tuple(
            (None, float(r["importance_share"]), float(r["performance"]), None)
            for _, r in table.iterrows()
        ),
        (1.9, 1.4, 1.5, 1.3),
    )
    bullets = [
        ctx.say(
            "drivers_fit",
            k=len(table),
            r2=_pct(ctx, result.r2),
            outcome=label,
            n=_int(result.n_used),
        )
    ]
    if len(fix) > 1:
        comma = ctx.texts("comma")
        also = ctx.names(
            names[x]
            + ctx.aside(
                f"{_pct(ctx, row(x)['importance_share'])}{comma}{row(x)['performance']:.0f}/100"
            )
            for x in fix[1:3]
        )
        bullets.append(ctx.say("drivers_also", names=also))
    other = driver_result(ins, "ltr" if outcome == "csat" else "csat")
    if other is not None and other[0] != outcome:
        top = other[1].table.index[0]
        bullets.append(
            ctx.say(
                "drivers_other",
                outcome=_name(ctx, "outcome", other[0]),
                attribute=names.get(top) or attribute_name(ctx, top),
                share=_pct(ctx, other[1].table.loc[top, "importance_share"]),
            )
        )
    surplus = [names[x] for x in table.index[table["quadrant"] == "surplus"]]
    if surplus:
        bullets.append(ctx.say("drivers_surplus", names=ctx.names(surplus[:3])))
    return [
        Slide(
            "challenges.drivers",
            "title_only",
            TitleSentence(title),
            blocks=(Chart(chart), ranked, Bullets(tuple(bullets[:5]))),
            notes=Notes(_driver_notes(ctx, result, outcome, names)),
        )
    ]


def _quotes(ctx: SlideContext, ins: Any, order: list[str], labels: Mapping[str, str]) -> list[str]:
    """Up to MAX_QUOTES quotes, one per theme in Pareto order, each text once."""
    seen: set[str] = set()
    out = []
    for theme in [*order, *(k for k in ins.quotes if k not in order)]:
        for text in ins.quotes.get(theme) or ():
            q = _quote_text(text)
            if q and q not in seen:
                seen.add(q)
                out.append(ctx.say("quote", theme=labels.get(theme, theme), text=q))
                break
        if len(out) >= MAX_QUOTES:
            break
    return out


def complaint_themes(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    """Comment themes in Pareto order of detractor comments (chart), with volume,
    detractor share and share change (table), and representative quotes."""
    ins = unit_insights(ctx)
    th = None if ins is None else ins.themes
    if th is None or th.empty:
        return []
    cur = th[th["comments"] > 0].head(MAX_THEMES)
    if cur.empty or int(cur["detractors"].sum()) == 0:
        return []
    t = ctx.texts
    known = theme_labels(ctx)
    labels = {
        r["theme"]: known.get(r["theme"]) or str(r["name"] or r["theme"])
        for r in cur.to_dict("records")
    }
    names = [labels[x] for x in cur["theme"]]
    # a detractor share resting on fewer rated comments than min n is not stated
    min_n = ctx.config.statistics.min_n
    rated = cur["rated"] if "rated" in cur.columns else cur["comments"]
    share = cur["detractor_share"].where(rated >= min_n)
    top = cur.iloc[0]
    # a theme's change of share is said only where its test finds it significant
    moved = cur["share_change_p"].map(ctx.significant) if "share_change_p" in cur else None
    change = finite(top["share_change"]) if moved is not None and moved.iloc[0] else None
    tied = [labels[x] for x in cur[cur["detractors"] == top["detractors"]]["theme"]]
    if len(tied) > 1:  # no theme leads alone: say so
        title = ctx.say(
            "themes_tied",
            themes=tied,
            detractors=_int(top["detractors"]),
        )
    else:
        title = ctx.say(
            "themes_top",
            theme=labels[top["theme"]],
            detractors=_int(top["detractors"]),
            share="" if pd.isna(share.iloc[0]) else _pct(ctx, share.iloc[0]),
            change="" if change is None else _pp(ctx, change),
        )
    chart = ChartSpec.build(
        "bar",
        t("titles.themes"),
        names,
        [(t("series.detractor_comments"), cur["detractors"])],
        value_unit="number",
    )
    table = Table(
        (
            t("headers.theme"),
            t("headers.comments"),
            t("headers.detractor_share"),
            t("headers.share_change"),
        ),
        tuple(
            (labels[r["theme"]], _int(r["comments"]), _pct(ctx, v), _pp(ctx, r["share_change"]))
            for r, v in zip(cur.to_dict("records"), share, strict=True)
        ),
        tuple(
            (None, float(r["comments"]), finite(v), finite(r["share_change"]))
            for r, v in zip(cur.to_dict("records"), share, strict=True)
        ),
        (2.0, 1.0, 1.1, 1.6),
    )
    bullets = []
    rising = cur[moved] if moved is not None else cur.iloc[:0]
    rising = rising[rising["share_change"] > 0]
    if len(rising):
        r = rising.loc[rising["share_change"].idxmax()]
        which = (
            "themes_riser_top" if r["theme"] == top["theme"] and len(tied) == 1 else "themes_riser"
        )
        bullets.append(ctx.say(which, theme=labels[r["theme"]], change=_pp(ctx, r["share_change"])))
    bullets += _quotes(ctx, ins, list(cur["theme"]), {**known, **labels})[: 4 - len(bullets)]
    mean, n = finite(ins.sentiment.get("mean")), finite(ins.sentiment.get("comments"))
    if mean is not None and n:
        bullets.append(
            ctx.say("themes_sentiment", score=f"{mean:+.2f}".replace("-", "−"), n=_int(n))
        )
    if len(bullets) < 2:
        bullets.append(ctx.texts("notes.min_n", min_n=ctx.config.statistics.min_n))
    lines = [t("methods.themes", comments=_int(n if n else cur["comments"].sum()))]
    if ins.terms is not None and len(ins.terms):
        lines.append(t("methods.terms", terms=ctx.names(ins.terms["term"].head(8))))
    return [
        Slide(
            "challenges.themes",
            "title_only",
            TitleSentence(title),
            blocks=(Chart(chart), table, Bullets(tuple(bullets[:5]))),
            notes=Notes("\n".join(lines)),
        )
    ]


def _scored(churn: Any) -> int | None:
    """How many active customers the churn model scored, when known."""
    n = getattr(churn, "n_scored", None)
    if n is not None:
        return int(n)
    scores = getattr(churn, "scores", None)
    return len(scores) if isinstance(scores, pd.Series) and len(scores) else None


def _value_kind(ins: Any) -> str | None:
    """What the at-risk value is: "clv", "spend" (CLV unavailable), or None when the
    CLV model ran but gave no finite values (nobody could be valued)."""
    if "clv" in ins.reasons:
        return "spend"
    mean = finite(ins.clv_summary.get("clv_mean")) if ins.clv_summary else None
    return "clv" if mean is not None else None


def churn_risk(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    """Held-out AUC and top-decile lift, customers scored, high-value customers at risk
    and their expected loss (counts and totals only, never IDs)."""
    ins = unit_insights(ctx)
    churn = None if ins is None else ins.churn
    if churn is None or getattr(churn, "reason", None):
        return []
    auc = finite(churn.auc)
    if auc is None:
        return []
    t = ctx.texts
    good = auc >= POOR_AUC
    risk = ins.at_risk
    count = 0 if risk is None else len(risk)
    loss = float(risk["expected_loss"].sum()) if count else 0.0
    kind = _value_kind(ins)
    from reportgen.analytics.insights import AT_RISK_TOP

    title = ctx.say(
        "churn_title",
        auc=f"{auc:.2f}",
        good=good,
        count=_int(count) if count and good else "",
        loss=_money(ctx, loss),
        chance=auc <= 0.5,
    )
    min_p = format_value(MIN_RISK, "ratio", ctx.lang).replace(".0%", "%")
    lift, rate, base = (
        finite(churn.lift_top_decile),
        finite(churn.top_decile_rate),
        finite(churn.base_rate),
    )
    scored = _scored(churn)
    tiles = [
        KpiTile(t("tiles.auc"), f"{auc:.2f}", t("tiles.auc_detail")),
        KpiTile(t("tiles.lift"), "–" if lift is None else f"{lift:.1f}×", t("tiles.lift_detail")),
    ]
    if scored is not None:
        tiles.append(KpiTile(t("tiles.scored"), f"{scored:,}", _date(ctx, churn.current)))
    if kind is not None and good:
        # a model that separates poorly gives no headline figures of risk or loss (the
        # bullets still name them, with the caveat)
        tiles.append(
            KpiTile(t("tiles.at_risk"), f"{count:,}", t("tiles.at_risk_detail", min_p=min_p))
        )
        tiles.append(KpiTile(t("tiles.loss"), _money(ctx, loss), t(f"tiles.loss_{kind}")))
    bullets = []
    if lift is not None and rate is not None and base is not None:
        bullets.append(
            ctx.say(
                "churn_lift",
                rate=_pct(ctx, rate),
                base=_pct(ctx, base),
                lift=f"{lift:.1f}",
                test=_date(ctx, churn.test_snapshot),
            )
        )
    if scored is not None:
        bullets.append(ctx.say("churn_scored", n=f"{scored:,}", current=_date(ctx, churn.current)))
    if not good:
        # a ranking little better than chance names no customers and no loss, as the
        # workbook's Churn risk sheet
        bullets.append(ctx.say("churn_poor", threshold=f"{POOR_AUC:.2f}", chance=auc <= 0.5))
    elif kind is None:
        bullets.append(ctx.say("churn_unvalued"))
    elif count:
        bullets.append(
            ctx.say(
                "churn_at_risk",
                count=_int(count),
                loss=_money(ctx, loss),
                min_p=min_p,
                capped=count >= AT_RISK_TOP,
            )
        )
    else:
        bullets.append(ctx.say("churn_none_at_risk", min_p=min_p))
    horizon = int(ins.clv_summary.get("horizon_months") or 12) if ins.clv_summary else 12
    train = churn.train_snapshots
    notes = t(
        "methods.churn",
        train=f"{_date(ctx, train[0])} – {_date(ctx, train[-1])}" if train else "–",
        test=_date(ctx, churn.test_snapshot),
        n_test=_int(churn.n_test),
        positives=_int(churn.positives_test),
        base=_pct(ctx, base),
        min_p=min_p,
        value=t(f"methods.churn_value_{kind or 'clv'}", horizon=horizon),
    ) + _sample_note(ctx, ins)
    return [
        Slide(
            "challenges.churn",
            "title_only",
            TitleSentence(title),
            blocks=(KpiTiles(tuple(tiles)), Bullets(tuple(bullets[:5]))),
            notes=Notes(notes),
        )
    ]


def _control_chart(series: pd.DataFrame, kpi: str) -> pd.DataFrame:
    from reportgen.analytics.anomalies import p_chart

    g = series[series["kpi"] == kpi]
    return p_chart(
        pd.to_numeric(g["successes"], errors="coerce").to_numpy(dtype=float),
        pd.to_numeric(g["n"], errors="coerce").to_numpy(dtype=float),
        list(g["period"]),
    )


def _run_months(chart: pd.DataFrame | None, up: bool) -> int:
    """How many months up to the latest one lie on one side of their centre line."""
    if chart is None:
        return 0
    side = np.sign(chart["p"].to_numpy(float) - chart["centre"].to_numpy(float))
    months = 0
    for s in side[::-1]:
        if s != (1 if up else -1):
            break
        months += 1
    return months


def _months_beyond(chart: pd.DataFrame | None, up: bool) -> int:
    """How many of the charted months (the last :data:`WATCH_MONTHS`) lie beyond their
    upper (``up``) or lower control limit."""
    if chart is None:
        return 0
    shown = chart.tail(WATCH_MONTHS)
    p = shown["p"].to_numpy(float)
    limit = shown["ucl" if up else "lcl"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        return int(np.sum(p > limit if up else p < limit))


def _watch_chart(ctx: SlideContext, chart: pd.DataFrame, name: str) -> ChartSpec:
    t = ctx.texts
    shown = chart.tail(WATCH_MONTHS)
    centre = finite(shown["centre"].iloc[-1])
    series = [(t("series.monthly_share"), shown["p"])]
    references: tuple[ReferenceLine, ...] = ()
    if centre is not None:
        series += [(t("series.upper_limit"), shown["ucl"]), (t("series.lower_limit"), shown["lcl"])]
        references = (ReferenceLine(t("series.centre"), centre, "average"),)
    return ChartSpec.build(
        "line",
        t("titles.watch", series=name),
        [str(x) for x in shown["label"]],
        series,
        value_unit="ratio",
        references=references,
    )


def watch_items(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    """Control-chart watch items of the latest month (table, chart of the first one), or
    "no unusual movement" with the chart of the satisfied share."""
    ins = unit_insights(ctx)
    series = None if ins is None else ins.series
    if series is None or series.empty or ins.reasons.get("anomalies"):
        return []
    t = ctx.texts
    kpis = list(dict.fromkeys(str(k) for k in series["kpi"]))
    charts = {k: _control_chart(series, k) for k in kpis}
    items = ins.watch if ins.watch is not None else pd.DataFrame()
    name = lambda k: _name(ctx, "watch", k)  # noqa: E731
    bullets = []
    for k in kpis:
        last = charts[k].iloc[-1]
        if finite(last["centre"]) is None:
            bullets.append(ctx.say("watch_short", series=name(k)))
            continue
        bullets.append(
            ctx.say(
                "watch_latest",
                series=name(k),
                value=_pct(ctx, last["p"]),
                centre=_pct(ctx, last["centre"]),
                low=_pct(ctx, last["lcl"]),
                high=_pct(ctx, last["ucl"]),
            )
        )
    judged = [k for k in kpis if finite(charts[k].iloc[-1]["centre"]) is not None]
    if not judged:
        return []
    blocks: tuple[Any, ...]
    if len(items):
        # a point outside its control limit leads; a run of points on one side after it
        first = items.iloc[int(np.argmax(items["rule"].to_numpy() != RULE_RUN))]
        up = first["direction"] == "above"
        chart = charts.get(str(first["kpi"]))
        title = ctx.say(
            "watch_item",
            series=name(first["kpi"]),
            up=up,
            period=str(first["period"]),
            value=_pct(ctx, first["value"]),
            limit=_pct(ctx, first["limit"]),
            rule=str(first["rule"]),
            months=_run_months(chart, up),
            beyond=_months_beyond(chart, up),
            window=min(WATCH_MONTHS, 0 if chart is None else len(chart)),
        )
        table = Table(
            (
                t("headers.series"),
                t("headers.period"),
                t("headers.value"),
                t("headers.centre"),
                t("headers.limit"),
                t("headers.rule"),
            ),
            tuple(
                (
                    name(r["kpi"]),
                    str(r["period"]),
                    _pct(ctx, r["value"]),
                    _pct(ctx, r["centre"]),
                    # a run of points on one side of the centre crosses no limit
                    "–" if r["rule"] == RULE_RUN else _pct(ctx, r["limit"]),
                    _name(ctx, "rule", r["rule"]),
                )
                for r in items.to_dict("records")
            ),
            tuple(
                (
                    None,
                    None,
                    finite(r["value"]),
                    finite(r["centre"]),
                    None if r["rule"] == RULE_RUN else finite(r["limit"]),
                    None,
                )
                for r in items.to_dict("records")
            ),
            (2.0, 1.0, 0.9, 0.9, 0.9, 1.6),
        )
        focus = str(first["kpi"])
        if len(items) > 1:
            bullets.insert(0, ctx.say("watch_more", count=len(items) - 1))
        blocks = (Chart(_watch_chart(ctx, charts[focus], name(focus))), table)
    else:
        period = str(charts[judged[0]].iloc[-1]["label"])
        title = ctx.say("watch_none", count=len(judged), period=period)
        focus = "satisfied_share" if "satisfied_share" in judged else judged[0]
        blocks = (Chart(_watch_chart(ctx, charts[focus], name(focus))),)
    if len(bullets) < 2:
        bullets.append(t("notes.min_n", min_n=ctx.config.statistics.min_n))
    return [
        Slide(
            "challenges.watch",
            "title_only",
            TitleSentence(title),
            blocks=(*blocks, Bullets(tuple(bullets[:5]))),
            notes=Notes(t("methods.watch")),
        )
    ]


# -- chapter 6: plan -----------------------------------------------------------------


def priority_actions(ctx: SlideContext, p: dict[str, Any]) -> list[Slide]:
    """The analyses' priority actions as data-backed suggestions: fix-first driver
    attributes (importance share, performance, gap to the best) and the complaint
    themes detractors mention most (comments, detractor share, share change)."""
    ins = unit_insights(ctx)
    actions = () if ins is None else tuple(ins.actions)
    if not actions:
        return []
    t = ctx.texts
    labels = theme_labels(ctx)
    if ins.themes is not None:
        labels = {**{r["theme"]: str(r["name"]) for r in ins.themes.to_dict("records")}, **labels}
    rows, numbers, subjects = [], [], []
    for a in actions:
        if a.kind == "driver":
            subject = attribute_name(ctx, a.subject)
            area = ctx.say("action_driver", attribute=subject)
            evidence = ctx.say(
                "action_driver_evidence",
                share=_pct(ctx, a.importance_share),
                performance=f"{finite(a.performance) or 0:.0f}",
                gap=f"{finite(a.gap_to_best) or 0:.0f}",
            )
        else:
            subject = labels.get(a.subject, a.subject)
            area = ctx.say("action_theme", theme=subject)
            change = finite(a.share_change) if ctx.significant(a.share_change_p) else None
            evidence = ctx.say(
                "action_theme_evidence",
                comments=_int(a.comments),
                share=_pct(ctx, a.detractor_share),
                change="" if change is None else _pp(ctx, change),
            )
        subjects.append(subject)
        rows.append((str(a.priority), area, evidence))
        numbers.append((float(a.priority), None, None))
    title = ctx.say("plan_actions", count=len(actions), first=subjects[0])
    return [
        Slide(
            "plan.actions",
            "title_only",
            TitleSentence(title),
            blocks=(
                Table(
                    (t("headers.priority"), t("headers.action"), t("headers.evidence")),
                    tuple(rows),
                    tuple(numbers),
                    (0.5, 2.2, 4.0),
                ),
                Bullets((t("plan.actions_rule"), t("plan.actions_review"))),
            ),
        )
    ]


BUILDERS = {
    "segment_profile": segment_profile,
    "value_tiers": value_tiers,
    "key_drivers": key_drivers,
    "complaint_themes": complaint_themes,
    "churn_risk": churn_risk,
    "watch_items": watch_items,
    "priority_actions": priority_actions,
}
