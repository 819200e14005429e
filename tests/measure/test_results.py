"""What a measurement leaves behind: one envelope per kind, JSON and CSV, loaded back exactly;
anything else is refused in one line."""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path

import pytest

from gilbench.results import (
    KINDS,
    SCHEMA_VERSION,
    BenchRecord,
    BenchResults,
    CrossoverResults,
    Point,
    Record,
    RunResults,
    csv_fields,
    load_json,
    save_csv,
    save_json,
)

ENVELOPE = {"schema", "environment", "config", "warnings", "interrupted", "error"}
RECORD_KEYS = {
    "backend",
    "executor",
    "workers",
    "mode",
    "n",
    "tasks",
    "elements",
    "releases_gil",
    "wall_s",
    "stolen_samples_s",
    "cpu_s",
    "cores_busy",
    "startup_s",
    "repeat",
    "wall_samples_s",
    "cpu_samples_s",
    "unstable",
    "instability",
    "task_s",
    "ratios",
    "speedup",
    "speedup_ci",
    "efficiency",
    "ceiling_ratios",
    "ceiling",
    "ceiling_fraction",
    "ceiling_fraction_ci",
    "verdict",
    "set_aside_ceilings",
    "overhead_s",
    "overhead_samples_s",
    "work_speedup",
    "work_speedup_ci",
    "work_ceiling_fraction",
    "work_ceiling_fraction_ci",
}
ENVIRONMENT_KEYS = {
    "python",
    "gil_enabled",
    "free_threaded",
    "usable_cpus",
    "total_cpus",
    "cpu_model",
    "gilbench_version",
    "numpy_version",
    "build",
    "backends",
    "executors",
    "timestamp",
}
GIL_KEYS = {"held_share", "held_share_ci", "shares", "slowdown", "gil_enabled"}


@pytest.fixture(scope="module")
def saved(small_run: RunResults, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("results") / "run.json"
    save_json(small_run, path)
    return path


def test_every_kind_has_one_schema() -> None:
    assert SCHEMA_VERSION == 2
    assert {kind: cls.schema() for kind, cls in KINDS.items()} == {
        "run": "gilbench.run/2",
        "probe": "gilbench.probe/2",
        "bench": "gilbench.bench/2",
        "crossover": "gilbench.crossover/2",
    }


def test_run_json_has_the_schema(small_run: RunResults, saved: Path) -> None:
    data = json.loads(saved.read_text())
    assert data["schema"] == "gilbench.run/2"
    assert ENVELOPE | {"sizes", "startups", "refusals", "gil", "waited_s", "records"} == set(data)
    assert ENVIRONMENT_KEYS <= set(data["environment"])
    environment = data["environment"]
    assert isinstance(environment["gil_enabled"], bool)
    assert isinstance(environment["free_threaded"], bool)
    assert environment["usable_cpus"] >= 1
    names = [e["name"] for e in environment["executors"]]
    assert names[:3] == ["sequential", "threads", "processes"]
    assert data["interrupted"] is False and data["error"] is None
    assert data["config"]["min_repeat"] == 6 and "repeat" not in data["config"]
    assert len(data["records"]) == len(small_run.records)
    for item in data["records"]:
        assert set(item) == RECORD_KEYS  # wall_min_s, wall_max_s and baseline are gone
        assert item["mode"] == "weak" and len(item["wall_samples_s"]) == item["repeat"]
        if item["executor"] == "sequential":
            assert item["speedup_ci"] is None and item["verdict"] is None
        else:
            low, high = item["speedup_ci"]
            assert low <= item["speedup"] <= high
            assert len(item["ratios"]) == item["repeat"]
            assert isinstance(item["unstable"], bool)
            judged = ("scales", "partly", "held", "inconclusive", "too short")
            assert item["verdict"] in (judged if item["workers"] > 1 else (None,))
            low, high = item["ceiling_fraction_ci"]
            assert low <= item["ceiling_fraction"] <= high
    for backend, seen in data["gil"].items():
        assert backend in ("python", "numpy") and GIL_KEYS <= set(seen)
        low, high = seen["held_share_ci"]
        assert low <= seen["held_share"] <= high


def test_a_run_loads_back_exactly(small_run: RunResults, saved: Path) -> None:
    again = load_json(saved, "run")
    assert isinstance(again, RunResults)
    assert again.records == small_run.records
    assert again.gil == small_run.gil and again.sizes == small_run.sizes
    assert again.startups == small_run.startups and again.config == small_run.config
    assert again.environment == small_run.environment
    assert type(load_json(saved)) is RunResults  # any kind, when none is asked for


def test_csv_has_the_same_records(small_run: RunResults, tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    save_csv(small_run, path)
    with path.open() as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == len(small_run.records)
    assert list(rows[0]) == csv_fields(Record) and set(rows[0]) == RECORD_KEYS
    for row, found in zip(rows, small_run.records, strict=True):
        assert (row["backend"], row["executor"], int(row["workers"])) == (
            found.backend,
            found.executor,
            found.workers,
        )
        assert float(row["wall_s"]) == pytest.approx(found.wall_s)
        assert len(row["wall_samples_s"].split()) == found.repeat  # lists: space-separated
        if found.speedup_ci is not None:
            low, high = map(float, row["speedup_ci"].split())
            assert [low, high] == pytest.approx(found.speedup_ci, rel=1e-5)
            assert row["verdict"] == (found.verdict or "")


def test_bench_and_crossover_round_trip(tmp_path: Path) -> None:
    bench = BenchResults(
        {"python": "x"},
        {"repeat": 3},
        records=[
            BenchRecord(
                "cpp",
                "backend",
                "pybind11",
                True,
                kernel_path="portable",
                n=10,
                samples_s=[1e-6, 2e-6],
            ),
            BenchRecord("numba", "peer", "Numba", False, reason="not installed"),
        ],
    )
    crossing = CrossoverResults(
        {},
        {"rounds": 5},
        records=[
            Point(
                "cpp",
                "threads",
                1000,
                2e-6,
                1e-6,
                2.0,
                5,
                [2e-6] * 5,
                [1e-6] * 5,
                [2.0] * 5,
                [2.0, 2.0],
            ),
        ],
        ceiling_ratios=[1.9, 2.0],
        ceiling_by_backend={"cpp": 1.95},
    )
    for results, kind in ((bench, "bench"), (crossing, "crossover")):
        path = tmp_path / f"{kind}.json"
        save_json(results, path)
        assert json.loads(path.read_text())["schema"] == f"gilbench.{kind}/2"
        assert load_json(path, kind) == results
        save_csv(results, tmp_path / f"{kind}.csv")
        with (tmp_path / f"{kind}.csv").open() as file:
            assert len(list(csv.DictReader(file))) == len(results.records)


def test_unknown_fields_are_ignored_on_load(saved: Path, tmp_path: Path) -> None:
    data = json.loads(saved.read_text())
    data["from_the_future"] = 1
    data["records"][0]["also_new"] = [1, 2]
    path = tmp_path / "newer.json"
    path.write_text(json.dumps(data))
    assert len(load_json(path, "run").records) == len(data["records"])


def one_line_error(path: Path, kind: str | None = "run") -> str:
    with pytest.raises(ValueError) as error:
        load_json(path, kind)
    message = str(error.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    return message


def test_another_kind_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bench.json"
    save_json(BenchResults({}, {}), path)
    assert "not a gilbench run (schema 'gilbench.bench/2')" in one_line_error(path, "run")
    assert "not a gilbench crossover" in one_line_error(path, "crossover")


def test_an_old_schema_is_refused_in_one_line(saved: Path, tmp_path: Path) -> None:
    data = json.loads(saved.read_text())
    data["schema"] = "gilbench.run/1"
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data))
    message = one_line_error(path)
    assert "written by another gilbench (schema 'gilbench.run/1'" in message
    assert "this one reads version 2" in message and message.endswith("measure it again")
    assert "written by another gilbench" in one_line_error(path, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"hello": 1}', "not a gilbench run (schema None)"),
        ("[1, 2]", "not a gilbench run (schema None)"),
        ('{"schema": "gilbench.plot/2"}', "not a gilbench run (schema 'gilbench.plot/2')"),
        ("not json", "not JSON"),
        ('{"schema": "gilbench.run/2", "config": {}}', "environment"),  # a required field
        (
            '{"schema": "gilbench.run/2", "environment": {}, "config": {}, '
            '"records": [{"backend": "cpp"}]}',
            "missing",
        ),
    ],
)
def test_anything_else_is_refused_in_one_line(text: str, expected: str, tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text(text)
    assert expected in one_line_error(path)


def test_a_record_that_is_not_an_object_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "odd.json"
    path.write_text(
        '{"schema": "gilbench.run/2", "environment": {}, "config": {}, "records": ["cpp"]}'
    )
    one_line_error(path)


def test_records_are_plain_dataclasses() -> None:
    for record_type in (Record, BenchRecord, Point):
        assert csv_fields(record_type) == [f.name for f in dataclasses.fields(record_type)]
