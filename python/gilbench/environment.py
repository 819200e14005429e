"""Where a result was measured: interpreter, GIL state, cores, CPU, builds.

Collected with every run (as pyperf does), so a saved result can be read and
compared later without guessing the machine.
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
import sysconfig
from importlib import metadata
from typing import Any

import gilbench
from gilbench.executors.registry import EXECUTORS
from gilbench.kernels.backends import backend_names, build_info, get_backend


def usable_cpus() -> int:
    """Cores this process may run on (affinity, cgroups), never the machine's total."""
    if hasattr(os, "process_cpu_count"):  # 3.13+
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # macOS and Windows have no affinity call


def free_threaded_build() -> bool:
    """Whether this interpreter was built with ``--disable-gil`` (3.13t and later)."""
    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def gil_enabled() -> bool:
    """Whether the GIL is enabled right now.

    A free-threaded build re-enables it when it imports an extension module that
    did not declare free-threading support, so ask after importing the backends.
    """
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    return True if is_enabled is None else bool(is_enabled())


def cpu_model() -> str:
    """The CPU's marketing name, or the best the platform offers."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as cpuinfo:
            named = cpu_model_from_cpuinfo(cpuinfo.read())
        if named:
            return named
    except OSError:
        pass
    if sys.platform == "darwin":
        try:
            return subprocess.run(
                ["sysctl", "-n", "machdep.cpu.brand_string"],
                capture_output=True,
                text=True,
                timeout=5,
                check=True,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    return platform.processor() or platform.machine() or "unknown CPU"


def cpu_model_from_cpuinfo(text: str) -> str | None:
    """The first CPU's name in /proc/cpuinfo's text, or None if it has none.

    A virtual machine may hide the model number ("AMD EPYC"), and then two CPU
    generations that run the kernels at different speeds read the same. Where the
    name holds no digit, the x86 family and model numbers follow it, e.g. "AMD
    EPYC (family 26, model 2)".
    """
    fields: dict[str, str] = {}  # each key's first value: the first CPU's
    for line in text.splitlines():
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    name = next((fields[k] for k in ("model name", "Hardware", "cpu model") if fields.get(k)), None)
    if name and not any(c.isdigit() for c in name) and "cpu family" in fields:
        return f"{name} (family {fields['cpu family']}, model {fields.get('model', '?')})"
    return name


def python_label() -> str:
    """E.g. ``CPython 3.13.1 free-threaded``."""
    label = f"{platform.python_implementation()} {platform.python_version()}"
    return label + (" free-threaded" if free_threaded_build() else "")


def _version_of(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def backend_info() -> list[dict[str, Any]]:
    """Every backend with its availability, toolchain and where its GIL handling lives."""
    rows = []
    for name in backend_names():
        backend = get_backend(name)
        rows.append(
            {
                "name": name,
                "available": backend.available,
                "reason": backend.reason,
                "releases_gil": backend.releases_gil,
                "toolchain": backend.toolchain,
                "source": backend.source,
                "kernel_path": backend.kernel_path,
            }
        )
    return rows


def executor_info() -> list[dict[str, Any]]:
    """Every executor with whether it can run on this interpreter, and why not."""
    return [
        {"name": name, "shares_gil": cls.shares_gil, "reason": cls.unavailable()}
        for name, cls in EXECUTORS.items()
    ]


def collect_environment() -> dict[str, Any]:
    """Everything a result needs to be read later; the backends are imported first."""
    backends = backend_info()  # imports every backend before reading the GIL state
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "python": python_label(),
        "python_version": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "gil_enabled": gil_enabled(),
        "free_threaded": free_threaded_build(),
        "usable_cpus": usable_cpus(),
        "total_cpus": os.cpu_count(),
        "cpu_model": cpu_model(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "hostname": platform.node(),
        "load_average": list(load) if load else None,
        "gilbench_version": gilbench.__version__,
        "numpy_version": _version_of("numpy"),
        "build": build_info(),
        "backends": backends,
        "executors": executor_info(),
        "timestamp": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
