"""Subinterpreters with their own GIL (CPython 3.14+): which backends load, and the GIL.

Which modules load is checked exactly, not skipped: pure Python loads everywhere;
Cython and pybind11 declare per-interpreter-GIL support and must load and give exact
results; NumPy and PyO3 modules refuse with an ImportError, which the executor must
report.  The GIL is observed directly, as in tests/kernels/test_gil.py: progress
counts in another interpreter, never a wall-clock threshold.
"""

from __future__ import annotations

import sys
import threading
import time

import pytest

import gilbench
from gilbench.executors.interpreters import Interpreters, run_task
from gilbench.kernels.oracle import expected_sum_squares
from helpers import count_for, count_until

pytestmark = pytest.mark.skipif(
    sys.version_info < (3, 14), reason="subinterpreters with their own GIL need CPython 3.14+"
)

LOADS = ["python", "cython", "cython-gil", "cpp", "cpp-gil"]
REFUSED = {"numpy": "numpy", "rust": "_rust", "rust-gil": "_rust"}


def test_the_executor_is_available() -> None:
    assert Interpreters.unavailable() is None


@pytest.mark.parametrize("name", LOADS)
def test_backend_loads_in_a_subinterpreter_and_is_exact(name: str) -> None:
    kernel = gilbench.get_backend(name)
    assert Interpreters.refuses(kernel) is None
    pool = Interpreters(2)
    pool.start()
    try:
        ranges = [(0, 1000), (2**32 - 1000, 2**32)]
        outcomes = pool.run(kernel, ranges)
    finally:
        pool.close()
    assert [value for value, _ in outcomes] == [expected_sum_squares(*r) for r in ranges]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_backend_that_cannot_load_is_refused_with_its_import_error(name: str) -> None:
    reason = Interpreters.refuses(gilbench.get_backend(name))
    assert reason is not None
    assert reason.startswith("cannot run in a subinterpreter")
    assert REFUSED[name] in reason


def _counts_beside(name: str, seconds: float = 0.3) -> tuple[int, int]:
    """(counts alone, counts beside ``name`` running in a subinterpreter), same duration."""
    from concurrent.futures import InterpreterPoolExecutor

    n = 1 << 16
    kernel = gilbench.get_backend(name)
    while True:  # size one call to last about ``seconds``
        began = time.perf_counter()
        kernel.sum_squares(0, n)
        if time.perf_counter() - began > seconds / 4 or n >= gilbench.LIMIT:
            break
        n = min(n * 4, gilbench.LIMIT)

    with InterpreterPoolExecutor(1) as pool:
        pool.submit(run_task, kernel.ref, 0, 1).result()  # the interpreter exists before
        finished = threading.Event()
        began = time.perf_counter()
        future = pool.submit(run_task, kernel.ref, 0, n)
        future.add_done_callback(lambda _: finished.set())
        beside = count_until(finished)
        busy = time.perf_counter() - began
        assert future.result() == expected_sum_squares(0, n)
    return count_for(busy), beside


@pytest.mark.parametrize("name", ["python", "cython-gil", "cpp-gil", "cpp"])
def test_code_in_a_subinterpreter_leaves_this_interpreters_gil_free(name: str) -> None:
    """Pure Python, and even a kernel that holds its GIL, run beside this thread's Python:
    each interpreter has a GIL of its own."""
    alone, beside = _counts_beside(name)
    assert beside > 0.3 * alone, f"{name}: this thread kept only {beside / alone:.0%} of its pace"
