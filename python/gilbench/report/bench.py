"""``gilbench bench`` as text: one row per kernel, speed, ratio and the linearity check."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from gilbench.measure.bench import NOT_LINEAR_BELOW, REPRODUCED_WITHIN, TOO_SHORT_S
from gilbench.report.formatting import NONE, TIMES, count
from gilbench.report.tables import compact_table, status_notes
from gilbench.results import BenchRecord, BenchResults

SIZING = {"full domain": "", "sized": "n sized to last ~0.3 s", "given": ""}


def times_fastest(value: float | None) -> str:
    """A ratio to the fastest, about three significant digits: 1.00, 9.4, 296 and the sign."""
    if value is None:
        return NONE
    digits = 2 if value < 10 else 1 if value < 100 else 0
    return f"{value:.{digits}f}{TIMES}"


def _name(record: BenchRecord) -> Text:
    if record.kind == "peer":
        return Text.assemble(record.name, (" (peer)", "cyan"))
    return Text(record.name)


def _speed_cells(record: BenchRecord) -> tuple[Text, Text]:
    """ns per element (three significant digits, trailing zeros kept: 0.0500, not 0.05) and
    the ratio to the fastest; marked ~ where no second call came close to the best."""
    if record.ns_per_element is None:
        return Text(NONE), Text(times_fastest(record.vs_fastest))
    ns = f"{record.ns_per_element:#.3g}".rstrip(".")
    ratio = times_fastest(record.vs_fastest)
    if record.reproduced is False:
        return Text(f"~{ns}", style="yellow"), Text(f"~{ratio}", style="yellow")
    return Text(ns), Text(ratio)


def _linearity_cell(record: BenchRecord) -> Text:
    if record.linearity is None:
        return Text(NONE)
    value = f"{record.linearity:.2f}"
    if record.linear is False:
        return Text(f"{value} {record.note}", style="bold red")
    if record.linear is None:
        return Text(f"{value}?", style="dim")  # the caption says why
    return Text(value)


def _note(record: BenchRecord) -> Text:
    if not record.available:
        reason = (record.reason or "unavailable").splitlines()[0]
        return Text(f"unavailable: {reason}", style="yellow")
    parts = []
    if record.kernel_path is not None:
        parts.append(f"{record.kernel_path} loop")
    if record.kind == "peer":
        parts.append(f"peer: {record.toolchain}, the same algorithm, not a gilbench backend")
    if record.sizing is not None and SIZING.get(record.sizing, record.sizing):
        parts.append(SIZING.get(record.sizing, record.sizing))
    return Text("; ".join(parts), style="dim")


def _calls(results: BenchResults) -> str:
    """How many calls each best is of: the rounds asked for, fewer if cut short."""
    counts = sorted({len(r.samples_s) for r in results.records if r.samples_s})
    if not counts:
        return str(results.config.get("repeat", "?"))
    return str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"


def bench_table(results: BenchResults) -> RenderableType:
    table = compact_table(
        f"kernel speed, one thread: best of {_calls(results)} calls of sum_squares(0, n) "
        "after a warm-up"
    )
    table.add_column("kernel")
    table.add_column("n", justify="right")
    table.add_column("ns per\nelement", justify="right")
    table.add_column(f"{TIMES}\nfastest", justify="right")
    table.add_column("t(n)/\nt(n/4)", justify="right")
    table.add_column("")
    for record in results.records:
        table.add_row(
            _name(record),
            count(record.n) if record.n is not None else NONE,
            *_speed_cells(record),
            _linearity_cell(record),
            _note(record),
        )
    table.caption = "\n".join(_caption(results.records))
    table.caption_justify = "left"
    return table


def _caption(records: list[BenchRecord]) -> list[str]:
    """The caption's lines: the linearity check, then what each mark in the table means."""
    lines = [
        f"t(n)/t(n/4) is about 4 when the loop really runs; below {NOT_LINEAR_BELOW:g} the "
        "time did not grow with the work (a compiler folded the loop into its closed form?)"
    ]
    notes = {r.note for r in records if r.linear is None and r.linearity is not None}
    if "too short to tell" in notes:
        lines.append(
            f"?: a call under {TOO_SHORT_S * 1e3:g} ms is mostly call overhead; "
            "its ratio tells nothing"
        )
    if "too unsteady to tell" in notes:
        lines.append(
            f"?: below {NOT_LINEAR_BELOW:g}, but its times at n and n/4 were not both "
            "reproduced: a busy spell over the calls at n/4 reads the same"
        )
    if any(r.reproduced is False for r in records):
        lines.append(
            f"~: no second call came within {REPRODUCED_WITHIN:.0%} of its best: the machine "
            "was busy, and the figure may be high (run again, or raise --max-repeat)"
        )
    return lines


def bench_report(results: BenchResults) -> RenderableType:
    parts = status_notes(results.warnings, results.interrupted, "kernels", bool(results.records))
    if not results.records:
        return Group(*parts)
    parts += [Text(""), bench_table(results)]
    folded = [r.name for r in results.records if r.linear is False]
    if folded:
        parts.append(
            Text(
                f"not linear: {', '.join(folded)}: the time does not grow with n, so these "
                "kernels do not do the work they are timed on",
                style="bold red",
            )
        )
    return Group(*parts)
