"""The comparison: every backend on every executor at every worker count, measured.

Order of work, chosen so that drift on a shared machine hurts least:

1. size one task per backend (``calibrate``), unless ``n`` is given;
2. per worker count: start every executor once (timed apart), then per backend warm
   each executor up and take ``repeat`` samples, rotating the executors (and a
   sample of the machine ceiling) within each repeat, so that the baseline, the
   parallel runs and the ceiling they are read against all see the same machine;
3. records are appended as each (workers, backend) group completes, so a run that is
   interrupted keeps everything that finished.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from gilbench.backends import get_backend
from gilbench.ceiling import CeilingProbe, calibrate_ceiling, ceiling_unavailable_reason
from gilbench.executors import Executor, Task, WorkerDied, pin_cpus, run_task, started
from gilbench.measure import Sample, Summary, WrongResult, calibrate, expected_results, time_tasks
from gilbench.results import Record, RunResults
from gilbench.workload import elements, task_ranges

ProgressCallback = Callable[[int, int, str], None]  # (done, total, what is running now)


class BackendFailed(RuntimeError):
    """A backend raised while being measured (other than a dead worker or a wrong sum)."""


@dataclass
class RunConfig:
    backends: list[str]
    executors: list[str]  # the parallel executors; the sequential baseline is always measured
    workers: list[int]
    mode: str = "weak"
    n: int | None = None  # None: sized per backend so one task lasts about task_seconds
    repeat: int = 5
    warmup: int = 1
    task_seconds: float = 0.3
    min_sample_s: float = 0.0  # keep repeating until each executor was timed this long...
    max_repeat: int = 100  # ...but never more often than this
    start_method: str | None = None
    pin: bool = False  # pin worker i to core i (Linux); see executors.pin_cpus
    baseline: str = "measured"  # "scaled": sequential only at 1 worker, times the tasks
    measure_ceiling: bool = True

    def executors_at(self, workers: int) -> list[str]:
        """The executors measured at this worker count, the sequential baseline first."""
        names = [e for e in self.executors if e != "sequential"]
        if self.baseline == "measured" or workers == 1:
            names.insert(0, "sequential")
        return names

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class _Tracker:
    """Counts finished timed runs for the progress bar (the total grows with extra repeats)."""

    callback: ProgressCallback | None
    total: int
    done: int = 0
    label: str = ""

    def tick(self, label: str, units: int = 1) -> None:
        self.done += units
        self.total = max(self.total, self.done)
        self.show(label)

    def show(self, label: str) -> None:
        self.label = label
        if self.callback is not None:
            self.callback(self.done, self.total, label)


def planned_units(config: RunConfig, ceiling: bool) -> int:
    """Timed runs the plan contains (warm-ups, samples, ceiling points, one per calibration)."""
    units = 0 if config.n is not None else len(config.backends)
    for workers in config.workers:
        executors = len(config.executors_at(workers))
        units += len(config.backends) * executors * (config.warmup + config.repeat)
        if ceiling and workers > 1:
            units += len(config.backends) * config.repeat
    return units


def run(
    config: RunConfig,
    results: RunResults,
    on_progress: ProgressCallback | None = None,
    task: Task = run_task,
) -> RunResults:
    """Measure everything ``config`` asks for into ``results`` (filled in place, as it goes)."""
    results.config = config.to_dict()
    ceiling_reason = ceiling_unavailable_reason() if config.measure_ceiling else "not requested"
    if ceiling_reason is not None:
        results.warnings.append(f"machine ceiling not measured: {ceiling_reason}")
        results.environment["machine_ceiling_missing"] = ceiling_reason
    tracker = _Tracker(on_progress, planned_units(config, ceiling_reason is None))
    tracker.show("sizing tasks")

    for backend in config.backends:
        if config.n is not None:
            results.sizes[backend] = config.n
        else:
            tracker.show(f"sizing tasks: {backend}")
            kernel = get_backend(backend).sum_squares
            try:
                results.sizes[backend] = calibrate(lambda n, k=kernel: k(0, n), config.task_seconds)
            except Exception as error:
                raise BackendFailed(
                    f"backend {backend!r} failed while sizing its task: "
                    f"{type(error).__name__}: {error}"
                ) from error
            tracker.tick(f"sized {backend}")
    ceiling_n = None
    if ceiling_reason is None and any(w > 1 for w in config.workers):
        tracker.show("sizing the machine ceiling")
        ceiling_n = calibrate_ceiling(config.task_seconds / 4)

    for workers in config.workers:
        overall = CeilingProbe(workers, ceiling_n) if ceiling_n is not None else None
        with started(
            config.executors_at(workers),
            workers,
            results.startups,
            config.start_method,
            task,
            pin_cpus(config.pin),
        ) as executors:
            for backend in config.backends:
                probe = CeilingProbe(workers, ceiling_n) if overall is not None else None
                _measure_group(config, workers, backend, executors, probe, results, tracker)
                if overall is not None and probe is not None:
                    overall.absorb(probe)
                    results.ceiling = [p for p in results.ceiling if p["workers"] != workers]
                    results.ceiling.append(overall.as_dict())
    return results


def _measure_group(
    config: RunConfig,
    workers: int,
    backend: str,
    executors: Sequence[Executor],
    probe: CeilingProbe | None,
    results: RunResults,
    tracker: _Tracker,
) -> None:
    n = results.sizes[backend]
    ranges = task_ranges(config.mode, n, workers)
    expected = expected_results(ranges)
    samples: dict[str, list[Sample]] = {e.name: [] for e in executors}

    def sample(executor: Executor) -> Sample:
        try:
            return time_tasks(executor, backend, ranges, expected)
        except (WorkerDied, WrongResult, KeyboardInterrupt):
            raise
        except Exception as error:
            raise BackendFailed(
                f"backend {backend!r} failed under {executor.name} with {workers} workers: "
                f"{type(error).__name__}: {error}"
            ) from error

    for executor in executors:
        for _ in range(config.warmup):
            tracker.show(f"{workers} workers · {backend} · {executor.name} (warm-up)")
            sample(executor)
            tracker.tick(f"{workers} workers · {backend}")
    repeat = 0
    while repeat < config.repeat or (
        repeat < config.max_repeat
        and min(sum(s.wall_s for s in taken) for taken in samples.values()) < config.min_sample_s
    ):
        # Rotate the order each repeat: no executor always runs first on a warm machine.
        shift = repeat % len(executors)
        for executor in [*executors[shift:], *executors[:shift]]:
            tracker.show(f"{workers} workers · {backend} · {executor.name}")
            samples[executor.name].append(sample(executor))
            if repeat < config.repeat:
                tracker.tick(f"{workers} workers · {backend}")
        if probe is not None and probe.workers > 1 and repeat < config.repeat:
            tracker.show(f"{workers} workers · {backend} · machine ceiling")
            probe.sample()
            tracker.tick(f"{workers} workers · {backend}")
        repeat += 1

    releases_gil = get_backend(backend).releases_gil
    for executor in executors:
        taken = samples[executor.name]
        wall = Summary.of([s.wall_s for s in taken])
        cpu = Summary.of([s.cpu_s for s in taken])
        results.records.append(
            Record(
                backend=backend,
                executor=executor.name,
                workers=workers,
                mode=config.mode,
                n=n,
                tasks=len(ranges),
                elements=elements(config.mode, n, workers),
                releases_gil=releases_gil,
                wall_s=wall.median,
                wall_min_s=wall.low,
                wall_max_s=wall.high,
                cpu_s=cpu.median,
                cores_busy=cpu.median / wall.median,
                startup_s=executor.startup_s,
                repeat=len(taken),
                wall_samples_s=[s.wall_s for s in taken],
                cpu_samples_s=[s.cpu_s for s in taken],
                ceiling=probe.speedup if probe is not None else None,
            )
        )
