"""``gilbench compare A B``: two saved runs side by side.

Per backend: the single-thread time of each run (sequential, 1 worker) in ns per
element, so runs sized differently compare fairly, and their ratio B/A (for a GIL
build against a free-threaded one: the single-thread cost of free threading); then,
per executor both runs measured, each run's speedup and verdict at the largest
worker count both measured within their cores.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from gilbench.executors.registry import BASELINE, parallel_names
from gilbench.report.formatting import NONE, ratio
from gilbench.report.tables import VERDICT_STYLE, compact_table, describe_gil
from gilbench.results import Record, RunResults


def common_workers(first: RunResults, second: RunResults) -> int | None:
    """The largest worker count above one that both runs measured."""
    shared = set(first.workers()) & set(second.workers())
    return max((w for w in shared if w > 1), default=None)


def common_executors(first: RunResults, second: RunResults) -> list[str]:
    both = set(first.executors()) & set(second.executors())
    return [name for name in parallel_names() if name in both]


def single_ns(results: RunResults, backend: str) -> float | None:
    record = results.find(backend, BASELINE, 1)
    return record.ns_per_element if record else None


def same_run(first: RunResults, second: RunResults) -> bool:
    """Whether the two files hold one and the same run (compared with itself)."""
    keys = ("timestamp", "hostname", "executable")
    same_place = all(first.environment.get(k) == second.environment.get(k) for k in keys)
    return same_place and [r.wall_samples_s for r in first.records] == [
        r.wall_samples_s for r in second.records
    ]


def run_label(results: RunResults) -> str:
    env = results.environment
    return (
        f"{env.get('python', '?')}, {describe_gil(env)}, {env.get('usable_cpus', '?')} cores, "
        f"{env.get('cpu_model', '?')}, {env.get('timestamp', '?')}"
    )


def _cell(record: Record | None) -> Text | str:
    if record is None or record.speedup is None:
        return NONE
    verdict = record.verdict or ""
    return Text(f"{ratio(record.speedup)} {verdict}".strip(), style=VERDICT_STYLE.get(verdict, ""))


def comparison_table(first: RunResults, second: RunResults) -> Table:
    workers = common_workers(first, second)
    executors = common_executors(first, second) if workers else []
    title = "1 thread = sequential, 1 worker, ns per element"
    if workers:
        title += f"; speedups at {workers} workers"
    table = compact_table(title)
    table.add_column("backend")
    for header in ("1 thread\nA", "1 thread\nB", "B/A"):
        table.add_column(header, justify="right")
    for executor in executors:
        table.add_column(f"{executor}\nA", justify="right")
        table.add_column(f"{executor}\nB", justify="right")
    backends = list(dict.fromkeys([*first.backends(), *second.backends()]))
    for backend in backends:
        a, b = single_ns(first, backend), single_ns(second, backend)
        single = b / a if a and b else None
        style = "" if single is None else "red" if single > 1.1 else "green" if single < 0.9 else ""
        cells: list = [
            backend,
            NONE if a is None else f"{a:.3g}",
            NONE if b is None else f"{b:.3g}",
            Text(ratio(single), style=style),
        ]
        for executor in executors:
            assert workers is not None
            cells += [
                _cell(first.find(backend, executor, workers)),
                _cell(second.find(backend, executor, workers)),
            ]
        table.add_row(*cells)
    return table


def comparison_report(
    first: RunResults, second: RunResults, names: tuple[str, str] = ("A", "B")
) -> RenderableType:
    parts: list[RenderableType] = [
        Text(f"A = {names[0]}: {run_label(first)}"),
        Text(f"B = {names[1]}: {run_label(second)}"),
    ]
    if same_run(first, second):
        parts.append(Text("A and B are the same run: every ratio below is 1", style="yellow"))
    if first.config.get("mode") != second.config.get("mode"):
        parts.append(Text("the runs measured different modes (weak and strong)", style="bold red"))
    workers = common_workers(first, second)
    for label, run in (("A", first), ("B", second)):
        ceiling = run.ceiling_at(workers or 0)
        if ceiling is not None:
            parts.append(Text(f"machine ceiling {label}: {ratio(ceiling)}", style="dim"))
    if workers is None:
        parts.append(
            Text("no worker count above 1 in both runs: speedups not compared", style="yellow")
        )
    parts += [Text(""), comparison_table(first, second)]
    parts.append(
        Text(
            "B/A above 1: B is slower on one thread (on a free-threaded build, the price of "
            "free threading)",
            style="dim",
        )
    )
    return Group(*parts)
