"""The kernel contract (DESIGN.md section 3), checked on every backend alike."""

from __future__ import annotations

import decimal
import fractions

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gilbench
from gilbench.kernels.oracle import expected_sum_squares
from helpers import NATIVE, max_span

LIMIT = 2**32


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_matches_oracle_anywhere_in_domain(backend, data):
    start = data.draw(st.integers(0, LIMIT), label="start")
    span = data.draw(st.integers(0, max_span(backend)), label="span")
    stop = min(start + span, LIMIT)
    assert backend.sum_squares(start, stop) == expected_sum_squares(start, stop)


@settings(max_examples=30, deadline=None)
@given(start=st.integers(0, 3_000), stop=st.integers(-10, 3_000))
def test_matches_plain_python_on_small_ranges(backend, start, stop):
    assert backend.sum_squares(start, stop) == sum(i * i for i in range(start, stop))


@pytest.mark.parametrize(
    ("start", "stop"),
    [
        (0, 0),  # empty
        (5, 5),  # empty, not at zero
        (10, 3),  # start > stop
        (LIMIT, LIMIT),  # empty at the very top
        (LIMIT + 7, 3),  # start beyond the domain, but the range is empty
        (0, 1),  # one element, zero
        (1, 2),  # one element, one
        (LIMIT - 1, LIMIT),  # the largest square there is, ~2**64
        (LIMIT - 1000, LIMIT),  # the top of the domain: every square near 2**64
        (0, -5),  # negative stop with a valid start: empty
        # Around the IFMA loop's steps (32 x in vectors, 3 in scalar code) and
        # its blocks (4096 steps): one short of a step or block, exact, one past.
        (3, 34),
        (3, 35),
        (3, 36),
        (3, 37),
        (3, 38),
        (7, 7 + 4096 * 35 - 1),
        (7, 7 + 4096 * 35),
        (7, 7 + 4096 * 35 + 1),
        (7, 7 + 4096 * 35 + 36),
        (LIMIT - 4096 * 35 - 1, LIMIT),
        (LIMIT - 2 * 4096 * 35 - 1, LIMIT - 1),
        (7, 7 + 131_071),
        (7, 7 + 131_072),
        (7, 7 + 131_073),
        (LIMIT - 131_073, LIMIT),
        (LIMIT - 262_145, LIMIT - 1),
        # Around the AVX2 loop's steps (16 x in vectors, 1 in scalar code; it has
        # no blocks): one short of a step, exact, one past; the same around two steps.
        (3, 3 + 16),
        (3, 3 + 17),
        (3, 3 + 18),
        (3, 3 + 2 * 17 - 1),
        (3, 3 + 2 * 17),
        (3, 3 + 2 * 17 + 1),
        (LIMIT - 18, LIMIT),
        (LIMIT - 17, LIMIT),
        (LIMIT - 16, LIMIT),
        (LIMIT - 17 * 100_000, LIMIT),  # the top of the domain, all in whole steps
        (LIMIT - 17 * 100_000 - 16, LIMIT - 1),  # ... and with the longest tail
        # Around the portable loop's unrolled turns (16 squares in C, 4 in Rust).
        (3, 3 + 15),
        (3, 3 + 31),
        (3, 3 + 32),
        (3, 3 + 33),
        (LIMIT - 33, LIMIT),
    ],
)
def test_edges(backend, start, stop):
    assert backend.sum_squares(start, stop) == expected_sum_squares(start, stop)


def test_result_is_an_exact_python_int(backend):
    result = backend.sum_squares(LIMIT - 3, LIMIT)
    assert type(result) is int
    assert result == (LIMIT - 3) ** 2 + (LIMIT - 2) ** 2 + (LIMIT - 1) ** 2
    assert result > 2**64  # wider than any 64-bit accumulator


@pytest.mark.parametrize("name", [*NATIVE, "numpy"])
def test_whole_domain(name):
    """The largest input there is: every i below 2**32, a sum near 2**94."""
    assert gilbench.get_backend(name).sum_squares(0, LIMIT) == expected_sum_squares(0, LIMIT)


@pytest.mark.parametrize("kind", [np.int64, np.uint32, np.uint64, np.int8])
def test_numpy_integers_are_integers(backend, kind):
    assert backend.sum_squares(kind(3), kind(100)) == expected_sum_squares(3, 100)


def test_bool_is_an_integer_as_in_range(backend):
    assert backend.sum_squares(False, True) == 0


@pytest.mark.parametrize(
    ("start", "stop", "error"),
    [
        (-1, 10, ValueError),
        (-(2**70), 10, ValueError),
        (0, LIMIT + 1, OverflowError),
        (0, 2**70, OverflowError),
        (-1, LIMIT + 1, ValueError),  # start is checked first
        (0.0, 10, TypeError),
        (0, 10.0, TypeError),
        ("0", 10, TypeError),
        (None, 10, TypeError),
        (0, decimal.Decimal(10), TypeError),
        (0, fractions.Fraction(10), TypeError),
        (0, np.float64(10), TypeError),
        (0, 1 + 0j, TypeError),
    ],
)
def test_errors_outside_the_domain(backend, start, stop, error):
    with pytest.raises(error):
        backend.sum_squares(start, stop)


def test_overflow_message_names_the_limit(backend):
    with pytest.raises(OverflowError, match=r"2\*\*32"):
        backend.sum_squares(0, LIMIT + 1)


@pytest.mark.parametrize("name", NATIVE)
def test_native_module_refuses_out_of_domain_directly(name):
    """Called without the Python checks, a native kernel still never returns a wrong answer."""
    kernel = gilbench.get_backend(name)._function
    with pytest.raises(OverflowError):
        kernel(0, LIMIT + 1)
    assert kernel(9, 3) == 0
