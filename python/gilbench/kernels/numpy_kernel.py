"""The NumPy kernel: vectorised, exact over the whole domain, bounded memory.

A uint64 sum of squares overflows as soon as the squares get large (near
2**32 a single square is close to 2**64).  So each square is split into its
high and low 32-bit halves, which are summed separately: a chunk of CHUNK
halves, each below 2**32, sums to well below 2**64.  The two sums are joined
as Python ints, which never overflow: total += (hi << 32) + lo.

NumPy releases the GIL inside each ufunc and reduction on these arrays, and
takes it back between them, so this kernel releases the GIL for most of its
time but not all of it.
"""

from __future__ import annotations

import numpy as np

CHUNK = 1 << 16
"""Elements per chunk: the working arrays (3 x 512 KiB) stay in cache."""

_LOW_MASK = np.uint64(0xFFFFFFFF)
_SHIFT = np.uint64(32)


def sum_squares(start: int, stop: int) -> int:
    offsets = np.arange(CHUNK, dtype=np.uint64)
    values = np.empty(CHUNK, dtype=np.uint64)
    halves = np.empty(CHUNK, dtype=np.uint64)
    total = 0
    for base in range(start, stop, CHUNK):
        size = min(CHUNK, stop - base)
        i, half = values[:size], halves[:size]
        np.add(offsets[:size], np.uint64(base), out=i)
        np.multiply(i, i, out=i)  # i < 2**32, so i*i < 2**64 is exact
        np.right_shift(i, _SHIFT, out=half)
        high = int(half.sum())
        np.bitwise_and(i, _LOW_MASK, out=half)
        total += (high << 32) + int(half.sum())
    return total
