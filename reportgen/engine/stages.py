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
from collections.abc import Sequence

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


def _disjoint(periods: Sequence[Period]) -> bool:
    ordered = sorted(set(periods), key=lambda p: p.start)
    return all(a.end <= b.start for a, b in zip(ordered, ordered[1:], strict=False))


def _by_event_date(t: ir.Table, column: str, periods: Sequence[Period]) -> ir.Table:
    """One row per event and period containing its date (``period_id``, ``p_start``,
    ``p_end``). Periods that do not overlap (quarters, years …) are assigned by a CASE
    on the date, which costs a few comparisons per row; overlapping ones need a range
    join, which costs ≈ 3× more."""
    day = t[column].cast(dt.date)
    unique = sorted(set(periods), key=lambda p: p.start)
    if not _disjoint(unique):
        ptable = periods_table(unique)
        return t.join(ptable, [day >= ptable.p_start, day < ptable.p_end])
    t = t.filter((day >= unique[0].start) & (day < unique[-1].end))
    day = t[column].cast(dt.date)
    inside = [(day >= p.start) & (day < p.end) for p in unique]

    def pick(values: list[ir.Value], dtype: dt.DataType) -> ir.Value:
        return ibis.cases(*zip(inside, values, strict=True), else_=ibis.null(dtype))

    t = t.mutate(
        period_id=pick([ibis.literal(p.label) for p in unique], dt.string),
        p_start=pick([ibis.literal(p.start) for p in unique], dt.date),
        p_end=pick([ibis.literal(p.end) for p in unique], dt.date),
    )
    if all(a.end == b.start for a, b in zip(unique, unique[1:], strict=False)):
        # No gap between the periods (the trend quarters with the previous quarter and
        # the same quarter last year): every row inside the range has a period. Not
        # filtered on it: the engine would evaluate the CASE twice per row (≈ 1.4 CPU-s
        # per 29M order lines).
        return t
    return t.filter(t.period_id.notnull())


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
    t = ds.table(source, scope)
    if stage == "buyers" and with_dims and not set(CUSTOMER_DIMS) & set(t.columns):
        # The dimensions are the CRM's alone: join them to one row per buyer, not to
        # every order line before the per-buyer aggregation (≈ 4× fewer rows to join,
        # and no string max() per buyer).
        buyers = _buyers(ds, _by_event_date(t, "date", periods), scope, params, periods)
        return _with_customer_dims(ds, buyers, scope)
    # Rows outside the periods are dropped before the CRM join, not after it (the
    # engine does not push the period filter through the join: at 10M responses and
    # 50M order lines the breakdowns' join probed 30M order lines for 11M in periods).
    t = _by_event_date(t, "opened_at" if stage == "tickets" else "date", periods)
    t = _with_customer_dims(ds, t, scope) if with_dims else t
    if stage == "buyers":
        return _buyers(ds, t, scope, params, periods)
    return t


def _buyers(
    ds: Dataset, orders: ir.Table, scope: Scope, params: KpiParams, periods: Sequence[Period]
) -> ir.Table:
    # p_start/p_end follow from period_id: not group keys (a narrower hash table)
    keys = ["period_id", "unit", "customer_id"]
    window = params.repurchase_window_days
    first = {"first_date": orders.date.min()} if window is not None else {}
    per_customer = orders.group_by(keys).aggregate(
        orders_n=orders.count(),
        # exact fixed-point sum: a float sum's last bits depend on the engine's order
        revenue=orders.amount.cast("decimal(38, 9)").sum().cast("float64"),
        **first,
        **{d: orders[d].max() for d in CUSTOMER_DIMS if d in orders.columns},
    )
    if window is None:
        return per_customer.mutate(repeat_buyer=per_customer.orders_n >= 2)
    # Look ahead beyond the period's end for a second order within the window.
    later_orders = ds.table("orders", Scope(units=scope.units))
    # Only orders that can be a repeat of a first order in one of the periods: after
    # the earliest period start, within the window of the latest period end.
    lo, hi = stage_date_bounds(periods)
    later_orders = later_orders.filter(
        (later_orders.date.cast(dt.date) >= lo)
        & (later_orders.date.cast(dt.date) < hi + _dt.timedelta(days=window + 1))
    )
    later = later_orders.select(
        _cid=later_orders.customer_id, _unit=later_orders.unit, _date=later_orders.date
    )
    pc = per_customer
    j = pc.join(
        later,
        [
            pc.customer_id == later._cid,
            pc.unit == later._unit,
            later._date > pc.first_date,
            later._date <= pc.first_date + ibis.interval(days=window),
        ],
    )
    again = j.group_by(keys).aggregate(_again=j.count())
    out = pc.left_join(again, keys)
    out = out.mutate(repeat_buyer=out._again.fill_null(0) > 0)
    return out.select(*pc.columns, "repeat_buyer")


def stage_date_bounds(periods: Sequence[Period]) -> tuple[_dt.date, _dt.date]:
    return min(p.start for p in periods), max(p.end for p in periods)
