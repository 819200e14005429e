"""Speedup and efficiency arithmetic, baselines, ceilings and verdict wording."""

from __future__ import annotations

import pytest

from gilbench.analysis import (
    busy_machine_warnings,
    ceiling_warnings,
    efficiency,
    fill_speedups,
    speedup,
)
from gilbench.formatting import TIMES
from gilbench.results import Record, RunResults
from gilbench.verdicts import verdict


def record(
    backend: str,
    executor: str,
    workers: int,
    wall_s: float,
    *,
    releases_gil: bool = True,
    mode: str = "weak",
    cores_busy: float = 1.0,
    ceiling: float | None = None,
) -> Record:
    return Record(
        backend=backend,
        executor=executor,
        workers=workers,
        mode=mode,
        n=1000,
        tasks=workers,
        elements=1000 * workers if mode == "weak" else 1000,
        releases_gil=releases_gil,
        wall_s=wall_s,
        wall_min_s=wall_s,
        wall_max_s=wall_s,
        cpu_s=wall_s * cores_busy,
        cores_busy=cores_busy,
        startup_s=None,
        repeat=1,
        ceiling=ceiling,
    )


def run_of(*records: Record, gil_enabled: bool = True, ceiling: float | None = 2.0) -> RunResults:
    results = RunResults({"gil_enabled": gil_enabled, "free_threaded": not gil_enabled}, {})
    results.records = list(records)
    if ceiling is not None:
        results.ceiling = [{"workers": 1, "speedup": 1.0}, {"workers": 2, "speedup": ceiling}]
    fill_speedups(results)
    return results


def test_speedup_and_efficiency_arithmetic() -> None:
    assert speedup(2.0, 1.0) == 2.0
    assert speedup(1.0, 1.0) == 1.0
    assert efficiency(1.5, 2) == 0.75
    assert efficiency(3.0, 4) == 0.75


def test_fill_speedups_uses_the_measured_baseline_at_the_same_worker_count() -> None:
    results = run_of(
        record("cpp", "sequential", 2, 2.0),
        record("cpp", "threads", 2, 1.0, cores_busy=2.0),
        record("cpp", "processes", 2, 1.25),
    )
    threads = results.find("cpp", "threads", 2)
    assert threads is not None
    assert threads.speedup == pytest.approx(2.0)
    assert threads.efficiency == pytest.approx(1.0)
    assert threads.ceiling == 2.0 and threads.ceiling_fraction == pytest.approx(1.0)
    assert threads.baseline == "measured" and threads.baseline_s == 2.0
    processes = results.find("cpp", "processes", 2)
    assert processes is not None and processes.speedup == pytest.approx(1.6)
    assert processes.efficiency == pytest.approx(0.8)
    sequential = results.find("cpp", "sequential", 2)
    assert sequential is not None and sequential.speedup == pytest.approx(1.0)


def test_scaled_baseline_is_labelled() -> None:
    results = run_of(record("cpp", "sequential", 1, 1.0), record("cpp", "threads", 4, 1.0))
    threads = results.find("cpp", "threads", 4)
    assert threads is not None
    assert threads.baseline == "scaled" and threads.speedup == pytest.approx(4.0)


def test_strong_mode_scaled_baseline_is_the_one_worker_time() -> None:
    results = run_of(
        record("cpp", "sequential", 1, 1.0, mode="strong"),
        record("cpp", "threads", 2, 0.5, mode="strong"),
    )
    threads = results.find("cpp", "threads", 2)
    assert threads is not None and threads.speedup == pytest.approx(2.0)


def test_record_without_baseline_keeps_no_speedup() -> None:
    results = run_of(record("cpp", "threads", 2, 1.0))
    threads = results.find("cpp", "threads", 2)
    assert threads is not None and threads.speedup is None


def test_ceiling_beside_a_record_wins_over_the_runs() -> None:
    results = run_of(
        record("cpp", "sequential", 2, 2.0, ceiling=1.9),
        record("cpp", "threads", 2, 1.0, ceiling=1.9),
        ceiling=2.0,
    )
    threads = results.find("cpp", "threads", 2)
    assert threads is not None and threads.ceiling == 1.9


def test_verdict_scaling_backend_names_speedup_and_ceiling_share() -> None:
    results = run_of(
        record("cpp", "sequential", 2, 2.0),
        record("cpp", "threads", 2, 1.02, cores_busy=1.96),
        ceiling=1.98,
    )
    text = verdict(results, "cpp").text
    assert text.startswith(f"scales with threads: 1.96{TIMES} on 2 workers")
    assert "99% of the machine ceiling" in text


def test_verdict_held_by_the_gil() -> None:
    results = run_of(
        record("python", "sequential", 2, 2.0, releases_gil=False),
        record("python", "threads", 2, 1.98, releases_gil=False),
        record("python", "processes", 2, 1.02, releases_gil=False),
    )
    found = verdict(results, "python")
    assert f"held by the GIL under threads: 1.01{TIMES}" in found.text
    assert "scales with processes" in found.text
    assert [p.kind for p in found.phrases] == ["held", "scales"]


def test_gil_twin_on_a_build_without_gil_is_not_held_by_the_gil() -> None:
    for wall in (1.0, 1.9):  # whether it scaled or not, no "held by the GIL"
        results = run_of(
            record("cpp-gil", "sequential", 2, 2.0, releases_gil=False),
            record("cpp-gil", "threads", 2, wall, releases_gil=False),
            gil_enabled=False,
        )
        text = verdict(results, "cpp-gil").text
        assert "held by the GIL" not in text
        assert "no GIL to hold on this build" in text


def test_python_may_scale_on_a_free_threaded_build() -> None:
    results = run_of(
        record("python", "sequential", 2, 2.0, releases_gil=False),
        record("python", "threads", 2, 1.02, releases_gil=False),
        gil_enabled=False,
    )
    assert verdict(results, "python").text.startswith("scales with threads")


def test_low_ceiling_makes_verdict_inconclusive_and_warns() -> None:
    results = run_of(
        record("cpp", "sequential", 2, 2.0),
        record("cpp", "threads", 2, 1.9),
        ceiling=1.1,
    )
    found = verdict(results, "cpp")
    assert found.kind == "inconclusive"
    assert "scales" not in found.text
    assert any(f"1.10{TIMES}" in w for w in ceiling_warnings(results))


def test_no_warning_with_a_good_ceiling_and_whole_cores() -> None:
    results = run_of(record("cpp", "sequential", 2, 2.0), record("cpp", "threads", 2, 1.0))
    assert ceiling_warnings(results) == []
    assert busy_machine_warnings(results) == []


def test_busy_machine_warning_from_sequential_cores() -> None:
    results = run_of(record("cpp", "sequential", 1, 2.0, cores_busy=0.5), ceiling=None)
    assert "0.50 of a core" in busy_machine_warnings(results)[0]


def test_one_worker_only_gives_no_verdict_on_scaling() -> None:
    results = run_of(record("cpp", "sequential", 1, 1.0), record("cpp", "threads", 1, 1.0))
    assert verdict(results, "cpp").kind == "inconclusive"


def test_verdict_judges_the_largest_worker_count_within_the_cores() -> None:
    results = run_of(
        record("cpp", "sequential", 2, 2.0),
        record("cpp", "threads", 2, 1.0),
        record("cpp", "sequential", 4, 4.0),
        record("cpp", "threads", 4, 2.0),  # 4 workers on 2 cores: 2x, as good as it gets
    )
    results.environment["usable_cpus"] = 2
    assert "on 2 workers" in verdict(results, "cpp").text
