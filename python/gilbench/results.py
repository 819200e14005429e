"""A run as data: the environment, the configuration, the ceiling and one record per
(backend, executor, workers, mode).  Saved as JSON (everything) and CSV (the records),
loaded back for ``gilbench plot`` and ``gilbench compare``.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
from dataclasses import dataclass, field
from typing import Any

SCHEMA = "gilbench.run/1"


@dataclass
class Record:
    """One measured combination.  Times are seconds for one run of all the tasks.

    ``n`` is the size of one task in weak mode and of the whole range in strong mode;
    ``tasks`` is how many tasks ran (one per worker).  The sequential executor at
    ``workers = w`` is the baseline: the same ``w`` tasks one after another.
    """

    backend: str
    executor: str
    workers: int
    mode: str
    n: int
    tasks: int
    elements: int
    releases_gil: bool
    wall_s: float
    wall_min_s: float
    wall_max_s: float
    cpu_s: float
    cores_busy: float
    startup_s: float | None
    repeat: int
    wall_samples_s: list[float] = field(default_factory=list)
    cpu_samples_s: list[float] = field(default_factory=list)
    baseline_s: float | None = None  # the sequential time this record's speedup divides
    baseline: str = "measured"  # or "scaled": sequential time of 1 task times the tasks
    speedup: float | None = None
    efficiency: float | None = None
    ceiling: float | None = None  # the machine ceiling at this worker count
    ceiling_fraction: float | None = None  # speedup / ceiling

    @property
    def ns_per_element(self) -> float:
        return self.wall_s / max(1, self.elements) * 1e9


CSV_FIELDS = [f.name for f in dataclasses.fields(Record)]


@dataclass
class RunResults:
    environment: dict[str, Any]
    config: dict[str, Any]
    sizes: dict[str, int] = field(default_factory=dict)
    ceiling: list[dict[str, Any]] = field(default_factory=list)
    startups: list[dict[str, Any]] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    interrupted: bool = False
    error: str | None = None

    def ceiling_at(self, workers: int) -> float | None:
        for point in self.ceiling:
            if point["workers"] == workers:
                return point["speedup"]
        return None

    def find(self, backend: str, executor: str, workers: int) -> Record | None:
        for record in self.records:
            if (record.backend, record.executor, record.workers) == (backend, executor, workers):
                return record
        return None

    def backends(self) -> list[str]:
        return list(dict.fromkeys(r.backend for r in self.records))

    def executors(self) -> list[str]:
        return list(dict.fromkeys(r.executor for r in self.records))

    def workers(self) -> list[int]:
        return sorted({r.workers for r in self.records})

    def to_dict(self) -> dict[str, Any]:
        environment = dict(self.environment)
        environment["machine_ceiling"] = (
            {str(p["workers"]): p["speedup"] for p in self.ceiling} if self.ceiling else None
        )
        return {
            "schema": SCHEMA,
            "environment": environment,
            "config": self.config,
            "sizes": self.sizes,
            "ceiling": self.ceiling,
            "startups": self.startups,
            "results": [dataclasses.asdict(r) for r in self.records],
            "warnings": self.warnings,
            "interrupted": self.interrupted,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunResults:
        if data.get("schema") != SCHEMA:
            raise ValueError(f"not a gilbench run (schema {data.get('schema')!r}, want {SCHEMA!r})")
        known = set(CSV_FIELDS)
        records = [Record(**{k: v for k, v in r.items() if k in known}) for r in data["results"]]
        return cls(
            environment=data["environment"],
            config=data.get("config", {}),
            sizes=data.get("sizes", {}),
            ceiling=data.get("ceiling", []),
            startups=data.get("startups", []),
            records=records,
            warnings=data.get("warnings", []),
            interrupted=data.get("interrupted", False),
            error=data.get("error"),
        )


def save_json(results: RunResults, path: str | os.PathLike[str]) -> None:
    with open(path, "w", encoding="utf-8") as file:
        json.dump(results.to_dict(), file, indent=2)
        file.write("\n")


def load_json(path: str | os.PathLike[str]) -> RunResults:
    """Load a saved run; ``ValueError`` (one line) if the file is not one."""
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not JSON ({error})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a gilbench run")
    try:
        return RunResults.from_dict(data)
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{path}: {error}") from None


def save_csv(results: RunResults, path: str | os.PathLike[str]) -> None:
    """The records, one row each; sample lists as space-separated numbers."""
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for record in results.records:
            row = dataclasses.asdict(record)
            for key in ("wall_samples_s", "cpu_samples_s"):
                row[key] = " ".join(f"{value:.6g}" for value in row[key])
            writer.writerow(row)
