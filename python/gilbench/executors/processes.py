"""A ``ProcessPoolExecutor``: one process per worker, each with its own interpreter and GIL."""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from gilbench.executors.base import (
    READY_TIMEOUT_S,
    Executor,
    ExecutorOption,
    Range,
    TaskOutcome,
    WorkerDied,
    pin_to,
    wait_all,
)
from gilbench.kernels import Kernel, resolve

if TYPE_CHECKING:
    from multiprocessing.sharedctypes import Synchronized


def default_start_method() -> str:
    """``forkserver`` where it exists (the default from Python 3.14), else ``spawn``.

    Plain ``fork`` copies a process that already runs threads (the progress bar, the
    thread pool), which can deadlock the child; it stays available on request.
    """
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


# --- what runs inside a worker process --------------------------------------------

_ready_barrier: threading.Barrier | None = None


def run_task(ref: str, start: int, stop: int) -> tuple[int, float]:
    """One task in a worker process: the kernel's result and the CPU time it took there."""
    kernel = resolve(ref)
    cpu_before = time.process_time()
    result = kernel.task(start, stop)
    return result, time.process_time() - cpu_before


Task = Callable[[str, int, int], tuple[int, float]]


def _init_worker(
    barrier: threading.Barrier | None, slots: Synchronized[int], cpus: list[int] | None
) -> None:
    # Ctrl-C in a terminal reaches the whole process group; the parent decides when
    # its workers stop (it terminates them), so a worker must not die half-way on its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    global _ready_barrier
    _ready_barrier = barrier
    if cpus:
        with slots.get_lock():
            slot, slots.value = slots.value, slots.value + 1
        pin_to(cpus, slot)


def _answer_when_all_ready() -> None:
    # Each worker blocks here until all have arrived: w answers prove w live workers.
    if _ready_barrier is not None:
        _ready_barrier.wait(READY_TIMEOUT_S)


# --- the executor --------------------------------------------------------------------


class Processes(Executor):
    name = "processes"
    title = "processes: one ProcessPoolExecutor process per worker, each its own interpreter"
    shares_gil = False
    runs_elsewhere = True
    options = (
        ExecutorOption(
            "--start-method",
            "how the process pool starts its workers",
            default=default_start_method(),
            choices=tuple(multiprocessing.get_all_start_methods()),
        ),
    )

    task: Task = staticmethod(run_task)  # tests swap in a task that dies
    _pool: cf.ProcessPoolExecutor | None = None

    def start(self) -> float:
        method = self.settings.get("start_method") or default_start_method()
        context = multiprocessing.get_context(method)
        began = time.perf_counter()
        barrier = context.Barrier(self.workers)
        slots = context.Value("i", 0)
        self._pool = cf.ProcessPoolExecutor(
            self.workers,
            mp_context=context,
            initializer=_init_worker,
            initargs=(barrier, slots, self.cpus),
        )
        try:
            wait_all([self._pool.submit(_answer_when_all_ready) for _ in range(self.workers)])
        except BrokenProcessPool as error:
            raise WorkerDied(f"a worker process died while the pool started: {error}") from None
        self.startup_s = time.perf_counter() - began
        return self.startup_s

    def run(self, kernel: Kernel, ranges: Sequence[Range]) -> list[TaskOutcome]:
        assert self._pool is not None, "start() first"
        try:
            futures = [self._pool.submit(self.task, kernel.ref, a, b) for a, b in ranges]
            return [(value, cpu) for value, cpu in wait_all(futures)]
        except BrokenProcessPool:
            raise WorkerDied(
                f"a worker process died while running {kernel.label} "
                f"on a pool of {self.workers} processes"
            ) from None

    def worker_pids(self) -> list[int]:
        return list(_pool_processes(self._pool))

    def worker_threads(self) -> list[int] | None:
        return []  # every task runs in a worker process

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def terminate(self) -> None:
        """Stop every worker now, even mid-task, and wait (briefly) until they are gone."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list(_pool_processes(pool).values())
        for process in processes:
            if process.is_alive():
                process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + 1.0
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join(1.0)


def _pool_processes(
    pool: cf.ProcessPoolExecutor | None,
) -> dict[int, multiprocessing.process.BaseProcess]:
    """The pool's worker processes by pid.  The executor keeps them in a private dict
    (3.14 adds terminate_workers(), but nothing public lists them)."""
    return getattr(pool, "_processes", None) or {}
