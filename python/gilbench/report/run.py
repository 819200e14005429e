"""``gilbench run`` as text: the GIL observed, one table per executor, one answer per backend."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from gilbench.executors.registry import BASELINE, heading
from gilbench.measure.analysis import judged_figures, noise_summary
from gilbench.report.formatting import NONE, TIMES, count, ratio, seconds
from gilbench.report.tables import VERDICT_STYLE, compact_table, interval, status_notes
from gilbench.report.verdicts import answer, shown_held_share, startup_words
from gilbench.results import RunResults

MODE_NOTES = {
    "weak": "weak scaling: every worker runs the same task, so the work grows with workers",
    "strong": "strong scaling: one range split among the workers, the work stays the same",
}


def ceiling_summary(results: RunResults) -> Text:
    points = [(w, results.ceiling_at(w)) for w in results.workers() if w > 1]
    points = [(w, c) for w, c in points if c is not None]
    if not points:
        return Text("machine ceiling: not measured", style="magenta")
    said = ", ".join(f"{w} threads {ratio(c)}" for w, c in points)
    return Text(f"machine ceiling (k native threads, no Python; median): {said}")


def sizes_summary(results: RunResults) -> Text:
    mode = results.config.get("mode", "weak")
    unit = "per task" if mode == "weak" else "per run (split among the workers)"
    sizes = ", ".join(f"{backend} {count(n)}" for backend, n in results.sizes.items())
    return Text(f"elements {unit}: {sizes}", style="dim")


def gil_table(results: RunResults, subject: str = "backend") -> RenderableType:
    """The GIL, observed: held share with its interval, and the call's slow-down."""
    table = compact_table("the GIL, observed: a Python loop runs beside each call in a thread")
    table.add_column(subject)
    table.add_column("GIL held\n[95% CI]", justify="right")
    table.add_column("call slowed\nbeside Python", justify="right")
    table.add_column("what it means")
    for backend, seen in results.gil.items():
        share, low, high = shown_held_share(seen)
        slowed = seen.get("slowdown")
        slowed_text = NONE if slowed is None else f"{slowed:.3g}{TIMES}"
        if seen.get("slowdown_is_bound"):
            slowed_text = "at least " + slowed_text
        table.add_row(
            backend,
            f"{share:.2f} [{low:.2f}-{high:.2f}]",
            slowed_text,
            _meaning(seen),
        )
    table.caption = (
        "held = 1 - the share of the call the loop ran / the same beside a GIL-free load"
        " (paired; time other programs had its core left out)"
    )
    table.caption_justify = "left"
    return table


def _meaning(seen: dict) -> str:
    share = seen["held_share"]
    if not seen.get("gil_enabled", True):
        return "no GIL: " + ("runs beside Python" if share < 0.3 else "still blocks Python")
    if share < 0.2:
        return "releases the GIL"
    if share < 0.85:
        return "takes turns with Python"
    return "holds the GIL throughout"


def executor_table(results: RunResults, executor: str, subject: str = "backend") -> RenderableType:
    """Backend by workers for one executor: time, cores busy, speedup and of ceiling, verdict."""
    gil_enabled = bool(results.environment.get("gil_enabled", True))
    table = compact_table(heading(executor, gil_enabled))
    table.add_column(subject)
    per_call = subject == "function"  # a probe: one element is one call
    table.add_column("work-\ners", justify="right")
    table.add_column("time\nmedian", justify="right")
    overhead = any(r.overhead_s is not None for r in results.records if r.executor == executor)
    if overhead:
        table.add_column("of it\noverhead", justify="right")
    table.add_column("cores\nbusy", justify="right")
    if executor == BASELINE:
        per = "call" if subject == "function" else "element"
        table.add_column(
            f"time per\n{per}" if per == "call" else "ns per\nelement", justify="right"
        )
        table.add_column("repeats", justify="right")
    else:
        if overhead:  # judged on the work (analysis.on_work); the run's speedup beside it
            table.add_column("the run's\nspeedup", justify="right")
            table.add_column("the work's\nspeedup [95% CI]", justify="right")
            table.add_column("of\nceiling", justify="right")
        else:
            table.add_column("speedup\n[95% CI]", justify="right")
            table.add_column("of ceiling\n[95% CI]", justify="right")
        table.add_column("verdict")
    backends = [b for b in results.backends() if results.refusal(b, executor) is None]
    for index, backend in enumerate(backends):
        rows = sorted(
            (r for r in results.records if r.backend == backend and r.executor == executor),
            key=lambda r: r.workers,
        )
        for position, record in enumerate(rows):
            cells: list = [backend if position == 0 else "", str(record.workers)]
            cells.append(seconds(record.wall_s))
            if overhead:
                cells.append(NONE if record.overhead_s is None else seconds(record.overhead_s))
            cells.append(f"{record.cores_busy:.2f}")
            if executor == BASELINE:
                per = (
                    seconds(record.wall_s / max(1, record.elements))
                    if per_call
                    else f"{record.ns_per_element:.3g}"
                )
                cells += [per, str(record.repeat)]
            else:
                verdict = record.verdict or ""
                mark = " unstable" if record.unstable else ""
                speedup, speedup_ci, fraction, fraction_ci = judged_figures(record)
                if overhead:  # medians only, beside the work's interval: 100 columns
                    cells.append(interval(record.speedup, None))
                    fraction_ci = None
                    mark = mark.replace(" ", "\n" if verdict else "")
                cells += [
                    interval(speedup, speedup_ci),
                    interval(fraction, fraction_ci, percent=True),
                    Text(verdict + mark, style=VERDICT_STYLE.get(verdict, "")),
                ]
            last = position == len(rows) - 1 and index < len(backends) - 1
            table.add_row(*cells, end_section=last)
    notes = []
    if overhead:
        notes.append(
            "overhead: of the time, what the executor cost apart from the work (scheduling, "
            "transfers), from its task stream; the work's speedup leaves it out, and the "
            "fraction of ceiling and the verdict are the work's (the intervals of the run's "
            "speedup and of the fraction are in the answers below)"
        )
    if (started := startup_words(results, executor)) is not None:
        notes.append(started)
    refused = [f"{r['backend']}" for r in results.refusals if r["executor"] == executor]
    if refused:
        notes.append(f"cannot run here: {', '.join(refused)} (see the answers below)")
    if notes:
        table.caption = "\n".join(notes)
        table.caption_justify = "left"
    return table


def answers(results: RunResults) -> RenderableType:
    lines = [Text("will threads (or processes) make it faster?", style="bold")]
    for backend in results.backends():
        line = Text(f"{backend}: ", style="bold")
        line.append_text(answer(results, backend))
        lines.append(line)
    return Group(*lines)


def noise_line(results: RunResults) -> Text | None:
    """One line on how noisy the machine was, and what would help."""
    noise = noise_summary(results)
    if not noise["cells"]:
        return None
    spread = noise["median_halfwidth"]
    said = (
        f"noise: speedup intervals ±{spread:.0%} (median half-width), "
        f"{noise['repeats'][0]}-{noise['repeats'][1]} repeats per cell, "
        f"{noise['stolen_share']:.0%} of the time measured taken by other programs (subtracted), "
        f"{noise['set_aside']} repeats set aside and {noise['waited_s']:.0f} s waited while the "
        "workers could not have whole cores, "
        f"{noise['unstable']} of {noise['cells']} cells unstable, "
        f"{noise['inconclusive']} inconclusive"
    )
    if noise["unstable"] or noise["inconclusive"]:
        return Text(
            said + ": the machine was busy; close other programs, or give --budget more "
            "seconds so that noisy cells can repeat until their intervals narrow",
            style="magenta",
        )
    return Text(said, style="dim")


def run_report(results: RunResults) -> RenderableType:
    """Everything ``gilbench run`` prints after measuring (the environment line comes before)."""
    parts: list[RenderableType] = [
        Text(MODE_NOTES.get(results.config.get("mode", "weak"), ""), style="dim"),
        ceiling_summary(results),
        sizes_summary(results),
    ]
    parts += status_notes(results.warnings, results.interrupted, "results", bool(results.records))
    parts += measured_tables(results)
    if results.records:
        parts += [Text(""), answers(results)]
    if (line := noise_line(results)) is not None:
        parts.append(line)
    return Group(*parts)


def measured_tables(results: RunResults, subject: str = "backend") -> list[RenderableType]:
    """The GIL observed, then one table per executor (a line for one that ran nothing)."""
    parts: list[RenderableType] = []
    if results.gil:
        parts += [Text(""), gil_table(results, subject)]
    for executor in results.executors():
        if any(r.executor == executor for r in results.records):
            parts += [Text(""), executor_table(results, executor, subject)]
        else:  # refused for every backend: no table, one line with the reason if it is one
            reasons = {r["reason"] for r in results.refusals if r["executor"] == executor}
            why = f": {reasons.pop().splitlines()[0]}" if len(reasons) == 1 else ""
            line = f"{executor}: cannot run any {subject} here{why}"
            parts += [Text(""), Text(line, style="dim")]
    return parts
