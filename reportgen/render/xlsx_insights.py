"""The insight sheets: key drivers, customer segments, churn risk, comment themes and
watch items — the figures behind chapters 4–6 of the deck.

Every figure is the unit's :class:`reportgen.analytics.insights.UnitInsights` as the
analyses computed it (nothing is recomputed here). An analysis that could not run
leaves a note with its reason on its sheet, never an error and never an empty table.
Customer ids, comments and quotes are untrusted text: they go through the safe cell
writer like every other string (text cells, never formulas, control characters
removed), so an id keeps its leading zeros and a quote starting with "=" stays text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
from openpyxl.worksheet.worksheet import Worksheet

from reportgen.analytics.anomalies import RULE_RUN
from reportgen.analytics.clv import TIERS
from reportgen.analytics.insights import UnitInsights
from reportgen.analytics.themes import load_themes, theme_names
from reportgen.engine.registry import kpi_registry
from reportgen.model.charts import change_number_format, change_value
from reportgen.model.slides.insights import CHURN_DEFINED_PROFILES, POOR_AUC
from reportgen.render.xlsx_cells import COUNT_FORMAT, P_VALUE_FORMAT, SheetWriter
from reportgen.render.xlsx_context import Context
from reportgen.render.xlsx_layout import (
    Column,
    TableRange,
    Val,
    finish_sheet,
    heading,
    note,
    title_block,
    write_table,
)
from reportgen.render.xlsx_scorecard import LOW_N_FONT
from reportgen.texts import Reason, analysis_reason

#: Sheet keys of this module, in workbook order (names in workbook.yaml ``sheets``).
INSIGHT_SHEETS: tuple[str, ...] = ("drivers", "customer_insights", "churn", "themes", "watch")
#: The driver outcomes, in sheet order.
OUTCOMES: tuple[str, ...] = ("csat", "ltr")
#: The segment profiles, in sheet order.
PROFILES: tuple[str, ...] = ("rfm_segment", "lifecycle_stage", "value_tier")
#: Which way is better for each watch series (+1: a rise is better).
SERIES_DIRECTION: dict[str, int] = {
    "satisfied_share": 1,
    "detractor_share": -1,
    "fcr_share": 1,
    "complaint_share": -1,
}

#: Profile columns in sheet order: every figure followed by its n.
PROFILE_FIGURES: tuple[str, ...] = (
    "customers", "share", "revenue", "revenue_share", "csat_mean", "csat_n",
    "nps", "nps_moe", "nps_n", "churn_rate", "churned", "churn_n",
)  # fmt: skip
#: The n of each profile figure that rests on a sample (grey below ``min_n``).
PROFILE_BASES: dict[str, str] = {
    "csat_mean": "csat_n", "nps": "nps_n", "nps_moe": "nps_n", "churn_rate": "churn_n",
}  # fmt: skip
#: Theme summary columns in sheet order.
THEME_FIGURES: tuple[str, ...] = (
    "comments", "share", "rated", "detractors", "detractor_share",
    "mean_sentiment", "previous_comments", "previous_share", "share_change",
)  # fmt: skip

SHARE = "0.0%"
SIGNED_SCORE = "+0.00;-0.00;0.00"
STAT = "0.000"  # R², correlations, AUC, silhouette
SCORE = "0.00"
POINTS = "0.0"
MONEY = "#,##0"
WHOLE = "0"
LOG_LIKELIHOOD = "#,##0.0"
QUOTE_WIDTH = 60


# -- shared --------------------------------------------------------------------------


def _start(ctx: Context, ws: Worksheet, key: str) -> tuple[SheetWriter, int, UnitInsights | None]:
    """Title and subtitle; the unit's insights, or a note saying none were run."""
    sw = SheetWriter(ws, ctx.counters)
    r = ctx.report
    lines = ctx.t.lines(
        f"insights.subtitles.{key}",
        period=r.period.label,
        previous=r.previous.label,
        unit=ctx.unit_name,
    )
    top = title_block(sw, ctx.title, lines)
    found = r.insights.get(ctx.unit) if r.insights is not None else None
    if found is None:
        note(sw, top, 1, ctx.t("insights.notes.no_insights", unit=ctx.unit_name))
    return sw, top, found


def _finish(ctx: Context, sw: SheetWriter, top: int, fixed: dict[int, float] | None = None) -> None:
    """Widths and printing; the title block stays in view (the sheets hold several tables,
    so no header row is repeated or frozen)."""
    finish_sheet(ctx, sw, header_row=None, freeze=f"A{top}", fixed_widths=fixed)


def _h(ctx: Context, key: str, **values: object) -> str:
    return ctx.t(f"insights.headers.{key}", **values)


def _word(ctx: Context, group: str, key: object) -> str:
    """``key`` translated from the ``insights.<group>`` list, or as it is."""
    words = ctx.t.raw(f"insights.{group}")
    return str(words.get(str(key), key))


def _not_run(ctx: Context, ui: UnitInsights, *names: str, fallback: str | None = None) -> str:
    """The "not computed" note, with the first reason recorded under one of ``names``."""
    reason = next((ui.reasons[n] for n in names if ui.reasons.get(n)), fallback)
    text = analysis_reason(reason, ctx.lang) if reason else ctx.t("insights.notes.no_reason")
    return ctx.t("insights.notes.not_run", reason=text)


def _measures(
    ctx: Context, sw: SheetWriter, top: int, rows: Sequence[tuple[str, Any, str | None]], stem: str
) -> TableRange:
    """A two-column table: measure, value (each value in its own number format)."""
    cols = [Column(_h(ctx, "measure")), Column(_h(ctx, "value"))]
    body = [[label, Val(_plain(v), fmt)] for label, v, fmt in rows]
    return write_table(ctx, sw, top, 1, cols, body, stem=stem)


def _plain(value: Any) -> Any:
    """numpy scalars as Python values (dates, text and numbers pass through)."""
    return value.item() if hasattr(value, "item") and not isinstance(value, str) else value


def _frame_rows(frame: pd.DataFrame | None) -> list[Any]:
    return [] if frame is None else list(frame.itertuples(index=False))


# -- drivers -------------------------------------------------------------------------


def write_drivers(ctx: Context, ws: Worksheet) -> None:
    """Per outcome: the model (n, R², splits) and the attribute table with quadrants."""
    sw, top, ui = _start(ctx, ws, "drivers")
    if ui is None:
        return _finish(ctx, sw, top)
    results = [(o, ui.drivers[o]) for o in OUTCOMES if o in ui.drivers]
    results += [(o, r) for o, r in ui.drivers.items() if o not in OUTCOMES]
    if not results:
        note(sw, top, 1, _not_run(ctx, ui, "drivers"))
        return _finish(ctx, sw, top)
    heading(sw, top, ctx.t("insights.headings.driver_models"))
    cols = [
        Column(_h(ctx, "outcome")),
        Column(_h(ctx, "responses"), COUNT_FORMAT),
        Column(_h(ctx, "n_used"), COUNT_FORMAT),
        Column(_h(ctx, "min_n"), COUNT_FORMAT),
        Column(_h(ctx, "attributes"), COUNT_FORMAT),
        Column(_h(ctx, "r2"), STAT),
        Column(_h(ctx, "importance_split"), SHARE),
        Column(_h(ctx, "performance_split"), POINTS),
        Column(_h(ctx, "remarks"), fit=False),  # last column: overflows to the right
    ]
    rows = [
        [
            _word(ctx, "outcomes", outcome),
            res.n_rows,
            res.n_used,
            res.min_n,
            len(res.table) if res.ok else None,
            res.r2,
            res.importance_split,
            res.performance_split,
            _driver_remarks(ctx, res),
        ]
        for outcome, res in results
    ]
    tr = write_table(ctx, sw, top + 1, 1, cols, rows, stem="DriverModels")
    row = tr.next_row + 1
    labels = _attribute_labels(ctx)
    for outcome, res in results:
        if not res.ok:
            continue
        name = _word(ctx, "outcomes", outcome)
        heading(sw, row, ctx.t("insights.headings.drivers", outcome=name))
        rows = _driver_rows(ctx, res, labels)
        tr = write_table(ctx, sw, row + 1, 1, _driver_columns(ctx), rows, stem="Drivers")
        row = tr.next_row + 1
    _finish(ctx, sw, top)


def _driver_columns(ctx: Context) -> list[Column]:
    return [
        Column(_h(ctx, "attribute")),
        Column(_h(ctx, "importance"), STAT),
        Column(_h(ctx, "importance_share"), SHARE),
        Column(_h(ctx, "relative_weight"), STAT),
        Column(_h(ctx, "correlation"), STAT),
        Column(_h(ctx, "mean"), SCORE),
        Column(_h(ctx, "performance"), POINTS),
        Column(_h(ctx, "rank"), WHOLE),
        Column(_h(ctx, "quadrant")),
        Column(_h(ctx, "attribute_id")),
    ]


def _driver_rows(ctx: Context, res: Any, labels: dict[str, str]) -> list[list[Any]]:
    return [
        [
            labels.get(str(attr), str(attr)),
            _plain(x.importance),
            _plain(x.importance_share),
            _plain(x.relative_weight),
            _plain(x.correlation),
            _plain(x.mean),
            _plain(x.performance),
            _plain(x.rank),
            _word(ctx, "quadrants", x.quadrant),
            str(attr),
        ]
        for attr, x in zip(res.table.index, res.table.itertuples(index=False), strict=True)
    ]


def _driver_remarks(ctx: Context, res: Any) -> str | None:
    parts = []
    if res.reason:
        reason = Reason(res.reason, min_n=res.min_n).text(ctx.lang)
        parts.append(ctx.t("insights.notes.not_run", reason=reason))
    if res.dropped:
        labels = _attribute_labels(ctx)
        items = ", ".join(
            f"{labels.get(a, a)} ({_word(ctx, 'dropped', why)})" for a, why in res.dropped
        )
        parts.append(ctx.t("insights.remarks.dropped", items=items))
    if "collinear" in res.notes:
        parts.append(ctx.t("insights.remarks.collinear"))
    return " ".join(parts) or None


def _attribute_labels(ctx: Context) -> dict[str, str]:
    """Attribute id → its name in the workbook's language (as on the Attributes sheet)."""
    kpis = kpi_registry(ctx.config)
    return {
        a: kpis[f"attr_{a}"].label(ctx.lang) if f"attr_{a}" in kpis else a
        for a in ctx.config.attribute_ids
    }


# -- customer segments -----------------------------------------------------------------


def write_customer_insights(ctx: Context, ws: Worksheet) -> None:
    """The three segment profiles, the CLV model and the k-means clusters."""
    sw, top, ui = _start(ctx, ws, "customer_insights")
    if ui is None:
        return _finish(ctx, sw, top)
    row = top
    if ui.sampled.get("customers_total"):
        kept, total = ui.sampled["customers_kept"], ui.sampled["customers_total"]
        note(sw, row, 1, ctx.t("insights.notes.sampled", kept=kept, total=total))
        row += 2
    for by in PROFILES:
        heading(sw, row, ctx.t(f"insights.headings.profile_{by}"))
        frame = ui.profiles.get(by)
        if frame is None:
            why = ("clv", "segments") if by == "value_tier" else ("segments",)
            fallback = ctx.t("insights.notes.needs_customers") if by == "lifecycle_stage" else None
            note(sw, row + 1, 1, _not_run(ctx, ui, *why, fallback=fallback))
            row += 3
            continue
        rows = _profile_rows(ctx, frame, by)
        tr = write_table(ctx, sw, row + 1, 1, _profile_columns(ctx), rows, stem="Profile")
        row = tr.next_row + 1
    row = _clv(ctx, sw, row, ui)
    _kmeans(ctx, sw, row, ui)
    _finish(ctx, sw, top)


def _profile_columns(ctx: Context) -> list[Column]:
    return [
        Column(_h(ctx, "segment")),
        Column(_h(ctx, "customers"), COUNT_FORMAT),
        Column(_h(ctx, "share"), SHARE),
        Column(_h(ctx, "revenue"), MONEY),
        Column(_h(ctx, "revenue_share"), SHARE),
        Column(_h(ctx, "csat_mean"), SCORE),
        Column(_h(ctx, "csat_n"), COUNT_FORMAT),
        Column(_h(ctx, "nps"), POINTS),
        Column(_h(ctx, "nps_moe"), POINTS),
        Column(_h(ctx, "nps_n"), COUNT_FORMAT),
        Column(_h(ctx, "churn_rate"), SHARE),
        Column(_h(ctx, "churned"), COUNT_FORMAT),
        Column(_h(ctx, "churn_n"), COUNT_FORMAT),
        Column(_h(ctx, "segment_id")),
    ]


def _profile_rows(ctx: Context, frame: pd.DataFrame, by: str) -> list[list[Any]]:
    if by == "value_tier":  # best tier first, as RFM segments and lifecycle stages are
        rank = {tier: i for i, tier in enumerate(TIERS)}
        order = frame[by].map(lambda v: rank.get(v, len(rank)))
        frame = frame.iloc[order.to_numpy().argsort(kind="stable")]
    # lifecycle stages are defined by churn (the churned stage): no churn figures there
    blank = {"churn_rate", "churned", "churn_n"} if by in CHURN_DEFINED_PROFILES else set()
    min_n = ctx.config.statistics.min_n

    def cell(x: Any, f: str) -> Any:
        if f in blank:
            return None
        value = _plain(getattr(x, f))
        base = PROFILE_BASES.get(f)
        if base is not None and value is not None and (_plain(getattr(x, base)) or 0) < min_n:
            return Val(value, None, LOW_N_FONT)  # grey, as every figure below min n
        return value

    return [
        [_word(ctx, "segments", seg), *(cell(x, f) for f in PROFILE_FIGURES), str(seg)]
        for seg, x in zip(frame[by], frame.itertuples(index=False), strict=True)
    ]


def _clv(ctx: Context, sw: SheetWriter, row: int, ui: UnitInsights) -> int:
    """The fitted BG/NBD and Gamma-Gamma parameters and the CLV summary, or the reason."""
    t = ctx.t
    heading(sw, row, t("insights.headings.clv"))
    result = ui.clv_fit
    fit = getattr(result, "fit", None)
    if fit is None:
        note(sw, row + 1, 1, _not_run(ctx, ui, "clv", fallback=getattr(result, "reason", None)))
        return row + 3
    days = getattr(result, "time_unit_days", 7.0)
    bg, gg = fit.purchases, fit.spend
    bgnbd, gamma_gamma = _word(ctx, "models", "bgnbd"), _word(ctx, "models", "gamma_gamma")
    ll, fitted = t("insights.measures.log_likelihood"), t("insights.measures.customers_fitted")

    def param(model: str, symbol: str, key: str, value: float) -> list[Any]:
        meaning = t(f"insights.clv_meanings.{key}", days=days)
        return [model, symbol, Val(_plain(value), _estimate_format(value)), meaning]

    body = [
        param(bgnbd, "r", "r", bg.r),
        param(bgnbd, "α", "alpha", bg.alpha),
        param(bgnbd, "a", "a", bg.a),
        param(bgnbd, "b", "b", bg.b),
        [bgnbd, ll, Val(bg.log_likelihood, LOG_LIKELIHOOD), None],
        [bgnbd, fitted, Val(bg.n_customers, COUNT_FORMAT), None],
        param(gamma_gamma, "p", "p", gg.p),
        param(gamma_gamma, "q", "q", gg.q),
        param(gamma_gamma, "γ", "gamma", gg.gamma),
        [gamma_gamma, ll, Val(gg.log_likelihood, LOG_LIKELIHOOD), None],
        [gamma_gamma, fitted, Val(gg.n_customers, COUNT_FORMAT), None],
    ]
    cols = [
        Column(_h(ctx, "model")),
        Column(_h(ctx, "parameter")),
        Column(_h(ctx, "estimate")),
        Column(_h(ctx, "meaning"), fit=False),
    ]
    tr = write_table(ctx, sw, row + 1, 1, cols, body, stem="ClvModel")
    row = tr.next_row + 1
    s = ui.clv_summary
    if s:
        heading(sw, row, t("insights.headings.clv_summary"))
        m = "insights.measures."
        rows = [
            (t(m + "customers_valued"), s.get("customers"), COUNT_FORMAT),
            (t(m + "clv_mean"), s.get("clv_mean"), MONEY),
            (t(m + "clv_median"), s.get("clv_median"), MONEY),
            (t(m + "top_tier_share"), s.get("top_tier_share"), SHARE),
            (t(m + "horizon_months"), s.get("horizon_months"), WHOLE),
            (t(m + "monthly_discount"), getattr(result, "monthly_discount", None), "0.00%"),
        ]
        row = _measures(ctx, sw, row + 1, rows, "ClvSummary").next_row + 1
    return row


def _estimate_format(value: float) -> str:
    """Four decimals, or scientific notation for estimates too small to show that way."""
    return "0.0000" if value == 0 or abs(value) >= 0.01 else "0.00E+00"


def _kmeans(ctx: Context, sw: SheetWriter, row: int, ui: UnitInsights) -> int:
    """k and the silhouette per k tried, then the cluster centres and sizes."""
    t = ctx.t
    heading(sw, row, t("insights.headings.kmeans"))
    km = ui.kmeans
    if km is None or not km.k:
        note(sw, row + 1, 1, _not_run(ctx, ui, "kmeans", fallback=getattr(km, "reason", None)))
        return row + 3
    text = t(
        "insights.notes.kmeans",
        k=km.k,
        silhouette=km.silhouette,
        n_fit=km.n_fit,
        n_excluded=km.n_excluded,
    )
    note(sw, row + 1, 1, text)
    cols = [
        Column(_h(ctx, "cluster"), WHOLE),
        Column(_h(ctx, "customers"), COUNT_FORMAT),
        *(Column(_feature_header(ctx, f), _FEATURE_FORMATS.get(f, SCORE)) for f in km.features),
    ]
    sizes = km.sizes if km.sizes is not None else pd.Series(dtype=int)
    body = [
        [
            _plain(cluster),
            _plain(sizes.get(cluster)),
            *(_centre(centre[f]) for f in km.features),
        ]
        for cluster, centre in km.centres.iterrows()
    ]
    tr = write_table(ctx, sw, row + 2, 1, cols, body, stem="Clusters")
    row = tr.next_row + 1
    heading(sw, row, t("insights.headings.silhouette"))
    cols = [
        Column(_h(ctx, "k"), WHOLE),
        Column(_h(ctx, "silhouette"), STAT),
        Column(_h(ctx, "chosen")),
    ]
    yes, no = t("words.yes"), t("words.no")
    body = [
        [int(k), _plain(score), yes if int(k) == km.k else no]
        for k, score in sorted(km.silhouette_by_k.items())
    ]
    return write_table(ctx, sw, row + 1, 1, cols, body, stem="Silhouette").next_row + 1


def _centre(value: Any) -> Any:
    """A cluster centre without the rounding noise of expm1(log1p(0)) (-4e-16 → 0)."""
    v = _plain(value)
    return 0.0 if isinstance(v, float) and abs(v) < 1e-9 else v


_FEATURE_FORMATS = {"recency_days": WHOLE, "frequency": "0.0", "monetary": MONEY}


def _feature_header(ctx: Context, feature: str) -> str:
    headers = ctx.t.raw("insights.headers")
    return str(headers.get(feature, feature))


# -- churn risk ----------------------------------------------------------------------


def write_churn(ctx: Context, ws: Worksheet) -> None:
    """The churn model's held-out evaluation, then the high-value customers at risk."""
    sw, top, ui = _start(ctx, ws, "churn")
    if ui is None:
        return _finish(ctx, sw, top)
    t = ctx.t
    heading(sw, top, t("insights.headings.churn_model"))
    churn = ui.churn
    row = top + 1
    if churn is None or churn.reason:
        note(sw, row, 1, _not_run(ctx, ui, "churn", fallback=getattr(churn, "reason", None)))
        row += 1
    if churn is not None:
        row = _measures(ctx, sw, row, _churn_measures(ctx, churn, ui), "ChurnModel").next_row
        if churn.features:
            names = [_word(ctx, "features", f) for f in churn.features]
            note(sw, row, 1, t("insights.notes.features", features=t("name_sep").join(names)))
            row += 1
    row += 1
    heading(sw, row, t("insights.headings.at_risk"))
    at_risk = ui.at_risk
    auc = None if churn is None or churn.reason else _plain(churn.auc)
    if at_risk is not None and auc is not None and auc < POOR_AUC:
        # as the deck: a model no better than chance names no customer at risk
        threshold = f"{POOR_AUC:.2f}"
        note(sw, row + 1, 1, t("insights.notes.poor_model", auc=f"{auc:.2f}", threshold=threshold))
    elif at_risk is None:
        note(sw, row + 1, 1, _not_run(ctx, ui, "churn", fallback=getattr(churn, "reason", None)))
    elif at_risk.empty:
        note(sw, row + 1, 1, t("insights.notes.no_at_risk"))
    else:
        clv = bool(ui.clv_summary)
        if not clv:
            note(sw, row + 1, 1, t("insights.notes.value_basis_spend"))
            row += 1
        cols = [
            Column(_h(ctx, "customer_id")),
            Column(_h(ctx, "probability"), SHARE),
            Column(_h(ctx, "value_clv" if clv else "value_spend"), MONEY),
            Column(_h(ctx, "expected_loss"), MONEY),
            Column(_h(ctx, "rank"), WHOLE),
        ]
        body = [
            [_id_text(x.customer_id), _plain(x.probability), _plain(x.value)]
            + [_plain(x.expected_loss), i]
            for i, x in enumerate(at_risk.itertuples(index=False), start=1)
        ]
        write_table(ctx, sw, row + 1, 1, cols, body, stem="AtRisk")
    _finish(ctx, sw, top)


def _churn_measures(ctx: Context, c: Any, ui: UnitInsights) -> list[tuple[str, Any, str | None]]:
    from reportgen.analytics.churn import MODEL_NAME

    m = "insights.measures."
    t = ctx.t
    snapshots = sorted(c.train_snapshots)
    # none is listed when the model separates poorly (see :func:`write_churn`)
    auc = _plain(c.auc)
    poor = auc is not None and auc < POOR_AUC
    listed = 0 if ui.at_risk is None or poor else len(ui.at_risk)
    return [
        (t(m + "model"), _word(ctx, "models", c.model or MODEL_NAME), None),
        (t(m + "features"), len(c.features), COUNT_FORMAT),
        (t(m + "train_snapshots"), len(snapshots), COUNT_FORMAT),
        (t(m + "first_train_snapshot"), snapshots[0] if snapshots else None, None),
        (t(m + "last_train_snapshot"), snapshots[-1] if snapshots else None, None),
        (t(m + "test_snapshot"), c.test_snapshot, None),
        (t(m + "current"), c.current, None),
        (t(m + "n_train"), c.n_train, COUNT_FORMAT),
        (t(m + "positives_train"), c.positives_train, COUNT_FORMAT),
        (t(m + "n_test"), c.n_test, COUNT_FORMAT),
        (t(m + "positives_test"), c.positives_test, COUNT_FORMAT),
        (t(m + "base_rate"), c.base_rate, SHARE),
        (t(m + "auc"), c.auc, STAT),
        (t(m + "top_decile_rate"), c.top_decile_rate, SHARE),
        (t(m + "lift_top_decile"), c.lift_top_decile, SCORE),
        (t(m + "n_top_decile"), c.n_top_decile, COUNT_FORMAT),
        (t(m + "at_risk"), listed, COUNT_FORMAT),
    ]


def _id_text(value: Any) -> str | None:
    """A customer id as text (ids are labels: "007" stays "007")."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -- comment themes ------------------------------------------------------------------


def write_themes(ctx: Context, ws: Worksheet) -> None:
    """Theme summary, frequent unthemed terms and the representative quotes."""
    sw, top, ui = _start(ctx, ws, "themes")
    if ui is None:
        return _finish(ctx, sw, top)
    t = ctx.t
    if ui.themes is None:
        note(sw, top, 1, _not_run(ctx, ui, "themes"))
        return _finish(ctx, sw, top)
    row = top
    if ui.sentiment.get("comments"):
        s, period = ui.sentiment, ctx.report.period.label
        n = int(s["comments"])
        note(sw, row, 1, t("insights.notes.sentiment", comments=n, mean=s["mean"], period=period))
        row += 2
    names = _theme_labels(ctx)
    prev = ctx.report.previous.label
    heading(sw, row, t("insights.headings.themes"))
    cols = [
        Column(_h(ctx, "theme")),
        Column(_h(ctx, "comments"), COUNT_FORMAT),
        Column(_h(ctx, "share"), SHARE),
        Column(_h(ctx, "rated"), COUNT_FORMAT),
        Column(_h(ctx, "detractors"), COUNT_FORMAT),
        Column(_h(ctx, "detractor_share"), SHARE),
        Column(_h(ctx, "sentiment"), SIGNED_SCORE),
        Column(_h(ctx, "previous_comments", period=prev), COUNT_FORMAT),
        Column(_h(ctx, "previous_share", period=prev), SHARE),
        Column(_h(ctx, "share_change", period=prev), change_number_format("ratio", ctx.lang)),
        Column(_h(ctx, "share_change_p", period=prev), P_VALUE_FORMAT),
        Column(_h(ctx, "theme_id")),
    ]
    body = [
        [
            names.get(x.theme, x.name),
            *(_plain(getattr(x, f)) for f in THEME_FIGURES[:-1]),
            change_value(_plain(x.share_change), "ratio"),
            _plain(getattr(x, "share_change_p", None)),
            x.theme,
        ]
        for x in _frame_rows(ui.themes)
    ]
    if not body:
        note(sw, row + 1, 1, _not_run(ctx, ui, "themes"))
        row += 3
    else:
        row = write_table(ctx, sw, row + 1, 1, cols, body, stem="Themes").next_row + 1
    row = _terms(ctx, sw, row, ui)
    _quotes(ctx, sw, row, ui, names)
    _finish(ctx, sw, top, {1: QUOTE_WIDTH} if any(ui.quotes.values()) else None)


def _terms(ctx: Context, sw: SheetWriter, row: int, ui: UnitInsights) -> int:
    heading(sw, row, ctx.t("insights.headings.terms"))
    terms = _frame_rows(ui.terms)
    if not terms:
        note(sw, row + 1, 1, ctx.t("insights.notes.no_terms"))
        return row + 3
    cols = [
        Column(_h(ctx, "term")),
        Column(_h(ctx, "comments"), COUNT_FORMAT),
        Column(_h(ctx, "share"), SHARE),
    ]
    body = [[str(x.term), _plain(x.documents), _plain(x.share)] for x in terms]
    return write_table(ctx, sw, row + 1, 1, cols, body, stem="Terms").next_row + 1


def _quotes(
    ctx: Context, sw: SheetWriter, row: int, ui: UnitInsights, names: dict[str, str]
) -> int:
    heading(sw, row, ctx.t("insights.headings.quotes"))
    order = [x.theme for x in _frame_rows(ui.themes)]
    themes = [th for th in order if ui.quotes.get(th)]
    themes += [th for th in ui.quotes if th not in order and ui.quotes[th]]
    fallback = dict(zip(ui.themes["theme"], ui.themes["name"], strict=True))
    body = [
        [str(quote), names.get(th, fallback.get(th, th)), th]
        for th in themes
        for quote in ui.quotes[th]
    ]
    if not body:
        note(sw, row + 1, 1, ctx.t("insights.notes.no_quotes"))
        return row + 3
    # the long text goes in the first column: the only one that is text in every table
    cols = [
        Column(_h(ctx, "quote"), width=QUOTE_WIDTH, wrap=True),
        Column(_h(ctx, "theme")),
        Column(_h(ctx, "theme_id")),
    ]
    return write_table(ctx, sw, row + 1, 1, cols, body, stem="Quotes").next_row + 1


def _theme_labels(ctx: Context) -> dict[str, str]:
    """Theme id → name in the workbook's language, from the configured dictionary
    (the summary's own names are in the language the analysis ran in)."""
    path = ctx.config.analytics.themes
    themes = load_themes(ctx.config.path(path) if path is not None else None)
    return dict(theme_names(themes, ctx.lang))


# -- watch items ---------------------------------------------------------------------


def write_watch(ctx: Context, ws: Worksheet) -> None:
    """The flagged control-chart points, then every monthly series that was judged."""
    sw, top, ui = _start(ctx, ws, "watch")
    if ui is None:
        return _finish(ctx, sw, top)
    t = ctx.t
    heading(sw, top, t("insights.headings.watch"))
    row = top + 1
    items = _frame_rows(ui.watch)
    if ui.watch is None or "anomalies" in ui.reasons:
        note(sw, row, 1, _not_run(ctx, ui, "anomalies"))
        row += 1
    if items:
        rows = _watch_rows(ctx, items)
        tr = write_table(ctx, sw, row, 1, _watch_columns(ctx), rows, stem="Watch")
        row = tr.next_row
    elif ui.watch is not None:
        note(sw, row, 1, t("insights.notes.no_watch"))
        row += 1
    row += 1
    heading(sw, row, t("insights.headings.series"))
    series = _frame_rows(ui.series)
    if not series:
        note(sw, row + 1, 1, _not_run(ctx, ui, "anomalies"))
        return _finish(ctx, sw, top)
    cols = [
        Column(_h(ctx, "series")),
        Column(_h(ctx, "month")),
        Column(_h(ctx, "successes"), COUNT_FORMAT),
        Column(_h(ctx, "n"), COUNT_FORMAT),
        Column(_h(ctx, "share"), SHARE),
        Column(_h(ctx, "series_id")),
    ]
    body = [
        [
            _word(ctx, "series", x.kpi),
            str(x.period),
            _plain(x.successes),
            _plain(x.n),
            _plain(x.successes / x.n) if x.n else None,
            str(x.kpi),
        ]
        for x in series
    ]
    write_table(ctx, sw, row + 1, 1, cols, body, stem="Series")
    _finish(ctx, sw, top)


def _watch_columns(ctx: Context) -> list[Column]:
    return [
        Column(_h(ctx, "series")),
        Column(_h(ctx, "month")),
        Column(_h(ctx, "chart")),
        Column(_h(ctx, "value")),
        Column(_h(ctx, "centre")),
        Column(_h(ctx, "limit")),
        Column(_h(ctx, "direction")),
        Column(_h(ctx, "assessment")),
        Column(_h(ctx, "rule")),
        Column(_h(ctx, "n_baseline"), COUNT_FORMAT),
        Column(_h(ctx, "series_id")),
    ]


def _watch_rows(ctx: Context, items: list[Any]) -> list[list[Any]]:
    rows = []
    for x in items:
        fmt = SHARE if x.chart == "p" else SCORE
        better = SERIES_DIRECTION.get(str(x.kpi))
        sign = {"above": 1, "below": -1}.get(str(x.direction))
        assessment = None
        if better and sign:
            assessment = _word(ctx, "assessments", "better" if better * sign > 0 else "worse")
        rows.append(
            [
                _word(ctx, "series", x.kpi),
                str(x.period),
                _word(ctx, "charts", x.chart),
                Val(_plain(x.value), fmt),
                Val(_plain(x.centre), fmt),
                # a run of points on one side of the centre crosses no limit (as the deck)
                None if x.rule == RULE_RUN else Val(_plain(x.limit), fmt),
                _word(ctx, "directions", x.direction),
                assessment,
                _word(ctx, "rules", x.rule),
                _plain(x.n_baseline),
                str(x.kpi),
            ]
        )
    return rows


#: Sheet key → writer, for :mod:`reportgen.render.xlsx`.
WRITERS: dict[str, Callable[[Context, Worksheet], None]] = {
    "drivers": write_drivers,
    "customer_insights": write_customer_insights,
    "churn": write_churn,
    "themes": write_themes,
    "watch": write_watch,
}
