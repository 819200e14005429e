"""``gilbench crossover``: the ladder, the crossover logic, a tiny real run, JSON, errors.

Sizes are tiny and nothing here asserts a timing: the machine may be busy.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from itertools import islice
from pathlib import Path

import pytest

import gilbench
from conftest import FAST, error_of, parse, render
from gilbench import cli, crossover
from gilbench.crossover import CrossoverConfig, CrossoverResults, Point, find_crossover
from gilbench.crossover_report import crossover_report
from gilbench.envinfo import collect_environment
from gilbench.executors import WorkerDied
from gilbench.measure import WrongResult
from processes import interrupt, live_members, start_gilbench, wait_for


def tiny_config(**changes: object) -> CrossoverConfig:
    settings: dict = {
        "backends": FAST,
        "max_task_s": 0.0003,  # a few sizes each: 1k, 2k, 5k, ...
        "rounds": 5,
        "short_rounds": 5,
        "measure_ceiling": False,
    }
    settings.update(changes)
    return CrossoverConfig(**settings)


def measured(config: CrossoverConfig, **kwargs: object) -> CrossoverResults:
    results = CrossoverResults(collect_environment(), {})
    return crossover.run_crossover(config, results, **kwargs)


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
    assert find_crossover(curve) == expected


def test_ladder_is_1_2_5_and_ends_at_the_limit() -> None:
    assert list(islice(crossover.ladder(), 7)) == [
        1000,
        2000,
        5000,
        10_000,
        20_000,
        50_000,
        100_000,
    ]
    assert list(crossover.ladder(1000, 30_000)) == [1000, 2000, 5000, 10_000, 20_000, 30_000]
    assert list(crossover.ladder(1000, 20_000)) == [1000, 2000, 5000, 10_000, 20_000]
    assert list(crossover.ladder())[-1] == 2**32


def _point(n: int, speedup: float) -> Point:
    return Point(
        "cpp", "threads", n, seq_s=2e-9 * n, par_s=2e-9 * n / speedup, speedup=speedup, rounds=5
    )


def test_summary_names_the_crossover_and_the_largest_size() -> None:
    found = crossover.summarize([_point(1000, 0.4), _point(100_000, 1.6), _point(10_000, 1.1)])
    assert found.crossover_n == 10_000
    assert found.crossover_task_s == pytest.approx(1e-9 * 10_000)
    assert found.crossover_speedup == pytest.approx(1.1)
    assert found.largest_n == 100_000 and found.largest_speedup == pytest.approx(1.6)
    assert found.sizes == 3
    never = crossover.summarize([_point(1000, 0.4), _point(10_000, 0.9)])
    assert never.crossover_n is None and never.crossover_task_s is None
    results = CrossoverResults({}, {}, points=[_point(1000, 0.4), _point(10_000, 0.9)])
    results.ceiling_by_backend = {"cpp": 1.12}
    text = render(crossover_report(results))
    assert "never" in text and "0.90" in text and "1.12" in text


# --- options ------------------------------------------------------------------------


def test_crossover_defaults() -> None:
    config = cli.crossover_config(parse("crossover"))
    available = [n for n in gilbench.backend_names() if gilbench.get_backend(n).available]
    assert config.backends == available
    assert config.executors == ["threads", "processes"]
    assert config.max_task_s == pytest.approx(0.05) and config.pin is True


def test_crossover_options_parse() -> None:
    args = parse(
        "crossover",
        "--backends",
        "numpy",
        "--executors",
        "processes",
        "--max-task-seconds",
        "0.2",
        "--no-pin",
        "--start-method",
        "spawn",
        "--no-progress",
    )
    config = cli.crossover_config(args)
    assert config.backends == ["numpy"] and config.executors == ["processes"]
    assert config.max_task_s == pytest.approx(0.2) and config.pin is False
    assert config.start_method == "spawn" and args.no_progress
    assert cli.crossover_config(parse("crossover", "--pin")).pin is True


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["crossover", "--executors", "sequential"], "'sequential' is the baseline"),
        (["crossover", "--executors", "fibers"], "unknown executor 'fibers'"),
        (["crossover", "--max-task-seconds", "0"], "not a positive number"),
        (["crossover", "--backends", "fortran"], "unknown backend 'fortran'"),
    ],
)
def test_bad_crossover_options_give_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    assert expected in error_of(capsys, *argv)


# --- a real (tiny) run ----------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_run() -> CrossoverResults:
    return measured(tiny_config(measure_ceiling=True))


def test_every_backend_and_executor_has_a_complete_ladder(tiny_run: CrossoverResults) -> None:
    assert tiny_run.pairs() == [(b, e) for b in FAST for e in ("threads", "processes")]
    for backend, executor in tiny_run.pairs():
        points = [p for p in tiny_run.points if (p.backend, p.executor) == (backend, executor)]
        sizes = [p.n for p in points]
        assert sizes == list(islice(crossover.ladder(), len(sizes)))  # 1k, 2k, 5k, ... in order
        assert points[-1].task_s >= 0.0003  # climbed until a task was long enough
        assert all(p.task_s < 0.0003 for p in points[:-1])
        for point in points:
            assert point.rounds >= 5 and len(point.seq_samples_s) == point.rounds
            assert point.seq_s == pytest.approx(statistics.median(point.seq_samples_s))
            assert point.par_s == pytest.approx(statistics.median(point.par_samples_s))
            assert point.speedup == pytest.approx(point.seq_s / point.par_s)
    found = tiny_run.crossovers()
    assert len(found) == 4
    for row in found:
        assert row.sizes >= 1 and row.largest_speedup > 0
        assert (row.crossover_n is None) == (row.crossover_task_s is None)
    startups = {s["executor"] for s in tiny_run.startups}
    assert startups == {"threads", "processes"}
    if tiny_run.ceiling is not None:  # else a warning says why not (no C++ module)
        assert len(tiny_run.ceiling["k_threads_s"]) == 3 * (1 + len(FAST))  # before, after each
        assert set(tiny_run.ceiling_by_backend) == set(FAST)
    else:
        assert any("machine ceiling not measured" in w for w in tiny_run.warnings)


def test_json_round_trip(tiny_run: CrossoverResults, tmp_path: Path) -> None:
    path = tmp_path / "crossover.json"
    crossover.save_json(tiny_run, path)
    data = json.loads(path.read_text())
    assert data["schema"] == "gilbench.crossover/1"
    assert {"python", "gil_enabled", "usable_cpus"} <= set(data["environment"])
    assert len(data["points"]) == len(tiny_run.points)
    assert {"backend", "executor", "n", "seq_s", "par_s", "speedup"} <= set(data["points"][0])
    assert len(data["crossovers"]) == 4
    again = crossover.load_json(path)
    assert again.points == tiny_run.points and again.crossovers() == tiny_run.crossovers()
    assert again.ceiling == tiny_run.ceiling
    assert again.ceiling_by_backend == tiny_run.ceiling_by_backend


def test_report_renders(tiny_run: CrossoverResults) -> None:
    text = render(crossover_report(tiny_run))
    for word in ("python", "numpy", "threads", "processes", "crossover", "largest"):
        assert word in text


def _wrong_task(backend: str, start: int, stop: int) -> tuple[int, float]:
    return 42, 0.0


def _dying_task(backend: str, start: int, stop: int) -> tuple[int, float]:
    os._exit(3)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_wrong_result_names_the_backend() -> None:
    config = tiny_config(backends=["python"], executors=["processes"], start_method="fork")
    with pytest.raises(WrongResult, match="backend 'python' under processes"):
        measured(config, task=_wrong_task)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_dead_worker_is_an_error_naming_the_backend_not_a_hang() -> None:
    config = tiny_config(backends=["numpy"], executors=["processes"], start_method="fork")
    with pytest.raises(WorkerDied, match="backend 'numpy'"):
        measured(config, task=_dying_task)


def test_main_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "c.json"
    argv = ["crossover", "--backends", "python", "--executors", "threads"]
    assert cli.main([*argv, "--max-task-seconds", "0.0002", "--json", str(path)]) == 0
    assert "the smallest task size" in capsys.readouterr().out
    assert crossover.load_json(path).pairs() == [("python", "threads")]


# --- Ctrl-C ---------------------------------------------------------------------------


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds processes via /proc")
def test_ctrl_c_exits_130_and_leaves_no_worker() -> None:
    process = start_gilbench(
        "crossover", "--no-progress", "--backends", "python", "--max-task-seconds", "30"
    )
    started = wait_for(lambda: len(live_members(process.pid)) >= 3, 60)
    time.sleep(1.0)  # climbing the ladder, tasks on both pools
    output = interrupt(process, whole_group=True)
    assert started, "no pool started"
    assert process.returncode == 130, output
    assert "interrupted" in output
    assert wait_for(lambda: not live_members(process.pid), 5), "worker processes left behind"


def test_a_busy_machine_makes_the_crossovers_inconclusive(monkeypatch: pytest.MonkeyPatch) -> None:
    if crossover.ceiling_unavailable_reason() is not None:
        pytest.skip("the machine ceiling needs the C++ module")

    def two_threads_no_faster_than_one(probe: crossover.CeilingProbe) -> None:
        probe.one_thread_s.append(0.02)
        probe.k_threads_s.append(0.04)  # 2 x 0.02 / 0.04: a ceiling of 1.0

    monkeypatch.setattr(crossover.CeilingProbe, "sample", two_threads_no_faster_than_one)
    results = measured(tiny_config(backends=["numpy"], executors=["threads"], measure_ceiling=True))
    assert results.ceiling_by_backend == {"numpy": pytest.approx(1.0)}
    assert any("numpy 1.00" in w and "inconclusive" in w for w in results.warnings)
    assert "inconclusive" in render(crossover_report(results))
