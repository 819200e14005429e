"""Option parsing: good options make the right configuration; bad ones a one-line error, exit 2."""

from __future__ import annotations

import dataclasses

import pytest

import gilbench
from conftest import error_of, parse
from gilbench import cli, options
from gilbench.backends import Backend
from gilbench.envinfo import usable_cpus


def test_default_workers_are_powers_of_two_up_to_the_cores() -> None:
    assert options.default_workers(1) == [1]
    assert options.default_workers(2) == [1, 2]
    assert options.default_workers(6) == [1, 2, 4, 6]
    assert options.default_workers(16) == [1, 2, 4, 8, 16]


def test_run_defaults() -> None:
    config = cli.run_config(parse("run"))
    available = [n for n in gilbench.backend_names() if gilbench.get_backend(n).available]
    assert config.backends == available
    assert config.executors == ["sequential", "threads", "processes"]
    assert config.workers == options.default_workers(usable_cpus())
    assert config.mode == "weak" and config.n is None and config.repeat == 5


def test_quick_means_two_workers_short_tasks_few_repeats() -> None:
    config = cli.run_config(parse("run", "--quick"))
    assert config.workers == [1, 2]
    assert config.repeat == 3 and config.task_seconds == pytest.approx(0.1)
    # explicit options still win over --quick
    config = cli.run_config(parse("run", "--quick", "--workers", "3", "--repeat", "1"))
    assert config.workers == [3] and config.repeat == 1


def test_lists_sizes_and_modes_parse() -> None:
    args = parse(
        "run",
        "--backends",
        "numpy,python,numpy",
        "--executors",
        "processes,threads",
        "--workers",
        "4,1,2,2",
        "--mode",
        "strong",
        "--n",
        "20_000_000",
        "--start-method",
        "spawn",
    )
    config = cli.run_config(args)
    assert config.backends == ["numpy", "python"]
    assert config.executors == ["threads", "processes"]
    assert config.executors_at(2) == ["sequential", "threads", "processes"]
    assert config.workers == [1, 2, 4]
    assert config.mode == "strong" and config.n == 20_000_000
    assert config.start_method == "spawn"


@pytest.mark.parametrize(
    ("text", "value"), [("20M", 20_000_000), ("4k", 4000), ("4G", 4 * 10**9), ("7", 7)]
)
def test_sizes_with_suffixes(text: str, value: int) -> None:
    assert options.task_size(text) == value


def test_backends_all_means_every_available_one() -> None:
    names = parse("run", "--backends", "all").backends
    assert "python" in names
    assert all(gilbench.get_backend(n).available for n in names)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "--backends", "fortran"], "unknown backend 'fortran'; choose from: python"),
        (["run", "--executors", "fibers"], "unknown executor 'fibers'"),
        (["run", "--workers", "0"], "'0' is not a positive whole number"),
        (["run", "--workers", "two"], "'two' is not a positive whole number"),
        (["run", "--workers", ","], "empty list"),
        (["run", "--n", "5G"], "outside 1 .. 2**32"),
        (["run", "--n", "lots"], "is not a size"),
        (["run", "--repeat", "0"], "not a positive whole number"),
        (["run", "--mode", "medium"], "invalid choice: 'medium'"),
        (["run", "--plot", "out.gif"], "one of .png, .svg, .pdf"),
        (["run", "--json", "/no/such/folder/out.json"], "does not exist"),
        (["run", "--frobnicate"], "unrecognized arguments: --frobnicate"),
        (["launch"], "invalid choice: 'launch'"),
    ],
)
def test_bad_options_give_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    line = error_of(capsys, *argv)
    assert expected in line
    assert line.startswith("gilbench")


def test_unavailable_backend_requested_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = dataclasses.replace(
        gilbench.get_backend("cpp"),
        available=False,
        reason="No module named 'gilbench._cpp'\nsecond line",
        _kernel=None,
    )
    real = cli.get_backend

    def fake(name: str) -> Backend:
        return missing if name == "cpp" else real(name)

    monkeypatch.setattr(options, "get_backend", fake)  # parsing --backends
    monkeypatch.setattr(cli, "get_backend", fake)  # the default list
    line = error_of(capsys, "run", "--backends", "python,cpp")
    assert "backend 'cpp' is unavailable: No module named 'gilbench._cpp'" in line
    # and by default it is skipped, not requested
    assert "cpp" not in cli.run_config(parse("run")).backends


@pytest.mark.parametrize(
    "command", ["run", "seed", "bench", "crossover", "info", "plot", "compare"]
)
def test_help_everywhere_with_examples(capsys: pytest.CaptureFixture[str], command: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and f"gilbench {command}" in out


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert "examples:" in capsys.readouterr().err


def test_pinning_where_the_os_cannot_is_refused_with_a_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gilbench import executors

    monkeypatch.setattr(executors, "pinning_supported", lambda: False)
    assert executors.pin_refusal(False) is None
    assert "cannot pin" in (executors.pin_refusal(True) or "")
    assert executors.pin_cpus(True) is None
