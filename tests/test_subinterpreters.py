"""Subinterpreters with their own GIL (CPython 3.14+, ``concurrent.interpreters``).

The Cython and C++ modules declare that they may load into such an interpreter
(Cython's ``subinterpreters_compatible = own_gil``, pybind11's
``multiple_interpreters::per_interpreter_gil()``); there they must give the same
exact answers. PyO3 modules cannot be loaded into one (PyO3 issue 576): CPython
refuses the Rust module's import, and this checks that it still says so.
"""

from __future__ import annotations

import pytest

interpreters = pytest.importorskip(
    "concurrent.interpreters", reason="subinterpreters need CPython 3.14 or newer"
)

# Runs inside the subinterpreter: the whole domain, and a small range with the GIL held.
EXACT = """
import gilbench.{name} as module
n = 2**32
assert module.sum_squares(0, n) == (n - 1) * n * (2 * n - 1) // 6
assert module.sum_squares_gil(7, 1000) == sum(i * i for i in range(7, 1000))
assert module.kernel_path == module.kernel_paths[0]
"""


@pytest.fixture
def interpreter():
    """A fresh subinterpreter with its own GIL, closed afterwards."""
    created = interpreters.create()
    yield created
    created.close()


@pytest.mark.parametrize("name", ["_cython", "_cpp"])
def test_module_loads_and_is_exact_in_a_subinterpreter(interpreter, name: str) -> None:
    __import__(f"gilbench.{name}")  # loaded in the main interpreter first, as the driver would
    interpreter.exec(EXACT.format(name=name))


def test_the_rust_module_is_refused_by_a_subinterpreter(interpreter) -> None:
    with pytest.raises(interpreters.ExecutionFailed) as failed:
        interpreter.exec("import gilbench._rust")
    assert "ImportError" in str(failed.value)
    assert "does not support loading in subinterpreters" in str(failed.value)
