"""The picture: written in the format its extension names; a run with nothing to draw is a
clean error."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from gilbench.report import plot
from gilbench.report.plot import NothingToPlot, plot_run, title_for
from gilbench.results import RunResults
from helpers import pair, record, run_of

pytest.importorskip("matplotlib")

HEADS = {".png": b"\x89PNG", ".svg": b"<svg", ".pdf": b"%PDF"}


@pytest.mark.parametrize("suffix", list(HEADS))
def test_the_plot_is_written(small_run: RunResults, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"plot{suffix}"
    with warnings.catch_warnings():
        # On a free-threaded build the PDF writer's fontTools turns the GIL back on,
        # which CPython announces with a RuntimeWarning: plot_run says so in its note.
        warnings.simplefilter("error", RuntimeWarning)
        plot_run(small_run, path)
    assert HEADS[suffix] in path.read_bytes()[:400]


def test_a_plot_that_turns_the_gil_back_on_says_so(
    small_run: RunResults, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    enabled = iter([False, True])  # before writing, after
    monkeypatch.setattr(plot, "gil_enabled", lambda: next(enabled))
    note = plot_run(small_run, tmp_path / "p.png")
    assert note is not None and "turned the GIL back on" in note
    monkeypatch.setattr(plot, "gil_enabled", lambda: True)
    assert plot_run(small_run, tmp_path / "p.png") is None


def test_a_synthetic_run_with_a_twin_and_a_shaky_cell(tmp_path: Path) -> None:
    results = run_of(
        *pair("cpp", "threads", 1.95),
        *pair("cpp-gil", "threads", 1.0, releases_gil=False),
        *pair("numpy", "threads", 1.6, spread=0.3),  # inconclusive: ringed
        *pair("cpp", "threads", 3.5, workers=4),
        cpus=2,
    )
    plot_run(results, tmp_path / "p.png")
    assert (tmp_path / "p.png").stat().st_size > 0


def test_a_run_without_a_parallel_speedup_cannot_be_drawn(tmp_path: Path) -> None:
    results = run_of(record("cpp", "sequential", 1))
    with pytest.raises(NothingToPlot, match="no thread or process measurement"):
        plot_run(results, tmp_path / "p.png")
    assert not (tmp_path / "p.png").exists()


def test_the_title_says_what_is_missing() -> None:
    results = run_of(*pair("cpp", "threads", 1.95, ceiling=None))
    results.environment |= {"cpu_model": "Test CPU", "python": "CPython 3.x"}
    results.interrupted = True
    title = title_for(results)
    assert "weak scaling on Test CPU (2 usable cores)" in title
    assert "(machine ceiling not measured)" in title and "(interrupted: partial)" in title
