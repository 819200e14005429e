"""Every executor gilbench knows, in the order reports show them.

A new executor is one file in this folder and one line here: the command line's
``--executors`` choices and options, the report headings, the verdicts and
``compare`` all read this list.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from gilbench.executors.base import Executor, ExecutorOption
from gilbench.executors.dask_cluster import DaskProcesses, DaskThreads
from gilbench.executors.interpreters import Interpreters
from gilbench.executors.processes import Processes
from gilbench.executors.sequential import Sequential
from gilbench.executors.threads import Threads

EXECUTORS: dict[str, type[Executor]] = {
    cls.name: cls
    for cls in (
        Sequential,
        Threads,
        Processes,
        Interpreters,
        DaskThreads,
        DaskProcesses,
    )
}

BASELINE = Sequential.name


def executor_names() -> list[str]:
    return list(EXECUTORS)


def parallel_names() -> list[str]:
    """Every executor but the sequential baseline."""
    return [name for name in EXECUTORS if name != BASELINE]


def default_names() -> list[str]:
    """The parallel executors measured when none are named: available here, and not opt-in."""
    return [
        name
        for name in parallel_names()
        if EXECUTORS[name].by_default and EXECUTORS[name].unavailable() is None
    ]


def get_executor(name: str) -> type[Executor]:
    """The executor class called ``name``; ``ValueError`` listing the valid names."""
    try:
        return EXECUTORS[name]
    except KeyError:
        raise ValueError(
            f"unknown executor {name!r}; choose from: {', '.join(EXECUTORS)}"
        ) from None


def executor_options() -> list[ExecutorOption]:
    """Every option any executor declares, once each."""
    found: dict[str, ExecutorOption] = {}
    for cls in EXECUTORS.values():
        for option in cls.options:
            found.setdefault(option.flag, option)
    return list(found.values())


def heading(name: str, gil_enabled: bool = True) -> str:
    cls = EXECUTORS.get(name)
    return cls.heading(gil_enabled) if cls else name


def shares_gil(name: str) -> bool:
    cls = EXECUTORS.get(name)
    return bool(cls and cls.shares_gil)


@contextlib.contextmanager
def started(
    names: Sequence[str],
    workers: int,
    startups: list[dict[str, Any]],
    settings: dict[str, Any] | None = None,
) -> Iterator[list[Executor]]:
    """Start each executor once, recording its start-up time in ``startups``.

    They are closed when the block ends; if anything escapes it (Ctrl-C, a dead
    worker), every worker is terminated before the exception goes on up.
    """
    executors: list[Executor] = []
    try:
        for name in names:
            executor = get_executor(name)(workers, settings)
            executors.append(executor)
            startup = executor.start()
            if startup is not None:
                startups.append({"executor": name, "workers": workers, "startup_s": startup})
                if (description := executor.description()) is not None:
                    startups[-1]["description"] = description
        yield executors
    except BaseException:
        for executor in executors:
            executor.terminate()
        raise
    for executor in executors:
        executor.close()
