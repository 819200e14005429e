"""The GIL, observed directly: how much of a call keeps other Python code from running.

While the kernel runs in a worker thread, this thread counts in a Python loop; the
share of the call it ran, of the time other programs left it, against the
same share beside a load that needs a core and holds no GIL, is the share of the call
during which the GIL was free (``gil_probe``).  Being a ratio of two shares taken
moments apart on the same cores, it barely depends on the machine being quiet.
Reported per backend: ``held_share`` (0: never held; about 0.5: Python taking turns;
1: held throughout) with its interval, and how much the call itself slowed while the
other thread ran Python (the convoy effect).
"""

from __future__ import annotations

from typing import Any

from gilbench.kernels import Kernel
from gilbench.kernels.domain import LIMIT
from gilbench.measure.gil_probe import measure_held_share

CALL_S = 0.08
"""How long the observed call lasts alone.  Long against a switch interval (5 ms by
default): the counter is watched over each call less its last switch interval,
when the worker was getting the GIL back to time the end (``gil_probe``), and on a
busy machine that hand-over can take longer than one interval."""

BESIDE_S = 0.25
"""A call that waits for the GIL between its steps (NumPy's) can take a hundred times
longer beside a busy Python loop: the loop stops after this long, and the slow-down is
reported as a bound ("at least")."""

SLOWDOWN_REPEATS = 2  # the call alone, to compare with its time beside the loop: twice is enough

REPEATS = 6  # the fewest whose min..max covers the median with 95% (stats.MIN_REPEATS)


def observe(call: Any, repeats: int = REPEATS) -> dict[str, Any]:
    """``held_share`` and the rest for any zero-argument call, as saved in a run's ``gil``."""
    seen = measure_held_share(
        call,
        repeats=repeats,
        min_interval_s=CALL_S,
        max_beside_s=BESIDE_S,
        slowdown_repeats=SLOWDOWN_REPEATS,
    )
    return {
        "held_share": seen.held_share.median,
        "held_share_ci": [seen.held_share.low, seen.held_share.high],
        "shares": list(seen.shares),
        "slowdown": seen.slowdown,
        "slowdown_is_bound": seen.slowdown_is_bound,
        "call_s": seen.call_s,
        "gil_enabled": seen.gil_enabled,
        "switch_interval_s": seen.switch_interval_s,
        # The loop got under 3/4 of a core beside the GIL-free load: the machine is too busy
        # for "takes turns" to be told from "free", so no verdict leans on this share.
        "contended": seen.contended,
        "control_cpu_share": seen.control_cpu_share,
    }


def observe_backend(kernel: Kernel, task_n: int, task_s: float) -> dict[str, Any]:
    """Observe ``kernel`` on a range sized to last ``CALL_S`` (``task_n`` lasts ``task_s``)."""
    n = max(1, min(LIMIT, round(task_n * CALL_S / task_s)))
    return observe(lambda: kernel.task(0, n))
