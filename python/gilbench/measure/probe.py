"""``gilbench probe``: the run's measurement, for one function of the user's.

Before anything is timed, the function is called once here: that first result is the
answer every task is checked against (unless ``check`` is off), its duration decides
how many calls make one task (calls under about 10 ms are repeated in a loop sized
to ``task_seconds``), and whatever thread pools it loaded (BLAS, OpenMP) are listed.
Then the function is measured exactly as ``run`` measures a backend: its hold on the
GIL observed directly, paired repeats against the sequential baseline, intervals
and verdicts.  Executors that run the function in another process or interpreter
rebuild it from a pickled :class:`Call`, written to a temporary folder for the run.
"""

from __future__ import annotations

import os
import pickle
import reprlib
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from gilbench.executors.registry import get_executor
from gilbench.kernels.function import (
    Call,
    CallFailed,
    FunctionKernel,
    function_kernel,
    write_call,
)
from gilbench.measure.run import ProgressCallback, RunConfig, run
from gilbench.results import ProbeResults

LOOP_BELOW_S = 0.01
"""A call shorter than this is repeated within a task: alone, an executor's own cost per
task (50-500 µs for a process pool) would be a large part of what is timed."""


@dataclass
class ProbeConfig:
    executors: list[str]
    workers: list[int]
    task_seconds: float = 0.2  # one task, when calls are looped to last long enough
    min_repeat: int = 9
    budget_s: float = 60.0
    pin: bool = True
    check: bool = True
    settings: dict[str, Any] = field(default_factory=dict)  # executor options

    def run_config(self, name: str, task_seconds: float) -> RunConfig:
        return RunConfig(
            backends=[name],
            executors=self.executors,
            workers=self.workers,
            task_seconds=task_seconds,
            min_repeat=self.min_repeat,
            budget_s=self.budget_s,
            pin=self.pin,
            settings=self.settings,
        )


@dataclass
class Target:
    """What to probe: the function and its arguments, or a setup factory that makes them."""

    function: Callable[..., Any]
    name: str  # as reports show it: "zlib.compress"
    reference: str | None  # MODULE:NAME, when another process can import it by name
    stays_here: str | None = None  # why it cannot leave this process
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    setup: str | None = None  # MODULE:FACTORY, called once in each worker

    def describe_arguments(self) -> str:
        shown = [reprlib.repr(a) for a in self.args]
        shown += [f"{k}={reprlib.repr(v)}" for k, v in self.kwargs.items()]
        said = ", ".join(shown)
        if self.setup:
            said = f"*{self.setup}()" + (f", {said}" if said else "")
        return f"{self.name}({said})"


def prepare(target: Target, config: ProbeConfig, folder: str) -> tuple[FunctionKernel, dict]:
    """The kernel to measure and what the report says about the call; ``CallFailed`` if the
    function (or its setup) raises, or if its result cannot come back from a worker."""
    call = None
    stays_here = target.stays_here
    if target.reference is not None:
        call = Call(target.reference, target.args, target.kwargs, target.setup, tuple(sys.path))
    args, kwargs = call.arguments() if call else (target.args, target.kwargs)
    kernel = function_kernel(target.name, target.function, args, kwargs, stays_here)
    began = time.perf_counter()
    try:
        first = kernel.task(0, 1)
    except Exception as error:
        said = f"{target.describe_arguments()} raised {type(error).__name__}: {error}"
        raise CallFailed(said) from error
    call_s = time.perf_counter() - began
    if call is not None and stays_here is None:
        path = os.path.join(folder, "call.pickle")
        stays_here = write_call(call, path)
        kernel = replace(kernel, ref_path=path)
    kernel = replace(kernel, reference=first, checked=config.check, stays_here=stays_here)
    leaving = [
        name
        for name in config.executors
        if get_executor(name).runs_elsewhere and get_executor(name).refuses(kernel) is None
    ]
    if leaving:
        try:
            pickle.dumps(first)
        except Exception as error:
            raise CallFailed(
                f"{leaving[0]}: the result of {target.name}, a {type(first).__name__}, cannot be "
                f"pickled to come back from a worker ({error}); leave {', '.join(leaving)} out "
                "with --executors threads"
            ) from None
    described = {
        "name": target.name,
        "reference": target.reference,
        "arguments": target.describe_arguments(),
        "setup": target.setup,
        "first_call_s": call_s,
        "checked": config.check,
        "result_type": type(first).__name__,
        "result": reprlib.repr(first),
        "stays_here": stays_here,
        "pools": thread_pools(),
    }
    return kernel, described


def thread_pools() -> list[dict[str, Any]]:
    """The native thread pools loaded in this process (BLAS, OpenMP) with more than one
    thread: a call into one of them keeps several cores busy on its own."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # a dependency; without it the pools go unlisted, not the probe
        return []
    return [
        {k: pool.get(k) for k in ("user_api", "internal_api", "num_threads", "prefix")}
        for pool in threadpool_info()
        if (pool.get("num_threads") or 1) > 1
    ]


def probe_run(
    target: Target,
    config: ProbeConfig,
    results: ProbeResults,
    on_progress: ProgressCallback | None = None,
) -> ProbeResults:
    """Probe ``target`` into ``results`` (filled in place, as it goes)."""
    with tempfile.TemporaryDirectory(prefix="gilbench-probe-") as folder:
        if on_progress is not None:
            on_progress(0, 1, f"calling {target.name} once")
        kernel, results.function = prepare(target, config, folder)
        if kernel.stays_here is not None:
            results.warnings.append(f"in this process only (threads): {kernel.stays_here}")
        call_s = results.function["first_call_s"]
        # A call long enough to time alone is one task; a shorter one is looped.
        task_s = config.task_seconds if call_s < LOOP_BELOW_S else call_s
        run_config = config.run_config(kernel.name, task_s)
        run(run_config, results, on_progress, kernels=[kernel])
    return results
