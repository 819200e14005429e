"""Time taken by other programs, read from the kernel: how long our threads waited for a core.

Linux counts, per thread, the time it was ready to run but waited in a run queue
(``run_delay``, the second field of ``/proc/<pid>/task/<tid>/schedstat``).  With each
worker pinned to a core of its own and no more workers than cores, none of our
threads waits for another of ours: whatever a worker waited, another program had
its core.  The longest such wait among the threads that ran one sample's tasks is
what that program added to the sample's wall time (exactly so for workers that run
side by side; for workers taking turns on the GIL it is a lower bound, so the
correction can never make held code look faster).  ``net = wall - stolen`` is then
the time the sample would have taken on the machine alone, and speedups are ratios
of net times.
The thread that only waits for the workers' results is left out: on CPython 3.13t it
stayed ready to run for most of the wait (47 ms of a 55 ms sample) while using next
to no CPU, and counting that as another program's doubled every speedup there.

What a hypervisor takes from the whole VM (steal time) is invisible here: the guest
does not see its vCPU stop.  The machine ceiling, measured beside each repeat, still
catches that.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable

Snapshot = dict[tuple[int, int], int]  # (pid, tid): nanoseconds waited so far

_SELF = os.getpid()


def supported() -> bool:
    """Whether this kernel exposes per-thread run-queue waits (Linux with schedstats)."""
    return os.path.exists(f"/proc/{_SELF}/task/{_SELF}/schedstat")


def snapshot(pids: Iterable[int] = (), threads_here: Collection[int] | None = None) -> Snapshot:
    """Every thread's run-queue wait so far, in ``pids`` and in this process (only the
    threads ``threads_here`` names, if given)."""
    waits: Snapshot = {}
    here = os.getpid()
    for pid in (here, *pids):
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:  # the process is gone
            continue
        if pid == here and threads_here is not None:
            tids = [tid for tid in tids if int(tid) in threads_here]
        for tid in tids:
            waited = _waited_ns(f"/proc/{pid}/task/{tid}/schedstat")
            if waited is not None:  # None: the thread ended meanwhile
                waits[(pid, int(tid))] = waited
    return waits


def _waited_ns(schedstat: str) -> int | None:
    """The run-queue wait so far in one thread's ``schedstat`` file; None if unreadable."""
    try:
        with open(schedstat, "rb") as file:
            return int(file.read().split()[1])
    except (OSError, IndexError, ValueError):
        return None


def thread_wait_s() -> float | None:
    """The calling thread's run-queue wait so far, in seconds; None where Linux does not say.

    For workers that run where :func:`snapshot` cannot look (a Dask worker), read by the
    worker itself before and after its task."""
    waited = _waited_ns("/proc/thread-self/schedstat")
    return None if waited is None else waited / 1e9


def longest_wait_s(before: Snapshot, after: Snapshot) -> float:
    """The longest wait for a core of any one thread between two snapshots, in seconds.

    A thread that started in between counts from zero; one that ended is lost (its wait
    went with it), which can only make the correction smaller.
    """
    waited = [ns - before.get(key, 0) for key, ns in after.items()]
    return max(waited, default=0) / 1e9
