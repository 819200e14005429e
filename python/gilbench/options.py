"""Every command-line option, declared once, as data.

An :class:`Option` is declared once and shared by the commands that take it; a
:class:`Command` lists its options and overrides their defaults; ``--quick`` is one
row of values in ``QUICK``.  The help text is generated from these values ("default
5, --quick 3"), so what ``--help`` says and what the command does cannot drift.
Executors add their own options (``Executor.options``) to every command that runs
them.  Each option type turns text into a value or fails in one line, which argparse
prints as ``gilbench run: error: argument --x: MESSAGE``.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from gilbench.environment import usable_cpus
from gilbench.executors.registry import (
    default_names,
    executor_names,
    executor_options,
    parallel_names,
)
from gilbench.kernels.backends import backend_names, get_backend
from gilbench.kernels.domain import LIMIT
from gilbench.measure.bench import REPRODUCED_WITHIN
from gilbench.measure.workload import MODES

PLOT_SUFFIXES = (".png", ".svg", ".pdf")

# --- option types ----------------------------------------------------------------------


def _split(text: str) -> list[str]:
    items = [item.strip() for item in text.split(",")]
    if not any(items):
        raise argparse.ArgumentTypeError("empty list")
    if not all(items):
        raise argparse.ArgumentTypeError(f"{text!r} has an empty item")
    return list(dict.fromkeys(items))


def available_backends() -> list[str]:
    return [name for name in backend_names() if get_backend(name).available]


def backend_list(text: str) -> list[str]:
    """Comma-separated backend names (or ``all``: every available one); each must be available."""
    if text.strip() == "all":
        return available_backends()
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
    """The parallel executors named (the sequential baseline is always measured)."""
    names = [name for name in _split(text) if name != "sequential"]
    for name in names:
        if name not in executor_names():
            raise argparse.ArgumentTypeError(
                f"unknown executor {name!r}; choose from: {', '.join(parallel_names())}"
            )
    if not names:
        raise argparse.ArgumentTypeError(
            "'sequential' is the baseline, always measured; name at least one of: "
            + ", ".join(parallel_names())
        )
    return [name for name in parallel_names() if name in names]


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


def function_ref(text: str) -> str:
    """``MODULE:FUNCTION``: imported now, so a typo fails before anything is measured."""
    from gilbench.kernels.function import find

    try:
        find(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def _json(kind: type, said: str) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise argparse.ArgumentTypeError(f"{text!r} is not JSON ({error})") from None
        if not isinstance(value, kind):
            raise argparse.ArgumentTypeError(f"{text!r} is not a JSON {said}")
        return value

    parse.__name__ = f"JSON {said}"
    return parse


json_list = _json(list, "list, e.g. '[1000000]'")
json_object = _json(dict, "object, e.g. '{\"level\": 9}'")


def _positive(convert: Callable[[str], float], what: str) -> Callable[[str], Any]:
    def check(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            value = 0
        if not value > 0:
            raise argparse.ArgumentTypeError(f"{text!r} is not a positive {what}")
        return value

    check.__name__ = f"positive {what}"
    return check


positive_int = _positive(int, "whole number")
positive_float = _positive(float, "number")


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


# --- options, declared once ------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One option; ``default`` may be overridden per command and by ``--quick``."""

    flags: tuple[str, ...]
    help: str
    type: Callable[[str], Any] | None = None
    default: Any = None
    metavar: str | None = None
    choices: Sequence[str] | None = None
    action: Any = None
    shown: str | None = None  # how the default reads when it is computed at run time

    @property
    def dest(self) -> str:
        return self.flags[-1].lstrip("-").replace("-", "_")


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value)


BACKENDS = Option(
    ("--backends",),
    f"comma-separated backends, or 'all' (known: {', '.join(backend_names())})",
    backend_list,
    metavar="LIST",
    shown="every available one",
)
EXECUTORS = Option(
    ("--executors",),
    f"comma-separated, from: {', '.join(parallel_names())}; the sequential baseline is "
    "always measured",
    executor_list,
    metavar="LIST",
    shown="every one available here; Dask's only when named",
)
WORKERS = Option(
    ("--workers",),
    "comma-separated worker counts",
    worker_list,
    metavar="LIST",
    shown=f"1, 2, 4, ... up to the usable cores, here {_describe(default_workers(usable_cpus()))}",
)
MODE = Option(
    ("--mode",),
    "weak: every worker runs the same task (the article's experiment); strong: one range "
    "split among the workers",
    choices=MODES,
    default="weak",
)
SIZE = Option(
    ("--n",),
    "elements per task (weak) or in all (strong), e.g. 20M",
    task_size,
    metavar="N",
    shown="sized per backend to last --task-seconds",
)
BENCH_SIZE = Option(
    ("--n",),
    "elements per call, e.g. 100M (its n/4 is timed too)",
    task_size,
    metavar="N",
    shown="2**32, the whole domain, for compiled kernels; ~0.3 s of work for python and numpy",
)
TASK_SECONDS = Option(
    ("--task-seconds",),
    "how long one task should last when sized automatically",
    positive_float,
    0.3,
    "S",
)
REPEAT = Option(
    ("--repeat",),
    "repeats every group gets (9: the fewest whose 95% interval leaves out the slowest and "
    "the fastest); more follow until each interval is narrow or the budget is used",
    positive_int,
    9,
    "K",
)
BENCH_ROUNDS = Option(
    ("--repeat",),
    "rounds at least, each one call of every kernel at n and one at n/4, kernel after kernel "
    "(so a burst of load slows one call of each, not every call of one); the best call is kept",
    positive_int,
    3,
    "K",
)
BENCH_MAX_ROUNDS = Option(
    ("--max-repeat",),
    "rounds at most: after --repeat, rounds go on until every kernel has a second call within "
    f"{REPRODUCED_WITHIN:.0%} of its best (on a busy machine, until each has had two quiet "
    "moments); at or below --repeat, exactly --repeat rounds",
    positive_int,
    10,
    "M",
)
BUDGET = Option(
    ("--budget",),
    "seconds the whole run may spend on repeats beyond --repeat: most for cells whose interval "
    "still straddles a verdict's line, a quarter for narrowing the others to 5%",
    positive_float,
    300.0,
    "S",
)
PIN = Option(
    ("--pin",),
    "pin worker i to core i (Linux): for tasks of a few ms, the OS scheduler may otherwise "
    "put two workers on one core for their whole run",
    action=argparse.BooleanOptionalAction,
    default=True,
)
NO_PROGRESS = Option(
    ("--no-progress",), "no progress bar (it is off when not a terminal)", action="store_true"
)
QUICK_FLAG = Option(
    ("--quick",), "the quick profile: the values marked '--quick' here", action="store_true"
)
JSON = Option(("--json",), "save the results as JSON", output_path((".json",)), metavar="PATH")
CSV = Option(("--csv",), "save the records as CSV", output_path((".csv",)), metavar="PATH")
PLOT = Option(
    ("--plot",),
    "draw speedup against workers; .png, .svg or .pdf by extension",
    output_path(PLOT_SUFFIXES),
    metavar="PATH",
)
NO_PEERS = Option(
    ("--no-peers",),
    "leave out the peers (the same kernel from optional toolchains: numba)",
    action="store_true",
)
KERNEL_PATHS = Option(
    ("--kernel-paths",),
    "time every native loop this CPU can run (avx512-ifma, avx2, portable), each native "
    "backend once per loop",
    action="store_true",
)
MAX_TASK_SECONDS = Option(
    ("--max-task-seconds",),
    "climb the sizes until one task lasts about this long",
    positive_float,
    0.05,
    "S",
)
FUNCTION = Option(
    ("function",), "the function to probe, as MODULE:FUNCTION (e.g. zlib:compress)",
    function_ref, metavar="MODULE:FUNCTION",
)  # fmt: skip
ARGS = Option(
    ("--args",), "its positional arguments, a JSON list", json_list, metavar="JSON", shown="none"
)
KWARGS = Option(
    ("--kwargs",), "its keyword arguments, a JSON object", json_object, metavar="JSON",
    shown="none",
)  # fmt: skip
SETUP = Option(
    ("--setup",),
    "MODULE:FACTORY, called once in each worker with no arguments; it returns the positional "
    "arguments (a tuple, or one value), for data too big or not JSON (e.g. a NumPy array)",
    function_ref,
    metavar="MODULE:FACTORY",
    shown="none",
)
NO_CHECK = Option(
    ("--no-check",),
    "do not compare each result with the function's first (for functions that are not "
    "deterministic)",
    action="store_true",
)
EXECUTOR_OPTIONS = tuple(
    Option((o.flag,), o.help, o.type, o.default, o.metavar, o.choices) for o in executor_options()
)


@dataclass(frozen=True)
class PerExecutor:
    """A value that grows with the parallel executors measured (``resolve`` multiplies)."""

    value: float

    def __str__(self) -> str:
        return f"{self.value:g} per executor"


QUICK = {"workers": [1, 2], "task_seconds": 0.04, "repeat": 9, "budget": PerExecutor(8.0)}
"""--quick: under a minute on an idle 2-core machine, about 90 s on a noisy one, with the
default executors (threads, processes).  Its budget is per executor: every repeat times
each one, so with twice the executors the same seconds bought half the extra repeats
(four executors, Dask's two among them, left 3 and 5 of 32 cells undecided in two idle
runs at 16 s on this 2-core machine, 1, 4 and 1 in three at 32 s)."""

SEED_N = 20_000_000  # the article's N


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    description: str
    epilog: str
    options: tuple[Option, ...]
    defaults: dict[str, Any] = field(default_factory=dict)  # per-command option defaults
    quick: dict[str, Any] | None = None

    def default(self, option: Option) -> Any:
        return self.defaults.get(option.dest, option.default)

    def help_for(self, option: Option) -> str:
        if option.action == "store_true" or option.dest == "quick":
            return option.help
        default = self.default(option)
        said = option.shown if default is None else _describe(default)
        text = f"{option.help} (default: {said}" if said else option.help
        if self.quick and option.dest in self.quick:
            text += f"; --quick: {_describe(self.quick[option.dest])}"
        return text + (")" if said else "")


def resolve(command: Command, values: argparse.Namespace) -> argparse.Namespace:
    """Fill every option left unset: the --quick profile first, then the command's default."""
    quick = command.quick if getattr(values, "quick", False) else None
    for option in command.options:
        if getattr(values, option.dest, None) is None:
            if quick and option.dest in quick:
                setattr(values, option.dest, quick[option.dest])
            else:
                setattr(values, option.dest, command.default(option))
    for key, value in command.defaults.items():  # fixed values of commands without the option
        if getattr(values, key, None) is None:
            setattr(values, key, value)
    if getattr(values, "backends", ...) is None:
        values.backends = available_backends()
    if getattr(values, "executors", ...) is None:
        values.executors = default_names()
    if getattr(values, "workers", ...) is None:
        values.workers = default_workers(usable_cpus())
    for name, value in vars(values).items():
        if isinstance(value, PerExecutor):
            setattr(values, name, value.value * len(values.executors))
    return values


def executor_settings(values: argparse.Namespace) -> dict[str, Any]:
    """The executor options' values, by name, for the executors to read."""
    return {o.dest: getattr(values, o.dest, None) for o in EXECUTOR_OPTIONS}
