"""The build's worker pool: its workers log through this process's handlers."""

from __future__ import annotations

import logging
import os

from reportgen.workers import make_pool


class _Keep(logging.Handler):
    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_workers_log_through_the_parents_handlers_and_levels():
    root = logging.getLogger()
    info, warnings = _Keep(logging.INFO), _Keep(logging.WARNING)  # a log file, a --quiet console
    old_level = root.level
    for h in (info, warnings):
        root.addHandler(h)
    root.setLevel(logging.INFO)
    try:
        pool = make_pool(1)
        assert pool is not None
        with pool:
            log = logging.getLogger("reportgen.test_workers")
            pid = pool.submit(os.getpid).result()
            pool.submit(log.info, "info from %s", "a worker").result()
            pool.submit(log.warning, "warning from %s", "a worker").result()
            pool.submit(log.debug, "debug from a worker").result()
        # shutdown has handled every record the workers sent
    finally:
        for h in (info, warnings):
            root.removeHandler(h)
        root.setLevel(old_level)
    mine = [r for r in info.records if r.name == "reportgen.test_workers"]
    assert [r.getMessage() for r in mine] == ["info from a worker", "warning from a worker"]
    assert {r.process for r in mine} == {pid} and pid != os.getpid()
    assert [r.getMessage() for r in warnings.records if r.name == "reportgen.test_workers"] == [
        "warning from a worker"
    ]
    assert make_pool(0) is None


def test_ibis_equality_cache_survives_a_concurrent_removal():
    # under run_parallel another thread may drop a cache entry first: ibis's own __del__
    # then raised KeyError ("Exception ignored in …" on stderr; an error under pytest)
    import gc
    import sys

    import ibis
    from ibis.common.bases import Comparable

    import reportgen.loading.parallel  # noqa: F401 - installs the tolerant __del__

    seen = []
    hook, sys.unraisablehook = sys.unraisablehook, seen.append
    try:
        t = ibis.table({"a": "int64"}, name="t")
        a, b = (t.a + 1).op(), (t.a + 1).op()
        assert a == b
        Comparable.__cache__.pop(id(b))  # as if another thread had got there first
        del a, b
        gc.collect()
    finally:
        sys.unraisablehook = hook
    assert not seen, [s.exc_value for s in seen]
