"""Without Dask's distributed the Dask executors are listed unavailable, with the command
that installs it, by ``gilbench info`` and by a run that asks for them: never a traceback.

distributed is hidden from the import system here, so these run whether it is installed
or not (``test_dask.py`` covers the executors themselves, where it is).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import pytest

import gilbench
from gilbench import cli
from gilbench.executors import dask_cluster
from gilbench.executors.dask_cluster import INSTALL, DaskProcesses, DaskThreads
from gilbench.measure.stats import MIN_REPEATS
from helpers import assert_fits_a_pipe

DASK = (DaskThreads, DaskProcesses)
TINY = ("--workers", "2", "--n", "20000", "--repeat", str(MIN_REPEATS), "--budget", "1")


@pytest.fixture
def without_distributed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: object, **kwargs: object) -> object:
        return None if name == "distributed" else real(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    dask_cluster._missing.cache_clear()
    yield
    dask_cluster._missing.cache_clear()


@pytest.mark.parametrize("cls", DASK, ids=lambda c: c.name)
def test_each_says_why_in_one_line_with_the_install_command(
    without_distributed: None, cls: type
) -> None:
    why = cls.unavailable()
    assert why is not None and "\n" not in why and INSTALL in why
    assert cls.refuses(gilbench.get_backend("python")) == why


def test_info_lists_them_unavailable_with_the_install_command(
    without_distributed: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    assert_fits_a_pipe(out)
    rows = [" ".join(line.split()) for line in out.splitlines() if line.startswith("dask-")]
    assert [row.split()[:2] for row in rows] == [["dask-threads", "no"], ["dask-processes", "no"]]
    assert " ".join(out.split()).count(INSTALL) == 2


def test_a_run_that_asks_for_one_says_why_and_runs_the_rest(
    without_distributed: None, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "run",
        "--backends",
        "python",
        "--executors",
        "threads,dask-threads",
        *TINY,
        "--no-progress",
    ]
    assert cli.main(argv) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "dask-threads: cannot run any backend here: needs Dask's distributed" in out
    assert INSTALL in out and "threads: one ThreadPoolExecutor thread" in out
