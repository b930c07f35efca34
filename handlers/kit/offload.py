"""Run a pure, CPU-heavy function (reading an uploaded spreadsheet) in a worker process.

Why a process and not a thread: openpyxl parses in pure Python and holds the GIL, so a thread
reading a large workbook makes the event loop wait up to a switch interval (5 ms) at every
hand-over, and every database call of every other update is such a hand-over; a thread also
cannot be stopped. A worker process leaves the loop alone, is killed when it runs too long, and
its address space is capped so that anything the reader's own limits miss fails there, not here.

The function and its arguments and result must pickle, and the function must be importable by
name (a module-level function).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Seconds one run may take, waiting for the worker included.
TIMEOUT = 20.0
#: Address space of a worker: room for Python, openpyxl and a table well within the limits.
MEMORY_BYTES = 1 << 30
#: Uploads are rare; one worker keeps one core for everything else on a small machine.
WORKERS = 1


class Failed(Exception):
    """The run was stopped (too slow, out of memory) or its worker died."""


_pool: ProcessPoolExecutor | None = None


def _cap_memory(limit: int) -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # not on this platform: the reader's limits remain
        pass


def _get_pool() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        # spawn: a fork of a process with running threads (the database driver's) is unsafe.
        _pool = ProcessPoolExecutor(
            max_workers=WORKERS,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_cap_memory,
            initargs=(MEMORY_BYTES,),
        )
    return _pool


def _discard(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's workers (a running task cannot be cancelled otherwise); the next run starts anew."""
    global _pool
    if _pool is pool:
        _pool = None
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


async def run(fn: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
    """``fn(*args)`` in a worker process; raises ``Failed`` if it is stopped or its worker dies.

    Exceptions that ``fn`` raises come back as they are.
    """
    pool = _get_pool()
    future = asyncio.get_running_loop().run_in_executor(pool, fn, *args)
    try:
        return await asyncio.wait_for(future, TIMEOUT if timeout is None else timeout)
    except TimeoutError as error:
        log.warning("%s stopped after %s s", getattr(fn, "__name__", fn), timeout or TIMEOUT)
        _discard(pool)
        raise Failed("timeout") from error
    except (BrokenProcessPool, MemoryError) as error:
        log.warning("%s failed in its worker: %r", getattr(fn, "__name__", fn), error)
        _discard(pool)
        raise Failed("worker") from error


def shutdown() -> None:
    """Stop the worker (at exit, or between tests)."""
    if _pool is not None:
        _discard(_pool)
