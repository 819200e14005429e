"""What every executor is, and what they share: pinning, waiting, a dead worker.

Each executor is created once per worker count; its start-up (creating the pool and
getting every worker to answer) is timed apart from the tasks.  ``run`` hands one
range to each task and returns, per task, its result and, for tasks that ran in
another process, the CPU time that process spent on it (the parent's own
``process_time`` already covers threads running inside it).
"""

from __future__ import annotations

import abc
import concurrent.futures as cf
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from gilbench.kernels import Kernel

TaskOutcome = tuple[int, float | None]  # (result, CPU seconds spent in a worker process)
Range = tuple[int, int]

READY_TIMEOUT_S = 120.0  # a pool whose workers cannot start in this long is broken


class ExecutorFailed(RuntimeError):
    """An executor could not start or lost its workers: the run cannot go on (one line)."""


class WorkerDied(ExecutorFailed):
    """A worker process exited while running a task (crashed, killed, out of memory)."""


@dataclass(frozen=True)
class ExecutorOption:
    """A command-line option an executor adds to every command that runs it."""

    flag: str  # e.g. "--start-method"
    help: str
    default: Any = None
    choices: tuple[str, ...] | None = None
    type: Callable[[str], Any] | None = None  # turns the text into a value, or fails in one line
    metavar: str | None = None

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")


class Executor(abc.ABC):
    """One way to run a list of tasks on ``workers`` workers.

    ``settings`` holds the values of every executor option (by ``dest``) and ``cpus``,
    the cores to pin worker i to (``cpus[i % len(cpus)]``), or None for no pinning.
    """

    name: ClassVar[str]
    title: ClassVar[str]  # one line for report headings
    shares_gil: ClassVar[bool]  # True: its workers take turns on one GIL (when there is one)
    runs_elsewhere: ClassVar[bool] = False  # True: workers rebuild the kernel from its ref
    by_default: ClassVar[bool] = True  # measured when --executors is not given (if available)
    options: ClassVar[tuple[ExecutorOption, ...]] = ()

    def __init__(self, workers: int, settings: dict[str, Any] | None = None) -> None:
        self.workers = workers
        self.settings = settings or {}
        self.startup_s: float | None = None

    @classmethod
    def unavailable(cls) -> str | None:
        """Why this executor cannot run on this interpreter or OS; None when it can."""
        return None

    @classmethod
    def refuses(cls, kernel: Kernel) -> str | None:
        """Why this executor cannot run ``kernel``; None when it can."""
        return kernel.stays_here if cls.runs_elsewhere else None

    @classmethod
    def heading(cls, gil_enabled: bool) -> str:
        """The title, in the words that matter for the GIL on this build."""
        return cls.title

    def start(self) -> float | None:
        """Start the workers; the seconds it took, or None when there is nothing to start."""
        return None

    @abc.abstractmethod
    def run(self, kernel: Kernel, ranges: Sequence[Range]) -> list[TaskOutcome]:
        """One task per range; every result, in order.  Raises the first failure."""

    def close(self) -> None:  # noqa: B027 - nothing to close is a fine default
        """Let the workers finish and stop them."""

    def terminate(self) -> None:  # noqa: B027 - nothing to stop is a fine default
        """Stop every worker now, even mid-task (Ctrl-C, a failure)."""

    def worker_pids(self) -> list[int]:
        """The processes its workers run in, besides this one (none: they are threads here)."""
        return []

    def worker_threads(self) -> list[int] | None:
        """The native ids of the threads of this process that run the tasks; None when
        the tasks run in the calling thread. Only their waits for a core are counted as
        time other programs took (``measure.stolen``): the calling thread only waits
        for the results meanwhile, and on a free-threaded build it stays ready to run
        while it waits, so its own wait for a core is no sign of another program."""
        return None

    def waits_are_others(self) -> bool:
        """Whether a worker waiting for a core can only mean another program had it: each
        worker pinned to a core of its own (``measure.stolen`` subtracts such waits)."""
        return self.one_core_each()

    def one_core_each(self) -> bool:
        """Whether each worker is pinned to a core of its own."""
        return bool(self.cpus) and self.workers <= len(self.cpus or ())

    def last_waited_s(self) -> float | None:
        """Of the last ``run``, the longest a worker waited for a core another program had,
        where the executor reads its workers' waits itself (they run where ``measure.stolen``
        cannot watch them); None elsewhere."""
        return None

    def last_overhead_s(self) -> float | None:
        """Of the last ``run``'s wall time, the seconds the executor itself cost (scheduling,
        transfers) apart from the work, when it can tell; None when it cannot."""
        return None

    def description(self) -> str | None:
        """What the started workers are, in words, where the title does not say it all (a
        cluster's machines and versions); recorded beside the start-up time."""
        return None

    @property
    def cpus(self) -> list[int] | None:
        return self.settings.get("cpus")


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


def pin_to(cpus: Sequence[int] | None, slot: int) -> None:
    # pid 0 is the calling thread: each worker thread (or process) pins only itself.
    if cpus:
        os.sched_setaffinity(0, {cpus[slot % len(cpus)]})


def wait_all(futures: list[cf.Future]) -> list:
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
