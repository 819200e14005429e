"""``gilbench bench``: how fast each kernel is on one thread, and whether it really loops.

For every backend (and peer, see ``peers``): the best of ``repeat`` calls of
``sum_squares(0, n)`` after a warm-up, in ns per element and against the fastest.
Compiled kernels run the whole domain (``n = 2**32``, under a second); the
interpreted ones a size that lasts about 0.3 s.

Each kernel is also timed at ``n/4``: the ratio t(n)/t(n/4) should be about 4, since
every element costs the same.  Near 1 the time did not grow with the work: a compiler
has replaced the loop by the closed form, and the kernel measures nothing.  Every
result is checked against the oracle.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from gilbench.backends import get_backend
from gilbench.domain import LIMIT
from gilbench.measure import WrongResult, calibrate
from gilbench.oracle import expected_sum_squares
from gilbench.peers import get_peer
from gilbench.runner import BackendFailed

SCHEMA = "gilbench.bench/1"

SIZED_TASK_S = 0.3
"""How long one call of an interpreted kernel lasts (the compiled ones run the whole domain)."""

NOT_LINEAR_BELOW = 3.0
"""A t(n)/t(n/4) under this: the time did not grow with the work (ideally 4)."""

TOO_SHORT_S = 1e-3
"""Calls shorter than this are mostly call overhead: their ratio tells nothing."""

_INTERPRETED = ("CPython", "NumPy")  # toolchains whose kernels are sized, not run in full

BenchProgress = Callable[[int, int, str], None]  # (done, total, what is running now)


@dataclass(frozen=True)
class Target:
    """One kernel to time: a gilbench backend or a peer."""

    name: str
    kind: str  # "backend" or "peer"
    toolchain: str
    compiled: bool  # timed over the whole domain unless a size is given
    available: bool
    reason: str | None
    kernel: Callable[[int, int], int] | None
    kernel_path: str | None = None  # the native loop in use, see Backend.kernel_path

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name!r}"


def backend_target(name: str) -> Target:
    backend = get_backend(name)
    return Target(
        name,
        "backend",
        backend.toolchain,
        backend.toolchain not in _INTERPRETED,
        backend.available,
        backend.reason,
        backend.sum_squares if backend.available else None,
        backend.kernel_path,
    )


def peer_target(name: str) -> Target:
    peer = get_peer(name)
    kernel = peer.sum_squares if peer.available else None
    return Target(name, "peer", peer.toolchain, True, peer.available, peer.reason, kernel)


def targets(backends: Sequence[str], peers: Sequence[str]) -> list[Target]:
    return [*map(backend_target, backends), *map(peer_target, peers)]


@dataclass
class BenchConfig:
    backends: list[str]
    peers: list[str]
    n: int | None = None  # None: the whole domain for compiled kernels, sized for the others
    repeat: int = 3
    warmup: int = 1
    sized_task_s: float = SIZED_TASK_S

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class BenchRecord:
    """One kernel's single-thread speed.  Times are seconds for one call of ``(0, n)``."""

    name: str
    kind: str  # "backend" or "peer"
    toolchain: str
    available: bool
    reason: str | None = None  # why it was not measured
    kernel_path: str | None = None  # "avx512-ifma" or "portable" for the native backends
    n: int | None = None
    sizing: str | None = None  # "full domain", "sized" (to sized_task_s) or "given"
    quarter_n: int | None = None
    best_s: float | None = None
    quarter_best_s: float | None = None
    samples_s: list[float] = field(default_factory=list)
    quarter_samples_s: list[float] = field(default_factory=list)
    ns_per_element: float | None = None
    vs_fastest: float | None = None  # ns_per_element / the fastest kernel's
    linearity: float | None = None  # t(n) / t(n/4): ~4 if the loop runs
    linear: bool | None = None  # False: not linear (folded?); None: too short to tell
    note: str | None = None  # what the linearity check concluded, in words


@dataclass
class BenchResults:
    environment: dict[str, Any]
    config: dict[str, Any]
    records: list[BenchRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    interrupted: bool = False
    error: str | None = None

    def find(self, name: str) -> BenchRecord | None:
        return next((r for r in self.records if r.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "environment": self.environment,
            "config": self.config,
            "results": [dataclasses.asdict(r) for r in self.records],
            "warnings": self.warnings,
            "interrupted": self.interrupted,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BenchResults:
        if data.get("schema") != SCHEMA:
            raise ValueError(f"not a gilbench bench (schema {data.get('schema')!r})")
        known = {f.name for f in dataclasses.fields(BenchRecord)}
        rows = data["results"]
        records = [BenchRecord(**{k: v for k, v in r.items() if k in known}) for r in rows]
        return cls(
            environment=data["environment"],
            config=data.get("config", {}),
            records=records,
            warnings=data.get("warnings", []),
            interrupted=data.get("interrupted", False),
            error=data.get("error"),
        )


def save_json(results: BenchResults, path: str | os.PathLike[str]) -> None:
    with open(path, "w", encoding="utf-8") as file:
        json.dump(results.to_dict(), file, indent=2)
        file.write("\n")


def load_json(path: str | os.PathLike[str]) -> BenchResults:
    with open(path, encoding="utf-8") as file:
        return BenchResults.from_dict(json.load(file))


# --- the arithmetic, apart from the timing so that it can be tested -----------------


def judge_linearity(ratio: float, best_s: float) -> tuple[bool | None, str]:
    """(linear or not, or None when the call is too short to tell; the words for it)."""
    if best_s < TOO_SHORT_S:
        return None, "too short to tell"
    if ratio < NOT_LINEAR_BELOW:
        return False, "not linear: folded?"
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


def _timed(target: Target, n: int, expected: dict[int, int]) -> float:
    """One checked call of ``kernel(0, n)``: its wall time in seconds."""
    assert target.kernel is not None
    try:
        began = time.perf_counter()
        value = target.kernel(0, n)
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


def size_of(target: Target, config: BenchConfig) -> tuple[int, str]:
    """The n this kernel is timed at, and how it was chosen."""
    if config.n is not None:
        return config.n, "given"
    if target.compiled:
        return LIMIT, "full domain"
    assert target.kernel is not None
    kernel = target.kernel
    try:
        return calibrate(lambda n: kernel(0, n), config.sized_task_s), "sized"
    except Exception as error:
        raise BackendFailed(
            f"{target.label} failed while sizing its call: {type(error).__name__}: {error}"
        ) from error


def measure_target(
    target: Target, config: BenchConfig, on_step: Callable[[str], None] | None = None
) -> BenchRecord:
    """Time one kernel at n and n/4 (``repeat`` times each, after a warm-up)."""
    record = BenchRecord(target.name, target.kind, target.toolchain, target.available)
    record.kernel_path = target.kernel_path
    if not target.available:
        record.reason = target.reason
        return record
    step = on_step or (lambda label: None)
    step(f"{target.name}: sizing")
    n, record.sizing = size_of(target, config)
    quarter = max(1, n // 4)
    expected = {size: expected_sum_squares(0, size) for size in (n, quarter)}
    # The warm-up (code paged in, a JIT's first call, the clock up to speed) runs at n/4:
    # as good a warm-up as n, for a quarter of the time.
    for _ in range(config.warmup):
        step(f"{target.name}: warm-up")
        _timed(target, quarter, expected)
    full: list[float] = []
    part: list[float] = []
    for repeat in range(config.repeat):
        # Alternate which size goes first, so drift on a shared machine hits both alike.
        sizes = [(n, full), (quarter, part)]
        for size, samples in sizes if repeat % 2 == 0 else sizes[::-1]:
            step(f"{target.name}: n = {size:,}")
            samples.append(_timed(target, size, expected))
    record.n, record.quarter_n = n, quarter
    record.samples_s, record.quarter_samples_s = full, part
    record.best_s, record.quarter_best_s = min(full), min(part)
    record.ns_per_element = record.best_s / n * 1e9
    record.linearity = record.best_s / record.quarter_best_s
    record.linear, record.note = judge_linearity(record.linearity, record.best_s)
    return record


def planned_steps(config: BenchConfig, kernels: Sequence[Target]) -> int:
    return sum(1 + config.warmup + 2 * config.repeat for t in kernels if t.available)


def run_bench(
    config: BenchConfig,
    results: BenchResults,
    kernels: Sequence[Target],
    on_progress: BenchProgress | None = None,
) -> BenchResults:
    """Measure every kernel into ``results``, appending each record as it finishes."""
    results.config = config.to_dict()
    total, done = planned_steps(config, kernels), 0

    def step(label: str) -> None:
        nonlocal done
        if on_progress is not None:
            on_progress(done, total, label)
        done += 1

    for target in kernels:
        results.records.append(measure_target(target, config, step))
        fill_ratios(results.records)
    return results
