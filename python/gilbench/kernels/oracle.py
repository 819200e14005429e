"""The exact answer, from the closed form: the one place it lives.

The driver checks every task's result against it, and the tests use it as their
oracle.  Nothing else in gilbench may compute the sum this way: a kernel that did
would measure nothing.
"""

from __future__ import annotations

from gilbench.kernels.domain import check_range


def sum_squares_below(n: int) -> int:
    """Return ``sum(i*i for i in range(n))`` for ``n >= 0``: ``(n-1)·n·(2n-1)/6``."""
    return (n - 1) * n * (2 * n - 1) // 6


def expected_sum_squares(start: int, stop: int) -> int:
    """Return ``sum(i*i for i in range(start, stop))``, exactly, inside the kernel's domain."""
    start, stop = check_range(start, stop)
    return sum_squares_below(stop) - sum_squares_below(start)
