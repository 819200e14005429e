"""``gilbench compare A B``: two saved runs side by side.

Per backend: the single-thread time of each run (sequential, 1 worker) in ns per
element, so runs sized differently compare fairly, and their ratio B/A (for a
GIL build against a free-threaded one: the single-thread cost of free threading),
beside each run's speedups under threads and processes at the largest worker count
both measured.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from gilbench.formatting import NONE, ratio
from gilbench.report import compact_table
from gilbench.results import RunResults
from gilbench.verdicts import describe_environment_gil


@dataclass(frozen=True)
class ComparisonRow:
    backend: str
    single_a_ns: float | None  # sequential, 1 worker: ns per element
    single_b_ns: float | None
    threads_a: float | None
    threads_b: float | None
    processes_a: float | None
    processes_b: float | None

    @property
    def single_ratio(self) -> float | None:
        if self.single_a_ns and self.single_b_ns:
            return self.single_b_ns / self.single_a_ns
        return None


def common_workers(first: RunResults, second: RunResults) -> int | None:
    """The largest worker count above one that both runs measured."""
    shared = set(first.workers()) & set(second.workers())
    above_one = [w for w in shared if w > 1]
    return max(above_one, default=None)


def _single_ns(results: RunResults, backend: str) -> float | None:
    record = results.find(backend, "sequential", 1)
    return record.ns_per_element if record else None


def _speedup(results: RunResults, backend: str, executor: str, workers: int | None) -> float | None:
    if workers is None:
        return None
    record = results.find(backend, executor, workers)
    return record.speedup if record else None


def compare_runs(first: RunResults, second: RunResults) -> list[ComparisonRow]:
    workers = common_workers(first, second)
    backends = list(dict.fromkeys([*first.backends(), *second.backends()]))
    return [
        ComparisonRow(
            backend,
            _single_ns(first, backend),
            _single_ns(second, backend),
            _speedup(first, backend, "threads", workers),
            _speedup(second, backend, "threads", workers),
            _speedup(first, backend, "processes", workers),
            _speedup(second, backend, "processes", workers),
        )
        for backend in backends
    ]


def run_label(results: RunResults) -> str:
    env = results.environment
    return (
        f"{env.get('python', '?')}, {describe_environment_gil(env)}, "
        f"{env.get('usable_cpus', '?')} cores, {env.get('cpu_model', '?')}, "
        f"{env.get('hostname', '?')}, {env.get('timestamp', '?')}"
    )


def _ns(value: float | None) -> str:
    return NONE if value is None else f"{value:.3g}"


def comparison_table(first: RunResults, second: RunResults, rows: list[ComparisonRow]) -> Table:
    workers = common_workers(first, second)
    title = "A against B: 1 thread = sequential, 1 worker, in ns per element"
    if workers:
        title += f"; speedups at {workers} workers"
    table = compact_table(title)
    table.add_column("backend")
    for header in ("1 thread\nA", "1 thread\nB", "B/A", "threads\nA", "threads\nB"):
        table.add_column(header, justify="right")
    for header in ("processes\nA", "processes\nB"):
        table.add_column(header, justify="right")
    for row in rows:
        single = row.single_ratio
        style = (
            "" if single is None else ("red" if single > 1.1 else "green" if single < 0.9 else "")
        )
        table.add_row(
            row.backend,
            _ns(row.single_a_ns),
            _ns(row.single_b_ns),
            Text(ratio(single), style=style),
            ratio(row.threads_a),
            ratio(row.threads_b),
            ratio(row.processes_a),
            ratio(row.processes_b),
        )
    return table


def comparison_report(
    first: RunResults, second: RunResults, names: tuple[str, str] = ("A", "B")
) -> RenderableType:
    parts: list[RenderableType] = [
        Text(f"A = {names[0]}: {run_label(first)}"),
        Text(f"B = {names[1]}: {run_label(second)}"),
    ]
    modes = {first.config.get("mode"), second.config.get("mode")}
    if len(modes) > 1:
        parts.append(Text("the runs measured different modes (weak and strong)", style="bold red"))
    for label, run in (("A", first), ("B", second)):
        ceiling = run.ceiling_at(common_workers(first, second) or 0)
        if ceiling is not None:
            parts.append(Text(f"machine ceiling {label}: {ratio(ceiling)}", style="dim"))
    if common_workers(first, second) is None:
        parts.append(
            Text("no worker count above 1 in both runs: speedups not compared", style="yellow")
        )
    parts += [Text(""), comparison_table(first, second, compare_runs(first, second))]
    parts.append(
        Text(
            "B/A above 1: B is slower on one thread (on a free-threaded build, the price of "
            "free threading)",
            style="dim",
        )
    )
    return Group(*parts)


def print_comparison(
    first: RunResults, second: RunResults, console: Console, names: tuple[str, str] = ("A", "B")
) -> None:
    console.print(comparison_report(first, second, names))
