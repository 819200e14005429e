"""The run as text: environment, ceiling, one table per executor, one verdict per backend.

Everything here reads a :class:`RunResults`; nothing measures.  Tables are rich
renderables, so they print in colour on a terminal and as plain text elsewhere.
"""

from __future__ import annotations

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from gilbench.formatting import TIMES, count, percent, ratio, seconds, spread
from gilbench.results import Record, RunResults
from gilbench.verdicts import describe_environment_gil, verdicts

KIND_STYLE = {"scales": "green", "partial": "yellow", "held": "red", "inconclusive": "magenta"}


def executor_title(executor: str, gil_enabled: bool = True) -> str:
    """What the executor is, in the words that matter for the GIL on this build."""
    if executor == "sequential":
        return "sequential: the baseline, the same tasks one after another"
    if executor == "threads":
        shared = "one GIL shared" if gil_enabled else "no GIL on this build"
        return f"threads: one ThreadPoolExecutor thread per worker in one process, {shared}"
    if executor == "processes":
        return "processes: one ProcessPoolExecutor process per worker, each its own interpreter"
    return executor


MODE_NOTES = {
    "weak": "weak scaling: every worker runs the same task, so the work grows with workers",
    "strong": "strong scaling: one range split among the workers, the work stays the same",
}


def environment_summary(environment: dict) -> Text:
    cpus = environment.get("usable_cpus")
    total = environment.get("total_cpus")
    cores = f"{cpus} usable cores" + (f" (of {total})" if total and total != cpus else "")
    parts = [
        environment.get("python", "?"),
        describe_environment_gil(environment),
        cores,
        environment.get("cpu_model", "?"),
        environment.get("hostname", ""),
    ]
    return Text(" · ".join(p for p in parts if p), style="bold")


def ceiling_summary(results: RunResults) -> Text:
    if not results.ceiling:
        missing = results.environment.get("machine_ceiling_missing")
        why = missing.splitlines()[0] if missing else "no measurement finished"
        return Text(f"machine ceiling: not measured ({why})", style="magenta")
    points = ", ".join(
        f"{p['workers']}: {ratio(p['speedup'])}" for p in results.ceiling if p["workers"] > 1
    )
    return Text(
        f"machine ceiling (k native threads, no Python involved): {points or 'only 1 worker'}"
    )


def sizes_summary(results: RunResults) -> Text:
    mode = results.config.get("mode", "weak")
    unit = "per task" if mode == "weak" else "per run (split among the workers)"
    sizes = ", ".join(f"{backend} {count(n)}" for backend, n in results.sizes.items())
    return Text(f"elements {unit}: {sizes}", style="dim")


def status_notes(
    warnings: list[str], interrupted: bool, what: str, finished: bool
) -> list[RenderableType]:
    """What stands above any report: its warnings, that Ctrl-C cut it short (so the
    ``what`` that finished are all there is), or that nothing finished at all."""
    notes: list[RenderableType] = []
    if warnings:
        notes.append(
            Panel("\n".join(warnings), title="warning", border_style="bold red", style="bold")
        )
    if interrupted:
        notes.append(Text(f"interrupted: these are the {what} that finished", style="bold red"))
    if not finished:
        notes.append(Text("no measurement finished", style="bold red"))
    return notes


def compact_table(title: str) -> Table:
    """A table that fits an 80-column terminal: two-line headers, no inner borders."""
    return Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        padding=(0, 1, 0, 0),
        pad_edge=False,
        show_edge=False,
    )


def _time_cells(record: Record) -> list[str]:
    return [
        seconds(record.wall_s),
        spread(record.wall_min_s, record.wall_max_s, record.wall_s),
        f"{record.cores_busy:.2f}",
    ]


def executor_table(results: RunResults, executor: str) -> Table:
    """Backend by workers for one executor: time, spread, speedup, efficiency, cores busy."""
    gil_enabled = bool(results.environment.get("gil_enabled", True))
    table = compact_table(executor_title(executor, gil_enabled))
    table.add_column("backend")
    table.add_column("workers", justify="right")
    table.add_column("time\nmedian", justify="right")
    table.add_column("spread\nmin-max", justify="right", style="dim")
    table.add_column("cores\nbusy", justify="right")
    if executor == "sequential":
        table.add_column("ns per\nelement", justify="right")
    else:
        table.add_column("speedup", justify="right")
        table.add_column("effi-\nciency", justify="right")
        table.add_column("of\nceiling", justify="right")
    backends = [
        b
        for b in results.backends()
        if any(r.backend == b and r.executor == executor for r in results.records)
    ]
    for index, backend in enumerate(backends):
        rows = sorted(
            (r for r in results.records if r.backend == backend and r.executor == executor),
            key=lambda r: r.workers,
        )
        for position, record in enumerate(rows):
            cells = [backend if position == 0 else "", str(record.workers), *_time_cells(record)]
            if executor == "sequential":
                cells.append(f"{record.ns_per_element:.3g}")
            else:
                cells += [
                    Text(ratio(record.speedup), style=_speedup_style(record)),
                    percent(record.efficiency),
                    percent(record.ceiling_fraction),
                ]
            table.add_row(
                *cells, end_section=position == len(rows) - 1 and index < len(backends) - 1
            )
    notes = []
    startups = [s for s in results.startups if s["executor"] == executor]
    if startups:
        pools = ", ".join(
            f"{s['workers']} worker{'s' if s['workers'] > 1 else ''} {seconds(s['startup_s'])}"
            for s in startups
        )
        notes.append(f"pool start-up, not in the times: {pools}")
    if executor != "sequential" and any(r.baseline == "scaled" for r in results.records):
        notes.append(f"speedup against the 1-worker sequential time {TIMES} tasks (not measured)")
    if notes:
        table.caption = "\n".join(notes)
        table.caption_justify = "left"
    return table


def _speedup_style(record: Record) -> str:
    if record.speedup is None or record.workers == 1:
        return ""
    reference = record.ceiling or record.workers
    if record.speedup >= 0.8 * reference:
        return "green"
    return "red" if record.speedup <= 1.3 else "yellow"


def verdict_lines(results: RunResults) -> Table:
    table = Table(title="verdicts", title_justify="left", show_header=False, box=None)
    table.add_column("backend", style="bold")
    table.add_column("verdict")
    for found in verdicts(results):
        text = Text()
        if not found.phrases:
            text.append(found.text, style=KIND_STYLE[found.kind])
        for index, phrase in enumerate(found.phrases):
            if index:
                text.append("; ")
            text.append(phrase.text, style=KIND_STYLE[phrase.kind])
        table.add_row(found.backend, text)
    return table


def run_report(results: RunResults) -> RenderableType:
    """Everything ``gilbench run`` prints after measuring (the environment line comes before)."""
    parts: list[RenderableType] = [
        Text(MODE_NOTES.get(results.config.get("mode", "weak"), ""), style="dim"),
        ceiling_summary(results),
        sizes_summary(results),
    ]
    parts += status_notes(results.warnings, results.interrupted, "results", bool(results.records))
    if not results.records:
        return Group(*parts)
    for executor in results.executors():
        parts += [Text(""), executor_table(results, executor)]
    parts += [Text(""), verdict_lines(results)]
    return Group(*parts)


def print_run(results: RunResults, console: Console) -> None:
    console.print(run_report(results))
