"""``bench``: one thread, n and n/4, ns per element, against the fastest, the linearity check.

Sizes are tiny and nothing here asserts a timing: the machine may be busy.
"""

from __future__ import annotations

import sys

import pytest

from gilbench.environment import collect_environment
from gilbench.kernels import Kernel
from gilbench.kernels.domain import LIMIT
from gilbench.kernels.oracle import expected_sum_squares
from gilbench.measure import bench
from gilbench.measure.bench import BenchConfig
from gilbench.measure.timing import BackendFailed, WrongResult
from gilbench.results import BenchRecord, BenchResults
from helpers import FAST, fake_kernel, wrong

# --- the arithmetic -------------------------------------------------------------------


def test_linearity_is_judged_only_on_calls_long_enough() -> None:
    assert bench.judge_linearity(4.0, 0.5) == (True, "linear")
    assert bench.judge_linearity(1.05, 0.5) == (False, "not linear: folded?")
    assert bench.judge_linearity(2.99, 0.5)[0] is False
    assert bench.judge_linearity(3.0, 0.5)[0] is True
    assert bench.judge_linearity(1.05, 1e-5) == (None, "too short to tell")


def test_a_low_ratio_from_unreproduced_times_is_no_verdict() -> None:
    assert bench.judge_linearity(2.4, 0.5, steady=False) == (None, "too unsteady to tell")
    assert bench.judge_linearity(4.0, 0.5, steady=False) == (True, "linear")
    assert bench.judge_linearity(1.05, 1e-5, steady=False) == (None, "too short to tell")


def test_a_best_is_reproduced_by_a_second_call_close_to_it() -> None:
    assert not bench.reproduced([])
    assert not bench.reproduced([1.0])
    assert bench.reproduced([1.5, 1.0, 1.05])
    assert not bench.reproduced([1.5, 1.0, 1.051, 1.6])
    assert bench.reproduced([2.0, 2.0])
    assert bench.reproduced([1.0, 1.1], within=0.1)


def test_ratios_are_against_the_fastest_measured() -> None:
    records = [
        BenchRecord("slow", "backend", "x", True, ns_per_element=40.0),
        BenchRecord("fast", "backend", "x", True, ns_per_element=0.1),
        BenchRecord("absent", "peer", "x", False, reason="not installed"),
    ]
    bench.fill_ratios(records)
    assert records[0].vs_fastest == pytest.approx(400.0)
    assert records[1].vs_fastest == pytest.approx(1.0)
    assert records[2].vs_fastest is None
    bench.fill_ratios([])  # nothing measured: nothing to do


def test_compiled_kernels_run_the_whole_domain_unless_told() -> None:
    never_called = fake_kernel(lambda a, b: 1 // 0, compiled=True)
    assert bench.size_of(never_called, BenchConfig([], [])) == (LIMIT, "full domain")
    assert bench.size_of(never_called, BenchConfig([], [], n=123)) == (123, "given")


def test_interpreted_kernels_are_sized() -> None:
    config = BenchConfig(backends=["python"], peers=[], repeat=1, sized_task_s=0.005)
    (python,) = bench.targets(["python"], [])
    record = bench.measure_target(python, config)
    assert record.sizing == "sized" and 1 <= (record.n or 0) <= LIMIT


def test_targets_are_the_backends_then_the_peers() -> None:
    found = bench.targets(FAST, ["numba"])
    assert [(k.kind, k.name) for k in found] == [
        ("backend", "python"),
        ("backend", "numpy"),
        ("peer", "numba"),
    ]


def test_other_loops_are_the_native_paths_not_chosen() -> None:
    def native(name: str, chosen: str, paths: tuple[str, ...], kind: str = "backend") -> Kernel:
        return Kernel(name, kind, "x", True, True, None, None, None, chosen, paths)

    kernels = [
        native("cpp", "avx512-ifma", ("avx512-ifma", "avx2", "portable")),
        native("rust", "avx2", ("avx2", "portable")),
        native("numba", "x", ("x", "y"), kind="peer"),  # peers have no loops to force
        fake_kernel(lambda a, b: 0),
    ]
    assert bench.other_loops(kernels) == {"avx2": ["cpp"], "portable": ["cpp", "rust"]}


# --- a real (tiny) bench --------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_bench() -> BenchResults:
    config = BenchConfig(backends=FAST, peers=[], n=4000, repeat=2, max_repeat=2)
    return bench.run_bench(config, BenchResults(collect_environment(), {}))


def test_tiny_bench_records_are_complete(tiny_bench: BenchResults) -> None:
    assert [r.name for r in tiny_bench.records] == FAST
    for record in tiny_bench.records:
        assert record.available and record.kind == "backend" and record.sizing == "given"
        assert record.n == 4000 and record.quarter_n == 1000
        assert len(record.samples_s) == len(record.quarter_samples_s) == 2
        assert record.best_s == min(record.samples_s) > 0
        assert record.quarter_best_s == min(record.quarter_samples_s) > 0
        assert record.ns_per_element == pytest.approx(record.best_s / 4000 * 1e9)
        assert record.linearity == pytest.approx(record.best_s / record.quarter_best_s)
        assert (record.linear, record.note) == bench.judge_linearity(
            record.linearity, record.best_s
        )
    fastest = min(r.ns_per_element for r in tiny_bench.records)
    for record in tiny_bench.records:
        assert record.vs_fastest == pytest.approx(record.ns_per_element / fastest)
    assert min(r.vs_fastest for r in tiny_bench.records) == pytest.approx(1.0)
    assert tiny_bench.config["n"] == 4000 and tiny_bench.config["repeat"] == 2
    assert tiny_bench.find("numpy") is tiny_bench.records[1]
    assert tiny_bench.find("numpy", "avx2") is None


def test_progress_counts_every_step() -> None:
    seen: list[tuple[int, int]] = []
    config = BenchConfig(backends=["python"], peers=[], n=1000, repeat=2, max_repeat=2)
    bench.run_bench(config, BenchResults({}, {}), None, lambda d, t, label: seen.append((d, t)))
    total = bench.planned_steps(config, bench.targets(["python"], []))
    assert total == 1 + 1 + 2 * 2  # sizing, warm-up, n and n/4 twice
    assert [d for d, _ in seen] == list(range(total)) and {t for _, t in seen} == {total}


def test_kernels_are_timed_in_rounds_not_back_to_back() -> None:
    log: list[tuple[str, int]] = []

    def logged(name: str) -> Kernel:
        def function(start: int, stop: int) -> int:
            log.append((name, stop))
            return expected_sum_squares(start, stop)

        return fake_kernel(function, name)

    config = BenchConfig(backends=[], peers=[], n=1000, repeat=2, max_repeat=2)
    records = bench.measure_targets([logged("a"), logged("b")], config)
    assert log == [
        ("a", 250), ("b", 250),  # the warm-ups
        ("a", 1000), ("a", 250), ("b", 1000), ("b", 250),  # round 1
        ("a", 250), ("a", 1000), ("b", 250), ("b", 1000),  # round 2, n/4 first
    ]  # fmt: skip
    assert [len(r.samples_s) for r in records] == [2, 2]


class ScriptedClock:
    """``time.perf_counter`` for ``bench``: each kernel call lasts its script's next value."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now

    def kernel(self, name: str, seconds: dict[int, list[float]]) -> Kernel:
        """A kernel whose calls at each n last the listed seconds, in turn, then the last."""
        calls: dict[int, int] = {}

        def function(start: int, stop: int) -> int:
            durations = seconds[stop]
            index = calls[stop] = calls.get(stop, -1) + 1
            self.now += durations[min(index, len(durations) - 1)]
            return expected_sum_squares(start, stop)

        return fake_kernel(function, name)


def test_rounds_go_on_for_every_kernel_until_every_best_is_reproduced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = ScriptedClock()
    monkeypatch.setattr(bench.time, "perf_counter", clock.perf_counter)
    # Calls listed after the warm-up's (the first value at n/4).  "steady" repeats its
    # best in round 2; "busy" in round 6, after one quick call and slow ones.
    steady = clock.kernel("steady", {1000: [4.0, 4.05, 6.0], 250: [1.0, 1.0, 1.01]})
    busy = clock.kernel("busy", {1000: [4.0, 6.0, 5.0, 7.0, 6.0, 4.1], 250: [1.0, 1.0, 1.01]})
    added: list[int] = []
    config = BenchConfig(backends=[], peers=[], n=1000, repeat=3, max_repeat=8)
    first, second = bench.measure_targets([steady, busy], config, on_more_steps=added.append)
    # Both go on (a kernel left out of later rounds would have fewer chances at a quiet
    # moment than the others), and stop once the busy one is reproduced, in round 6.
    assert [len(r.samples_s) for r in (first, second)] == [6, 6]
    assert first.reproduced is True and second.reproduced is True
    assert added == [4, 4, 4]  # both kernels' two calls in rounds 4 to 6
    assert second.best_s == pytest.approx(4.0)


def test_rounds_stop_at_the_most_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = ScriptedClock()
    monkeypatch.setattr(bench.time, "perf_counter", clock.perf_counter)
    never = clock.kernel("never", {1000: [4.0, 6.0, 5.0, 7.0], 250: [1.0]})
    (record,) = bench.measure_targets([never], BenchConfig([], [], n=1000, repeat=3, max_repeat=6))
    assert len(record.samples_s) == 6 and record.reproduced is False
    # --max-repeat at or below --repeat: exactly --repeat rounds.
    (record,) = bench.measure_targets([never], BenchConfig([], [], n=1000, repeat=2, max_repeat=1))
    assert len(record.samples_s) == 2


def test_a_low_ratio_is_flagged_only_once_reproduced(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = ScriptedClock()
    monkeypatch.setattr(bench.time, "perf_counter", clock.perf_counter)
    # The first two calls at n/4 in busy spells (a ratio of 2 at first), then quiet ones.
    spell = clock.kernel("spell", {1000: [4.0], 250: [1.0, 2.0, 2.5, 1.0]})
    folded = clock.kernel("folded", {1000: [1.0], 250: [1.0]})
    config = BenchConfig(backends=[], peers=[], n=1000, repeat=2, max_repeat=5)
    linear_after: list[bool | None] = []
    shown: list[BenchRecord] = []

    def step(label: str) -> None:  # before each call: the verdict so far
        if shown and label == "spell: n = 1,000":
            linear_after.append(shown[0].linear)

    spelled, flagged = bench.measure_targets([spell, folded], config, step, shown)
    assert spelled.linear is True and spelled.linearity == pytest.approx(4.0)
    assert len(spelled.samples_s) == 4 and None in linear_after  # no verdict meanwhile
    assert (flagged.linear, flagged.note) == (False, "not linear: folded?")
    assert len(flagged.samples_s) == 4  # reproduced in round 2, but rounds are for all


def test_the_rounds_in_words() -> None:
    assert bench.rounds(BenchConfig([], [], repeat=3, max_repeat=3)) == "3 rounds"
    assert bench.rounds(BenchConfig([], [], repeat=3, max_repeat=10)).startswith(
        "3 to 10 rounds (more than 3 until every kernel has a second call within 5% of its"
    )


def test_an_unavailable_kernel_is_recorded_with_its_reason() -> None:
    ghost = Kernel("ghost", "peer", "Ghost", True, False, "not installed here", None)
    config = BenchConfig(backends=[], peers=[], n=1000, repeat=1)
    results = bench.run_bench(config, BenchResults({}, {}), [ghost])
    (found,) = results.records
    assert not found.available and found.reason == "not installed here"
    assert found.best_s is None and found.vs_fastest is None


def test_a_wrong_result_is_an_error_naming_the_kernel() -> None:
    config = BenchConfig(backends=[], peers=[], n=1000, repeat=1)
    with pytest.raises(WrongResult, match="backend 'fake' returned 42 for range"):
        bench.measure_target(fake_kernel(wrong), config)


def test_a_kernel_that_raises_is_an_error_naming_it() -> None:
    def broken(start: int, stop: int) -> int:
        raise RuntimeError("segfault avoided")

    config = BenchConfig(backends=[], peers=[], n=1000, repeat=1)
    with pytest.raises(BackendFailed, match=r"backend 'fake' failed on range.*RuntimeError"):
        bench.measure_target(fake_kernel(broken), config)
    with pytest.raises(BackendFailed, match="while sizing its call: RuntimeError"):
        bench.measure_target(fake_kernel(broken), BenchConfig([], [], repeat=1))


def test_the_numba_peer_in_the_bench() -> None:
    pytest.importorskip("numba")
    config = BenchConfig(backends=[], peers=["numba"], n=100_000, repeat=1)
    (peer,) = bench.targets([], ["numba"])
    record = bench.measure_target(peer, config)
    assert record.kind == "peer" and record.available and record.best_s is not None
    assert record.toolchain.startswith("Numba")


def test_without_numba_the_peer_is_recorded_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    from gilbench.kernels import peers

    peers.get_peer.cache_clear()
    monkeypatch.setitem(sys.modules, "numba", None)
    try:
        config = BenchConfig(backends=[], peers=["numba"], n=1000, repeat=1)
        results = bench.run_bench(config, BenchResults({}, {}))
    finally:
        peers.get_peer.cache_clear()
    (record,) = results.records
    assert not record.available and record.best_s is None
    assert "pip install 'gilbench[peers]'" in (record.reason or "")


def test_another_loop_is_timed_in_a_fresh_interpreter() -> None:
    config = BenchConfig(backends=["cpp"], peers=[], n=100_000, repeat=1)
    (found,) = bench.time_loop("portable", ["cpp"], config)
    assert found.name == "cpp" and found.kernel_path == "portable"
    assert found.n == 100_000 and found.best_s is not None


def test_a_loop_that_cannot_be_timed_is_named() -> None:
    config = BenchConfig(backends=["cpp"], peers=[], n=100_000, repeat=1)
    with pytest.raises(BackendFailed, match="timing the portable loop failed: "):
        bench.time_loop("portable", ["fortran"], config)
