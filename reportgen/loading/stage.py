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
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from reportgen.canonical import TABLES, Column, Table
from reportgen.config import ReportConfig, Source
from reportgen.errors import MappingError
from reportgen.io import RawTable, read_file, read_sql
from reportgen.loading import normalize as nz

log = logging.getLogger(__name__)

#: Spellings of "all units" accepted in the targets table.
ALL_UNITS = "all"
_ALL_SPELLINGS = ("all", "全部", "总体", "集团", "total", "group")


@dataclass(frozen=True)
class StagedTable:
    """A source staged in the engine, with what the reader saw."""

    name: str
    table: ir.Table
    raw: RawTable
    mapping: dict[str, str]  # canonical column -> source header


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


def _columns_for(name: str, config: ReportConfig) -> tuple[Column, ...]:
    table = TABLES[name]
    cols = list(table.columns)
    if name == "responses":
        known = set(table.column_names)
        cols += [Column(a, "score") for a in config.attribute_ids if a not in known]
    return tuple(cols)


def _raw_table(con: ibis.BaseBackend, name: str, raw: RawTable) -> ir.Table:
    if raw.parquet_path is not None:
        t = con.read_parquet(raw.parquet_path, table_name=f"raw_{name}", file_row_number=True)
        return t.mutate(_row=(t.file_row_number + 1).cast(dt.int64)).drop("file_row_number")
    assert raw.data is not None
    return con.create_table(f"raw_{name}", raw.data, overwrite=True)


def _plausible(config: ReportConfig) -> tuple[_dt.date, _dt.date]:
    p = config.periods
    return _dt.date.fromisoformat(p.plausible_from), _dt.date.fromisoformat(p.plausible_to)


def _parser(
    col: Column, name: str, source: Source, config: ReportConfig, raw: RawTable
) -> nz.Parser:
    match col.kind:
        case "id" | "category":
            return nz.id_parser()
        case "text":
            return nz.text_parser()
        case "unit":
            spellings = config.unit_spellings()
            if name == "targets":
                spellings = {**spellings, **{s: ALL_UNITS for s in _ALL_SPELLINGS}}
            return nz.unit_parser(spellings)
        case "number":
            return nz.number_parser()
        case "integer":
            return nz.integer_parser()
        case "bool":
            return nz.bool_parser(source.true_values, source.false_values)
        case "score":
            return nz.score_parser(config.scale_for(name, col.name))
        case "date" | "datetime":
            return nz.timestamp_parser(
                source.dates, plausible=_plausible(config), excel_epoch=raw.excel_epoch
            )
    raise AssertionError(col.kind)


def stage_source(
    con: ibis.BaseBackend, name: str, source: Source, config: ReportConfig
) -> StagedTable:
    """Read, map and normalise one source; materialise the staged table in the engine."""
    raw = read_raw(name, source, config)
    for warning in raw.warnings:
        log.warning("%s", warning)
    columns = _columns_for(name, config)
    mapping = resolve_mapping(name, raw, source, columns)
    t = _raw_table(con, name, raw)

    # Layered projections, so that no expression is repeated in the SQL:
    # 1. each mapped source column by position and its "missing" flag; 2. the parsers'
    # expensive pre-step; 3. parsed values and one error column per source column;
    # 4. (below) the first error, its column and value.
    used = [(col, mapping[col.name]) for col in columns if col.name in mapping]
    parsers = [_parser(col, name, source, config, raw) for col, _ in used]
    # unit columns: look up the few distinct raw values once, map only those.
    for i, (col, h) in enumerate(used):
        if col.kind == "unit" and t[h].type().is_string():
            d = t.select(v=t[h], k=t[h].strip().lower()).distinct().to_pyarrow()
            present = list(zip(d.column("v").to_pylist(), d.column("k").to_pylist(), strict=True))
            if len(present) <= 1000:
                spellings = config.unit_spellings()
                if name == "targets":
                    spellings = {**spellings, **{s: ALL_UNITS for s in _ALL_SPELLINGS}}
                parsers[i] = nz.unit_parser(spellings, present=present)
    l1 = t.select(
        _row=t._row,
        **{f"_s{i}": t[h] for i, (_, h) in enumerate(used)},
        **{f"_m{i}": nz.is_missing(t[h], source.na_values) for i, (_, h) in enumerate(used)},
    )
    pre: dict[str, ir.Value] = {}
    for i, parser in enumerate(parsers):
        pre.update({f"_p{i}_{k}": v for k, v in parser.pre(l1[f"_s{i}"]).items()})
    l1 = l1.mutate(**pre)

    layer2: dict[str, ir.Value] = {"_row": l1._row}
    for col in columns:
        if col.name not in mapping:
            layer2[col.name] = ibis.null(_dtype(col.kind))
    errors: list[tuple[str, str, str]] = []  # (error column, header, raw column)
    for i, ((col, header), parser) in enumerate(zip(used, parsers, strict=True)):
        prefix = f"_p{i}_"
        refs = {c[len(prefix) :]: l1[c] for c in l1.columns if c.startswith(prefix)}
        parsed = parser.finish(refs, l1[f"_m{i}"])
        error = parsed.error
        if col.required:
            error = ibis.coalesce(_missing_required(l1[f"_m{i}"]), error)
        layer2[col.name] = parsed.value
        layer2[f"_e{i}"] = error
        layer2[f"_s{i}"] = l1[f"_s{i}"]  # cast to text only for error rows (below)
        errors.append((f"_e{i}", header, f"_s{i}"))
    l2 = l1.select(**layer2)
    if name == "tickets":
        extra = _ticket_checks(l2, mapping)
        l2 = l2.mutate(
            **{e: err for e, (_, err, _) in extra.items()},
            **{f"{e}v": val for e, (_, _, val) in extra.items()},
        )
        errors += [(e, header, f"{e}v") for e, (header, _, _) in extra.items()]

    no_error = ibis.null(dt.string)
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
    staged = l2.select(
        _row=l2._row,
        **{c.name: l2[c.name] for c in columns},
        _error=error,
        _error_column=error_column,
        _error_value=error_value,
    )
    # materialise without the duplicate window; find duplicates in a narrow pass.
    table = con.create_table(f"staged_{name}", staged, overwrite=True)
    table = _mark_duplicates(con, name, table, TABLES[name])
    return StagedTable(name=name, table=table, raw=raw, mapping=mapping)


def _missing_required(missing: ir.BooleanValue) -> ir.StringValue:
    return ibis.cases((missing, ibis.literal("missing_required")), else_=ibis.null(dt.string))


def _ticket_checks(
    l2: ir.Table, mapping: dict[str, str]
) -> dict[str, tuple[str, ir.Value, ir.Value]]:
    """A response or resolution before the ticket was opened is not a real duration.

    Returns error column name → (source header, error expression, value expression)."""
    out = {}
    for i, later in enumerate(("first_response_at", "resolved_at")):
        if later in mapping:
            bad = l2[later].notnull() & l2.opened_at.notnull() & (l2[later] < l2.opened_at)
            out[f"_t{i}"] = (
                mapping[later],
                ibis.cases((bad, ibis.literal("negative_duration")), else_=ibis.null(dt.string)),
                l2[later].cast(dt.string),
            )
    return out


def _mark_duplicates(con: ibis.BaseBackend, name: str, staged: ir.Table, table: Table) -> ir.Table:
    """``_dup`` from a small table of the duplicate rows' numbers, found by a
    window over (key, _row) of the valid rows only (not over every column)."""
    if not table.key:
        return staged.mutate(_dup=ibis.literal(False))
    keys = list(table.key)
    v = staged.filter(staged._error.isnull() & staged[keys[0]].notnull()).select("_row", *keys)
    rank = ibis.row_number().over(group_by=[v[k] for k in keys], order_by=v._row)
    dups = v.mutate(_rk=rank).filter(ibis._._rk > 0).select("_row")
    dups = con.create_table(f"dups_{name}", dups, overwrite=True)
    return staged.mutate(_dup=staged._row.isin(dups._row))


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
