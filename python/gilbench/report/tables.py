"""What every report shares: the environment line, warnings, compact tables, intervals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from gilbench.report.formatting import DASH, NONE, TIMES

VERDICT_STYLE = {
    "scales": "green",
    "partly": "yellow",
    "held": "red",
    "inconclusive": "magenta",
    "too short": "magenta",
}


def describe_gil(environment: dict[str, Any]) -> str:
    """'GIL enabled' or 'GIL disabled' (the Python label already says free-threaded)."""
    return "GIL enabled" if environment.get("gil_enabled", True) else "GIL disabled"


def environment_summary(environment: dict[str, Any]) -> Text:
    cpus = environment.get("usable_cpus")
    total = environment.get("total_cpus")
    cores = f"{cpus} usable cores" + (f" (of {total})" if total and total != cpus else "")
    parts = [
        environment.get("python", "?"),
        describe_gil(environment),
        cores,
        environment.get("cpu_model", "?"),
    ]
    return Text(" · ".join(p for p in parts if p), style="bold")


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
    """A table that fits 100 columns: two-line headers, no inner borders."""
    return Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        padding=(0, 1, 0, 0),
        pad_edge=False,
        show_edge=False,
    )


def interval(value: float | None, ci: Sequence[float] | None, percent: bool = False) -> str:
    """``1.96x [1.91-1.99]`` or ``98% [95-101]``: a median and its 95% interval."""
    if value is None:
        return NONE
    if percent:
        middle = f"{value:.0%}"
        return middle if not ci else f"{middle} [{ci[0] * 100:.0f}{DASH}{ci[1] * 100:.0f}]"
    middle = f"{value:.2f}{TIMES}"
    return middle if not ci else f"{middle} [{ci[0]:.2f}{DASH}{ci[1]:.2f}]"
