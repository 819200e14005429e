"""gilbench: measure when Python code escapes the GIL and scales across cores.

One kernel, the exact sum of squares of a range, in eight backends: pure Python,
NumPy, and Cython, C++ (pybind11) and Rust (PyO3) each with the GIL released and
with it held.  ``gilbench.probe(fn, *args, **kwargs)`` measures the user's own function
the same way.
"""

from typing import Any

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
    "Probe",
    "ProbeResults",
    "backend_names",
    "build_info",
    "check_range",
    "get_backend",
    "native_threads",
    "probe",
]
__version__ = "0.1.0"

_LAZY = {"probe": "gilbench.api", "Probe": "gilbench.api", "ProbeResults": "gilbench.results"}


def __getattr__(name: str) -> Any:
    # The probe pulls in the whole driver: loaded on first use, not by every worker's import.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'gilbench' has no attribute {name!r}")
