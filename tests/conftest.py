"""Shared fixtures and helpers: every test that takes ``backend`` runs once per backend."""

from __future__ import annotations

import argparse

import pytest
from rich.console import Console

import gilbench
from gilbench import cli

ALL = gilbench.backend_names()
NATIVE = [name for name in ALL if name not in ("python", "numpy")]
FAST = ["python", "numpy"]  # always available; the native ones join when built


@pytest.fixture(params=ALL, scope="module")
def backend(request: pytest.FixtureRequest) -> gilbench.Backend:
    """Each backend in turn; an unavailable one fails the test, it is not skipped."""
    found = gilbench.get_backend(request.param)
    assert found.available, f"{found.name} is unavailable: {found.reason}"
    return found


def max_span(backend: gilbench.Backend) -> int:
    """The longest range a property test gives this backend (pure Python is ~1000x slower)."""
    return 2_000 if backend.name == "python" else 2_000_000


def parse(*argv: str) -> argparse.Namespace:
    """The command line's options, as ``gilbench`` would parse them."""
    return cli.build_parser().parse_args(list(argv))


def error_of(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run main() with bad options: it must exit 2 with exactly one line on stderr."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main(list(argv))
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


def render(renderable: object) -> str:
    """What a report prints, as plain text, wide enough that nothing wraps."""
    console = Console(record=True, width=200, color_system=None)
    console.print(renderable)
    return console.export_text()
