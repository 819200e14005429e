"""What each worker computes: the task ranges for weak and strong scaling.

Weak scaling (the article's experiment): every worker runs the same task, so the
work grows with the number of workers.  Strong scaling: one range of fixed size is
split into contiguous pieces, one per worker, covering it exactly once.
"""

from __future__ import annotations

MODES = ("weak", "strong")

Range = tuple[int, int]


def split_range(start: int, stop: int, parts: int) -> list[Range]:
    """Split ``[start, stop)`` into ``parts`` contiguous pieces, sizes differing by at most one."""
    if parts < 1:
        raise ValueError(f"parts must be >= 1, got {parts}")
    size, extra = divmod(max(0, stop - start), parts)
    pieces = []
    lower = start
    for index in range(parts):
        upper = lower + size + (1 if index < extra else 0)
        pieces.append((lower, upper))
        lower = upper
    return pieces


def task_ranges(mode: str, n: int, workers: int) -> list[Range]:
    """The ranges one run hands to ``workers`` workers: one range per task."""
    if mode == "weak":
        return [(0, n)] * workers
    if mode == "strong":
        return split_range(0, n, workers)
    raise ValueError(f"unknown mode {mode!r}; choose from: {', '.join(MODES)}")


def elements(mode: str, n: int, workers: int) -> int:
    """How many elements one run sums in total (the work the speedup is measured on)."""
    return n * workers if mode == "weak" else n
