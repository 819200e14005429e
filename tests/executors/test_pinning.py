"""``--pin``: each worker thread or process pinned to a core of its own, in turn."""

from __future__ import annotations

import functools
import multiprocessing
import os
import threading

import pytest

from gilbench.executors import base
from gilbench.executors.base import pin_cpus, pin_refusal, pinning_supported
from gilbench.executors.processes import Processes, default_start_method
from gilbench.executors.threads import Threads
from helpers import affinity_when_all_arrive, resolved

needs_pinning = pytest.mark.skipif(not pinning_supported(), reason="this OS cannot pin threads")


def test_every_command_pins_by_default_and_no_pin_turns_it_off() -> None:
    for command in ("run", "seed", "crossover"):
        assert resolved(command).pin is True
        assert resolved(command, "--no-pin").pin is False


@needs_pinning
def test_no_pinning_asked_means_no_cores() -> None:
    assert pin_cpus(False) is None
    assert pin_cpus(True) == sorted(os.sched_getaffinity(0))


def test_pinning_where_the_os_cannot_is_refused_with_a_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(base, "pinning_supported", lambda: False)
    assert pin_refusal(False) is None
    assert "cannot pin" in (pin_refusal(True) or "")
    assert pin_cpus(True) is None


@needs_pinning
def test_pinned_threads_each_get_one_core_in_turn() -> None:
    cpus = pin_cpus(True)
    assert cpus is not None
    mine = os.sched_getaffinity(0)
    threads = Threads(3, {"cpus": cpus})
    threads.start()
    together = threading.Barrier(3)

    def affinity() -> set[int]:
        together.wait(10)  # all three at once: each on a thread of its own
        return os.sched_getaffinity(0)

    try:
        assert threads._pool is not None
        affinities = [f.result() for f in [threads._pool.submit(affinity) for _ in range(3)]]
    finally:
        threads.close()
    assert sorted(cpu for a in affinities for cpu in a) == sorted(
        cpus[i % len(cpus)] for i in range(3)
    )
    assert os.sched_getaffinity(0) == mine  # the calling thread stays free


@needs_pinning
def test_pinned_processes_each_get_one_core_in_turn() -> None:
    cpus = pin_cpus(True)
    assert cpus is not None
    processes = Processes(2, {"cpus": cpus})
    with multiprocessing.get_context(default_start_method()).Manager() as manager:
        together = manager.Barrier(2)  # a proxy: it travels to a worker with its task
        processes.start()
        try:
            assert processes._pool is not None
            submit = functools.partial(processes._pool.submit, affinity_when_all_arrive, together)
            outcomes = [[f.result() for f in (submit(), submit())] for _ in range(10)]
        finally:
            processes.close()
    for outcome in outcomes:
        cores = sorted(cpu for affinity in outcome for cpu in affinity)
        assert cores == sorted(cpus[i % len(cpus)] for i in range(2))
