"""``gilbench bench``: how fast each kernel is on one thread, and whether it really loops.

For every backend (and peer, see ``peers``): the best call of ``sum_squares(0, n)``
after a warm-up, in ns per element and against the fastest.  The calls go in rounds,
each calling every kernel once (``measure_targets`` says why): at least ``repeat``
rounds, and more, up to ``max_repeat``, while the best call of any kernel has no other
call within ``REPRODUCED_WITHIN`` of it.
Compiled kernels run the whole domain (``n = 2**32``, under a second); the
interpreted ones a size that lasts about 0.3 s.

Each kernel is also timed at ``n/4``: the ratio t(n)/t(n/4) should be about 4, since
every element costs the same.  Near 1 the time did not grow with the work: a compiler
has replaced the loop by the closed form, and the kernel measures nothing.  Every
result is checked against the oracle.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from gilbench.kernels import Kernel
from gilbench.kernels.backends import get_backend
from gilbench.kernels.domain import LIMIT
from gilbench.kernels.oracle import expected_sum_squares
from gilbench.kernels.peers import get_peer
from gilbench.measure.timing import BackendFailed, WrongResult, calibrate
from gilbench.results import BenchRecord, BenchResults

SIZED_TASK_S = 0.3
"""How long one call of an interpreted kernel lasts (the compiled ones run the whole domain)."""

NOT_LINEAR_BELOW = 3.0
"""A t(n)/t(n/4) under this: the time did not grow with the work (ideally 4)."""

TOO_SHORT_S = 1e-3
"""Calls shorter than this are mostly call overhead: their ratio tells nothing."""

REPRODUCED_WITHIN = 0.05
"""A best call counts once a second call comes within this fraction of it.

On a shared VM the host's load comes and goes within a second: on a 2-vCPU AMD EPYC
(Zen 3), calls of one kernel at n = 2**32 took anywhere from 0.103 to 0.21 ns per
element, and three rounds left two kernels that run the same instructions 1.38x apart.
The best of a few calls is whichever met the quietest moment; a best that a second
call repeats was timed at a moment that recurs, and so one the other kernels, timed in
the same rounds, have had their chances at too.  Within 5%: there, the second call
came within 2-9% of the best for most kernels after ten rounds.
"""

BenchProgress = Callable[[int, int, str], None]  # (done, total, what is running now)


def targets(backends: Sequence[str], peers: Sequence[str]) -> list[Kernel]:
    return [*map(get_backend, backends), *map(get_peer, peers)]


@dataclass
class BenchConfig:
    backends: list[str]
    peers: list[str]
    n: int | None = None  # None: the whole domain for compiled kernels, sized for the others
    repeat: int = 3  # rounds at least
    max_repeat: int = 10  # rounds at most, while some kernel's best is not yet reproduced
    warmup: int = 1
    sized_task_s: float = SIZED_TASK_S
    kernel_paths: bool = False  # also time every other native loop this CPU can run

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# --- the arithmetic, apart from the timing so that it can be tested -----------------


def reproduced(samples: Sequence[float], within: float = REPRODUCED_WITHIN) -> bool:
    """Whether a second call came within ``within`` of the best one."""
    if len(samples) < 2:
        return False
    best, second = sorted(samples)[:2]
    return second <= best * (1 + within)


def judge_linearity(ratio: float, best_s: float, steady: bool = True) -> tuple[bool | None, str]:
    """(linear or not, or None when the data cannot tell; the words for it).

    ``steady``: both bests, at n and at n/4, were reproduced.  A low ratio from bests
    that were not may be a busy spell that lasted through every call at n/4.
    """
    if best_s < TOO_SHORT_S:
        return None, "too short to tell"
    if ratio < NOT_LINEAR_BELOW:
        return (False, "not linear: folded?") if steady else (None, "too unsteady to tell")
    return True, "linear"


def fill_ratios(records: Sequence[BenchRecord]) -> None:
    """Set each measured record's ``vs_fastest``: its ns per element over the smallest."""
    measured = [r for r in records if r.ns_per_element is not None]
    if not measured:
        return
    fastest = min(r.ns_per_element for r in measured)  # type: ignore[type-var]
    for record in measured:
        record.vs_fastest = record.ns_per_element / fastest  # type: ignore[operator]


# --- the measurement ----------------------------------------------------------------


def _timed(target: Kernel, n: int, expected: dict[int, int]) -> float:
    """One checked call of ``kernel(0, n)``: its wall time in seconds."""
    try:
        began = time.perf_counter()
        value = target.sum_squares(0, n)
        elapsed = time.perf_counter() - began
    except Exception as error:
        raise BackendFailed(
            f"{target.label} failed on range(0, {n}): {type(error).__name__}: {error}"
        ) from error
    if value != expected[n]:
        raise WrongResult(
            f"{target.label} returned {value} for range(0, {n}); the exact answer is {expected[n]}"
        )
    return elapsed


def size_of(target: Kernel, config: BenchConfig) -> tuple[int, str]:
    """The n this kernel is timed at, and how it was chosen."""
    if config.n is not None:
        return config.n, "given"
    if target.compiled:
        return LIMIT, "full domain"
    try:
        return calibrate(lambda n: target.sum_squares(0, n), config.sized_task_s), "sized"
    except Exception as error:
        raise BackendFailed(
            f"{target.label} failed while sizing its call: {type(error).__name__}: {error}"
        ) from error


@dataclass
class _Timing:
    """A kernel between its warm-up and its last round: what it is timed on."""

    target: Kernel
    record: BenchRecord
    expected: dict[int, int]  # the exact answer at n and at n/4


def _prepare(
    target: Kernel, record: BenchRecord, config: BenchConfig, step: Callable[[str], None]
) -> _Timing:
    """Size the kernel's call (into its record) and warm it up."""
    step(f"{target.name}: sizing")
    n, record.sizing = size_of(target, config)
    record.n, record.quarter_n = n, max(1, n // 4)
    expected = {size: expected_sum_squares(0, size) for size in (n, record.quarter_n)}
    # The warm-up (code paged in, a JIT's first call, the clock up to speed) runs at n/4:
    # as good a warm-up as n, for a quarter of the time.
    for _ in range(config.warmup):
        step(f"{target.name}: warm-up")
        _timed(target, record.quarter_n, expected)
    return _Timing(target, record, expected)


def _time_round(timing: _Timing, round_index: int, step: Callable[[str], None]) -> None:
    """One call at n and one at n/4, then the record's figures from every call so far."""
    record = timing.record
    assert record.n is not None and record.quarter_n is not None
    # Alternate which size goes first, so drift on a shared machine hits both alike.
    sizes = [(record.n, record.samples_s), (record.quarter_n, record.quarter_samples_s)]
    for size, samples in sizes if round_index % 2 == 0 else sizes[::-1]:
        step(f"{timing.target.name}: n = {size:,}")
        samples.append(_timed(timing.target, size, timing.expected))
    record.best_s, record.quarter_best_s = min(record.samples_s), min(record.quarter_samples_s)
    record.ns_per_element = record.best_s / record.n * 1e9
    record.reproduced = reproduced(record.samples_s)
    record.linearity = record.best_s / record.quarter_best_s
    record.linear, record.note = judge_linearity(record.linearity, record.best_s, _settled(timing))


def _settled(timing: _Timing) -> bool:
    """Whether both bests, at n and at n/4, have been reproduced."""
    return reproduced(timing.record.samples_s) and reproduced(timing.record.quarter_samples_s)


def measure_targets(
    kernels: Sequence[Kernel],
    config: BenchConfig,
    on_step: Callable[[str], None] | None = None,
    into: list[BenchRecord] | None = None,
    on_more_steps: Callable[[int], None] | None = None,
) -> list[BenchRecord]:
    """Time every kernel at n and n/4 in rounds, each one call of every kernel.

    Rounds, not one kernel's calls back to back: on a shared machine a burst of load
    that lasts a few seconds then slows one call of each kernel, which the best of the
    rounds leaves out, not every call of one kernel, which would read as that kernel
    being slower.  After ``repeat`` rounds, more follow while any kernel's best is not
    yet reproduced (``REPRODUCED_WITHIN``), up to ``max_repeat``: every kernel takes part
    in every round, so that each has had as many chances at a quiet moment as the
    others (one that stopped early would read slower).  ``on_more_steps`` hears of each
    extra round's calls before it starts.  The records (one per kernel, in order) go
    into ``into`` once every kernel has had a round, so that a run cut short keeps the
    rounds it finished.
    """
    step = on_step or (lambda label: None)
    records, timings = [], []
    for target in kernels:
        record = BenchRecord(target.name, target.kind, target.toolchain, target.available)
        record.kernel_path = target.kernel_path
        records.append(record)
        if target.available:
            timings.append(_prepare(target, record, config, step))
        else:
            record.reason = target.reason
    shown = into if into is not None else []
    for round_index in range(max(config.repeat, config.max_repeat)):
        if round_index >= config.repeat:
            if all(map(_settled, timings)):
                break
            if on_more_steps is not None:
                on_more_steps(2 * len(timings))
        for timing in timings:
            _time_round(timing, round_index, step)
        if round_index == 0:
            shown += records
        fill_ratios(shown)
    return records


def measure_target(
    target: Kernel, config: BenchConfig, on_step: Callable[[str], None] | None = None
) -> BenchRecord:
    """Time one kernel at n and n/4 (``repeat`` times each, after a warm-up)."""
    return measure_targets([target], config, on_step)[0]


def rounds(config: BenchConfig) -> str:
    """The rounds a kernel gets, in words."""
    if config.max_repeat <= config.repeat:
        return f"{config.repeat} rounds"
    return (
        f"{config.repeat} to {config.max_repeat} rounds (more than {config.repeat} until every "
        f"kernel has a second call within {REPRODUCED_WITHIN:.0%} of its best)"
    )


def planned_steps(config: BenchConfig, kernels: Sequence[Kernel]) -> int:
    """The steps of the first ``repeat`` rounds (any further rounds add theirs as they come)."""
    return sum(1 + config.warmup + 2 * config.repeat for t in kernels if t.available)


def run_bench(
    config: BenchConfig,
    results: BenchResults,
    kernels: Sequence[Kernel] | None = None,
    on_progress: BenchProgress | None = None,
) -> BenchResults:
    """Measure every kernel (by default the config's) into ``results``, round by round."""
    results.config = config.to_dict()
    if kernels is None:  # the peers compile here (Numba: a second or two), under the progress bar
        kernels = targets(config.backends, config.peers)
    total, done = planned_steps(config, kernels), 0

    def step(label: str) -> None:
        nonlocal done
        if on_progress is not None:
            on_progress(done, total, label)
        done += 1

    def more_steps(count: int) -> None:
        nonlocal total
        total += count

    measure_targets(kernels, config, step, results.records, more_steps)
    if config.kernel_paths:
        for path, names in other_loops(kernels).items():
            step(f"the {path} loop: {', '.join(names)}")
            results.records += time_loop(path, names, config)
            fill_ratios(results.records)
    return results


def other_loops(kernels: Sequence[Kernel]) -> dict[str, list[str]]:
    """Each native loop this CPU can run besides the one chosen, and the backends that have it."""
    loops: dict[str, list[str]] = {}
    for kernel in kernels:
        for path in kernel.kernel_paths:
            if kernel.kind == "backend" and path != kernel.kernel_path:
                loops.setdefault(path, []).append(kernel.name)
    return loops


def time_loop(path: str, backends: Sequence[str], config: BenchConfig) -> list[BenchRecord]:
    """Time ``backends`` on the loop ``path``, in a fresh interpreter.

    A module chooses its loop once, when it loads (``GILBENCH_KERNEL`` forces one), so
    another loop needs another process: the same ``gilbench bench``, with that variable.
    """
    from gilbench.results import load_json

    with tempfile.TemporaryDirectory() as folder:
        saved = os.path.join(folder, "bench.json")
        command = [sys.executable, "-m", "gilbench", "bench", "--no-peers", "--no-progress"]
        command += ["--backends", ",".join(backends), "--repeat", str(config.repeat)]
        command += ["--max-repeat", str(config.max_repeat)]
        command += ["--json", saved] + (["--n", str(config.n)] if config.n else [])
        done = subprocess.run(
            command,
            env={**os.environ, "GILBENCH_KERNEL": path},
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode == 130:
            raise KeyboardInterrupt
        if done.returncode != 0 or not os.path.exists(saved):
            why = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise BackendFailed(f"timing the {path} loop failed: {why}")
        return list(load_json(saved, "bench").records)
