"""The insight analyses of one run, per unit and for the group: what chapters 4–6 of
the deck and the insight sheets of the workbook show.

:func:`insight_inputs` takes bounded extracts of the loaded canonical tables (see
``analytics.max_customers``: beyond it, a unit's customers are sampled deterministically
by a hash of their id, and the sample is stated); :func:`analyse_unit` runs on one unit's
extracts (:func:`run_insights`: every unit, here or in a process pool), per unit and for
all units together:

- key drivers of CSAT and of likelihood to recommend (:mod:`.drivers`);
- RFM segments, lifecycle stages and CLV value tiers, each profiled with size,
  revenue, CSAT, NPS and churn (:mod:`.segments`, :mod:`.clv`), and k-means clusters;
- churn early warning with held-out AUC and lift, and the high-value customers at risk
  (:mod:`.churn`);
- comment themes with sentiment, quotes and frequent unthemed terms (:mod:`.themes`);
- control-chart watch items on monthly series (:mod:`.anomalies`);
- priority actions from drivers and themes (:mod:`.plan`).

An analysis that cannot run (no orders source, too few customers, no comments …) is
recorded in ``UnitInsights.reasons`` instead of failing the build.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from reportgen.loading.normalize import said_something
from reportgen.texts import Reason

log = logging.getLogger(__name__)

#: Comments per unit and period fed to the theme analysis (newest first).
MAX_COMMENTS = 5_000
#: How many high-value customers at risk are listed (IDs only).
AT_RISK_TOP = 50
#: Quotes per theme for the top themes.
QUOTES_PER_THEME = 2
TOP_THEMES = 5
#: Comments a theme needs before it can become a priority action.
MIN_THEME_COMMENTS = 10


@dataclass(frozen=True)
class UnitInsights:
    """Every insight analysis of one unit (``unit == "all"``: all units together).

    Fields are None when the analysis could not run; ``reasons[name]`` says why
    (names: drivers, segments, clv, kmeans, churn, themes, anomalies)."""

    unit: str
    #: outcome ("csat", "ltr") → reportgen.analytics.drivers.DriverResult
    drivers: dict[str, Any] = field(default_factory=dict)
    #: segment_profile frames: "rfm_segment", "lifecycle_stage", "value_tier" → frame
    #: (first column the segment id; customers, share, revenue, revenue_share, csat_mean,
    #: csat_n, nps, nps_moe, nps_n, churned, churn_n, churn_rate)
    profiles: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: reportgen.analytics.clv.ClvResult without its customer frame (fit, reason …) and
    #: a summary: customers, mean/median CLV, share of CLV held by the top tier
    clv_fit: Any = None
    clv_summary: dict[str, float] = field(default_factory=dict)
    #: reportgen.analytics.segments.KMeansResult (no labels)
    kmeans: Any = None
    #: reportgen.analytics.churn.ChurnModelResult without its scores/model
    churn: Any = None
    #: customer_id, probability, value, expected_loss — IDs only, highest loss first
    at_risk: pd.DataFrame | None = None
    #: theme_summary frame (theme, name, comments, share, rated, detractors,
    #: detractor_share, mean_sentiment, previous_comments, previous_share, share_change)
    themes: pd.DataFrame | None = None
    #: theme id → PII-redacted quotes (top themes only)
    quotes: dict[str, list[str]] = field(default_factory=dict)
    #: frequent_terms frame: term, documents, share
    terms: pd.DataFrame | None = None
    #: mean sentiment of the period's comments and their count
    sentiment: dict[str, float] = field(default_factory=dict)
    #: WatchList.items for this unit (kpi, unit, period, chart, value, centre, limit,
    #: direction, rule, n_baseline); series ids in ANOMALY_SERIES
    watch: pd.DataFrame | None = None
    #: the monthly series judged for watch items (kpi, unit, period, successes, n)
    series: pd.DataFrame | None = None
    #: reportgen.analytics.plan.Action list, in priority order
    actions: tuple[Any, ...] = ()
    reasons: dict[str, str] = field(default_factory=dict)
    sampled: dict[str, int] = field(default_factory=dict)  # what was sampled: kept of total
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Insights:
    units: dict[str, UnitInsights]
    seconds: dict[str, float] = field(default_factory=dict)

    def get(self, unit: str) -> UnitInsights | None:
        return self.units.get(unit)


#: The monthly proportion series judged for watch items: id → (table, meaning).
ANOMALY_SERIES: dict[str, str] = {
    "satisfied_share": "responses: share of CSAT answers in the top two scale points",
    "detractor_share": "responses: share of recommend answers 0–6",
    "fcr_share": "tickets: share resolved with one contact",
    "complaint_share": "tickets: share flagged as complaints",
}


def _timed(seconds: dict[str, float], name: str, started: float) -> None:
    seconds[name] = round(time.perf_counter() - started, 3)


__all__ = [
    "ANOMALY_SERIES",
    "AT_RISK_TOP",
    "MAX_COMMENTS",
    "InsightInputs",
    "Insights",
    "UnitInsights",
    "analyse_unit",
    "insight_inputs",
    "run_insights",
]


@dataclass(frozen=True)
class InsightInputs:
    """The bounded extracts of one run (:func:`_extracts`), ready for each unit's
    analyses: ``analyse_unit(*inputs.job(unit))`` for each of ``units`` (the units
    and "all")."""

    frames: dict[str, pd.DataFrame]
    config: Any
    period: Any
    trend: tuple[Any, ...]
    themes: Any
    lang: str | None
    units: tuple[str, ...]
    seconds: dict[str, float] = field(default_factory=dict)

    def job(self, unit: str, lang: str | None = None) -> tuple[Any, ...]:
        """The arguments of :func:`analyse_unit` for ``unit``: its own extracts (theme
        names in ``lang``, default the inputs' language)."""
        from reportgen.engine.compute import ALL

        frames = _for_unit(self.frames, unit, ALL)
        lang = lang or self.lang
        return (unit, frames, self.config, self.period, self.trend, self.themes, lang)


def insight_inputs(
    ds: Any,
    config: Any,
    *,
    period: Any,
    trend: Sequence[Any],
    scope: Any,
    units: Sequence[str],
    lang: str | None = None,
) -> InsightInputs:
    """The extracts every unit's analyses need, taken from the engine now."""
    from reportgen.engine.compute import ALL

    t = time.perf_counter()
    frames = _extracts(ds, config, scope, period, trend)
    seconds: dict[str, float] = {}
    _timed(seconds, "extract", t)
    return InsightInputs(
        frames, config, period, tuple(trend), _themes(config), lang, (*units, ALL), seconds
    )


def run_insights(inputs: InsightInputs, executor: Executor | None = None) -> Insights:
    """Every unit's analyses, in the ``executor``'s workers (one unit per idle worker)
    or in this process."""
    started = time.perf_counter()
    if executor is None:
        results = {u: analyse_unit(*inputs.job(u)) for u in inputs.units}
    else:
        from reportgen.workers import fed

        results = {
            u: fut.result()
            for u, fut in fed(executor, inputs.units, lambda u: (analyse_unit, *inputs.job(u)))
        }
    out: dict[str, UnitInsights] = {}
    for unit in inputs.units:
        out[unit] = found = results[unit]
        log.info("%s: insights in %.2f s", unit, sum(found.seconds.values()))
    seconds = dict(inputs.seconds)
    seconds["total"] = round(seconds.get("extract", 0.0) + time.perf_counter() - started, 3)
    return Insights(out, seconds)


def _themes(config: Any) -> Any:
    from reportgen.analytics.themes import load_themes

    path = config.analytics.themes
    return load_themes(config.path(path) if path is not None else None)


# -- extracts ------------------------------------------------------------------------

_COLUMNS = {
    "responses": ("customer_id", "date", "unit", "csat", "ltr"),
    "orders": ("customer_id", "date", "unit", "amount"),
    "customers": ("customer_id", "unit", "segment", "join_date", "churn_date"),
    "tickets": ("customer_id", "unit", "opened_at", "resolved_at", "contacts", "complaint"),
}
#: Hex digits of the MD5 of a customer id that decide the sample (2^32 buckets).
_HASH_DIGITS = 8
#: Compares above every hex digest prefix: "keep everyone".
_KEEP_ALL = "g"


def _extracts(
    ds: Any, config: Any, scope: Any, period: Any, trend: Sequence[Any]
) -> dict[str, pd.DataFrame]:
    """Bounded pandas extracts of the loaded tables, cut down in the engine:

    - ``orders``, ``customers``, ``tickets``, ``responses`` (customer_id, date, unit,
      csat, ltr): the customer-level rows of the analysis window (customers: all) —
      for a unit with more than ``analytics.max_customers`` customers, those of a
      uniform sample of its customers (:func:`_customer_sample`); column ``in_all``
      then marks the rows of the (smaller) sample of all units together;
    - ``current``: every survey response of the period (the driver analysis);
    - ``comments``: the newest :data:`MAX_COMMENTS` non-empty comments per unit in the
      period and the one before it (themes);
    - ``series``: monthly counts per unit for the control charts (anomalies).
    """

    from reportgen.loading.parallel import run_parallel

    frames: dict[str, pd.DataFrame] = {}
    sample, sampled = _customer_sample(ds, config.analytics.max_customers)
    if sampled is not None:
        frames["_sampled"] = sampled

    def customer_rows(name: str) -> pd.DataFrame:
        tbl = ds.table(name, scope)
        present = [c for c in _COLUMNS[name] if c in tbl.columns]
        if name != "customers":
            date_col = "opened_at" if name == "tickets" else "date"
            tbl = tbl.filter(tbl[date_col] < period.end)
        tbl = tbl.select(*present)
        if sample is not None and "customer_id" in present:
            j = tbl.inner_join(sample, tbl.customer_id == sample.sample_id)
            tbl = j.filter(j.h < _unit_thresholds(j.unit, sampled)).select(
                *present, in_all=j.h < sampled.attrs["all"]
            )
        return _in_order(tbl)

    jobs: dict[str, Callable[[], pd.DataFrame]] = {
        name: functools.partial(customer_rows, name) for name in _COLUMNS if ds.has(name)
    }
    if ds.has("responses"):
        jobs["current"] = functools.partial(_current_responses, ds, config, scope, period)
        if "comment" in ds.table("responses", scope).columns and len(trend):
            jobs["comments"] = functools.partial(_recent_comments, ds, scope, trend)
    jobs["series"] = functools.partial(_monthly_counts, ds, config, scope, period)
    # independent queries: two at a time, each on its own engine cursor, the largest
    # first (the sample is a regular table so that every cursor sees it)
    ds.prepare_views(_COLUMNS)
    done = run_parallel(ds.con, lambda name: jobs[name](), list(jobs), first=_EXTRACT_ORDER.index)
    frames.update(done)
    if sample is not None:
        ds.con.drop_table("insight_sample", force=True)
    _code_customer_ids(frames)
    return frames


#: The extract queries, largest first.
_EXTRACT_ORDER = ("orders", "responses", "current", "comments", "series", "customers", "tickets")


def _current_responses(ds: Any, config: Any, scope: Any, period: Any) -> pd.DataFrame:
    """Every survey response of the period: unit, csat, ltr and the attribute scores."""
    r = ds.table("responses", scope)
    day = r.date.cast("date")
    attributes = [a for a in config.attribute_ids if a in r.columns]
    now = r.filter((day >= period.start) & (day < period.end))
    return _in_order(
        now.select(*[c for c in ("unit", "csat", "ltr") if c in r.columns], *attributes)
    )


def _in_order(tbl: Any) -> pd.DataFrame:
    """The rows sorted on every column: the engine returns a join's (or a parallel
    scan's) rows in any order, and sums and model fits over them would then differ in
    their last bits from one run to the next (the 10-unit workbooks did); rows equal
    in every column are interchangeable."""
    return tbl.order_by(list(tbl.columns)).to_pyarrow().to_pandas()


def _recent_comments(ds: Any, scope: Any, trend: Sequence[Any]) -> pd.DataFrame:
    """The newest :data:`MAX_COMMENTS` non-empty comments per unit in each of the last
    two trend periods, newest first."""
    import ibis

    r = ds.table("responses", scope)
    day = r.date.cast("date")
    recent = trend[-2:]
    c = r.filter((day >= recent[0].start) & (day < recent[-1].end) & said_something(r.comment))
    earlier = [(c.date.cast("date") < p.end, p.label) for p in recent[:-1]]
    last = ibis.literal(recent[-1].label, "string")
    # one trend period (a custom date range): its label, no CASE without branches
    label = ibis.cases(*earlier, else_=last) if earlier else last
    c = c.select("unit", "date", "comment", *(["ltr"] if "ltr" in r.columns else []))
    c = c.mutate(period=label)
    # ties broken on every selected column: rows tied on all of them are the same row
    order = [c.date.desc(), c.comment, *([c.ltr] if "ltr" in c.columns else [])]
    newest = ibis.row_number().over(group_by=[c.unit, c.period], order_by=order)
    c = c.mutate(_rank=newest).filter(lambda t: t._rank < MAX_COMMENTS).drop("_rank")
    return c.order_by([*order, c.unit]).to_pyarrow().to_pandas()


def _code_customer_ids(frames: dict[str, pd.DataFrame]) -> None:
    """Replace the customer ids of every extract by integer codes in sorted-id order
    (``frames["_ids"]`` maps them back), in place. The analyses group, join and look
    up by customer many times; on integers that is several times faster than on
    Arrow strings, and the sorted coding keeps every ordering the ids would give."""
    names = [n for n, f in frames.items() if not n.startswith("_") and "customer_id" in f]
    if not names:
        return
    values = pd.concat([frames[n]["customer_id"] for n in names], ignore_index=True)
    codes, ids = pd.factorize(values, sort=True)
    coded = pd.Series(codes, dtype="int64")
    if (codes < 0).any():  # a missing id stays missing
        coded = coded.astype("Int64").mask(coded < 0)
    start = 0
    for n in names:
        f = frames[n]
        frames[n] = f.assign(customer_id=coded.iloc[start : start + len(f)].to_numpy())
        start += len(f)
    frames["_ids"] = pd.Index(ids)


def _decode_ids(ids: pd.Index | None, codes: Any) -> Any:
    """The customer ids of integer ``codes`` (see :func:`_code_customer_ids`)."""
    return codes if ids is None else ids.take(pd.Index(codes).astype("int64"))


def _customer_sample(ds: Any, cap: int) -> tuple[Any, pd.DataFrame | None]:
    """``(None, None)`` when no unit has more than ``cap`` customers; otherwise an
    engine table of the sampled customer ids (``sample_id``, ``h``) and a frame per
    unit: ``unit``, ``customers``, ``kept``, ``threshold``, with the thresholds of all
    units together in ``frame.attrs["all"]`` (customers, kept, threshold).

    The sample is uniform and reproducible: a customer is in unit u's sample when the
    first 8 hex digits of the MD5 of their id fall below ``cap / customers of u`` of
    the hash range — the same customers in every table and every run. The all-units
    sample (``cap / all customers``) is a subset of every unit's. Ids come from the
    CRM table (else from the orders), so beyond the cap an order by a customer the CRM
    does not know is not sampled."""
    source = "customers" if ds.has("customers") else "orders" if ds.has("orders") else None
    if source is None:
        return None, None
    from reportgen.loading import Scope

    t = ds.table(source, Scope())
    if "customer_id" not in t.columns:
        return None, None
    t = t.filter(t.customer_id.notnull())
    per_unit = (
        t.group_by("unit").aggregate(customers=t.customer_id.nunique()).order_by("unit").to_pandas()
    )
    if per_unit.empty or int(per_unit["customers"].max()) <= cap:
        return None, None
    total = int(t.customer_id.nunique().to_pyarrow().as_py())
    per_unit["threshold"] = [_threshold(cap / n) for n in per_unit["customers"]]
    widest = max(per_unit["threshold"])
    ids = t.select(sample_id=t.customer_id.cast("string")).distinct()
    ids = ids.mutate(h=ids.sample_id.hexdigest("md5").substr(0, _HASH_DIGITS))
    sample = ds.con.create_table(  # not temporary: read from other cursors too
        "insight_sample", ids.filter(ids.h < widest), overwrite=True
    )
    per_unit.attrs["all"] = _threshold(cap / total)
    kept = _kept_per_unit(t, sample, per_unit)
    per_unit["kept"] = per_unit["unit"].map(kept).fillna(0).astype(int)
    per_unit.attrs["customers"] = total
    per_unit.attrs["kept"] = int(
        sample.filter(sample.h < per_unit.attrs["all"]).count().to_pyarrow().as_py()
    )
    log.info(
        "customer analyses use a hash sample of %s customers per unit (all units: %d of %d)",
        ", ".join(f"{u} {k} of {n}" for u, k, n in per_unit[["unit", "kept", "customers"]].values),
        per_unit.attrs["kept"],
        total,
    )
    return sample, per_unit


def _threshold(share: float) -> str:
    if share >= 1:
        return _KEEP_ALL
    return f"{int(share * 16**_HASH_DIGITS):0{_HASH_DIGITS}x}"


def _unit_thresholds(unit: Any, sampled: pd.DataFrame) -> Any:
    import ibis

    return ibis.cases(
        *((unit == u, thr) for u, thr in sampled[["unit", "threshold"]].values),
        else_=sampled.attrs["all"],  # a unit the CRM does not know: the all-units rate
    )


def _kept_per_unit(t: Any, sample: Any, per_unit: pd.DataFrame) -> dict[str, int]:
    j = t.inner_join(sample, t.customer_id.cast("string") == sample.sample_id)
    j = j.filter(j.h < _unit_thresholds(j.unit, per_unit))
    counts = j.group_by("unit").aggregate(kept=j.customer_id.nunique()).to_pandas()
    return dict(zip(counts["unit"], counts["kept"], strict=True))


def _monthly_counts(ds: Any, config: Any, scope: Any, period: Any) -> pd.DataFrame:
    """Monthly successes and n per unit of every :data:`ANOMALY_SERIES` series over
    the analysis window up to the period end (columns kpi, unit, period, successes, n).

    Each series is its KPI of the registry, month by month (the same definition as the
    quarter's figure: FCR = resolved with one contact / every ticket), so a quarter
    never lies outside the range of its months."""
    from reportgen.engine.registry import KpiParams, kpi_registry

    registry, params = kpi_registry(config), KpiParams.from_config(config)

    def proportion(kpi: str) -> Callable[[Any], tuple[Any, Any]]:
        def counts(t: Any) -> tuple[Any, Any]:
            c = registry[kpi].components(t, params)
            return c["x"], c["n"]

        return counts

    def detractors(t: Any) -> tuple[Any, Any]:
        c = registry["nps"].components(t, params)
        return c["detractors"], c["promoters"] + c["passives"] + c["detractors"]

    # (series, table, the columns it needs, (successes, n) aggregates)
    specs: list[tuple[str, str, tuple[str, ...], Callable[[Any], tuple[Any, Any]]]] = [
        ("satisfied_share", "responses", ("csat",), proportion("csat")),
        ("detractor_share", "responses", ("ltr",), detractors),
        ("fcr_share", "tickets", ("contacts", "resolved_at"), proportion("fcr")),
        ("complaint_share", "tickets", ("complaint",), proportion("complaint_rate")),
    ]
    parts = []
    for table, date_col in (("responses", "date"), ("tickets", "opened_at")):
        if not ds.has(table):
            continue
        t = ds.table(table, scope)
        t = t.filter(t[date_col] < period.end)
        mapped = ds.staged[table].mapping  # a column the source lacks is all NULL
        mine = [s for s in specs if s[1] == table and all(c in mapped for c in s[2])]
        if not mine:
            continue
        aggs = {}
        for series, _, _, counts in mine:
            aggs[f"{series}__x"], aggs[f"{series}__n"] = counts(t)
        month = t[date_col].strftime("%Y-%m")
        wide = t.group_by(unit=t.unit, period=month).aggregate(**aggs).to_pandas()
        for series, *_ in mine:
            part = wide[["unit", "period"]].assign(
                kpi=series,
                successes=wide[f"{series}__x"].astype(float),
                n=wide[f"{series}__n"].astype(float),
            )
            parts.append(part[part["n"] > 0])
    if not parts:
        return pd.DataFrame(columns=["kpi", "unit", "period", "successes", "n"])
    return _series_order(pd.concat(parts, ignore_index=True))


def _series_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Series in :data:`ANOMALY_SERIES` order, then by unit and month."""
    order = frame["kpi"].map({k: i for i, k in enumerate(ANOMALY_SERIES)})
    return (
        frame.assign(_o=order)
        .sort_values(["_o", "unit", "period"], kind="stable")[
            ["kpi", "unit", "period", "successes", "n"]
        ]
        .reset_index(drop=True)
    )


def _for_unit(frames: dict[str, pd.DataFrame], unit: str, all_units: str) -> dict[str, Any]:
    """The extracts of one unit; of all units: the all-units sample of the customer-level
    rows, and the per-unit monthly counts added up."""
    out: dict[str, Any] = {}
    for name, f in frames.items():
        if name.startswith("_"):
            out[name] = f
        elif unit != all_units:
            out[name] = f[f["unit"] == unit].drop(columns="in_all", errors="ignore")
        elif name == "series":
            out[name] = _series_order(
                f.groupby(["kpi", "period"], sort=True)[["successes", "n"]]
                .sum()
                .reset_index()
                .assign(unit=unit)[["kpi", "unit", "period", "successes", "n"]]
            )
        elif "in_all" in f.columns:
            out[name] = f[f["in_all"]].drop(columns="in_all")
        else:
            out[name] = f
    return out


# -- one unit -------------------------------------------------------------------------


def analyse_unit(
    unit: str,
    f: dict[str, pd.DataFrame],
    config: Any,
    period: Any,
    trend: Sequence[Any],
    themes: Any,
    lang: str | None,
) -> UnitInsights:
    """Every analysis of one unit on its extracts (:func:`_for_unit`), single-threaded
    (:func:`.segments.single_thread`: units run side by side in the build's workers)."""
    from reportgen.analytics.segments import single_thread

    with single_thread():
        return _analyse_unit(unit, f, config, period, trend, themes, lang)


def _analyse_unit(
    unit: str,
    f: dict[str, pd.DataFrame],
    config: Any,
    period: Any,
    trend: Sequence[Any],
    themes: Any,
    lang: str | None,
) -> UnitInsights:
    seconds: dict[str, float] = {}
    reasons: dict[str, str] = {}
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.last_day)
    responses = f.get("responses")  # the (sampled) customers' responses of the window
    current = None
    if responses is not None:
        d = pd.to_datetime(responses["date"])
        current = responses[(d >= start) & (d <= end)]

    t = time.perf_counter()
    drivers = _drivers(f.get("current"), config, reasons)  # every response of the period
    _timed(seconds, "drivers", t)

    t = time.perf_counter()
    seg = _segments(f, current, config, period, reasons)
    _timed(seconds, "segments", t)

    t = time.perf_counter()
    churn, at_risk = _churn(f, trend, seg.get("value"), reasons)
    ids = f.get("_ids")
    if at_risk is not None and len(at_risk):
        at_risk = at_risk.assign(customer_id=_decode_ids(ids, at_risk["customer_id"]))
    scores = getattr(churn, "scores", None)
    if scores is not None and ids is not None:
        churn = dataclasses.replace(
            churn, scores=scores.set_axis(_decode_ids(ids, scores.index).rename(scores.index.name))
        )
    _timed(seconds, "churn", t)

    t = time.perf_counter()
    language = lang or config.report.language
    th = _theme_analysis(f.get("comments"), trend, themes, language, reasons)
    _timed(seconds, "themes", t)

    t = time.perf_counter()
    series, watch = _anomalies(f.get("series"), reasons)
    _timed(seconds, "anomalies", t)

    from reportgen.analytics.plan import priority_actions

    actions = tuple(
        priority_actions(
            drivers.get("csat") if drivers else None,
            th.get("summary"),
            min_rated=config.statistics.min_n,
        )
    )
    sampled = f.get("_sampled")
    return UnitInsights(
        unit=unit,
        drivers=drivers,
        profiles=seg.get("profiles", {}),
        clv_fit=seg.get("clv_fit"),
        clv_summary=seg.get("clv_summary", {}),
        kmeans=seg.get("kmeans"),
        churn=churn,
        at_risk=at_risk,
        themes=th.get("summary"),
        quotes=th.get("quotes", {}),
        terms=th.get("terms"),
        sentiment=th.get("sentiment", {}),
        watch=watch,
        series=series,
        actions=actions,
        reasons=reasons,
        sampled=_sample_size(sampled, unit),
        seconds=seconds,
    )


def _drivers(current: pd.DataFrame | None, config: Any, reasons: dict[str, str]) -> dict[str, Any]:
    from reportgen.analytics.drivers import driver_analysis

    if current is None or current.empty:
        reasons["drivers"] = Reason("no_responses")
        return {}
    attributes = [a for a in config.attribute_ids if a in current.columns]
    if not attributes:
        reasons["drivers"] = Reason("no_attributes_configured")
        return {}
    lo = {a: config.scale_for("responses", a).min for a in attributes}
    hi = {a: config.scale_for("responses", a).max for a in attributes}
    out = {}
    for outcome in ("csat", "ltr"):
        if outcome in current.columns:
            out[outcome] = driver_analysis(current, outcome, attributes, scale_min=lo, scale_max=hi)
    if out and all(r.reason for r in out.values()):
        reasons["drivers"] = Reason(
            "joined",
            parts=[
                Reason(
                    "driver_outcome",
                    outcome=Reason(f"outcome_{k}"),
                    reason=Reason(str(r.reason), min_n=r.min_n),
                )
                for k, r in out.items()
            ],
        )
    return out


def _segments(
    f: dict[str, pd.DataFrame],
    current: pd.DataFrame | None,
    config: Any,
    period: Any,
    reasons: dict[str, str],
) -> dict[str, Any]:
    from reportgen.analytics.clv import customer_clv
    from reportgen.analytics.segments import (
        kmeans_segments,
        lifecycle_stage,
        rfm_scores,
        segment_profile,
    )

    orders, customers = f.get("orders"), f.get("customers")
    if orders is None or orders.empty:
        reasons["segments"] = reasons["clv"] = Reason("no_orders")
        return {}
    a = config.analytics
    end = period.last_day
    out: dict[str, Any] = {}
    rfm = rfm_scores(orders, end, bins=a.rfm_bins)
    frame = rfm[["rfm_segment"]].copy()
    clv = customer_clv(
        orders, end, horizon_months=a.clv_horizon_months, monthly_discount=a.clv_monthly_discount
    )
    if clv.ok:
        c = clv.customers.set_index("customer_id")
        frame["value_tier"] = c["value_tier"].reindex(frame.index)
        top = c[c["value_tier"] == "top"]["clv"].sum()
        total = c["clv"].sum()
        out["clv_summary"] = {
            "customers": float(len(c)),
            "clv_mean": float(c["clv"].mean()),
            "clv_median": float(c["clv"].median()),
            "top_tier_share": float(top / total) if total else float("nan"),
            "horizon_months": float(a.clv_horizon_months),
        }
        out["value"] = c["clv"]
    else:
        reasons["clv"] = clv.reason or Reason("clv_not_fitted")
        out["value"] = rfm["monetary"]  # last year's spend stands in for value
    out["clv_fit"] = _without_frames(clv)
    if customers is not None and not customers.empty:
        stage = lifecycle_stage(orders, customers, period.start, end)
        frame = frame.reindex(frame.index.union(stage.index))
        frame["lifecycle_stage"] = stage.reindex(frame.index)
        churn_dates = customers.drop_duplicates("customer_id").set_index("customer_id")[
            "churn_date"
        ]
        frame["churn_date"] = churn_dates.reindex(frame.index)
    responses = (
        current
        if current is not None
        else pd.DataFrame(columns=["customer_id", "date", "csat", "ltr"])
    )
    profiles = {}
    for by in ("rfm_segment", "lifecycle_stage", "value_tier"):
        if by in frame:
            profiles[by] = segment_profile(
                frame.reset_index(names="customer_id"),
                responses,
                orders,
                by=by,
                period_start=period.start,
                period_end=end,
            )
    out["profiles"] = profiles
    km = kmeans_segments(rfm[["recency_days", "frequency", "monetary"]])
    out["kmeans"] = _without_frames(km, keep=("centres", "sizes", "silhouette_by_k"))
    if getattr(km, "reason", None):
        reasons["kmeans"] = km.reason
    return out


def _without_frames(result: Any, keep: Sequence[str] = ()) -> Any:
    """The result with its per-customer frames/series and models dropped (they are
    large, and customer-level rows must not travel into the deck)."""

    if result is None or not dataclasses.is_dataclass(result):
        return result
    changes = {}
    for fld in dataclasses.fields(result):
        v = getattr(result, fld.name)
        if fld.name in keep:
            continue
        if (
            isinstance(v, pd.DataFrame | pd.Series)
            and len(v) > 50
            or (fld.name in ("model", "labels", "scores", "customers") and not isinstance(v, str))
        ):
            changes[fld.name] = None
    try:
        return dataclasses.replace(result, **changes)
    except (TypeError, ValueError):
        return result


def _churn(
    f: dict[str, pd.DataFrame],
    trend: Sequence[Any],
    value: pd.Series | None,
    reasons: dict[str, str],
) -> tuple[Any, pd.DataFrame | None]:
    from reportgen.analytics.churn import high_value_at_risk, train_and_evaluate

    orders, customers = f.get("orders"), f.get("customers")
    if orders is None or customers is None or orders.empty or customers.empty:
        reasons["churn"] = Reason("churn_needs_tables")
        return None, None
    if customers["churn_date"].isna().all():
        reasons["churn"] = Reason("churn_no_dates")
        return None, None
    empty = pd.DataFrame(columns=["customer_id", "date", "csat", "ltr"])
    responses = f.get("responses", empty)
    tickets = f.get(
        "tickets",
        pd.DataFrame(columns=["customer_id", "opened_at", "resolved_at", "contacts", "complaint"]),
    )
    snapshots = [p.last_day for p in trend]
    result = train_and_evaluate(snapshots, orders, customers, responses, tickets)
    if result.reason:
        reasons["churn"] = result.reason
        return _without_frames(result), None
    at_risk = None
    if value is not None and result.scores is not None:
        # "at risk": the top decile of churn probability (absolute probabilities are
        # small when churn is rare), ranked by expected loss = probability × value
        cut = float(result.scores.quantile(0.9))
        at_risk = high_value_at_risk(result.scores, value, top=AT_RISK_TOP, min_probability=cut)
    return _without_frames(result, keep=("scores",)), at_risk  # scores: counts in the deck


def _theme_analysis(
    responses: pd.DataFrame | None,
    trend: Sequence[Any],
    themes: Any,
    lang: str,
    reasons: dict[str, str],
) -> dict[str, Any]:
    from reportgen.analytics.themes import frequent_terms, representative_quotes, theme_summary

    if responses is None or "comment" not in responses:
        reasons["themes"] = Reason("themes_no_column")
        return {}
    d = pd.to_datetime(responses["date"])
    parts = []
    for p in trend[-2:]:  # the period and the one before it, for share changes
        sub = responses[(d >= pd.Timestamp(p.start)) & (d < pd.Timestamp(p.end))]
        sub = sub[sub["comment"].notna() & (sub["comment"].astype(str).str.strip() != "")]
        sub = sub.sort_values("date", ascending=False, kind="stable").head(MAX_COMMENTS)
        parts.append(sub.assign(period=p.label))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    current_label = trend[-1].label
    now = frame[frame["period"] == current_label] if len(frame) else frame
    if now.empty:
        reasons["themes"] = Reason("themes_no_comments")
        return {}
    frame["period"] = pd.Categorical(frame["period"], [p.label for p in trend[-2:]], ordered=True)
    summary = theme_summary(
        frame[["comment", "ltr", "period"]], themes, lang=lang, current=current_label
    )
    quotes = {
        th: representative_quotes(now, th, QUOTES_PER_THEME, themes=themes)
        for th in summary["theme"].head(TOP_THEMES)
    }
    terms = frequent_terms(now["comment"], 15, themes=themes, unthemed_only=True)
    from reportgen.analytics.sentiment import sentiment_scores

    scores = sentiment_scores(now["comment"])
    return {
        "summary": summary,
        "quotes": {k: v for k, v in quotes.items() if v},
        "terms": terms,
        "sentiment": {"mean": float(scores.mean()), "comments": float(scores.notna().sum())},
    }


def _anomalies(
    series: pd.DataFrame | None, reasons: dict[str, str]
) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """The unit's monthly proportion series (:func:`_monthly_counts`), judged by p charts."""
    from reportgen.analytics.anomalies import watch_items

    if series is None or series.empty:
        reasons["anomalies"] = Reason("anomalies_no_rows")
        return None, None
    series = series.reset_index(drop=True)
    watch = watch_items(series)
    if len(watch.skipped) and len(watch.skipped) == series["kpi"].nunique():
        reasons["anomalies"] = Reason("anomalies_short_history")
    return series, watch.items


def _sample_size(sampled: pd.DataFrame | None, unit: str) -> dict[str, int]:
    """customers_kept / customers_total of the unit's sample ({} when not sampled)."""
    from reportgen.engine.compute import ALL

    if sampled is None:
        return {}
    if unit == ALL:
        kept, total = sampled.attrs["kept"], sampled.attrs["customers"]
    else:
        row = sampled[sampled["unit"] == unit]
        if row.empty:
            return {}
        kept, total = int(row["kept"].iloc[0]), int(row["customers"].iloc[0])
    return {"customers_kept": int(kept), "customers_total": int(total)}
