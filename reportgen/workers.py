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
from logging.handlers import QueueHandler, QueueListener
from multiprocessing import get_context
from typing import Any, TypeVar

T = TypeVar("T")


def default_jobs() -> int:
    """The CPU cores this process may use."""
    return max(
        1,
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1),
    )


def make_pool(workers: int) -> ProcessPoolExecutor | None:
    """A pool of ``workers`` spawned processes; None for none."""
    if workers < 1:
        return None
    return _Pool(workers)


class _Pool(ProcessPoolExecutor):
    """A pool of spawned processes that log through this process's handlers: their
    records come back over a queue (:class:`logging.handlers.QueueListener`), so the
    console's level (``--quiet``) and the ``--log-file`` apply to them as well."""

    def __init__(self, workers: int) -> None:
        ctx = get_context("spawn")
        root = logging.getLogger()
        self._log_queue = ctx.Queue()
        self._listener: QueueListener | None = QueueListener(
            self._log_queue,
            *(root.handlers or [logging.lastResort or logging.StreamHandler()]),
            respect_handler_level=True,
        )
        self._listener.start()
        super().__init__(
            max_workers=workers,
            mp_context=ctx,
            initializer=_worker_init,
            initargs=(self._log_queue, root.getEffectiveLevel()),
        )

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        try:
            super().shutdown(wait=wait, cancel_futures=cancel_futures)
        finally:
            if self._listener is not None:  # the workers' last records are handled first
                self._listener.stop()
                self._listener = None


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
    executor: Executor,
    items: Iterable[T],
    call: Callable[[T], tuple[Any, ...]],
    *,
    here: bool = False,
) -> Iterator[tuple[T, Future[Any]]]:
    """Run ``fn(*args)`` for each item, with ``(fn, *args) = call(item)`` made only when
    a worker is free; yield ``(item, future)`` as each one finishes. Stopping the
    iteration early hands out no further item.

    ``here=True``: this process takes items too, in between (the executor then needs one
    worker fewer for the same parallelism, and this process is not idle). One more item
    than the executor has workers is then kept queued in it, so that its workers do not
    wait while this process is busy with an item."""
    todo, running = list(items), {}
    in_pool = workers(executor) + (1 if here else 0)
    while todo or running:
        while todo and len(running) < in_pool:
            item = todo.pop(0)
            fn, *args = call(item)
            running[executor.submit(fn, *args)] = item
        if here and todo:
            item = todo.pop(0)
            yield item, _run_here(*call(item))
            finished = [f for f in running if f.done()]
        else:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
        for fut in finished:
            yield running.pop(fut), fut


def _run_here(fn: Callable[..., Any], *args: Any) -> Future[Any]:
    fut: Future[Any] = Future()
    try:
        fut.set_result(fn(*args))
    except Exception as exc:  # noqa: BLE001 - delivered like a worker's failure
        fut.set_exception(exc)
    return fut


def _worker_init(queue: Any, level: int) -> None:
    root = logging.getLogger()
    root.handlers[:] = [QueueHandler(queue)]
    root.setLevel(level)
    quiet_noisy_loggers()


#: Third-party loggers that chatter at INFO/DEBUG (font lookups, image plugins).
NOISY_LOGGERS = ("matplotlib", "PIL", "fontTools")


def quiet_noisy_loggers() -> None:
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


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


__all__ = ["default_jobs", "fed", "make_pool", "quiet_noisy_loggers", "warm", "workers"]
