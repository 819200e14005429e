"""The comparison: every backend on every executor at every worker count, measured.

Order of work, chosen so that noise on a shared machine hurts least:

1. size one task per backend (``calibrate``), unless ``n`` is given;
2. observe each backend's hold on the GIL directly (``gil.observe``), once;
3. per worker count: start every executor once (timed apart), then per backend warm
   each executor up and take repeats.  One repeat times the sequential baseline,
   every parallel executor and the machine ceiling back to back, in a rotated order,
   so each speedup is a ratio of two times taken moments apart (paired);
4. repeats go on until every speedup's interval is narrow (half-width within 5% of
   its median) or the group's share of the time budget is used;
5. records are appended as each (workers, backend) group completes, so a run that is
   interrupted keeps everything that finished; ``analysis`` then judges them.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from gilbench.executors.base import Executor, pin_cpus
from gilbench.executors.registry import BASELINE, get_executor, started
from gilbench.kernels import Kernel
from gilbench.kernels.backends import get_backend
from gilbench.measure import analysis, stats
from gilbench.measure.ceiling import CeilingProbe, calibrate_ceiling, ceiling_unavailable_reason
from gilbench.measure.gil import observe_backend
from gilbench.measure.timing import (
    BackendFailed,
    Sample,
    calibrate,
    expected_results,
    time_tasks,
    timed_once,
)
from gilbench.measure.workload import elements, task_ranges
from gilbench.results import RunResults

ProgressCallback = Callable[[int, int, str], None]  # (done, total, what is running now)


@dataclass
class RunConfig:
    backends: list[str]
    executors: list[str]  # the parallel executors; the sequential baseline is always measured
    workers: list[int]
    mode: str = "weak"
    n: int | None = None  # None: sized per backend so one task lasts about task_seconds
    min_repeat: int = stats.MIN_REPEATS  # repeats every group gets, however stable
    max_repeat: int = 60  # never more than this, however unstable
    warmup: int = 1
    task_seconds: float = 0.3
    budget_s: float = 600.0  # the whole run's time for repeats beyond min_repeat
    settings: dict[str, Any] = dataclasses.field(default_factory=dict)  # executor options
    pin: bool = False  # pin worker i to core i (Linux); see executors.base.pin_cpus
    measure_ceiling: bool = True
    observe_gil: bool = True

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class _Tracker:
    """Counts finished timed runs for the progress bar (the total grows with extra repeats)."""

    callback: ProgressCallback | None
    total: int
    done: int = 0

    def tick(self, label: str, units: int = 1) -> None:
        self.done += units
        self.total = max(self.total, self.done)
        self.show(label)

    def show(self, label: str) -> None:
        if self.callback is not None:
            self.callback(self.done, self.total, label)


def planned_units(config: RunConfig) -> int:
    """Timed runs the plan holds at least (sizing, GIL, warm-ups, the minimum repeats)."""
    units = 0 if config.n is not None else len(config.backends)
    units += len(config.backends) if config.observe_gil else 0
    per_group = sum(1 + len(config.executors) for _ in config.workers)
    units += len(config.backends) * per_group * (config.warmup + config.min_repeat)
    return units


def _failed(kernel: Kernel, doing: str, error: Exception) -> BackendFailed:
    return BackendFailed(f"backend {kernel.name!r} failed {doing}: {type(error).__name__}: {error}")


def run(
    config: RunConfig, results: RunResults, on_progress: ProgressCallback | None = None
) -> RunResults:
    """Measure everything ``config`` asks for into ``results`` (filled in place, as it goes)."""
    results.config = config.to_dict()
    ceiling_reason = ceiling_unavailable_reason() if config.measure_ceiling else "not requested"
    if ceiling_reason is not None:
        results.warnings.append(f"machine ceiling not measured: {ceiling_reason}")
    tracker = _Tracker(on_progress, planned_units(config))
    kernels = [get_backend(name) for name in config.backends]

    task_s: dict[str, float] = {}  # how long one task of each backend lasts, about
    for kernel in kernels:
        if config.n is not None:
            results.sizes[kernel.name] = config.n
            task_s[kernel.name] = timed_once(kernel, config.n)
            continue
        tracker.show(f"sizing tasks: {kernel.name}")
        try:
            results.sizes[kernel.name] = calibrate(
                lambda n, k=kernel: k.sum_squares(0, n), config.task_seconds
            )
            task_s[kernel.name] = config.task_seconds
        except Exception as error:
            raise _failed(kernel, "while sizing its task", error) from error
        tracker.tick(f"sized {kernel.name}")

    if config.observe_gil:
        for kernel in kernels:
            tracker.show(f"watching the GIL: {kernel.name}")
            n = results.sizes[kernel.name]
            try:
                results.gil[kernel.name] = observe_backend(kernel, n, task_s[kernel.name])
            except Exception as error:
                raise _failed(kernel, "while its hold on the GIL was observed", error) from error
            tracker.tick(f"watched {kernel.name}")

    ceiling_n = None
    if ceiling_reason is None and any(w > 1 for w in config.workers):
        tracker.show("sizing the machine ceiling")
        ceiling_n = calibrate_ceiling(config.task_seconds / 4)

    refused = _refusals(config, kernels, results)
    groups = len(config.workers) * len(kernels)
    began = time.perf_counter()
    settings = {**config.settings, "cpus": pin_cpus(config.pin)}
    usable = [n for n in config.executors if get_executor(n).unavailable() is None]
    for index, workers in enumerate(config.workers):
        names = [BASELINE, *usable]
        with started(names, workers, results.startups, settings) as executors:
            for position, kernel in enumerate(kernels):
                group = index * len(kernels) + position
                # Each group may spend its share of what is left of the budget.
                left = config.budget_s - (time.perf_counter() - began)
                deadline = time.perf_counter() + max(0.0, left / (groups - group))
                runnable = [e for e in executors if e.name not in refused.get(kernel.name, ())]
                probe = CeilingProbe(workers, ceiling_n) if ceiling_n and workers > 1 else None
                _measure_group(config, workers, kernel, runnable, probe, results, tracker, deadline)
    analysis.judge_run(results)
    return results


def _refusals(
    config: RunConfig, kernels: Sequence[Kernel], results: RunResults
) -> dict[str, set[str]]:
    """Which executors cannot run which backend, recorded with the reason."""
    refused: dict[str, set[str]] = {}
    for name in config.executors:
        executor = get_executor(name)
        for kernel in kernels:
            reason = executor.unavailable() or executor.refuses(kernel)
            if reason is not None:
                refused.setdefault(kernel.name, set()).add(name)
                results.refusals.append(
                    {"backend": kernel.name, "executor": name, "reason": reason}
                )
    return refused


def _measure_group(
    config: RunConfig,
    workers: int,
    kernel: Kernel,
    executors: Sequence[Executor],
    probe: CeilingProbe | None,
    results: RunResults,
    tracker: _Tracker,
    deadline: float,
) -> None:
    n = results.sizes[kernel.name]
    ranges = task_ranges(config.mode, n, workers)
    expected = expected_results(ranges)
    samples: dict[str, list[Sample]] = {e.name: [] for e in executors}
    ceilings: list[float] = []
    label = f"{workers} workers · {kernel.name}"

    def sample(executor: Executor) -> Sample:
        return time_tasks(executor, kernel, ranges, expected)

    for executor in executors:
        for _ in range(config.warmup):
            tracker.show(f"{label} · {executor.name} (warm-up)")
            sample(executor)
            tracker.tick(label)
    repeat = 0
    while repeat < config.min_repeat or (
        repeat < config.max_repeat
        and time.perf_counter() < deadline
        and not _settled(samples, ceilings, executors)
    ):
        # Rotate the order each repeat: no executor always runs first on a warm machine.
        shift = repeat % len(executors)
        for executor in [*executors[shift:], *executors[:shift]]:
            tracker.show(f"{label} · {executor.name}")
            samples[executor.name].append(sample(executor))
            tracker.tick(label, units=1 if repeat < config.min_repeat else 0)
        if probe is not None:
            tracker.show(f"{label} · machine ceiling")
            ceilings.append(probe.sample())
        repeat += 1

    for executor in executors:
        results.records.append(
            analysis.record(
                kernel,
                executor,
                workers,
                config.mode,
                n,
                len(ranges),
                elements(config.mode, n, workers),
                samples[executor.name],
                samples.get(BASELINE),
                ceilings,
            )
        )


def _settled(
    samples: dict[str, list[Sample]], ceilings: list[float], executors: Sequence[Executor]
) -> bool:
    """Whether every parallel executor's speedup (and ceiling fraction) has a narrow interval."""
    baseline = [s.wall_s for s in samples.get(BASELINE, [])]
    if not baseline:
        return stats.stable_enough(stats.estimate([s.wall_s for s in samples[executors[0].name]]))
    for executor in executors:
        if executor.name == BASELINE:
            continue
        ratios = stats.paired_ratios(baseline, [s.wall_s for s in samples[executor.name]])
        if not stats.stable_enough(stats.estimate(ratios)):
            return False
        if ceilings:
            fractions = [r / c for r, c in zip(ratios, ceilings, strict=False)]
            if not stats.stable_enough(stats.estimate(fractions)):
                return False
    return True
