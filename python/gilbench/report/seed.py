"""``gilbench seed``: the article's two experiments, for every backend, in one table.

The article (N = 20,000,000, two tasks): two Python threads are no faster than
running the tasks one after another, and a 2-process pool is about twice as fast.
The same two experiments on every backend show the native kernels that release the
GIL escaping it under threads, and their twins that hold it staying held.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from gilbench.report.formatting import NONE, TIMES, ratio, seconds
from gilbench.report.run import ceiling_summary
from gilbench.report.tables import VERDICT_STYLE, compact_table, interval, status_notes
from gilbench.results import Record, RunResults


def _speedup_with_startup(record: Record) -> float | None:
    """The article's own timing: the pool is created inside the timed block."""
    if record.task_s is None or record.startup_s is None:
        return None
    return record.task_s * record.tasks / (record.wall_s + record.startup_s)


def _cell(record: Record | None) -> Text | str:
    if record is None:
        return NONE
    return Text(interval(record.speedup, record.speedup_ci), style=_style(record))


def _style(record: Record) -> str:
    return VERDICT_STYLE.get(record.verdict or "", "")


def seed_table(results: RunResults) -> Table:
    table = compact_table(
        f"two tasks of N = {results.config.get('n') or 0:,}: sequential vs 2 threads vs "
        "a 2-process pool"
    )
    for name, justify in (
        ("backend", "left"),
        ("sequen-\ntial", "right"),
        ("2\nthreads", "right"),
        (f"{TIMES} [95% CI]", "right"),
        ("cores\nbusy", "right"),
        ("2 pro-\ncesses", "right"),
        (f"{TIMES} [95% CI]", "right"),
        (f"{TIMES} incl.\nstart-up", "right"),
    ):
        table.add_column(name, justify=justify)
    for backend in results.backends():
        sequential = results.find(backend, "sequential", 2)
        threads = results.find(backend, "threads", 2)
        processes = results.find(backend, "processes", 2)
        if sequential is None:
            continue
        table.add_row(
            backend,
            seconds(sequential.wall_s),
            seconds(threads.wall_s) if threads else NONE,
            _cell(threads),
            f"{threads.cores_busy:.2f}" if threads else NONE,
            seconds(processes.wall_s) if processes else NONE,
            _cell(processes),
            ratio(_speedup_with_startup(processes)) if processes else NONE,
        )
    return table


def _finding(claim: str, record: Record | None, expected: str, detail: str) -> Text | None:
    if record is None or record.verdict is None:
        return None
    if record.verdict in ("inconclusive", "too short"):
        return Text(f"{claim}: {record.verdict}, the intervals cannot tell ({detail})",
                    style="magenta")  # fmt: skip
    holds = record.verdict == expected
    outcome, style = ("reproduced", "green") if holds else ("NOT reproduced", "red")
    return Text(f"{claim}: {outcome} ({detail})", style=style)


def findings(results: RunResults) -> list[Text]:
    """The article's two findings, checked, then what the other backends add."""
    lines: list[Text | None] = []
    gil_on = bool(results.environment.get("gil_enabled", True))
    threads = results.find("python", "threads", 2)
    if threads is not None and threads.speedup is not None:
        detail = f"python {interval(threads.speedup, threads.speedup_ci)}, " + (
            f"{threads.cores_busy:.1f} cores busy"
        )
        if gil_on:
            claim = "article, finding 1: two threads do not speed up the pure-Python loop"
            lines.append(_finding(claim, threads, "held", detail))
        else:
            claim = "article, finding 1 (threads do not help pure Python) needs a GIL"
            lines.append(
                Text(f"{claim}; this build has none, and threads reached {detail}", style="yellow")
            )
    processes = results.find("python", "processes", 2)
    if processes is not None and processes.speedup is not None:
        detail = f"python {interval(processes.speedup, processes.speedup_ci)}"
        if (with_startup := _speedup_with_startup(processes)) is not None:
            detail += f", {ratio(with_startup)} counting the pool's start-up as the article does"
        lines.append(_finding("article, finding 2: a 2-process pool does", processes, "scales",
                              detail))  # fmt: skip

    for releases in (True, False):
        rows = [
            r
            for r in (results.find(b, "threads", 2) for b in results.backends() if b != "python")
            if r is not None and r.speedup is not None and r.releases_gil == releases
        ]
        if not rows:
            continue
        if releases:
            line = Text("beyond the article, backends that release the GIL, on two threads: ")
        elif gil_on:
            line = Text("native code that keeps the GIL held, on two threads: ")
        else:
            line = Text("the -gil twins, with no GIL to hold on this build, on two threads: ")
        for index, record in enumerate(rows):
            line.append(", " if index else "")
            line.append(f"{record.backend} {ratio(record.speedup)} ({record.verdict})",
                        style=_style(record))  # fmt: skip
        lines.append(line)
    return [line for line in lines if line is not None]


def seed_report(results: RunResults) -> RenderableType:
    parts: list[RenderableType] = [ceiling_summary(results)]
    parts += status_notes(results.warnings, results.interrupted, "results", bool(results.records))
    if results.records:
        parts += [Text(""), seed_table(results), Text(""), *findings(results)]
    return Group(*parts)
