"""``crossover``: the 1-2-5 ladder, the crossover read from interval low ends, a tiny real run,
and faults named.  Nothing here asserts a timing: the machine may be busy."""

from __future__ import annotations

import statistics
from itertools import islice

import pytest

from gilbench.environment import collect_environment
from gilbench.executors.base import WorkerDied
from gilbench.executors.processes import Processes
from gilbench.measure import crossover, stats
from gilbench.measure.crossover import (
    BEATS,
    CrossoverConfig,
    crossovers,
    find_crossover,
    ladder,
    summarize,
)
from gilbench.measure.timing import BackendFailed, WrongResult
from gilbench.report.crossover import crossover_report
from gilbench.results import CrossoverResults, Point
from helpers import (
    FAST,
    PARALLEL,
    dying_task,
    raising_in_pool_threads,
    render,
    with_function,
    wrong_task,
)

TINY_TASK_S = 0.0003  # a few sizes each: 1k, 2k, 5k, ...


def tiny_config(**changes: object) -> CrossoverConfig:
    settings: dict = {
        "backends": FAST,
        "executors": PARALLEL,
        "max_task_s": TINY_TASK_S,
        "rounds": 5,
        "short_rounds": 6,
        "measure_ceiling": False,
        "pin": False,
    }
    settings.update(changes)
    return CrossoverConfig(**settings)


def measured(config: CrossoverConfig) -> CrossoverResults:
    return crossover.run_crossover(config, CrossoverResults(collect_environment(), {}))


# --- the crossover, on synthetic speedup curves -------------------------------------


@pytest.mark.parametrize(
    ("curve", "expected"),
    [
        ([(1_000, 0.3), (10_000, 0.8), (100_000, 1.2), (1_000_000, 1.9)], 100_000),
        ([(1_000, 1.2), (10_000, 0.95), (100_000, 1.3), (1_000_000, 1.9)], 100_000),  # a dip
        ([(1_000, 1.1), (10_000, 1.5), (100_000, 1.9)], 1_000),  # a gain from the start
        ([(1_000, 0.5), (10_000, 0.9), (100_000, 0.98)], None),  # never
        ([(1_000, 0.5), (10_000, 1.4), (100_000, 0.99)], None),  # not at the largest: never
        ([(1_000, 0.5), (10_000, 1.0), (100_000, 1.05)], None),  # within noise: no gain
        ([(1_000, 0.5), (10_000, 1.09), (100_000, 1.5)], 100_000),  # 1.09x is noise too
        ([(100_000, 1.5), (1_000, 0.5), (10_000, 1.2)], 10_000),  # any order
        ([], None),
    ],
)
def test_find_crossover(curve: list[tuple[int, float]], expected: int | None) -> None:
    assert BEATS == 1.1
    assert find_crossover(curve) == expected


def test_ladder_is_1_2_5_and_ends_at_the_limit() -> None:
    assert list(islice(ladder(), 7)) == [1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000]
    assert list(ladder(1000, 30_000)) == [1000, 2000, 5000, 10_000, 20_000, 30_000]
    assert list(ladder(1000, 20_000)) == [1000, 2000, 5000, 10_000, 20_000]
    assert list(ladder())[-1] == 2**32


def _point(n: int, ratios: list[float]) -> Point:
    """A size measured in len(ratios) rounds: its speedup and interval from those ratios."""
    found = stats.estimate(ratios)
    seq = 2e-9 * n
    return Point(
        "cpp",
        "threads",
        n,
        seq,
        seq / found.median,
        found.median,
        len(ratios),
        ratios=ratios,
        speedup_ci=[found.low, found.high],
    )


def test_the_crossover_is_read_from_the_low_end_of_each_interval() -> None:
    points = [
        _point(1000, [0.3, 0.4, 0.4, 0.5, 0.5, 0.6]),
        _point(10_000, [1.05, 1.2, 1.3, 1.3, 1.4, 1.5]),  # median 1.3, low end 1.05: no
        _point(100_000, [1.5, 1.6, 1.6, 1.7, 1.7, 1.8]),
    ]
    found = summarize(points)
    assert found.crossover_n == 100_000  # not 10_000: its interval reaches down to 1.05
    assert found.crossover_speedup == pytest.approx(1.65)
    assert found.crossover_task_s == pytest.approx(1e-9 * 100_000)
    assert found.largest_n == 100_000 and found.largest_speedup == pytest.approx(1.65)
    assert found.sizes == 3


def test_never_when_the_largest_size_does_not_beat_one_worker() -> None:
    never = summarize([_point(1000, [0.4] * 6), _point(10_000, [0.8, 0.9, 0.9, 1.2, 1.3, 1.4])])
    assert never.crossover_n is None and never.crossover_task_s is None
    assert never.crossover_speedup is None and never.largest_n == 10_000


def test_a_point_without_an_interval_is_read_at_its_speedup() -> None:
    bare = Point("cpp", "threads", 5000, 1e-5, 5e-6, 2.0, 5)
    assert summarize([bare]).crossover_n == 5000


def test_crossovers_for_every_pair_in_measured_order() -> None:
    points = [_point(1000, [2.0] * 6), _point(1000, [0.5] * 6)]
    points[1].executor = "processes"
    results = CrossoverResults({}, {}, records=points)
    assert results.pairs() == [("cpp", "threads"), ("cpp", "processes")]
    assert [(c.executor, c.crossover_n) for c in crossovers(results)] == [
        ("threads", 1000),
        ("processes", None),
    ]


# --- a real (tiny) run ----------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_run() -> CrossoverResults:
    return measured(tiny_config(measure_ceiling=True))


def test_every_backend_and_executor_has_a_complete_ladder(tiny_run: CrossoverResults) -> None:
    assert tiny_run.pairs() == [(b, e) for b in FAST for e in PARALLEL]
    for backend, executor in tiny_run.pairs():
        points = [p for p in tiny_run.records if (p.backend, p.executor) == (backend, executor)]
        sizes = [p.n for p in points]
        assert sizes == list(islice(ladder(), len(sizes)))  # 1k, 2k, 5k, ... in order
        assert points[-1].task_s >= TINY_TASK_S  # climbed until a task was long enough
        assert all(p.task_s < TINY_TASK_S for p in points[:-1])
        for point in points:
            assert point.rounds >= 5 and len(point.seq_samples_s) == point.rounds
            assert len(point.par_samples_s) == len(point.ratios) == point.rounds
            assert point.seq_s == pytest.approx(statistics.median(point.seq_samples_s))
            assert point.par_s == pytest.approx(statistics.median(point.par_samples_s))
            assert point.ratios == pytest.approx(
                [s / p for s, p in zip(point.seq_samples_s, point.par_samples_s, strict=True)]
            )
            assert point.speedup == pytest.approx(statistics.median(point.ratios))
            low, high = point.speedup_ci or (None, None)
            assert low is not None and low <= point.speedup <= high
    found = crossovers(tiny_run)
    assert len(found) == len(FAST) * len(PARALLEL)
    for row in found:
        assert row.sizes >= 1 and row.largest_speedup > 0
        assert (row.crossover_n is None) == (row.crossover_task_s is None)
    assert {s["executor"] for s in tiny_run.startups} == set(PARALLEL)
    assert {s["workers"] for s in tiny_run.startups} == {2}
    assert tiny_run.config["max_task_s"] == TINY_TASK_S


def test_the_tiny_run_renders(tiny_run: CrossoverResults) -> None:
    text = render(crossover_report(tiny_run))
    for word in (*FAST, *PARALLEL, "crossover", "largest"):
        assert word in text


def test_the_ceiling_is_sampled_around_each_backends_ladder(tiny_run: CrossoverResults) -> None:
    if crossover.ceiling_unavailable_reason() is not None:
        assert any("machine ceiling not measured" in w for w in tiny_run.warnings)
        return
    samples = crossover.CEILING_SAMPLES
    assert len(tiny_run.ceiling_ratios) == samples * (1 + len(FAST))  # before, after each
    assert set(tiny_run.ceiling_by_backend) == set(FAST)
    first = tiny_run.ceiling_ratios[: 2 * samples]  # before python's ladder and after it
    assert tiny_run.ceiling_by_backend["python"] == pytest.approx(statistics.median(first))


def test_a_busy_machine_is_recorded_beside_each_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    if crossover.ceiling_unavailable_reason() is not None:
        pytest.skip("the machine ceiling needs the C++ module")

    def two_threads_no_faster_than_one(probe: crossover.CeilingProbe) -> float:
        return 1.0  # 2 x 0.02 / 0.04: two threads took twice as long as one

    monkeypatch.setattr(crossover.CeilingProbe, "sample", two_threads_no_faster_than_one)
    results = measured(tiny_config(backends=["numpy"], executors=["threads"], measure_ceiling=True))
    assert results.ceiling_by_backend == {"numpy": pytest.approx(1.0)}
    assert results.ceiling_ratios == [1.0] * 2 * crossover.CEILING_SAMPLES


def test_a_wrong_result_names_the_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Processes, "task", staticmethod(wrong_task))
    config = tiny_config(backends=["python"], executors=["processes"])
    with pytest.raises(WrongResult, match="backend 'python' under processes with 2 workers"):
        measured(config)


def test_a_dead_worker_is_an_error_naming_the_backend_not_a_hang(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Processes, "task", staticmethod(dying_task))
    config = tiny_config(backends=["numpy"], executors=["processes"])
    with pytest.raises(WorkerDied, match="backend 'numpy'"):
        measured(config)


def test_a_kernel_that_raises_in_a_worker_thread_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    python = with_function("python", raising_in_pool_threads)
    monkeypatch.setattr(crossover, "get_backend", lambda name: python)
    with pytest.raises(BackendFailed) as error:
        measured(tiny_config(backends=["python"], executors=["threads"]))
    message = str(error.value)
    assert message.startswith("backend 'python' failed under threads")
    assert message.endswith("RuntimeError: kaboom in a worker thread") and "\n" not in message
