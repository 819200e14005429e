"""``gilbench info``: the interpreter, its GIL, the machine and every backend's build."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from gilbench.report.formatting import NONE
from gilbench.report.tables import compact_table

# Keys the build may record for each toolchain; the first one present is shown.
_VERSION_KEYS = {
    "CPython": ("python",),
    "NumPy": ("numpy",),
    "Cython": ("cython",),
    "pybind11": ("pybind11",),
    "PyO3": ("pyo3",),
}
_COMPILER_KEYS = {
    "Cython": ("c_compiler", "cc", "c", "cxx_compiler", "cxx", "c++"),
    "pybind11": ("cxx_compiler", "cxx", "c++", "cpp"),
    "PyO3": ("rustc", "cargo", "rust"),
}


def _lookup(build: dict[str, str], keys: tuple[str, ...]) -> str | None:
    lowered = {key.lower(): value for key, value in build.items()}
    for key in keys:
        if lowered.get(key):  # an empty value: the build could not tell
            return lowered[key]
    return None


def backend_versions(backend: dict[str, Any], environment: dict[str, Any]) -> tuple[str, str]:
    """(compiler, version) for a backend row; a dash where the build did not say."""
    toolchain = backend["toolchain"]
    build = environment.get("build") or {}
    if toolchain == "CPython":
        return environment.get("python", NONE), environment.get("python_version", NONE)
    if toolchain == "NumPy":
        return NONE, environment.get("numpy_version") or NONE
    compiler = _lookup(build, _COMPILER_KEYS.get(toolchain, ())) or NONE
    version = _lookup(build, _VERSION_KEYS.get(toolchain, ())) or NONE
    return compiler, version


def environment_table(environment: dict[str, Any]) -> Table:
    table = Table(
        show_header=False, box=None, title="interpreter and machine", title_justify="left"
    )
    table.add_column(style="bold")
    table.add_column()
    gil = "enabled" if environment["gil_enabled"] else "disabled"
    rows = [
        ("python", f"{environment['python']} ({environment['executable']})"),
        ("free-threaded build", "yes" if environment["free_threaded"] else "no"),
        ("GIL now", gil),
        (
            "usable cores",
            f"{environment['usable_cpus']} (the machine has {environment['total_cpus']})",
        ),
        ("CPU", environment["cpu_model"]),
        ("platform", environment["platform"]),
        ("gilbench", environment["gilbench_version"]),
        ("numpy", environment.get("numpy_version") or "not installed"),
    ]
    if environment.get("load_average"):
        rows.append(("load average", ", ".join(f"{x:.2f}" for x in environment["load_average"])))
    for key, value in (environment.get("build") or {}).items():
        rows.append((f"build: {key}", str(value)))
    for key, value in rows:
        table.add_row(key, value)
    return table


def backends_table(environment: dict[str, Any]) -> Table:
    table = compact_table("backends")
    for column in ("backend", "avail-\nable", "GIL", "toolchain", "compiler", "loop"):
        table.add_column(column)
    table.add_column("where the GIL is released or held", overflow="fold")
    for backend in environment["backends"]:
        compiler, version = backend_versions(backend, environment)
        if backend["available"]:
            available, where = Text("yes", style="green"), backend["source"]
        else:
            available = Text("no", style="red")
            where = Text((backend["reason"] or "").splitlines()[0], style="red")
        toolchain = backend["toolchain"]
        table.add_row(
            backend["name"],
            available,
            "released" if backend["releases_gil"] else "held",
            toolchain if version == NONE or toolchain == "CPython" else f"{toolchain} {version}",
            NONE if toolchain == "CPython" else " ".join(compiler.split()[:2]),
            backend.get("kernel_path") or NONE,
            where,
        )
    return table


def executors_table(environment: dict[str, Any]) -> Table:
    table = compact_table("executors")
    for column in ("executor", "avail-\nable", "workers"):
        table.add_column(column)
    table.add_column("why not", overflow="fold")
    for executor in environment.get("executors", []):
        ok = executor["reason"] is None
        table.add_row(
            executor["name"],
            Text("yes", style="green") if ok else Text("no", style="red"),
            "share one GIL" if executor["shares_gil"] else "each have their own GIL",
            "" if ok else Text(executor["reason"].splitlines()[0], style="red"),
        )
    return table


def info_report(environment: dict[str, Any]) -> RenderableType:
    return Group(
        environment_table(environment),
        Text(""),
        backends_table(environment),
        Text(""),
        executors_table(environment),
    )
