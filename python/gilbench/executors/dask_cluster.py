"""Dask's ``distributed``: threads inside one Dask worker, or Dask workers as processes.

Dask's own advice for a worker's ``threads_per_worker`` is the GIL question again:
mostly threads for code that releases the GIL (NumPy-like), mostly processes for pure
Python.  The two executors here are the two ends of that choice, on a real scheduler:

- ``dask-threads``: one worker process with k threads; its tasks share one GIL.
- ``dask-processes``: k worker processes with one thread each, each its own GIL.

By default each starts a ``distributed.LocalCluster`` of that shape on this machine;
with ``--scheduler tcp://HOST:PORT`` both run on that existing cluster instead, on
the workers that fit the shape best, and the record says which machines they are.

Each task is submitted with ``pure=False`` (every run computes afresh) and returns
its result and the CPU time of the worker thread that ran it.  Dask's task stream
gives each task's compute span, so what the scheduler, the transfers and the client
cost is shown apart from the work (``last_overhead_s``).  ``distributed`` is an
optional dependency, imported only when one of these executors starts.
"""

from __future__ import annotations

import abc
import argparse
import contextlib
import functools
import importlib.util
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from gilbench.executors.base import (
    READY_TIMEOUT_S,
    Executor,
    ExecutorFailed,
    ExecutorOption,
    Range,
    TaskOutcome,
    WorkerDied,
)
from gilbench.kernels import Kernel, resolve
from gilbench.measure import stolen

if TYPE_CHECKING:
    from distributed import Client, Future, LocalCluster

TaskRun = tuple[Any, float, float | None]
"""What ``run_task`` returns: the result, the task's CPU time, the time it waited for a core."""

INSTALL = "pip install 'gilbench[dask]'"
CONNECT_TIMEOUT_S = 5.0
"""How long a scheduler given with --scheduler may take to answer before it counts as gone."""
STREAM_SLACK = 4
"""The task stream is read back this many times the run's tasks deep: on a shared cluster
other clients' tasks interleave with ours (ours are picked out by key)."""
CLOSE_TIMEOUT_S = 2.0
"""terminate(): how long the cluster may take to close before its workers are killed."""
QUIET = {
    # Dask's statistical profiler wakes every 10 ms in each worker to walk every thread's
    # stack, with the GIL: it slowed two 150 ms tasks under dask-threads from 150-158 ms
    # to 156-198 ms on 2 cores.
    "distributed.worker.profile.enabled": False,
    # Its health checks and monitors wake each process every 20-500 ms: an idle cluster
    # of two workers took 11% of a core, 1.5% at these intervals.  They decide nothing
    # here that a second's delay would change (a memory limit's kill, a blocked-loop log).
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
}
"""Dask's settings for the LocalCluster gilbench starts: its own bookkeeping, not the
work, off or slowed, so that it does not compete with the tasks for the cores."""


# --- what runs inside a Dask worker ------------------------------------------------------


def run_task(ref: str, start: int, stop: int, cpu: int | None = None) -> TaskRun:
    """One task on a Dask worker thread: the kernel's result, that thread's CPU time, and
    how long it waited for a core while it ran (None where Linux does not say).

    ``thread_time``, not ``process_time``: under dask-threads the worker's other threads
    run the other tasks at the same time, and each task must count only its own CPU.
    ``cpu``: the core to pin this thread to first, as the local pools pin their workers.
    """
    kernel = resolve(ref)
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})  # 0: this thread
    waited_before = stolen.thread_wait_s()
    cpu_before = time.thread_time()
    result = kernel.task(start, stop)
    cpu_s = time.thread_time() - cpu_before
    waited_after = stolen.thread_wait_s()
    waited = None if waited_before is None or waited_after is None else waited_after - waited_before
    return result, cpu_s, waited


def dask_setup(worker: object) -> None:
    """Run by each worker process of a cluster gilbench starts, as it starts (a Dask preload).

    Ctrl-C in a terminal reaches the whole process group: gilbench closes the cluster
    itself, so a worker must not die on its own half-way (and print its traceback).  A
    worker still starting, before this runs, can still be hit: a window of a fraction of
    a second per cluster, which costs a traceback on the terminal, not a stray process.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def _ctrl_c_deferred() -> Iterator[None]:
    """A Ctrl-C during the block is raised as it ends, not inside it.

    Raised inside Dask's cluster constructor, a KeyboardInterrupt leaves a cluster that
    nothing here holds, which Dask's own exit hook then tries to close for seconds.
    Python runs signal handlers in the main thread only; elsewhere nothing is deferred.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if pressed and callable(previous):
        previous(signal.SIGINT, None)  # Python's own handler raises KeyboardInterrupt
    elif pressed and previous == signal.SIG_DFL:
        raise KeyboardInterrupt


# --- availability and the --scheduler option ------------------------------------------------


@functools.cache
def _missing() -> str | None:
    # find_spec, not an import: importing distributed takes ~0.6 s, and every command asks.
    if importlib.util.find_spec("distributed") is None:
        return f"needs Dask's distributed, which is not installed: {INSTALL}"
    return None


def scheduler_address(text: str) -> str:
    """``tcp://HOST:PORT`` (or ``HOST:PORT``) of a scheduler that accepts a connection.

    Checked when the command line is read, before anything is measured: an unreachable
    scheduler is a one-line usage error within seconds, not a failure after the sizing.
    """
    address = text.strip() if "://" in text else f"tcp://{text.strip()}"
    scheme, _, location = address.partition("://")
    host, colon, port = location.rpartition(":")
    host = host.strip("[]")  # an IPv6 address is written [::1]:8786
    if scheme != "tcp" or not colon or not host or not port.isdigit() or not 0 < int(port) < 2**16:
        raise argparse.ArgumentTypeError(f"{text!r} is not a scheduler address: tcp://HOST:PORT")
    try:
        with socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as error:
        raise argparse.ArgumentTypeError(
            f"no Dask scheduler answers at {address}: {error.strerror or error}"
        ) from None
    return address


SCHEDULER = ExecutorOption(
    "--scheduler",
    "run the Dask executors on this existing cluster instead of a LocalCluster that gilbench "
    "starts; its workers need gilbench installed",
    type=scheduler_address,
    metavar="tcp://HOST:PORT",
)


# --- the task stream ----------------------------------------------------------------------


def overhead_s(wall_s: float, stream: Iterable[dict[str, Any]], keys: set[str]) -> float | None:
    """Of a run's wall time, what Dask cost apart from the work; None if a task is missing.

    The wall time less the longest per-worker compute span (from the worker's first task
    starting to its last task stopping, in Dask's task stream).  Per worker, because each
    worker stamps its tasks with its own clock, and on a real cluster two machines'
    clocks do not agree; the span, not the sum, because under dask-threads a worker's
    tasks run at the same time.  Waits for the GIL inside the span are the work's cost,
    not Dask's.  What remains is the time the client waited while even the busiest
    worker was not computing: submitting, scheduling, starting late, the results coming
    back.  A worker that started late shows here only in part, so it is a lower bound.
    """
    spans: dict[str, tuple[float, float]] = {}
    seen = set()
    for task in stream:
        if task.get("key") not in keys:
            continue
        seen.add(task["key"])
        for part in task.get("startstops", ()):
            if part["action"] != "compute":
                continue
            first, last = spans.get(task["worker"], (part["start"], part["stop"]))
            spans[task["worker"]] = (min(first, part["start"]), max(last, part["stop"]))
    if seen != keys or not spans:
        return None
    return max(0.0, wall_s - max(last - first for first, last in spans.values()))


# --- the executors --------------------------------------------------------------------------


class DaskExecutor(Executor):
    """Tasks on a Dask cluster: a LocalCluster of the class's shape, or ``--scheduler``'s.

    On a LocalCluster, task i pins the worker thread that runs it to core i
    (``settings["cpus"]``), as the local pools pin their workers, and reads how long that
    thread waited for its core; a cluster elsewhere has cores of its own, and Dask places
    the work there.  The CPU time counted is each task's own thread's plus this
    process's (the client and, for a local cluster, the scheduler), so cores busy leaves
    out the workers' own bookkeeping.
    """

    options = (SCHEDULER,)
    runs_elsewhere = True  # a worker imports the kernel by its ref
    by_default = False  # a cluster to start: measured when --executors names it

    _client: Client | None = None
    _cluster: LocalCluster | None = None

    def __init__(self, workers: int, settings: dict[str, Any] | None = None) -> None:
        super().__init__(workers, settings)
        self._targets: list[str] = []  # the workers the tasks run on
        self._pids: list[int] = []  # the worker processes this executor started
        self._described: str | None = None
        self._last: tuple[float, set[str]] | None = None  # the last run: wall time, task keys
        self._waited: float | None = None  # the last run's longest wait of a pinned task

    @classmethod
    def unavailable(cls) -> str | None:
        return _missing()

    @classmethod
    def refuses(cls, kernel: Kernel) -> str | None:
        return cls.unavailable() or super().refuses(kernel)

    def waits_are_others(self) -> bool:
        # Not for measure.stolen to watch: the worker processes hold threads of Dask's own,
        # whose waits are not the work's.  The tasks read their own (last_waited_s).
        return False

    @classmethod
    @abc.abstractmethod
    def shape(cls, workers: int) -> tuple[int, int]:
        """(worker processes, threads in each) of the LocalCluster for ``workers`` workers."""

    @classmethod
    @abc.abstractmethod
    def placement(cls, threads: dict[str, int], workers: int) -> list[str]:
        """The addresses of the workers the tasks run on, from every worker's thread count."""

    @classmethod
    def shortfall(cls, threads: dict[str, int], workers: int) -> str | None:
        """Why an existing cluster cannot give ``workers`` workers this shape; None if it can."""
        return None

    # --- start and stop

    def start(self) -> float:
        try:
            import distributed
        except ImportError as error:
            raise ExecutorFailed(
                f"{self.name}: cannot import distributed ({error}); {INSTALL}"
            ) from None
        # gilbench reports Dask's failures itself, in one line; Dask's own log lines (a
        # worker that died, a closing comm, a nanny interrupted while it started one, which
        # tornado logs) would land in the middle of the tables.
        for name in ("distributed", "tornado.application"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        address = self.settings.get("scheduler")
        began = time.perf_counter()
        # Each keeps its client (and cluster) here as soon as it exists, so that whatever
        # interrupts the start, terminate() closes them (an unclosed client's __del__ at
        # exit waits on a loop that is gone).
        client = self._connect(distributed, address) if address else self._start_local(distributed)
        try:
            threads = client.nthreads()
            answered = client.run(os.getpid)  # every worker answers: all are up
        except Exception as error:  # a worker lost while starting: no run can follow
            self.terminate()
            raise ExecutorFailed(f"{self.name}: a Dask worker did not answer: {error}") from None
        self._targets = self.placement(threads, self.workers)
        if self._cluster is not None:
            self._pids = list(answered.values())
        client.get_task_stream(count=0)  # the scheduler records tasks from now on
        self.startup_s = time.perf_counter() - began
        self._described = self._describe(distributed.__version__, address, threads)
        return self.startup_s

    def _start_local(self, distributed: Any) -> Client:
        processes, threads = self.shape(self.workers)
        import dask  # distributed's own dependency

        # Read as each server starts, and passed on by each nanny to its worker process.
        with dask.config.set(QUIET):
            return self._start_quiet(distributed, processes, threads)

    def _start_quiet(self, distributed: Any, processes: int, threads: int) -> Client:
        try:
            # The scheduler and the client first, with no worker, a Ctrl-C held back until
            # both are kept here: then a terminate() can close them while workers start.
            with _ctrl_c_deferred():
                self._cluster = distributed.LocalCluster(
                    n_workers=0,
                    threads_per_worker=threads,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    scheduler_kwargs={
                        # A worker killed mid-task fails its task at once (KilledWorker) instead
                        # of Dask retrying it on a fresh worker: the run reports the death.
                        "allowed_failures": 0,
                        # The scheduler serves HTTP even without a dashboard, on 8787 unless told
                        # otherwise, and warns when that port is taken: any free port will do.
                        "dashboard_address": "127.0.0.1:0",
                    },
                    silence_logs=logging.CRITICAL,
                    preload=[__name__],  # each worker runs dask_setup: it ignores Ctrl-C
                )
                client = self._client = distributed.Client(self._cluster, set_as_default=False)
            self._cluster.scale(processes)
            client.wait_for_workers(processes, timeout=READY_TIMEOUT_S)
        except Exception as error:
            self.terminate()
            raise ExecutorFailed(
                f"{self.name}: could not start a Dask LocalCluster of {processes} workers: "
                f"{type(error).__name__}: {error}"
            ) from None
        return client

    def _connect(self, distributed: Any, address: str) -> Client:
        try:
            with _ctrl_c_deferred():  # at most CONNECT_TIMEOUT_S
                client = self._client = distributed.Client(
                    address, timeout=CONNECT_TIMEOUT_S, set_as_default=False
                )
        except Exception as error:  # refused, timed out, or not a Dask scheduler
            raise ExecutorFailed(
                f"{self.name}: cannot connect to the Dask scheduler at {address}: {error}"
            ) from None
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
        except Exception:
            self.terminate()
            raise ExecutorFailed(
                f"{self.name}: the Dask scheduler at {address} has no workers"
            ) from None
        return client

    def _describe(self, version: str, address: str | None, threads: dict[str, int]) -> str:
        if address is None:  # the title says the shape; one line for every worker count
            return f"a Dask LocalCluster on this machine, distributed {version}"
        hosts = sorted({_host(worker) for worker in threads})
        said = (
            f"the Dask cluster at {address}: {_count(len(threads), 'worker')}, "
            f"{_count(sum(threads.values()), 'thread')}, on {', '.join(hosts)}; the tasks ran "
            f"on {', '.join(sorted(set(self._targets)))}: these figures describe those "
            f"machines, beside a sequential baseline and a ceiling measured on this one "
            f"(distributed {version} here)"
        )
        if (short := self.shortfall(threads, self.workers)) is not None:
            said += f"; {short}"
        return said

    def description(self) -> str | None:
        return self._described

    def close(self) -> None:
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        self._pids = []
        if client is not None:
            client.close()
        if cluster is not None:  # only a cluster gilbench started; an existing one stays up
            cluster.close()

    def terminate(self) -> None:
        """Stop the workers now, even mid-task, then close the client and the cluster.

        A worker busy in a long task closes only when the task ends (a cluster's polite
        close then times out after seconds), so the workers gilbench started are killed
        first, their nannies told beforehand not to start new ones in their place.
        """
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        pids, self._pids = set(self._pids), []
        if cluster is not None:
            for nanny in list(cluster.workers.values()):
                with contextlib.suppress(Exception):
                    nanny.close_gracefully(reason="gilbench-terminate")
                if nanny.pid:  # a worker the nanny started again after a death, too
                    pids.add(nanny.pid)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            if client is not None:
                client.close(timeout=CLOSE_TIMEOUT_S)
        if cluster is None:
            return
        with contextlib.suppress(Exception):
            cluster.close(timeout=CLOSE_TIMEOUT_S)
        # A nanny whose worker was still starting can keep the close waiting; Dask's exit
        # hook would then wait for it again, for seconds.  Its workers are killed or die
        # with this process (each watches its parent), so nothing is left to wait for.
        cluster.shutdown_on_close = False

    # --- the work

    def run(self, kernel: Kernel, ranges: Sequence[Range]) -> list[TaskOutcome]:
        from distributed import KilledWorker

        client = self._client
        assert client is not None, "start() first"
        began = time.perf_counter()
        # One map, not a submit per task: the client batches what it sends every 10 ms, so
        # a second submit would reach the scheduler up to 10 ms after the first, a stagger
        # of the loop's making.  Loose restrictions: the tasks go to the chosen workers
        # while they live, and on a cluster that retries (not gilbench's own) elsewhere.
        futures = client.map(
            run_task,
            [kernel.ref] * len(ranges),
            [start for start, _ in ranges],
            [stop for _, stop in ranges],
            self._cores(len(ranges)),
            pure=False,
            workers=self._targets,
            allow_other_workers=True,
        )
        try:
            _wait_until_done(futures)
            outcomes = client.gather(futures)  # raises the first task's error, if any
        except KilledWorker as error:
            raise WorkerDied(
                f"Dask worker {error.last_worker.address} died while running {kernel.label} "
                f"under {self.name} with {self.workers} workers"
            ) from None
        except OSError as error:  # the scheduler went away (CommClosedError is an OSError)
            raise ExecutorFailed(
                f"{self.name} lost its Dask scheduler while running {kernel.label}: {error}"
            ) from None
        self._last = (time.perf_counter() - began, {future.key for future in futures})
        waits = [waited for _, _, waited in outcomes]
        self._waited = max(waits) if self._pinned() and None not in waits else None
        return [(value, cpu) for value, cpu, _ in outcomes]

    def _pinned(self) -> bool:
        """Whether tasks are pinned: on a LocalCluster here, as the local pools pin workers.
        On a cluster elsewhere this machine's cores mean nothing."""
        return self._cluster is not None and self.one_core_each()

    def _cores(self, tasks: int) -> list[int | None]:
        """The core each task pins its thread to (task i to core i), or None each."""
        if not self._pinned() or not self.cpus:
            return [None] * tasks
        return [self.cpus[index % len(self.cpus)] for index in range(tasks)]

    def last_waited_s(self) -> float | None:
        """The longest a pinned task waited for its core: with every task on a core of its
        own, another program had it (or, briefly, Dask's own threads, which sleep while
        tasks run), as for the local pools (``measure.stolen``)."""
        waited, self._waited = self._waited, None
        return waited

    def last_overhead_s(self) -> float | None:
        last, self._last = self._last, None
        if last is None or self._client is None:
            return None
        wall, keys = last
        return overhead_s(wall, self._client.get_task_stream(count=STREAM_SLACK * len(keys)), keys)


def _wait_until_done(futures: Sequence[Future]) -> None:
    """Until every task is done or one has failed.

    Waiting on an event here rather than inside Dask's own blocking ``gather`` keeps
    Ctrl-C from cancelling a gather half-way, which leaves asyncio to print "Task
    exception was never retrieved" over the report when the process exits.
    """
    finished = threading.Event()
    left = len(futures)
    lock = threading.Lock()

    def one_done(future: Future) -> None:
        nonlocal left
        with lock:
            left -= 1
            if left == 0 or future.status != "finished":
                finished.set()

    for future in futures:
        future.add_done_callback(one_done)
    finished.wait()


class DaskThreads(DaskExecutor):
    name = "dask-threads"
    title = "dask-threads: one Dask worker process with a thread per worker"
    shares_gil = True

    @classmethod
    def heading(cls, gil_enabled: bool) -> str:
        return f"{cls.title}, {'one GIL shared' if gil_enabled else 'no GIL on this build'}"

    @classmethod
    def shape(cls, workers: int) -> tuple[int, int]:
        return 1, workers

    @classmethod
    def placement(cls, threads: dict[str, int], workers: int) -> list[str]:
        # Every task on the one worker with the most threads (the first such, by address).
        return [max(sorted(threads), key=lambda address: threads[address])]

    @classmethod
    def shortfall(cls, threads: dict[str, int], workers: int) -> str | None:
        most = max(threads.values())
        if most >= workers:
            return None
        return f"its largest worker has {_count(most, 'thread')}, so {workers} tasks took turns"


class DaskProcesses(DaskExecutor):
    name = "dask-processes"
    title = "dask-processes: one Dask worker process per worker, one thread each"
    shares_gil = False

    @classmethod
    def shape(cls, workers: int) -> tuple[int, int]:
        return workers, 1

    @classmethod
    def placement(cls, threads: dict[str, int], workers: int) -> list[str]:
        return sorted(threads)[:workers]  # the scheduler then gives each one task

    @classmethod
    def shortfall(cls, threads: dict[str, int], workers: int) -> str | None:
        if len(threads) >= workers:
            return None
        return f"it has {_count(len(threads), 'worker')} for {workers} tasks, so some shared one"


def _count(n: int, noun: str) -> str:
    plural = "es" if noun.endswith("s") else "s"
    return f"{n} {noun}{'' if n == 1 else plural}"


def _host(address: str) -> str:
    return address.partition("://")[2].rpartition(":")[0] or address
