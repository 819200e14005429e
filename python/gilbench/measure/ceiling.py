"""The machine ceiling: how much k native threads speed up here, right now.

k threads, each pinned to a core as the workers are, run the C++ kernel on a range
of the same size with the GIL released for the whole call, so no Python runs while
they work; one thread runs one such range.  ``ceiling = k · T(1 thread) / T(k
threads)``, each time net of what other programs took (``stolen``): what any backend
could reach at best with k workers on this machine.  The run samples it between the
backends' own samples, so each record is read against the ceiling of its own
moment.  A ceiling far below k means the machine cannot give its cores (a
hypervisor taking the vCPUs, which the guest cannot see, or cores that are not what
they seem), and then no scaling figure beside it means much.
"""

from __future__ import annotations

import time
from types import TracebackType

from gilbench.executors.threads import Threads
from gilbench.kernels.backends import get_backend
from gilbench.measure.timing import calibrate, time_tasks

LOW_CEILING_FRACTION = 0.8
"""Below this fraction of k cores the run warns that the machine cannot deliver them."""

CEILING_BACKEND = "cpp"  # native code that releases the GIL for the whole call


def is_low(speedup: float, workers: int, cores: int | None = None) -> bool:
    """Whether ``workers`` native threads got clearly less than the cores they could use."""
    usable = min(workers, cores) if cores else workers
    return usable > 1 and speedup < LOW_CEILING_FRACTION * usable


def ceiling_unavailable_reason() -> str | None:
    """None when the native threads can run here, else why not."""
    kernel = get_backend(CEILING_BACKEND)
    return None if kernel.available else f"it needs the C++ module: {kernel.reason}"


def calibrate_ceiling(target_s: float) -> int:
    """The range size that keeps one native thread busy for about ``target_s``."""
    kernel = get_backend(CEILING_BACKEND)
    return calibrate(lambda n: kernel.sum_squares(0, n), target_s)


class CeilingProbe:
    """Paired samples of one native thread and of ``workers`` native threads.

    Its threads are started once and pinned like the workers' (``cpus``); use it as a
    context manager so that they are let go (and not waited for after Ctrl-C).
    """

    def __init__(self, workers: int, n: int, cpus: list[int] | None = None) -> None:
        self.workers = workers
        self.n = n
        self._kernel = get_backend(CEILING_BACKEND)
        self._threads = Threads(workers, {"cpus": cpus})
        self._threads.start()

    def sample(self) -> float:
        """Time one thread, then ``workers`` threads, back to back: this moment's ceiling.

        At most ``workers``: k threads of this kernel cannot do more than k times the work
        of one, so a higher figure is a one-thread sample that another program slowed
        (under a busy neighbour a fifth of them read 2.1 to 2.8 on 2 cores).  Taking k
        then is the highest ceiling there can be, so no fraction of it is overstated.
        """
        one, many = [(0, self.n)], [(0, self.n)] * self.workers
        expected = self._kernel.expected(one)
        alone = time_tasks(self._threads, self._kernel, one, expected).net_s
        together = time_tasks(self._threads, self._kernel, many, expected).net_s
        return min(float(self.workers), self.workers * alone / together)

    def wait(self, floor: float, timeout_s: float) -> tuple[float, float]:
        """Sample until the ceiling reaches ``floor``, or time runs out.

        A shared VM can lose a core for seconds at a time, invisibly to the guest (its
        vCPU is simply not run); every figure taken then says nothing about the code.
        Waiting costs no CPU between samples.  Returns (last ceiling, seconds waited).
        """
        began = time.perf_counter()
        ceiling = self.sample()
        while ceiling < floor and time.perf_counter() - began < timeout_s:
            time.sleep(0.2)
            ceiling = self.sample()
        return ceiling, time.perf_counter() - began

    def __enter__(self) -> CeilingProbe:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is None:
            self._threads.close()
        else:  # Ctrl-C or a failure: do not wait for a call still running
            self._threads.terminate()


def wait_for_cores(
    n: int, workers: int, floor: float, timeout_s: float, cpus: list[int] | None = None
) -> tuple[float, float]:
    """``CeilingProbe.wait`` on threads started for the purpose."""
    with CeilingProbe(workers, n, cpus) as probe:
        return probe.wait(floor, timeout_s)
