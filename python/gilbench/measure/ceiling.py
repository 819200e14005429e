"""The machine ceiling: how much k plain native threads speed up here, right now.

k threads each run the native loop on a range of the same size, with the GIL
released for the whole call and no Python involved while they run; one thread runs
one such range.  ``ceiling = k · T(1 thread) / T(k threads)``: what any backend
could reach at best with k workers on this machine.  The run samples it between the
backends' own samples, so each record is read against the ceiling of its own
moment.  A ceiling far below k means the machine is busy (or its cores are not what
they seem), and then no scaling figure beside it means much.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from gilbench.kernels.backends import BackendUnavailable, native_threads
from gilbench.measure.timing import calibrate, expected_results

LOW_CEILING_FRACTION = 0.8
"""Below this fraction of k cores the run warns that the machine cannot deliver them."""


def is_low(speedup: float, workers: int, cores: int | None = None) -> bool:
    """Whether ``workers`` native threads got clearly less than the cores they could use."""
    usable = min(workers, cores) if cores else workers
    return usable > 1 and speedup < LOW_CEILING_FRACTION * usable


def ceiling_unavailable_reason() -> str | None:
    """None when native threads can run here, else why not."""
    try:
        native_threads([(0, 1)])
    except BackendUnavailable as error:
        return str(error)
    return None


def calibrate_ceiling(target_s: float) -> int:
    """The range size that keeps one native thread busy for about ``target_s``."""
    return calibrate(lambda n: native_threads([(0, n)]), target_s)


@dataclass
class CeilingProbe:
    """Paired samples of one native thread and of ``workers`` native threads."""

    workers: int
    n: int
    one_thread_s: list[float] = field(default_factory=list)
    k_threads_s: list[float] = field(default_factory=list)

    def sample(self) -> float:
        """Time one thread, then ``workers`` threads, back to back: this moment's ceiling."""
        one, many = [(0, self.n)], [(0, self.n)] * self.workers
        expected = expected_results(one)
        self.one_thread_s.append(_timed(one, expected))
        self.k_threads_s.append(_timed(many, expected))
        return self.workers * self.one_thread_s[-1] / self.k_threads_s[-1]

    @property
    def ratios(self) -> list[float]:
        """The ceiling of each sample: k threads' speedup over one, paired."""
        return [
            self.workers * one / many
            for one, many in zip(self.one_thread_s, self.k_threads_s, strict=True)
        ]


def _timed(ranges: list[tuple[int, int]], expected: dict[tuple[int, int], int]) -> float:
    began = time.perf_counter()
    results = native_threads(ranges)
    elapsed = time.perf_counter() - began
    if any(value != expected[r] for r, value in zip(ranges, results, strict=True)):
        raise RuntimeError("native threads returned a wrong sum: the C++ module is broken")
    return elapsed


def wait_for_cores(n: int, workers: int, floor: float, timeout_s: float) -> tuple[float, float]:
    """Sample the ceiling until ``workers`` native threads reach ``floor``, or time runs out.

    A shared VM can lose a core for seconds at a time, invisibly to the guest (its
    vCPU is simply not run); every figure taken then says nothing about the code.
    Waiting costs no CPU between samples.  Returns (last ceiling, seconds waited).
    """
    probe = CeilingProbe(workers, n)
    began = time.perf_counter()
    ceiling = probe.sample()
    while ceiling < floor and time.perf_counter() - began < timeout_s:
        time.sleep(0.2)
        ceiling = probe.sample()
    return ceiling, time.perf_counter() - began
