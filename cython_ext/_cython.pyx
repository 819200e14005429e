# cython: language_level=3, boundscheck=False, wraparound=False
# cython: freethreading_compatible=True, subinterpreters_compatible=own_gil
"""Sum of squares in Cython, with the GIL released or held.

The kernel is C, shared with the C++ backend (native/sum_squares.h): it touches
no Python object. ``sum_squares`` calls it inside ``with nogil:``;
``sum_squares_gil`` calls it without that line, so it keeps the GIL for the
whole call. The module declares free-threading support, and support for
subinterpreters that each have their own GIL: the kernel shares no state, the
loop it runs is chosen once, before any interpreter imports the module, and
the module holds no Python object outside its per-interpreter state.
"""

from libc.stdint cimport uint64_t

cdef extern from *:
    # Cython has no 128-bit type of its own; this name maps to the C one.
    ctypedef unsigned long long uint128_t "__uint128_t"

# The three loops and which one runs: chosen once per process, as this
# library loads, from the CPU and GILBENCH_KERNEL.
cdef extern from "sum_squares.h":
    ctypedef struct gilbench_loop:
        const char *path
    ctypedef struct gilbench_choice:
        const gilbench_loop *loop  # NULL if GILBENCH_KERNEL asks for a loop this CPU lacks
        const gilbench_loop **runnable
        int runnable_count
        char *error
    gilbench_choice gilbench_chosen
    const uint64_t gilbench_limit  # stop <= 2**32: the domain
    uint128_t gilbench_sum_squares(uint64_t start, uint64_t stop) noexcept nogil

if gilbench_chosen.loop == NULL:
    raise ImportError(gilbench_chosen.error.decode())
kernel_path = gilbench_chosen.loop.path.decode()
kernel_paths = tuple(
    [gilbench_chosen.runnable[k].path.decode() for k in range(gilbench_chosen.runnable_count)]
)


def sum_squares(uint64_t start, uint64_t stop):
    """Sum of i*i over [start, stop), GIL released while the loop runs."""
    if stop > gilbench_limit:
        raise OverflowError("stop must be <= 2**32")
    cdef uint128_t total
    with nogil:  # start and stop are C integers now: no Python object is touched
        total = gilbench_sum_squares(start, stop)
    return total


def sum_squares_gil(uint64_t start, uint64_t stop):
    """Sum of i*i over [start, stop), GIL held for the whole call."""
    if stop > gilbench_limit:
        raise OverflowError("stop must be <= 2**32")
    cdef uint128_t total
    total = gilbench_sum_squares(start, stop)
    return total
