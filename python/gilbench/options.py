"""The command line's option types: each turns text into a value or fails in one line.

argparse reports an ``ArgumentTypeError`` as ``gilbench run: error: argument --x: MESSAGE``,
so every message here is a single line that says what was wrong and what is allowed.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence

from gilbench.backends import backend_names, get_backend
from gilbench.domain import LIMIT
from gilbench.executors import EXECUTORS

PLOT_SUFFIXES = (".png", ".svg", ".pdf")


def _split(text: str) -> list[str]:
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise argparse.ArgumentTypeError("empty list")
    return list(dict.fromkeys(items))


def backend_list(text: str) -> list[str]:
    """Comma-separated backend names (or ``all``: every available one); each must be available."""
    if text.strip() == "all":
        return [name for name in backend_names() if get_backend(name).available]
    names = _split(text)
    for name in names:
        if name not in backend_names():
            raise argparse.ArgumentTypeError(
                f"unknown backend {name!r}; choose from: {', '.join(backend_names())}"
            )
        backend = get_backend(name)
        if not backend.available:
            reason = (backend.reason or "not built").splitlines()[0]
            raise argparse.ArgumentTypeError(f"backend {name!r} is unavailable: {reason}")
    return names


def executor_list(text: str) -> list[str]:
    names = _split(text)
    for name in names:
        if name not in EXECUTORS:
            raise argparse.ArgumentTypeError(
                f"unknown executor {name!r}; choose from: {', '.join(EXECUTORS)}"
            )
    return [name for name in EXECUTORS if name in names]


def parallel_executor_list(text: str) -> list[str]:
    """Like ``executor_list`` without ``sequential``: the executors 2 workers run on."""
    names = executor_list(text)
    if "sequential" in names:
        raise argparse.ArgumentTypeError(
            "'sequential' is the baseline every executor is compared with, always measured; "
            "choose from: threads, processes"
        )
    return names


def worker_list(text: str) -> list[int]:
    counts = []
    for item in _split(text):
        try:
            value = int(item)
        except ValueError:
            value = 0
        if value < 1:
            raise argparse.ArgumentTypeError(f"{item!r} is not a positive whole number")
        counts.append(value)
    return sorted(set(counts))


def task_size(text: str) -> int:
    """A size such as ``20000000``, ``20_000_000``, ``20M`` or ``4G`` (k, M, G: powers of 10)."""
    cleaned = text.strip().replace("_", "")
    factor = {"k": 10**3, "m": 10**6, "g": 10**9}.get(cleaned[-1:].lower(), 1)
    digits = cleaned[:-1] if factor > 1 else cleaned
    try:
        value = int(digits) * factor
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size (e.g. 20000000 or 20M)") from None
    if not 1 <= value <= LIMIT:
        raise argparse.ArgumentTypeError(f"{text!r} is outside 1 .. 2**32 ({LIMIT})")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number")
    return value


def output_path(suffixes: Sequence[str] | None = None) -> Callable[[str], str]:
    """A file to write: its folder must exist (checked before a long run, not after)."""

    def check(text: str) -> str:
        folder = os.path.dirname(os.path.abspath(text))
        if not os.path.isdir(folder):
            raise argparse.ArgumentTypeError(f"folder {folder!r} does not exist")
        if suffixes and os.path.splitext(text)[1].lower() not in suffixes:
            raise argparse.ArgumentTypeError(
                f"{text!r}: the file type comes from the extension, one of {', '.join(suffixes)}"
            )
        return text

    return check


def default_workers(cores: int) -> list[int]:
    """1, 2, 4, … up to and including the usable core count."""
    counts, value = [], 1
    while value < cores:
        counts.append(value)
        value *= 2
    return [*counts, cores]


# --- the parser ---------------------------------------------------------------------
