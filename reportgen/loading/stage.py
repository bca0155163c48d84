"""Stage one source: read it, map its columns, normalise every value in the engine.

The staged table holds every data row the reader saw, with the canonical typed
columns, its 1-based source row (``_row``), the first problem found (``_error``,
``_error_column``, ``_error_value``) and whether it repeats an earlier key
(``_dup``). Nothing is dropped here: buckets (loaded / quarantined / filtered) are
decided later from these columns, so the counts always add up to what was read.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import logging
import unicodedata
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot as sg
import sqlglot.expressions as sge

from reportgen.canonical import TABLES, Column
from reportgen.config import ReportConfig, Source
from reportgen.errors import InputFileError, MappingError
from reportgen.io import RawTable, read_file, read_sql
from reportgen.io.model import ROW_COLUMN
from reportgen.io.parquet_reader import (
    ColumnRange,
    RowGroupRanges,
    TextScan,
    float_columns_with_nan,
    row_group_ranges,
    scan_texts,
)
from reportgen.loading import normalize as nz
from reportgen.sanitize import redact_pii

log = logging.getLogger(__name__)

#: Spellings of "all units" accepted in the targets table.
ALL_UNITS = "all"
_ALL_SPELLINGS = ("all", "全部", "总体", "集团", "total", "group")


@dataclass(frozen=True)
class StagedTable:
    """A source staged in the engine, with what the reader saw.

    - ``values``: ``_row`` and the canonical columns of every data row read. A view
      over the source when every mapped column is typed or kept as text (a typed
      Parquet file: nothing is copied, each query re-reads the file as direct SQL
      would), else a materialised table (text to parse: parsed once). In a view, a
      column the check proved unchanged by its parser (clean identifiers; typed dates,
      timestamps and numbers) is the file's value as it is: canonical on every row that
      is kept; a quarantined row may show the raw value there.
    - ``errors``: the quarantined rows (``_row``, ``_error``, ``_error_column``,
      ``_error_value``): small.
    - ``dups``: ``_row`` of the valid rows that repeat an earlier row's key, or None.
    - ``excluded``: ``_row`` of errors and duplicates together, or None when both are
      empty; the loaded rows are the others (within the scope).
    """

    name: str
    values: ir.Table
    errors: ir.Table
    raw: RawTable
    mapping: dict[str, str]  # canonical column -> source header
    dups: ir.Table | None = None
    excluded: ir.Table | None = None
    n_errors: int = 0
    n_dups: int = 0
    tag: str = ""  # suffix of this load's engine table names
    #: ``_row`` and ``d``, the event date column as the source types it, when that is a
    #: date or timestamp (without time zone) and ``values`` a view: its latest values
    #: are found from the file's statistics (see loading.Dataset.max_event_date), and
    #: ``values`` then also holds it (RAW_DATE) for windows that skip row groups
    raw_dates: ir.Table | None = None
    #: (path, size, mtime) of the file ``values`` reads, when it is a view over a file
    fingerprint: tuple[str, int, int] | None = None

    @property
    def table(self) -> ir.Table:
        """Every staged row with its canonical columns, ``_error``, ``_error_column``,
        ``_error_value`` and ``_dup`` (repeats an earlier key)."""
        v = self.values.drop(RAW_DATE) if RAW_DATE in self.values.columns else self.values
        if self.n_errors:
            e = self.errors.rename(_erow="_row")
            t = v.left_join(e, v._row == e._erow).drop("_erow")
        else:
            none = ibis.null(dt.string)
            t = v.mutate(_error=none, _error_column=none, _error_value=none)
        dup = t._row.isin(self.dups._row) if self.dups is not None else ibis.literal(False)
        return t.mutate(_dup=dup)

    def keep(self, t: ir.Table) -> ir.BooleanValue | None:
        """Not quarantined and not a duplicate (None: every row qualifies)."""
        return None if self.excluded is None else ~t._row.isin(self.excluded._row)

    def kept(self, t: ir.Table) -> ir.Table:
        """The rows of ``t`` that are kept (see :meth:`keep`)."""
        keep = self.keep(t)
        return t if keep is None else t.filter(keep)


def read_raw(name: str, source: Source, config: ReportConfig) -> RawTable:
    """Read a source with the safe readers of :mod:`reportgen.io`."""
    expected = tuple(source.columns.values()) or TABLES[name].column_names
    if source.sql is not None:
        url = source.sql.url
        if url.startswith("duckdb:///") or url.startswith("sqlite:///"):
            scheme, _, rest = url.partition(":///")
            url = f"{scheme}:///{config.path(Path(rest))}"
        return read_sql(url, table=source.sql.table, query=source.sql.query)
    assert source.path is not None
    return read_file(
        config.path(source.path),
        format=source.format,
        encoding=source.encoding,
        sheet=source.sheet,
        header_row=source.header_row,
        expected_columns=expected,
        delimiter=source.delimiter,
    )


def resolve_mapping(
    name: str, raw: RawTable, source: Source, columns: tuple[Column, ...]
) -> dict[str, str]:
    """canonical column → source header, from the config or by identical name.

    Raises MappingError naming the file, the config key and the headers found.
    """
    headers = list(raw.columns)
    folded = {h.strip().casefold(): h for h in headers}
    mapping: dict[str, str] = {}
    for col in columns:
        declared = source.columns.get(col.name)
        if declared is not None:
            if declared not in headers:
                match = folded.get(declared.strip().casefold())
                if match is None:
                    close = difflib.get_close_matches(declared, headers, n=1)
                    hint = f" Did you mean {close[0]!r}?" if close else ""
                    raise MappingError(
                        f"{raw.source}: sources.{name}.columns.{col.name} = {declared!r} is not a "
                        f"column of the file; its columns are {headers}.{hint}"
                    )
                declared = match
            mapping[col.name] = declared
        elif col.name.casefold() in folded:
            mapping[col.name] = folded[col.name.casefold()]
        elif col.required:
            raise MappingError(
                f"{raw.source}: required column {col.name!r} of table {name!r} not found; "
                f"map it with sources.{name}.columns.{col.name}: <header>. "
                f"The file's columns are {headers}"
            )
    dup = sorted(h for h in mapping.values() if h in raw.duplicate_columns)
    if dup:
        raise MappingError(
            f"{raw.source}: column(s) {dup} appear more than once in the header; "
            "rename them in the file or map a unique column"
        )
    return mapping


#: What each kind of canonical column can be read from, besides text (a typed source:
#: Parquet, a database). Numbers may be Excel serial dates; ids and categories are
#: written as text. Anything else (a timestamp as a score, a boolean as a date, a
#: list or binary column) is a mapping slip, not data to guess at.
_TYPED_KINDS: dict[str, tuple[str, ...]] = {
    "id": ("integer", "floating", "decimal", "boolean", "date", "timestamp", "uuid"),
    "category": ("integer", "floating", "decimal", "boolean", "date", "timestamp", "uuid"),
    "text": ("integer", "floating", "decimal", "boolean", "date", "timestamp", "uuid"),
    "unit": ("integer", "floating", "decimal"),
    "score": ("integer", "floating", "decimal"),
    "number": ("integer", "floating", "decimal"),
    "integer": ("integer", "floating", "decimal"),
    "bool": ("boolean", "integer", "floating", "decimal"),
    "date": ("date", "timestamp", "integer", "floating", "decimal"),
    "datetime": ("date", "timestamp", "integer", "floating", "decimal"),
}

_EXPECTED: dict[str, str] = {
    "id": "text or numbers",
    "category": "text or numbers",
    "text": "text",
    "unit": "text (unit names)",
    "score": "numbers or text",
    "number": "numbers or text",
    "integer": "whole numbers or text",
    "bool": "booleans, 0/1 or text",
    "date": "dates, timestamps, Excel serial numbers or text",
    "datetime": "timestamps, dates, Excel serial numbers or text",
}


def _check_type(
    name: str, source: Source, raw: RawTable, col: Column, header: str, typ: dt.DataType
) -> None:
    """A typed source column must fit its canonical column's kind (MappingError)."""
    if typ.is_string():
        return
    fits = {
        "integer": typ.is_integer(),
        "floating": typ.is_floating(),
        "decimal": typ.is_decimal(),
        "boolean": typ.is_boolean(),
        "date": typ.is_date(),
        "timestamp": typ.is_timestamp(),
        "uuid": typ.is_uuid(),
    }
    if any(fits[k] for k in _TYPED_KINDS[col.kind]):
        return
    key = f"sources.{name}.columns.{col.name}"
    mapped = f"{key} = {header!r}" if col.name in source.columns else f"column {header!r}"
    raise MappingError(
        f"{raw.source}: {mapped} holds {typ} values, but {name}.{col.name} needs "
        f"{_EXPECTED[col.kind]}; map another column with {key}"
    )


def _columns_for(name: str, config: ReportConfig) -> tuple[Column, ...]:
    table = TABLES[name]
    cols = list(table.columns)
    if name == "responses":
        known = set(table.column_names)
        cols += [Column(a, "score") for a in config.attribute_ids if a not in known]
    return tuple(cols)


def _raw_table(con: ibis.BaseBackend, name: str, raw: RawTable) -> ir.Table:
    if raw.parquet_path is not None:
        # a large text file spilled to Parquet by the reader carries the source row
        # number (after the header, blank and rejected lines); a Parquet file's row
        # is its 1-based position
        schema = pq.read_schema(raw.parquet_path)
        columns = tuple(schema.names)
        spilled = raw.real_format != "parquet" and ROW_COLUMN in columns
        empty = tuple(f.name for f in schema if pa.types.is_null(f.type))
        return _parquet_view(
            con, f"raw_{name}", raw.parquet_path, numbered=not spilled, columns=columns,
            empty=empty,
        )  # fmt: skip
    assert raw.data is not None
    return con.create_table(f"raw_{name}", _typed_empty_columns(raw.data), overwrite=True)


def _typed_empty_columns(data: pa.Table) -> pa.Table:
    """Columns without a type (every value NULL: an unused database column, a query's
    ``NULL AS x``, a pandas column of None) as empty text, which every parser reads
    as missing; the engine has no table column of the NULL type."""
    for i, field in enumerate(data.schema):
        if pa.types.is_null(field.type):
            data = data.set_column(i, field.name, pa.nulls(data.num_rows, pa.string()))
    return data


def _parquet_view(
    con: ibis.BaseBackend,
    name: str,
    path: Path,
    numbered: bool,
    columns: tuple[str, ...],
    empty: tuple[str, ...] = (),
) -> ir.Table:
    """A view over the Parquet file (whose columns are ``columns``); ``numbered``: with
    ``_row``, the 1-based position from DuckDB's ``file_row_number`` (in place of a
    column of that name). The ``empty`` columns (Parquet's NULL type: no value at all)
    are text, as in :func:`_typed_empty_columns`.

    ``_row`` is defined in the view itself: a filter on it then reaches the scan,
    which skips the row groups outside (not so for an expression over the view).
    A regular view, not ibis' ``read_parquet`` (a temporary one): sources are staged on
    worker threads' own cursors (see :mod:`reportgen.loading.parallel`), and a
    temporary view would be seen by that cursor only and end with it."""
    quoted = sg.to_identifier(name, quoted=True).sql("duckdb")
    source = sg.func(
        "read_parquet",
        sge.convert(str(path)),
        sge.EQ(this=sg.column("file_row_number"), expression=sge.true()),
    ).sql("duckdb")
    hidden = ["file_row_number"]
    if numbered and ROW_COLUMN in columns:
        hidden.append(ROW_COLUMN)  # a source column of that name
    exclude = ", ".join(sg.to_identifier(c, quoted=True).sql("duckdb") for c in hidden)
    row = f", CAST(file_row_number + 1 AS BIGINT) AS {ROW_COLUMN}" if numbered else ""
    typed = ", ".join(
        f"CAST({q} AS VARCHAR) AS {q}"
        for q in (sg.to_identifier(c, quoted=True).sql("duckdb") for c in empty)
    )
    replace_ = f" REPLACE ({typed})" if typed else ""
    select = f"SELECT * EXCLUDE ({exclude}){replace_}{row} FROM {source}"
    con.raw_sql(f"CREATE OR REPLACE VIEW {quoted} AS {select}")
    return con.table(name)


def _nan_columns(raw: RawTable, floats: list[str]) -> set[str]:
    """Which of the float columns may hold NaN. A Parquet file is asked once (DuckDB's
    ``isnan`` cannot be trusted on its values, see :func:`normalize.is_nan`); any other
    float column is assumed to."""
    if floats and raw.parquet_path is not None and raw.real_format == "parquet":
        return float_columns_with_nan(raw.parquet_path, floats)
    return set(floats)


def _with_nan(
    plans: list[_Plan],
    nan: set[str],
    name: str,
    source: Source,
    config: ReportConfig,
    raw: RawTable,
    zones: dict[str, str],
) -> list[_Plan]:
    """The plans of float columns that hold no NaN, without the NaN test (``zones``:
    see :func:`_zones`)."""
    out = []
    for p in plans:
        if p.float_column and p.header not in nan:
            parser = _parser(p.col, name, source, config, raw, False, zones.get(p.header))
            missing = partial(_missing, na_values=source.na_values, nan_possible=False)
            p = replace(p, parser=parser, missing=missing)
        out.append(p)
    return out


def _zones(raw: RawTable) -> dict[str, str]:
    """header → the time zone a Parquet file's timestamp column names (UTC and
    zone-less columns left out), from the file's schema, read once per source."""
    if raw.parquet_path is None or raw.real_format != "parquet":
        return {}
    schema = pq.read_schema(raw.parquet_path)
    return {
        f.name: f.type.tz
        for f in schema
        if schema.names.count(f.name) == 1
        and pa.types.is_timestamp(f.type)
        and f.type.tz not in (None, "UTC", "Etc/UTC", "+00:00", "Z")
    }


def _plausible(config: ReportConfig) -> tuple[_dt.date, _dt.date]:
    p = config.periods
    return _dt.date.fromisoformat(p.plausible_from), _dt.date.fromisoformat(p.plausible_to)


def _unit_key(text: str) -> str:
    """A unit as the data spell it, as :meth:`ReportConfig.unit_spellings` keys it."""
    return unicodedata.normalize("NFKC", text).strip().lower()


def _unit_spellings(name: str, config: ReportConfig) -> dict[str, str]:
    spellings = config.unit_spellings()
    if name == "targets":
        spellings = {**spellings, **{s: ALL_UNITS for s in _ALL_SPELLINGS}}
    return spellings


def _parser(
    col: Column,
    name: str,
    source: Source,
    config: ReportConfig,
    raw: RawTable,
    nan_possible: bool = True,
    zone: str | None = None,
) -> nz.Parser:
    match col.kind:
        case "id" | "category":
            return nz.id_parser()
        case "text":
            return nz.text_parser()
        case "unit":
            return nz.unit_parser(_unit_spellings(name, config))
        case "number":
            return nz.number_parser(source.decimal, percent=col.percent)
        case "integer":
            return nz.integer_parser(source.decimal)
        case "bool":
            return nz.bool_parser(source.true_values, source.false_values)
        case "score":
            scale = config.scale_for(name, col.name)
            return nz.score_parser(scale, nan_possible=nan_possible, decimal=source.decimal)
        case "date" | "datetime":
            return nz.timestamp_parser(
                source.dates,
                plausible=_plausible(config),
                excel_epoch=raw.excel_epoch,
                nan_possible=nan_possible,
                zone=zone,
            )
    raise AssertionError(col.kind)


#: Text-like kinds whose parser keeps the text (trimmed): no parsing to speak of.
_TEXT_KINDS = ("id", "category", "text")


@dataclass(frozen=True)
class _Plan:
    """How one mapped source column is read: its parser, the missing-value test, and
    whether re-evaluating the parser on every query is cheap (no text parsing)."""

    col: Column
    header: str
    parser: nz.Parser
    #: (raw column, its needs_care() or None) -> "missing" flag
    missing: Callable[[ir.Value, ir.BooleanValue | None], ir.BooleanValue]
    cheap: bool
    care: bool  # compute needs_care() (a text column of an id/category/text kind)
    float_column: bool = False
    #: a key column found to hold nothing to trim and no missing-value spelling (see
    #: _key_pass): read as it is, only NULL is missing
    clean: bool = False
    null_free: bool = False  # ... and no NULL either: nothing to check on it
    #: the rows where this column's check may fail: None anywhere (not known); ()
    #: nowhere, proven from the data's statistics or distinct values (the column is
    #: not checked); (first, last) the span of ``_row`` numbers outside which it
    #: cannot fail (Parquet row groups whose statistics prove it clean)
    suspect: tuple[int, int] | tuple[()] | None = None


def _plans(
    con: ibis.BaseBackend,
    t: ir.Table,
    name: str,
    source: Source,
    config: ReportConfig,
    raw: RawTable,
    used: list[tuple[Column, str]],
    nan: set[str],
    zones: dict[str, str],
) -> list[_Plan]:
    """``nan``: the float columns that may hold NaN; ``zones``: see :func:`_zones`."""
    plans = []
    for col, h in used:
        x = t[h]
        text = x.type().is_string()
        parser = _parser(col, name, source, config, raw, h in nan, zones.get(h))
        care = text and col.kind in _TEXT_KINDS
        missing = partial(_missing, na_values=source.na_values, nan_possible=h in nan)
        cheap = not text or col.kind in _TEXT_KINDS
        if col.kind == "unit" and text:
            # the few distinct raw values, looked up once: the per-row work is a CASE
            # on the raw value (mapped, missing, or unknown)
            d = t.select(v=x).distinct()
            d = d.mutate(s=d.v.strip()).to_pyarrow()
            if d.num_rows <= 1000:
                values = d.column("v").to_pylist()
                # looked up as the config's spellings are, and with full-width letters
                # and the ideographic space folded (ＨＯＴＥＬ, "Hotel\u3000")
                present = [(v, None if v is None else _unit_key(v)) for v in values]
                na = {v.strip() for v in source.na_values} | {""}
                blank = [v for v, s in zip(values, d.column("s").to_pylist(), strict=True)
                         if v is not None and s in na]  # fmt: skip
                spellings = _unit_spellings(name, config)
                parser = nz.unit_parser(spellings, present=present)
                missing = partial(_missing_among, blank=blank)
                cheap = True
                # every value present names a unit (or is NULL, where it may be)
                known = all(
                    (k is None and not col.required) or (v not in blank and k in spellings)
                    for v, k in present
                )
                suspect = () if known else None
                plan = _Plan(col, h, parser, missing, cheap, care, suspect=suspect)
                plans.append(plan)
                continue
        plans.append(_Plan(col, h, parser, missing, cheap, care, x.type().is_floating()))
    return plans


def _proven_by_statistics(
    plans: list[_Plan], t: ir.Table, path: Path, nan_columns: set[str]
) -> list[_Plan]:
    """Narrow each typed column's check (number, date, timestamp, boolean) to the row
    groups of the Parquet file whose footer statistics do not prove it clean: where
    the parser accepts every value from the group's min to its max, and a required
    column has no NULL there, no row can fail. A float column holding NaN anywhere
    (looked for in the file) is not proven.
    The check pass then reads only the columns, and the rows, that may fail."""
    typed = [
        p.header
        for p in plans
        if p.parser.accepts is not None and p.suspect is None and not t[p.header].type().is_string()
    ]
    if not typed:
        return plans
    stats = row_group_ranges(path, typed)
    out = []
    for p in plans:
        if p.header in typed and p.header in stats.ranges:
            bad = [
                g
                for g, r in enumerate(stats.ranges[p.header])
                if not _proves(p, r, p.header in nan_columns)
            ]
            suspect = () if not bad else (_first_row(stats, bad[0]), _last_row(stats, bad[-1]))
            p = replace(p, suspect=suspect)
        out.append(p)
    return out


def _proves(plan: _Plan, r: ColumnRange | None, nan: bool) -> bool:
    """Whether a row group's statistics ``r`` prove that no value fails ``plan``."""
    if r is None or nan:
        return False  # (NaN is not in the statistics: its column is checked row by row)
    if plan.col.required and r.nulls:
        return False  # a missing value there is an error
    if r.low is None:  # only NULL
        return True
    assert plan.parser.accepts is not None
    try:
        return plan.parser.accepts(r.low, r.high)
    except TypeError:  # a bound that does not compare with the parser's
        return False


def _first_row(stats: RowGroupRanges, group: int) -> int:
    return stats.starts[group] + 1  # _row is 1-based


def _last_row(stats: RowGroupRanges, group: int) -> int:
    return stats.starts[group] + stats.rows[group]


def _missing(
    x: ir.Value, care: ir.BooleanValue | None, *, na_values: tuple[str, ...], nan_possible: bool
) -> ir.BooleanValue:
    return nz.is_missing(x, na_values, nan_possible=nan_possible, care=care)


def _missing_among(x: ir.Value, care: ir.BooleanValue | None, *, blank: list) -> ir.BooleanValue:
    return nz.is_missing_value(x, blank)


def stage_source(
    con: ibis.BaseBackend,
    name: str,
    source: Source,
    config: ReportConfig,
    tag: str = "",
    typed_view: bool = True,
) -> StagedTable:
    """Read, map and normalise one source; find its quarantined and duplicate rows.

    ``tag`` makes this load's engine table names unique on a shared connection.
    ``typed_view=False`` materialises the canonical columns of a typed source too
    (the same buckets and values; for comparison)."""
    raw = read_raw(name, source, config)
    for warning in raw.warnings:
        log.warning("%s", warning)
    columns = _columns_for(name, config)
    mapping = resolve_mapping(name, raw, source, columns)
    suffix = f"{name}{tag}"
    t = _raw_table(con, suffix, raw)
    used = [(col, mapping[col.name]) for col in columns if col.name in mapping]
    for col, h in used:
        _check_type(name, source, raw, col, h, t[h].type())
    floats = list(dict.fromkeys(h for _, h in used if t[h].type().is_floating()))
    zones = _zones(raw)
    key = TABLES[name].key
    with ThreadPoolExecutor(max_workers=2) as pool:
        # the NaN look-up and the identifier scan read the file on Python threads while
        # the engine looks up the unit values
        nan = pool.submit(_nan_columns, raw, floats)
        texts = pool.submit(_scan_ids, raw, t, used, key, source.na_values) if typed_view else None
        plans = _plans(con, t, name, source, config, raw, used, set(floats), zones)
        full = _staged_projection(t, name, columns, mapping, plans, source.na_values)
        cheap = typed_view and all(p.cheap for p in plans)
        keyed = cheap and bool(key) and all(k in mapping for k in key)
        scan = texts.result() if texts is not None else None
        found = None
        if keyed and scan is not None:
            found = _scanned_key(con, suffix, scan, key, mapping[key[0]])
        if keyed and found is None:
            found = _key_pass(con, suffix, full, plans, key, source.na_values)
        if cheap and scan is not None:
            plans = _clean_ids(plans, scan, key)
        nan_columns = nan.result()
        plans = _with_nan(plans, nan_columns, name, source, config, raw, zones)
        if cheap and raw.parquet_path is not None and raw.real_format == "parquet":
            plans = _proven_by_statistics(plans, t, raw.parquet_path, nan_columns)
    full = _staged_projection(t, name, columns, mapping, plans, source.na_values)
    canonical = ["_row", *(c.name for c in columns)]
    if source.dates.dayfirst is None:
        _warn_mixed_day_month(raw, t, used)
    if not cheap:
        # Text to parse: parse every value once into a table.
        staged = con.create_table(
            f"staged_{suffix}", full.select(*canonical, *_ERROR_COLUMNS), overwrite=True
        )
        errors = con.create_table(
            f"errors_{suffix}",
            staged.filter(staged._error.notnull()).select("_row", *_ERROR_COLUMNS),
            overwrite=True,
        )
        values = staged.select(*canonical)
        n_errors = int(errors.count().execute())
        dups = _find_duplicates(con, suffix, values, errors if n_errors else None, key)
        if dups is not None:
            _warn_conflicting_duplicates(con, suffix, values, key, raw.source)
        return _assemble(con, name, suffix, values, errors, n_errors, dups, raw, mapping)

    # No text to parse (a typed source): the canonical columns stay a view over the
    # source. Stored are only the keys that repeat and the rows with an error.
    repeated = None
    if found is not None:  # the key texts are clean: at most NULL to check on them
        repeated, with_null = found
        plans = [
            replace(p, clean=True, care=False, null_free=p.col.name not in with_null)
            if p.col.name in key and p.care
            else p
            for p in plans
        ]
        full = _staged_projection(t, name, columns, mapping, plans, source.na_values)
    # Identifiers the KPIs use (required ones) are read as they are where no value
    # needs trimming; the check rides along with the errors (``_a<i>``).
    facts = [
        f"_a{i}"
        for i, p in enumerate(plans)
        if p.care and p.col.kind == "id" and p.col.required and not p.clean
    ]
    interesting = full.filter(ibis.or_(full._fails, *[full[a] for a in facts]))
    checked = con.create_table(
        f"checked_{suffix}",
        interesting.select("_row", *_ERROR_COLUMNS, *facts),
        overwrite=True,
    )
    errors = checked.filter(checked._error.notnull()).select("_row", *_ERROR_COLUMNS)
    changed = _changed_by_canonicalising(checked, facts)
    identity = {
        p.col.name: full[f"_s{i}"]
        for i, p in enumerate(plans)
        if p.clean or (f"_a{i}" in facts and f"_a{i}" not in changed)
    }
    # Typed dates, timestamps and numbers: on a row that is kept the canonical value is
    # the file's value as the parser casts it (the parser turns a value into NULL only
    # together with an error, but for NaN in an optional float column), so the queries
    # over the view skip the parser's CASEs.
    identity |= {
        p.col.name: full[f"_s{i}"].cast(full[p.col.name].type())
        for i, p in enumerate(plans)
        if p.col.name not in identity and _same_when_kept(p, full[f"_s{i}"].type(), nan_columns)
    }
    date_col = TABLES[name].date_column
    raw_date = t[mapping[date_col]] if date_col in mapping else None
    if raw_date is not None and not _naive_temporal(raw_date.type()):
        raw_date = None
    values = full.select(
        *[identity[c].name(c) if c in identity else full[c] for c in canonical],
        # the event date as the file types it: a window on it prunes row groups
        **({RAW_DATE: full[f"_s{plans_index(plans, date_col)}"]} if raw_date is not None else {}),
    )
    n_errors = int(errors.count().execute())
    if repeated is None:
        dups = _find_duplicates(con, suffix, values, errors if n_errors else None, key)
    else:
        if len(key) > 1:  # the repeated first key values: which whole keys repeat there
            repeated = _repeated_keys(con, suffix, values, key, repeated)
        dups = _window_duplicates(con, suffix, values, errors if n_errors else None, key, repeated)
    staged = _assemble(con, name, suffix, values, errors, n_errors, dups, raw, mapping)
    if raw_date is not None:
        # nanoseconds as the parser rounds them to the canonical microseconds
        # (23:59:59.9999997 is the next day's midnight): the latest date is the
        # canonical one; other typings are their canonical value as they are
        if raw_date.type().is_timestamp() and (raw_date.type().scale or 6) > 6:
            raw_date = raw_date.cast(dt.timestamp)
        staged = replace(staged, raw_dates=t.select("_row", d=raw_date))
    if raw.parquet_path is not None:
        staged = replace(staged, fingerprint=_fingerprint(raw.parquet_path))
    return staged


def _warn_mixed_day_month(raw: RawTable, t: ir.Table, used: list[tuple[Column, str]]) -> None:
    """A text date column with values that can only be day-first and others that can
    only be month-first mixes the conventions: a warning naming a row of each (the
    source's ``dates.dayfirst`` decides; a value then impossible is quarantined)."""
    for col, h in used:
        if col.kind not in ("date", "datetime") or not t[h].type().is_string():
            continue
        day_first, month_first = nz.day_month_readings(t[h])
        row = t["_row"]
        found = (
            t.aggregate(
                d=ibis.cases((day_first, row)).min(), m=ibis.cases((month_first, row)).min()
            )
            .to_pyarrow()
            .to_pylist()[0]
        )
        if found["d"] is not None and found["m"] is not None:
            log.warning(
                "%s: column %r holds dates that can only be day-first (row %d) and others "
                "that can only be month-first (row %d): set the source's dates.dayfirst to "
                "read them one way; the values that do not fit it are then quarantined",
                raw.source,
                h,
                found["d"],
                found["m"],
            )


def _scan_ids(
    raw: RawTable,
    t: ir.Table,
    used: list[tuple[Column, str]],
    key: tuple[str, ...],
    na_values: tuple[str, ...],
) -> TextScan | None:
    """pyarrow's pass over the text identifiers of a Parquet file (see
    :func:`~reportgen.io.parquet_reader.scan_texts`): the required ones, and the key's
    first column when it is text (see :func:`_scanned_key`). None for any other source."""
    if raw.parquet_path is None or raw.real_format != "parquet":
        return None
    ids = [
        (col, h)
        for col, h in used
        if col.kind == "id" and t[h].type().is_string() and (col.required or col.name in key)
    ]
    key_header = next((h for col, h in ids if key and col.name == key[0]), None)
    others = [h for col, h in ids if col.required and h != key_header]
    if not others and key_header is None:
        return None
    return scan_texts(raw.parquet_path, others, nz.care_length(na_values), key_header)


def _scanned_key(
    con: ibis.BaseBackend, suffix: str, scan: TextScan, key: tuple[str, ...], header: str
) -> tuple[ir.Table, set[str]] | None:
    """The key pass's result from the identifier scan, when that proved the texts of the
    key's (first) column clean (nothing to trim, no missing-value spelling) and in
    ascending file order; equal neighbours are then its only repeated values. None
    otherwise (the engine's key pass runs).

    A key of several columns (the CRM's customer and unit) gets the repeated values of
    its first column: a whole key can repeat only where its first value does, and
    :func:`_repeated_keys` looks there alone."""
    if not scan.ordered or not key or header not in scan.columns or header in scan.care:
        return None
    name = key[0]
    with_null = {name} if header in scan.nulls else set()
    repeated = pa.table({name: pa.array(scan.repeated, type=pa.string())})
    return con.create_table(f"keys_{suffix}", repeated, overwrite=True), with_null


def _repeated_keys(
    con: ibis.BaseBackend, suffix: str, values: ir.Table, key: tuple[str, ...], first: ir.Table
) -> ir.Table:
    """The whole keys that occur more than once, among the rows whose first key value is
    one of the repeated ones in ``first`` (see :func:`_scanned_key`)."""
    rows = values.filter(values[key[0]].isin(first[key[0]]))
    groups = rows.group_by(list(key)).aggregate(_n=ibis._.count())
    return con.create_table(
        f"dupkeys_{suffix}", groups.filter(groups._n > 1).select(*key), overwrite=True
    )


def _clean_ids(plans: list[_Plan], scan: TextScan, key: tuple[str, ...]) -> list[_Plan]:
    """Required identifiers the scan found clean (no value needs trimming or is a
    missing-value spelling) are read as they are; only NULL is missing, and only where
    the scan found one. As a key proven clean (see :func:`_key_pass`)."""
    out = []
    for p in plans:
        scanned = p.header in scan.columns and p.header not in scan.care
        if scanned and p.care and p.col.required and p.col.name not in key:
            p = replace(p, clean=True, care=False, null_free=p.header not in scan.nulls)
        out.append(p)
    return out


def _same_when_kept(plan: _Plan, raw: dt.DataType, nan_columns: set[str]) -> bool:
    """Whether the parser's value of a kept (not quarantined) row is its raw value cast:
    a typed date or timestamp (:func:`normalize.timestamp_parser`: NULL only when
    implausible, an error), a typed number without NaN or required
    (:func:`normalize.number_parser`: NULL when missing or not finite; NaN is missing)."""
    kind = plan.col.kind
    if kind in ("date", "datetime"):
        # (an instant with a zone is the parser's wall-clock time in that zone)
        return raw.is_date() or (raw.is_timestamp() and raw.timezone is None)
    if kind == "number" and raw.is_numeric():
        return not raw.is_floating() or plan.col.required or plan.header not in nan_columns
    return False


def _fingerprint(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return (str(path), st.st_size, st.st_mtime_ns)


def check_unchanged(staged: StagedTable) -> None:
    """Raise if the file a staged view reads was replaced or changed since it was staged:
    every query reads it again, so the numbers of one run would mix two versions."""
    if staged.fingerprint is None:
        return
    path = Path(staged.fingerprint[0])
    now = _fingerprint(path) if path.exists() else None
    if now != staged.fingerprint:
        raise InputFileError(
            f"{staged.raw.source} changed while the report was computed; run it again "
            "when the file is complete"
        )


#: Hidden column of a staged view: the event date as the source types it.
RAW_DATE = "_date_raw"


def plans_index(plans: list[_Plan], column: str) -> int:
    return next(i for i, p in enumerate(plans) if p.col.name == column)


def _naive_temporal(t: dt.DataType) -> bool:
    return t.is_date() or (t.is_timestamp() and t.timezone is None)


def _key_pass(
    con: ibis.BaseBackend,
    suffix: str,
    full: ir.Table,
    plans: list[_Plan],
    key: tuple[str, ...],
    na_values: tuple[str, ...],
) -> tuple[ir.Table, set[str]] | None:
    """One hash aggregate over the raw key text: the keys that occur more than once
    (usually none), the key columns holding NULL, and whether any key text needs
    trimming or is a missing-value spelling. None in that last case; else the repeated
    keys (the text is then the canonical key) and the key columns with a NULL (the
    only missing value left to look for, row by row).

    Reading the key text here only, instead of in the check of every row as well,
    saves a pass over the widest column (identifiers) of the largest tables."""
    index = {p.col.name: i for i, p in enumerate(plans)}
    texts = [k for k in key if plans[index[k]].care]
    if not texts:
        return None
    if len(key) == 1:
        ordered = _ordered_key_pass(con, suffix, full, f"_s{index[key[0]]}", key[0], na_values)
        if ordered is not None:
            return ordered
    cols = {k: full[f"_s{index[k]}"] if k in texts else full[k] for k in key}
    groups = full.select(**cols).group_by(list(key)).aggregate(_n=ibis._.count())
    unclean = ibis.or_(*[nz.read_differently(groups[k], na_values) for k in texts])
    null = ibis.or_(*[groups[k].isnull() for k in texts])
    found = con.create_table(
        f"keys_{suffix}",
        groups.filter((groups._n > 1) | unclean | null).mutate(_unclean=unclean),
        overwrite=True,
    )
    if int(found.filter(found._unclean).count().execute()):
        return None
    flags = found.aggregate(**{k: found[k].isnull().any() for k in texts})
    with_null = {k for k, v in flags.to_pyarrow().to_pylist()[0].items() if v}
    return found.filter(found._n > 1).select(*key), with_null


def _ordered_key_pass(
    con: ibis.BaseBackend,
    suffix: str,
    full: ir.Table,
    text: str,
    key: str,
    na_values: tuple[str, ...],
) -> tuple[ir.Table, set[str]] | None:
    """The key pass of a key column whose texts are in ascending order in the file (as
    exports sorted by id are): each key compared with the previous non-NULL one in
    file order, a streaming scan instead of a hash table of every key (≈ 4× less
    CPU). Equal neighbours are then the only repeats.

    The previous row is taken by ``LAG`` over the scan's own order; the same pass
    checks that this order is the file's (every row's ``_row`` above the previous
    one, one start), so a different order can only make the proof fail. None when
    it fails (keys out of order, or the scan's order not provable): the caller
    falls back to the hash aggregate. The result is as for :func:`_key_pass`."""
    t = full.select(_k=full[text], _row=full._row)
    nonnull = t.filter(t._k.notnull())
    w = ibis.window()
    pairs = nonnull.select(
        _k=nonnull._k,
        _row=nonnull._row,
        _prev=nonnull._k.lag().over(w),
        _prev_row=nonnull._row.lag().over(w),
    )
    row = (
        pairs.aggregate(
            n=pairs.count(),
            starts=pairs._prev_row.isnull().cast(dt.int64).sum(),
            back=(pairs._prev_row >= pairs._row).cast(dt.int64).sum(),
            down=(pairs._prev > pairs._k).cast(dt.int64).sum(),
            equal=(pairs._prev == pairs._k).cast(dt.int64).sum(),
            care=nz.read_differently(pairs._k, na_values).cast(dt.int64).sum(),
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    n = int(row["n"])
    counts = {k: int(row[k] or 0) for k in ("starts", "back", "down", "equal", "care")}
    if counts["care"]:
        return None  # texts to trim or missing spellings: the general path
    if n and (counts["starts"] != 1 or counts["back"] or counts["down"]):
        return None  # not provably in ascending order
    with_null = {key} if int(t.count().execute()) > n else set()
    name = f"keys_{suffix}"
    if not counts["equal"]:
        schema = ibis.schema({key: dt.string})
        return con.create_table(name, schema=schema, overwrite=True), with_null
    repeated = pairs.filter(pairs._prev == pairs._k).select(**{key: pairs._k}).distinct()
    return con.create_table(name, repeated, overwrite=True), with_null


_ERROR_COLUMNS = ("_error", "_error_column", "_error_value")


def _assemble(
    con: ibis.BaseBackend,
    name: str,
    suffix: str,
    values: ir.Table,
    errors: ir.Table,
    n_errors: int,
    dups: ir.Table | None,
    raw: RawTable,
    mapping: dict[str, str],
) -> StagedTable:
    n_dups = int(dups.count().execute()) if dups is not None else 0
    if not n_dups:
        dups = None
    parts = [
        t.select(_row=t._row.cast(dt.int64))
        for t in ([errors] if n_errors else []) + ([dups] if dups is not None else [])
    ]
    excluded = None
    if parts:
        union = parts[0] if len(parts) == 1 else parts[0].union(parts[1], distinct=False)
        excluded = con.create_table(f"excluded_{suffix}", union, overwrite=True)
    return StagedTable(
        name=name,
        values=values,
        errors=errors,
        raw=raw,
        mapping=mapping,
        dups=dups,
        excluded=excluded,
        n_errors=n_errors,
        n_dups=n_dups,
        tag=suffix[len(name) :],
    )


def restage(con: ibis.BaseBackend, staged: StagedTable, full: ir.Table) -> StagedTable:
    """A staged table from a (small) table with every row and its bucket columns, as
    :attr:`StagedTable.table` gives it (after further checks, e.g. of targets)."""
    suffix = f"{staged.name}{staged.tag}"
    table = con.create_table(f"checked_{suffix}", full, overwrite=True)
    values = table.select(*[c for c in table.columns if c not in (*_ERROR_COLUMNS, "_dup")])
    errors = table.filter(table._error.notnull()).select("_row", *_ERROR_COLUMNS)
    dups = table.filter(table._dup).select("_row")
    n_errors = int(errors.count().execute())
    return _assemble(
        con, staged.name, suffix, values, errors, n_errors, dups, staged.raw, staged.mapping
    )


def _changed_by_canonicalising(checked: ir.Table, facts: list[str]) -> set[str]:
    """Which ``_a<i>`` flags are set on a row that is not quarantined."""
    if not facts:
        return set()
    ok = checked.filter(checked._error.isnull())
    row = ok.aggregate(**{a: ok[a].any() for a in facts}).to_pyarrow().to_pylist()[0]
    return {a for a, v in row.items() if v}


def _staged_projection(
    t: ir.Table,
    name: str,
    columns: tuple[Column, ...],
    mapping: dict[str, str],
    plans: list[_Plan],
    na_values: tuple[str, ...],
) -> ir.Table:
    """Every row: ``_row``, the canonical columns, ``_error``, ``_error_column``,
    ``_error_value``; and ``_a<i>`` (canonicalising changes the raw text) per text column.

    Layered projections, so that no expression is repeated in the SQL: 1. each mapped
    source column by position, its "missing" flag and its needs_care() guard; 2. the
    parsers' expensive pre-step; 3. parsed values and one error column per source
    column; 4. the first error, its column and value."""
    l1 = t.select(
        _row=t._row,
        **{f"_s{i}": t[p.header] for i, p in enumerate(plans)},
        **{f"_g{i}": nz.needs_care(t[p.header], na_values) for i, p in enumerate(plans) if p.care},
    )
    cares = {i: l1[f"_g{i}"] for i, p in enumerate(plans) if p.care}
    l1 = l1.mutate(
        **{
            f"_m{i}": _clean_missing(l1[f"_s{i}"], p)
            if p.clean
            else p.missing(l1[f"_s{i}"], cares.get(i))
            for i, p in enumerate(plans)
        }
    )
    pre: dict[str, ir.Value] = {}
    for i, p in enumerate(plans):
        if p.clean:
            continue
        care = cares.get(i)
        pre.update({f"_p{i}_{k}": v for k, v in p.parser.pre(l1[f"_s{i}"], care=care).items()})
    l1 = l1.mutate(**pre)

    layer2: dict[str, ir.Value] = {"_row": l1._row}
    for col in columns:
        if col.name not in mapping:
            layer2[col.name] = ibis.null(_dtype(col.kind))
    errors: list[tuple[str, str, str]] = []  # (error column, header, raw column)
    spans: list[tuple[int, int] | tuple[()] | None] = []  # where each check may fail
    for i, p in enumerate(plans):
        layer2[f"_s{i}"] = l1[f"_s{i}"]  # cast to text only for error rows (below)
        if p.clean:
            parsed = nz.Parsed(l1[f"_s{i}"], ibis.null(dt.string))
        else:
            prefix = f"_p{i}_"
            refs = {c[len(prefix) :]: l1[c] for c in l1.columns if c.startswith(prefix)}
            parsed = p.parser.finish(refs, l1[f"_m{i}"])
        error = parsed.error
        if p.col.required and not p.null_free:
            error = ibis.coalesce(_missing_required(l1[f"_m{i}"]), error)
        if p.suspect == ():  # proven: no row fails
            error = ibis.null(dt.string)
        layer2[p.col.name] = parsed.value
        if p.care:
            layer2[f"_a{i}"] = l1[f"_g{i}"] & ~parsed.value.identical_to(l1[f"_s{i}"])
        fails = can_fail(error)
        if fails is not None:  # (a column that cannot fail is not read for the check)
            layer2[f"_e{i}"] = error
            layer2[f"_f{i}"] = fails
            errors.append((f"_e{i}", p.header, f"_s{i}"))
            spans.append(p.suspect)
    l2 = l1.select(**layer2)
    if name in _LATER_THAN:
        extra = _order_checks(name, l2, mapping)
        l2 = l2.mutate(
            **{e: err for e, (_, err, _) in extra.items()},
            **{f"{e}v": val for e, (_, _, val) in extra.items()},
            **{f"{e}f": can_fail(err) for e, (_, err, _) in extra.items()},
        )
        errors += [(e, header, f"{e}v") for e, (header, _, _) in extra.items()]
        spans += [None] * len(extra)  # (between two columns: not proven)

    no_error = ibis.null(dt.string)
    # whether the row fails a check, as booleans only: the filter that finds the rows
    # to quarantine builds no reason text (that is done for those rows only)
    fails = [
        l2[c] for c in l2.columns if c.startswith("_f") or (c.startswith("_t") and c.endswith("f"))
    ]
    if errors:
        error = ibis.coalesce(*[l2[e] for e, _, _ in errors])
        error_column = ibis.cases(
            *[(l2[e].notnull(), ibis.literal(h)) for e, h, _ in errors], else_=no_error
        )
        error_value = ibis.cases(
            *[(l2[e].notnull(), l2[r].cast(dt.string)) for e, _, r in errors], else_=no_error
        )
    else:
        error = error_column = error_value = no_error
    any_fails = ibis.or_(*fails) if fails else ibis.literal(False)
    if fails and all(s for s in spans):
        # every check that may fail is confined to row groups: one span of rows
        # around them, which the scan turns into the row groups to read
        first = min(s[0] for s in spans if s)
        last = max(s[1] for s in spans if s)
        any_fails = l2._row.between(first, last) & any_fails
    return l2.select(
        _row=l2._row,
        **{c.name: l2[c.name] for c in columns},
        _error=error,
        _error_column=error_column,
        _error_value=error_value,
        _fails=any_fails,
        **{c: l2[c] for c in l2.columns if c.startswith("_a")},
        **{c: l2[c] for c in l2.columns if c.startswith("_s")},
    )


def _clean_missing(x: ir.Value, plan: _Plan) -> ir.BooleanValue:
    return ibis.literal(False) if plan.null_free else x.isnull()


def _missing_required(missing: ir.BooleanValue) -> ir.StringValue:
    return ibis.cases((missing, ibis.literal("missing_required")), else_=ibis.null(dt.string))


#: Per table: the column that starts a span and the columns that cannot come before it.
_LATER_THAN: dict[str, tuple[str, tuple[str, ...]]] = {
    "tickets": ("opened_at", ("first_response_at", "resolved_at")),
    "customers": ("join_date", ("churn_date",)),
}


def _order_checks(
    name: str, l2: ir.Table, mapping: dict[str, str]
) -> dict[str, tuple[str, ir.Value, ir.Value]]:
    """A response or resolution before the ticket was opened, a churn before the
    customer joined, is not a real span (``negative_duration``).

    Returns error column name → (source header, error expression, value expression)."""
    start, laters = _LATER_THAN[name]
    out = {}
    for i, later in enumerate(laters):
        if later in mapping:
            bad = l2[later].notnull() & l2[start].notnull() & (l2[later] < l2[start])
            out[f"_t{i}"] = (
                mapping[later],
                ibis.cases((bad, ibis.literal("negative_duration")), else_=ibis.null(dt.string)),
                l2[later].cast(dt.string),
            )
    return out


def _find_duplicates(
    con: ibis.BaseBackend,
    suffix: str,
    values: ir.Table,
    errors: ir.Table | None,
    key: tuple[str, ...],
) -> ir.Table | None:
    """``_row`` of the valid rows whose key an earlier valid row has (first one wins).

    Two narrow passes: the keys that occur more than once among all rows (a hash
    aggregate over the key columns only, usually empty), then, only when there are
    some, a window over the rows holding those keys."""
    if not key:
        return None
    v = values.filter(values[key[0]].notnull())
    repeated = v.group_by(list(key)).aggregate(_n=ibis._.count()).filter(ibis._._n > 1)
    repeated = con.create_table(f"dupkeys_{suffix}", repeated.select(*key), overwrite=True)
    return _window_duplicates(con, suffix, values, errors, key, repeated)


def _warn_conflicting_duplicates(
    con: ibis.BaseBackend, suffix: str, values: ir.Table, key: tuple[str, ...], source: str
) -> None:
    """Repeated keys whose rows differ in other values (two answers under one response
    id, a CRM row exported twice with another churn date): the first row is kept as for
    any duplicate, and a warning names how many keys and one example. Checked on parsed
    text sources (CSV, workbooks), whose rows are materialised already."""
    repeated = con.table(f"dupkeys_{suffix}")
    keys = list(key)
    rows = values.semi_join(repeated, [values[k].identical_to(repeated[k]) for k in keys])
    others = [c for c in rows.columns if c not in (*keys, "_row")]
    content = ibis.literal("|").join([rows[c].cast("string").fill_null("\x00") for c in others])
    rows = rows.mutate(_content=content.hash())
    per_key = rows.group_by(keys).aggregate(
        _variants=rows._content.nunique(), _first=rows._row.min(), _last=rows._row.max()
    )
    conflicts = per_key.filter(per_key._variants > 1).order_by("_first")
    n = int(conflicts.count().execute())
    if not n:
        return
    ex = conflicts.limit(1).to_pyarrow().to_pylist()[0]
    log.warning(
        "%s: %d repeated key(s) with different values in other columns (e.g. %s = %s, "
        "rows %d and %d): the first row of each is kept and the others are filtered as "
        "duplicates; check which one the export means",
        source,
        n,
        "/".join(keys),
        "/".join(redact_pii(str(ex[k])) for k in keys),
        ex["_first"],
        ex["_last"],
    )


def _window_duplicates(
    con: ibis.BaseBackend,
    suffix: str,
    values: ir.Table,
    errors: ir.Table | None,
    key: tuple[str, ...],
    repeated: ir.Table,
) -> ir.Table | None:
    """The duplicates among the valid rows holding one of the ``repeated`` keys: all
    but the first (lowest ``_row``) of each key. None when no key repeats."""
    if not int(repeated.count().execute()):
        return None
    keys = list(key)
    rows = values.filter(values[keys[0]].notnull())
    if errors is not None:
        rows = rows.filter(~rows._row.isin(errors._row))
    match = [rows[keys[0]] == repeated[keys[0]]]
    match += [rows[k].identical_to(repeated[k]) for k in keys[1:]]
    rows = rows.semi_join(repeated, match).select("_row", *keys)
    rank = ibis.row_number().over(group_by=[rows[k] for k in keys], order_by=rows._row)
    dups = rows.mutate(_rk=rank).filter(ibis._._rk > 0).select("_row")
    return con.create_table(f"dups_{suffix}", dups, overwrite=True)


def can_fail(error: ir.StringValue) -> ir.BooleanValue | None:
    """``error IS NOT NULL`` as a boolean expression without the reason strings (None:
    the error is always NULL). For the cheap filter that finds the rows to quarantine;
    the reason text is then built for those rows only."""
    op = error.op()
    if isinstance(op, ops.Literal):
        return None if op.value is None else ibis.literal(True)
    if isinstance(op, ops.Coalesce):
        parts = [f for f in (can_fail(a.to_expr()) for a in op.arg) if f is not None]
        return ibis.or_(*parts) if parts else None
    if isinstance(op, ops.SearchedCase):
        # CASE WHEN c1 THEN r1 … ELSE d, folded from the end: with acc the flag of what
        # follows, "WHEN c THEN r ELSE acc" is c OR acc when r always fails, NOT c AND
        # acc when r never does (c NULL counts as false, as in CASE)
        acc = can_fail(op.default.to_expr())
        for c, r in reversed(list(zip(op.cases, op.results, strict=True))):
            cond = c.to_expr().fill_null(False)
            flag = can_fail(r.to_expr())
            if flag is None:
                acc = None if acc is None else ~cond & acc
            elif _is_true(flag):
                acc = cond if acc is None else cond | acc
            else:
                acc = ibis.cases((cond, flag), else_=ibis.literal(False) if acc is None else acc)
        return acc
    return error.notnull()


def _is_true(e: ir.Value) -> bool:
    op = e.op()
    return isinstance(op, ops.Literal) and op.value is True


def _dtype(kind: str) -> dt.DataType:
    return {
        "id": dt.string,
        "unit": dt.string,
        "category": dt.string,
        "text": dt.string,
        "date": dt.date,
        "datetime": dt.timestamp,
        "score": dt.float64,
        "number": dt.float64,
        "integer": dt.int64,
        "bool": dt.boolean,
    }[kind]
