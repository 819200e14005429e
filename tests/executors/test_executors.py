"""Each executor runs one task per range and returns every result in order; a task that
raises, answers wrongly or kills its worker reaches the caller, named, never a hang."""

from __future__ import annotations

import concurrent.futures as cf
import threading
from collections.abc import Iterator

import pytest

import gilbench
from gilbench.executors.base import WorkerDied, wait_all
from gilbench.executors.processes import Processes
from gilbench.executors.registry import EXECUTORS
from gilbench.executors.sequential import Sequential
from gilbench.executors.threads import Threads
from gilbench.kernels.oracle import expected_sum_squares
from helpers import FAST, dying_task, fake_kernel, wrong_task

RANGES = [(0, 1000), (5, 3000), (2**32 - 10, 2**32)]


AVAILABLE = [name for name, cls in EXECUTORS.items() if cls.unavailable() is None]
IN_THIS_PROCESS = ("sequential", "threads", "interpreters")  # workers are threads of the test


@pytest.fixture(params=AVAILABLE)
def executor(request: pytest.FixtureRequest) -> Iterator:
    """Each executor this interpreter can run, started with 2 workers, closed after."""
    started = EXECUTORS[request.param](2)
    started.start()
    yield started
    started.close()


@pytest.mark.parametrize("name", FAST)
def test_every_executor_returns_every_result_in_order(executor, name: str) -> None:
    kernel = gilbench.get_backend(name)
    if (refused := executor.refuses(kernel)) is not None:
        pytest.skip(f"{executor.name} cannot run {name}: {refused}")
    outcomes = executor.run(kernel, RANGES)
    assert [value for value, _ in outcomes] == [expected_sum_squares(*r) for r in RANGES]
    for _, cpu in outcomes:
        if executor.name in IN_THIS_PROCESS:
            assert cpu is None  # the parent's process_time already covers it
        else:
            assert cpu is not None and cpu >= 0  # the worker's own CPU time


def test_start_reports_its_time_only_where_there_is_a_pool() -> None:
    assert Sequential(2).start() is None
    threads = Threads(2)
    try:
        took = threads.start()
        assert took > 0 and threads.startup_s == took
    finally:
        threads.close()


def test_a_kernel_that_raises_in_a_worker_thread_reaches_the_caller() -> None:
    def sometimes(start: int, stop: int) -> int:
        if start == 5:
            raise ZeroDivisionError("in the pool")
        return stop - start

    threads = Threads(2)
    threads.start()
    try:
        with pytest.raises(ZeroDivisionError, match="in the pool"):
            threads.run(fake_kernel(sometimes), RANGES)
        # the pool survives a task's exception and runs the next list
        assert threads.run(fake_kernel(lambda a, b: b - a), [(0, 2)]) == [(2, None)]
    finally:
        threads.close()


def test_a_kernel_error_in_a_worker_process_reaches_the_caller() -> None:
    processes = Processes(2)
    processes.start()
    try:
        with pytest.raises(OverflowError):  # the domain is checked in the worker, too
            processes.run(gilbench.get_backend("python"), [(0, 2**32 + 1)])
    finally:
        processes.close()


def test_a_swapped_task_runs_in_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Processes, "task", staticmethod(wrong_task))
    processes = Processes(2, {})
    processes.start()
    try:
        assert processes.run(gilbench.get_backend("python"), RANGES) == [(42, 0.0)] * 3
    finally:
        processes.close()


def test_a_dead_worker_process_is_named_not_a_hang(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Processes, "task", staticmethod(dying_task))
    processes = Processes(2, {})
    processes.start()
    try:
        with pytest.raises(WorkerDied, match="while running backend 'numpy' on a pool of 2"):
            processes.run(gilbench.get_backend("numpy"), RANGES)
    finally:
        processes.terminate()


def test_the_start_method_comes_from_the_settings() -> None:
    processes = Processes(1, {"start_method": "spawn"})
    processes.start()
    try:
        pool = processes._pool
        assert pool is not None and pool._mp_context.get_start_method() == "spawn"
        assert processes.run(gilbench.get_backend("python"), [(0, 10)])[0][0] == 285
    finally:
        processes.close()


def test_terminate_stops_workers_mid_task() -> None:
    processes = Processes(2)
    processes.start()
    assert processes._pool is not None
    workers = list(processes._pool._processes.values())
    # Pure Python over the whole domain: minutes of work that only terminate() can stop.
    endless = [processes._pool.submit(Processes.task, "backend:python", 0, 2**32) for _ in "ab"]
    assert not any(future.done() for future in endless)
    processes.terminate()
    assert processes._pool is None
    assert not any(worker.is_alive() for worker in workers)
    processes.terminate()  # twice is harmless


def test_wait_all_raises_the_first_failure_and_cancels_the_rest() -> None:
    release = threading.Event()
    with cf.ThreadPoolExecutor(1) as pool:
        failing = pool.submit(lambda: 1 / 0)
        queued = pool.submit(release.wait, 10)
        with pytest.raises(ZeroDivisionError):
            wait_all([failing, queued])
        release.set()
    assert queued.cancelled() or queued.result() is True
    with cf.ThreadPoolExecutor(2) as pool:
        assert wait_all([pool.submit(lambda i=i: i * i) for i in range(4)]) == [0, 1, 4, 9]
