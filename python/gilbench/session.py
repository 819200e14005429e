"""A measurement as the terminal sees it: header, progress bar, Ctrl-C, report, files.

Whatever happens during the run (it finishes, a worker dies, the user presses Ctrl-C),
what was measured is analysed, printed and saved before the exit status is returned.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from rich.console import Console

from gilbench.envinfo import collect_environment, gil_enabled
from gilbench.executors import WorkerDied, pin_refusal
from gilbench.measure import WrongResult
from gilbench.results import RunResults
from gilbench.runner import BackendFailed, ProgressCallback, RunConfig

Renderer = Callable[[RunResults, Console], None]


def stdout_console() -> Console:
    # Piped output gets a width that fits the tables instead of rich's 80 columns.
    wide = not sys.stdout.isatty() and "COLUMNS" not in os.environ
    return Console(width=140 if wide else None, highlight=False)


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


def _measure(
    results: Measurement,
    measure: Callable[[ProgressCallback | None], object],
    show_progress: bool,
) -> int:
    """Run ``measure`` under a progress bar: 0 done, 130 Ctrl-C, 1 a failed run.

    The failure's message goes to ``results.error``; Ctrl-C marks ``results.interrupted``.
    """
    try:
        with _progress_bar(show_progress) as on_progress:
            measure(on_progress)
    except KeyboardInterrupt:
        results.interrupted = True
        # A second Ctrl-C while the partial results are written leaves at once.
        signal.signal(signal.SIGINT, lambda *_: os._exit(130))
        return 130
    except (WorkerDied, WrongResult, BackendFailed) as error:
        results.error = str(error)
        return 1
    return 0


class Measurement(Protocol):
    """What ``run_measurement`` needs of a command's results (bench, crossover)."""

    environment: dict[str, Any]
    interrupted: bool
    error: str | None


def run_measurement(
    results: Measurement,
    measure: Callable[[ProgressCallback | None], object],
    args: argparse.Namespace,
    render: Callable[[Console], None],
    save: Callable[[str], None],
    plan: str,
) -> int:
    """``measure`` into ``results`` with a progress bar, then print and save what it got.

    The same contract as ``measure_and_report``: Ctrl-C prints and saves what finished and
    returns 130; a dead worker, a wrong result or a failing backend is a one-line error
    after the report, status 1.  ``measure`` must stop its own workers when interrupted.
    """
    from gilbench.report import environment_summary

    console = stdout_console()
    console.print(environment_summary(results.environment))
    console.print(plan, style="dim")
    previous_handler = signal.getsignal(signal.SIGINT)
    status = _measure(results, measure, not args.no_progress)
    try:
        render(console)
        path = getattr(args, "json", None)
        if path:
            try:
                save(path)
                console.print(f"saved {path}", style="dim")
            except OSError as error:
                print_error(f"could not write {path}: {error}")
                status = status or 1
    finally:
        signal.signal(signal.SIGINT, previous_handler)
    if results.error:
        print_error(results.error)
    if status == 130:
        _leave_now_if_threads_busy(status)
    return status


def measure_and_report(config: RunConfig, args: argparse.Namespace, render: Renderer) -> int:
    """Run ``config``, then print and save what was measured, even if interrupted."""
    from gilbench import runner
    from gilbench.report import environment_summary

    console = stdout_console()
    environment = collect_environment()
    results = RunResults(environment, config.to_dict())
    cores = environment["usable_cpus"]
    if max(config.workers) > cores:
        results.warnings.append(
            f"{max(config.workers)} workers asked for, but only {cores} cores are usable here: "
            "expect no speedup beyond that"
        )
    if (refusal := pin_refusal(config.pin)) is not None:
        config.pin = False
        results.warnings.append(refusal)
    console.print(environment_summary(environment))
    console.print(
        f"measuring {len(config.backends)} backend{'s' if len(config.backends) > 1 else ''} "
        f"({', '.join(config.backends)}) on "
        f"{', '.join(config.executors_at(1))} at {', '.join(map(str, config.workers))} workers, "
        f"{config.mode} scaling, {config.repeat} repeats"
        + (", each worker pinned to a core" if config.pin else ""),
        style="dim",
    )
    previous_handler = signal.getsignal(signal.SIGINT)
    status = _measure(
        results, lambda on_progress: runner.run(config, results, on_progress), not args.no_progress
    )
    try:
        saved = _report_and_save(results, environment, args, console, render)
    finally:
        signal.signal(signal.SIGINT, previous_handler)
    if results.error:
        print_error(results.error)
    if not saved and status == 0:
        status = 1
    if status == 130:
        _leave_now_if_threads_busy(status)
    return status


def _report_and_save(
    results: RunResults,
    environment: dict,
    args: argparse.Namespace,
    console: Console,
    render: Renderer,
) -> bool:
    """Finish the analysis, print it, write the files; False if a file could not be written."""
    from gilbench.analysis import busy_machine_warnings, ceiling_warnings, fill_speedups

    if gil_enabled() != environment["gil_enabled"]:
        results.warnings.append("the GIL state changed during the run (a module re-enabled it)")
        environment["gil_enabled"] = gil_enabled()
    fill_speedups(results)
    results.warnings += ceiling_warnings(results) + busy_machine_warnings(results)
    render(results, console)
    return _save(results, args, console)


def _save(results: RunResults, args: argparse.Namespace, console: Console) -> bool:
    """Write the files asked for; False (and a one-line error) if one could not be."""
    from gilbench.plot import NothingToPlot, plot_run
    from gilbench.results import save_csv, save_json

    writers = [
        (getattr(args, "json", None), save_json),
        (getattr(args, "csv", None), save_csv),
        (getattr(args, "plot", None), plot_run),
    ]
    saved_all = True
    for path, write in writers:
        if not path:
            continue
        try:
            write(results, path)
            console.print(f"saved {path}", style="dim")
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
