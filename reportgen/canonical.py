"""The canonical tables every source is mapped onto.

This module is the single description of what reportgen understands: table names,
column names, their kinds and which are required. Config validation, the loaders,
the KPI engine and the sample-data generator all read it from here.

Column kinds:

- ``id``       text identifier, kept exactly as written (leading zeros survive)
- ``unit``     business unit; mapped to a configured unit id through names/aliases
- ``category`` a dimension value (channel, region, segment …), trimmed text
- ``text``     free text from customers (comments); untrusted, kept verbatim
- ``date``     calendar date; ``datetime`` a timestamp
- ``score``    a rating on a declared scale (range, reversed, n/a codes, labels)
- ``number``   a decimal amount (currency symbols and thousands separators removed)
- ``integer``  a whole count
- ``bool``     yes/no flag (是/否, Y/N, true/false, 1/0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnKind = Literal[
    "id", "unit", "category", "text", "date", "datetime", "score", "number", "integer", "bool"
]


@dataclass(frozen=True)
class Column:
    """One canonical column."""

    name: str
    kind: ColumnKind
    required: bool = False
    description: str = ""
    #: a number that may be written as a percentage ("85%" → 0.85): targets and
    #: benchmarks of rates; an amount written "85%" is an error, not 0.85
    percent: bool = False


@dataclass(frozen=True)
class DefaultScale:
    """Scale assumed for a score column when the config declares none."""

    min: float
    max: float


@dataclass(frozen=True)
class Table:
    """One canonical table: its columns and the key columns (repeated keys are filtered)."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    date_column: str | None
    description: str = ""

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


#: Attribute (touchpoint) ratings shipped by default; the config may declare more.
DEFAULT_ATTRIBUTES: tuple[str, ...] = (
    "product_fit",
    "responsiveness",
    "problem_solving",
    "staff_attitude",
    "price_fairness",
    "brand_trust",
)

RESPONSES = Table(
    name="responses",
    key=("response_id",),
    date_column="date",
    description="Survey responses, one row per completed questionnaire.",
    columns=(
        Column("response_id", "id", required=True),
        Column("customer_id", "id"),
        Column("date", "date", required=True),
        Column("unit", "unit", required=True),
        Column("channel", "category"),
        Column("region", "category"),
        Column("segment", "category"),
        Column("csat", "score", description="overall satisfaction"),
        Column("ltr", "score", description="likelihood to recommend, 0-10"),
        Column("effort", "score", description="customer effort"),
        *(Column(a, "score", description="attribute rating") for a in DEFAULT_ATTRIBUTES),
        Column("trust", "score", description="trust in the company"),
        Column("repurchase_intent", "score", description="intention to buy again"),
        Column("comment", "text"),
    ),
)

CUSTOMERS = Table(
    name="customers",
    key=("customer_id", "unit"),
    date_column=None,
    description="CRM customers: one row per customer and business unit.",
    columns=(
        Column("customer_id", "id", required=True),
        Column("unit", "unit", required=True),
        Column("segment", "category"),
        Column("region", "category"),
        Column("industry", "category"),
        Column("join_date", "date", required=True),
        Column("churn_date", "date"),
        Column("tags", "text"),
    ),
)

ORDERS = Table(
    name="orders",
    key=("order_id",),
    date_column="date",
    description="Orders or invoices.",
    columns=(
        Column("order_id", "id", required=True),
        Column("customer_id", "id", required=True),
        Column("date", "date", required=True),
        Column("unit", "unit", required=True),
        Column("amount", "number", required=True),
        Column("product", "category"),
    ),
)

TICKETS = Table(
    name="tickets",
    key=("ticket_id",),
    date_column="opened_at",
    description="Help-desk tickets.",
    columns=(
        Column("ticket_id", "id", required=True),
        Column("customer_id", "id"),
        Column("unit", "unit", required=True),
        Column("channel", "category"),
        Column("opened_at", "datetime", required=True),
        Column("first_response_at", "datetime"),
        Column("resolved_at", "datetime"),
        Column("contacts", "integer", description="contacts until resolved"),
        Column("complaint", "bool"),
        Column("category", "category"),
    ),
)

TARGETS = Table(
    name="targets",
    # one target per unit, period and KPI: a repeat is a duplicate (the first row wins,
    # a different value is warned about), never a silent second answer
    key=("unit", "period", "kpi"),
    date_column=None,
    description="Planned KPI targets per unit (or 'all') and period label.",
    columns=(
        Column("unit", "unit", required=True),
        Column("period", "category", required=True),
        Column("kpi", "category", required=True),
        Column("target", "number", required=True, percent=True),
    ),
)

BENCHMARKS = Table(
    name="benchmarks",
    key=("kpi", "scope"),
    date_column=None,
    description="Market benchmarks per KPI and scope (global, country, industry).",
    columns=(
        Column("kpi", "category", required=True),
        Column("scope", "category", required=True),
        Column("value", "number", required=True, percent=True),
        Column("source", "text"),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t for t in (RESPONSES, CUSTOMERS, ORDERS, TICKETS, TARGETS, BENCHMARKS)
}

#: Tables whose rows are facts counted by KPIs (targets/benchmarks are reference data).
FACT_TABLES: tuple[str, ...] = ("responses", "customers", "orders", "tickets")

#: Scales assumed when the config is silent.
DEFAULT_SCALES: dict[str, DefaultScale] = {
    "csat": DefaultScale(1, 5),
    "ltr": DefaultScale(0, 10),
    "effort": DefaultScale(1, 7),
    "trust": DefaultScale(1, 5),
    "repurchase_intent": DefaultScale(1, 5),
    **{a: DefaultScale(1, 5) for a in DEFAULT_ATTRIBUTES},
}

#: Dimensions a KPI can be broken down by, and the tables that carry them.
DIMENSIONS: dict[str, tuple[str, ...]] = {
    "segment": ("responses", "customers"),
    "region": ("responses", "customers"),
    "channel": ("responses", "tickets"),
    "industry": ("customers",),
    "product": ("orders",),
    "category": ("tickets",),
}
