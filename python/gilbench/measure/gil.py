"""The GIL, observed directly: how much of a call keeps other Python code from running.

While the kernel runs in a worker thread, this thread counts in a Python loop; the
pace it keeps, against its pace beside a load that needs a core and holds no GIL,
is the share of the call during which the GIL was free (``gil_probe``).  Being a
ratio of two paces taken moments apart on the same cores, it barely depends on the
machine being quiet.  Reported per backend: ``held_share`` (0: never held; about 0.5:
Python taking turns; 1: held throughout) with its interval, and how much the call
itself slowed while the other thread ran Python (the convoy effect).
"""

from __future__ import annotations

from typing import Any

from gilbench.kernels import Kernel
from gilbench.measure.gil_probe import measure_held_share

CALL_FRACTION = 4
"""The observed call sums a quarter of a task: long enough to see, short enough for --quick."""

REPEATS = 6  # the fewest whose min..max covers the median with 95% (stats.MIN_REPEATS)


def observe(call: Any, repeats: int = REPEATS) -> dict[str, Any]:
    """``held_share`` and the rest for any zero-argument call, as saved in a run's ``gil``."""
    seen = measure_held_share(call, repeats=repeats)
    return {
        "held_share": seen.held_share.median,
        "held_share_ci": [seen.held_share.low, seen.held_share.high],
        "shares": list(seen.shares),
        "slowdown": seen.slowdown,
        "slowdown_is_bound": seen.slowdown_is_bound,
        "call_s": seen.call_s,
        "gil_enabled": seen.gil_enabled,
        "switch_interval_s": seen.switch_interval_s,
    }


def observe_backend(kernel: Kernel, task_n: int) -> dict[str, Any]:
    """Observe ``kernel`` summing a quarter of a task of ``task_n`` elements."""
    n = max(1, task_n // CALL_FRACTION)
    return observe(lambda: kernel.sum_squares(0, n))
