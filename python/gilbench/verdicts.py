"""One verdict per backend, in plain words, from the measured speedups.

A verdict reads the largest worker count measured.  Scaling is judged against the
machine ceiling measured in the same run (against the ideal when it could not be
measured); when the ceiling itself is far below the worker count the verdict says
the run is inconclusive instead of claiming anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gilbench.ceiling import LOW_CEILING_FRACTION
from gilbench.formatting import ratio
from gilbench.results import Record, RunResults

SCALES = 0.8
"""A speedup of at least this fraction of the ceiling counts as scaling."""

NO_GAIN = 1.3
"""A speedup at or below this is no real gain, whatever the worker count."""


@dataclass(frozen=True)
class Phrase:
    kind: str  # scales | partial | held | inconclusive
    text: str


@dataclass(frozen=True)
class Verdict:
    backend: str
    kind: str  # the worse of the phrases' kinds, for colouring
    text: str
    phrases: tuple[Phrase, ...]


def _numbers(record: Record) -> str:
    assert record.speedup is not None
    if record.ceiling:
        share = f"{record.speedup / record.ceiling:.0%} of the machine ceiling"
    else:
        share = f"{record.efficiency:.0%} efficiency (no ceiling measured)"
    return f"{ratio(record.speedup)} on {record.workers} workers, {share}"


def _reference(record: Record) -> float:
    return record.ceiling if record.ceiling else float(record.workers)


def _inconclusive(record: Record, executor: str) -> Phrase | None:
    ceiling = record.ceiling
    if ceiling is not None and ceiling < LOW_CEILING_FRACTION * record.workers:
        return Phrase(
            "inconclusive",
            f"inconclusive under {executor}: {ratio(record.speedup)} on {record.workers} workers, "
            f"but the machine itself reached only {ratio(ceiling)}",
        )
    return None


def threads_phrase(record: Record, gil_enabled: bool) -> Phrase:
    """What threads did for this backend."""
    speedup = record.speedup
    assert speedup is not None
    if (found := _inconclusive(record, "threads")) is not None:
        return found
    scales = speedup >= SCALES * _reference(record)
    if not gil_enabled and not record.releases_gil and record.backend != "python":
        # A "-gil" twin keeps the GIL held, but this build has no GIL to hold.
        if scales or speedup > NO_GAIN:
            return Phrase(
                "scales" if scales else "partial",
                f"no GIL to hold on this build, so it runs in parallel under threads too: "
                f"{_numbers(record)}",
            )
        return Phrase(
            "held",
            f"no GIL to hold on this build, yet threads reached only {ratio(speedup)} "
            f"on {record.workers} workers ({record.cores_busy:.1f} cores busy)",
        )
    if scales:
        return Phrase("scales", f"scales with threads: {_numbers(record)}")
    if speedup <= NO_GAIN:
        if record.releases_gil:
            # Released, yet no gain: it takes the GIL back often (NumPy between calls).
            return Phrase(
                "held",
                f"gains little from threads: {ratio(speedup)} on {record.workers} workers "
                f"({record.cores_busy:.1f} cores busy)",
            )
        if gil_enabled:
            return Phrase(
                "held",
                f"held by the GIL under threads: {ratio(speedup)} on {record.workers} workers "
                f"({record.cores_busy:.1f} cores busy)",
            )
        return Phrase(
            "held",
            f"does not scale with threads, with no GIL on this build: {ratio(speedup)} on "
            f"{record.workers} workers ({record.cores_busy:.1f} cores busy)",
        )
    return Phrase("partial", f"partly scales with threads: {_numbers(record)}")


def processes_phrase(record: Record) -> Phrase:
    """What a process pool did for this backend."""
    speedup = record.speedup
    assert speedup is not None
    if (found := _inconclusive(record, "processes")) is not None:
        return found
    if speedup >= SCALES * _reference(record):
        return Phrase("scales", f"scales with processes: {_numbers(record)}")
    if speedup <= NO_GAIN:
        return Phrase(
            "held",
            f"no gain from processes: {ratio(speedup)} on {record.workers} workers",
        )
    return Phrase("partial", f"partly scales with processes: {_numbers(record)}")


_SEVERITY = {"scales": 0, "partial": 1, "held": 2, "inconclusive": 3}


def _widest(results: RunResults, backend: str, executor: str) -> Record | None:
    """The record at the largest worker count above one that has a speedup.

    Worker counts beyond the usable cores cannot scale further, so they are judged
    only when nothing within the cores was measured.
    """
    candidates = [
        r
        for r in results.records
        if r.backend == backend and r.executor == executor and r.workers > 1 and r.speedup
    ]
    cores = results.environment.get("usable_cpus") or 0
    within = [r for r in candidates if r.workers <= cores]
    return max(within or candidates, key=lambda r: r.workers, default=None)


def verdict(results: RunResults, backend: str) -> Verdict:
    gil_enabled = bool(results.environment.get("gil_enabled", True))
    phrases = []
    if (record := _widest(results, backend, "threads")) is not None:
        phrases.append(threads_phrase(record, gil_enabled))
    if (record := _widest(results, backend, "processes")) is not None:
        phrases.append(processes_phrase(record))
    if not phrases:
        return Verdict(backend, "inconclusive", "no parallel run above 1 worker to judge", ())
    kind = max((p.kind for p in phrases), key=_SEVERITY.__getitem__)
    return Verdict(backend, kind, "; ".join(p.text for p in phrases), tuple(phrases))


def verdicts(results: RunResults) -> list[Verdict]:
    return [verdict(results, backend) for backend in results.backends()]


def describe_environment_gil(environment: dict[str, Any]) -> str:
    """'GIL enabled' or 'GIL disabled' (the Python label already says free-threaded)."""
    return "GIL enabled" if environment.get("gil_enabled", True) else "GIL disabled"
