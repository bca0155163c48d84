"""Independent engine work on two threads, each with its own DuckDB cursor.

Staging one source (and counting its rows for the reconciliation) is a chain of
queries that depend on each other, and some links of the chain run on one core
only: the streaming key pass, the NaN look-up, Python between two queries. The
sources themselves are independent, so two of them are staged at the same time:
the second core is then busy while the other source is in such a link.

A DuckDB connection must not be used by two threads at once; a cursor is a second
connection to the same database (same tables, settings and memory limit). While
:func:`run_parallel` runs, the ibis backend's connection is replaced by a proxy that
hands each worker thread its own cursor, so the staging code runs unchanged.
Whatever a worker creates must outlive its cursor: regular tables and views, never
temporary ones (see ``stage._raw_table``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import ibis
from ibis.common.bases import Comparable

K = TypeVar("K", bound=Hashable)


def _forget_equalities(self: Comparable, _comparable: type = Comparable) -> None:
    """``Comparable.__del__`` (ibis 12) for objects dropped while other threads compare
    expressions: ibis's equality cache is a plain dict, and its own ``__del__`` raised
    ``KeyError`` when another thread had just removed an entry — printed as "Exception
    ignored in …" on stderr (and a failed test under pytest), with the rest of the
    object's entries left behind. This one removes every entry that is still there.
    (The class is bound as a default: at interpreter exit the module's globals may be
    gone already.)"""
    cache = _comparable.__cache__  # type: ignore[attr-defined]
    me = id(self)
    for other in list(cache.pop(me, ())):
        theirs = cache.get(other)
        if theirs is not None:
            theirs.pop(me, None)
            if not theirs:
                cache.pop(other, None)


Comparable.__del__ = _forget_equalities  # type: ignore[method-assign]
V = TypeVar("V")

#: Threads that stage at the same time (the machine's cores are shared by DuckDB's own
#: threads; two clients keep them busy without a third query's memory on top).
WORKERS = 2

#: Per-connection DuckDB settings a cursor does not inherit (the rest are global).
_LOCAL_SETTINGS = ("TimeZone",)


class _PerThreadConnection:
    """Stands in for a DuckDB connection: a worker thread's own cursor, else the
    connection itself (the thread that owns it)."""

    def __init__(self, main: Any) -> None:
        self._main = main
        self._local = threading.local()

    def __getattr__(self, name: str) -> Any:
        return getattr(getattr(self._local, "cursor", None) or self._main, name)


def run_parallel(
    con: ibis.BaseBackend,
    fn: Callable[[K], V],
    items: Iterable[K],
    workers: int = WORKERS,
    first: Callable[[K], Any] | None = None,
) -> dict[K, V]:
    """``{item: fn(item)}`` in the order of ``items``, ``fn`` called for several items
    at the same time, started in the order of the sort key ``first`` (e.g. the largest
    files first), else in the given order.

    In order on one thread when there is a single item or the backend is not a plain
    DuckDB connection (another backend, or already inside ``run_parallel``). An
    exception is raised for the first item (in the order of ``items``) that raised
    one, after every call has ended."""
    items = list(items)
    main = getattr(con, "con", None)
    if len(items) < 2 or workers < 2 or not _is_duckdb(main):
        return {item: fn(item) for item in items}
    # fetchall: a result left open would keep this connection's transaction, which
    # does not see the tables the workers create
    local = {
        s: main.execute("SELECT current_setting(?)", [s]).fetchall()[0][0] for s in _LOCAL_SETTINGS
    }
    proxy = _PerThreadConnection(main)

    def call(item: K) -> V:
        cursor = main.cursor()
        try:
            for setting, value in local.items():
                cursor.execute(f"SET {setting} = '{value}'")
            proxy._local.cursor = cursor
            return fn(item)
        finally:
            proxy._local.cursor = None
            cursor.close()

    con.con = proxy  # type: ignore[attr-defined]
    try:
        with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
            started = sorted(items, key=first) if first is not None else items
            futures = {item: pool.submit(call, item) for item in started}
            done = [(item, futures[item].exception()) for item in items]
    finally:
        con.con = main  # type: ignore[attr-defined]
    for _, exc in done:
        if exc is not None:
            raise exc
    return {item: futures[item].result() for item in items}


def _is_duckdb(con: object) -> bool:
    try:
        import duckdb
    except ImportError:  # pragma: no cover - DuckDB is a dependency
        return False
    return isinstance(con, duckdb.DuckDBPyConnection)
