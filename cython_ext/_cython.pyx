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
    # Each i fits 32 bits, so each square fits 64, but their sum does not. So
    # two lanes are kept: `high`, the sum of each square's high 32 bits (at most
    # 2**32 terms below 2**32: it never overflows), and `total`, the sum of whole
    # squares, which wraps. The sum of the low halves is below 2**64 too, so it
    # is exactly total - (high << 32) modulo 2**64.
    cdef uint64_t total = 0, high = 0, i, x, square
    for i in range(start, stop):
        x = <uint32_t>i
        square = x * x
        total += square  # wraps modulo 2**64, on purpose
        high += square >> 32
    return ((<uint128_t>high) << 32) + (total - (high << 32))


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
