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
    # The hot loop. Each i fits 32 bits, so each square fits 64, but their sum
    # does not. So two lanes are kept: `high`, the sum of each square's high 32
    # bits (at most 2**32 terms below 2**32: it never overflows), and `total`,
    # the sum of whole squares, which wraps. It is written in C, verbatim,
    # because Cython cannot put target_clones on a cdef function: with it, gcc
    # compiles the loop once per x86-64 level and picks the widest one the CPU
    # has when the module loads (baseline x86-64 does not vectorise it at all).
    """
    #include <stdint.h>
    #if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__)
    __attribute__((target_clones("default", "avx2", "arch=x86-64-v4")))
    #endif
    static void sum_lanes(uint64_t start, uint64_t stop, uint64_t *total, uint64_t *high) {
        uint64_t t = 0, h = 0;
        for (uint64_t i = start; i < stop; ++i) {
            const uint64_t x = (uint32_t)i, square = x * x;
            t += square;  /* wraps modulo 2**64, on purpose */
            h += square >> 32;
        }
        *total = t;
        *high = h;
    }
    """
    void sum_lanes(uint64_t start, uint64_t stop, uint64_t *total, uint64_t *high) noexcept nogil
    # Cython has no 128-bit type of its own; this name maps to the C one.
    ctypedef unsigned long long uint128_t "__uint128_t"

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
    # The low halves also sum to less than 2**64, so their sum is exactly
    # total - (high << 32) modulo 2**64; the two halves join in 128 bits.
    cdef uint64_t total, high
    sum_lanes(start, stop, &total, &high)
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
