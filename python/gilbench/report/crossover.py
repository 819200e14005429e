"""``gilbench crossover`` as text: backend by executor, where 2 workers start to win."""

from __future__ import annotations

import statistics

from rich.console import Group, RenderableType
from rich.text import Text

from gilbench.measure.ceiling import is_low
from gilbench.measure.crossover import BEATS, WORKERS, crossovers
from gilbench.report.formatting import NONE, TIMES, count, ratio, seconds
from gilbench.report.tables import compact_table, status_notes
from gilbench.results import CrossoverResults


def duration(value: float | None) -> str:
    """Like ``seconds``, with two significant digits under a millisecond (0.03 ms)."""
    if value is not None and value < 1e-3:
        return f"{value * 1e3:.2g} ms"
    return seconds(value)


def _ceiling_cell(speedup: float | None) -> Text:
    if speedup is None:
        return Text(NONE, style="dim")
    return Text(ratio(speedup), style="magenta" if is_low(speedup, WORKERS) else "dim")


def _largest_style(speedup: float) -> str:
    if speedup <= 1.0:
        return "red"
    return "green" if speedup >= 1.5 else "yellow"


def crossover_table(results: CrossoverResults) -> RenderableType:
    table = compact_table("the smallest n from which 2 tasks on 2 workers beat them in turn")
    for name, justify in (
        ("backend", "left"),
        ("executor", "left"),
        ("crossover\nn", "right"),
        ("one task\nof n", "right"),
        ("speedup\nthere", "right"),
        ("largest\nn", "right"),
        ("one task\nof it", "right"),
        ("speedup\nthere", "right"),
        ("machine\n" + TIMES, "right"),
    ):
        table.add_column(name, justify=justify)
    found = crossovers(results)
    for index, row in enumerate(found):
        never = row.crossover_n is None
        first_of_backend = index == 0 or found[index - 1].backend != row.backend
        last_of_backend = index == len(found) - 1 or found[index + 1].backend != row.backend
        table.add_row(
            row.backend if first_of_backend else "",
            row.executor,
            Text("never", style="red") if never else Text(count(row.crossover_n or 0)),
            duration(row.crossover_task_s),
            ratio(row.crossover_speedup),
            count(row.largest_n),
            duration(row.largest_task_s),
            Text(ratio(row.largest_speedup), style=_largest_style(row.largest_speedup)),
            _ceiling_cell(results.ceiling_by_backend.get(row.backend)) if first_of_backend else "",
            end_section=last_of_backend and index < len(found) - 1,
        )
    startups = ", ".join(f"{s['executor']} {seconds(s['startup_s'])}" for s in results.startups)
    table.caption = (
        f"crossover: from that size on, the low end of every larger size's 95% interval was\n"
        f"at least {BEATS:g}{TIMES} (less is within timing noise); 'never': not even the largest\n"
        f"machine {TIMES}: 2 plain native threads against 1 (no Python), sampled just before "
        "and after the backend's sizes: the most any executor could get then"
        + (f"\npool start-up, once for the run, not in the times: {startups}" if startups else "")
    )
    table.caption_justify = "left"
    return table


def crossover_report(results: CrossoverResults) -> RenderableType:
    warnings = list(results.warnings)
    low = [
        f"{backend} {ratio(speedup)}"
        for backend, speedup in results.ceiling_by_backend.items()
        if speedup is not None and is_low(speedup, WORKERS)
    ]
    if low:
        warnings.append(
            "the machine gave 2 plain native threads (no Python) too little while these "
            f"were measured: {', '.join(low)}; no size can cross where the machine cannot, "
            "so their crossovers are inconclusive"
        )
    parts = status_notes(warnings, results.interrupted, "sizes", bool(results.records))
    if not results.records:
        return Group(*parts)
    if results.ceiling_ratios:
        ceiling = statistics.median(results.ceiling_ratios)
        parts.append(
            Text(
                f"machine ceiling (2 native threads, no Python involved): {ratio(ceiling)}",
                style="dim",
            )
        )
    parts += [Text(""), crossover_table(results)]
    return Group(*parts)
