"""The native kernels have two loops: AVX-512 IFMA where the CPU has it, portable elsewhere.

Each module picks one when it loads. The conformance suite runs on the one this CPU
picks; here it runs again on the portable loop (GILBENCH_KERNEL=portable), so both
are checked on a CPU that has IFMA.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import gilbench

NATIVE = ["cython", "cython-gil", "cpp", "cpp-gil", "rust", "rust-gil"]
TESTS = Path(__file__).parent


def cpu_has_ifma() -> bool | None:
    """From /proc/cpuinfo (Linux x86-64); None where it cannot be told."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return None
    if "flags" not in flags:
        return None
    return " avx512ifma" in flags and " avx512f" in flags


@pytest.mark.parametrize("name", NATIVE)
def test_each_module_reports_the_loop_this_cpu_takes(name: str) -> None:
    path = gilbench.get_backend(name).kernel_path
    assert path in {"avx512-ifma", "portable"}
    if os.environ.get("GILBENCH_KERNEL") == "portable":
        assert path == "portable"
    elif (has_ifma := cpu_has_ifma()) is not None:
        assert (path == "avx512-ifma") == has_ifma


def test_the_portable_loop_passes_the_conformance_suite() -> None:
    env = {**os.environ, "GILBENCH_KERNEL": "portable"}
    check = f"import gilbench as g; print({{g.get_backend(n).kernel_path for n in {NATIVE!r}}})"
    paths = subprocess.run(
        [sys.executable, "-c", check], env=env, capture_output=True, text=True, check=True
    )
    assert paths.stdout.strip() == "{'portable'}"
    suite = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-x",
            str(TESTS / "test_conformance.py"),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert suite.returncode == 0, suite.stdout[-3000:] + suite.stderr[-2000:]
