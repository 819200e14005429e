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

import contextlib
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
from gilbench.measure.ceiling import (
    LOW_CEILING_FRACTION,
    CeilingProbe,
    calibrate_ceiling,
    ceiling_unavailable_reason,
    wait_for_cores,
)
from gilbench.measure.gil import observe_backend
from gilbench.measure.timing import (
    BackendFailed,
    Sample,
    calibrate,
    time_tasks,
    timed_once,
)
from gilbench.measure.workload import elements, task_ranges
from gilbench.results import RunResults

ProgressCallback = Callable[[int, int, str], None]  # (done, total, what is running now)

WAIT_S = 5.0
"""Longest wait for two free cores before each backend's GIL is watched."""


@dataclass
class RunConfig:
    backends: list[str]
    executors: list[str]  # the parallel executors; the sequential baseline is always measured
    workers: list[int]
    mode: str = "weak"
    n: int | None = None  # None: sized per backend so one task lasts about task_seconds
    min_repeat: int = 9  # repeats every group gets: 9 is the fewest whose interval drops min/max
    max_repeat: int = 60  # never more than this, however unstable
    warmup: int = 1
    task_seconds: float = 0.3
    budget_s: float = 600.0  # the whole run's time for repeats beyond min_repeat
    settings: dict[str, Any] = dataclasses.field(default_factory=dict)  # executor options
    pin: bool = True  # pin worker i to core i (Linux); see executors.base.pin_cpus
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
    for workers in config.workers:
        repeats = _least(config, workers)
        units += len(config.backends) * (1 + len(config.executors)) * (config.warmup + repeats)
    return units


def _least(config: RunConfig, workers: int) -> int:
    """Repeats every group gets.  One worker cannot scale, so its rows are not judged: they
    show what the executor itself costs, for which the fewest repeats of a 95% interval do."""
    return config.min_repeat if workers > 1 else min(config.min_repeat, stats.MIN_REPEATS)


def _failed(kernel: Kernel, doing: str, error: Exception) -> BackendFailed:
    return BackendFailed(f"{kernel.label} failed {doing}: {type(error).__name__}: {error}")


def run(
    config: RunConfig,
    results: RunResults,
    on_progress: ProgressCallback | None = None,
    kernels: Sequence[Kernel] | None = None,
) -> RunResults:
    """Measure everything ``config`` asks for into ``results`` (filled in place, as it goes).

    ``kernels`` replaces the backends ``config`` names (``gilbench probe`` passes the
    user's function); each is sized, observed and measured the same way.
    """
    results.config = config.to_dict()
    ceiling_reason = ceiling_unavailable_reason() if config.measure_ceiling else "not requested"
    if ceiling_reason is not None:
        results.warnings.append(f"machine ceiling not measured: {ceiling_reason}")
    tracker = _Tracker(on_progress, planned_units(config))
    cores = int(results.environment.get("usable_cpus") or 1)
    kernels = list(kernels) if kernels is not None else [get_backend(n) for n in config.backends]

    task_s: dict[str, float] = {}  # how long one task of each backend lasts, about
    for kernel in kernels:
        if config.n is not None:
            results.sizes[kernel.name] = config.n
            task_s[kernel.name] = timed_once(kernel, config.n)
            continue
        tracker.show(f"sizing tasks: {kernel.name}")
        try:
            results.sizes[kernel.name] = calibrate(
                lambda n, k=kernel: k.task(0, n), config.task_seconds, first_n=kernel.first_size
            )
            task_s[kernel.name] = config.task_seconds
        except Exception as error:
            raise _failed(kernel, "while sizing its task", error) from error
        tracker.tick(f"sized {kernel.name}")

    cpus = pin_cpus(config.pin)
    ceiling_n = None
    if ceiling_reason is None and any(w > 1 for w in config.workers):
        tracker.show("sizing the machine ceiling")
        # As long as a task: under ~20 ms, two fresh threads often share one core for
        # their whole run (the scheduler moves one only at its next balance), and the
        # ceiling then reads 1x on an idle machine.
        ceiling_n = calibrate_ceiling(config.task_seconds)

    if config.observe_gil:
        for index, kernel in enumerate(kernels):
            if ceiling_n is not None and cores > 1:  # the loop and the call need a core each
                tracker.show(f"watching the GIL: {kernel.name} (waiting for two free cores)")
                _, waited = wait_for_cores(ceiling_n, 2, LOW_CEILING_FRACTION * 2, WAIT_S, cpus)
                results.waited_s += waited
            tracker.show(f"watching the GIL: {kernel.name}")
            n = results.sizes[kernel.name]
            try:
                results.gil[kernel.name] = observe_backend(kernel, n, task_s[kernel.name])
            except Exception as error:
                raise _failed(kernel, "while its hold on the GIL was observed", error) from error
            kernels[index] = kernel.observed(results.gil[kernel.name]["held_share"])
            tracker.tick(f"watched {kernel.name}")

    refused = _refusals(config, kernels, results)
    groups = len(config.workers) * len(kernels)
    extra = _Budget(config.budget_s)
    settings = {**config.settings, "cpus": cpus}
    usable = [n for n in config.executors if get_executor(n).unavailable() is None]
    for index, workers in enumerate(config.workers):
        names = [BASELINE, *usable]
        ceiling = (
            CeilingProbe(workers, ceiling_n, cpus)
            if ceiling_n and workers > 1
            else contextlib.nullcontext()
        )
        with started(names, workers, results.startups, settings) as executors, ceiling as probe:
            for position, kernel in enumerate(kernels):
                group = index * len(kernels) + position
                share = extra.share(groups - group)
                runnable = [e for e in executors if e.name not in refused.get(kernel.name, ())]
                _measure_group(config, workers, kernel, runnable, probe, results, tracker, share)
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
    budget: _Share,
) -> None:
    n = results.sizes[kernel.name]
    ranges = task_ranges(config.mode, n, workers)
    expected = kernel.expected(ranges)
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
    # A repeat whose ceiling shows the machine could not give the workers their cores
    # (another process, a VM losing a vCPU) says nothing about the code: it is set
    # aside and taken again, paid from the budget, and counted in the record.
    cores = int(results.environment.get("usable_cpus") or workers)
    floor = LOW_CEILING_FRACTION * min(workers, cores)
    least = _least(config, workers)
    set_aside: list[float] = []
    repeat = attempts = 0
    judged = workers > 1
    while repeat < least or (
        repeat < config.max_repeat and _more(samples, ceilings, budget, judged)
    ):
        if repeat >= least:
            budget.open()  # from here on the repeats are extra, paid from the budget
        # Rotate the order each repeat: no executor always runs first on a warm machine.
        shift = attempts % len(executors)
        taken: dict[str, Sample] = {}
        for executor in [*executors[shift:], *executors[:shift]]:
            tracker.show(f"{label} · {executor.name}")
            taken[executor.name] = sample(executor)
        ceiling = None
        if probe is not None:
            tracker.show(f"{label} · machine ceiling")
            ceiling = probe.sample()
        attempts += 1
        # Another program had a worker's core for over half a sample, or the workers did
        # the same work on more CPU time than the baseline: taken again too.
        stolen = any(s.mostly_stolen for s in taken.values())
        shared = _cores_shared(taken, executors)
        low = ceiling is not None and (ceiling < floor or stolen or shared)
        # A disturbance in most repeats is how this machine runs this code (two Python
        # interpreters slowing each other on a host's shared cores, say), not a passing
        # one: never more repeats are set aside than kept, and the rest are judged.
        persistent = len(set_aside) > repeat
        if low and not persistent and attempts <= config.max_repeat:
            budget.open()
            if budget.deciding():
                set_aside.append(ceiling)
                assert probe is not None
                tracker.show(f"{label} · waiting for {min(workers, cores)} free cores")
                _, waited = probe.wait(floor, budget.deciding_left())
                results.waited_s += waited
                continue
        for name, value in taken.items():
            samples[name].append(value)
        if ceiling is not None:
            ceilings.append(ceiling)
        if repeat < least:
            tracker.tick(label, units=len(executors))
        repeat += 1
    budget.close()

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
                set_aside,
            )
        )


CPU_INFLATION = 1.3
"""Workers that spend this many times the baseline's CPU time on the same tasks did not
have whole cores: a VM's two vCPUs on one physical core's two hardware threads each run
at about half speed, and the guest counts the time as CPU time all the same."""


def _cores_shared(taken: dict[str, Sample], executors: Sequence[Executor]) -> bool:
    """Whether a pinned executor's workers needed far more CPU time than the baseline did.

    Seen inside the repeat itself, where the ceiling (sampled moments later) can miss a
    host moving the vCPUs.  Only for work that keeps a core busy (cores busy 0.5 or more
    in the baseline) and executors whose workers own their cores.
    """
    baseline = taken.get(BASELINE)
    if baseline is None or baseline.cpu_s < 0.5 * baseline.wall_s:
        return False
    return any(
        taken[e.name].cpu_s > CPU_INFLATION * baseline.cpu_s
        for e in executors
        if e.name != BASELINE and e.name in taken and e.waits_are_others()
    )


SETTLE_SHARE = 0.25
"""Of the budget, what may go to narrowing intervals whose verdict is already clear; the
rest is kept for cells whose interval still straddles a verdict's line."""

UNDECIDED_FACTOR = 4.0
"""An undecided group may take this many times its even share of what is left."""


@dataclass
class _Budget:
    """Seconds for repeats beyond the minimum, shared out among the groups still to come."""

    seconds: float
    spent: float = 0.0

    def share(self, groups_left: int) -> _Share:
        left = max(0.0, self.seconds - self.spent)
        return _Share(self, left / max(1, groups_left), left)


@dataclass
class _Share:
    """One group's share of the budget; the clock runs only while it repeats beyond the minimum."""

    budget: _Budget
    seconds: float  # the group's even share
    pool: float  # what is left of the whole budget
    opened: float | None = None

    def settling(self) -> bool:
        """Time left to narrow intervals whose verdict is already clear."""
        return self._used() < SETTLE_SHARE * self.seconds

    def deciding(self) -> bool:
        """Time left for intervals that still straddle a verdict's line."""
        return self.deciding_left() > 0

    def deciding_left(self) -> float:
        return min(self.pool, UNDECIDED_FACTOR * self.seconds) - self._used()

    def _used(self) -> float:
        return 0.0 if self.opened is None else time.perf_counter() - self.opened

    def open(self) -> None:
        if self.opened is None:
            self.opened = time.perf_counter()

    def close(self) -> None:
        if self.opened is not None:
            self.budget.spent += time.perf_counter() - self.opened
            self.opened = None


def _more(
    samples: dict[str, list[Sample]], ceilings: list[float], budget: _Share, judged: bool
) -> bool:
    """Whether to take another repeat: an interval still straddles a verdict's line and the
    budget allows it, or one is still wider than 5% of its median and a little more may
    go to narrowing it.  A row that gets no verdict (``judged`` false: one worker cannot
    scale) never draws on the time kept for deciding."""
    estimates = []
    baseline = [s.net_s for s in samples.get(BASELINE, [])]
    for name, taken in samples.items():
        if name == BASELINE or not baseline:
            continue
        ratios = stats.paired_ratios(baseline, [s.net_s for s in taken])
        speedup = stats.estimate(ratios)
        fraction = None
        if ceilings:
            fraction = stats.estimate([r / c for r, c in zip(ratios, ceilings, strict=False)])
        estimates.append((speedup, fraction))
    if not estimates:  # the baseline alone: narrow its own times
        walls = [s.net_s for taken in samples.values() for s in taken]
        return budget.settling() and not stats.stable_enough(stats.estimate(walls))
    if judged and any(not stats.decided(s, f) for s, f in estimates):
        return budget.deciding()
    narrow = all(
        stats.stable_enough(s) and (f is None or stats.stable_enough(f)) for s, f in estimates
    )
    return not narrow and budget.settling()
