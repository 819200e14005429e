"""Numbers as people read them."""

from __future__ import annotations

import pytest

from gilbench.report import formatting
from gilbench.report.tables import describe_gil, environment_summary, interval

TIMES, DASH, NONE = formatting.TIMES, formatting.DASH, formatting.NONE


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.254, "1.25 s"), (0.0125, "12.5 ms"), (0.00048, "480 µs"), (None, NONE)],
)
def test_seconds(value: float | None, text: str) -> None:
    assert formatting.seconds(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(20_000_000, "20M"), (2**32, "4.29G"), (1000, "1k"), (999, "999")],
)
def test_count(value: int, text: str) -> None:
    assert formatting.count(value) == text


def test_ratios_and_percentages() -> None:
    assert formatting.ratio(1.955) == f"1.96{TIMES}" and formatting.ratio(None) == NONE
    assert formatting.percent(0.5) == "50%" and formatting.percent(None) == NONE


def test_an_interval_is_a_median_and_its_ends() -> None:
    assert interval(1.96, [1.91, 1.99]) == f"1.96{TIMES} [1.91{DASH}1.99]"
    assert interval(0.98, [0.95, 1.01], percent=True) == f"98% [95{DASH}101]"
    assert interval(1.5, None) == f"1.50{TIMES}" and interval(None, [1, 2]) == NONE


def test_the_environment_line() -> None:
    environment = {
        "python": "CPython 3.13.1 free-threaded",
        "gil_enabled": False,
        "usable_cpus": 2,
        "total_cpus": 8,
        "cpu_model": "Test CPU",
    }
    line = environment_summary(environment).plain
    assert line == "CPython 3.13.1 free-threaded · GIL disabled · 2 usable cores (of 8) · Test CPU"
    assert describe_gil({}) == "GIL enabled"
