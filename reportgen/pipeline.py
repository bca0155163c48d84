"""The library entry point: config → dataset → period → KPI results.

``compute_kpis`` is what the CLI's ``kpis`` and ``build`` commands call. It
returns a :class:`KpiReport`: pure data (pandas frames and dataclasses) that the
renderers and exporters consume; nothing here formats or writes.
"""

from __future__ import annotations

import datetime as _dt
import logging
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Literal

import ibis
import pandas as pd

from reportgen.canonical import DIMENSIONS
from reportgen.config import ReportConfig
from reportgen.engine.compute import ALL, aggregate
from reportgen.engine.registry import KpiDef, KpiParams, kpi_registry, selected_kpis
from reportgen.engine.results import OBJECT_COLUMNS, StatSettings, build_results, trend_frame
from reportgen.errors import ConfigError, PeriodError
from reportgen.loading import Dataset, FileReconciliation, Scope, load_dataset, warn_suspect_columns
from reportgen.loading.normalize import said_something
from reportgen.periods import Period, parse_period

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KpiReport:
    """Every figure of one run, plus the account of every input row."""

    period: Period
    previous: Period
    last_year: Period
    trend_periods: tuple[Period, ...]
    units: tuple[str, ...]
    kpis: dict[str, KpiDef]
    scorecard: pd.DataFrame  # current period, per selected unit and ALL (every unit), no dimension
    breakdowns: pd.DataFrame  # current period, per unit and ALL, by dimension value
    trends: pd.DataFrame  # per KPI × unit × trend period
    benchmarks: pd.DataFrame  # kpi, scope, value, source
    targets: pd.DataFrame  # unit, period, kpi, target
    reconciliation: tuple[FileReconciliation, ...]
    quarantine: pd.DataFrame
    comments: pd.DataFrame = field(default_factory=pd.DataFrame)  # see period_comments()
    timings: dict[str, float] = field(default_factory=dict)
    #: reportgen.analytics.insights.Insights (chapters 4–6) when asked for, else None
    insights: Any = None
    #: with ``compute_kpis(insights="inputs")``: the analyses' extracts
    #: (reportgen.analytics.insights.InsightInputs) instead of their results — a build
    #: runs each unit's analyses in the worker that then renders the unit
    insight_inputs: Any = None

    def value(self, kpi: str, unit: str = ALL) -> float:
        """The current value of a KPI for a unit (``"all"`` = all units together)."""
        rows = self.scorecard[(self.scorecard.kpi == kpi) & (self.scorecard.unit == unit)]
        if rows.empty:
            raise KeyError((kpi, unit))
        return float(rows.iloc[0]["value"])


def resolve_units(config: ReportConfig, units: Sequence[str] | None) -> tuple[str, ...]:
    """Unit ids from ids/names/aliases given by the user; None or empty → all units."""
    if not units:
        return config.unit_ids
    resolved = [config.resolve_unit(u) for u in units]
    return tuple(dict.fromkeys(resolved))


#: Data that end this few days before a period's last day may only lack quiet days:
#: ``latest`` then says which period it took instead.
LATEST_SLACK_DAYS = 7


def check_period_spec(config: ReportConfig, spec: str | None, today: _dt.date) -> None:
    """Raise :class:`PeriodError` for a period spec that can mean no period at all
    (2025Q5, 2025-13, an empty --period) before any data are loaded: every spec parses
    without the data, "latest" taken against today here (the data decide it later)."""
    if spec is not None and not spec.strip():
        raise PeriodError("--period is empty: give a period such as 2025Q3, or leave it out")
    parse_period(
        spec or config.periods.default,
        fiscal_year_start_month=config.periods.fiscal_year_start_month,
        today=today,
        data_max_date=today,
    )


def resolve_period(config: ReportConfig, spec: str | None, ds: Dataset, today: _dt.date) -> Period:
    spec = spec or config.periods.default
    max_date = ds.max_event_date()
    if max_date is None and spec.strip().lower().startswith("latest"):
        raise PeriodError(
            f"cannot resolve period {spec!r}: no valid dated rows were loaded "
            "(check the quarantine listing with 'reportgen validate')"
        )
    if max_date is not None and max_date > today:
        _warn_after_run_date(ds, today)
    period = parse_period(
        spec,
        fiscal_year_start_month=config.periods.fiscal_year_start_month,
        today=today,
        # no period after the run date is complete: one mistyped year (2029 for 2025)
        # must not make "latest" an empty quarter in the future
        data_max_date=None if max_date is None else min(max_date, today),
    )
    if max_date is None:
        return period
    if period.start > max_date:
        # a report of a period without a single event would show invented figures (churn
        # 0 %, from the CRM alone) and exit 0: the exports are stale, or the period wrong
        raise PeriodError(
            f"period {period.label} ({period.start} – {period.last_day}) has no data: the "
            f"latest survey response, order or ticket is dated {max_date}; give an earlier "
            "--period, or export data that cover it"
        )
    if not ds.has_event_between(period.start, period.end):
        # before the data start (or in a gap of them): as empty as a period after them
        raise PeriodError(
            f"period {period.label} ({period.start} – {period.last_day}) has no data: no "
            f"survey response, order or ticket is dated in it (the latest is dated "
            f"{max_date}); give another --period, or export data that cover it"
        )
    for name in ("responses", "orders", "tickets"):  # one stale export among fresh ones
        last = ds.last_event(name)
        end = min(period.last_day, max_date)
        if last is not None and (
            last.date() < period.start or (end - last.date()).days > LATEST_SLACK_DAYS
        ):
            log.warning(
                "%s: the data end on %s, before %s ends (other sources reach %s): its KPIs "
                "for %s are %s; is this export stale?",
                name,
                last.date(),
                period.label,
                max_date,
                period.label,
                "empty" if last.date() < period.start else "incomplete",
            )
    if period.last_day > max_date:
        log.warning(
            "period %s is not complete in the data: the latest survey response, order or "
            "ticket is dated %s, before its last day %s",
            period.label,
            max_date,
            period.last_day,
        )
    elif spec.strip().lower().startswith("latest") and (
        0 < (period.next().last_day - max_date).days <= LATEST_SLACK_DAYS
    ):
        # the next period lacks only its last days: quiet days at its end, or a gap?
        log.warning(
            "latest complete period taken as %s: the data end on %s, a few days before %s "
            "ends; give --period %s to report that one",
            period.label,
            max_date,
            period.next().label,
            period.next().label,
        )
    return period


def _warn_after_run_date(ds: Dataset, today: _dt.date) -> None:
    """Rows dated after the run date: mistyped dates, most likely (they count in the
    period they fall in; ``latest`` does not reach them)."""
    after = today + _dt.timedelta(days=1)
    for name in ("responses", "orders", "tickets"):
        last = ds.last_event(name)
        if last is None or last.date() <= today:
            continue
        later = Scope(start=after, end=last.date() + _dt.timedelta(days=1))
        n = int(ds.table(name, later).count().execute())
        log.warning(
            "%s: %d row(s) dated after the run date %s, the latest %s: mistyped dates? "
            "'latest' ignores them; fix them in the export",
            name,
            n,
            today,
            last.date(),
        )


def _warn_empty_units(
    config: ReportConfig, scorecard: pd.DataFrame, units: Sequence[str], current: Period
) -> None:
    """Warn about configured units without a single observation in the period (no
    answer, order, ticket or active customer): their documents would be empty pages,
    and the usual cause is a unit spelled in the data as no id, name or alias says."""
    sc = scorecard[scorecard.dimension.isna() & (scorecard.period == current.label)]
    n = pd.to_numeric(sc.n, errors="coerce").fillna(0).groupby(sc.unit).sum()
    empty = [u for u in units if not n.get(u, 0)]
    if empty:
        names = ", ".join(f"{u} ({config.unit(u).names.en})" for u in empty)
        log.warning(
            "%d unit(s) have no data in %s: %s; their documents will say so on every page. "
            "Check that the data spell these units as their id, name or an alias in the "
            "config (units[].aliases)",
            len(empty),
            current.label,
            names,
        )


#: Above this share of a period's figures without a CRM dimension value, the ids of the
#: exports probably do not match the CRM's.
UNRECORDED_SHARE = 0.5


def _warn_unrecorded_dimensions(
    ds: Dataset, breakdowns: pd.DataFrame, current: Period, kpis: Mapping[str, KpiDef]
) -> None:
    """Warn when most of the period's answers, orders or tickets get no segment, region
    or industry from the CRM: the CRM is joined on (customer id, unit), and ids exported
    as numbers on one side (000220 → 220) match nothing, so every breakdown would say
    "(not recorded)". From the breakdowns already computed (all units, the KPI with the
    most observations per dimension, the CRM's own KPIs aside): no query of its own."""
    from reportgen.engine.stages import CUSTOMER_DIMS

    if breakdowns.empty or not ds.has("customers"):
        return
    joined = [k for k, d in kpis.items() if d.stage != "customers"]
    b = breakdowns[
        (breakdowns.unit == ALL)
        & (breakdowns.period == current.label)
        & breakdowns.dimension.isin(CUSTOMER_DIMS)
        & breakdowns.kpi.isin(joined)
    ]
    said = []
    for dim, rows in b.groupby("dimension", sort=True):
        n = rows.groupby("kpi").n.sum()
        missing = rows[rows.dim_value.isna()].groupby("kpi").n.sum()
        unrecorded = missing.reindex(n.index, fill_value=0)
        kpi = n.idxmax()
        if n[kpi] and unrecorded[kpi] > UNRECORDED_SHARE * n[kpi]:
            said.append(f"{dim} {int(unrecorded[kpi]):,} of {int(n[kpi]):,} ({kpi})")
    if said:
        log.warning(
            "%s: most of the period's observations get no CRM dimension: %s in %s; check "
            "that the customer ids and units of the exports match the CRM's (ids exported "
            "as numbers lose their leading zeros: keep id columns as text)",
            ds.staged["customers"].raw.source,
            "; ".join(said),
            current.label,
        )


def analysis_periods(
    config: ReportConfig, period: Period
) -> tuple[tuple[Period, ...], Period, Period]:
    """Trend periods (oldest first, ending with ``period``), previous, same period last year."""
    n = config.periods.trend_periods
    if period.kind == "year":
        n = min(n, 5)
    trend = period.trailing(n) if period.kind != "custom" else (period,)
    return trend, period.previous(), period.same_period_last_year()


def _reference_frame(
    ds: Dataset, name: str, scope: Scope, inline: Sequence[object], columns: Sequence[str]
) -> pd.DataFrame:
    frames = []
    if ds.has(name):
        frames.append(ds.table(name, scope).select(*columns).to_pyarrow().to_pandas())
    if inline:
        frames.append(pd.DataFrame([row.model_dump() for row in inline])[list(columns)])  # type: ignore[attr-defined]
    if not frames:
        return pd.DataFrame(columns=list(columns))
    return pd.concat(frames, ignore_index=True)


def _inline_targets(config: ReportConfig) -> list[object]:
    """Targets written in the config: canonical period label, unit id and KPI id."""
    known = {k.lower(): k for k in kpi_registry(config)}
    out = []
    for i, row in enumerate(config.targets):
        kpi = known.get(row.kpi.strip().lower())
        if kpi is None:
            raise ConfigError(
                f"targets[{i}].kpi: unknown KPI id {row.kpi!r}; "
                f"expected one of {sorted(known.values())}"
            )
        try:
            label = parse_period(
                row.period, fiscal_year_start_month=config.periods.fiscal_year_start_month
            ).label
        except PeriodError as exc:
            raise ConfigError(f"targets[{i}].period: {row.period!r}: {exc}") from None
        try:
            unit = (
                "all"
                if row.unit.strip().lower() in ("all", "全部")
                else config.resolve_unit(row.unit)
            )
        except ConfigError as exc:
            raise ConfigError(f"targets[{i}].unit: {exc}") from None
        out.append(row.model_copy(update={"period": label, "unit": unit, "kpi": kpi}))
    return out


def check_config(config: ReportConfig) -> None:
    """The config's checks that need the KPI registry (``kpis.select``, inline targets):
    run by ``validate`` as well, before any data are read."""
    selected_kpis(config)
    _inline_targets(config)


def compute_kpis(
    config: ReportConfig,
    *,
    period: str | None = None,
    units: Sequence[str] | None = None,
    today: _dt.date | None = None,
    by: Sequence[str] = (),
    con: ibis.BaseBackend | None = None,
    insights: bool | Literal["inputs"] = False,
    executor: Executor | None = None,
) -> KpiReport:
    """Load the sources, resolve the period and compute every selected KPI.

    ``insights=True`` adds the insight analyses (in the ``executor``'s workers when one
    is given); ``insights="inputs"`` takes only their extracts (``insight_inputs``)."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    today = today or _dt.date.today()
    unknown = [d for d in by if d not in DIMENSIONS]
    if unknown:
        raise ConfigError(
            f"unknown breakdown dimension(s) {unknown}; expected some of {sorted(DIMENSIONS)}"
        )
    kpis = selected_kpis(config)
    unit_ids = resolve_units(config, units)
    check_period_spec(config, period, today)
    ds = load_dataset(config, con, known_kpis=list(kpi_registry(config)))
    timings["load"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    current = resolve_period(config, period, ds, today)
    trend, previous, last_year = analysis_periods(config, current)
    all_periods = tuple(sorted({*trend, previous, last_year}))
    # Every unit is loaded and computed: "all" is the whole group, the reference a
    # unit is compared with; --unit only selects which unit rows are reported.
    scope = Scope(start=min(p.start for p in all_periods), end=max(p.end for p in all_periods))
    reconciliation = tuple(ds.reconcile(scope))
    quarantine = ds.quarantine()
    warn_suspect_columns(reconciliation, quarantine)
    timings["reconcile"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    params = KpiParams.from_config(config)
    s = config.statistics
    settings = StatSettings(confidence=s.confidence, alpha=s.alpha, min_n=s.min_n)
    by_label = {p.label: p for p in all_periods}
    # The breakdowns (current, previous and last year's period) come from the same
    # scans: those periods' per-unit rows are the roll-up of their breakdown cube.
    breakdown_periods = (current, previous, last_year)
    both = aggregate(
        ds,
        kpis,
        all_periods,
        scope,
        params,
        by=(None, *by),
        breakdown_periods=breakdown_periods,
    )
    components = both[both.dimension.isna()].reset_index(drop=True)
    present = _kpis_with_data(components)
    skipped = [k for k in kpis if k not in present]
    if skipped:
        log.warning("no data for KPI(s) %s (source or column not configured); skipped", skipped)
    kpis = {k: v for k, v in kpis.items() if k in present}
    components = components[components.kpi.isin(list(kpis))]

    targets = _reference_frame(
        ds, "targets", scope, _inline_targets(config), ["unit", "period", "kpi", "target"]
    )
    benchmarks = _reference_frame(
        ds, "benchmarks", scope, config.benchmarks, ["kpi", "scope", "value", "source"]
    )
    scopes = {u.id: u.benchmark_scope for u in config.units if u.benchmark_scope}
    known_scopes = set(benchmarks["scope"].dropna())
    for unit_id, wanted in scopes.items():
        if wanted not in known_scopes:
            log.warning(
                "unit %s: benchmark_scope %r is not a scope of the benchmarks; expected one of %s",
                unit_id,
                wanted,
                sorted(known_scopes),
            )
    scorecard = build_results(
        components,
        kpis,
        params,
        settings,
        current,
        previous,
        last_year,
        by_label,
        targets,
        benchmarks,
        scopes,
    )
    trends = trend_frame(
        components[components.period.isin([p.label for p in trend])],
        kpis,
        params,
        settings,
        by_label,
    )
    timings["kpis"] = time.perf_counter() - t2

    t3 = time.perf_counter()
    breakdowns = scorecard.iloc[0:0].copy()
    if by:
        comps = both[both.dimension.notna() & both.kpi.isin(list(kpis))].reset_index(drop=True)
        if len(comps):
            breakdowns = build_results(
                comps, kpis, params, settings, current, previous, last_year, by_label
            )
    timings["breakdowns"] = time.perf_counter() - t3
    _warn_unrecorded_dimensions(ds, breakdowns, current, kpis)
    scorecard = _complete_grid(scorecard, kpis, (*unit_ids, ALL), current, previous, last_year)
    _warn_empty_units(config, scorecard, unit_ids, current)
    comments = period_comments(ds, scope, current, unit_ids)
    found = inputs = None
    if insights and config.analytics.enabled:
        from reportgen.analytics.insights import insight_inputs, run_insights

        t4 = time.perf_counter()
        inputs = insight_inputs(
            ds, config, period=current, trend=trend, scope=scope, units=unit_ids
        )
        if insights != "inputs":
            found, inputs = run_insights(inputs, executor), None
        timings["insights"] = time.perf_counter() - t4
    ds.check_unchanged()  # typed files are read by every query: all of them saw one version
    keep = [*unit_ids, ALL]
    scorecard, breakdowns, trends = (
        f[f.unit.isin(keep)].reset_index(drop=True) for f in (scorecard, breakdowns, trends)
    )
    return KpiReport(
        period=current,
        previous=previous,
        last_year=last_year,
        trend_periods=trend,
        units=unit_ids,
        kpis=kpis,
        scorecard=scorecard,
        breakdowns=breakdowns,
        trends=trends,
        benchmarks=benchmarks,
        targets=targets,
        reconciliation=reconciliation,
        quarantine=quarantine,
        comments=comments,
        timings=timings,
        insights=found,
        insight_inputs=inputs,
    )


def _kpis_with_data(components: pd.DataFrame) -> set[str]:
    if components.empty:
        return set()
    n = components.groupby("kpi")["n"].sum()
    return set(n[n > 0].index)


def _complete_grid(
    scorecard: pd.DataFrame,
    kpis: dict[str, KpiDef],
    units: Sequence[str],
    current: Period,
    previous: Period,
    last_year: Period,
) -> pd.DataFrame:
    """One row per KPI × unit even without data: n = 0 and no value, so a unit with no
    responses shows as such instead of silently missing from the report."""
    have = set(zip(scorecard.kpi, scorecard.unit, strict=True))
    missing = [
        {
            "kpi": k.id,
            "unit": u,
            "period": current.label,
            "dimension": None,
            "dim_value": None,
            "kind": k.kind,
            "value_unit": k.unit,
            "direction": k.direction,
            "n": 0,
            "low_n": True,
            "prev_period": previous.label,
            "prev_n": 0,
            "yoy_period": last_year.label,
            "yoy_n": 0,
        }
        for k in kpis.values()
        for u in units
        if (k.id, u) not in have
    ]
    if not missing:
        return scorecard
    extra = pd.DataFrame(missing).reindex(columns=scorecard.columns)
    for col in OBJECT_COLUMNS:
        extra[col] = pd.Series([None] * len(extra), dtype=object)
    out = pd.concat([scorecard, extra], ignore_index=True)
    order = {kid: i for i, kid in enumerate(kpis)}
    unit_order = {u: i for i, u in enumerate(units)}
    out = out.sort_values(
        by=["kpi", "unit"],
        key=lambda c: c.map(order if c.name == "kpi" else unit_order),
        kind="stable",
    )
    return out.reset_index(drop=True)


#: Comments kept per unit (the most recent first); the count of all is reported.
MAX_COMMENTS_PER_UNIT = 2000

COMMENT_COLUMNS = ("unit", "response_id", "date", "channel", "csat", "ltr", "comment")


def period_comments(
    ds: Dataset, scope: Scope, period: Period, units: Sequence[str]
) -> pd.DataFrame:
    """The period's open comments per unit, newest first, at most MAX_COMMENTS_PER_UNIT
    each; PII-redacted and stripped of control characters (customer text is untrusted).

    ``attrs["total"]`` holds the number of comments before the cap, per unit, and
    ``attrs["control_chars_removed"]`` how many control characters were stripped."""
    from reportgen.sanitize import redact_pii, strip_control

    empty = pd.DataFrame(columns=list(COMMENT_COLUMNS))
    if not ds.has("responses"):
        return empty
    # the period's loaded rows (the period lies in the scope's window): a window of its
    # own lets the engine skip the rest of a typed file
    t = ds.table("responses", Scope(start=period.start, end=period.end, units=scope.units))
    t = t.filter(
        said_something(t.comment)
        & t.unit.isin(list(units))
        & (t.date >= period.start)
        & (t.date < period.end)
    )
    totals = t.group_by("unit").aggregate(n=t.count()).execute()
    ranked = t.mutate(
        _rank=ibis.row_number().over(group_by="unit", order_by=[t.date.desc(), t._row])
    )
    rows = (
        ranked.filter(ranked._rank < MAX_COMMENTS_PER_UNIT)
        .order_by(["unit", ranked.date.desc(), "_row"])
        .select(*COMMENT_COLUMNS)
        .to_pyarrow()
        .to_pandas()
    )
    removed = 0
    cleaned = []
    for text in rows["comment"]:
        text, n = strip_control(str(text))
        removed += n
        cleaned.append(redact_pii(text))
    rows["comment"] = pd.Series(cleaned, index=rows.index, dtype=object)
    rows.attrs["total"] = dict(zip(totals.unit, totals.n.astype(int), strict=True))
    rows.attrs["control_chars_removed"] = removed
    return rows.reset_index(drop=True)
