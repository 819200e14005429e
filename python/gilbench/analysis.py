"""Speedup and efficiency: the arithmetic, kept apart from measuring and printing.

speedup = T(sequential, same work) / T(executor); efficiency = speedup / workers;
ceiling fraction = speedup / machine ceiling at that worker count.
"""

from __future__ import annotations

from gilbench.ceiling import is_low
from gilbench.formatting import ratio
from gilbench.results import Record, RunResults


def speedup(baseline_s: float, parallel_s: float) -> float:
    return baseline_s / parallel_s


def efficiency(speedup_value: float, workers: int) -> float:
    return speedup_value / workers


def baseline_for(results: RunResults, record: Record) -> tuple[float, str] | None:
    """The sequential time for the same work as ``record``, and how it was obtained.

    Measured: the sequential record at the same worker count (the same tasks one
    after another).  Otherwise scaled from the one-task sequential time, labelled so.
    """
    same = results.find(record.backend, "sequential", record.workers)
    if same is not None and same.mode == record.mode:
        return same.wall_s, "measured"
    one = results.find(record.backend, "sequential", 1)
    if one is None or one.mode != record.mode:
        return None
    factor = record.workers if record.mode == "weak" else 1
    return one.wall_s * factor, "scaled"


def fill_speedups(results: RunResults) -> None:
    """Set speedup, efficiency and ceiling fraction on every record that has a baseline."""
    for record in results.records:
        if record.ceiling is None:  # measured beside it; else the run's, if any
            record.ceiling = results.ceiling_at(record.workers)
        found = baseline_for(results, record)
        if found is None:
            continue
        record.baseline_s, record.baseline = found
        record.speedup = speedup(record.baseline_s, record.wall_s)
        record.efficiency = efficiency(record.speedup, record.workers)
        if record.ceiling:
            record.ceiling_fraction = record.speedup / record.ceiling


BUSY_CORE_FRACTION = 0.85
"""A sequential run that got less of a core than this shared it with something else."""


def busy_machine_warnings(results: RunResults) -> list[str]:
    """Warn when one sequential task did not get a whole core: the machine was busy.

    Independent of the native ceiling, so it also works when the C++ module is missing.
    """
    busy = [r.cores_busy for r in results.records if r.executor == "sequential"]
    if not busy:
        return []
    typical = sorted(busy)[len(busy) // 2]
    if typical >= BUSY_CORE_FRACTION:
        return []
    return [
        f"the sequential runs kept only {typical:.2f} of a core busy: something else is using "
        "this machine, and every figure here is disturbed by it"
    ]


def ceiling_warnings(results: RunResults) -> list[str]:
    """A loud warning per worker count whose ceiling fell far below the worker count."""
    warnings = []
    cores = results.environment.get("usable_cpus") or 0
    for point in results.ceiling:
        workers, overall = point["workers"], point["speedup"]
        if cores and workers > cores:
            continue  # more threads than cores: a low ceiling is expected, not a busy machine
        low = [
            f"{r.backend} {ratio(r.ceiling)}"
            for r in results.records
            if r.executor == "sequential"
            and r.workers == workers
            and r.ceiling
            and is_low(r.ceiling, workers)
        ]
        if (overall is not None and is_low(overall, workers)) or low:
            during = f" (while measuring: {', '.join(low)})" if low else ""
            warnings.append(
                f"machine ceiling at {workers} workers: {ratio(overall)}{during}; {workers} native "
                f"threads did not get {workers} cores (a busy machine?), so scaling figures "
                "beside it mean little"
            )
    return warnings
