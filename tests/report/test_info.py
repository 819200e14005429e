"""``info`` as text: the interpreter and machine, every backend and every executor."""

from __future__ import annotations

import gilbench
from gilbench.environment import collect_environment
from gilbench.executors.registry import EXECUTORS
from gilbench.report.info import backend_versions, info_report
from helpers import render


def test_info_renders_every_backend_and_executor() -> None:
    environment = collect_environment()
    text = render(info_report(environment))
    for name in gilbench.backend_names():
        assert name in text
    for name in EXECUTORS:
        assert name in text
    assert "free-threaded build" in text and "GIL now" in text and "usable cores" in text
    assert "share one GIL" in text and "each have their own GIL" in text
    assert "build: cxx_compiler" in text


def test_an_unavailable_backend_and_executor_say_why() -> None:
    environment = collect_environment()
    environment["backends"][-1] |= {"available": False, "reason": "not built\nsecond line"}
    environment["executors"].append(
        {"name": "fibers", "shares_gil": True, "reason": "needs CPython 9\nmore"}
    )
    text = render(info_report(environment))
    assert "not built" in text and "second line" not in text
    assert "fibers" in text and "needs CPython 9" in text and "more" not in text


def test_versions_come_from_the_build() -> None:
    environment = {
        "build": {"CXX_Compiler": "GNU 12", "pybind11": "3.0"},
        "python": "CPython",
        "python_version": "3.11",
        "numpy_version": "2.1",
    }
    assert backend_versions({"toolchain": "pybind11"}, environment) == ("GNU 12", "3.0")
    assert backend_versions({"toolchain": "CPython"}, environment) == ("CPython", "3.11")
    assert backend_versions({"toolchain": "NumPy"}, environment) == ("\N{EM DASH}", "2.1")
    assert backend_versions({"toolchain": "PyO3"}, environment) == ("\N{EM DASH}",) * 2
