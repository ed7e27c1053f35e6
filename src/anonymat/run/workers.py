"""The worker engine both stages run on: local processes (replaced when one dies) or a Dask cluster.

What a worker is given is small and picklable (a page reference, a write job); results come back in
order. A worker watches the batch's main process and ends itself when it is gone.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import cv2

from anonymat import messages
from anonymat.errors import MissingDependencyError, UsageError
from anonymat.messages import t
from anonymat.page import decode

WATCH_EVERY_S = 0.5  # how often a worker checks that the main process still runs
EXIT_ORPHANED = 70


def _worker_init(pooled: bool = True, parent: int | None = None, lang: str | None = None) -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"
    if lang is not None:  # a page's error is said in the run's language (a worker does not see --lang)
        messages.set_language(lang)
    if parent is not None:
        _exit_with(parent)
    if pooled:  # one worker per core already: OpenCV's own threads would only contend with the others
        cv2.setNumThreads(1)
        # Ctrl-C reaches the whole process group: the parent stops the batch and lets the workers
        # finish the copy in hand, instead of every worker dying with a traceback
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    decode.set_pixel_limit()


def _exit_with(parent: int) -> None:
    """End this worker when the batch's main process is gone: killed with -9 it cannot shut its pool down,
    and orphaned workers would hold the caller's stdout open (a CI step waiting for its end hangs)."""

    def watch() -> None:
        while _is_alive(parent):
            time.sleep(WATCH_EVERY_S)
        os._exit(EXIT_ORPHANED)

    threading.Thread(target=watch, name="anonymat-parent-watch", daemon=True).start()


def _is_alive(pid: int) -> bool:
    """Whether a process runs (a zombie, killed but not yet reaped by its parent, does not)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rpartition(b")")[2].split()[0] != b"Z"
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


class Workers:
    """The batch's local worker processes, shared by every stage: they start and import once per batch.

    A worker that dies (a native decoder crashing on one bad page) breaks the whole pool; the pool is
    then replaced, so the batch goes on.
    """

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        # forkserver, not fork: a forked child can inherit a lock held by another thread of the parent
        # (OCR, PDF or test-runner threads) and hang forever.
        self._context = multiprocessing.get_context("forkserver")
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.jobs,
            mp_context=self._context,
            initializer=_worker_init,
            initargs=(True, os.getpid(), messages.language()),
        )

    def submit(self, func: Callable, item: Any) -> Future:
        return self._pool.submit(func, item)

    def restart(self) -> None:
        _stop(self._pool)
        self._pool = self._start()

    def close(self) -> None:
        _stop(self._pool)


STOP_SECONDS = 30.0  # how long a worker may take to finish its item and exit once the pool stops


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop a pool's workers, and never wait forever for one.

    After a worker died, CPython 3.11's pool can wait without end for another worker that never got the
    order to stop (a race with the worker started to replace the dead one; seen once in the test suite,
    the run then hung in shutdown). Each worker is given STOP_SECONDS to finish and exit, then killed.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())  # CPython keeps its workers here
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + STOP_SECONDS
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join(5.0)


@contextlib.contextmanager
def worker_pool(jobs: int) -> Iterator[Workers | None]:
    """Local workers for a batch (None for --jobs 1: everything runs in this process)."""
    if jobs <= 1:
        _worker_init(pooled=False)
        yield None
        return
    workers = Workers(jobs)
    try:
        yield workers
    finally:
        workers.close()


def run_pool(
    func: Callable,
    items: list,
    jobs: int,
    on_done: Callable[[], None] | None = None,
    scheduler: str | None = None,
    pool: Workers | None = None,
    on_crash: Callable[[Any], Any] | None = None,
) -> Iterator:
    """Map `func` over `items`, yielding results in order: in-process, on local workers (`pool`, or
    ones started for this call), or on a Dask distributed cluster (`scheduler` = "tcp://host:port";
    inputs and OUTDIR on a shared filesystem).

    `on_crash(item)` gives the result of an item whose worker died twice on it (a crash in native
    code); without it, such a crash ends the run.
    """
    if scheduler:
        yield from _run_dask(func, items, scheduler, on_done)
        return
    if pool is None and jobs > 1 and len(items) > 1:
        with worker_pool(jobs) as own:
            yield from run_pool(func, items, jobs, on_done, pool=own, on_crash=on_crash)
        return
    if pool is None:
        _worker_init(pooled=False)
        results: Iterable = map(func, items)
    else:
        results = _run_on(pool, func, items, on_crash)
    for result in results:
        yield result
        if on_done:
            on_done()


def _run_on(workers: Workers, func: Callable, items: list, on_crash: Callable[[Any], Any] | None) -> Iterator:
    """Results in order, with at most two items queued per worker (a long batch queues no more)."""
    window = 2 * workers.jobs
    queue: deque[tuple[Any, Future]] = deque()
    upcoming = iter(items)
    while True:
        for item in itertools.islice(upcoming, window - len(queue)):
            queue.append((item, _submit(workers, func, item)))
        if not queue:
            return
        item, future = queue.popleft()
        try:
            yield future.result()
        except BrokenProcessPool:
            # A worker died: every unfinished item failed with it. Each is run again alone, so the one
            # that kills a worker again is known, and only that one is lost to the crash.
            unfinished = [(item, future), *queue]
            queue.clear()
            workers.restart()
            for other, earlier in unfinished:
                if earlier.done() and not earlier.cancelled() and earlier.exception() is None:
                    queue.append((other, earlier))  # finished before the crash: its result stands
                    continue
                done: Future = Future()
                done.set_result(_run_alone(workers, func, other, on_crash))
                queue.append((other, done))


def _submit(workers: Workers, func: Callable, item: Any) -> Future:
    """The item's future; when a queued item has just killed a worker, the pool refuses new work, and
    the item's future says so, to be run again once the pool is replaced (as the items queued with it)."""
    try:
        return workers.submit(func, item)
    except BrokenProcessPool as exc:
        refused: Future = Future()
        refused.set_exception(exc)
        return refused


def _run_alone(workers: Workers, func: Callable, item: Any, on_crash: Callable[[Any], Any] | None) -> Any:
    try:
        return workers.submit(func, item).result()
    except BrokenProcessPool:
        workers.restart()
        if on_crash is None:
            raise
        return on_crash(item)


def _run_dask(func: Callable, items: list, scheduler: str, on_done: Callable[[], None] | None) -> Iterator:
    try:
        from distributed import Client
    except ImportError as exc:
        raise MissingDependencyError(t("workers.no_dask")) from exc
    try:
        client = Client(scheduler, timeout=10, set_as_default=False)
    except OSError as exc:
        raise UsageError(t("workers.unreachable", scheduler=scheduler)) from exc
    try:
        client.run(_worker_init, lang=messages.language())
        futures = client.map(func, items, pure=False)
        for future in futures:
            yield future.result()
            if on_done:
                on_done()
    finally:
        client.close()
