"""The registry: every executor once, the baseline apart, and ``started`` for their lifetime."""

from __future__ import annotations

import multiprocessing

import pytest

import gilbench
from gilbench.executors import registry
from gilbench.executors.base import Executor
from gilbench.executors.processes import Processes, default_start_method
from gilbench.executors.registry import (
    BASELINE,
    EXECUTORS,
    executor_names,
    executor_options,
    get_executor,
    heading,
    parallel_names,
    shares_gil,
    started,
)
from gilbench.executors.sequential import Sequential
from gilbench.executors.threads import Threads
from helpers import fake_kernel


def test_every_executor_once_in_report_order() -> None:
    names = executor_names()
    assert names[:3] == ["sequential", "threads", "processes"]  # more may follow
    assert len(set(names)) == len(names)
    assert BASELINE == names[0] == "sequential"
    assert parallel_names() == names[1:]
    assert [EXECUTORS[n] for n in names[:3]] == [Sequential, Threads, Processes]


@pytest.mark.parametrize("cls", list(EXECUTORS.values()), ids=list(EXECUTORS))
def test_every_executor_describes_itself(cls: type[Executor]) -> None:
    assert cls.name in cls.title and cls.title.startswith(f"{cls.name}:")
    assert isinstance(cls.shares_gil, bool)
    assert get_executor(cls.name) is cls
    why = cls.unavailable()
    if cls in (Sequential, Threads, Processes):
        assert why is None  # these run on every CPython, GIL or not
    if why is not None:  # one line that says what is missing, and refuses every kernel
        assert why.strip() and "\n" not in why
        assert cls.refuses(gilbench.get_backend("python")) is not None
    elif cls in (Sequential, Threads):
        assert cls.refuses(fake_kernel(lambda a, b: 0)) is None
    else:  # a worker in another interpreter finds the kernel by its ref: python is found
        assert cls.refuses(gilbench.get_backend("python")) is None


def test_only_available_executors_are_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from helpers import resolved

    expected = [
        n
        for n in parallel_names()
        if get_executor(n).unavailable() is None and get_executor(n).by_default
    ]
    assert resolved("run").executors == expected
    assert {"threads", "processes"} <= set(expected)
    assert not {"dask-threads", "dask-processes"} & set(expected)  # opt-in: a cluster to start


def test_which_executors_share_one_gil() -> None:
    assert shares_gil("sequential") and shares_gil("threads")
    assert not shares_gil("processes")
    for name, cls in EXECUTORS.items():
        assert shares_gil(name) is cls.shares_gil
    assert not shares_gil("fibers")  # unknown: nothing is claimed


def test_headings_say_what_the_gil_means_here() -> None:
    assert heading("threads", True).endswith("one GIL shared")
    assert heading("threads", False).endswith("no GIL on this build")
    assert heading("processes", True) == Processes.title == heading("processes", False)
    assert heading("fibers") == "fibers"


def test_unknown_executor_lists_the_valid_names() -> None:
    with pytest.raises(ValueError, match="unknown executor 'fibers'; choose from: sequential"):
        get_executor("fibers")


def test_processes_add_the_start_method_option() -> None:
    flags = [o.flag for o in executor_options()]
    assert len(set(flags)) == len(flags)
    (option,) = [o for o in executor_options() if o.flag == "--start-method"]
    assert option in Processes.options
    assert option.flag == "--start-method" and option.dest == "start_method"
    assert option.default == default_start_method()
    assert set(option.choices or ()) == set(multiprocessing.get_all_start_methods())
    assert default_start_method() in ("forkserver", "spawn")


def test_started_times_each_pool_once_and_closes_them() -> None:
    startups: list[dict] = []
    with started(["sequential", "threads"], 2, startups) as executors:
        assert [e.name for e in executors] == ["sequential", "threads"]
        assert all(e.workers == 2 for e in executors)
        threads = executors[1]
        assert threads.run(fake_kernel(lambda a, b: b - a), [(0, 3), (1, 5)]) == [
            (3, None),
            (4, None),
        ]
    assert len(startups) == 1  # the sequential baseline has nothing to start
    (startup,) = startups
    assert startup["executor"] == "threads" and startup["workers"] == 2
    assert startup["startup_s"] > 0
    assert threads._pool is None  # closed


def test_started_terminates_every_executor_when_something_escapes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stopped: list[str] = []
    monkeypatch.setattr(Threads, "terminate", lambda self: stopped.append("threads"))
    monkeypatch.setattr(Sequential, "terminate", lambda self: stopped.append("sequential"))
    with pytest.raises(KeyboardInterrupt), started(["sequential", "threads"], 1, []):
        raise KeyboardInterrupt
    assert stopped == ["sequential", "threads"]


def test_an_executor_that_cannot_start_is_terminated_too(monkeypatch: pytest.MonkeyPatch) -> None:
    stopped: list[str] = []

    def fail(self: Threads) -> float:
        raise OSError("no threads left")

    monkeypatch.setattr(Threads, "start", fail)
    monkeypatch.setattr(Threads, "terminate", lambda self: stopped.append("threads"))
    with pytest.raises(OSError, match="no threads left"), started(["threads"], 2, []):
        pytest.fail("the block must not run")
    assert stopped == ["threads"]


def test_the_registry_is_what_the_command_line_offers() -> None:
    from gilbench import options

    assert options.executor_list("processes,threads") == ["threads", "processes"]
    assert options.executor_list(",".join(parallel_names())) == parallel_names()
    assert options.executor_list("processes,sequential,threads") == ["threads", "processes"]
    assert [o.flags[0] for o in options.EXECUTOR_OPTIONS] == [
        o.flag for o in registry.executor_options()
    ]
