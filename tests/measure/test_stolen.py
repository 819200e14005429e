"""Time other programs take from our threads, read from the kernel's run-queue waits."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import time

import pytest

from gilbench.executors.sequential import Sequential
from gilbench.executors.threads import Threads
from gilbench.measure import stolen
from gilbench.measure.timing import Sample, time_tasks
from helpers import fake_kernel, spinner_on

needs_schedstat = pytest.mark.skipif(
    not stolen.supported(), reason="needs Linux per-thread schedstat"
)


def test_the_longest_wait_of_any_one_thread_counts() -> None:
    before = {(1, 1): 100, (1, 2): 5_000}
    after = {(1, 1): 2_000_100, (1, 2): 1_005_000, (1, 3): 3_000_000}  # (1, 3) is new
    assert stolen.longest_wait_s(before, after) == pytest.approx(0.003)
    assert stolen.longest_wait_s({}, {}) == 0.0


def test_net_time_is_wall_minus_stolen_at_most_half() -> None:
    assert Sample(0.05, 0.04, 0.01).net_s == pytest.approx(0.04)
    assert Sample(0.05, 0.04).net_s == 0.05
    assert Sample(0.05, 0.04, 0.04).net_s == pytest.approx(0.025)
    assert Sample(0.05, 0.04, 0.04).mostly_stolen and not Sample(0.05, 0.04, 0.02).mostly_stolen


@needs_schedstat
def test_a_snapshot_sees_this_thread_and_a_worker_process() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)"])
    try:
        seen = stolen.snapshot([child.pid])
        assert (os.getpid(), os.getpid()) in seen
        assert any(pid == child.pid for pid, _ in seen)
    finally:
        child.kill()
        child.wait()


@needs_schedstat
@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="pins to one core")
def test_a_program_spinning_on_our_core_shows_as_stolen_time() -> None:
    """A busy process pinned to our core: the scheduler shares the core, so a good part of
    our wall time is spent waiting for it, and the kernel counts that wait."""
    core = min(os.sched_getaffinity(0))
    old = os.sched_getaffinity(0)
    with spinner_on(core):
        try:
            os.sched_setaffinity(0, {core})
            time.sleep(0.2)  # the spinner is up and running
            before = stolen.snapshot()
            began = time.perf_counter()
            while time.perf_counter() - began < 0.4:
                pass
            wall = time.perf_counter() - began
            waited = stolen.longest_wait_s(before, stolen.snapshot())
        finally:
            os.sched_setaffinity(0, old)
    assert waited > 0.2 * wall  # a fair share would be about half


@needs_schedstat
def test_time_tasks_subtracts_only_where_waits_are_others() -> None:
    kernel = fake_kernel(lambda start, stop: sum(i * i for i in range(start, stop)), "busy")
    alone = time_tasks(Sequential(1), kernel, [(0, 100_000)], kernel.expected([(0, 100_000)]))
    assert alone.stolen_s >= 0.0
    unpinned = Threads(2, {"cpus": None})
    unpinned.start()
    try:
        ranges = [(0, 100_000)] * 2
        shared = time_tasks(unpinned, kernel, ranges, kernel.expected(ranges))
    finally:
        unpinned.close()
    assert shared.stolen_s == 0.0  # unpinned threads may wait for each other: not counted


@needs_schedstat
@pytest.mark.skipif(
    not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="pins to two cores",
)
def test_only_the_threads_that_run_the_tasks_are_watched() -> None:
    """Another thread of ours waits for a core the whole sample (as a free-threaded
    build's main thread does while it waits for the results): not the tasks' wait."""
    task_core, other_core = sorted(os.sched_getaffinity(0))[:2]
    stop = threading.Event()

    def waits_for_a_core() -> None:  # GIL-free work on the spinner's core
        os.sched_setaffinity(0, {other_core})
        while not stop.is_set():
            hashlib.pbkdf2_hmac("sha256", b"x", b"y", 20_000)

    other = threading.Thread(target=waits_for_a_core)
    pool = Threads(1, {"cpus": [task_core]})
    with spinner_on(other_core):
        other.start()
        pool.start()
        try:
            assert pool.worker_threads()
            assert threading.get_native_id() not in pool.worker_threads()
            time.sleep(0.1)
            kernel = fake_kernel(lambda start, stop: time.sleep(0.3) or 0, "sleeps")
            sample = time_tasks(pool, kernel, [(0, 1)], None)
            everyone = stolen.snapshot()
            time.sleep(0.3)
            everyone_waited = stolen.longest_wait_s(everyone, stolen.snapshot())
        finally:
            pool.close()
            stop.set()
            other.join()
    assert everyone_waited > 0.05  # the other thread did wait, and is seen when all are
    assert sample.stolen_s < 0.05


def test_workers_needing_far_more_cpu_than_the_baseline_did_not_have_whole_cores() -> None:
    from gilbench.measure.run import _cores_shared

    pinned = Threads(2, {"cpus": [0, 1]})
    unpinned = Threads(2, {"cpus": None})
    baseline = Sample(0.080, 0.080)
    executors = [Sequential(2), pinned]
    # Two vCPUs on one core's two hardware threads: the same work, twice the CPU time.
    assert _cores_shared({"sequential": baseline, "threads": Sample(0.080, 0.160)}, executors)
    assert not _cores_shared({"sequential": baseline, "threads": Sample(0.041, 0.082)}, executors)
    # Work that waits rather than computes says nothing about the cores.
    waiting = {"sequential": Sample(0.080, 0.001), "threads": Sample(0.040, 0.004)}
    assert not _cores_shared(waiting, executors)
    # Unpinned workers may share a core with each other: not judged.
    shared = {"sequential": baseline, "threads": Sample(0.080, 0.160)}
    assert not _cores_shared(shared, [Sequential(2), unpinned])
