"""From samples to answers: paired speedups, their intervals, and a verdict per record.

speedup (one repeat) = T(sequential, same tasks) / T(executor), both timed in that
repeat; ceiling (one repeat) = k · T(1 native thread) / T(k native threads), timed
beside them.  A record's speedup is the median of its per-repeat speedups, with a 95%
interval for that median (``stats.estimate``); its ceiling fraction is the median of
the per-repeat speedup / ceiling.  The verdict is read from the intervals, never from
a point estimate (``stats.classify``), so a noisy run says "inconclusive" instead of
something wrong.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

from gilbench.executors.base import Executor
from gilbench.executors.registry import BASELINE, shares_gil
from gilbench.kernels import Kernel
from gilbench.measure import stats
from gilbench.measure.ceiling import is_low
from gilbench.measure.timing import Sample
from gilbench.results import Record, RunResults

TOO_SHORT_TASK_S = stats.MIN_TASK_S
"""A task shorter than this is mostly the executor's own cost: not judged."""


def _ci(estimate: stats.Estimate) -> list[float]:
    return [estimate.low, estimate.high]


def record(
    kernel: Kernel,
    executor: Executor,
    workers: int,
    mode: str,
    n: int,
    tasks: int,
    elements: int,
    taken: Sequence[Sample],
    baseline: Sequence[Sample] | None,
    ceilings: Sequence[float],
    set_aside: Sequence[float] = (),
) -> Record:
    """One record from its samples, paired with the baseline and ceiling of the same repeats."""
    walls = [s.wall_s for s in taken]
    cpus = [s.cpu_s for s in taken]
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    found = Record(
        backend=kernel.name,
        executor=executor.name,
        workers=workers,
        mode=mode,
        n=n,
        tasks=tasks,
        elements=elements,
        releases_gil=kernel.releases_gil,
        wall_s=wall,
        cpu_s=cpu,
        cores_busy=cpu / wall if wall > 0 else 0.0,
        startup_s=executor.startup_s,
        repeat=len(taken),
        wall_samples_s=walls,
        cpu_samples_s=cpus,
        set_aside_ceilings=list(set_aside),
    )
    found.stolen_samples_s = [s.stolen_s for s in taken]
    overheads = [s.overhead_s for s in taken if s.overhead_s is not None]
    if overheads:
        found.overhead_s = statistics.median(overheads)
    if baseline:
        found.task_s = statistics.median(s.wall_s for s in baseline) / tasks
    if executor.name == BASELINE or not baseline:
        found.instability = stats.instability(walls)
        found.unstable = found.instability is not None
        return found
    ratios, speedup, fraction = paired(baseline, taken, ceilings)
    if on_work(taken):
        _, work, work_fraction = paired(baseline, taken, ceilings, work=True)
        found.overhead_samples_s = [s.overhead_s for s in taken]
        found.work_speedup, found.work_speedup_ci = work.median, _ci(work)
        if work_fraction is not None:
            found.work_ceiling_fraction = work_fraction.median
            found.work_ceiling_fraction_ci = _ci(work_fraction)
    found.ratios = ratios
    found.speedup = speedup.median
    found.speedup_ci = _ci(speedup)
    found.efficiency = speedup.median / workers
    found.instability = stats.instability(ratios)
    found.unstable = found.instability is not None
    if fraction is not None:
        found.ceiling_ratios = list(ceilings)
        found.ceiling = statistics.median(ceilings)
        found.ceiling_fraction = fraction.median
        found.ceiling_fraction_ci = _ci(fraction)
    elif workers == 1:
        found.ceiling = 1.0
        found.ceiling_fraction = speedup.median
        found.ceiling_fraction_ci = _ci(speedup)
    return found


def on_work(taken: Sequence[Sample]) -> bool:
    """Whether these samples are judged on the work: the executor told its own cost apart.

    A Dask run pays ~10 ms of its scheduler's latency whatever the task, which caps a
    run of 40 ms tasks near 1.6x on 2 cores, with or without the GIL.  The verdict asks
    whether the work ran in parallel, so it is read from the span the workers computed;
    the wall-time speedup, Dask's cost included, is shown beside it.
    """
    return any(s.overhead_s is not None for s in taken)


def paired(
    baseline: Sequence[Sample],
    taken: Sequence[Sample],
    ceilings: Sequence[float],
    *,
    work: bool = False,
) -> tuple[list[float], stats.Estimate, stats.Estimate | None]:
    """The per-repeat speedups, their estimate, and the estimate of their fraction of each
    repeat's ceiling (None without ceilings).  Times are net of what other programs took
    from the workers' cores (``stolen``), on both sides; with ``work``, the executor's
    times are also net of its own cost (``Sample.work_s``)."""
    times = [s.work_s if work else s.net_s for s in taken]
    ratios = stats.paired_ratios([s.net_s for s in baseline], times)
    fraction = stats.estimate(stats.of_ceiling(ratios, ceilings)) if ceilings else None
    return ratios, stats.estimate(ratios), fraction


def held_share(results: RunResults, backend: str) -> stats.Estimate | None:
    """The backend's observed hold on the GIL, as an estimate, if it was observed."""
    observed = results.gil.get(backend)
    if not observed or observed.get("held_share") is None or observed.get("contended"):
        return None
    low, high = observed["held_share_ci"]
    n = len(observed["shares"])
    return stats.Estimate(observed["held_share"], low, high, n, stats.median_ci_coverage(n))


def cpu_cost(results: RunResults, record: Record) -> stats.Estimate | None:
    """The workers' CPU time over the sequential run's for the same tasks, repeat by repeat,
    where the workers share no lock (processes); None elsewhere, or where the sequential
    run itself waited more than it computed."""
    baseline = results.find(record.backend, BASELINE, record.workers)
    if shares_gil(record.executor) or baseline is None or baseline.cores_busy < 0.5:
        return None
    ours, theirs = record.cpu_samples_s, baseline.cpu_samples_s
    if not ours or len(ours) != len(theirs) or min(ours + theirs) <= 0:
        return None
    return stats.estimate(stats.paired_ratios(ours, theirs))  # ours[i] / theirs[i]


def judge(results: RunResults, record: Record) -> str | None:
    """The verdict class of one parallel record, from its intervals; None for the baseline."""
    if record.executor == BASELINE or record.speedup_ci is None or record.workers < 2:
        return None  # one worker cannot scale: its row shows the executor's own cost
    if record.task_s is not None and record.task_s < TOO_SHORT_TASK_S:
        return stats.TOO_SHORT
    cores = int(results.environment.get("usable_cpus") or record.workers)
    coverage = stats.median_ci_coverage(record.repeat)
    speedup_median, speedup_ci, fraction_median, fraction_ci = judged_figures(record)
    assert speedup_ci is not None  # a parallel record with a baseline: see above
    speedup = stats.Estimate(speedup_median or 0.0, *speedup_ci, record.repeat, coverage)
    if fraction_ci is not None:
        fraction = stats.Estimate(fraction_median or 0.0, *fraction_ci, record.repeat, coverage)
    else:  # no ceiling measured: judge against the cores the workers could use
        reference = min(record.workers, cores)
        fraction = stats.Estimate(
            speedup.median / reference,
            speedup.low / reference,
            speedup.high / reference,
            speedup.n,
            speedup.coverage,
        )
    return stats.classify(
        speedup,
        fraction,
        held_share(results, record.backend),
        executor_shares_gil=shares_gil(record.executor),
        gil_enabled=bool(results.environment.get("gil_enabled", True)),
        cpu_cost=cpu_cost(results, record),
    )


def judged_figures(
    record: Record,
) -> tuple[float | None, list[float] | None, float | None, list[float] | None]:
    """The speedup and ceiling fraction (medians and intervals) the verdict is read from:
    the work's where the executor told its own cost apart (``on_work``), else the run's."""
    if record.work_speedup_ci is not None:
        return (
            record.work_speedup,
            record.work_speedup_ci,
            record.work_ceiling_fraction,
            record.work_ceiling_fraction_ci,
        )
    return record.speedup, record.speedup_ci, record.ceiling_fraction, record.ceiling_fraction_ci


def judge_run(results: RunResults) -> None:
    """Set every parallel record's verdict (in place)."""
    for found in results.records:
        found.verdict = judge(results, found)


def judged(results: RunResults, backend: str, executor: str) -> Record | None:
    """The record a backend's verdict under ``executor`` is read from.

    The largest worker count above one within the usable cores (more workers than
    cores cannot scale further); beyond them only when nothing within was measured.
    """
    candidates = [
        r
        for r in results.records
        if r.backend == backend and r.executor == executor and r.workers > 1 and r.verdict
    ]
    cores = results.environment.get("usable_cpus") or 0
    within = [r for r in candidates if r.workers <= cores]
    return max(within or candidates, key=lambda r: r.workers, default=None)


# --- what the machine did while it was measured ------------------------------------------

BUSY_CORE_FRACTION = 0.85
"""A sequential run that got less of a core than this shared it with something else."""


def busy_machine_warnings(results: RunResults) -> list[str]:
    """Warn when one sequential task did not get a whole core: the machine was busy.

    Only for the kernels, which compute from start to end; a probed function may wait
    (I/O, a lock, a sleep), and its report says so instead."""
    busy = [r.cores_busy for r in results.records if r.executor == BASELINE]
    if not busy or results.kind == "probe":
        return []
    typical = statistics.median(busy)
    if typical >= BUSY_CORE_FRACTION:
        return []
    return [
        f"the sequential runs kept only {typical:.2f} of a core busy: something else is using "
        "this machine, and every figure here is disturbed by it"
    ]


def ceiling_warnings(results: RunResults) -> list[str]:
    """One warning per worker count whose ceiling fell far below the cores it could use."""
    warnings = []
    cores = results.environment.get("usable_cpus") or 0
    for workers in results.workers():
        ceiling = results.ceiling_at(workers)
        if ceiling is not None and is_low(ceiling, workers, cores):
            warnings.append(
                f"machine ceiling at {workers} workers: {ceiling:.2f}x; {workers} native threads "
                f"did not get {min(workers, cores or workers)} cores (a busy machine?), so "
                "scaling figures beside it are judged with wide intervals"
            )
    return warnings


def noise_summary(results: RunResults) -> dict[str, Any]:
    """How noisy the machine was: unstable and inconclusive cells, the ceiling's spread."""
    parallel = [r for r in results.records if r.executor != BASELINE]
    spreads = [
        (r.speedup_ci[1] - r.speedup_ci[0]) / 2 / r.speedup
        for r in parallel
        if r.speedup_ci and r.speedup
    ]
    return {
        "cells": len(parallel),
        "unstable": sum(r.unstable for r in parallel),
        "inconclusive": sum(r.verdict == "inconclusive" for r in parallel),
        "waited_s": results.waited_s,
        "set_aside": sum(
            len(r.set_aside_ceilings) for r in results.records if r.executor == BASELINE
        ),
        "median_halfwidth": statistics.median(spreads) if spreads else None,
        # Of all the time measured, the share other programs took from the workers' cores
        # (subtracted before any ratio was formed).
        "stolen_share": sum(sum(r.stolen_samples_s) for r in results.records)
        / max(1e-9, sum(sum(r.wall_samples_s) for r in results.records)),
        "repeats": [
            min((r.repeat for r in parallel), default=0),
            max((r.repeat for r in parallel), default=0),
        ],
    }


def finish_run(results: RunResults) -> None:
    """What a run concludes when it stops, finished or interrupted: verdicts and warnings."""
    judge_run(results)
    results.warnings += ceiling_warnings(results) + busy_machine_warnings(results)
