"""``gilbench probe`` as text: the call, the GIL observed, the tables, one answer per executor.

``probe_report`` is what the command prints (rich); ``probe_summary`` is the same
answers as plain text, the ``repr`` of a :class:`ProbeResults` in a notebook.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from gilbench.executors.registry import BASELINE, shares_gil
from gilbench.measure.analysis import judged
from gilbench.report.formatting import seconds
from gilbench.report.run import ceiling_summary, measured_tables, noise_line
from gilbench.report.tables import status_notes
from gilbench.report.verdicts import executor_answer, held_words
from gilbench.results import ProbeResults

OWN_THREADS_AT = 1.3
"""A sequential call keeping more cores busy than this runs threads of its own."""

WAITS_BELOW = 0.7
"""A sequential call keeping less of a core busy than this spends its time waiting."""


def call_lines(results: ProbeResults) -> list[Text]:
    """What was called, how long one call lasts, how many make a task, what was checked."""
    function = results.function
    if not function:
        return []
    name = function["name"]
    lines = [Text(f"probing {function['arguments']}", style="bold")]
    first = function["first_call_s"]
    loops = results.sizes.get(name)
    said = f"one call: {seconds(first)} (the first, alone)"
    if loops and loops > 1:
        said += f"; too short to time alone, so each task calls it {loops:,} times"
    elif loops:
        said += "; each task is one call"
    lines.append(Text(said, style="dim"))
    if function["checked"]:
        check = f"every task's result is checked against its first ({function['result_type']})"
    else:
        check = "results not checked (--no-check)"
    lines.append(Text(check, style="dim"))
    if (cores := cores_line(results)) is not None:
        lines.append(Text(cores, style="yellow"))
    return lines


def cores_line(results: ProbeResults) -> str | None:
    """'the call itself keeps 1.9 cores busy: ...' when it runs threads of its own, or
    '... 0.01 of a core busy: it mostly waits' when it does not compute."""
    alone = results.find(results.function.get("name", ""), BASELINE, 1)
    pools = results.function.get("pools") or []
    named = ", ".join(
        f"{p.get('internal_api') or p.get('user_api')} ({p.get('num_threads')} threads)"
        for p in pools
    )
    if alone is not None and alone.cores_busy < WAITS_BELOW:
        return (
            f"the call keeps {alone.cores_busy:.2f} of a core busy: it mostly waits (I/O, a "
            "sleep, a lock), so workers can overlap their waiting whatever the cores"
        )
    if alone is not None and alone.cores_busy > OWN_THREADS_AT:
        said = (
            f"the call itself keeps {alone.cores_busy:.1f} cores busy: it runs threads of its "
            "own, so more workers compete with them for the same cores"
        )
        return said + (f"; thread pools loaded: {named}" if named else "")
    return None


def answer_lines(results: ProbeResults) -> list[Text]:
    """One line per executor: the verdict, its figures, and why (the GIL, or the start-up)."""
    name = results.function.get("name", "")
    held = held_words(results, name)
    lines = []
    for executor in [e for e in results.executors() if e != BASELINE]:
        line = executor_answer(results, name, executor)
        record = judged(results, name, executor)
        if record is not None:
            if shares_gil(executor) and held is not None:
                line.append(f": it {held}")
            started = [s["startup_s"] for s in results.startups
                       if s["executor"] == executor and s["workers"] == record.workers]  # fmt: skip
            if started and not shares_gil(executor):
                line.append(f"; plus {seconds(started[0])} to start {record.workers} workers")
        lines.append(line)
    return lines


def probe_report(results: ProbeResults) -> RenderableType:
    """Everything ``gilbench probe`` prints after measuring (the environment line comes before)."""
    parts: list[RenderableType] = call_lines(results)
    if results.records:
        parts.append(ceiling_summary(results))
    parts += status_notes(results.warnings, results.interrupted, "results", bool(results.records))
    parts += measured_tables(results, "function")
    if results.records:
        name = results.function.get("name", "the function")
        parts += [Text(""), Text(f"will threads (or processes) make {name} faster?", style="bold")]
        parts += answer_lines(results)
    if (line := noise_line(results)) is not None:
        parts.append(line)
    return Group(*parts)


def probe_summary(results: ProbeResults) -> str:
    """The answers as plain text: a probe's ``repr``."""
    environment = results.environment
    where = f"{environment.get('usable_cpus', '?')} cores, {environment.get('cpu_model', '?')}"
    head = results.function.get("arguments", "?")
    lines = [f"<gilbench probe of {head} on {where}"]
    lines += ["  " + line.plain for line in call_lines(results)[1:]]
    lines += ["  " + line.plain for line in answer_lines(results)]
    lines += [f"  warning: {warning}" for warning in results.warnings]
    if results.interrupted:
        lines.append("  interrupted: only what finished is here")
    if results.error:
        lines.append(f"  error: {results.error}")
    return "\n".join(lines) + ">"
