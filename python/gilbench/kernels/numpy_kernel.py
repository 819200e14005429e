"""The NumPy kernel: vectorised, exact over the whole domain, bounded memory.

Inside the domain each square fits uint64, but their sum does not.  So a chunk
of squares is summed twice, both times in uint64 (each fits, neither is exact
on its own):

* ``wrapped``, the sum of the squares, which NumPy lets wrap modulo 2**64;
* ``high``, the sum of their top 32-bit halves, which never wraps: a chunk of
  CHUNK halves, each below 2**32, sums to well below 2**64.

The chunk's exact sum is ``high * 2**32 + low``, where ``low``, the sum of the
bottom halves, is below CHUNK * 2**32 < 2**64 and so equals
``(wrapped - high * 2**32) mod 2**64``.  Python ints join the chunks, and
never overflow.

NumPy releases the GIL inside each ufunc and reduction on these arrays and
takes it back between them, so this kernel releases the GIL for most of its
time but not all of it.  Each of those five hand-backs per chunk can make
another thread wait, which is why the chunks are large.

The two arrays are kept per thread, so a call allocates nothing.  A Dask worker
runs with ``MALLOC_TRIM_THRESHOLD_`` set, under which glibc maps every array of
over 128 KiB afresh and unmaps it when freed: there, new arrays in every call
cost 1026 page faults and about 8% more CPU time per 40 ms call, and the kernel
timed the allocator instead of the GIL.
"""

from __future__ import annotations

import threading

import numpy as np

CHUNK = 1 << 18
"""Elements per chunk (two 2 MiB arrays).  Measured under 2 threads on a 2-vCPU AMD
EPYC Zen 4 VM: 2**16 reached 0.6-0.8 of the machine's ceiling, 2**18 0.9-1.0, with
each chunk's GIL hand-backs spread over four times the work."""

_SHIFT = np.uint64(32)
_WRAP = 1 << 64


_kept = threading.local()  # per thread: two threads never write into one array


def _arrays(size: int) -> tuple[np.ndarray, np.ndarray]:
    """This thread's ``offsets`` (0, 1, 2, ...) and ``squares``, at least ``size`` long."""
    kept = getattr(_kept, "arrays", None)
    if kept is None or len(kept[0]) < size:
        kept = _kept.arrays = (np.arange(size, dtype=np.uint64), np.empty(size, dtype=np.uint64))
    return kept


def sum_squares(start: int, stop: int) -> int:
    size = min(CHUNK, max(0, stop - start))  # a short range needs no 2 MiB arrays
    offsets, squares = _arrays(size)
    total = 0
    for base in range(start, stop, CHUNK):
        chunk = squares[: min(size, stop - base)]
        np.add(offsets[: len(chunk)], np.uint64(base), out=chunk)
        np.multiply(chunk, chunk, out=chunk)  # i < 2**32, so i*i < 2**64 is exact
        wrapped = int(chunk.sum())  # modulo 2**64
        np.right_shift(chunk, _SHIFT, out=chunk)
        high = int(chunk.sum()) << 32
        total += high + (wrapped - high) % _WRAP
    return total
