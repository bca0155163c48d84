"""Tables and queries from databases, with native column types.

``duckdb:///path.duckdb`` is read through DuckDB's own read-only connection and
Arrow; any other SQLAlchemy URL (``sqlite:///``, ``postgresql://``, ...) is read
in chunks through a SQLAlchemy connection straight into Arrow. Table names are
always quoted as identifiers; user text is never spliced into SQL. Passwords in
URLs never appear in messages.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from reportgen.errors import InputFileError
from reportgen.io.header import make_column_names
from reportgen.io.model import ROW_COLUMN, RawTable
from reportgen.io.sniff import sniff

log = logging.getLogger(__name__)

FETCH_ROWS = 50_000


def read_sql(url: str, *, table: str | None = None, query: str | None = None) -> RawTable:
    """Read a whole table (``table="schema.name"`` or ``"name"``) or a query result."""
    parsed = _parse_url(url)
    redacted = parsed.render_as_string(hide_password=True)
    if (table is None) == (query is None):
        raise InputFileError(
            f"{redacted}: give exactly one of table= or query= "
            f"(got {'both' if table is not None else 'neither'})"
        )
    source = f"{redacted} table {table!r}" if table is not None else f"{redacted} query"
    notes: list[str] = []
    if parsed.get_backend_name() == "duckdb":
        result = _read_duckdb(parsed, source, table, query)
    else:
        result = _read_sqlalchemy(parsed, source, table, query, notes)
    columns = make_column_names(result.column_names, source)
    result = result.rename_columns(list(columns.names))
    numbers = pa.array(range(1, result.num_rows + 1), pa.int64())
    result = result.append_column(pa.field(ROW_COLUMN, pa.int64(), nullable=False), numbers)
    log.info("%s: %d rows", source, result.num_rows)
    return RawTable(
        source=source,
        real_format="sql",
        encoding=None,
        sheet=None,
        header_row=None,
        columns=columns.names,
        duplicate_columns=columns.duplicates,
        data=result,
        parquet_path=None,
        rows_read=result.num_rows,
        blank_rows=0,
        rejected=(),
        warnings=tuple(notes) + columns.notes,
        excel_epoch=None,
    )


def _parse_url(url: str) -> URL:
    try:
        return make_url(url)
    except sa.exc.ArgumentError:
        shown = url.split("@")[-1] if "@" in url else url
        raise InputFileError(f"{shown!r} is not a database URL (e.g. sqlite:///file.db)") from None


def quote_identifier(name: str) -> str:
    """A DuckDB/SQL-standard quoted identifier ("a""b" for a"b)."""
    return '"' + name.replace('"', '""') + '"'


def _split_table(table: str) -> list[str]:
    parts = table.split(".")
    if not table.strip() or any(not part for part in parts):
        raise InputFileError(f"{table!r} is not a table name (use 'table' or 'schema.table')")
    return parts


def _read_duckdb(parsed: URL, source: str, table: str | None, query: str | None) -> pa.Table:
    import duckdb

    database = parsed.database
    if not database or database == ":memory:":
        raise InputFileError(f"{source}: the URL names no database file (duckdb:///path.duckdb)")
    path = Path(database)
    if not path.is_file():
        raise InputFileError(f"{source}: database file {database} does not exist")
    kind = sniff(path)
    if kind.kind != "duckdb":
        raise InputFileError(f"{source}: {database} is {kind.description}, not a DuckDB database")
    try:
        connection = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise InputFileError(f"{source}: cannot open {database}: {exc}") from None
    try:
        if table is not None:
            parts = _split_table(table)
            _require_duckdb_table(connection, parts, source)
            sql = "SELECT * FROM " + ".".join(quote_identifier(p) for p in parts)
        else:
            assert query is not None
            sql = query
        relation = connection.sql(sql)
        if relation is None:
            raise InputFileError(f"{source}: the query returns no rows (not a SELECT?)")
        return relation.to_arrow_table()
    except duckdb.Error as exc:
        raise InputFileError(f"{source}: {exc}") from None
    finally:
        connection.close()


def _require_duckdb_table(connection: Any, parts: Sequence[str], source: str) -> None:
    rows = connection.execute(
        "SELECT table_schema, table_name FROM information_schema.tables ORDER BY 1, 2"
    ).fetchall()
    name = parts[-1]
    schema = parts[-2] if len(parts) > 1 else None
    if any(t == name and (schema is None or s == schema) for s, t in rows):
        return
    listing = ", ".join(t if s == "main" else f"{s}.{t}" for s, t in rows) or "none"
    raise InputFileError(f"{source}: no such table; the database has: {listing}")


def _read_sqlalchemy(
    parsed: URL, source: str, table: str | None, query: str | None, notes: list[str]
) -> pa.Table:
    try:
        engine = sa.create_engine(parsed)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as exc:
        raise InputFileError(f"{source}: cannot use this database URL ({exc})") from None
    if parsed.get_backend_name() == "sqlite":
        _require_sqlite_file(parsed, source)
    try:
        with engine.connect() as connection:
            statement = _statement(connection, source, table, query)
            result = connection.execution_options(stream_results=True).execute(statement)
            if not result.returns_rows:
                raise InputFileError(f"{source}: the query returns no rows (not a SELECT?)")
            keys = [str(key) for key in result.keys()]  # noqa: SIM118
            chunks = [_chunk(keys, rows, source, notes) for rows in result.partitions(FETCH_ROWS)]
    except sa.exc.SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise InputFileError(f"{source}: {detail}") from None
    finally:
        engine.dispose()
    return _concat(keys, chunks, source, notes)


def _require_sqlite_file(parsed: URL, source: str) -> None:
    database = parsed.database
    if not database or database == ":memory:":
        raise InputFileError(f"{source}: the URL names no database file (sqlite:///path.db)")
    path = Path(database)
    if not path.is_file():  # SQLite would silently create an empty database
        raise InputFileError(f"{source}: database file {database} does not exist")
    kind = sniff(path)
    if kind.kind != "sqlite":
        raise InputFileError(f"{source}: {database} is {kind.description}, not an SQLite database")


def _statement(connection: Any, source: str, table: str | None, query: str | None) -> Any:
    if query is not None:
        return sa.text(query)
    assert table is not None
    parts = _split_table(table)
    schema = ".".join(parts[:-1]) or None
    inspector = sa.inspect(connection)
    if not inspector.has_table(parts[-1], schema=schema):
        names = inspector.get_table_names(schema=schema)
        listing = ", ".join(names) or "none"
        raise InputFileError(f"{source}: no such table; the database has: {listing}")
    return sa.select(sa.text("*")).select_from(sa.table(parts[-1], schema=schema))


def _chunk(keys: Sequence[str], rows: Sequence[Any], source: str, notes: list[str]) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in keys]
    arrays = [
        _column(key, list(values), source, notes) for key, values in zip(keys, columns, strict=True)
    ]
    return pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(len(keys))])


def _column(key: str, values: list[Any], source: str, notes: list[str]) -> pa.Array:
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        kinds = sorted({type(v).__name__ for v in values if v is not None})
        _note(
            notes, f"{source}: column {key!r} mixes value types ({', '.join(kinds)}); read as text"
        )
        return pa.array([None if v is None else _text(v) for v in values], pa.string())


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _concat(keys: Sequence[str], chunks: list[pa.Table], source: str, notes: list[str]) -> pa.Table:
    positional = [f"c{i}" for i in range(len(keys))]
    if not chunks:
        empty = [pa.array([], pa.null()) for _ in keys]
        return pa.Table.from_arrays(empty, names=list(keys))
    try:
        combined = pa.concat_tables(chunks, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        chunks = _unify_as_text(keys, positional, chunks, source, notes)
        combined = pa.concat_tables(chunks, promote_options="permissive")
    return combined.rename_columns(list(keys))


def _unify_as_text(
    keys: Sequence[str],
    positional: Sequence[str],
    chunks: list[pa.Table],
    source: str,
    notes: list[str],
) -> list[pa.Table]:
    """Cast to text every column whose chunks disagree on a type that cannot be promoted."""
    for key, name in zip(keys, positional, strict=True):
        types = {chunk.schema.field(name).type for chunk in chunks} - {pa.null()}
        if len(types) <= 1:
            continue
        try:
            pa.concat_tables(
                [chunk.select([name]) for chunk in chunks], promote_options="permissive"
            )
            continue
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
        _note(notes, f"{source}: column {key!r} mixes value types; read as text")
        chunks = [
            chunk.set_column(
                chunk.schema.get_field_index(name), name, chunk.column(name).cast(pa.string())
            )
            for chunk in chunks
        ]
    return chunks


def _note(notes: list[str], text: str) -> None:
    if text not in notes:
        notes.append(text)
