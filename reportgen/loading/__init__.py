"""Sources → canonical tables, with an exact account of every input row.

:func:`load_dataset` stages every configured source in the engine. A
:class:`Dataset` then decides each row's bucket for a given analysis window and
set of units:

- ``loaded``       canonical, valid, inside the window and the selected units;
- ``quarantined``  could not be mapped (file, row, column, value, reason);
- ``filtered``     valid but out of scope: ``duplicate`` key, other ``unit``,
  outside the ``period`` window.

:meth:`Dataset.reconcile` checks ``read = loaded + quarantined + filtered`` per
file and raises :class:`ReconciliationError` if a row was lost or invented.
"""

from __future__ import annotations

import datetime as _dt
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from reportgen.canonical import FACT_TABLES, TABLES
from reportgen.config import ReportConfig, Source
from reportgen.errors import ReconciliationError
from reportgen.io.parquet_reader import ColumnRange, row_group_ranges
from reportgen.loading.parallel import run_parallel
from reportgen.loading.stage import (
    ALL_UNITS,
    RAW_DATE,
    StagedTable,
    check_unchanged,
    restage,
    stage_source,
)
from reportgen.sanitize import safe_display

log = logging.getLogger(__name__)

LOADED = "loaded"
QUARANTINED = "quarantined"
FILTERED_DUPLICATE = "filtered:duplicate"
FILTERED_UNIT = "filtered:unit"
FILTERED_PERIOD = "filtered:period"


@dataclass(frozen=True)
class FileReconciliation:
    """How every row of one input file was accounted for."""

    table: str
    source: str
    real_format: str
    encoding: str | None
    sheet: str | None
    header_row: int | None
    read: int
    loaded: int
    quarantined: int
    filtered: dict[str, int]
    quarantine_reasons: dict[str, int]
    blank_rows: int
    warnings: tuple[str, ...]

    @property
    def filtered_total(self) -> int:
        return sum(self.filtered.values())

    @property
    def balanced(self) -> bool:
        return self.read == self.loaded + self.quarantined + self.filtered_total

    def as_dict(self) -> dict[str, object]:
        return {
            "table": self.table,
            "source": self.source,
            "format": self.real_format,
            "encoding": self.encoding,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "read": self.read,
            "loaded": self.loaded,
            "quarantined": self.quarantined,
            "filtered": dict(self.filtered),
            "quarantine_reasons": dict(self.quarantine_reasons),
            "blank_rows": self.blank_rows,
            "balanced": self.balanced,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class Scope:
    """Which rows count as loaded: an analysis window and a set of units."""

    start: _dt.date | None = None  # inclusive
    end: _dt.date | None = None  # exclusive
    units: tuple[str, ...] | None = None  # None = all configured units


@dataclass
class Dataset:
    """Every configured source staged in one engine connection."""

    config: ReportConfig
    con: ibis.BaseBackend
    staged: dict[str, StagedTable] = field(default_factory=dict)
    _loaded: dict[tuple[str, Scope], ir.Table] = field(default_factory=dict, repr=False)
    _views: dict[str, ir.Table] = field(default_factory=dict, repr=False)
    _last: dict[str, pd.Timestamp | None] = field(default_factory=dict, repr=False)

    # -- buckets -------------------------------------------------------------

    def status(self, name: str, scope: Scope) -> ir.StringValue:
        """The bucket of each row of ``self.staged[name].table`` under ``scope``."""
        t = self.staged[name].table
        cases: list[tuple[ir.BooleanValue, ir.StringValue]] = [
            (t._error.notnull(), ibis.literal(QUARANTINED)),
            (t._dup, ibis.literal(FILTERED_DUPLICATE)),
        ]
        other_unit, outside = self._out_of_scope(name, t, scope)
        cases += [
            (other_unit, ibis.literal(FILTERED_UNIT)),
            (outside, ibis.literal(FILTERED_PERIOD)),
        ]
        return ibis.cases(*cases, else_=ibis.literal(LOADED))

    def _out_of_scope(
        self, name: str, t: ir.Table, scope: Scope
    ) -> tuple[ir.BooleanValue, ir.BooleanValue]:
        """(another unit, outside the window) for the rows of ``t`` (never NULL; the
        window is tested only where the unit is in scope, as in :meth:`status`)."""
        other_unit: ir.BooleanValue = ibis.literal(False)
        if scope.units is not None and "unit" in t.columns:
            allowed = [*scope.units, ALL_UNITS] if name == "targets" else list(scope.units)
            other_unit = (~t.unit.isin(allowed)).fill_null(False)
        outside: ir.BooleanValue = ibis.literal(False)
        date_col = TABLES[name].date_column
        if date_col and scope.start is not None and scope.end is not None:
            d = t[date_col].cast(dt.date)
            outside = ~other_unit & ((d < scope.start) | (d >= scope.end)).fill_null(False)
        return other_unit, outside

    def table(self, name: str, scope: Scope) -> ir.Table:
        """The canonical table: only the loaded rows, engine-side (nothing pulled).

        Not a copy: the staged values (a view over a typed source, or the parsed
        table) without the quarantined and duplicate rows, filtered to the scope."""
        key = (name, scope)
        if key not in self._loaded:
            staged = self.staged[name]
            v = self._view(name)
            other_unit, outside = self._out_of_scope(name, v, scope)
            keep = staged.keep(v)
            conds = [c for c in (keep,) if c is not None]
            if scope.units is not None and "unit" in v.columns:
                conds.append(~other_unit)
            if scope.start is not None and scope.end is not None and TABLES[name].date_column:
                conds.append(~outside)
                if RAW_DATE in v.columns:
                    conds.append(_raw_window(v[RAW_DATE], scope.start, scope.end))
            t = v.filter(*conds) if conds else v
            self._loaded[key] = t.drop(RAW_DATE) if RAW_DATE in t.columns else t
        return self._loaded[key]

    def _view(self, name: str) -> ir.Table:
        """The staged values as a named engine view (created on first use).

        A query that reads a table several times (one read per period) then names the
        view each time instead of repeating its definition, which ibis would factor
        out into a CTE that the engine materialises: every row of the scope written
        to the spill folder and read back per reference (50M order lines: 13 GB)."""
        if name not in self._views:
            staged = self.staged[name]
            self._views[name] = self.con.create_view(
                f"canonical_{name}_{staged.tag}", staged.values, overwrite=True
            )
        return self._views[name]

    def prepare_views(self, names: Iterable[str]) -> None:
        """Create the engine views of these sources now (those staged), before threads
        that share the catalog read them (see :mod:`.parallel`)."""
        for name in sorted(set(names)):
            if name in self.staged:
                self._view(name)

    def has(self, name: str) -> bool:
        return name in self.staged

    def check_unchanged(self) -> None:
        """Raise InputFileError if a source file changed since it was staged (the
        canonical tables of typed files are views that re-read them)."""
        for staged in self.staged.values():
            check_unchanged(staged)

    # -- facts about the data ------------------------------------------------

    def max_event_date(self) -> _dt.date | None:
        """Latest valid event date across responses, orders and tickets."""
        latest = [self.last_event(name) for name in ("responses", "orders", "tickets")]
        dates = [t.date() for t in latest if t is not None]
        return max(dates) if dates else None

    def has_event_between(self, start: _dt.date, end: _dt.date) -> bool:
        """Whether a kept row of responses, orders or tickets is dated in [start, end):
        one row is enough (the window on a date-ordered file's typed dates reads only
        the row groups its statistics place there)."""
        for name in ("responses", "orders", "tickets"):
            if name not in self.staged:
                continue
            staged = self.staged[name]
            col = TABLES[name].date_column
            assert col is not None
            v, col = _event_dates(staged, col)
            lo, hi = pd.Timestamp(start), pd.Timestamp(end)
            inside = staged.kept(v.filter((v[col] >= lo) & (v[col] < hi)))
            if len(inside.select("_row").limit(1).to_pyarrow()):
                return True
        return False

    def last_event(self, name: str) -> pd.Timestamp | None:
        """The latest event time of the rows kept from ``name`` (None: no such source or
        no dated row): where the data of that table ends."""
        if name not in self.staged:
            return None
        if name not in self._last:  # asked by the period checks and the repurchase window
            col = TABLES[name].date_column
            assert col is not None
            value = _max_kept(self.staged[name], col)
            self._last[name] = None if value is None or pd.isna(value) else pd.Timestamp(value)
        return self._last[name]

    # -- reconciliation ------------------------------------------------------

    def reconcile(self, scope: Scope) -> list[FileReconciliation]:
        """Account for every row of every file; raise if any file does not balance."""
        counted = run_parallel(self.con, lambda name: self._reconcile_one(name, scope), self.staged)
        out = [counted[name] for name in self.staged]
        self.check_unchanged()
        broken = [r for r in out if not r.balanced]
        if broken:
            r = broken[0]
            raise ReconciliationError(
                f"{r.source}: {r.read} rows read but {r.loaded} loaded + {r.quarantined} "
                f"quarantined + {r.filtered_total} filtered = "
                f"{r.loaded + r.quarantined + r.filtered_total}; this is a bug, please report it"
            )
        return out

    def _reconcile_one(self, name: str, scope: Scope) -> FileReconciliation:
        """Counted, not derived: quarantined rows per reason (the small error table),
        duplicates that are not quarantined (the small duplicate table), and one pass
        over every other row for loaded / other unit / outside the window. The reader's
        rejected rows are added; the sum must equal the rows the reader saw."""
        staged = self.staged[name]
        reasons = _error_counts(staged)
        quarantined = sum(reasons.values())
        duplicates = 0
        if staged.dups is not None:
            d = staged.dups
            if staged.n_errors:
                d = d.filter(~d._row.isin(staged.errors._row))
            duplicates = int(d.count().execute())
        v = staged.values
        rest = staged.kept(v)
        # row groups wholly inside or outside the window: counted from the statistics
        whole = _whole_row_groups(name, staged, scope)
        loaded, by_unit, by_period = (whole[0], 0, whole[1]) if whole else (0, 0, 0)
        if whole and whole[2]:
            rest = rest.filter(ibis.or_(*[rest._row.between(a, b) for a, b in whole[2]]))
        if whole is None or whole[2]:
            other_unit, outside = self._out_of_scope(name, rest, scope)
            flags = rest.select(_u=other_unit, _p=outside)
            counts = (
                flags.aggregate(
                    loaded_=(~flags._u & ~flags._p).cast(dt.int64).sum(),
                    unit_=flags._u.cast(dt.int64).sum(),
                    period_=flags._p.cast(dt.int64).sum(),
                )
                .to_pyarrow()
                .to_pylist()[0]
            )
            loaded += int(counts["loaded_"] or 0)
            by_unit += int(counts["unit_"] or 0)
            by_period += int(counts["period_"] or 0)
        for issue in staged.raw.rejected:
            reasons[issue.reason] = reasons.get(issue.reason, 0) + 1
        raw = staged.raw
        return FileReconciliation(
            table=name,
            source=raw.source,
            real_format=raw.real_format,
            encoding=raw.encoding,
            sheet=raw.sheet,
            header_row=raw.header_row,
            read=raw.rows_read,
            loaded=loaded,
            quarantined=quarantined + len(raw.rejected),
            filtered={"duplicate": duplicates, "unit": by_unit, "period": by_period},
            quarantine_reasons=dict(sorted(reasons.items())),
            blank_rows=raw.blank_rows,
            warnings=raw.warnings,
        )

    def quarantine(self, limit: int | None = 10_000) -> pd.DataFrame:
        """Quarantined rows: table, file, row, column, value (PII-redacted), reason."""
        frames = []
        for name, staged in self.staged.items():
            t = staged.errors
            q = t.order_by(t._row)
            if limit is not None:
                q = q.limit(limit)
            df = q.select(
                row=t._row, column=t._error_column, value=t._error_value, reason=t._error
            ).execute()
            rejected = pd.DataFrame(
                [(i.row, i.column, i.value, i.reason) for i in staged.raw.rejected],
                columns=["row", "column", "value", "reason"],
            )
            df = (
                pd.concat([d for d in (df, rejected) if len(d)], ignore_index=True)
                if (len(df) or len(rejected))
                else df
            )
            df.insert(0, "file", staged.raw.source)
            df.insert(0, "table", name)
            frames.append(df)
        cols = ["table", "file", "row", "column", "value", "reason"]
        if not frames:
            return pd.DataFrame(columns=cols)
        out = pd.concat(frames, ignore_index=True)[cols]
        out["value"] = pd.Series(
            [None if v is None or pd.isna(v) else safe_display(v) for v in out["value"]],
            index=out.index,
            dtype=object,
        )
        out["row"] = out["row"].astype("int64")
        return out.sort_values(["table", "row"], kind="stable").reset_index(drop=True)


def _raw_window(raw: ir.Value, start: _dt.date, end: _dt.date) -> ir.BooleanValue:
    """The window on the event date as the file types it. Redundant with the window on
    the canonical date (they agree on every row that is not quarantined), but on a
    plain column, so that the engine skips the row groups outside it."""
    if raw.type().is_date():
        return (raw >= start) & (raw < end)
    # the canonical timestamp is the raw one in microseconds, *rounded* from
    # nanoseconds by the engine: 23:59:59.9999997 the day before is the start's
    # midnight; a microsecond early covers it (the canonical window decides)
    lo = _dt.datetime.combine(start, _dt.time()) - _ROUNDING
    hi = _dt.datetime.combine(end, _dt.time())
    return (raw >= lo) & (raw < hi)


#: Within what a raw timestamp and its canonical (microsecond) value may differ.
_ROUNDING = _dt.timedelta(microseconds=1)


def _whole_row_groups(
    name: str, staged: StagedTable, scope: Scope
) -> tuple[int, int, list[tuple[int, int]]] | None:
    """For a typed Parquet source and a window over every unit: the row groups whose
    event-date statistics put them wholly inside the window (their kept rows are
    loaded; a NULL date is never outside) or wholly outside it (filtered), counted
    without reading them. Returns (loaded, outside the window, the spans of ``_row``
    still to count row by row); None when nothing is decided that way.

    Exports are usually in date order, so only the row groups at the window's edges
    are read (the kept rows are the rows minus the few quarantined or repeated)."""
    date_col = TABLES[name].date_column
    raw = staged.raw
    if (
        scope.units is not None
        or scope.start is None
        or scope.end is None
        or date_col is None
        or staged.raw_dates is None
        or raw.parquet_path is None
        or raw.real_format != "parquet"
    ):
        return None
    header = staged.mapping[date_col]
    stats = row_group_ranges(raw.parquet_path, [header])
    sides = [_side(r, scope.start, scope.end) for r in stats.ranges.get(header, ())]
    if not sides or all(side is None for side in sides):
        return None
    starts = np.asarray(stats.starts, dtype=np.int64)
    excluded = np.zeros(len(starts), dtype=np.int64)
    if staged.excluded is not None:
        rows = np.unique(staged.excluded._row.to_pyarrow().to_numpy())
        excluded = np.bincount(
            np.searchsorted(starts, rows - 1, side="right") - 1, minlength=len(starts)
        )
    loaded = outside = 0
    spans: list[tuple[int, int]] = []
    for g, side in enumerate(sides):
        kept = stats.rows[g] - int(excluded[g])
        if side == "in":
            loaded += kept
        elif side == "out":
            outside += kept
        elif spans and spans[-1][1] == stats.starts[g]:  # next to the previous span
            spans[-1] = (spans[-1][0], stats.starts[g] + stats.rows[g])
        else:
            spans.append((stats.starts[g] + 1, stats.starts[g] + stats.rows[g]))
    return loaded, outside, spans


def _side(r: ColumnRange | None, start: _dt.date, end: _dt.date) -> str | None:
    """ "in" or "out" when every date of a row group (its statistics ``r``) is inside
    ``[start, end)`` (or NULL) or outside it; None when undecided."""
    if r is None:
        return None
    if r.low is None:
        return "in"  # only NULL: never outside the window
    # (the canonical value of a nanosecond timestamp may round up to the next day)
    low, high = _day(r.low), _day(r.high, ahead=_ROUNDING)
    if low is None or high is None:
        return None
    if start <= low and high < end:
        return "in"
    if not r.nulls and (high < start or low >= end):
        return "out"
    return None


def _day(x: object, ahead: _dt.timedelta = _dt.timedelta(0)) -> _dt.date | None:
    """The calendar day of a naive date or timestamp statistic (of the timestamp
    ``ahead`` later); None otherwise."""
    if isinstance(x, _dt.datetime):
        if x.tzinfo is not None:
            return None
        try:
            return (x + ahead).date()
        except OverflowError:  # the last representable moment
            return None
    return x if isinstance(x, _dt.date) else None


def _error_counts(staged: StagedTable) -> dict[str, int]:
    if not staged.n_errors:
        return {}
    e = staged.errors
    rows = e.group_by("_error").aggregate(n=e.count()).to_pyarrow().to_pylist()
    return {r["_error"]: int(r["n"]) for r in rows}


#: Up to this many excluded rows, the latest date is found among the top rows by date.
_TOP_K_EXCLUDED = 10_000


def _event_dates(staged: StagedTable, col: str) -> tuple[ir.Table, str]:
    """The table and column of a source's event dates: the file's own typed dates where
    there are (a window on them prunes the row groups), else the canonical ``col``."""
    if staged.raw_dates is not None:
        return staged.raw_dates, "d"
    return staged.values, col


def _max_kept(staged: StagedTable, col: str) -> object:
    """The latest ``col`` among the rows neither quarantined nor duplicate.

    With k excluded rows, one of the k + 1 latest rows is kept, so the first kept one
    among them holds the answer: a top-k scan instead of an anti-join over every row.
    On a typed date column of a file the scan reads little more than the row groups
    whose statistics hold the latest dates. (A kept row's date is its canonical date:
    an implausible date would have been quarantined.)"""
    v, col = _event_dates(staged, col)
    dated = v.filter(v[col].notnull())
    latest = dated[col].max().execute()  # from the statistics, for a typed file column
    if staged.excluded is None or latest is None or pd.isna(latest):
        return latest
    excluded = staged.excluded
    if int(excluded.count().execute()) > _TOP_K_EXCLUDED:
        return dated.filter(staged.keep(dated))[col].max().execute()
    skip = set(excluded._row.to_pyarrow().to_pylist())
    if staged.raw_dates is not None:
        # the rows holding the latest date: the scan skips the row groups before it
        at = dated.filter(dated[col] == latest).select("_row").limit(len(skip) + 1)
        if any(r not in skip for r in at._row.to_pyarrow().to_pylist()):
            return latest
    top = dated.order_by([dated[col].desc(), dated._row]).limit(len(skip) + 1)
    top = top.select("_row", col)
    rows = top.to_pyarrow().to_pylist()
    return next((r[col] for r in rows if r["_row"] not in skip), None)


def _size(config: ReportConfig, source: Source) -> int:
    """Bytes of a source's file (0 for SQL sources and missing files)."""
    try:
        return config.path(source.path).stat().st_size if source.path is not None else 0
    except OSError:
        return 0


#: A column with at least this share of a file's rows quarantined for one reason reads
#: as a setting that does not fit the file (a 1–10 scale declared 1–5, say), not as a
#: few bad rows.
SUSPECT_SHARE = 0.2
_SETTING_FOR = {
    "out_of_range": "its scale's min/max and na_codes",
    "bad_score": "its scale's labels",
    "ambiguous_date": "the source's dates.dayfirst",
    "bad_date": "the source's dates.formats",
    "unknown_unit": "the units' names and aliases",
}


def warn_suspect_columns(recs: Sequence[FileReconciliation], quarantine: pd.DataFrame) -> None:
    """Warn of every column where one reason quarantined a large share of its file's
    rows (:data:`SUSPECT_SHARE`), naming the setting to check: the run is not stopped,
    but a mis-declared scale must not pass as a few bad rows."""
    if quarantine.empty:
        return
    read = {r.source: r.read for r in recs}
    q = quarantine[quarantine.reason.isin(list(_SETTING_FOR))]
    for (file, column, reason), n in q.groupby(["file", "column", "reason"]).size().items():
        total = read.get(file, 0)
        if total and n / total >= SUSPECT_SHARE:
            log.warning(
                "%s: %d of %d rows quarantined as %s in column %r; check %s",
                file,
                n,
                total,
                reason,
                column,
                _SETTING_FOR[reason],
            )


def load_dataset(
    config: ReportConfig,
    con: ibis.BaseBackend | None = None,
    tables: Sequence[str] | None = None,
    known_kpis: Sequence[str] | None = None,
) -> Dataset:
    """Stage every configured source (or only ``tables``) in an engine connection.

    ``known_kpis`` lets targets and benchmarks naming an unknown KPI be quarantined."""
    from reportgen.engine.backend import connect

    con = con if con is not None else connect()
    ds = Dataset(config=config, con=con)
    tag = f"_{uuid.uuid4().hex[:8]}"  # this load's engine tables, apart from any other's
    sources = {n: s for n, s in config.sources.items() if tables is None or n in tables}
    for name, source in sources.items():
        log.info("loading %s from %s", name, source.path or source.sql)

    def stage(name: str) -> StagedTable:
        staged = stage_source(con, name, sources[name], config, tag=tag)
        if name in ("targets", "benchmarks"):
            staged = _check_reference(con, staged, config, known_kpis)
        return staged

    # Sources are independent: two are staged at a time, the largest files first (the
    # other thread works through the smaller ones meanwhile). Same tables, same order;
    # a failure is reported for the first failing source in the config's order.
    largest_first = {n: -_size(config, s) for n, s in sources.items()}
    ds.staged.update(run_parallel(con, stage, sources, first=largest_first.__getitem__))
    missing = [n for n in FACT_TABLES if n not in ds.staged and (tables is None or n in tables)]
    if missing:
        log.info("no source configured for %s; KPIs from those tables are skipped", missing)
    _warn_negative_amounts(ds)
    return ds


def _warn_negative_amounts(ds: Dataset) -> None:
    """Order lines with a negative amount (returns, credit notes) are counted as given;
    a report of sales alone must leave them out of the export. Said once, with the
    count, the lowest amount and the first row; free when the file's statistics (or
    the table) show no negative amount."""
    if not ds.has("orders") or "amount" not in ds.staged["orders"].values.columns:
        return
    staged = ds.staged["orders"]
    v = staged.values
    low = v.amount.min().execute()  # from the statistics, for a typed file column
    if low is None or pd.isna(low) or low >= 0:
        return
    neg = staged.kept(v.filter(v.amount < 0))
    found = neg.aggregate(n=neg.count(), first=neg._row.min(), low=neg.amount.min())
    row = found.to_pyarrow().to_pylist()[0]
    if not row["n"]:
        return
    log.warning(
        "%s: %d order line(s) with a negative amount (the lowest %s, the first at row %d): "
        "counted as given, so they lower revenue, ARPU, average order value and CLV; if "
        "they are returns or credit notes and the report is of sales, leave them out of "
        "the export",
        staged.raw.source,
        row["n"],
        f"{row['low']:g}",
        row["first"],
    )


def _check_reference(
    con: ibis.BaseBackend,
    staged: StagedTable,
    config: ReportConfig,
    known_kpis: Sequence[str] | None,
) -> StagedTable:
    """Targets/benchmarks: canonical period labels, known KPI ids; others quarantined."""
    from reportgen.errors import PeriodError
    from reportgen.periods import parse_period

    t = staged.table
    checks: list[tuple[ir.BooleanValue, str, str, str]] = []  # cond, reason, header, column
    mutations: dict[str, ir.Value] = {}
    if "period" in t.columns and "period" in staged.mapping:
        labels: dict[str, str] = {}
        bad: list[str] = []
        for raw in t.period.execute().dropna().unique().tolist():
            try:
                labels[raw] = parse_period(
                    str(raw), fiscal_year_start_month=config.periods.fiscal_year_start_month
                ).label
            except PeriodError:
                bad.append(raw)
        mutations["period"] = (
            ibis.cases(
                *[(t.period == k, ibis.literal(v)) for k, v in sorted(labels.items())],
                else_=t.period,
            )
            if labels
            else t.period
        )
        if bad:
            checks.append((t.period.isin(bad), "bad_period", staged.mapping["period"], "period"))
    if known_kpis is not None and "kpi" in staged.mapping:
        # KPI ids are matched ignoring case, as unit names are: "CSAT" → csat.
        known = {k.casefold(): k for k in known_kpis}
        spelled = {
            raw: known[raw.casefold()]
            for raw in t.kpi.execute().dropna().unique().tolist()
            if raw not in known_kpis and raw.casefold() in known
        }
        if spelled:
            mutations["kpi"] = ibis.cases(
                *[(t.kpi == k, ibis.literal(v)) for k, v in sorted(spelled.items())],
                else_=t.kpi,
            )
        checks.append(
            (
                t.kpi.notnull() & ~t.kpi.isin([*known_kpis, *spelled]),
                "unknown_kpi",
                staged.mapping["kpi"],
                "kpi",
            )
        )
    if not checks and not mutations:
        return staged
    error = t._error
    column = t._error_column
    value = t._error_value
    for cond, reason, header, col in checks:
        fresh = error.isnull() & cond
        error = ibis.cases((fresh, ibis.literal(reason)), else_=error)
        column = ibis.cases((fresh, ibis.literal(header)), else_=column)
        value = ibis.cases((fresh, t[col].cast(dt.string)), else_=value)
    updated = t.mutate(**mutations, _error=error, _error_column=column, _error_value=value)
    return restage(con, staged, updated)
