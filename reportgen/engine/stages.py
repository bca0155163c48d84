"""Stages: the tables KPI components aggregate over.

Each stage is a canonical table joined to the requested periods (one row per
event and period containing it) and enriched with the customer's CRM dimensions
(segment, region, industry) — the CRM is authoritative for those; a value on the
event row itself (e.g. the region answered in a survey) wins when present.

- ``responses``: survey responses by response date
- ``tickets``:   tickets by opening time
- ``orders``:    orders by order date
- ``buyers``:    one row per (period, unit, customer) who ordered in the period
- ``customers``: every CRM customer × every period (churn needs the period bounds)
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from reportgen.engine.registry import KpiParams, Stage
from reportgen.loading import Dataset, Scope
from reportgen.periods import Period

CUSTOMER_DIMS: tuple[str, ...] = ("segment", "region", "industry")

#: The canonical table each stage starts from.
STAGE_SOURCE: dict[str, str] = {
    "responses": "responses",
    "tickets": "tickets",
    "orders": "orders",
    "buyers": "orders",
    "customers": "customers",
}

#: Dimensions each stage can be broken down by.
STAGE_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "responses": ("segment", "region", "industry", "channel"),
    "tickets": ("segment", "region", "industry", "channel", "category"),
    "orders": ("segment", "region", "industry", "product"),
    "buyers": ("segment", "region", "industry"),
    "customers": ("segment", "region", "industry"),
}


def periods_table(periods: Sequence[Period]) -> ir.Table:
    """A small engine table of the periods: label, start (incl.), end (excl.)."""
    unique = sorted(set(periods))
    return ibis.memtable(
        {
            "period_id": [p.label for p in unique],
            "p_start": [p.start for p in unique],
            "p_end": [p.end for p in unique],
        },
        schema={"period_id": dt.string, "p_start": dt.date, "p_end": dt.date},
    )


def _with_customer_dims(ds: Dataset, t: ir.Table, scope: Scope) -> ir.Table:
    crm_scope = Scope(units=scope.units)
    if not ds.has("customers") or "customer_id" not in t.columns:
        return t.mutate(**{d: ibis.null(dt.string) for d in CUSTOMER_DIMS if d not in t.columns})
    c = ds.table("customers", crm_scope)
    c = c.select(_cid=c.customer_id, _cunit=c.unit, **{f"_c_{d}": c[d] for d in CUSTOMER_DIMS})
    j = t.left_join(c, [t.customer_id == c._cid, t.unit == c._cunit])
    merged = {
        d: (ibis.coalesce(j[d], j[f"_c_{d}"]) if d in t.columns else j[f"_c_{d}"])
        for d in CUSTOMER_DIMS
    }
    return j.mutate(**merged).drop("_cid", "_cunit", *[f"_c_{d}" for d in CUSTOMER_DIMS])


def _contiguous(periods: Sequence[Period]) -> bool:
    """Sorted periods that each start where the one before ends (no gap, no overlap)."""
    return all(a.end == b.start for a, b in zip(periods, periods[1:], strict=False))


Rows = Callable[[_dt.date, _dt.date], ir.Table]


def _by_event_date(rows: Rows, column: str, periods: Sequence[Period]) -> ir.Table:
    """One row per event and period containing its date (``period_id``, ``p_start``,
    ``p_end``). ``rows(start, end)`` gives the table's rows, at least those dated in
    ``[start, end)``.

    Contiguous periods (the trend quarters with the previous one and the same quarter
    last year) come from one read of their whole range, a CASE on the date picking the
    period. Otherwise each period is read on its own and the reads are put together
    with UNION ALL: periods with a gap between them (the breakdowns' period, previous
    period and last year) then skip the rows of the gap — a source scoped to a window
    skips the file's row groups outside it — and overlapping periods count an event
    once in each."""
    unique = sorted(set(periods), key=lambda p: p.start)
    if not _contiguous(unique):
        parts = [_in_window(rows(p.start, p.end), column, p.start, p.end) for p in unique]
        labelled = [
            t.mutate(
                period_id=ibis.literal(p.label, dt.string),
                p_start=ibis.literal(p.start, dt.date),
                p_end=ibis.literal(p.end, dt.date),
            )
            for t, p in zip(parts, unique, strict=True)
        ]
        return labelled[0] if len(labelled) == 1 else ibis.union(*labelled, distinct=False)
    t = _in_window(rows(unique[0].start, unique[-1].end), column, unique[0].start, unique[-1].end)
    day = t[column].cast(dt.date)
    inside = [(day >= p.start) & (day < p.end) for p in unique]

    def pick(values: list[ir.Value], dtype: dt.DataType) -> ir.Value:
        return ibis.cases(*zip(inside, values, strict=True), else_=ibis.null(dtype))

    # Every row of the range has a period: not filtered on it (the engine would
    # evaluate the CASE twice per row, ≈ 1.4 CPU-s per 29M order lines).
    return t.mutate(
        period_id=pick([ibis.literal(p.label) for p in unique], dt.string),
        p_start=pick([ibis.literal(p.start) for p in unique], dt.date),
        p_end=pick([ibis.literal(p.end) for p in unique], dt.date),
    )


def _in_window(t: ir.Table, column: str, start: _dt.date, end: _dt.date) -> ir.Table:
    day = t[column].cast(dt.date)
    return t.filter((day >= start) & (day < end))


def _scoped(ds: Dataset, source: str, scope: Scope) -> Rows:
    """The loaded rows of ``source`` in a date window (and the scope's units)."""
    return lambda start, end: ds.table(source, Scope(start=start, end=end, units=scope.units))


def build_stage(
    ds: Dataset,
    stage: Stage,
    scope: Scope,
    periods: Sequence[Period],
    params: KpiParams,
    with_dims: bool = True,
) -> ir.Table | None:
    """The stage table for ``periods``, or None when its source is not configured.

    ``with_dims=False`` skips the join to the CRM dimensions (no breakdown)."""
    source = STAGE_SOURCE[stage]
    if not ds.has(source):
        return None
    if stage == "customers":
        customers = ds.table("customers", Scope(units=scope.units))
        return customers.cross_join(periods_table(periods))
    rows = _scoped(ds, source, scope)
    if stage == "buyers":
        # The CRM's dimensions are joined to one row per buyer, not to every order line
        # before the per-buyer aggregation (≈ 4× fewer rows to join); dimensions on the
        # order rows themselves are taken per line (the event's value wins).
        own = with_dims and bool(set(CUSTOMER_DIMS) & set(ds.staged[source].values.columns))
        if own:
            scoped = rows
            rows = lambda start, end: _with_customer_dims(ds, scoped(start, end), scope)  # noqa: E731
        buyers = _buyers(ds, rows, scope, params, periods)
        return _with_customer_dims(ds, buyers, scope) if with_dims and not own else buyers
    # The CRM join comes after the periods are picked: the engine does not push the
    # period filter through the join (the breakdowns' orders cube probed 30M order lines
    # into the CRM hash table for the 11M in its three periods).
    t = _by_event_date(rows, "opened_at" if stage == "tickets" else "date", periods)
    return _with_customer_dims(ds, t, scope) if with_dims else t


def _buyers(
    ds: Dataset, rows: Rows, scope: Scope, params: KpiParams, periods: Sequence[Period]
) -> ir.Table:
    """One row per (period, unit, customer) who ordered in the period: ``period_id``,
    ``unit``, ``customer_id``, ``orders_n``, ``revenue``, ``repeat_buyer``, ``observed``
    (whether the repurchase window, if any, ends within the order data) and the order
    rows' own dimensions, if any.

    One aggregation per period, each over that period's orders only, put together with
    UNION ALL: the per-customer groups of one period fit in the engine's memory, those
    of every period at once do not (50M order lines, 10 periods: 12.9M groups spilled
    0.8 GB, 27 CPU-s; per period 10 CPU-s)."""
    unique = sorted(set(periods), key=lambda p: p.start)
    parts = [_period_buyers(ds, rows, scope, params, p) for p in unique]
    return parts[0] if len(parts) == 1 else ibis.union(*parts, distinct=False)


def _period_buyers(
    ds: Dataset, rows: Rows, scope: Scope, params: KpiParams, period: Period
) -> ir.Table:
    keys = ["unit", "customer_id"]
    window = params.repurchase_window_days
    orders = _in_window(rows(period.start, period.end), "date", period.start, period.end)
    first = {"first_date": orders.date.min()} if window is not None else {}
    per_customer = orders.group_by(keys).aggregate(
        orders_n=orders.count(),
        # exact fixed-point sum: a float sum's last bits depend on the engine's order
        revenue=orders.amount.cast("decimal(38, 9)").sum().cast("float64"),
        **first,
        **{d: orders[d].max() for d in CUSTOMER_DIMS if d in orders.columns},
    )
    label = {"period_id": ibis.literal(period.label, dt.string)}
    if window is None:
        out = per_customer.mutate(repeat_buyer=per_customer.orders_n >= 2, observed=True)
        return out.select(**label, **{c: out[c] for c in out.columns})
    # Look ahead beyond the period's end for a second order within the window: only
    # the orders that can be one (from the period start to the window after its end).
    later_orders = _scoped(ds, "orders", scope)(
        period.start, period.end + _dt.timedelta(days=window + 1)
    )
    later = later_orders.select(
        _cid=later_orders.customer_id, _unit=later_orders.unit, _date=later_orders.date
    )
    # Every order of the customer from the first one to the window's end, the first
    # included: two or more is a repeat (a second order on the same day counts).
    pc = per_customer
    until = pc.first_date + ibis.interval(days=window)
    j = pc.join(
        later,
        [
            pc.customer_id == later._cid,
            pc.unit == later._unit,
            later._date >= pc.first_date,
            later._date <= until,
        ],
    )
    again = j.group_by(keys).aggregate(_orders=j.count())
    out = pc.left_join(again, keys)
    # A buyer whose window runs past the end of the order data cannot be seen not to
    # come back: observed only when the window ends within the data (right-censoring).
    end = ds.last_event("orders")
    observed = (until <= ibis.literal(end.to_pydatetime())) if end is not None else False
    out = out.mutate(repeat_buyer=out._orders.fill_null(0) >= 2, observed=observed)
    columns = [*pc.columns, "repeat_buyer", "observed"]
    return out.select(**label, **{c: out[c] for c in columns})


def stage_date_bounds(periods: Sequence[Period]) -> tuple[_dt.date, _dt.date]:
    return min(p.start for p in periods), max(p.end for p in periods)
