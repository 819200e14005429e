"""``crossover`` as text: backend by executor, where two workers start to win."""

from __future__ import annotations

from gilbench.report.crossover import crossover_report, duration
from gilbench.results import CrossoverResults, Point
from helpers import render

TIMES = "\N{MULTIPLICATION SIGN}"


def point(backend: str, executor: str, n: int, speedup: float) -> Point:
    seq = 2e-9 * n
    return Point(
        backend,
        executor,
        n,
        seq,
        seq / speedup,
        speedup,
        5,
        speedup_ci=[speedup * 0.98, speedup * 1.02],
    )


def ladder_of(backend: str, executor: str, speedups: list[float]) -> list[Point]:
    sizes = [1000, 10_000, 100_000, 1_000_000][: len(speedups)]
    return [point(backend, executor, n, s) for n, s in zip(sizes, speedups, strict=True)]


def test_duration() -> None:
    assert duration(3e-5) == "0.03 ms"
    assert duration(0.0123) == "12.3 ms"
    assert duration(None) == "\N{EM DASH}"


def test_the_crossover_and_never_are_shown() -> None:
    results = CrossoverResults(
        {},
        {},
        records=[
            *ladder_of("cpp", "threads", [0.4, 0.9, 1.6, 1.9]),
            *ladder_of("cpp", "processes", [0.1, 0.3, 0.8, 1.5]),
            *ladder_of("cpp-gil", "threads", [0.4, 0.7, 0.9, 0.95]),
        ],
        ceiling_ratios=[1.9, 2.0, 1.95],
        ceiling_by_backend={"cpp": 1.95, "cpp-gil": 1.9},
        startups=[{"executor": "processes", "workers": 2, "startup_s": 0.05}],
    )
    text = render(crossover_report(results))
    assert "the smallest n from which 2 tasks on 2 workers beat them in turn" in text
    assert "100k" in text and "1M" in text and "never" in text
    assert f"1.60{TIMES}" in text and f"0.95{TIMES}" in text
    assert f"machine ceiling (2 native threads, no Python involved): 1.95{TIMES}" in text
    assert "pool start-up, once for the run, not in the times: processes 50.0 ms" in text
    assert "warning" not in text


def test_a_busy_machine_makes_the_crossovers_inconclusive() -> None:
    results = CrossoverResults(
        {}, {}, records=ladder_of("numpy", "threads", [0.5, 0.9]), ceiling_by_backend={"numpy": 1.0}
    )
    text = render(crossover_report(results))
    assert f"numpy 1.00{TIMES}" in text and "inconclusive" in text and "warning" in text


def test_nothing_measured() -> None:
    text = render(crossover_report(CrossoverResults({}, {}, interrupted=True)))
    assert "interrupted: these are the sizes that finished" in text
    assert "no measurement finished" in text
