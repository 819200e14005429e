"""Fixtures only (shared helpers are in ``helpers.py``).

Every test that takes ``backend`` runs once per backend; ``small_run`` is one real, tiny
run that the measure and report tests read (measured once per session).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import gilbench
from gilbench.results import RunResults
from helpers import ALL, measured, small_config


@pytest.fixture(params=ALL, scope="module")
def backend(request: pytest.FixtureRequest) -> gilbench.Backend:
    """Each backend in turn; an unavailable one fails the test, it is not skipped."""
    found = gilbench.get_backend(request.param)
    assert found.available, f"{found.name} is unavailable: {found.reason}"
    return found


@pytest.fixture(scope="session")
def small_run() -> RunResults:
    """python and numpy, sequential, threads and processes at 1 and 2 workers, 6 paired
    repeats, the GIL observed and the machine ceiling sampled: every field filled in."""
    return measured(small_config(observe_gil=True))


@pytest.fixture
def piped(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Output as when piped: nothing in the environment widens it or forces a terminal."""
    for name in ("COLUMNS", "LINES", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)
    yield
