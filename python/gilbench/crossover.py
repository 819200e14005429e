"""``gilbench crossover``: the smallest task from which two workers beat one.

Per backend, task sizes climb a 1-2-5 ladder (1k, 2k, 5k, 10k, ...) until one task
lasts about ``max_task_s`` or the domain ends.  At each size, two tasks of ``n``
(weak scaling, as in ``run``) are timed one after the other in this thread, and on
two workers of each executor; the three alternate, rotating who goes first, for
5 rounds (21 when a task is under a millisecond: short times are noisy), and the
speedup is the ratio of the medians.

The crossover is the smallest size from which the speedup stays above 1 at every
larger size measured: below it, handing the tasks to workers costs more than the
second worker gains.  A backend whose speedup at the largest size is not above 1
never crosses (the GIL-holding kernels under threads on a GIL build).
"""

from __future__ import annotations

import dataclasses
import json
import os
import statistics
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from gilbench.ceiling import (
    CeilingProbe,
    calibrate_ceiling,
    ceiling_unavailable_reason,
    is_low,
)
from gilbench.domain import LIMIT
from gilbench.executors import (
    Executor,
    Task,
    WorkerDied,
    pin_cpus,
    run_task,
    started,
)
from gilbench.formatting import ratio
from gilbench.measure import Sample, WrongResult, expected_results, time_tasks
from gilbench.runner import BackendFailed

SCHEMA = "gilbench.crossover/1"
EXECUTORS = ("threads", "processes")
WORKERS = 2
LADDER_STEPS = (1, 2, 5)
SHORT_TASK_S = 1e-3  # tasks shorter than this get more rounds
BEATS = 1.1
"""2 workers beat 1 when they are at least this much faster: a median over a handful of
rounds on a shared machine moves by a few percent, so 1.01x is no evidence of a gain."""

CrossoverProgress = Callable[[int, int, str], None]  # (done, total, what is running now)


def ladder(first: int = 1000, limit: int = LIMIT) -> Iterator[int]:
    """1-2-5 steps from ``first`` (1k, 2k, 5k, 10k, ...), ending with ``limit`` itself."""
    decade = first
    while True:
        for step in LADDER_STEPS:
            n = decade * step
            if n >= limit:
                yield limit
                return
            yield n
        decade *= 10


def find_crossover(points: Sequence[tuple[int, float]], beats: float = BEATS) -> int | None:
    """The smallest n from which every speedup (at it and at each larger n) is ``beats`` or more.

    ``points`` are (n, speedup) pairs in any order; None when the largest size does
    not reach ``beats``.
    """
    crossing = None
    for n, speedup in sorted(points, reverse=True):
        if speedup < beats:
            break
        crossing = n
    return crossing


@dataclass
class CrossoverConfig:
    backends: list[str]
    executors: list[str] = field(default_factory=lambda: list(EXECUTORS))
    max_task_s: float = 0.05  # climb until one task lasts about this long
    first_n: int = 1000
    limit: int = LIMIT
    rounds: int = 5  # timed rounds per size (sequential and each executor, alternating)
    short_rounds: int = 21  # for tasks under SHORT_TASK_S
    warmup: int = 1  # untimed rounds at each backend's first size
    pin: bool = False
    start_method: str | None = None
    measure_ceiling: bool = True  # 2 native threads against 1, between the backends' ladders

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class Point:
    """Two tasks of ``n``: one after the other (``seq_s``) and on two workers (``par_s``)."""

    backend: str
    executor: str
    n: int
    seq_s: float  # medians, seconds for both tasks
    par_s: float
    speedup: float
    rounds: int
    seq_samples_s: list[float] = field(default_factory=list)
    par_samples_s: list[float] = field(default_factory=list)

    @property
    def task_s(self) -> float:
        """One task of ``n`` on its own: half the sequential time."""
        return self.seq_s / 2


@dataclass
class Crossover:
    """The answer for one (backend, executor)."""

    backend: str
    executor: str
    crossover_n: int | None  # None: never, up to largest_n
    crossover_task_s: float | None  # one task of crossover_n
    crossover_speedup: float | None
    largest_n: int
    largest_task_s: float
    largest_speedup: float
    sizes: int  # how many sizes were measured


def summarize(points: Sequence[Point]) -> Crossover:
    """The crossover of one (backend, executor) from its measured points."""
    by_n = sorted(points, key=lambda p: p.n)
    largest = by_n[-1]
    n = find_crossover([(p.n, p.speedup) for p in by_n])
    crossing = next((p for p in by_n if p.n == n), None)
    return Crossover(
        backend=largest.backend,
        executor=largest.executor,
        crossover_n=n,
        crossover_task_s=crossing.task_s if crossing else None,
        crossover_speedup=crossing.speedup if crossing else None,
        largest_n=largest.n,
        largest_task_s=largest.task_s,
        largest_speedup=largest.speedup,
        sizes=len(by_n),
    )


@dataclass
class CrossoverResults:
    environment: dict[str, Any]
    config: dict[str, Any]
    points: list[Point] = field(default_factory=list)
    startups: list[dict[str, Any]] = field(default_factory=list)
    ceiling: dict[str, Any] | None = None  # CeilingProbe.as_dict() of every sample, or None
    ceiling_by_backend: dict[str, float | None] = field(default_factory=dict)  # around its ladder
    warnings: list[str] = field(default_factory=list)
    interrupted: bool = False
    error: str | None = None

    def pairs(self) -> list[tuple[str, str]]:
        """(backend, executor) in the order they were measured."""
        return list(dict.fromkeys((p.backend, p.executor) for p in self.points))

    def crossovers(self) -> list[Crossover]:
        return [
            summarize([p for p in self.points if (p.backend, p.executor) == pair])
            for pair in self.pairs()
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "environment": self.environment,
            "config": self.config,
            "crossovers": [dataclasses.asdict(c) for c in self.crossovers()],
            "points": [dataclasses.asdict(p) for p in self.points],
            "startups": self.startups,
            "ceiling": self.ceiling,
            "ceiling_by_backend": self.ceiling_by_backend,
            "warnings": self.warnings,
            "interrupted": self.interrupted,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CrossoverResults:
        if data.get("schema") != SCHEMA:
            raise ValueError(f"not a gilbench crossover (schema {data.get('schema')!r})")
        return cls(
            environment=data["environment"],
            config=data.get("config", {}),
            points=[Point(**p) for p in data["points"]],
            startups=data.get("startups", []),
            ceiling=data.get("ceiling"),
            ceiling_by_backend=data.get("ceiling_by_backend", {}),
            warnings=data.get("warnings", []),
            interrupted=data.get("interrupted", False),
            error=data.get("error"),
        )


def save_json(results: CrossoverResults, path: str | os.PathLike[str]) -> None:
    with open(path, "w", encoding="utf-8") as file:
        json.dump(results.to_dict(), file, indent=2)
        file.write("\n")


def load_json(path: str | os.PathLike[str]) -> CrossoverResults:
    with open(path, encoding="utf-8") as file:
        return CrossoverResults.from_dict(json.load(file))


# --- the measurement ----------------------------------------------------------------


def _sample(
    executor: Executor,
    backend: str,
    ranges: list[tuple[int, int]],
    expected: dict[tuple[int, int], int],
) -> Sample:
    try:
        return time_tasks(executor, backend, ranges, expected)
    except (WorkerDied, WrongResult, KeyboardInterrupt):
        raise
    except Exception as error:
        raise BackendFailed(
            f"backend {backend!r} failed under {executor.name} on range(0, {ranges[0][1]}): "
            f"{type(error).__name__}: {error}"
        ) from error


def measure_size(
    config: CrossoverConfig, backend: str, n: int, executors: Sequence[Executor], warmup: int = 0
) -> list[Point]:
    """Time two tasks of ``n`` on each executor (the sequential one first in the list)."""
    ranges = [(0, n)] * WORKERS
    expected = expected_results(ranges)
    for _ in range(warmup):
        for executor in executors:
            _sample(executor, backend, ranges, expected)
    samples: dict[str, list[float]] = {e.name: [] for e in executors}
    rounds = config.rounds
    done = 0
    while done < rounds:
        shift = done % len(executors)
        for executor in [*executors[shift:], *executors[:shift]]:
            samples[executor.name].append(_sample(executor, backend, ranges, expected).wall_s)
        if done == 0 and samples["sequential"][0] / WORKERS < SHORT_TASK_S:
            rounds = max(rounds, config.short_rounds)
        done += 1
    seq = statistics.median(samples["sequential"])
    points = []
    for executor in executors[1:]:
        par = statistics.median(samples[executor.name])
        points.append(
            Point(
                backend,
                executor.name,
                n,
                seq,
                par,
                seq / par,
                done,
                samples["sequential"],
                samples[executor.name],
            )
        )
    return points


def run_crossover(
    config: CrossoverConfig,
    results: CrossoverResults,
    on_progress: CrossoverProgress | None = None,
    task: Task = run_task,
) -> CrossoverResults:
    """Climb each backend's ladder into ``results`` (points appended as each size ends)."""
    if not config.executors or not set(config.executors) <= set(EXECUTORS):
        raise ValueError(f"executors must be some of {', '.join(EXECUTORS)}")
    results.config = config.to_dict()
    total = len(config.backends)

    def show(done: int, label: str) -> None:
        if on_progress is not None:
            on_progress(done, total, label)

    ceiling_n = _ceiling_size(config, results)
    try:
        names = ("sequential", *config.executors)
        cpus = pin_cpus(config.pin)
        with started(
            names, WORKERS, results.startups, config.start_method, task, cpus
        ) as executors:
            before = _ceiling_samples(ceiling_n, results)
            for index, backend in enumerate(config.backends):
                for step, n in enumerate(ladder(config.first_n, config.limit)):
                    show(index, f"{backend} · n = {n:,}")
                    warmup = config.warmup if step == 0 else 0
                    points = measure_size(config, backend, n, executors, warmup)
                    results.points += points
                    if points[0].task_s >= config.max_task_s:
                        break
                show(index + 1, f"{backend} · machine ceiling")
                after = _ceiling_samples(ceiling_n, results)
                if before is not None and after is not None:
                    around = CeilingProbe(
                        WORKERS, before.n, [*before.one_thread_s], [*before.k_threads_s]
                    )
                    around.absorb(after)
                    results.ceiling_by_backend[backend] = around.speedup
                before = after
    finally:  # interrupted too: what finished is read against the machine it ran on
        low = [
            f"{backend} {ratio(speedup)}"
            for backend, speedup in results.ceiling_by_backend.items()
            if speedup is not None and is_low(speedup, WORKERS)
        ]
        if low:
            results.warnings.append(
                "the machine gave 2 plain native threads (no Python) too little while these "
                f"were measured: {', '.join(low)}; no size can cross where the machine cannot, "
                "so their crossovers are inconclusive"
            )
    return results


CEILING_TASK_S = 0.02  # one native thread's range in the ceiling samples
CEILING_SAMPLES = 3  # before the first ladder and after each backend's


def _ceiling_size(config: CrossoverConfig, results: CrossoverResults) -> int | None:
    """The range for the machine ceiling, so that 'never' can be told from 'machine busy'."""
    if not config.measure_ceiling:
        return None
    reason = ceiling_unavailable_reason()
    if reason is not None:
        results.warnings.append(f"machine ceiling not measured: {reason}")
        return None
    return calibrate_ceiling(CEILING_TASK_S)


def _ceiling_samples(n: int | None, results: CrossoverResults) -> CeilingProbe | None:
    """A few fresh samples of the ceiling, also added to the run's overall figure."""
    if n is None:
        return None
    probe = CeilingProbe(WORKERS, n)
    for _ in range(CEILING_SAMPLES):
        probe.sample()
    overall = CeilingProbe(WORKERS, n)
    if results.ceiling is not None:
        overall.one_thread_s = list(results.ceiling["one_thread_s"])
        overall.k_threads_s = list(results.ceiling["k_threads_s"])
    overall.absorb(probe)
    results.ceiling = overall.as_dict()
    return probe
