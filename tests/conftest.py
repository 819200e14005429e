"""Shared fixtures: every test that takes ``backend`` runs once per backend."""

from __future__ import annotations

import pytest

import gilbench

ALL = gilbench.backend_names()
NATIVE = [name for name in ALL if name not in ("python", "numpy")]


@pytest.fixture(params=ALL, scope="module")
def backend(request: pytest.FixtureRequest) -> gilbench.Backend:
    """Each backend in turn; an unavailable one fails the test, it is not skipped."""
    found = gilbench.get_backend(request.param)
    assert found.available, f"{found.name} is unavailable: {found.reason}"
    return found


def max_span(backend: gilbench.Backend) -> int:
    """The longest range a property test gives this backend (pure Python is ~1000x slower)."""
    return 2_000 if backend.name == "python" else 2_000_000
