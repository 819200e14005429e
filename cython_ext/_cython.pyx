# cython: language_level=3, boundscheck=False, wraparound=False
# cython: freethreading_compatible=True
"""Sum of squares in Cython, with the GIL released or held.

The kernel is a ``cdef ... noexcept nogil`` function that touches no Python
object. ``sum_squares`` calls it inside ``with nogil:``; ``sum_squares_gil``
calls the same kernel without that line, so it keeps the GIL for the whole call.
The module declares free-threading support: the kernel shares no state.
"""

from libc.stdint cimport uint32_t, uint64_t

cdef extern from *:
    # Cython has no 128-bit type of its own; this name maps to the C one.
    ctypedef unsigned long long uint128_t "__uint128_t"

cdef uint64_t LIMIT = 1ULL << 32


cdef uint128_t _kernel(uint64_t start, uint64_t stop) noexcept nogil:
    # Each i fits 32 bits, so i*i fits 64. Whole squares would overflow a 64-bit
    # sum near the top of the domain, so each square is split into its high and
    # low 32-bit halves, summed in two lanes: at most 2**32 halves, each below
    # 2**32, never overflow one. The C compiler vectorises this loop.
    cdef uint64_t high = 0, low = 0, i, x, square
    for i in range(start, stop):
        x = <uint32_t>i
        square = x * x
        high += square >> 32
        low += square & 0xFFFFFFFFU
    return ((<uint128_t>high) << 32) + low


def sum_squares(uint64_t start, uint64_t stop):
    """Sum of i*i over [start, stop), GIL released while the loop runs."""
    if stop > LIMIT:
        raise OverflowError("stop must be <= 2**32")
    cdef uint128_t total
    with nogil:  # start and stop are C integers now: no Python object is touched
        total = _kernel(start, stop)
    return total


def sum_squares_gil(uint64_t start, uint64_t stop):
    """Sum of i*i over [start, stop), GIL held for the whole call."""
    if stop > LIMIT:
        raise OverflowError("stop must be <= 2**32")
    cdef uint128_t total
    total = _kernel(start, stop)
    return total
