"""The comparison: every backend on every executor at every worker count, measured.

Order of work, chosen so that noise on a shared machine hurts least:

1. size one task per backend (``calibrate``), unless ``n`` is given;
2. observe each backend's hold on the GIL directly (``gil.observe``), once;
3. per worker count: start every executor once (timed apart), then per backend warm
   each executor up and take the fewest repeats a 95% interval needs.  One repeat
   times the sequential baseline, every parallel executor and the machine ceiling
   back to back, in a rotated order, so each speedup is a ratio of two times taken
   moments apart (paired);
4. then the budget goes round the backends whose intervals still straddle a
   verdict's line, one repeat each per round, and a little of what is left to those
   wider than 5% of their median;
5. each backend's records are in the results from its first repeats on, and updated
   as it repeats, so a run that is interrupted keeps everything measured;
   ``analysis`` then judges them.
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

CEILING_MIN_S = 0.02
"""The shortest the ceiling's one-thread sample lasts."""

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
        # Half a task, 20 ms at least: its threads are pinned, one per core, so even a
        # short sample cannot find both on one core unless the machine put them there.
        # Sampled beside every repeat, it was a seventh of a --quick run at a whole task.
        ceiling_n = calibrate_ceiling(max(CEILING_MIN_S, config.task_seconds / 2))

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
    budget = _Budget(config.budget_s)
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
            groups = [
                _Group(
                    config,
                    workers,
                    kernel,
                    [e for e in executors if e.name not in refused.get(kernel.name, ())],
                    probe,
                    results,
                    tracker,
                )
                for kernel in kernels
            ]
            share = budget.left() / (len(config.workers) - index)
            # One worker gets no verdict: its rows only narrow, with a little.
            block = _Budget(share if workers > 1 else SETTLE_SHARE * share)
            _measure_block(config, groups, block)
            budget.spent += block.spent
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


def _measure_block(config: RunConfig, groups: Sequence[_Group], budget: _Budget) -> None:
    """Every backend at one worker count: the minimum of repeats for each in turn, then
    the budget for extra repeats, first where an interval still straddles a verdict's
    line, then (a little) where one is still wider than 5% of its median.

    Extra repeats go round the groups that need them, one each per round, so that no
    backend measured early uses up what a later one needs.  Each group's records are
    in ``results`` from its minimum on and updated as it repeats: an interrupted run
    keeps everything measured.
    """
    fair = budget.seconds / max(1, len(groups))
    for group in groups:
        group.warm_up()
        while group.repeat < group.least:
            # Set-asides here are paid from the budget, at most a fair share per group.
            group.attempt(budget, may_set_aside=group.set_aside_s < fair)
        group.publish()
    judged = [g for g in groups if g.workers > 1]
    _rounds(config, judged, budget, lambda g: not g.decided(), may_set_aside=True)
    settle = _Budget(min(budget.left(), SETTLE_SHARE * budget.seconds))
    _rounds(config, groups, settle, lambda g: not g.narrow(), may_set_aside=False)
    budget.spent += settle.spent


def _rounds(
    config: RunConfig,
    groups: Sequence[_Group],
    budget: _Budget,
    wants_more: Callable[[_Group], bool],
    *,
    may_set_aside: bool,
) -> None:
    """One extra repeat for each group that ``wants_more``, round after round, while the
    budget lasts."""
    while budget.left() > 0:
        pending = [g for g in groups if g.repeat < config.max_repeat and wants_more(g)]
        if not pending:
            return
        for group in pending:
            group.attempt(budget, may_set_aside=may_set_aside, extra=True)
            group.publish()


class _Group:
    """One backend at one worker count: every executor's samples, paired repeat by repeat.

    One repeat times the sequential baseline, each parallel executor and the machine
    ceiling back to back, in an order rotated each repeat so that no executor always
    runs first on a warm machine.
    """

    def __init__(
        self,
        config: RunConfig,
        workers: int,
        kernel: Kernel,
        executors: Sequence[Executor],
        probe: CeilingProbe | None,
        results: RunResults,
        tracker: _Tracker,
    ) -> None:
        self.config, self.workers, self.kernel = config, workers, kernel
        self.executors, self.probe, self.results, self.tracker = executors, probe, results, tracker
        self.n = results.sizes[kernel.name]
        self.ranges = task_ranges(config.mode, self.n, workers)
        self.expected = kernel.expected(self.ranges)
        self.samples: dict[str, list[Sample]] = {e.name: [] for e in executors}
        self.ceilings: list[float] = []
        self.set_aside: list[float] = []  # the ceilings of the repeats set aside
        self.set_aside_s = 0.0
        self.repeat = self.attempts = 0
        self.least = _least(config, workers)
        cores = int(results.environment.get("usable_cpus") or workers)
        self.usable = min(workers, cores)
        self.floor = LOW_CEILING_FRACTION * self.usable
        self.label = f"{workers} workers · {kernel.name}"
        self.slots: list[int] = []  # where its records are in results.records

    def _sample(self, executor: Executor) -> Sample:
        self.tracker.show(f"{self.label} · {executor.name}")
        return time_tasks(executor, self.kernel, self.ranges, self.expected)

    def warm_up(self) -> None:
        for executor in self.executors:
            for _ in range(self.config.warmup):
                self.tracker.show(f"{self.label} · {executor.name} (warm-up)")
                self._sample(executor)
                self.tracker.tick(self.label)

    def attempt(self, budget: _Budget, *, may_set_aside: bool, extra: bool = False) -> None:
        """Take one repeat.  One whose ceiling shows the machine could not give the
        workers their cores (another process, a VM losing a vCPU), where another program
        had a worker's core for over half a sample, or where the workers did the same
        work on far more CPU time than the baseline, says nothing about the code: it is
        set aside and taken again after waiting for the cores, paid from ``budget``."""
        began = time.perf_counter()
        shift = self.attempts % len(self.executors)
        taken = {
            e.name: self._sample(e) for e in [*self.executors[shift:], *self.executors[:shift]]
        }
        ceiling = None
        if self.probe is not None:
            self.tracker.show(f"{self.label} · machine ceiling")
            ceiling = self.probe.sample()
        self.attempts += 1
        stolen = any(s.mostly_stolen for s in taken.values())
        disturbed = ceiling is not None and (
            ceiling < self.floor or stolen or _cores_shared(taken, self.executors)
        )
        # A disturbance that keeps coming back is how this machine runs this code (two
        # Python interpreters slowing each other on a host's shared cores, say), not a
        # passing one: at most one repeat is set aside for every two kept, and the rest
        # are judged.
        persistent = 2 * len(self.set_aside) > self.repeat
        if (
            disturbed
            and may_set_aside
            and not persistent
            and budget.left() > 0
            and self.attempts <= self.config.max_repeat
        ):
            assert self.probe is not None and ceiling is not None
            self.set_aside.append(ceiling)
            self.tracker.show(f"{self.label} · waiting for {self.usable} free cores")
            _, waited = self.probe.wait(self.floor, min(budget.left(), WAIT_S))
            self.results.waited_s += waited
            spent = time.perf_counter() - began
            self.set_aside_s += spent
            budget.spent += spent
            return
        for name, value in taken.items():
            self.samples[name].append(value)
        if ceiling is not None:
            self.ceilings.append(ceiling)
        self.repeat += 1
        if extra:
            budget.spent += time.perf_counter() - began
        else:
            self.tracker.tick(self.label, units=len(self.executors))

    def _estimates(self) -> list[tuple[stats.Estimate, stats.Estimate | None]]:
        """(speedup, of ceiling) so far for each parallel executor, as judged."""
        baseline = self.samples.get(BASELINE)
        if not baseline:
            return []
        return [
            analysis.paired(baseline, taken, self.ceilings, work=analysis.on_work(taken))[1:]
            for name, taken in self.samples.items()
            if name != BASELINE
        ]

    def decided(self) -> bool:
        """No interval straddles a verdict's line."""
        return all(stats.decided(s, f) for s, f in self._estimates())

    def narrow(self) -> bool:
        """Every interval within 5% of its median (the baseline's own, when it runs alone)."""
        found = self._estimates()
        if not found:
            walls = [s.net_s for taken in self.samples.values() for s in taken]
            return stats.stable_enough(stats.estimate(walls))
        return all(
            stats.stable_enough(s) and (f is None or stats.stable_enough(f)) for s, f in found
        )

    def publish(self) -> None:
        """Its records, from the samples so far, into ``results`` (in place after the first)."""
        records = [
            analysis.record(
                self.kernel,
                executor,
                self.workers,
                self.config.mode,
                self.n,
                len(self.ranges),
                elements(self.config.mode, self.n, self.workers),
                self.samples[executor.name],
                self.samples.get(BASELINE),
                self.ceilings,
                self.set_aside,
            )
            for executor in self.executors
        ]
        if not self.slots:
            self.slots = list(
                range(len(self.results.records), len(self.results.records) + len(records))
            )
            self.results.records.extend(records)
        else:
            for slot, record in zip(self.slots, records, strict=True):
                self.results.records[slot] = record


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
        taken[e.name].cpu_s > stats.CPU_INFLATION * baseline.cpu_s
        for e in executors
        if e.name != BASELINE and e.name in taken and e.waits_are_others()
    )


SETTLE_SHARE = 0.25
"""Of a worker count's budget, the most that goes to narrowing intervals whose verdict is
already clear, from what deciding left over."""


@dataclass
class _Budget:
    """Seconds for repeats beyond the minimum, and for the repeats set aside."""

    seconds: float
    spent: float = 0.0

    def left(self) -> float:
        return self.seconds - self.spent
