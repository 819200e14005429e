"""``gilbench crossover``: the smallest task from which two workers beat one.

Per backend, task sizes climb a 1-2-5 ladder (1k, 2k, 5k, 10k, ...) until one task
lasts about ``max_task_s`` or the domain ends.  At each size, two tasks of ``n``
(weak scaling, as in ``run``) are timed one after the other in this thread, and on
two workers of each executor; the three alternate, rotating who goes first, for
5 rounds (21 when a task is under a millisecond: short times are noisy).  The
speedup of a round is the ratio inside that round (paired); a size's speedup is the
median of its rounds, with a 95% interval (``stats.estimate``).

The crossover is the smallest size from which the low end of that interval stays at
or above ``BEATS`` at every larger size measured: below it, handing the tasks to
workers costs more than the second worker gains, or the data cannot tell.  A backend
whose largest size does not get there never crosses (the GIL-holding kernels under
threads on a GIL build).
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from gilbench.executors.base import Executor, pin_cpus
from gilbench.executors.registry import BASELINE, get_executor, started
from gilbench.kernels import Kernel
from gilbench.kernels.backends import get_backend
from gilbench.kernels.domain import LIMIT
from gilbench.measure import stats
from gilbench.measure.ceiling import CeilingProbe, calibrate_ceiling, ceiling_unavailable_reason
from gilbench.measure.timing import time_tasks
from gilbench.results import CrossoverResults, Point

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

    ``points`` are (n, speedup) pairs in any order, the speedup being the low end of
    each size's interval (so a crossing is claimed only where the data supports it);
    None when the largest size does not reach ``beats``.
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
    executors: list[str] = field(default_factory=lambda: ["threads", "processes"])
    max_task_s: float = 0.05  # climb until one task lasts about this long
    first_n: int = 1000
    limit: int = LIMIT
    rounds: int = 5  # timed rounds per size (sequential and each executor, alternating)
    short_rounds: int = 21  # for tasks under SHORT_TASK_S
    warmup: int = 1  # untimed rounds at each backend's first size
    pin: bool = False
    settings: dict[str, Any] = field(default_factory=dict)  # executor options
    measure_ceiling: bool = True  # 2 native threads against 1, between the backends' ladders

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


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


def _low(point: Point) -> float:
    return point.speedup_ci[0] if point.speedup_ci else point.speedup


def summarize(points: Sequence[Point]) -> Crossover:
    """The crossover of one (backend, executor) from its measured points."""
    by_n = sorted(points, key=lambda p: p.n)
    largest = by_n[-1]
    n = find_crossover([(p.n, _low(p)) for p in by_n])
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


def crossovers(results: CrossoverResults) -> list[Crossover]:
    """The answer for every (backend, executor) measured."""
    return [
        summarize([p for p in results.records if (p.backend, p.executor) == pair])
        for pair in results.pairs()
    ]


# --- the measurement ----------------------------------------------------------------


def measure_size(
    config: CrossoverConfig, kernel: Kernel, n: int, executors: Sequence[Executor], warmup: int = 0
) -> list[Point]:
    """Time two tasks of ``n`` on each executor (the sequential one first in the list)."""
    ranges = [(0, n)] * WORKERS
    expected = kernel.expected(ranges)
    for _ in range(warmup):
        for executor in executors:
            time_tasks(executor, kernel, ranges, expected)
    samples: dict[str, list[float]] = {e.name: [] for e in executors}
    rounds = config.rounds
    done = 0
    while done < rounds:
        shift = done % len(executors)
        for executor in [*executors[shift:], *executors[:shift]]:
            samples[executor.name].append(time_tasks(executor, kernel, ranges, expected).net_s)
        if done == 0 and samples[BASELINE][0] / WORKERS < SHORT_TASK_S:
            rounds = max(rounds, config.short_rounds)
        done += 1
    seq = samples[BASELINE]
    points = []
    for executor in executors[1:]:
        ratios = stats.paired_ratios(seq, samples[executor.name])
        speedup = stats.estimate(ratios)
        points.append(
            Point(
                kernel.name,
                executor.name,
                n,
                statistics.median(seq),
                statistics.median(samples[executor.name]),
                speedup.median,
                done,
                seq,
                samples[executor.name],
                ratios,
                [speedup.low, speedup.high],
            )
        )
    return points


def run_crossover(
    config: CrossoverConfig,
    results: CrossoverResults,
    on_progress: CrossoverProgress | None = None,
) -> CrossoverResults:
    """Climb each backend's ladder into ``results`` (points appended as each size ends)."""
    results.config = config.to_dict()
    total = len(config.backends)

    def show(done: int, label: str) -> None:
        if on_progress is not None:
            on_progress(done, total, label)

    ceiling_n = _ceiling_size(config, results)
    settings = {**config.settings, "cpus": pin_cpus(config.pin)}
    usable = []
    for name in config.executors:
        if (reason := get_executor(name).unavailable()) is not None:
            results.warnings.append(f"{name} not measured: {reason}")
        else:
            usable.append(name)
    with started((BASELINE, *usable), WORKERS, results.startups, settings) as executors:
        before = _ceiling_samples(ceiling_n, results, settings["cpus"])
        for index, name in enumerate(config.backends):
            kernel = get_backend(name)
            runnable = [e for e in executors if e.refuses(kernel) is None]
            for executor in executors:
                if (reason := executor.refuses(kernel)) is not None:
                    results.warnings.append(f"{name} under {executor.name}: {reason}")
            for step, n in enumerate(ladder(config.first_n, config.limit)):
                show(index, f"{name} · n = {n:,}")
                warmup = config.warmup if step == 0 else 0
                points = measure_size(config, kernel, n, runnable, warmup)
                results.records += points
                if points[0].task_s >= config.max_task_s:
                    break
            show(index + 1, f"{name} · machine ceiling")
            after = _ceiling_samples(ceiling_n, results, settings["cpus"])
            if before is not None and after is not None:
                results.ceiling_by_backend[name] = statistics.median([*before, *after])
            before = after
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


def _ceiling_samples(
    n: int | None, results: CrossoverResults, cpus: list[int] | None
) -> list[float] | None:
    """A few fresh samples of the ceiling, also added to the run's overall list."""
    if n is None:
        return None
    with CeilingProbe(WORKERS, n, cpus) as probe:
        fresh = [probe.sample() for _ in range(CEILING_SAMPLES)]
    results.ceiling_ratios += fresh
    return fresh
