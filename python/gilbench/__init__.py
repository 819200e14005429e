"""gilbench: measure when Python code escapes the GIL and scales across cores.

One kernel, the exact sum of squares of a range, in eight backends: pure Python,
NumPy, and Cython, C++ (pybind11) and Rust (PyO3) each with the GIL released and
with it held.
"""

from gilbench.kernels.backends import (
    Backend,
    BackendUnavailable,
    backend_names,
    build_info,
    get_backend,
    native_threads,
)
from gilbench.kernels.domain import LIMIT, check_range

__all__ = [
    "LIMIT",
    "Backend",
    "BackendUnavailable",
    "backend_names",
    "build_info",
    "check_range",
    "get_backend",
    "native_threads",
]
__version__ = "0.1.0"
