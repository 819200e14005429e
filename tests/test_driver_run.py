"""A real (tiny) run end to end: records, result checks, JSON/CSV schema, tables, plot.

Sizes are small and nothing here asserts a timing: the machine may be busy.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest
from rich.console import Console

from conftest import FAST, render
from gilbench import cli, runner
from gilbench.analysis import fill_speedups
from gilbench.compare import compare_runs, comparison_report
from gilbench.envinfo import collect_environment
from gilbench.executors import WorkerDied
from gilbench.info import print_info
from gilbench.measure import WrongResult
from gilbench.plot import plot_run
from gilbench.report import run_report
from gilbench.results import CSV_FIELDS, RunResults, load_json, save_csv, save_json
from gilbench.runner import RunConfig
from gilbench.seed import seed_report

RECORD_KEYS = {
    "backend",
    "executor",
    "workers",
    "mode",
    "n",
    "wall_s",
    "wall_min_s",
    "wall_max_s",
    "cpu_s",
    "speedup",
    "efficiency",
    "startup_s",
}
ENVIRONMENT_KEYS = {
    "python",
    "gil_enabled",
    "free_threaded",
    "usable_cpus",
    "cpu_model",
    "machine_ceiling",
    "gilbench_version",
    "numpy_version",
    "build",
    "timestamp",
}


def small_config(**changes: object) -> RunConfig:
    settings: dict = {
        "backends": FAST,
        "executors": ["sequential", "threads", "processes"],
        "workers": [1, 2],
        "n": 20_000,
        "repeat": 2,
        "task_seconds": 0.01,
    }
    settings.update(changes)
    return RunConfig(**settings)


def measured(config: RunConfig, **kwargs: object) -> RunResults:
    results = RunResults(collect_environment(), {})
    runner.run(config, results, **kwargs)
    fill_speedups(results)
    return results


@pytest.fixture(scope="module")
def small_run() -> RunResults:
    return measured(small_config())


def test_every_combination_has_a_complete_record(small_run: RunResults) -> None:
    combos = {(r.backend, r.executor, r.workers) for r in small_run.records}
    expected = {
        (b, e, w) for b in FAST for e in ("sequential", "threads", "processes") for w in (1, 2)
    }
    assert combos == expected
    for record in small_run.records:
        assert record.repeat == 2 and len(record.wall_samples_s) == 2
        assert record.wall_min_s <= record.wall_s <= record.wall_max_s
        assert record.cpu_s > 0 and record.speedup is not None
        assert record.efficiency == pytest.approx(record.speedup / record.workers)
        assert record.tasks == record.workers and record.n == 20_000
    startups = {(s["executor"], s["workers"]) for s in small_run.startups}
    assert startups == {("threads", 1), ("threads", 2), ("processes", 1), ("processes", 2)}


def test_strong_mode_and_scaled_baseline() -> None:
    results = measured(
        small_config(backends=["python"], mode="strong", baseline="scaled", executors=["threads"])
    )
    sequential = {r.workers for r in results.records if r.executor == "sequential"}
    assert sequential == {1}  # scaled: the baseline is measured at one worker only
    threads = results.find("python", "threads", 2)
    assert threads is not None and threads.baseline == "scaled" and threads.elements == 20_000


def test_sized_automatically_when_n_is_not_given() -> None:
    results = measured(small_config(backends=["numpy"], n=None, workers=[1], executors=[]))
    assert 1 <= results.sizes["numpy"] <= 2**32


def _wrong_task(backend: str, start: int, stop: int) -> tuple[int, float]:
    return 42, 0.0


def _dying_task(backend: str, start: int, stop: int) -> tuple[int, float]:
    os._exit(3)


def test_a_wrong_result_fails_the_run_naming_the_backend() -> None:
    config = small_config(backends=["python"], executors=["processes"], workers=[2])
    config.start_method = "fork"  # the test module's function must exist in the worker
    with pytest.raises(WrongResult, match="backend 'python' under processes"):
        measured(config, task=_wrong_task)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_dead_worker_is_an_error_naming_the_backend_not_a_hang() -> None:
    config = small_config(backends=["numpy"], executors=["processes"], workers=[2])
    config.start_method = "fork"
    with pytest.raises(WorkerDied, match="backend 'numpy'"):
        measured(config, task=_dying_task)


def test_json_has_the_schema(small_run: RunResults, tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    save_json(small_run, path)
    data = json.loads(path.read_text())
    assert data["schema"] == "gilbench.run/1"
    assert ENVIRONMENT_KEYS <= set(data["environment"])
    assert isinstance(data["environment"]["gil_enabled"], bool)
    assert isinstance(data["environment"]["free_threaded"], bool)
    assert data["environment"]["usable_cpus"] >= 1
    assert len(data["results"]) == len(small_run.records)
    for item in data["results"]:
        assert RECORD_KEYS <= set(item)
        assert item["mode"] == "weak"
    again = load_json(path)
    assert again.records == small_run.records


def test_csv_has_the_same_records(small_run: RunResults, tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    save_csv(small_run, path)
    with path.open() as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == len(small_run.records)
    assert set(rows[0]) == set(CSV_FIELDS) and RECORD_KEYS <= set(rows[0])
    assert float(rows[0]["wall_s"]) == pytest.approx(small_run.records[0].wall_s)


def test_loading_something_else_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(ValueError, match="not a gilbench run"):
        load_json(path)
    path.write_text("not json")
    with pytest.raises(ValueError, match="not JSON"):
        load_json(path)


def test_run_report_renders_tables_and_verdicts(small_run: RunResults) -> None:
    text = render(run_report(small_run))
    for title in ("sequential:", "threads:", "processes:", "verdicts"):
        assert title in text
    for backend in FAST:
        assert text.count(backend) >= 4  # a row in each table and a verdict
    for header in ("speedup", "effi-", "ciency", "cores", "busy", "of", "ceiling"):
        assert header in text


def test_seed_report_renders(small_run: RunResults) -> None:
    text = render(seed_report(small_run))
    assert "sequential vs 2 threads vs a 2-process pool" in text
    assert "article, finding 1" in text and "article, finding 2" in text


def test_compare_shows_single_thread_times_and_ratio(small_run: RunResults) -> None:
    rows = compare_runs(small_run, small_run)
    assert [row.backend for row in rows] == FAST
    for row in rows:
        assert row.single_ratio == pytest.approx(1.0)
        assert row.threads_a == row.threads_b is not None
    text = render(comparison_report(small_run, small_run, ("gil.json", "ft.json")))
    assert "A = gil.json" in text and "B = ft.json" in text and "B/A" in text


def test_info_renders_every_backend() -> None:
    console = Console(record=True, width=200, color_system=None)
    print_info(collect_environment(), console)
    text = console.export_text()
    for name in ("python", "numpy", "cython", "cpp-gil", "rust-gil"):
        assert name in text
    assert "free-threaded build" in text and "GIL now" in text


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_plot_is_written(small_run: RunResults, tmp_path: Path, suffix: str) -> None:
    pytest.importorskip("matplotlib")
    path = tmp_path / f"plot{suffix}"
    plot_run(small_run, path)
    head = path.read_bytes()[:200]
    assert head.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in head or b"<?xml" in head


def test_main_end_to_end_writes_every_output(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    paths = {kind: tmp_path / f"out.{kind}" for kind in ("json", "csv", "png")}
    status = cli.main(
        [
            "run",
            "--backends",
            "python",
            "--workers",
            "1,2",
            "--n",
            "5000",
            "--repeat",
            "1",
            "--json",
            str(paths["json"]),
            "--csv",
            str(paths["csv"]),
            "--plot",
            str(paths["png"]),
        ]
    )
    assert status == 0
    assert all(path.stat().st_size > 0 for path in paths.values())
    redrawn = tmp_path / "again.svg"
    assert cli.main(["plot", str(paths["json"]), "-o", str(redrawn)]) == 0
    assert redrawn.stat().st_size > 0
    assert cli.main(["compare", str(paths["json"]), str(paths["json"])]) == 0
    assert cli.main(["info", "--json"]) == 0


def test_plot_and_compare_of_a_missing_file_fail_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "nothing.json")
    assert cli.main(["plot", missing, "-o", str(tmp_path / "x.png")]) == 1
    assert cli.main(["compare", missing, missing]) == 1
    assert capsys.readouterr().err.count("gilbench: error:") == 2


def test_a_plot_that_cannot_be_drawn_is_a_clean_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import gilbench.plot

    def no_matplotlib(results: RunResults, path: object) -> None:
        raise gilbench.plot.NothingToPlot("matplotlib is not installed")

    monkeypatch.setattr(gilbench.plot, "plot_run", no_matplotlib)
    argv = ["run", "--backends", "python", "--workers", "1", "--n", "1000", "--repeat", "1"]
    status = cli.main(
        [*argv, "--json", str(tmp_path / "r.json"), "--plot", str(tmp_path / "r.png")]
    )
    assert status == 1
    assert (tmp_path / "r.json").exists()  # the data is saved even so
    assert "matplotlib is not installed" in capsys.readouterr().err
