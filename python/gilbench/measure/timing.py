"""Timing primitives: one timed run of a task list, result checks, task sizing.

Wall time comes from ``perf_counter``.  CPU time is that of the whole process tree:
the parent's ``process_time`` (which covers all its threads) plus the CPU time each
worker process reports for its own task.  CPU/wall is then the number of cores
that were actually busy: the most direct picture of the GIL.  The time another
program kept a worker from its core is read from the kernel (``stolen``) and kept
apart: speedups are made of the net time.  An executor that can tell its own cost
apart from the work (Dask, from its task stream) adds it as ``overhead_s``.
"""

from __future__ import annotations

import reprlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from gilbench.executors.base import Executor, ExecutorFailed
from gilbench.kernels import Kernel
from gilbench.kernels.domain import LIMIT
from gilbench.measure import stolen


class WrongResult(RuntimeError):
    """A kernel returned something other than the exact sum: the run is void."""


class BackendFailed(RuntimeError):
    """A kernel raised while being measured (other than a dead worker or a wrong sum)."""


@dataclass(frozen=True)
class Sample:
    wall_s: float
    cpu_s: float
    stolen_s: float = 0.0  # the longest a worker waited for a core another program had
    overhead_s: float | None = None  # of wall_s, the executor's own cost, where it can tell

    @property
    def net_s(self) -> float:
        """The wall time without what another program took: what speedups are made of.

        At most half is taken off: a wait is counted when the thread gets its core back,
        so one that began before the sample may be counted in it; a sample that lost
        more than half (``mostly_stolen``) says little, and its repeat is taken again.
        """
        return self._less_stolen(self.wall_s)

    @property
    def work_s(self) -> float:
        """The net time less what the executor itself cost apart from the work, where it
        can tell (a Dask run's scheduling and transfers): the span the workers computed.
        The net time elsewhere."""
        return self._less_stolen(self.wall_s - (self.overhead_s or 0.0))  # overhead <= wall

    def _less_stolen(self, seconds: float) -> float:
        """``seconds`` less the stolen time, at most half of it (see ``net_s``)."""
        return seconds - min(self.stolen_s, seconds / 2)

    @property
    def mostly_stolen(self) -> bool:
        return self.stolen_s > self.wall_s / 2


def time_tasks(
    executor: Executor,
    kernel: Kernel,
    ranges: Sequence[tuple[int, int]],
    expected: dict[tuple[int, int], Any] | None,
) -> Sample:
    """Run ``ranges`` on ``executor`` once; check every result (unless ``expected`` is None);
    return wall and CPU time.

    A kernel that raises is reported as :class:`BackendFailed`, naming the kernel, the
    executor and the range; a failed executor (a dead worker: ``ExecutorFailed``) and Ctrl-C
    go up as they are.
    """
    watch = stolen.supported() and executor.waits_are_others()
    pids = executor.worker_pids() if watch else []
    threads_here = executor.worker_threads() if watch else None
    waits = stolen.snapshot(pids, threads_here) if watch else {}
    cpu_before = time.process_time()
    began = time.perf_counter()
    try:
        outcomes = executor.run(kernel, ranges)
    except (ExecutorFailed, KeyboardInterrupt):
        raise
    except Exception as error:
        start, stop = ranges[0][0], ranges[-1][1]
        raise BackendFailed(
            f"{kernel.label} failed under {executor.name} with {executor.workers} "
            f"workers on {len(ranges)} tasks within range({start}, {stop}): "
            f"{type(error).__name__}: {error}"
        ) from error
    wall = time.perf_counter() - began
    cpu = time.process_time() - cpu_before
    if watch:
        taken = stolen.longest_wait_s(waits, stolen.snapshot(pids, threads_here))
    else:
        taken = executor.last_waited_s() or 0.0
    cpu += sum(worker_cpu for _, worker_cpu in outcomes if worker_cpu is not None)
    for task_range, (value, _) in zip(ranges, outcomes, strict=True):
        if expected is not None and not same_result(value, expected[task_range]):
            raise WrongResult(_wrong(kernel, executor, task_range, value, expected[task_range]))
    return Sample(wall, cpu, taken, executor.last_overhead_s())


def _wrong(kernel: Kernel, executor: Executor, task: tuple[int, int], value: Any, want: Any) -> str:
    on = f"under {executor.name} with {executor.workers} workers"
    if kernel.kind == "probe":  # the answer is the function's own first result
        return (
            f"{kernel.label} {on} returned {reprlib.repr(value)}, not its first result "
            f"{reprlib.repr(want)}; if it is not meant to be deterministic, pass --no-check"
        )
    start, stop = task
    return (
        f"{kernel.label} {on} returned {value} for range({start}, {stop}); "
        f"the exact answer is {want}"
    )


def same_result(value: Any, expected: Any) -> bool:
    """Whether a task's result equals the expected one; arrays compare element by element."""
    try:
        return bool(value == expected)
    except (TypeError, ValueError):  # an array's == is an array, whose truth is ambiguous
        import numpy

        return bool(numpy.array_equal(value, expected))


def timed_once(kernel: Kernel, n: int) -> float:
    """Seconds one call of ``kernel`` on ``range(0, n)`` takes (at least a microsecond)."""
    began = time.perf_counter()
    kernel.sum_squares(0, n)
    return max(1e-6, time.perf_counter() - began)


def _best_time(function: Callable[[int], object], n: int, tries: int = 2) -> float:
    best = float("inf")
    for _ in range(tries):
        began = time.perf_counter()
        function(n)
        best = min(best, time.perf_counter() - began)
    return best


def calibrate(
    function: Callable[[int], object], target_s: float, *, first_n: int = 1000, limit: int = LIMIT
) -> int:
    """The task size ``n`` for which ``function(n)`` lasts about ``target_s`` seconds.

    Grows ``n`` until one call is long enough to time well (a fifth of the target),
    then scales linearly: the kernel is O(n).  Capped at the kernel's domain, so a
    very fast kernel may get a shorter task than asked.
    """
    n = max(1, min(first_n, limit))
    while True:
        elapsed = _best_time(function, n)
        if elapsed >= target_s / 5 or n >= limit:
            break
        # Under a millisecond the timing is too coarse to aim with: grow tenfold.
        grow = 10.0 if elapsed < 1e-3 else min(10.0, target_s / 4 / elapsed)
        n = min(limit, max(n + 1, int(n * grow)))
    return max(1, min(limit, round(n * target_s / max(elapsed, 1e-9))))
