"""A real (tiny) run: every record complete and paired, strong mode, sizing, refusals, and
every fault (a wrong sum, a dead worker, a kernel that raises) named, never a hang.

Sizes are small and nothing here asserts a timing: the machine may be busy.
"""

from __future__ import annotations

import statistics

import pytest

import gilbench
from gilbench.executors.base import WorkerDied
from gilbench.executors.processes import Processes
from gilbench.executors.threads import Threads
from gilbench.measure import run as runner
from gilbench.measure.run import planned_units
from gilbench.measure.timing import BackendFailed, Sample, WrongResult
from gilbench.results import Record, RunResults
from helpers import (
    FAST,
    PARALLEL,
    dying_task,
    measured,
    raising_in_pool_threads,
    small_config,
    with_function,
    wrong_task,
)


def test_every_combination_has_a_complete_record(small_run: RunResults) -> None:
    combos = {(r.backend, r.executor, r.workers) for r in small_run.records}
    expected = {(b, e, w) for b in FAST for e in ("sequential", *PARALLEL) for w in (1, 2)}
    assert combos == expected and len(small_run.records) == len(expected)
    for record in small_run.records:
        assert record.repeat == 6  # min_repeat, and no budget for more
        assert len(record.wall_samples_s) == len(record.cpu_samples_s) == 6
        assert record.wall_s == statistics.median(record.wall_samples_s)
        assert record.cpu_s == statistics.median(record.cpu_samples_s)
        assert record.cores_busy == pytest.approx(record.cpu_s / record.wall_s)
        assert record.tasks == record.workers and record.n == 20_000
        assert record.elements == 20_000 * record.workers and record.mode == "weak"
        assert record.releases_gil == gilbench.get_backend(record.backend).releases_gil
        assert record.task_s is not None and record.task_s > 0
        assert record.unstable == (record.instability is not None)
    assert small_run.sizes == {"python": 20_000, "numpy": 20_000}
    assert small_run.config["min_repeat"] == 6 and small_run.config["executors"] == PARALLEL
    startups = {(s["executor"], s["workers"]) for s in small_run.startups}
    assert startups == {(e, w) for e in PARALLEL for w in (1, 2)}
    assert small_run.refusals == []


def test_the_baseline_is_timed_in_every_repeat_and_not_judged(small_run: RunResults) -> None:
    for record in small_run.records:
        if record.executor != "sequential":
            continue
        assert record.speedup is None and record.speedup_ci is None and record.ratios == []
        assert record.verdict is None
        assert record.task_s == pytest.approx(record.wall_s / record.tasks)


def test_every_parallel_speedup_is_paired_with_the_same_repeats(small_run: RunResults) -> None:
    for record in small_run.records:
        if record.executor == "sequential":
            continue
        baseline = small_run.find(record.backend, "sequential", record.workers)
        assert baseline is not None

        def net(r: Record) -> list[float]:  # wall minus what other programs took
            pairs = zip(r.wall_samples_s, r.stolen_samples_s, strict=True)
            return [Sample(w, 0.0, s).net_s for w, s in pairs]

        assert record.ratios == pytest.approx(
            [b / p for b, p in zip(net(baseline), net(record), strict=True)]
        )
        assert record.speedup == pytest.approx(statistics.median(record.ratios))
        low, high = record.speedup_ci or (None, None)
        assert low is not None and high is not None
        assert min(record.ratios) <= low <= record.speedup <= high <= max(record.ratios)
        assert record.efficiency == pytest.approx(record.speedup / record.workers)
        if record.workers == 1:  # one worker cannot scale: not judged
            assert record.verdict is None
        else:
            assert record.verdict in ("scales", "partly", "held", "inconclusive", "too short")


def test_ceilings_are_sampled_in_each_repeat_beside_the_records(small_run: RunResults) -> None:
    for record in small_run.records:
        if record.executor == "sequential":
            assert record.ceiling_fraction is None
            continue
        if record.workers == 1:  # one worker: the ceiling is 1 by definition
            assert record.ceiling == 1.0 and record.ceiling_ratios == []
            assert record.ceiling_fraction == record.speedup
            assert record.ceiling_fraction_ci == record.speedup_ci
            continue
        assert len(record.ceiling_ratios) == record.repeat
        assert record.ceiling == pytest.approx(statistics.median(record.ceiling_ratios))
        fractions = [r / c for r, c in zip(record.ratios, record.ceiling_ratios, strict=True)]
        assert record.ceiling_fraction == pytest.approx(statistics.median(fractions))
        low, high = record.ceiling_fraction_ci or (None, None)
        assert low is not None and min(fractions) <= low <= high <= max(fractions)
    assert small_run.ceiling_at(1) == 1.0
    every = [c for r in small_run.records if r.workers == 2 for c in r.ceiling_ratios]
    assert small_run.ceiling_at(2) == pytest.approx(statistics.median(every))


def test_the_gil_is_observed_once_per_backend(small_run: RunResults) -> None:
    assert set(small_run.gil) == set(FAST)
    for seen in small_run.gil.values():
        low, high = seen["held_share_ci"]
        assert low <= seen["held_share"] <= high
        assert min(seen["shares"]) <= low and high <= max(seen["shares"])
        assert seen["gil_enabled"] == small_run.environment["gil_enabled"]
        assert seen["switch_interval_s"] > 0 and seen["call_s"] > 0
        assert isinstance(seen["slowdown_is_bound"], bool)


def test_strong_mode_splits_one_range_among_the_workers() -> None:
    results = measured(
        small_config(
            backends=["python"], executors=["threads"], mode="strong", measure_ceiling=False
        )
    )
    assert {(r.executor, r.workers) for r in results.records} == {
        (e, w) for e in ("sequential", "threads") for w in (1, 2)
    }
    for record in results.records:
        assert record.mode == "strong" and record.elements == 20_000
        assert record.tasks == record.workers
    assert any("machine ceiling not measured: not requested" in w for w in results.warnings)


def test_sized_automatically_when_n_is_not_given() -> None:
    results = measured(
        small_config(
            backends=["numpy"], n=None, workers=[1], executors=["threads"], measure_ceiling=False
        )
    )
    assert 1 <= results.sizes["numpy"] <= gilbench.LIMIT
    assert {r.n for r in results.records} == {results.sizes["numpy"]}


def test_more_repeats_follow_while_intervals_are_wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner._Group, "narrow", lambda self: False)  # never narrow enough
    results = measured(
        small_config(
            backends=["python"],
            executors=["threads"],
            workers=[1],
            n=1000,
            max_repeat=8,
            budget_s=600.0,
            measure_ceiling=False,
        )
    )
    assert {r.repeat for r in results.records} == {8}  # stopped by max_repeat, not the budget


def test_extra_repeats_go_round_the_undecided_backends(monkeypatch: pytest.MonkeyPatch) -> None:
    """A budget that lasts one round gives each undecided backend one more repeat, not all
    of it to the backend measured first."""
    monkeypatch.setattr(runner._Group, "decided", lambda self: False)
    monkeypatch.setattr(runner._Group, "narrow", lambda self: True)
    results = measured(
        small_config(
            backends=["cpp", "cython"],
            executors=["threads"],
            workers=[2],
            n=1000,
            min_repeat=6,
            max_repeat=20,
            budget_s=1e-6,
            measure_ceiling=False,
        )
    )
    assert {r.backend: r.repeat for r in results.records} == {"cpp": 7, "cython": 7}


def test_a_disturbance_in_most_repeats_is_kept_not_set_aside(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every repeat looks as if the workers shared cores: at most one is set aside for
    every two kept, and the rest are kept (it is how the machine runs this code), not
    retaken until max_repeat."""
    monkeypatch.setattr(runner, "_cores_shared", lambda *args: True)
    monkeypatch.setattr(runner._Group, "decided", lambda self: True)  # the minimum is enough
    monkeypatch.setattr(runner._Group, "narrow", lambda self: True)
    results = measured(
        small_config(
            backends=["cpp"],
            executors=["threads"],
            workers=[2],
            n=1000,
            min_repeat=6,
            max_repeat=30,
            budget_s=600.0,
        )
    )
    record = next(r for r in results.records if r.executor == "threads")
    assert record.repeat == 6
    assert 1 <= len(record.set_aside_ceilings) <= 4


def test_progress_counts_up_to_the_plan() -> None:
    seen: list[tuple[int, int, str]] = []
    config = small_config(backends=["python"], executors=["threads"], n=1000, measure_ceiling=False)
    measured(config, lambda done, total, label: seen.append((done, total, label)))
    assert seen and all(0 <= done <= total for done, total, _ in seen)
    done, total, _ = seen[-1]
    assert done == total == planned_units(config)  # 2 worker counts x 2 executors x (1 + 6)
    assert planned_units(config) == 2 * 2 * 7
    assert [d for d, _, _ in seen] == sorted(d for d, _, _ in seen)


def test_an_executor_that_refuses_a_backend_is_recorded_not_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_numpy(cls: type, kernel: gilbench.Backend) -> str | None:
        return "NumPy cannot load here" if kernel.name == "numpy" else None

    monkeypatch.setattr(Threads, "refuses", classmethod(no_numpy))
    results = measured(small_config(workers=[2], executors=["threads"], measure_ceiling=False))
    assert results.refusals == [
        {"backend": "numpy", "executor": "threads", "reason": "NumPy cannot load here"}
    ]
    assert results.refusal("numpy", "threads") == "NumPy cannot load here"
    assert results.find("numpy", "threads", 2) is None
    assert results.find("numpy", "sequential", 2) is not None  # the baseline still runs
    assert results.find("python", "threads", 2) is not None
    assert results.backends() == FAST and results.executors() == ["sequential", "threads"]


# --- faults: each one named, in one line -------------------------------------------------


def test_a_wrong_result_fails_the_run_naming_the_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Processes, "task", staticmethod(wrong_task))
    config = small_config(
        backends=["python"],
        executors=["processes"],
        workers=[2],
        measure_ceiling=False,
    )
    with pytest.raises(WrongResult) as error:
        measured(config)
    message = str(error.value)
    assert "backend 'python' under processes with 2 workers returned 42 for range(0, 20000)" in (
        message
    )
    assert "the exact answer is" in message and "\n" not in message


def test_a_dead_worker_is_an_error_naming_the_backend_not_a_hang(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Processes, "task", staticmethod(dying_task))
    config = small_config(
        backends=["numpy"],
        executors=["processes"],
        workers=[2],
        measure_ceiling=False,
    )
    with pytest.raises(WorkerDied, match="backend 'numpy' on a pool of 2 processes"):
        measured(config)


def test_a_kernel_that_raises_in_a_worker_thread_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The threads path: exact in the main thread, raising in the pool's threads."""
    python = with_function("python", raising_in_pool_threads)
    monkeypatch.setattr(runner, "get_backend", lambda name: python)
    config = small_config(
        backends=["python"],
        executors=["threads"],
        workers=[2],
        observe_gil=True,
        measure_ceiling=False,
    )
    results = RunResults({}, {})
    with pytest.raises(BackendFailed) as error:
        runner.run(config, results)
    message = str(error.value)
    assert message.startswith("backend 'python' failed under threads with 2 workers")
    assert message.endswith("RuntimeError: kaboom in a worker thread") and "\n" not in message
    assert set(results.gil) == {"python"}  # the probe's thread is not a pool thread


def test_a_kernel_that_raises_while_sized_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(start: int, stop: int) -> int:
        raise ArithmeticError("bad loop")

    numpy = with_function("numpy", broken)
    monkeypatch.setattr(runner, "get_backend", lambda name: numpy)
    with pytest.raises(
        BackendFailed,
        match="backend 'numpy' failed while sizing its task: ArithmeticError: bad loop",
    ):
        measured(small_config(backends=["numpy"], n=None))
