"""``bench`` as text: one row per kernel, the ratio to the fastest, the linearity check."""

from __future__ import annotations

from gilbench.kernels.domain import LIMIT
from gilbench.report.bench import bench_report, times_fastest
from gilbench.results import BenchRecord, BenchResults
from helpers import render

TIMES = "\N{MULTIPLICATION SIGN}"


def measured(name: str, ns: float, **changes: object) -> BenchRecord:
    found = BenchRecord(
        name,
        "backend",
        "x",
        True,
        n=LIMIT,
        sizing="full domain",
        best_s=ns * LIMIT / 1e9,
        ns_per_element=ns,
        vs_fastest=1.0,
        linearity=4.0,
        linear=True,
        note="linear",
    )
    for key, value in changes.items():
        setattr(found, key, value)
    return found


def test_ratio_formatting() -> None:
    assert times_fastest(1.0) == f"1.00{TIMES}"
    assert times_fastest(25.24) == f"25.2{TIMES}"
    assert times_fastest(721.4) == f"721{TIMES}"
    assert times_fastest(None) == "\N{EM DASH}"


def test_every_kernel_has_a_row() -> None:
    results = BenchResults(
        {},
        {"repeat": 3},
        records=[
            measured("cpp", 0.05, kernel_path="avx512-ifma"),
            measured("python", 40.0, vs_fastest=800.0, n=5_000_000, sizing="sized"),
        ],
    )
    text = render(bench_report(results))
    assert "kernel speed, one thread: best of 3 calls of sum_squares(0, n)" in text
    assert "cpp" in text and "avx512-ifma loop" in text and "0.0500" in text
    assert "python" in text and f"800{TIMES}" in text and "n sized to last ~0.3 s" in text
    assert "4.29G" in text and "5M" in text and "t(n/4)" in text
    assert "not linear" not in text.split("t(n)/t(n/4) is about 4")[0].split("kernel")[-1]


def test_a_folded_loop_is_flagged() -> None:
    folded = measured("folded", 0.001, linearity=1.02, linear=False, note="not linear: folded?")
    text = render(bench_report(BenchResults({}, {"repeat": 3}, records=[folded])))
    assert "1.02 not linear: folded?" in text
    assert "not linear: folded: the time does not grow with n" in text


def test_a_call_too_short_to_tell_is_marked() -> None:
    short = measured(
        "numpy", 1.0, n=1000, best_s=1e-6, linearity=1.5, linear=None, note="too short to tell"
    )
    text = " ".join(render(bench_report(BenchResults({}, {"repeat": 1}, records=[short]))).split())
    assert "1.50?" in text and "?: a call under 1 ms is mostly call overhead" in text


def test_peers_and_unavailable_kernels_say_so() -> None:
    peer = measured("numba", 0.3, kind="peer", toolchain="Numba 0.61")
    absent = BenchRecord(
        "rust", "backend", "PyO3", False, reason="No module named 'gilbench._rust'\nmore"
    )
    text = render(bench_report(BenchResults({}, {"repeat": 3}, records=[peer, absent])))
    assert "numba (peer)" in text and "not a gilbench backend" in text and "Numba 0.61" in text
    assert "unavailable: No module named 'gilbench._rust'" in text and "more" not in text


def test_nothing_measured_and_interrupted() -> None:
    results = BenchResults({}, {}, interrupted=True)
    text = render(bench_report(results))
    assert "interrupted: these are the kernels that finished" in text
    assert "no measurement finished" in text


def test_a_best_not_reproduced_is_marked_and_explained() -> None:
    busy = measured("rust", 0.15, vs_fastest=1.4, reproduced=False)
    quiet = measured("cpp", 0.107, reproduced=True)
    text = render(bench_report(BenchResults({}, {"repeat": 3}, records=[quiet, busy])))
    assert "~0.150" in text and f"~1.40{TIMES}" in text
    assert "~0.107" not in text and "0.107" in text
    assert "~: no second call came within 5% of its best" in " ".join(text.split())


def test_a_low_ratio_from_unsteady_times_is_no_verdict() -> None:
    unsteady = measured("python", 59.0, linearity=2.41, linear=None, note="too unsteady to tell")
    text = " ".join(render(bench_report(BenchResults({}, {}, records=[unsteady]))).split())
    assert "2.41?" in text and "not linear" not in text.split("t(n)/t(n/4) is about")[0]
    assert "?: below 3, but its times at n and n/4 were not both reproduced" in text
    assert "mostly call overhead" not in text and "~:" not in text
