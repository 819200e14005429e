"""Subinterpreters with their own GIL.

The Cython and C++ modules declare that they may load into such an interpreter
(Cython's ``subinterpreters_compatible = own_gil``, pybind11's
``multiple_interpreters::per_interpreter_gil()``); there they must give the same
exact answers. PyO3 modules cannot be loaded into one (PyO3 issue 576): CPython
refuses the Rust module's import, and this checks that it still says so.

CPython 3.14+ has ``concurrent.interpreters``; on 3.13 the same runs through the
private ``_interpreters`` module that it wraps. Older versions skip.
"""

from __future__ import annotations

import importlib
import sys

import pytest

if sys.version_info >= (3, 14):
    from concurrent import interpreters

    def run_in_subinterpreter(code: str) -> str | None:
        """Run code in a fresh subinterpreter with its own GIL: None, or the error it raised."""
        interpreter = interpreters.create()
        try:
            interpreter.exec(code)
        except interpreters.ExecutionFailed as failed:
            return str(failed)
        finally:
            interpreter.close()
        return None

elif sys.version_info >= (3, 13):
    _interpreters = pytest.importorskip("_interpreters", reason="CPython 3.13's subinterpreters")

    def run_in_subinterpreter(code: str) -> str | None:
        """Run code in a fresh subinterpreter with its own GIL: None, or the error it raised."""
        interpreter = _interpreters.create("isolated")
        try:
            failed = _interpreters.exec(interpreter, code)
        finally:
            _interpreters.destroy(interpreter)
        return None if failed is None else failed.formatted

else:
    pytest.skip("subinterpreters with their own GIL need CPython 3.13+", allow_module_level=True)

# Runs inside the subinterpreter: the whole domain, and a small range with the GIL held.
EXACT = """
import gilbench.{name} as module
n = 2**32
assert module.sum_squares(0, n) == (n - 1) * n * (2 * n - 1) // 6
assert module.sum_squares_gil(7, 1000) == sum(i * i for i in range(7, 1000))
assert module.kernel_path == module.kernel_paths[0]
"""


@pytest.mark.parametrize("name", ["_cython", "_cpp"])
def test_module_loads_and_is_exact_in_a_subinterpreter(name: str) -> None:
    importlib.import_module(f"gilbench.{name}")  # the main interpreter first, as a driver would
    assert run_in_subinterpreter(EXACT.format(name=name)) is None


def test_the_rust_module_is_refused_by_a_subinterpreter() -> None:
    error = run_in_subinterpreter("import gilbench._rust")
    assert error is not None
    assert "ImportError" in error and "does not support loading in subinterpreters" in error
