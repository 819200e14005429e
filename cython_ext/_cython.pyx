# cython: language_level=3, boundscheck=False, wraparound=False
# cython: freethreading_compatible=True
"""Sum of squares in Cython, with the GIL released or held.

The kernel is a ``cdef ... noexcept nogil`` function that touches no Python
object. ``sum_squares`` calls it inside ``with nogil:``; ``sum_squares_gil``
calls the same kernel without that line, so it keeps the GIL for the whole call.
The module declares free-threading support: the kernel shares no state.
"""

from libc.stdint cimport uint64_t

cdef extern from *:
    # Cython has no 128-bit type of its own; this name maps to the C one.
    ctypedef unsigned long long uint128_t "__uint128_t"

# The portable loop, in C and shared with the C++ backend: gcc's target_clones
# compiles it once per x86-64 level and picks the widest the CPU has as the
# module loads (Cython cannot put target_clones on a cdef function).
cdef extern from "sum_squares_portable.h":
    uint128_t gilbench_sum_squares_portable(uint64_t start, uint64_t stop) noexcept nogil

# Where the CPU has AVX-512 IFMA, a faster loop shared with the C++ backend.
cdef extern from "sum_squares_ifma.h":
    bint gilbench_use_ifma() noexcept nogil
    uint128_t gilbench_sum_squares_ifma(uint64_t start, uint64_t stop) noexcept nogil

cdef uint64_t LIMIT = 1ULL << 32
cdef bint USE_IFMA = gilbench_use_ifma()  # checked once, when the module loads
kernel_path = "avx512-ifma" if USE_IFMA else "portable"


cdef uint128_t _kernel(uint64_t start, uint64_t stop) noexcept nogil:
    if USE_IFMA:
        return gilbench_sum_squares_ifma(start, stop)
    return gilbench_sum_squares_portable(start, stop)


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
