"""The ``gilbench`` command: options from one table, help generated from it, one-line errors
with exit 2, and every command end to end through ``cli.main`` with tiny sizes.

Nothing here asserts a timing: the machine may be busy.  Output is checked as it is piped:
no line over 100 columns, none ending in spaces.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import gilbench
from gilbench import cli, options, session
from gilbench.environment import usable_cpus
from gilbench.executors.registry import EXECUTORS, default_names, get_executor, parallel_names
from gilbench.executors.threads import Threads
from gilbench.kernels import Kernel
from gilbench.kernels.oracle import expected_sum_squares
from gilbench.measure import bench
from gilbench.measure import run as runner
from gilbench.measure.stats import MIN_REPEATS
from gilbench.report.plot import NothingToPlot
from gilbench.results import load_json
from helpers import (
    Outcome,
    assert_fits_a_pipe,
    error_of,
    fake_kernel,
    gilbench_main,
    help_of,
    parse,
    raising_in_pool_threads,
    resolved,
    run_gilbench,
    with_function,
)

ARTICLE = "Why Python Threads Do Not Always Speed Up Your Code"
AVAILABLE_BACKENDS = [n for n in gilbench.backend_names() if gilbench.get_backend(n).available]
AVAILABLE_EXECUTORS = default_names()
TINY = ("--n", "20000", "--repeat", str(MIN_REPEATS), "--budget", "1", "--no-progress")


# --- options, resolved from the table ----------------------------------------------------


def test_default_workers_are_powers_of_two_up_to_the_cores() -> None:
    assert options.default_workers(1) == [1]
    assert options.default_workers(2) == [1, 2]
    assert options.default_workers(6) == [1, 2, 4, 6]
    assert options.default_workers(16) == [1, 2, 4, 8, 16]


def test_run_defaults() -> None:
    values = resolved("run")
    assert values.backends == AVAILABLE_BACKENDS
    assert values.executors == AVAILABLE_EXECUTORS and "sequential" not in values.executors
    assert values.workers == options.default_workers(usable_cpus())
    assert values.mode == "weak" and values.n is None and values.repeat == 9
    assert values.task_seconds == pytest.approx(0.3) and values.budget == pytest.approx(300.0)
    assert values.pin is True and values.quick is False and values.no_progress is False
    assert values.start_method == options.EXECUTOR_OPTIONS[0].default
    assert values.json is None and values.csv is None and values.plot is None


def test_quick_is_one_row_of_values_and_explicit_options_win() -> None:
    values = resolved("run", "--quick", "--executors", "threads,processes")
    per_executor = options.QUICK["budget"]
    assert isinstance(per_executor, options.PerExecutor)
    assert {k: getattr(values, k) for k in options.QUICK if k != "budget"} == {
        k: v for k, v in options.QUICK.items() if k != "budget"
    }
    assert values.workers == [1, 2] and values.repeat == options.QUICK["repeat"]
    assert values.task_seconds == pytest.approx(options.QUICK["task_seconds"])
    assert values.budget == pytest.approx(2 * per_executor.value)  # 16 s for these two
    values = resolved("run", "--quick", "--executors", "threads")
    assert values.budget == pytest.approx(per_executor.value)  # a repeat times fewer executors
    values = resolved("run", "--quick", "--workers", "3", "--repeat", "12", "--budget", "5")
    assert values.workers == [3] and values.repeat == 12 and values.budget == 5.0


def test_each_command_has_its_own_defaults() -> None:
    seed = resolved("seed")
    assert seed.n == 20_000_000 and seed.workers == [2] and seed.pin is True
    assert seed.budget == pytest.approx(60.0) and seed.task_seconds is None
    assert seed.executors == AVAILABLE_EXECUTORS
    bench_values = resolved("bench")
    assert bench_values.repeat == 3 and bench_values.n is None
    assert bench_values.no_peers is False and bench_values.kernel_paths is False
    crossover = resolved("crossover")
    assert crossover.pin is True and crossover.max_task_seconds == pytest.approx(0.05)
    assert resolved("plot", "r.json").output is None


def test_bench_and_crossover_options_parse() -> None:
    values = resolved(
        "bench",
        "--backends",
        "numpy,python",
        "--no-peers",
        "--n",
        "20M",
        "--repeat",
        "5",
        "--kernel-paths",
    )
    assert values.backends == ["numpy", "python"] and values.no_peers and values.kernel_paths
    assert values.n == 20_000_000 and values.repeat == 5 and values.json is None
    values = resolved(
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
    assert values.backends == ["numpy"] and values.executors == ["processes"]
    assert values.max_task_seconds == pytest.approx(0.2) and values.pin is False
    assert values.start_method == "spawn" and values.no_progress
    assert resolved("crossover", "--pin").pin is True


def test_lists_sizes_and_modes_parse() -> None:
    values = resolved(
        "run",
        "--backends",
        "numpy, python,numpy",
        "--executors",
        "processes,sequential,threads",
        "--workers",
        "4,1,2,2",
        "--mode",
        "strong",
        "--n",
        "20_000_000",
        "--start-method",
        "spawn",
    )
    assert values.backends == ["numpy", "python"]
    assert values.executors == ["threads", "processes"]  # registry order, baseline implied
    assert values.workers == [1, 2, 4]
    assert values.mode == "strong" and values.n == 20_000_000
    unset = {option.dest: None for option in options.EXECUTOR_OPTIONS}
    assert options.executor_settings(values) == {**unset, "start_method": "spawn"}


@pytest.mark.parametrize(
    ("text", "value"),
    [("20M", 20_000_000), ("4k", 4000), ("4G", 4 * 10**9), ("7", 7), ("2_000", 2000)],
)
def test_sizes_with_suffixes(text: str, value: int) -> None:
    assert options.task_size(text) == value


def test_backends_all_means_every_available_one() -> None:
    assert parse("run", "--backends", "all").backends == AVAILABLE_BACKENDS


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "--backends", "fortran"], "unknown backend 'fortran'; choose from: python"),
        (["run", "--backends", "numba"], "unknown backend 'numba'"),  # a peer, not a backend
        (["run", "--executors", "fibers"], "unknown executor 'fibers'"),
        (["run", "--executors", "sequential"], "'sequential' is the baseline, always measured"),
        (["run", "--workers", "0"], "'0' is not a positive whole number"),
        (["run", "--workers", "two"], "'two' is not a positive whole number"),
        (["run", "--workers", ","], "empty list"),
        (["run", "--workers", "1,,2"], "'1,,2' has an empty item"),
        (["run", "--backends", "python,"], "'python,' has an empty item"),
        (["run", "--n", "5G"], "outside 1 .. 2**32"),
        (["run", "--n", "lots"], "is not a size"),
        (["run", "--repeat", "0"], "not a positive whole number"),
        (["run", "--budget", "-1"], "not a positive number"),
        (["run", "--task-seconds", "soon"], "not a positive number"),
        (["run", "--mode", "medium"], "invalid choice: 'medium'"),
        (["run", "--start-method", "teleport"], "invalid choice: 'teleport'"),
        (["run", "--plot", "out.gif"], "one of .png, .svg, .pdf"),
        (["run", "--json", "/no/such/folder/out.json"], "does not exist"),
        (["run", "--csv", "out.txt"], "one of .csv"),
        (["run", "--frobnicate"], "unrecognized arguments: --frobnicate"),
        (["seed", "--workers", "2"], "unrecognized arguments: --workers"),
        (["bench", "--n", "5G"], "outside 1 .. 2**32"),
        (["bench", "--repeat", "0"], "not a positive whole number"),
        (["bench", "--json", "/no/such/folder/b.json"], "does not exist"),
        (["crossover", "--executors", "sequential"], "'sequential' is the baseline"),
        (["crossover", "--max-task-seconds", "0"], "not a positive number"),
        (["plot", "r.json", "-o", "r.gif"], "one of .png, .svg, .pdf"),
        (["compare", "a.json"], "the following arguments are required: B.json"),
        (["launch"], "invalid choice: 'launch'"),
    ],
)
def test_bad_options_give_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    line = error_of(capsys, *argv)
    assert expected in line
    assert line.startswith(f"gilbench {argv[0]}: error: ") or line.startswith("gilbench: error: ")
    assert line.endswith("--help')")


def test_an_unavailable_backend_is_a_one_line_error_and_not_a_default(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = dataclasses.replace(
        gilbench.get_backend("cpp"),
        available=False,
        reason="No module named 'gilbench._cpp'\nsecond line",
        _function=None,
    )
    real = options.get_backend

    def fake(name: str) -> Kernel:
        return missing if name == "cpp" else real(name)

    monkeypatch.setattr(options, "get_backend", fake)
    line = error_of(capsys, "run", "--backends", "python,cpp")
    assert "backend 'cpp' is unavailable: No module named 'gilbench._cpp'" in line
    assert "second line" not in line
    assert "cpp" not in resolved("run").backends


def test_executors_only_from_the_registry() -> None:
    assert options.executor_list(",".join(EXECUTORS)) == parallel_names()


# --- help, generated from the option table -------------------------------------------------


@pytest.mark.parametrize("name", list(cli.COMMANDS))
def test_help_shows_every_option_as_the_table_says(
    capsys: pytest.CaptureFixture[str], name: str
) -> None:
    text = "".join(help_of(capsys, name).split())  # argparse wraps (even at hyphens)
    command = cli.COMMANDS[name]
    assert "examples:" in text and f"gilbench{name}" in text
    for option in command.options:
        if option.help:
            assert "".join(command.help_for(option).split()) in text, option.flags


def test_run_help_says_each_default_and_its_quick_value(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_of(capsys, "run")
    flat = " ".join(text.split())
    quick = options.QUICK
    assert f"(default: 9; --quick: {quick['repeat']})" in flat  # --repeat
    assert f"(default: 300.0; --quick: {quick['budget']})" in flat  # --budget
    assert f"(default: 0.3; --quick: {quick['task_seconds']})" in flat  # --task-seconds
    assert "(default: weak)" in flat and "(default: on)" in flat
    assert f"here {','.join(map(str, options.default_workers(usable_cpus())))}; --quick: 1,2" in (
        flat
    )


def test_a_changed_default_changes_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.COMMANDS["probe"].help_for(options.TASK_SECONDS).endswith("(default: 0.2)")
    assert cli.COMMANDS["seed"].help_for(options.SIZE).endswith("(default: 20000000)")
    assert cli.COMMANDS["seed"].help_for(options.PIN).endswith("(default: on)")
    assert "(default: 3)" in help_of(capsys, "bench")


def test_seed_help_names_the_article(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_of(capsys, "seed")
    assert ARTICLE in text and "N = 20,000,000" in text


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    err = capsys.readouterr().err
    assert "examples:" in err and "COMMAND" in err
    for name in cli.COMMANDS:
        assert name in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"gilbench {gilbench.__version__}\n"


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["plot"],
        ["compare"],
        *[[name] for name in ("run", "seed", "bench", "crossover", "info")],
    ],
    ids=lambda argv: " ".join(argv) or "gilbench",
)
def test_help_fits_a_pipe(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main([*argv, "--help"])
    assert_fits_a_pipe(capsys.readouterr().out)


# --- every command end to end ----------------------------------------------------------------


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two different runs, saved: A (python, threads and processes, 1 and 2 workers) and
    B (python and numpy, threads only, 2 workers, another size)."""
    folder = tmp_path_factory.mktemp("runs")
    paths = {key: folder / f"a.{key}" for key in ("json", "csv", "png")}
    first = gilbench_main(
        "run",
        "--backends",
        "python",
        "--executors",
        "threads,processes",
        "--workers",
        "1,2",
        *TINY,
        "--json",
        str(paths["json"]),
        "--csv",
        str(paths["csv"]),
        "--plot",
        str(paths["png"]),
    )
    second_path = folder / "b.json"
    second = gilbench_main(
        "run",
        "--backends",
        "python,numpy",
        "--executors",
        "threads",
        "--workers",
        "2",
        "--n",
        "30000",
        "--repeat",
        "6",
        "--budget",
        "1",
        "--json",
        str(second_path),
    )
    return {"first": first, "second": second, "paths": paths, "b": second_path}


def test_run_end_to_end_writes_every_output(runs: dict[str, Any]) -> None:
    first: Outcome = runs["first"]
    assert first.status == 0, first.err
    assert first.err == ""
    assert_fits_a_pipe(first.out)
    assert "measuring 1 backend (python) sequentially and on threads, processes at 1, 2" in (
        " ".join(first.out.split())
    )
    assert "will threads (or processes) make it faster?" in first.out
    paths = runs["paths"]
    for kind, path in paths.items():
        assert path.stat().st_size > 0
        assert f"saved {path}" in " ".join(first.out.split()) or kind == "png"
    saved = load_json(paths["json"], "run")
    assert {(r.executor, r.workers) for r in saved.records} == {
        (e, w) for e in ("sequential", "threads", "processes") for w in (1, 2)
    }
    assert all(r.repeat >= MIN_REPEATS for r in saved.records)
    assert set(saved.gil) == {"python"} and saved.config["budget_s"] == 1.0
    with paths["csv"].open() as file:
        assert len(list(csv.DictReader(file))) == len(saved.records)
    assert paths["png"].read_bytes().startswith(b"\x89PNG")


def test_a_second_run_differs_from_the_first(runs: dict[str, Any]) -> None:
    second: Outcome = runs["second"]
    assert second.status == 0, second.err
    assert_fits_a_pipe(second.out)
    a, b = load_json(runs["paths"]["json"], "run"), load_json(runs["b"], "run")
    assert b.sizes == {"python": 30_000, "numpy": 30_000} and a.sizes == {"python": 20_000}


def test_compare_two_different_runs(runs: dict[str, Any]) -> None:
    a, b = str(runs["paths"]["json"]), str(runs["b"])
    compared = gilbench_main("compare", a, b)
    assert compared.status == 0, compared.err
    assert_fits_a_pipe(compared.out)
    text = " ".join(compared.out.split())
    assert f"A = {a}" in text and f"B = {b}" in text
    assert "same run" not in text
    assert "speedups at 2 workers" in text and "B/A" in text
    assert "numpy" in text  # only in B: still a row


def test_compare_a_run_with_itself_says_so(runs: dict[str, Any]) -> None:
    a = str(runs["paths"]["json"])
    compared = gilbench_main("compare", a, a)
    assert compared.status == 0
    assert_fits_a_pipe(compared.out)
    assert "A and B are the same run: every ratio below is 1" in compared.out


def test_plot_redraws_a_saved_run(runs: dict[str, Any], tmp_path: Path) -> None:
    redrawn = tmp_path / "again.svg"
    drawn = gilbench_main("plot", str(runs["paths"]["json"]), "-o", str(redrawn))
    assert drawn.status == 0, drawn.err
    assert drawn.out == f"saved {redrawn}\n"
    assert b"<svg" in redrawn.read_bytes()[:400]


def test_plot_writes_beside_the_run_by_default(runs: dict[str, Any], tmp_path: Path) -> None:
    source = tmp_path / "copy.json"
    source.write_bytes(runs["b"].read_bytes())
    assert gilbench_main("plot", str(source)).status == 0
    assert (tmp_path / "copy.png").read_bytes().startswith(b"\x89PNG")


def test_seed_end_to_end(tmp_path: Path) -> None:
    path = tmp_path / "seed.json"
    seeded = gilbench_main("seed", "--backends", "python", *TINY, "--json", str(path))
    assert seeded.status == 0, seeded.err
    assert_fits_a_pipe(seeded.out)
    assert "two tasks of N = 20,000: sequential vs 2 threads vs a 2-process pool" in seeded.out
    assert "article, finding 1" in seeded.out and "article, finding 2" in seeded.out
    saved = load_json(path, "run")
    assert {(r.executor, r.workers) for r in saved.records} == {
        (e, 2) for e in ("sequential", *AVAILABLE_EXECUTORS)
    }
    assert saved.config["pin"] is (sys.platform == "linux") or saved.warnings


def test_bench_end_to_end(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    timed = gilbench_main(
        "bench",
        "--backends",
        "python,numpy",
        "--no-peers",
        "--n",
        "2000",
        "--repeat",
        "1",
        "--no-progress",
        "--json",
        str(path),
    )
    assert timed.status == 0, timed.err
    assert_fits_a_pipe(timed.out)
    assert "kernel speed, one thread" in timed.out and "t(n)/" in timed.out
    assert [r.name for r in load_json(path, "bench").records] == ["python", "numpy"]


def test_crossover_end_to_end(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    found = gilbench_main(
        "crossover",
        "--backends",
        "python",
        "--executors",
        "threads",
        "--no-pin",
        "--max-task-seconds",
        "0.0002",
        "--no-progress",
        "--json",
        str(path),
    )
    assert found.status == 0, found.err
    assert_fits_a_pipe(found.out)
    assert "the smallest n from which 2 tasks on 2 workers beat them in turn" in found.out
    assert load_json(path, "crossover").pairs() == [("python", "threads")]


def test_info_end_to_end() -> None:
    shown = gilbench_main("info")
    assert shown.status == 0
    assert_fits_a_pipe(shown.out)
    for name in (*AVAILABLE_BACKENDS, *EXECUTORS):
        assert name in shown.out
    as_json = gilbench_main("info", "--json")
    environment = json.loads(as_json.out)
    assert environment["gilbench_version"] == gilbench.__version__
    assert [e["name"] for e in environment["executors"]] == list(EXECUTORS)
    assert [b["name"] for b in environment["backends"]] == gilbench.backend_names()


def test_piped_through_a_real_pipe(runs: dict[str, Any]) -> None:
    for argv in (["info"], ["compare", str(runs["paths"]["json"]), str(runs["b"])]):
        done = run_gilbench(*argv)
        assert done.returncode == 0, done.stdout
        assert_fits_a_pipe(done.stdout)


# --- failures: exit 1, one line, and what finished is kept ----------------------------------


def test_a_kernel_that_raises_in_a_worker_thread_exits_1_naming_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    python = with_function("python", raising_in_pool_threads)
    monkeypatch.setattr(runner, "get_backend", lambda name: python)
    path = tmp_path / "r.json"
    failed = gilbench_main(
        "run",
        "--backends",
        "python",
        "--executors",
        "threads",
        "--workers",
        "2",
        *TINY,
        "--json",
        str(path),
    )
    assert failed.status == 1
    (line,) = failed.err.splitlines()
    assert line.startswith("gilbench: error: backend 'python' failed under threads with 2 workers")
    assert line.endswith("RuntimeError: kaboom in a worker thread")
    assert_fits_a_pipe(failed.out)
    saved = json.loads(path.read_text())
    assert saved["error"] == line.removeprefix("gilbench: error: ")
    assert saved["records"] == [] and "python" in saved["gil"]


def test_a_wrong_result_exits_1_and_keeps_the_rounds_that_finished(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[int] = []

    def right_then_wrong(start: int, stop: int) -> int:
        calls.append(stop)  # the warm-up and round 1 are right, round 2 is not
        return 42 if len(calls) > 3 else expected_sum_squares(start, stop)

    def with_a_liar(backends: list[str], peer_list: list[str]) -> list[Kernel]:
        return [gilbench.get_backend("python"), fake_kernel(right_then_wrong, "liar")]

    monkeypatch.setattr(bench, "targets", with_a_liar)
    path = tmp_path / "b.json"
    failed = gilbench_main(
        "bench",
        "--backends",
        "python",
        "--no-peers",
        "--n",
        "1000",
        "--repeat",
        "3",
        "--no-progress",
        "--json",
        str(path),
    )
    assert failed.status == 1
    assert failed.err.startswith("gilbench: error: backend 'liar' returned 42")
    assert len(failed.err.splitlines()) == 1
    saved = json.loads(path.read_text())
    assert [r["name"] for r in saved["records"]] == ["python", "liar"]
    assert [len(r["samples_s"]) for r in saved["records"]] == [2, 1]
    assert saved["error"].startswith("backend 'liar'")
    assert "best of 1-2 calls" in " ".join(failed.out.split())


def test_ctrl_c_exits_130_after_printing_what_finished(monkeypatch: pytest.MonkeyPatch) -> None:
    real = bench.run_bench
    left: list[int] = []

    def interrupted(config, results, kernels=None, on_progress=None):  # type: ignore[no-untyped-def]
        real(config, results, bench.targets(["python"], []), on_progress)
        raise KeyboardInterrupt

    monkeypatch.setattr(bench, "run_bench", interrupted)
    # In a terminal, gilbench leaves at once if pool threads are still busy; here, note it.
    monkeypatch.setattr(session, "_leave_now_if_threads_busy", left.append)
    stopped = gilbench_main(
        "bench",
        "--backends",
        "python,numpy",
        "--no-peers",
        "--n",
        "1000",
        "--repeat",
        "1",
        "--no-progress",
    )
    assert stopped.status == 130 and left == [130]
    assert "interrupted: these are the kernels that finished" in stopped.out
    assert "python" in stopped.out


def test_plot_and_compare_of_a_missing_file_fail_cleanly(tmp_path: Path) -> None:
    missing = str(tmp_path / "nothing.json")
    for argv in (["plot", missing, "-o", str(tmp_path / "x.png")], ["compare", missing, missing]):
        failed = gilbench_main(*argv)
        assert failed.status == 1
        (line,) = failed.err.splitlines()
        assert line.startswith("gilbench: error: ") and "nothing.json" in line


def test_plot_and_compare_refuse_another_kind_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    assert (
        gilbench_main(
            "bench",
            "--backends",
            "python",
            "--no-peers",
            "--n",
            "1000",
            "--repeat",
            "1",
            "--json",
            str(path),
        ).status
        == 0
    )
    for argv in (["plot", str(path)], ["compare", str(path), str(path)]):
        failed = gilbench_main(*argv)
        assert failed.status == 1
        assert failed.err == f"gilbench: error: {path}: not a gilbench run (schema " + (
            "'gilbench.bench/2')\n"
        )


def test_a_plot_that_cannot_be_drawn_still_saves_the_data(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import gilbench.report.plot

    def no_matplotlib(results: object, path: object) -> None:
        raise NothingToPlot("matplotlib is not installed")

    monkeypatch.setattr(gilbench.report.plot, "plot_run", no_matplotlib)
    failed = gilbench_main(
        "run",
        "--backends",
        "python",
        "--executors",
        "threads",
        "--workers",
        "1",
        *TINY,
        "--json",
        str(tmp_path / "r.json"),
        "--plot",
        str(tmp_path / "r.png"),
    )
    assert failed.status == 1
    assert (tmp_path / "r.json").exists()  # the data is saved even so
    assert "could not write" in failed.err and "matplotlib is not installed" in failed.err


UNAVAILABLE = [name for name, cls in EXECUTORS.items() if cls.unavailable() is not None]


@pytest.mark.skipif(not UNAVAILABLE, reason="every executor runs on this interpreter")
def test_an_executor_this_interpreter_lacks_never_ends_in_a_traceback() -> None:
    name = UNAVAILABLE[0]
    done = gilbench_main(
        "run", "--backends", "python", "--executors", f"threads,{name}", "--workers", "2", *TINY
    )
    assert done.status in (0, 2)
    assert get_executor(name).unavailable() in " ".join((done.out + done.err).split())


@pytest.fixture
def refusing_threads(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(Threads, "refuses", classmethod(lambda cls, kernel: "not today\nmore"))
    yield


def test_a_refusal_is_reported_not_fatal(refusing_threads: None) -> None:
    done = gilbench_main(
        "run", "--backends", "python", "--executors", "threads", "--workers", "2", *TINY
    )
    assert done.status == 0, done.err
    assert_fits_a_pipe(done.out)
    assert "threads: cannot run (not today)" in " ".join(done.out.split())
