"""Numbers as people read them: durations with units, sizes, ratios, percentages."""

from __future__ import annotations

TIMES = "\N{MULTIPLICATION SIGN}"  # after a speedup
DASH = "\N{EN DASH}"  # between the ends of a range
NONE = "\N{EM DASH}"  # no value


def _unit(value: float) -> tuple[float, str, int]:
    """(scale, unit, decimals) that keep a duration's three significant digits readable."""
    if value >= 1:
        return 1.0, "s", 2
    if value >= 1e-3:
        return 1e3, "ms", 1
    return 1e6, "µs", 0


def seconds(value: float | None) -> str:
    """A duration with its unit, e.g. ``1.25 s``, ``12.5 ms``, ``480 µs``."""
    if value is None:
        return NONE
    scale, unit, decimals = _unit(value)
    return f"{value * scale:.{decimals}f} {unit}"


def count(value: int) -> str:
    """A task size, e.g. ``20M`` or ``4.29G``."""
    for threshold, suffix in ((10**9, "G"), (10**6, "M"), (10**3, "k")):
        if value >= threshold:
            return f"{value / threshold:.3g}{suffix}"
    return str(value)


def ratio(value: float | None, digits: int = 2) -> str:
    """A speedup: the number, two decimals, and the multiplication sign."""
    return NONE if value is None else f"{value:.{digits}f}{TIMES}"


def percent(value: float | None) -> str:
    return NONE if value is None else f"{value:.0%}"
