"""The embedded analytical engine: an ibis connection, DuckDB by default.

KPI definitions are ibis expressions, so another ibis backend (Postgres, Trino,
Spark, ClickHouse …) can run them unchanged when data outgrows one machine; the
only DuckDB-specific piece is ``try_strptime`` in :mod:`reportgen.loading.normalize`.
"""

from __future__ import annotations

import os
import tempfile
import uuid

import ibis


def connect(memory_limit: str | None = None, threads: int | None = None) -> ibis.BaseBackend:
    """An in-process DuckDB connection that spills to a temporary folder when
    over ``memory_limit`` (default ``REPORTGEN_MEMORY_LIMIT`` or 1GB)."""
    con = ibis.duckdb.connect()
    limit = memory_limit or os.environ.get("REPORTGEN_MEMORY_LIMIT", "1GB")
    con.raw_sql(f"SET memory_limit = '{_checked(limit)}'")
    # A private spill folder per connection: DuckDB's spill file names are not unique
    # per process, so processes sharing one folder could read each other's spills. A
    # path that does not exist yet, so that DuckDB creates it and removes it on close.
    spill = os.path.join(tempfile.gettempdir(), f"reportgen-duckdb-{uuid.uuid4().hex}")
    con.raw_sql(f"SET temp_directory = '{spill}'")
    if threads:
        con.raw_sql(f"SET threads = {int(threads)}")
    return con


def _checked(limit: str) -> str:
    allowed = set("0123456789.KMGTkmgtBbi ")
    if not limit or not set(limit) <= allowed:
        raise ValueError(f"memory limit {limit!r} must look like '1GB' or '512MB'")
    return limit
