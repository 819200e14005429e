"""One flow for every command: resolve, measure, analyse, render, export.

A :class:`Study` is what a command measures: its results (the envelope), a plan in
words, the measurement, what to conclude when it stops (finished or not), the
renderer and the files it can write.  ``execute`` runs any of them the same way:
whatever happens during the measurement (it finishes, a worker dies, the user presses
Ctrl-C), what was measured is analysed, printed and saved before the exit status is
returned.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console, RenderableType

from gilbench.environment import collect_environment, gil_enabled
from gilbench.executors.base import ExecutorFailed, pin_refusal
from gilbench.kernels.function import CallFailed
from gilbench.measure.timing import BackendFailed, WrongResult
from gilbench.options import Command, executor_settings
from gilbench.results import Results, save_csv, save_json

ProgressCallback = Callable[[int, int, str], None]  # (done, total, what is running now)
Writer = Callable[[Results, str], str | None]  # returns a note to show, if any


@dataclass
class Study:
    results: Results
    plan: str
    measure: Callable[[ProgressCallback | None], object]
    render: Callable[[Results], RenderableType]
    finish: Callable[[Results], None] = lambda results: None
    writers: dict[str, Writer] = field(default_factory=dict)  # option dest: writer


def stdout_console() -> Console:
    """Plain text when piped (no colour), at most 100 columns wide."""
    piped = not sys.stdout.isatty()
    width = 100 if piped and "COLUMNS" not in os.environ else None
    return Console(width=width, highlight=False, no_color=piped or None)


def show(console: Console, renderable: RenderableType, style: str | None = None) -> None:
    """Print; when piped, without the spaces rich pads each line's end with."""
    if console.is_terminal:
        console.print(renderable, style=style)
        return
    with console.capture() as captured:
        console.print(renderable, style=style)
    text = "\n".join(line.rstrip() for line in captured.get().splitlines())
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def saved(path: str, note: str | None) -> str:
    """The line that says a file was written, with the writer's note if it had one."""
    return f"saved {path}" + (f" ({note})" if note else "")


def print_error(message: str) -> None:
    print(f"gilbench: error: {message}", file=sys.stderr)


@contextlib.contextmanager
def _progress_bar(enabled: bool) -> Iterator[ProgressCallback | None]:
    console = Console(stderr=True)
    if not enabled or not console.is_terminal:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description:<44}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("starting", total=None)

        def update(done: int, total: int, label: str) -> None:
            progress.update(task, completed=done, total=total, description=label)

        yield update


def _measure(study: Study, show_progress: bool) -> int:
    """Run the measurement under a progress bar: 0 done, 130 Ctrl-C, 1 a failed run (a dead
    worker, an executor that could not start, a wrong result, a failing backend)."""
    try:
        with _progress_bar(show_progress) as on_progress:
            study.measure(on_progress)
    except KeyboardInterrupt:
        study.results.interrupted = True
        # A second Ctrl-C while the partial results are written leaves at once.
        signal.signal(signal.SIGINT, lambda *_: os._exit(130))
        return 130
    except (ExecutorFailed, WrongResult, BackendFailed, CallFailed) as error:
        study.results.error = str(error)
        return 1
    return 0


def execute(command: Command, values: argparse.Namespace) -> int:
    """Run one command end to end; its exit status."""
    if command.name in SIMPLE:
        return SIMPLE[command.name](values)
    study = STUDIES[command.name](values)
    console = stdout_console()
    from gilbench.report.tables import environment_summary

    show(console, environment_summary(study.results.environment))
    show(console, study.plan, style="dim")
    previous_handler = signal.getsignal(signal.SIGINT)
    status = _measure(study, not values.no_progress)
    try:
        if gil_enabled() != study.results.environment["gil_enabled"]:
            study.results.warnings.append(
                "the GIL state changed during the run (a module re-enabled it)"
            )
            study.results.environment["gil_enabled"] = gil_enabled()
        study.finish(study.results)
        show(console, study.render(study.results))
        if not _save(study, values, console) and status == 0:
            status = 1
    finally:
        signal.signal(signal.SIGINT, previous_handler)
    if study.results.error:
        print_error(study.results.error)
    if status == 130:
        _leave_now_if_threads_busy(status)
    return status


def _save(study: Study, values: argparse.Namespace, console: Console) -> bool:
    """Write the files asked for; False (and a one-line error) if one could not be."""
    from gilbench.report.plot import NothingToPlot

    saved_all = True
    for dest, write in study.writers.items():
        path = getattr(values, dest, None)
        if not path:
            continue
        try:
            show(console, saved(path, write(study.results, path)), style="dim")
        except (OSError, NothingToPlot) as error:
            print_error(f"could not write {path}: {error}")
            saved_all = False
    return saved_all


def _leave_now_if_threads_busy(status: int) -> None:
    """Leave without waiting for pool threads still inside a kernel (they cannot be stopped)."""
    busy = [
        t
        for t in threading.enumerate()
        if t is not threading.main_thread() and not t.daemon and t.is_alive()
    ]
    if busy:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


# --- the studies ------------------------------------------------------------------------


def _pin_if_possible(config: Any, results: Results) -> None:
    """Pinning asked for where the OS cannot: run unpinned, and say so in the results."""
    if (refusal := pin_refusal(config.pin)) is not None:
        config.pin = False
        results.warnings.append(refusal)


def _run_study(values: argparse.Namespace, seed: bool = False) -> Study:
    from gilbench.measure import analysis
    from gilbench.measure.run import RunConfig, run
    from gilbench.report.plot import plot_run
    from gilbench.report.run import run_report
    from gilbench.report.seed import seed_report
    from gilbench.results import RunResults

    config = RunConfig(
        backends=values.backends,
        executors=values.executors,
        workers=values.workers,
        mode=getattr(values, "mode", "weak"),
        n=values.n,
        min_repeat=values.repeat,
        task_seconds=values.task_seconds or 0.3,
        budget_s=values.budget,
        settings=executor_settings(values),
        pin=values.pin,
    )
    results = RunResults(collect_environment(), config.to_dict())
    cores = results.environment["usable_cpus"]
    if max(config.workers) > cores:
        results.warnings.append(
            f"{max(config.workers)} workers asked for, but only {cores} cores are usable here: "
            "expect no speedup beyond that"
        )
    _pin_if_possible(config, results)
    plural = "s" if len(config.backends) > 1 else ""
    plan = (
        f"measuring {len(config.backends)} backend{plural} ({', '.join(config.backends)}) "
        f"sequentially and on {', '.join(config.executors)} at "
        f"{', '.join(map(str, config.workers))} workers, {config.mode} scaling, at least "
        f"{config.min_repeat} paired repeats (more while intervals are wide, within "
        f"{config.budget_s:g} s)" + (", each worker pinned to a core" if config.pin else "")
    )
    return Study(
        results,
        plan,
        lambda progress: run(config, results, progress),
        seed_report if seed else run_report,
        analysis.finish_run,
        {"json": save_json, "csv": save_csv, **({} if seed else {"plot": plot_run})},
    )


def _probe_study(values: argparse.Namespace) -> Study:
    from gilbench.kernels.function import display_name, find
    from gilbench.measure import analysis
    from gilbench.measure.probe import ProbeConfig, Target, probe_run
    from gilbench.report.plot import plot_run
    from gilbench.report.probe import probe_report
    from gilbench.results import ProbeResults

    config = ProbeConfig(
        executors=values.executors,
        workers=values.workers,
        task_seconds=values.task_seconds,
        min_repeat=values.repeat,
        budget_s=values.budget,
        pin=values.pin,
        check=not values.no_check,
        settings=executor_settings(values),
    )
    function = find(values.function)
    target = Target(
        function,
        display_name(function, values.function),
        values.function,
        args=tuple(values.args or ()),
        kwargs=values.kwargs or {},
        setup=values.setup,
    )
    results = ProbeResults(collect_environment(), {})
    _pin_if_possible(config, results)
    plan = (
        f"probing {target.describe_arguments()} sequentially and on "
        f"{', '.join(config.executors)} at {', '.join(map(str, config.workers))} workers: "
        f"its hold on the GIL, then at least {config.min_repeat} paired repeats (more while "
        f"intervals are wide, within {config.budget_s:g} s)"
    )
    return Study(
        results,
        plan,
        lambda progress: probe_run(target, config, results, progress),
        probe_report,
        analysis.finish_run,
        {"json": save_json, "csv": save_csv, "plot": plot_run},
    )


def _bench_study(values: argparse.Namespace) -> Study:
    from gilbench.kernels.peers import peer_names
    from gilbench.measure.bench import BenchConfig, rounds, run_bench
    from gilbench.report.bench import bench_report
    from gilbench.results import BenchResults

    config = BenchConfig(
        backends=values.backends,
        peers=[] if values.no_peers else peer_names(),
        n=values.n,
        repeat=values.repeat,
        max_repeat=values.max_repeat,
        kernel_paths=values.kernel_paths,
    )
    results = BenchResults(collect_environment(), config.to_dict())
    kernels = [*config.backends, *config.peers]
    sizes = (
        f"n = {config.n:,} for all"
        if config.n
        else "compiled kernels over the whole domain (n = 2**32), python and numpy sized to ~0.3 s"
    )
    loops = ", every native loop this CPU can run" if config.kernel_paths else ""
    plan = (
        f"timing {len(kernels)} kernels ({', '.join(kernels)}) on one thread{loops}: a warm-up, "
        f"then {rounds(config)} of one call of each at n and at n/4, the best kept; {sizes}"
    )
    return Study(
        results,
        plan,
        lambda progress: run_bench(config, results, on_progress=progress),
        bench_report,
        writers={"json": save_json},
    )


def _crossover_study(values: argparse.Namespace) -> Study:
    from gilbench.measure.crossover import CrossoverConfig, run_crossover
    from gilbench.report.crossover import crossover_report
    from gilbench.results import CrossoverResults

    config = CrossoverConfig(
        backends=values.backends,
        executors=values.executors,
        max_task_s=values.max_task_seconds,
        pin=values.pin,
        settings=executor_settings(values),
    )
    results = CrossoverResults(collect_environment(), config.to_dict())
    if results.environment["usable_cpus"] < 2:
        results.warnings.append(
            "only 1 usable core here: 2 workers cannot beat 1, expect no crossover"
        )
    _pin_if_possible(config, results)
    plan = (
        f"{len(config.backends)} backends ({', '.join(config.backends)}) on "
        f"{', '.join(config.executors)} at 2 workers against the same 2 tasks in sequence: "
        f"sizes 1k, 2k, 5k, ... until one task lasts ~{config.max_task_s:g} s; "
        f"{config.rounds} paired rounds ({config.short_rounds} for tasks under 1 ms)"
        + (", each worker pinned to a core" if config.pin else "")
    )
    return Study(
        results,
        plan,
        lambda progress: run_crossover(config, results, progress),
        crossover_report,
        writers={"json": save_json},
    )


STUDIES: dict[str, Callable[[argparse.Namespace], Study]] = {
    "run": _run_study,
    "seed": lambda values: _run_study(values, seed=True),
    "probe": _probe_study,
    "bench": _bench_study,
    "crossover": _crossover_study,
}


# --- the commands that measure nothing ----------------------------------------------------


def _info(values: argparse.Namespace) -> int:
    from gilbench.report.info import info_report

    environment = collect_environment()
    if values.json:
        print(json.dumps(environment, indent=2))
    else:
        show(stdout_console(), info_report(environment))
    return 0


def _plot(values: argparse.Namespace) -> int:
    from gilbench.report.plot import NothingToPlot, plot_run
    from gilbench.results import load_json

    output = values.output or os.path.splitext(values.results)[0] + ".png"
    try:
        note = plot_run(load_json(values.results, "run"), output)
    except (OSError, ValueError, NothingToPlot) as error:
        print_error(str(error))
        return 1
    print(saved(output, note))
    return 0


def _compare(values: argparse.Namespace) -> int:
    from gilbench.report.compare import comparison_report
    from gilbench.results import load_json

    try:
        first, second = load_json(values.first, "run"), load_json(values.second, "run")
    except (OSError, ValueError) as error:
        print_error(str(error))
        return 1
    names = (values.first, values.second)
    show(stdout_console(), comparison_report(first, second, names))
    return 0


SIMPLE: dict[str, Callable[[argparse.Namespace], int]] = {
    "info": _info,
    "plot": _plot,
    "compare": _compare,
}
