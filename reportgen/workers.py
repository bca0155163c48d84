"""The worker processes of a build: the pool, its warm-up, and handing out work.

Workers are spawned, not forked (the parent holds DuckDB's threads). Work is handed
out one item per idle worker (:func:`fed`): an item's arguments — a unit's extracts
for its insight analyses, say — are made, and pickled, only when a worker is free for
them, so at most that many copies exist at once.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from multiprocessing import get_context
from typing import Any, TypeVar

T = TypeVar("T")


def default_jobs() -> int:
    """The CPU cores this process may use."""
    return max(
        1,
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1),
    )


def make_pool(jobs: int, tasks: int) -> ProcessPoolExecutor | None:
    """A pool of ``min(jobs, tasks)`` spawned workers; None for one job or one task
    (everything then runs in this process)."""
    if jobs <= 1 or tasks <= 1:
        return None
    level = logging.getLogger("reportgen").getEffectiveLevel()
    return ProcessPoolExecutor(
        max_workers=min(jobs, tasks),
        mp_context=get_context("spawn"),
        initializer=_worker_init,
        initargs=(level,),
    )


def workers(executor: Executor) -> int:
    return int(getattr(executor, "_max_workers", 2))


def warm(pool: Executor | None) -> None:
    """Start the pool's workers now, each importing what the insight analyses and the
    renderers need (:func:`_warm_up`) while this process loads the data, instead of in
    its first unit's turn (≈ 4 CPU-s per worker)."""
    if pool is not None:
        for _ in range(workers(pool)):
            pool.submit(_warm_up)


def fed(
    executor: Executor, items: Iterable[T], call: Callable[[T], tuple[Any, ...]]
) -> Iterator[tuple[T, Future[Any]]]:
    """Run ``fn(*args)`` for each item, with ``(fn, *args) = call(item)`` made only when
    a worker is free; yield ``(item, future)`` as each one finishes. Stopping the
    iteration early hands out no further item."""
    todo, running = list(items), {}
    busy = workers(executor)
    while todo or running:
        while todo and len(running) < busy:
            item = todo.pop(0)
            fn, *args = call(item)
            running[executor.submit(fn, *args)] = item
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        for fut in done:
            yield running.pop(fut), fut


def _worker_init(level: int) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _warm_up() -> None:
    import reportgen.analytics.churn
    import reportgen.analytics.clv
    import reportgen.analytics.insights
    import reportgen.analytics.segments
    import reportgen.render.pptx
    import reportgen.render.xlsx
    import reportgen.render.xlsx_group  # noqa: F401
    from reportgen.analytics.sentiment import get_tokenizer

    get_tokenizer()  # loads the Chinese word segmenter's dictionary


__all__ = ["default_jobs", "fed", "make_pool", "warm", "workers"]
