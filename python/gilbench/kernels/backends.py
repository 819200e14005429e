"""The registry of backends: one name, one kernel, one answer.

Each backend wraps a kernel that computes ``sum(i*i for i in range(start, stop))``
exactly.  The native kernels come from compiled modules that may be missing
(a failed build, an unsupported platform); such a backend is reported as
unavailable with the reason, and ``import gilbench`` still works.
"""

from __future__ import annotations

import functools
import importlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

from gilbench.kernels.domain import check_range
from gilbench.kernels.kernel import Kernel, KernelUnavailable

BackendUnavailable = KernelUnavailable  # the name gilbench has exported since 0.1
Backend = Kernel  # a backend is a kernel of kind "backend"


@dataclass(frozen=True)
class _Spec:
    name: str
    module: str  # where the kernel lives, relative to the gilbench package
    function: str
    releases_gil: bool
    toolchain: str
    source: str  # file:line where the GIL is released (or held, for the twins)


_INTERPRETED = ("CPython", "NumPy")  # sized to a task length, not run over the domain

_SPECS = (
    _Spec(
        "python",
        "kernels.pure",
        "sum_squares",
        False,
        "CPython",
        "python/gilbench/kernels/pure.py:11",
    ),
    _Spec(
        "numpy",
        "kernels.numpy_kernel",
        "sum_squares",
        True,
        "NumPy",
        "python/gilbench/kernels/numpy_kernel.py:61",
    ),
    _Spec("cython", "_cython", "sum_squares", True, "Cython", "cython_ext/_cython.pyx:47"),
    _Spec("cython-gil", "_cython", "sum_squares_gil", False, "Cython", "cython_ext/_cython.pyx:52"),
    _Spec("cpp", "_cpp", "sum_squares", True, "pybind11", "cpp_ext/_cpp.cpp:53"),
    _Spec("cpp-gil", "_cpp", "sum_squares_gil", False, "pybind11", "cpp_ext/_cpp.cpp:55"),
    _Spec("rust", "_rust", "sum_squares", True, "PyO3", "rust_ext/src/lib.rs:44"),
    _Spec("rust-gil", "_rust", "sum_squares_gil", False, "PyO3", "rust_ext/src/lib.rs:49"),
)


def backend_names() -> list[str]:
    """All backend names, in a stable order: pure Python first, GIL twins after their kernel."""
    return [spec.name for spec in _SPECS]


@functools.cache
def get_backend(name: str) -> Backend:
    """Return the backend called ``name``; raise ``ValueError`` listing the valid names."""
    spec = next((s for s in _SPECS if s.name == name), None)
    if spec is None:
        raise ValueError(f"unknown backend {name!r}; choose from: {', '.join(backend_names())}")
    twin_of = spec.name.removesuffix("-gil") if spec.name.endswith("-gil") else None
    common = dict(twin_of=twin_of, compiled=spec.toolchain not in _INTERPRETED)
    try:
        module = importlib.import_module(f"gilbench.{spec.module}")
        function = getattr(module, spec.function)
    except (ImportError, AttributeError) as error:
        return Kernel(
            spec.name,
            "backend",
            spec.toolchain,
            spec.releases_gil,
            False,
            str(error),
            None,
            spec.source,
            **common,
        )
    return Kernel(
        spec.name,
        "backend",
        spec.toolchain,
        spec.releases_gil,
        True,
        None,
        function,
        spec.source,
        getattr(module, "kernel_path", None),
        tuple(getattr(module, "kernel_paths", ())),
        **common,
    )


def native_threads(ranges: Sequence[tuple[int, int]]) -> list[int]:
    """Sum each range on its own native C++ thread, with no Python involved while they run.

    This is the machine's ceiling: how much k threads of plain native code speed up
    on this machine right now, with no interpreter in the way.
    """
    checked = [check_range(start, stop) for start, stop in ranges]
    try:
        from gilbench import _cpp
    except ImportError as error:
        raise BackendUnavailable(f"native threads need the C++ module: {error}") from error
    return _cpp.sum_squares_threads(checked)


@functools.cache
def build_info() -> dict[str, str]:
    """Compilers and binding libraries the native modules were built with (empty if not built)."""
    try:
        text = resources.files("gilbench").joinpath("_build_info.json").read_text()
    except FileNotFoundError:
        return {}
    return json.loads(text)
