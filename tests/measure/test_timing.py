"""One timed, checked run of a task list; sizing a task; the machine ceiling's arithmetic."""

from __future__ import annotations

import dataclasses

import pytest

import gilbench
from gilbench.executors.base import WorkerDied
from gilbench.executors.sequential import Sequential
from gilbench.executors.threads import Threads
from gilbench.kernels.oracle import expected_sum_squares
from gilbench.measure import ceiling
from gilbench.measure.ceiling import CeilingProbe, is_low
from gilbench.measure.timing import (
    BackendFailed,
    Sample,
    WrongResult,
    calibrate,
    time_tasks,
)
from helpers import fake_kernel, wrong

RANGES = [(0, 5000), (0, 5000), (7, 9)]
PYTHON = gilbench.get_backend("python")


def test_a_kernel_expects_one_answer_per_distinct_range() -> None:
    assert PYTHON.expected(RANGES) == {
        (0, 5000): expected_sum_squares(0, 5000),
        (7, 9): 49 + 64,
    }


def test_a_checked_run_gives_wall_and_cpu_time() -> None:
    sample = time_tasks(
        Sequential(3), gilbench.get_backend("python"), RANGES, PYTHON.expected(RANGES)
    )
    assert isinstance(sample, Sample)
    assert sample.wall_s > 0 and sample.cpu_s >= 0


def test_a_wrong_sum_voids_the_run_naming_everything() -> None:
    threads = Threads(2)
    threads.start()
    try:
        with pytest.raises(WrongResult) as error:
            time_tasks(threads, fake_kernel(wrong, "liar"), [(0, 10)] * 2, {(0, 10): 285})
    finally:
        threads.close()
    message = str(error.value)
    assert "backend 'liar' under threads with 2 workers returned 42 for range(0, 10)" in message
    assert message.endswith("the exact answer is 285")
    assert "\n" not in message


def test_a_kernel_that_raises_is_named_with_its_executor_and_error() -> None:
    def broken(start: int, stop: int) -> int:
        raise MemoryError("no room")

    with pytest.raises(BackendFailed) as error:
        time_tasks(Sequential(1), fake_kernel(broken), [(0, 3)], {(0, 3): 5})
    message = str(error.value)
    assert message.startswith("backend 'fake' failed under sequential with 1 workers")
    assert message.endswith("MemoryError: no room") and "\n" not in message
    assert isinstance(error.value.__cause__, MemoryError)


def test_a_dead_worker_and_ctrl_c_go_up_as_they_are() -> None:
    for escaping in (WorkerDied("gone"), KeyboardInterrupt()):

        def stop(start: int, stop: int, escaping: BaseException = escaping) -> int:
            raise escaping

        with pytest.raises(type(escaping)):
            time_tasks(Sequential(1), fake_kernel(stop), [(0, 3)], {(0, 3): 5})


def test_calibrate_stops_at_the_domain_for_a_kernel_too_fast_to_time() -> None:
    calls: list[int] = []
    assert calibrate(calls.append, 10.0, limit=50_000) == 50_000
    assert calls[-1] == 50_000  # it grew tenfold until it hit the limit
    assert calls[:2] == [1000, 1000]  # the best of two calls at each size


def test_calibrate_gives_a_size_inside_the_domain() -> None:
    n = calibrate(lambda n: gilbench.get_backend("python").sum_squares(0, n), 0.002)
    assert 1 <= n <= gilbench.LIMIT


@pytest.mark.parametrize(
    ("speedup", "workers", "cores", "low"),
    [
        (1.99, 2, None, False),
        (1.59, 2, None, True),  # under 0.8 of 2 cores
        (1.6, 2, None, False),  # exactly 0.8 of them
        (1.0, 1, None, False),  # one worker cannot be short of cores
        (1.7, 4, 2, False),  # 4 workers on 2 cores: judged against 2
        (2.5, 4, 4, True),
        (1.0, 4, 1, False),
    ],
)
def test_a_low_ceiling(speedup: float, workers: int, cores: int | None, low: bool) -> None:
    assert is_low(speedup, workers, cores) is low


def test_a_ceiling_sample_is_k_threads_against_one_net_of_stolen_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if ceiling.ceiling_unavailable_reason() is not None:
        pytest.skip("the machine ceiling needs the C++ module")
    # One thread: 30 ms of which 10 taken by another program; two threads: 20 ms, none taken.
    taken = iter([Sample(0.030, 0.020, 0.010), Sample(0.020, 0.040, 0.0)])
    monkeypatch.setattr(ceiling, "time_tasks", lambda *args: next(taken))
    with CeilingProbe(workers=2, n=1000) as probe:
        assert probe.sample() == pytest.approx(2 * 0.020 / 0.020)


def test_a_ceiling_is_never_above_its_thread_count(monkeypatch: pytest.MonkeyPatch) -> None:
    if ceiling.ceiling_unavailable_reason() is not None:
        pytest.skip("the machine ceiling needs the C++ module")
    # One thread slowed to 30 ms by another program, unseen; two threads: 20 ms.
    taken = iter([Sample(0.030, 0.030), Sample(0.020, 0.040)])
    monkeypatch.setattr(ceiling, "time_tasks", lambda *args: next(taken))
    with CeilingProbe(workers=2, n=1000) as probe:
        assert probe.sample() == 2.0  # not 3.0


def test_a_real_ceiling_sample_runs_two_pinned_threads() -> None:
    if ceiling.ceiling_unavailable_reason() is not None:
        pytest.skip("the machine ceiling needs the C++ module")
    with CeilingProbe(workers=2, n=ceiling.calibrate_ceiling(0.002), cpus=[0]) as probe:
        assert probe.sample() > 0


def test_without_the_cpp_module_the_ceiling_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    gone = dataclasses.replace(gilbench.get_backend("cpp"), available=False, reason="gone")
    monkeypatch.setattr(ceiling, "get_backend", lambda name: gone)
    assert ceiling.ceiling_unavailable_reason() == "it needs the C++ module: gone"


def test_the_work_is_the_wall_time_less_the_executors_own_cost_and_what_was_stolen() -> None:
    assert Sample(0.050, 0.080).work_s == pytest.approx(0.050)  # nothing to take off
    assert Sample(0.050, 0.080, overhead_s=0.010).work_s == pytest.approx(0.040)
    assert Sample(0.050, 0.080, 0.005, 0.010).work_s == pytest.approx(0.035)
    # As with net_s, at most half of the span is taken off for stolen time.
    assert Sample(0.050, 0.080, 0.030, 0.010).work_s == pytest.approx(0.020)
