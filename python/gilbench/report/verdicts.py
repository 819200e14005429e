"""The answer in words: per backend and executor, and one line per backend.

Every sentence is built from a record's verdict class (``analysis.judge``, read from
intervals) and its figures; nothing here decides a class.  The per-backend line answers
the title question: "threads: yes/no, processes: yes/no", and why.
"""

from __future__ import annotations

from rich.text import Text

from gilbench.executors.registry import BASELINE, shares_gil
from gilbench.measure.analysis import cpu_cost, judged, judged_figures
from gilbench.report.formatting import TIMES, seconds
from gilbench.report.tables import VERDICT_STYLE, interval
from gilbench.results import Record, RunResults

ANSWER = {
    "scales": "yes",
    "partly": "partly",
    "held": "no",
    "inconclusive": "can't tell",
    "too short": "can't tell",
}


def shown_held_share(observed: dict) -> tuple[float, float, float]:
    """An observation's held share and its interval as shown: a share a little below 0 or
    above 1 is measurement noise, so it is shown clipped (and kept raw in the results)."""
    low, high = observed["held_share_ci"]
    return _unit_range(observed["held_share"]), _unit_range(low), _unit_range(high)


def _unit_range(value: float) -> float:
    return min(1.0, max(0.0, value))


def held_words(results: RunResults, backend: str) -> str | None:
    """'holds the GIL 2% of the call [0-4]' from the direct observation, if there is one."""
    observed = results.gil.get(backend)
    if not observed or observed.get("held_share") is None:
        return None
    share, low, high = shown_held_share(observed)
    if not observed.get("gil_enabled", True):
        return f"no GIL on this build; it blocks other threads {share:.0%} of the call"
    return f"holds the GIL {share:.0%} of the call [{low:.0%}-{high:.0%}]"


def why(results: RunResults, record: Record) -> str:
    """The figures behind one verdict, in words."""
    median, ci, fraction, fraction_ci = judged_figures(record)
    on = f"{interval(median, ci)} on {record.workers} workers"
    verdict = record.verdict or "inconclusive"
    if verdict == "too short":
        return f"a task of {record.task_s * 1e3:.2g} ms is too short to judge ({on})"
    on_work = record.work_speedup_ci is not None  # judged on the work, the executor's cost apart
    if on_work:
        on = f"the work {on}"
    if fraction is not None:
        on += f", {interval(fraction, fraction_ci, True)} of ceiling"
    if on_work and record.overhead_s is not None:
        on += (
            f"; with its own {seconds(record.overhead_s)} per run, the run "
            f"{interval(record.speedup, record.speedup_ci)}"
        )
    if verdict == "held" and shares_gil(record.executor) and record.releases_gil is False:
        gil = results.environment.get("gil_enabled", True)
        on += ", the workers take turns on one GIL" if gil else ""
    cost = cpu_cost(results, record)
    if verdict in ("partly", "inconclusive") and cost is not None and cost.median >= SLOWED_AT:
        on += (
            f"; its workers needed {cost.median:.2f}{TIMES} the CPU time of the same tasks run"
            " one after another: they computed slower, not in turn (the machine, not the GIL)"
        )
    return on


SLOWED_AT = 1.15
"""CPU time this much above the baseline's, for the same tasks, is worth a word."""


def executor_answer(results: RunResults, backend: str, executor: str) -> Text:
    """'threads: yes, 1.97x [1.9-2.0] on 2 workers, ...' for one executor."""
    refused = results.refusal(backend, executor)
    if refused is not None:
        return Text(f"{executor}: cannot run ({refused.splitlines()[0]})", style="dim")
    record = judged(results, backend, executor)
    if record is None or record.verdict is None:
        return Text(f"{executor}: not measured above 1 worker", style="dim")
    line = Text(f"{executor}: {ANSWER[record.verdict]}", style=VERDICT_STYLE[record.verdict])
    line.append(f", {why(results, record)}")
    if record.unstable:
        line.append(" (unstable)", style="magenta")
    return line


def answer(results: RunResults, backend: str) -> Text:
    """'threads: yes, 1.97x [...]; processes: yes, ...': the title question, answered."""
    line = Text("; ").join(
        executor_answer(results, backend, e) for e in results.executors() if e != BASELINE
    )
    held = held_words(results, backend)
    if held and any(e for e in results.executors() if shares_gil(e) and e != BASELINE):
        line.append(f" — it {held}")
    return line


def startup_words(results: RunResults, executor: str) -> str | None:
    """'start-up, not in the times: 2 workers 70 ms' for an executor, if it has one, and
    what its workers were where the executor described them (a cluster's machines)."""
    found = [s for s in results.startups if s["executor"] == executor]
    if not found:
        return None
    parts = [f"{s['workers']} worker{'s' if s['workers'] > 1 else ''} " + _ms(s["startup_s"])
             for s in found]  # fmt: skip
    described = dict.fromkeys(s["description"] for s in found if s.get("description"))
    return "\n".join(["start-up, not in the times: " + ", ".join(parts), *described])


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3g} ms"
