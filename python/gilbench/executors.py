"""The three ways to run a list of tasks: one after another, on threads, on processes.

Each executor is created once per worker count; its start-up (creating the pool and
getting every worker to answer) is timed apart from the tasks.  ``run`` hands one
range to each task and returns, per task, its result and, for tasks that ran in
another process, the CPU time that process spent on it (the parent's own
``process_time`` already covers threads running inside it).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from gilbench.backends import get_backend

if TYPE_CHECKING:
    from multiprocessing.sharedctypes import Synchronized

EXECUTORS = ("sequential", "threads", "processes")

TaskOutcome = tuple[int, float | None]  # (result, CPU seconds spent in a worker process)
Task = Callable[[str, int, int], tuple[int, float]]

_READY_TIMEOUT_S = 120.0  # a pool whose workers cannot start in this long is broken


class WorkerDied(RuntimeError):
    """A worker process exited while running a task (crashed, killed, out of memory)."""


def default_start_method() -> str:
    """``forkserver`` where it exists (the default from Python 3.14), else ``spawn``.

    Plain ``fork`` copies a process that already runs threads (the progress bar, the
    thread pool), which can deadlock the child; it stays available on request.
    """
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


def start_methods() -> list[str]:
    return multiprocessing.get_all_start_methods()


def pinning_supported() -> bool:
    """Whether a worker can be pinned to one core (Linux's ``sched_setaffinity``)."""
    return hasattr(os, "sched_setaffinity")


def pin_refusal(pin: bool) -> str | None:
    """Why workers will not be pinned although ``pin`` asks for it; None otherwise."""
    if pin and not pinning_supported():
        return "--pin asked for, but this OS cannot pin a thread to a core"
    return None


def pin_cpus(pin: bool) -> list[int] | None:
    """The cores workers are pinned to, one each in turn; None when not pinning.

    Why pin: for tasks of a few milliseconds the OS scheduler often wakes the second
    worker on the core the first is already using and moves it only at its next load
    balance, a few ms later; two tasks then run one after the other on one core.
    Pinning worker i to core i takes that placement out of the measurement and leaves
    the GIL as the only thing that can serialise them.
    """
    if not pin or not pinning_supported():
        return None
    return sorted(os.sched_getaffinity(0))


def _pin_to(cpus: Sequence[int] | None, slot: int) -> None:
    # pid 0 is the calling thread: each worker thread (or process) pins only itself.
    if cpus:
        os.sched_setaffinity(0, {cpus[slot % len(cpus)]})


# --- what runs inside a worker process --------------------------------------------

_ready_barrier: threading.Barrier | None = None


def run_task(backend_name: str, start: int, stop: int) -> tuple[int, float]:
    """One task in a worker process: the kernel's result and the CPU time it took there."""
    backend = get_backend(backend_name)
    cpu_before = time.process_time()
    result = backend.sum_squares(start, stop)
    return result, time.process_time() - cpu_before


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
        _pin_to(cpus, slot)


def _answer_when_all_ready() -> int:
    # Each worker blocks here until all have arrived: w answers prove w live workers.
    if _ready_barrier is not None:
        _ready_barrier.wait(_READY_TIMEOUT_S)
    return os.getpid()


# --- the executors -----------------------------------------------------------------


class Sequential:
    """The baseline: the tasks one after another in the calling thread."""

    name = "sequential"

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.startup_s: float | None = None

    def start(self) -> float | None:
        return None  # nothing to start

    def run(self, backend_name: str, ranges: Sequence[tuple[int, int]]) -> list[TaskOutcome]:
        backend = get_backend(backend_name)
        return [(backend.sum_squares(start, stop), None) for start, stop in ranges]

    def close(self) -> None:
        pass

    def terminate(self) -> None:
        pass


class Threads:
    """A ``ThreadPoolExecutor`` with one thread per worker, all in this process."""

    name = "threads"

    def __init__(self, workers: int, cpus: list[int] | None = None) -> None:
        self.workers = workers
        self.cpus = cpus
        self.startup_s: float | None = None
        self._pool: cf.ThreadPoolExecutor | None = None

    def start(self) -> float:
        began = time.perf_counter()
        self._pool = cf.ThreadPoolExecutor(self.workers, thread_name_prefix="gilbench")
        # While the barrier holds every task, each runs on a thread of its own: the
        # pool is then fully started, and each thread pins itself once, if asked.
        barrier = threading.Barrier(self.workers)

        def ready(slot: int) -> None:
            _pin_to(self.cpus, slot)
            barrier.wait(_READY_TIMEOUT_S)

        _wait_all([self._pool.submit(ready, slot) for slot in range(self.workers)])
        self.startup_s = time.perf_counter() - began
        return self.startup_s

    def run(self, backend_name: str, ranges: Sequence[tuple[int, int]]) -> list[TaskOutcome]:
        assert self._pool is not None, "start() first"
        kernel = get_backend(backend_name).sum_squares
        futures = [self._pool.submit(kernel, start, stop) for start, stop in ranges]
        return [(value, None) for value in _wait_all(futures)]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def terminate(self) -> None:
        # A running thread cannot be stopped; drop the queue and let the caller leave.
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


class Processes:
    """A ``ProcessPoolExecutor`` with one process per worker, each with its own GIL."""

    name = "processes"

    def __init__(
        self,
        workers: int,
        start_method: str | None = None,
        task: Task = run_task,
        cpus: list[int] | None = None,
    ) -> None:
        self.workers = workers
        self.cpus = cpus
        self.start_method = start_method or default_start_method()
        self.startup_s: float | None = None
        self._task = task
        self._pool: cf.ProcessPoolExecutor | None = None

    def start(self) -> float:
        context = multiprocessing.get_context(self.start_method)
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
            _wait_all([self._pool.submit(_answer_when_all_ready) for _ in range(self.workers)])
        except BrokenProcessPool as error:
            raise WorkerDied(f"a worker process died while the pool started: {error}") from None
        self.startup_s = time.perf_counter() - began
        return self.startup_s

    def run(self, backend_name: str, ranges: Sequence[tuple[int, int]]) -> list[TaskOutcome]:
        assert self._pool is not None, "start() first"
        try:
            futures = [self._pool.submit(self._task, backend_name, a, b) for a, b in ranges]
            return [(value, cpu) for value, cpu in _wait_all(futures)]
        except BrokenProcessPool:
            raise WorkerDied(
                f"a worker process died while running backend {backend_name!r} "
                f"on a pool of {self.workers} processes"
            ) from None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def terminate(self) -> None:
        """Stop every worker now, even mid-task, and wait (briefly) until they are gone."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        # The executor keeps its processes in a private dict (3.14 adds terminate_workers()).
        processes = list((getattr(pool, "_processes", None) or {}).values())
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


Executor = Sequential | Threads | Processes


def make_executor(
    name: str,
    workers: int,
    start_method: str | None = None,
    task: Task = run_task,
    cpus: list[int] | None = None,
) -> Executor:
    """``cpus``: pin worker i to ``cpus[i % len(cpus)]`` (see ``pin_cpus``); None: no pinning."""
    if name == "sequential":
        return Sequential(workers)
    if name == "threads":
        return Threads(workers, cpus)
    if name == "processes":
        return Processes(workers, start_method, task, cpus)
    raise ValueError(f"unknown executor {name!r}; choose from: {', '.join(EXECUTORS)}")


@contextlib.contextmanager
def started(
    names: Sequence[str],
    workers: int,
    startups: list[dict[str, Any]],
    start_method: str | None = None,
    task: Task = run_task,
    cpus: list[int] | None = None,
) -> Iterator[list[Executor]]:
    """Start each executor once, recording its start-up time in ``startups``.

    They are closed when the block ends; if anything escapes it (Ctrl-C, a dead
    worker), every worker is terminated before the exception goes on up.
    """
    executors: list[Executor] = []
    try:
        for name in names:
            executor = make_executor(name, workers, start_method, task, cpus)
            executors.append(executor)
            startup = executor.start()
            if startup is not None:
                startups.append({"executor": name, "workers": workers, "startup_s": startup})
        yield executors
    except BaseException:
        for executor in executors:
            executor.terminate()
        raise
    for executor in executors:
        executor.close()


def _wait_all(futures: list[cf.Future]) -> list:
    """Every future's result in order; the first failure is raised at once.

    Waiting on the futures (not on a blocking ``result()``) keeps the main thread
    responsive to Ctrl-C.
    """
    done, pending = cf.wait(futures, return_when=cf.FIRST_EXCEPTION)
    for future in done:
        if future.exception() is not None:
            for other in pending:
                other.cancel()
            raise future.exception()
    return [future.result() for future in futures]
