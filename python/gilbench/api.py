"""The Python API of ``gilbench probe``: will threads make *this* function faster?

>>> import gilbench, zlib
>>> gilbench.probe(zlib.compress, b"x" * 10_000_000)   # doctest: +SKIP

``probe(fn, *args, **kwargs)`` measures ``fn(*args, **kwargs)`` with every parallel
executor available here, at 1..N workers, exactly as ``gilbench probe`` does from
the command line, and returns a :class:`~gilbench.results.ProbeResults` (the same
data as the command's JSON) whose ``repr`` is the answer in words.  ``Probe(...)``
chooses executors, workers and the rest; its options never mix with ``fn``'s own
keyword arguments.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

from gilbench.environment import collect_environment, usable_cpus
from gilbench.executors.base import pin_refusal
from gilbench.executors.registry import default_names, executor_options, get_executor
from gilbench.kernels.function import display_name, reference_of
from gilbench.measure.probe import ProbeConfig, Target, probe_run
from gilbench.results import ProbeResults


def _default_workers() -> list[int]:
    from gilbench.options import default_workers

    return default_workers(usable_cpus())


class Probe:
    """A probe with chosen options; call it with the function and its arguments.

    ``executors``: parallel executors to try (default: every one available here, Dask's
    only when named);
    ``workers``: worker counts (default 1, 2, 4, ... up to the usable cores);
    ``repeat``: paired repeats at least; ``budget``: seconds for more while intervals
    are wide; ``task_seconds``: how long a task lasts when calls are looped;
    ``check``: compare every result with the first (off for functions that are not
    deterministic); ``pin``: one core per worker (Linux).
    """

    def __init__(
        self,
        *,
        executors: Sequence[str] | None = None,
        workers: Sequence[int] | None = None,
        repeat: int = 9,
        budget: float = 60.0,
        task_seconds: float = 0.2,
        check: bool = True,
        pin: bool = True,
    ) -> None:
        names = list(executors) if executors is not None else default_names()
        for name in names:
            get_executor(name)  # ValueError naming the valid ones
        self.config = ProbeConfig(
            executors=[n for n in names if get_executor(n).unavailable() is None],
            workers=sorted(set(workers or _default_workers())),
            task_seconds=task_seconds,
            min_repeat=repeat,
            budget_s=budget,
            pin=pin and pin_refusal(pin) is None,
            check=check,
            settings={option.dest: option.default for option in executor_options()},
        )

    def __call__(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> ProbeResults:
        """Measure ``fn(*args, **kwargs)``; raises what the function raised, as ``CallFailed``."""
        if not callable(fn):
            raise TypeError(f"probe needs something to call, not {type(fn).__name__!r}")
        reference, stays_here = reference_of(fn)
        name = display_name(fn, reference)
        if stays_here is not None:
            warnings.warn(f"gilbench.probe: in this process only: {stays_here}", stacklevel=2)
        target = Target(fn, name, reference, stays_here, args, kwargs)
        results = ProbeResults(collect_environment(), {})
        return probe_run(target, self.config, results)


def probe(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> ProbeResults:
    """Will threads, processes or subinterpreters make ``fn(*args, **kwargs)`` faster?

    Measured with the default options (see :class:`Probe` to choose them).
    """
    return Probe()(fn, *args, **kwargs)
