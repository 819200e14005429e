"""``compare``: two runs side by side, single-thread cost and speedups; a file compared with
itself is recognised as one run."""

from __future__ import annotations

import copy

from gilbench.report.compare import (
    common_executors,
    common_workers,
    comparison_report,
    same_run,
    single_ns,
)
from gilbench.results import RunResults
from helpers import pair, record, render, run_of

TIMES = "\N{MULTIPLICATION SIGN}"


def machine(name: str, single_s: float, threads: float, free_threaded: bool) -> RunResults:
    """python and cpp at 1 and 2 workers; one sequential task lasts ``single_s``."""
    results = run_of(
        record("python", "sequential", 1, walls=(single_s,) * 6, releases_gil=False),
        record("cpp", "sequential", 1, walls=(single_s / 100,) * 6),
        *pair("python", "threads", threads, releases_gil=False),
        *pair("cpp", "threads", 1.95),
        pair("cpp", "processes", 1.9)[1],
        gil_enabled=not free_threaded,
    )
    results.environment |= {
        "python": "CPython 3.13.1" + (" free-threaded" if free_threaded else ""),
        "cpu_model": "Test CPU",
        "timestamp": f"2026-01-0{1 + free_threaded}T00:00:00+00:00",
        "hostname": name,
        "executable": "/usr/bin/python3.13" + ("t" if free_threaded else ""),
    }
    return results


GIL = machine("box", 1.0, 1.0, free_threaded=False)
FREE = machine("box", 1.3, 1.9, free_threaded=True)


def test_two_different_runs_side_by_side() -> None:
    assert not same_run(GIL, FREE)
    assert common_workers(GIL, FREE) == 2
    assert common_executors(GIL, FREE) == ["threads", "processes"]
    assert single_ns(GIL, "python") == 1000.0  # 1 s for 1M elements
    assert single_ns(FREE, "python") == 1300.0
    assert single_ns(GIL, "numpy") is None
    text = render(comparison_report(GIL, FREE, ("gil.json", "ft.json")))
    assert "A = gil.json: CPython 3.13.1, GIL enabled, 2 cores, Test CPU" in text
    assert "B = ft.json: CPython 3.13.1 free-threaded, GIL disabled" in text
    assert "same run" not in text
    assert "speedups at 2 workers" in text and "B/A" in text
    python_row = next(line for line in text.splitlines() if line.startswith("python"))
    assert "1e+03" in python_row and "1.3e+03" in python_row and f"1.30{TIMES}" in python_row
    assert f"1.00{TIMES} held" in python_row and f"1.90{TIMES} scales" in python_row
    cpp_row = next(line for line in text.splitlines() if line.startswith("cpp"))
    assert f"1.95{TIMES} scales" in cpp_row and f"1.90{TIMES} scales" in cpp_row
    assert f"machine ceiling A: 2.00{TIMES}" in text


def test_a_file_compared_with_itself_is_one_run() -> None:
    again = copy.deepcopy(GIL)
    assert same_run(GIL, again)
    text = render(comparison_report(GIL, again, ("a.json", "a.json")))
    assert "A and B are the same run: every ratio below is 1" in text
    python_row = next(line for line in text.splitlines() if line.startswith("python"))
    assert f"1.00{TIMES}" in python_row


def test_the_same_samples_from_another_machine_are_not_one_run() -> None:
    other = copy.deepcopy(GIL)
    other.environment["hostname"] = "elsewhere"
    assert not same_run(GIL, other)


def test_different_modes_and_no_common_workers_are_said() -> None:
    strong = copy.deepcopy(FREE)
    strong.config["mode"] = "strong"
    assert "the runs measured different modes" in render(comparison_report(GIL, strong))
    one = run_of(record("python", "sequential", 1, releases_gil=False))
    assert common_workers(GIL, one) is None
    text = render(comparison_report(GIL, one))
    assert "no worker count above 1 in both runs: speedups not compared" in text


def test_two_real_runs(small_run: RunResults) -> None:
    text = render(comparison_report(small_run, GIL, ("small.json", "synthetic.json")))
    assert "A = small.json" in text and "B = synthetic.json" in text
    for backend in ("python", "numpy", "cpp"):
        assert backend in text
