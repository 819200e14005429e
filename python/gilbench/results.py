"""Results as data: one envelope for every command, one record type per kind.

Every saved file has the same envelope (``schema``, ``environment``, ``config``,
``warnings``, ``interrupted``, ``error``) and the fields of its kind: a ``run`` (also
written by ``seed``), a ``probe`` (a run of the user's function), a ``bench`` or a
``crossover``.  JSON holds everything, CSV the
scalar fields of each record; ``load_json`` reads any kind back.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import statistics
from dataclasses import dataclass, field
from typing import Any, ClassVar

SCHEMA_VERSION = 2


@dataclass
class Results:
    """What every command's results have; subclasses add the records of their kind."""

    kind: ClassVar[str]
    records_type: ClassVar[type | None] = None

    environment: dict[str, Any]
    config: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    interrupted: bool = False
    error: str | None = None

    @classmethod
    def schema(cls) -> str:
        return f"gilbench.{cls.kind}/{SCHEMA_VERSION}"

    def to_dict(self) -> dict[str, Any]:
        return {"schema": self.schema(), **dataclasses.asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Results:
        fields = {f.name: f for f in dataclasses.fields(cls)}
        values = {key: value for key, value in data.items() if key in fields}
        if cls.records_type is not None:
            known = {f.name for f in dataclasses.fields(cls.records_type)}
            values["records"] = [
                cls.records_type(**{k: v for k, v in r.items() if k in known})
                for r in data.get("records", [])
            ]
        return cls(**values)


# --- run (and seed) -------------------------------------------------------------------


@dataclass
class Record:
    """One measured (backend, executor, workers).  Times are seconds for all the tasks.

    ``n`` is the size of one task in weak mode and of the whole range in strong mode;
    ``tasks`` is how many tasks ran (one per worker).  The sequential executor at
    ``workers = w`` is the baseline: the same ``w`` tasks one after another, timed in
    the same repeats, so ``ratios[i]`` is the speedup measured inside repeat ``i``.
    """

    backend: str
    executor: str
    workers: int
    mode: str
    n: int
    tasks: int
    elements: int
    releases_gil: bool
    wall_s: float  # median
    cpu_s: float  # median
    cores_busy: float  # CPU time over wall time, medians
    startup_s: float | None
    repeat: int
    wall_samples_s: list[float] = field(default_factory=list)
    cpu_samples_s: list[float] = field(default_factory=list)
    # Of each wall time, the longest a worker waited for a core another program had
    # (Linux run-queue wait; 0 where it cannot be told): ratios use wall - stolen.
    stolen_samples_s: list[float] = field(default_factory=list)
    unstable: bool = False  # pyperf's rules, on the wall times (or on the ratios when parallel)
    instability: str | None = None
    task_s: float | None = None  # one task alone: the sequential time over the tasks
    # Ceilings of the repeats set aside and taken again: the machine gave k native threads
    # under 0.8 of the cores they could use, or another program had a worker's core for
    # over half a sample, so nothing measured in that repeat was kept.
    set_aside_ceilings: list[float] = field(default_factory=list)
    # Median of what the executor itself cost per run, apart from the work (scheduling and
    # transfers, from Dask's task stream); None for executors that cannot tell.
    overhead_s: float | None = None
    overhead_samples_s: list[float | None] = field(default_factory=list)
    # --- parallel records: paired against the sequential baseline of the same repeats
    ratios: list[float] = field(default_factory=list)  # speedup inside each repeat
    speedup: float | None = None  # median of ratios
    speedup_ci: list[float] | None = None  # [low, high], 95%
    efficiency: float | None = None  # speedup / workers
    ceiling_ratios: list[float] = field(default_factory=list)  # machine ceiling, each repeat
    ceiling: float | None = None  # median of ceiling_ratios
    ceiling_fraction: float | None = None  # median of the per-repeat speedup / ceiling
    ceiling_fraction_ci: list[float] | None = None
    # --- the same, of the work alone (each wall time less its overhead), where the executor
    # tells its own cost apart: the verdict is read from these then (analysis.on_work)
    work_speedup: float | None = None
    work_speedup_ci: list[float] | None = None
    work_ceiling_fraction: float | None = None
    work_ceiling_fraction_ci: list[float] | None = None
    verdict: str | None = None  # scales | partly | held | inconclusive | too-short

    @property
    def ns_per_element(self) -> float:
        return self.wall_s / max(1, self.elements) * 1e9


@dataclass
class RunResults(Results):
    kind: ClassVar[str] = "run"
    records_type: ClassVar[type | None] = Record

    sizes: dict[str, int] = field(default_factory=dict)
    startups: list[dict[str, Any]] = field(default_factory=list)
    refusals: list[dict[str, str]] = field(default_factory=list)  # executor cannot run backend
    gil: dict[str, dict[str, Any]] = field(default_factory=dict)  # backend: held share, ...
    waited_s: float = 0.0  # spent waiting for the machine to give back its cores
    records: list[Record] = field(default_factory=list)

    def find(self, backend: str, executor: str, workers: int) -> Record | None:
        for record in self.records:
            if (record.backend, record.executor, record.workers) == (backend, executor, workers):
                return record
        return None

    def refusal(self, backend: str, executor: str) -> str | None:
        for item in self.refusals:
            if (item["backend"], item["executor"]) == (backend, executor):
                return item["reason"]
        return None

    def backends(self) -> list[str]:
        seen = [r.backend for r in self.records] + [r["backend"] for r in self.refusals]
        return list(dict.fromkeys(seen))

    def executors(self) -> list[str]:
        seen = [r.executor for r in self.records] + [r["executor"] for r in self.refusals]
        return list(dict.fromkeys(seen))

    def workers(self) -> list[int]:
        return sorted({r.workers for r in self.records})

    def ceiling_at(self, workers: int) -> float | None:
        """The machine ceiling at ``workers``: the median over every record measured there."""
        values = [v for r in self.records if r.workers == workers for v in r.ceiling_ratios]
        if workers == 1:
            return 1.0 if any(r.workers == 1 for r in self.records) else None
        return statistics.median(values) if values else None


@dataclass(repr=False)
class ProbeResults(RunResults):
    """A run of one user function (``gilbench probe``): a run's fields, plus the call."""

    kind: ClassVar[str] = "probe"

    # name, reference, arguments, setup, call_s, checked, result_type, stays_here, pools
    function: dict[str, Any] = field(default_factory=dict)

    def verdict(self, executor: str) -> str | None:
        """The verdict at the most workers measured under ``executor`` (None: not judged)."""
        from gilbench.measure.analysis import judged

        found = judged(self, self.function.get("name", ""), executor)
        return found.verdict if found else None

    def __repr__(self) -> str:
        from gilbench.report.probe import probe_summary

        return probe_summary(self)


# --- bench ------------------------------------------------------------------------------


@dataclass
class BenchRecord:
    """One kernel's single-thread speed.  Times are seconds for one call of ``(0, n)``."""

    name: str
    kind: str  # "backend" or "peer"
    toolchain: str
    available: bool
    reason: str | None = None  # why it was not measured
    kernel_path: str | None = None  # the native loop timed: "avx512-ifma", "avx2", "portable"
    n: int | None = None
    sizing: str | None = None  # "full domain", "sized" (to a duration) or "given"
    quarter_n: int | None = None
    best_s: float | None = None
    quarter_best_s: float | None = None
    samples_s: list[float] = field(default_factory=list)
    quarter_samples_s: list[float] = field(default_factory=list)
    ns_per_element: float | None = None
    reproduced: bool | None = None  # whether another call came close to the best (bench.py)
    vs_fastest: float | None = None  # ns_per_element / the fastest kernel's
    linearity: float | None = None  # t(n) / t(n/4): ~4 if the loop runs
    linear: bool | None = None  # False: not linear (folded?); None: too short to tell
    note: str | None = None  # what the linearity check concluded, in words


@dataclass
class BenchResults(Results):
    kind: ClassVar[str] = "bench"
    records_type: ClassVar[type | None] = BenchRecord

    records: list[BenchRecord] = field(default_factory=list)

    def find(self, name: str, kernel_path: str | None = None) -> BenchRecord | None:
        return next(
            (
                r
                for r in self.records
                if r.name == name and (kernel_path is None or r.kernel_path == kernel_path)
            ),
            None,
        )


# --- crossover ----------------------------------------------------------------------------


@dataclass
class Point:
    """Two tasks of ``n``: one after the other and on two workers, paired by round."""

    backend: str
    executor: str
    n: int
    seq_s: float  # medians, seconds for both tasks
    par_s: float
    speedup: float  # median of the per-round ratios
    rounds: int
    seq_samples_s: list[float] = field(default_factory=list)
    par_samples_s: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    speedup_ci: list[float] | None = None

    @property
    def task_s(self) -> float:
        """One task of ``n`` on its own: half the sequential time."""
        return self.seq_s / 2


@dataclass
class CrossoverResults(Results):
    kind: ClassVar[str] = "crossover"
    records_type: ClassVar[type | None] = Point

    records: list[Point] = field(default_factory=list)
    startups: list[dict[str, Any]] = field(default_factory=list)
    ceiling_ratios: list[float] = field(default_factory=list)  # 2 native threads over 1
    ceiling_by_backend: dict[str, float | None] = field(default_factory=dict)  # around its ladder

    def pairs(self) -> list[tuple[str, str]]:
        """(backend, executor) in the order they were measured."""
        return list(dict.fromkeys((p.backend, p.executor) for p in self.records))


KINDS: dict[str, type[Results]] = {
    cls.kind: cls for cls in (RunResults, ProbeResults, BenchResults, CrossoverResults)
}


# --- files ------------------------------------------------------------------------------


def save_json(results: Results, path: str | os.PathLike[str]) -> None:
    with open(path, "w", encoding="utf-8") as file:
        json.dump(results.to_dict(), file, indent=2)
        file.write("\n")


def load_json(path: str | os.PathLike[str], kind: str | None = None) -> Any:
    """A saved result of any kind (or of ``kind``); ``ValueError`` (one line) if it is not one."""
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not JSON ({error})") from None
    schema = data.get("schema") if isinstance(data, dict) else None
    name, _, version = str(schema).removeprefix("gilbench.").partition("/")
    if name not in KINDS or (kind is not None and name != kind):
        want = f"a gilbench {kind}" if kind else "a gilbench result"
        raise ValueError(f"{path}: not {want} (schema {schema!r})")
    if version != str(SCHEMA_VERSION):
        raise ValueError(
            f"{path}: written by another gilbench (schema {schema!r}, this one reads "
            f"version {SCHEMA_VERSION}); measure it again"
        )
    try:
        return KINDS[name].from_dict(data)
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{path}: not a readable gilbench {name} ({error})") from None


def csv_fields(record_type: type) -> list[str]:
    return [f.name for f in dataclasses.fields(record_type)]


def save_csv(results: Results, path: str | os.PathLike[str]) -> None:
    """The records, one row each; lists of numbers as space-separated values."""
    assert results.records_type is not None
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=csv_fields(results.records_type))
        writer.writeheader()
        for record in results.records:  # type: ignore[attr-defined]
            row = dataclasses.asdict(record)
            for key, value in row.items():
                if isinstance(value, list):
                    row[key] = " ".join(f"{item:.6g}" for item in value)
            writer.writerow(row)
