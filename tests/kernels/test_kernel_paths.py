"""The native kernels have three loops: AVX-512 IFMA, AVX2 and portable.

Each module picks the best loop this CPU runs as it loads, or the one that
GILBENCH_KERNEL names, and says which (``kernel_path``) and which it could run
(``kernel_paths``, best first). The conformance suite runs in-process on the
loop this CPU picks; here it runs again, in a subprocess, on every loop this CPU
can run. Asking for a loop the CPU lacks, or for no loop at all, makes each
module's import fail with a message that says why. Where this CPU has every
loop, QEMU's user-mode emulator (``qemu-x86_64 -cpu Haswell``, if installed)
plays a CPU without them.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import gilbench

TESTS = Path(__file__).parent
MODULES = ["_cython", "_cpp", "_rust"]
LOOPS = ["avx512-ifma", "avx2", "portable"]  # best first
FLAGS = {"avx512-ifma": ["avx512f", "avx512ifma"], "avx2": ["avx2"], "portable": []}  # cpuinfo's
# CPUs for QEMU to emulate, and the loops each one runs.
EMULATED = {"Haswell-v4": ["avx2", "portable"], "Nehalem": ["portable"]}
# A build for the host CPU (GILBENCH_HOST_CPU=ON, -march=native) runs on this CPU only.
PORTABLE_BUILD = gilbench.build_info().get("host_cpu") != "ON"
QEMU = shutil.which("qemu-x86_64") if platform.machine() == "x86_64" and PORTABLE_BUILD else None

# Imports each module in a fresh interpreter: what it reports, or why it failed;
# and whether its loop sums two short ranges exactly, one at the top of the domain.
IMPORT_EACH = f"""
import importlib, json
ranges = [(0, 1000), (2**32 - 20_011, 2**32)]
found = {{}}
for name in {MODULES!r}:
    try:
        module = importlib.import_module("gilbench." + name)
    except ImportError as error:
        found[name] = {{"error": str(error)}}
    else:
        exact = all(module.sum_squares(a, b) == sum(i * i for i in range(a, b)) for a, b in ranges)
        paths = list(module.kernel_paths)
        found[name] = {{"path": module.kernel_path, "paths": paths, "exact": exact}}
print(json.dumps(found))
"""


def import_each(kernel: str | None, cpu: str | None = None) -> dict[str, dict]:
    """Each module's kernel_path and kernel_paths, or its import error, under GILBENCH_KERNEL.

    With ``cpu``, the interpreter runs on that CPU as QEMU emulates it.
    """
    env = {key: value for key, value in os.environ.items() if key != "GILBENCH_KERNEL"}
    if kernel is not None:
        env["GILBENCH_KERNEL"] = kernel
    emulator = [QEMU, "-cpu", cpu] if cpu else []
    done = subprocess.run(
        [*emulator, sys.executable, "-c", IMPORT_EACH],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def cpu_flags() -> set[str] | None:
    """The CPU's feature flags from /proc/cpuinfo (Linux); None where it cannot be told."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return None
    flags = next((line for line in lines if line.startswith("flags")), None)
    return set(flags.split(":", 1)[1].split()) if flags else None


@pytest.fixture(scope="module")
def runnable() -> list[str]:
    """The loops this CPU runs, best first, as all three modules report them."""
    found = import_each(None)
    paths = {tuple(found[name]["paths"]) for name in MODULES}
    assert len(paths) == 1, found
    return list(paths.pop())


def test_every_module_runs_the_best_loop_and_they_agree(runnable: list[str]) -> None:
    found = import_each(None)
    assert {found[name]["path"] for name in MODULES} == {runnable[0]}
    assert all(found[name]["exact"] for name in MODULES)
    assert runnable == [path for path in LOOPS if path in runnable]  # best first
    assert runnable[-1] == "portable"  # runs on any CPU
    if (flags := cpu_flags()) is not None and sys.platform == "linux":
        assert runnable == [path for path in LOOPS if flags.issuperset(FLAGS[path])]


@pytest.mark.parametrize("path", LOOPS)
def test_each_loop_this_cpu_runs_passes_the_conformance_suite(
    path: str, runnable: list[str]
) -> None:
    if path not in runnable:
        pytest.skip(f"this CPU lacks {', '.join(FLAGS[path])}: the {path} loop cannot run here")
    found = import_each(path)
    assert {found[name]["path"] for name in MODULES} == {path}, found
    suite = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
         str(TESTS / "test_conformance.py")],
        env={**os.environ, "GILBENCH_KERNEL": path},
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert suite.returncode == 0, suite.stdout[-3000:] + suite.stderr[-2000:]


def test_short_name_ifma_asks_for_the_ifma_loop(runnable: list[str]) -> None:
    found = import_each("ifma")
    if "avx512-ifma" in runnable:
        assert {found[name]["path"] for name in MODULES} == {"avx512-ifma"}
    else:
        assert all("avx512ifma" in found[name]["error"] for name in MODULES), found


@pytest.mark.parametrize("path", ["avx512-ifma", "avx2"])
def test_a_loop_the_cpu_lacks_fails_the_import_naming_the_feature(
    path: str, runnable: list[str]
) -> None:
    if path not in runnable:
        found = import_each(path)
    elif QEMU:
        found = import_each(path, cpu="Nehalem")  # a CPU with neither AVX2 nor IFMA
    else:
        pytest.skip(f"this CPU runs the {path} loop, and no emulator can play one that lacks it")
    for name in MODULES:
        error = found[name].get("error", "")
        assert error.startswith(f"GILBENCH_KERNEL={path} asks for the {path} loop"), found
        assert all(flag in error for flag in FLAGS[path]), found


@pytest.mark.skipif(QEMU is None, reason="needs qemu-x86_64 and a build not for this CPU only")
@pytest.mark.parametrize("cpu", EMULATED)
def test_a_cpu_without_ifma_or_avx2_runs_the_best_loop_it_has(cpu: str) -> None:
    """On Nehalem that is the portable loop, which no CPU with AVX2 runs unless asked to."""
    found = import_each(None, cpu=cpu)
    for name in MODULES:
        assert found[name] == {"path": EMULATED[cpu][0], "paths": EMULATED[cpu], "exact": True}


def test_an_unknown_loop_fails_the_import_naming_the_valid_ones() -> None:
    found = import_each("sse9")
    messages = {found[name].get("error") for name in MODULES}
    assert messages == {
        "GILBENCH_KERNEL=sse9 names no loop: choose ifma, avx2 or portable, "
        "or unset it for the best this CPU runs"
    }, found


def test_the_driver_lists_a_module_that_refused_as_unavailable_with_why() -> None:
    check = "import gilbench; b = gilbench.get_backend('cpp'); print(b.available, '|', b.reason)"
    done = subprocess.run(
        [sys.executable, "-c", check],
        env={**os.environ, "GILBENCH_KERNEL": "sse9"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.startswith("False | GILBENCH_KERNEL=sse9 names no loop"), done.stdout
