"""``gilbench bench`` and the peers: options, records, arithmetic, result checks, JSON.

Sizes are tiny and nothing here asserts a timing: the machine may be busy.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import gilbench
from conftest import FAST, error_of, parse, render
from gilbench import bench, cli, peers
from gilbench.bench import BenchConfig, BenchRecord, BenchResults, Target
from gilbench.bench_report import bench_report, times_fastest
from gilbench.domain import LIMIT
from gilbench.envinfo import collect_environment
from gilbench.measure import WrongResult
from gilbench.oracle import expected_sum_squares


def fake_target(kernel, name: str = "fake", compiled: bool = False) -> Target:
    return Target(name, "backend", "Fake", compiled, True, None, kernel)


@pytest.fixture
def fresh_peers() -> Iterator[None]:
    """Forget compiled peers before and after: a test may change what can be imported."""
    peers.get_peer.cache_clear()
    yield
    peers.get_peer.cache_clear()


# --- options --------------------------------------------------------------------------


def test_bench_defaults() -> None:
    config = cli.bench_config(parse("bench"))
    available = [n for n in gilbench.backend_names() if gilbench.get_backend(n).available]
    assert config.backends == available
    assert config.peers == ["numba"]
    assert config.n is None and config.repeat == 3


def test_bench_options_parse() -> None:
    args = parse("bench", "--backends", "numpy,python", "--no-peers", "--n", "20M", "--repeat", "5")
    config = cli.bench_config(args)
    assert config.backends == ["numpy", "python"] and config.peers == []
    assert config.n == 20_000_000 and config.repeat == 5
    assert args.no_progress is False and args.json is None


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["bench", "--backends", "numba"], "unknown backend 'numba'"),  # a peer, not a backend
        (["bench", "--n", "5G"], "outside 1 .. 2**32"),
        (["bench", "--repeat", "0"], "not a positive whole number"),
        (["bench", "--json", "/no/such/folder/b.json"], "does not exist"),
    ],
)
def test_bad_bench_options_give_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    assert expected in error_of(capsys, *argv)


def test_bench_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["bench", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and "gilbench bench" in out and "gilbench[peers]" in out


# --- the arithmetic -------------------------------------------------------------------


def test_linearity_is_judged_only_on_calls_long_enough() -> None:
    assert bench.judge_linearity(4.0, 0.5) == (True, "linear")
    assert bench.judge_linearity(1.05, 0.5) == (False, "not linear: folded?")
    assert bench.judge_linearity(2.99, 0.5)[0] is False
    assert bench.judge_linearity(3.0, 0.5)[0] is True
    assert bench.judge_linearity(1.05, 1e-5)[0] is None  # call overhead: too short to tell


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


def test_ratio_formatting() -> None:
    assert times_fastest(1.0) == "1.00\N{MULTIPLICATION SIGN}"
    assert times_fastest(25.24) == "25.2\N{MULTIPLICATION SIGN}"
    assert times_fastest(721.4) == "721\N{MULTIPLICATION SIGN}"


def test_compiled_kernels_run_the_whole_domain_unless_told() -> None:
    never_called = fake_target(lambda a, b: 1 / 0, compiled=True)
    assert bench.size_of(never_called, BenchConfig([], [])) == (LIMIT, "full domain")
    assert bench.size_of(never_called, BenchConfig([], [], n=123)) == (123, "given")


# --- a real (tiny) bench --------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_bench() -> BenchResults:
    config = BenchConfig(backends=FAST, peers=[], n=4000, repeat=2)
    results = BenchResults(collect_environment(), {})
    return bench.run_bench(config, results, bench.targets(FAST, []))


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
        assert record.note is not None
    fastest = min(r.ns_per_element for r in tiny_bench.records)
    for record in tiny_bench.records:
        assert record.vs_fastest == pytest.approx(record.ns_per_element / fastest)
    assert min(r.vs_fastest for r in tiny_bench.records) == pytest.approx(1.0)
    assert tiny_bench.config["n"] == 4000


def test_interpreted_kernels_are_sized() -> None:
    config = BenchConfig(backends=["python"], peers=[], repeat=1, sized_task_s=0.005)
    record = bench.measure_target(bench.backend_target("python"), config)
    assert record.sizing == "sized" and 1 <= record.n <= LIMIT  # type: ignore[operator]


def test_json_round_trip(tiny_bench: BenchResults, tmp_path: Path) -> None:
    path = tmp_path / "bench.json"
    bench.save_json(tiny_bench, path)
    data = json.loads(path.read_text())
    assert data["schema"] == "gilbench.bench/1"
    assert {"python", "gil_enabled", "usable_cpus", "cpu_model"} <= set(data["environment"])
    assert len(data["results"]) == 2
    assert {"name", "kind", "n", "ns_per_element", "vs_fastest", "linearity", "linear"} <= set(
        data["results"][0]
    )
    assert bench.load_json(path).records == tiny_bench.records


def test_report_shows_every_kernel_and_flags_a_folded_loop(tiny_bench: BenchResults) -> None:
    text = render(bench_report(tiny_bench))
    assert "python" in text and "numpy" in text and "t(n/4)" in text
    folded = BenchRecord(
        "folded", "backend", "x", True, n=LIMIT, best_s=0.2, linearity=1.02, linear=False
    )
    folded.note = "not linear: folded?"
    results = BenchResults({}, {"repeat": 3}, records=[folded])
    assert "not linear: folded?" in render(bench_report(results))


def _wrong(start: int, stop: int) -> int:
    return 42


def test_a_wrong_result_is_an_error_naming_the_backend() -> None:
    config = BenchConfig(backends=[], peers=[], n=1000, repeat=1)
    with pytest.raises(WrongResult, match="backend 'fake' returned 42 for range"):
        bench.measure_target(fake_target(_wrong), config)


def test_a_wrong_result_exits_1_and_keeps_what_finished(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def with_a_wrong_one(backends: list[str], peer_list: list[str]) -> list[Target]:
        return [bench.backend_target("python"), fake_target(_wrong, "liar")]

    monkeypatch.setattr(bench, "targets", with_a_wrong_one)
    path = tmp_path / "b.json"
    argv = ["bench", "--backends", "python", "--no-peers", "--n", "1000", "--repeat", "1"]
    assert cli.main([*argv, "--no-progress", "--json", str(path)]) == 1
    captured = capsys.readouterr()
    assert "gilbench: error: backend 'liar' returned 42" in captured.err
    saved = json.loads(path.read_text())
    assert [r["name"] for r in saved["results"]] == ["python"]
    assert saved["error"].startswith("backend 'liar'")


def test_ctrl_c_exits_130_after_printing_what_finished(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = bench.run_bench

    def interrupted(config, results, kernels, on_progress=None):
        real(config, results, kernels[:1], on_progress)
        raise KeyboardInterrupt

    monkeypatch.setattr(bench, "run_bench", interrupted)
    argv = ["bench", "--backends", "python,numpy", "--no-peers", "--n", "1000", "--repeat", "1"]
    assert cli.main([*argv, "--no-progress"]) == 130
    out = capsys.readouterr().out
    assert "interrupted" in out and "python" in out


def test_main_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "b.json"
    argv = ["bench", "--backends", "python", "--no-peers", "--n", "2000", "--repeat", "1"]
    assert cli.main([*argv, "--json", str(path)]) == 0
    assert "kernel speed, one thread" in capsys.readouterr().out
    assert bench.load_json(path).records[0].name == "python"


# --- the numba peer ---------------------------------------------------------------------


def test_the_peer_is_not_a_backend() -> None:
    assert "numba" in peers.peer_names()
    assert "numba" not in gilbench.backend_names()


@pytest.mark.parametrize(
    ("start", "stop"),
    [
        (0, 0),
        (10, 3),
        (0, 1),
        (0, 3000),
        (123_456, 234_567),
        (LIMIT - 1, LIMIT),
        (LIMIT - 1000, LIMIT),
        (LIMIT, LIMIT),
        (LIMIT + 7, 3),  # start beyond the domain, empty range
    ],
)
def test_numba_peer_is_exact(start: int, stop: int) -> None:
    pytest.importorskip("numba")
    peer = peers.get_peer("numba")
    assert peer.available, peer.reason
    result = peer.sum_squares(start, stop)
    assert type(result) is int
    assert result == expected_sum_squares(start, stop)


def test_numba_peer_accepts_numpy_integers() -> None:
    pytest.importorskip("numba")
    peer = peers.get_peer("numba")
    assert peer.sum_squares(np.int64(5), np.uint32(10)) == sum(i * i for i in range(5, 10))


@pytest.mark.parametrize(
    ("start", "stop", "error"),
    [
        (-1, 5, ValueError),
        (0, LIMIT + 1, OverflowError),
        (0.5, 3, TypeError),
        ("0", 3, TypeError),
        (0, None, TypeError),
    ],
)
def test_numba_peer_raises_like_the_backends(start: object, stop: object, error: type) -> None:
    pytest.importorskip("numba")
    peer = peers.get_peer("numba")
    with pytest.raises(error):
        peer.sum_squares(start, stop)  # type: ignore[arg-type]
    with pytest.raises(error):
        gilbench.get_backend("python").sum_squares(start, stop)  # type: ignore[arg-type]


def test_numba_peer_in_the_bench() -> None:
    pytest.importorskip("numba")
    config = BenchConfig(backends=[], peers=["numba"], n=100_000, repeat=1)
    record = bench.measure_target(bench.peer_target("numba"), config)
    assert record.kind == "peer" and record.available and record.best_s is not None
    text = render(bench_report(BenchResults({}, config.to_dict(), records=[record])))
    assert "numba (peer)" in text and "not a gilbench backend" in text


def test_without_numba_the_peer_is_unavailable_with_the_install_hint(
    monkeypatch: pytest.MonkeyPatch, fresh_peers: None
) -> None:
    monkeypatch.setitem(sys.modules, "numba", None)  # import numba now raises ImportError
    peer = peers.get_peer("numba")
    assert not peer.available
    assert "pip install 'gilbench[peers]'" in (peer.reason or "")
    with pytest.raises(peers.PeerUnavailable, match="gilbench\\[peers\\]"):
        peer.sum_squares(0, 10)
    with pytest.raises(ValueError):  # the domain is still checked first
        peer.sum_squares(-1, 10)
    config = BenchConfig(backends=[], peers=["numba"], n=1000, repeat=1)
    results = bench.run_bench(config, BenchResults({}, {}), bench.targets([], ["numba"]))
    record = results.records[0]
    assert not record.available and record.best_s is None
    assert "gilbench[peers]" in (record.reason or "")
    text = render(bench_report(results))
    assert "unavailable" in text and "pip install 'gilbench[peers]'" in text


def test_unknown_peer() -> None:
    with pytest.raises(ValueError, match="unknown peer 'julia'"):
        peers.get_peer("julia")
