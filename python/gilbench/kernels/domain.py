"""The kernel's domain, checked once for every backend.

Every backend computes ``sum(i*i for i in range(start, stop))`` for
``0 <= start`` and ``stop <= 2**32``.  Inside that domain each square fits
64 bits and every sum fits 128 bits, which is what the native kernels rely on.
The public contract is enforced here, in one place, so that every backend
raises the same exception type for the same bad input.
"""

from __future__ import annotations

import operator

LIMIT = 2**32
"""Exclusive upper bound of the domain: ``stop`` may be at most this."""


def check_range(start: object, stop: object) -> tuple[int, int]:
    """Validate a range and return it as ``(start, stop)`` with ``start <= stop``.

    Raises ``TypeError`` for anything that is not an integer (objects with
    ``__index__``, such as NumPy integers, are integers), ``ValueError`` for a
    negative start and ``OverflowError`` for a stop above ``2**32``.  An empty
    range comes back as ``start == stop``, always inside the domain, so the
    kernels only ever see ``0 <= start <= stop <= 2**32``.
    """
    start = operator.index(start)
    stop = operator.index(stop)
    if start < 0:
        raise ValueError(f"start must be >= 0, got {start}")
    if stop > LIMIT:
        raise OverflowError(f"stop must be <= 2**32 ({LIMIT}), got {stop}")
    start = min(start, LIMIT)
    return start, max(start, stop)
